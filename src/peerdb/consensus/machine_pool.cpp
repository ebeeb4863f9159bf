// Machine: batch dissemination (§1.4, §2.2). A member's own batches are broadcast and kept until a
// committed block includes them or their seq goes stale; batches of others are verified (member
// author, signature, shape) before they are kept. BatchPool holds them; here its removals become
// BatchDropped actions and clear A6.
#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

void Machine::Impl::OnPoolRemoved(const PoolEntry& e, const char* reason) {
  if (reason && e.local) Emit(BatchDropped{e.batch, reason});
  if (e.local) Clear(AlertKind::kCensoredBatch, e.batch.author);
}

void Machine::Impl::OnLocalBatch(const chain::TxBatch& b) {
  if (b.author != m_self) {
    Emit(BatchDropped{b, "batch author is not this member"});
    return;
  }
  if (!m_pool.Add(b, /*local=*/true, m_h)) {
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
  if (IsExcluded(b.author)) return;
  (void)m_pool.Add(b, /*local=*/false, m_h);
}

void Machine::Impl::PoolOnCommitted(const chain::Block& block) {
  for (const BatchPool::Removed& r : m_pool.OnCommitted(block)) {
    OnPoolRemoved(r.entry, r.included ? nullptr : "another batch with this seq was committed");
  }
}

void Machine::Impl::PoolOnDropped(const std::vector<chain::TxBatch>& dropped) {
  for (const PoolEntry& e : m_pool.RemoveDropped(dropped)) {
    OnPoolRemoved(e, "the batch no longer executes (stale seq or rules)");
  }
}

// A new epoch: batches signed by a member that left, or with a key it no longer holds, can never
// execute again. Dropping them now frees their (author, seq) for a batch re-signed with the new key.
void Machine::Impl::PoolOnEpochChanged(const chain::Config& before) {
  std::vector<chain::TxBatch> stale;
  for (const auto& [key, entry] : m_pool.entries()) {
    const chain::Member* now = config().FindMember(entry.batch.author);
    const chain::Member* then = before.FindMember(entry.batch.author);
    if (!now || (then && then->pubkey != now->pubkey)) stale.push_back(entry.batch);
  }
  for (const PoolEntry& e : m_pool.RemoveDropped(stale)) {
    OnPoolRemoved(e, "its author left the consortium or rotated its key");
  }
}

std::vector<chain::TxBatch> Machine::Impl::PoolCandidates() const {
  // Well under max_block_bytes: the application drops what does not execute.
  return m_pool.Candidates(m_h, m_evidence.local_excluded(), params().max_block_bytes / 4 * 3);
}

bool Machine::Impl::HasPendingWork() const {
  return m_pool.HasPending(m_h, m_evidence.local_excluded()) || m_evidence.HasUnrecorded();
}

}  // namespace peerdb::consensus
