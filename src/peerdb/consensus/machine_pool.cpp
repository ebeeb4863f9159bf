// Machine: batch dissemination and the bounded batch pool (§1.4, §2.2). A member's own batches are
// broadcast and kept until a committed block includes them or their seq goes stale; batches of
// others are verified (member author, signature, shape) before they are kept.
#include <algorithm>

#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

bool Machine::Impl::PoolAdd(const chain::TxBatch& b, bool local) {
  auto seq = m_committed_seq.find(b.author);
  if (seq != m_committed_seq.end() && b.seq <= seq->second) return false;
  const auto key = std::make_pair(b.author, b.seq);
  if (m_pool.count(key)) return false;  // first one wins; a second batch with one seq cannot both execute
  std::size_t per_author = 0;
  for (auto it = m_pool.lower_bound({b.author, 0}); it != m_pool.end() && it->first.first == b.author; ++it) ++per_author;
  const std::size_t bytes = codec::Encode(b).size();
  if (per_author >= kMaxPoolPerAuthor || m_pool.size() >= kMaxPoolBatches || m_pool_bytes + bytes > kMaxPoolBytes) {
    return false;
  }
  m_pool[key] = PoolEntry{b, local, m_h, bytes};
  m_pool_bytes += bytes;
  return true;
}

void Machine::Impl::PoolRemove(std::map<std::pair<chain::MemberId, std::uint64_t>, PoolEntry>::iterator it,
                               const char* reason) {
  if (reason && it->second.local) Emit(BatchDropped{it->second.batch, reason});
  if (it->second.local) Clear(AlertKind::kCensoredBatch, it->first.first == m_self ? m_self : it->first.first);
  m_pool_bytes -= it->second.bytes;
  m_pool.erase(it);
}

void Machine::Impl::OnLocalBatch(const chain::TxBatch& b) {
  if (b.author != m_self) {
    Emit(BatchDropped{b, "batch author is not this member"});
    return;
  }
  if (!PoolAdd(b, /*local=*/true)) {
    Emit(BatchDropped{b, "batch seq is stale, duplicated, or the pool is full"});
    return;
  }
  Emit(Broadcast{b});
}

void Machine::Impl::OnBatch(chain::MemberId from, const chain::TxBatch& b) {
  const chain::Member* author = config().FindMember(b.author);
  if (!author) return Penalise(from, "batch by a non-member");
  if (b.author == m_self) return;  // my own batches come from LocalBatch
  if (Status s = chain::CheckBatchShape(b, params()); !s.ok()) return Penalise(from, "batch: " + s.error().message);
  if (!chain::VerifySignedBy(author->pubkey, m_chain_id, b)) return Penalise(from, "batch signature does not verify");
  if (m_x_local.count(b.author)) return;
  (void)PoolAdd(b, /*local=*/false);
}

void Machine::Impl::PoolOnCommitted(const chain::Block& block) {
  for (const chain::TxBatch& b : block.batches) {
    std::uint64_t& seq = m_committed_seq[b.author];
    seq = std::max(seq, b.seq);
  }
  for (auto it = m_pool.begin(); it != m_pool.end();) {
    auto next = std::next(it);
    auto seq = m_committed_seq.find(it->first.first);
    if (seq != m_committed_seq.end() && it->first.second <= seq->second) {
      const bool included = std::find(block.batches.begin(), block.batches.end(), it->second.batch) != block.batches.end();
      PoolRemove(it, included ? nullptr : "another batch with this seq was committed");
    }
    it = next;
  }
}

void Machine::Impl::PoolOnDropped(const std::vector<chain::TxBatch>& dropped) {
  for (const chain::TxBatch& b : dropped) {
    auto it = m_pool.find({b.author, b.seq});
    if (it != m_pool.end() && it->second.batch == b) PoolRemove(it, "the batch no longer executes (stale seq or rules)");
  }
}

std::vector<chain::TxBatch> Machine::Impl::PoolCandidates() const {
  // Per author in id order, the run of consecutive seqs after the last committed one, while the
  // block stays well under max_block_bytes (the application drops what does not execute).
  std::vector<chain::TxBatch> out;
  const std::size_t budget = params().max_block_bytes / 4 * 3;
  std::size_t bytes = 0;
  std::optional<chain::MemberId> author;
  std::uint64_t expect = 0;  // 0: no committed seq known for the author (after a restart)
  bool skipping = false;
  for (const auto& [key, entry] : m_pool) {
    if (!author || key.first != *author) {
      author = key.first;
      auto seq = m_committed_seq.find(key.first);
      expect = seq == m_committed_seq.end() ? 0 : seq->second + 1;
      skipping = m_x_local.count(key.first) > 0;
    }
    if (skipping) continue;
    if (expect != 0 && key.second != expect) { skipping = true; continue; }
    if (entry.batch.valid_until_height < m_h) continue;
    if (bytes + entry.bytes > budget) break;
    out.push_back(entry.batch);
    bytes += entry.bytes;
    expect = key.second + 1;
  }
  return out;
}

bool Machine::Impl::HasPendingWork() const {
  for (const auto& [key, entry] : m_pool) {
    if (!m_x_local.count(key.first) && entry.batch.valid_until_height >= m_h) return true;
  }
  for (const auto& [offender, e] : m_evidence) {
    if (!m_x_chain.count(offender)) return true;
  }
  return false;
}

}  // namespace peerdb::consensus
