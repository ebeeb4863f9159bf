#include "peerdb/node/mempool.h"

#include "peerdb/node/private_records.h"

#include <algorithm>

#include "peerdb/codec/pce.h"

namespace peerdb::node {
namespace {

// A batch must fit in a block beside the header, a full parent certificate and the parent's seals,
// or it would stay pending for ever.
std::size_t BlockOverheadBytes(const chain::Config& config) {
  chain::Block block;
  auto& mc = block.parent_cert.emplace();
  for (const chain::Member& m : config.members) {
    mc.votes.push_back(chain::SigEntry{m.id, {}});
    block.records.push_back(chain::Record{chain::Seal{}});
  }
  return codec::Encode(block).size();
}

}  // namespace

Mempool::Mempool(RulesFn rules, const Hash32& chain_id, chain::MemberId self, const crypto::SigningKey& key,
                 const state::StateView& committed)
    : m_rules(std::move(rules)), m_chain_id(chain_id), m_self(self), m_key(&key), m_committed(committed),
      m_overlay(std::make_unique<state::OverlayView>(committed)) {}

std::size_t Mempool::BlockOverhead(const chain::Config& config) {
  if (!m_overhead_epoch || *m_overhead_epoch != config.epoch) {
    m_block_overhead = BlockOverheadBytes(config);
    m_overhead_epoch = config.epoch;
  }
  return m_block_overhead;
}

Result<chain::TxBatch> Mempool::Add(std::vector<chain::Op> ops, std::uint64_t next_height, Callback<SubmitReceipt> done) {
  if (ops.empty()) return Error{Errc::kMalformed, "no operations"};
  if (ops.size() > kMaxOpsPerSubmit) {
    return Error{Errc::kTooLarge, "at most " + std::to_string(kMaxOpsPerSubmit) + " operations per request"};
  }
  for (const chain::Op& op : ops) {
    if (op.value.size() > kMaxValueBytes) {
      return Error{Errc::kTooLarge, "value of " + op.ns + "/" + op.key + " exceeds " + std::to_string(kMaxValueBytes) + " bytes"};
    }
  }
  const state::ExecRules rules = m_rules();
  // Private records: the plaintext of an encrypted namespace never leaves this node unsealed.
  PEERDB_TRY_ASSIGN(ops, SealPrivateOps(rules.epoch->config, m_chain_id, m_self, *m_overlay, std::move(ops)));
  if (m_corrupt_ciphertexts) CorruptCiphertexts(rules.epoch->config, ops);
  // Fresh salts make each value's commitment unguessable, also for a value as guessable as "yes".
  chain::FillSalts(ops);
  chain::TxBatch b;
  b.author = m_self;
  PEERDB_TRY_ASSIGN(std::uint64_t last, m_overlay->LastSeq(m_self));
  b.seq = last + 1;
  b.valid_until_height = next_height + kBatchValidityHeights;
  b.ops = std::move(ops);
  chain::SignWith(*m_key, m_chain_id, b);
  const chain::Params& params = rules.epoch->config.params;
  const std::size_t encoded = codec::Encode(b).size();
  const std::size_t overhead = BlockOverhead(rules.epoch->config);
  const std::size_t room = params.max_block_bytes > overhead ? params.max_block_bytes - overhead : 0;
  const std::size_t limit = std::min<std::size_t>(params.max_batch_bytes, room);
  if (encoded > limit) {
    return Error{Errc::kTooLarge, "request of " + std::to_string(encoded) + " bytes exceeds the " +
                                      std::to_string(limit) + " bytes a batch may have (max_batch_bytes " +
                                      std::to_string(params.max_batch_bytes) + ", max_block_bytes " +
                                      std::to_string(params.max_block_bytes) + "); split it"};
  }
  auto result = state::ExecuteBatches(rules, m_chain_id, *m_overlay, {b}, next_height);
  if (!result.ok()) {
    // Strip the internal "batch 0 (author, seq)" context: the client sent ops, not a batch.
    Error e = result.error();
    if (auto pos = e.message.find(") "); e.message.rfind("batch ", 0) == 0 && pos != std::string::npos) {
      e.message = e.message.substr(pos + 2);
    }
    return e;
  }
  m_overlay->Apply(*result);
  m_pending_ops += b.ops.size();
  m_pending.emplace(chain::BatchId(b), Pending{b, std::move(done)});
  return b;
}

bool Mempool::Restore(const chain::TxBatch& batch, std::uint64_t next_height) {
  if (batch.author != m_self || m_pending.count(chain::BatchId(batch))) return false;
  auto last = m_overlay->LastSeq(m_self);
  if (!last.ok() || batch.seq != *last + 1) return false;
  auto result = state::ExecuteBatches(m_rules(), m_chain_id, *m_overlay, {batch}, next_height);
  if (!result.ok()) return false;
  m_overlay->Apply(*result);
  m_pending_ops += batch.ops.size();
  m_pending.emplace(chain::BatchId(batch), Pending{batch, nullptr});
  return true;
}

std::size_t Mempool::OnCommitted(const chain::Block& block, const Hash32& id, store::BlockStatus status) {
  std::size_t acked = 0;
  for (const chain::TxBatch& b : block.batches) {
    if (b.author != m_self) continue;
    auto it = m_pending.find(chain::BatchId(b));
    if (it == m_pending.end()) continue;  // submitted before a restart: its client saw the connection drop
    Pending p = std::move(it->second);
    m_pending.erase(it);
    m_pending_ops -= p.batch.ops.size();
    acked += p.batch.ops.size();
    if (p.done) p.done(SubmitReceipt{block.header.height, id, status, p.batch.seq, p.batch.ops.size()});
  }
  // Other members' writes change the base under the overlay; rebuild it when nothing of ours is
  // in flight (cheap) so later submissions are checked against what is really committed.
  if (m_pending.empty()) m_overlay = std::make_unique<state::OverlayView>(m_committed);
  return acked;
}

void Mempool::OnDropped(const chain::TxBatch& batch, const std::string& reason) {
  auto it = m_pending.find(chain::BatchId(batch));
  if (it == m_pending.end()) return;
  Pending p = std::move(it->second);
  m_pending.erase(it);
  m_pending_ops -= p.batch.ops.size();
  if (p.done) p.done(Error{Errc::kConflict, "operations not committed: " + reason});
  RebuildOverlay();
}

void Mempool::RebuildOverlay() {
  // Re-derive the overlay from committed state plus the batches still pending, oldest seq first;
  // a batch that no longer executes is left out (it will be dropped by the proposers too).
  m_overlay = std::make_unique<state::OverlayView>(m_committed);
  std::vector<const Pending*> order;
  for (const auto& [id, p] : m_pending) order.push_back(&p);
  std::sort(order.begin(), order.end(), [](const Pending* a, const Pending* b) { return a->batch.seq < b->batch.seq; });
  const state::ExecRules rules = m_rules();
  for (const Pending* p : order) {
    auto r = state::ExecuteBatches(rules, m_chain_id, *m_overlay, {p->batch},
                                   p->batch.valid_until_height - kBatchValidityHeights);
    if (r.ok()) m_overlay->Apply(*r);
  }
}

void Mempool::FailAll(const Error& error) {
  std::map<Hash32, Pending> q;
  q.swap(m_pending);
  m_pending_ops = 0;
  m_overlay = std::make_unique<state::OverlayView>(m_committed);
  for (auto& [id, p] : q) {
    if (p.done) p.done(error);
  }
}

}  // namespace peerdb::node
