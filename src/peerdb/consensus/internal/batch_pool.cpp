#include "peerdb/consensus/internal/batch_pool.h"

#include <algorithm>
#include <optional>

#include "peerdb/codec/pce.h"

namespace peerdb::consensus {

bool BatchPool::Add(const chain::TxBatch& b, bool local, std::uint64_t height) {
  auto seq = m_committed_seq.find(b.author);
  if (seq != m_committed_seq.end() && b.seq <= seq->second) return false;
  const Key key{b.author, b.seq};
  if (m_entries.count(key)) return false;
  std::size_t per_author = 0;
  for (auto it = m_entries.lower_bound({b.author, 0}); it != m_entries.end() && it->first.first == b.author; ++it) {
    ++per_author;
  }
  const std::size_t bytes = codec::EncodedSize(b);
  if (per_author >= m_limits.max_per_author || m_entries.size() >= m_limits.max_batches ||
      m_bytes + bytes > m_limits.max_bytes) {
    return false;
  }
  m_entries[key] = PoolEntry{b, local, height, bytes};
  m_bytes += bytes;
  return true;
}

PoolEntry BatchPool::Remove(std::map<Key, PoolEntry>::iterator it) {
  PoolEntry e = std::move(it->second);
  m_bytes -= e.bytes;
  m_entries.erase(it);
  return e;
}

std::vector<BatchPool::Removed> BatchPool::OnCommitted(const chain::Block& block) {
  for (const chain::TxBatch& b : block.batches) {
    std::uint64_t& seq = m_committed_seq[b.author];
    seq = std::max(seq, b.seq);
  }
  std::vector<Removed> out;
  for (auto it = m_entries.begin(); it != m_entries.end();) {
    auto next = std::next(it);
    auto seq = m_committed_seq.find(it->first.first);
    if (seq != m_committed_seq.end() && it->first.second <= seq->second) {
      const bool included = std::find(block.batches.begin(), block.batches.end(), it->second.batch) != block.batches.end();
      out.push_back(Removed{Remove(it), included});
    }
    it = next;
  }
  return out;
}

std::vector<PoolEntry> BatchPool::RemoveDropped(const std::vector<chain::TxBatch>& dropped) {
  std::vector<PoolEntry> out;
  for (const chain::TxBatch& b : dropped) {
    auto it = m_entries.find({b.author, b.seq});
    if (it != m_entries.end() && it->second.batch == b) out.push_back(Remove(it));
  }
  return out;
}

std::vector<chain::TxBatch> BatchPool::Candidates(std::uint64_t height, const std::set<chain::MemberId>& excluded,
                                                  std::size_t budget_bytes) const {
  std::vector<chain::TxBatch> out;
  std::size_t bytes = 0;
  std::optional<chain::MemberId> author;
  std::uint64_t expect = 0;  // 0: no committed seq known for the author (after a restart)
  bool skipping = false;
  for (const auto& [key, entry] : m_entries) {
    if (!author || key.first != *author) {
      author = key.first;
      auto seq = m_committed_seq.find(key.first);
      expect = seq == m_committed_seq.end() ? 0 : seq->second + 1;
      skipping = excluded.count(key.first) > 0;
    }
    if (skipping) continue;
    // A gap in the seqs: nothing after it can execute before the missing batch arrives.
    if (expect != 0 && key.second != expect) { skipping = true; continue; }
    if (entry.batch.valid_until_height < height) continue;
    if (bytes + entry.bytes > budget_bytes) break;
    out.push_back(entry.batch);
    bytes += entry.bytes;
    expect = key.second + 1;
  }
  return out;
}

bool BatchPool::HasPending(std::uint64_t height, const std::set<chain::MemberId>& excluded) const {
  for (const auto& [key, entry] : m_entries) {
    if (!excluded.count(key.first) && entry.batch.valid_until_height >= height) return true;
  }
  return false;
}

}  // namespace peerdb::consensus
