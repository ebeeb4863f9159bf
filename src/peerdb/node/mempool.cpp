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
  return codec::EncodedSize(block);
}

// A batch's bytes besides its ops (fixed-width fields, the list count and the signature).
std::size_t BatchFrameBytes() {
  static const std::size_t bytes = codec::EncodedSize(chain::TxBatch{});
  return bytes;
}

std::size_t OpsBytes(const std::vector<chain::Op>& ops) {
  std::size_t n = 0;
  for (const chain::Op& op : ops) n += codec::EncodedSize(op);
  return n;
}

// Strips the internal "batch 0 (author, seq)" context: the client sent ops, not a batch.
Error RequestError(Error e) {
  if (auto pos = e.message.find(") "); e.message.rfind("batch ", 0) == 0 && pos != std::string::npos) {
    e.message = e.message.substr(pos + 2);
  }
  return e;
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

std::size_t Mempool::BatchLimit(const state::ExecRules& rules) {
  const chain::Params& params = rules.epoch->config.params;
  const std::size_t overhead = BlockOverhead(rules.epoch->config);
  const std::size_t room = params.max_block_bytes > overhead ? params.max_block_bytes - overhead : 0;
  return std::min<std::size_t>(params.max_batch_bytes, room);
}

Result<std::optional<chain::TxBatch>> Mempool::Add(std::vector<chain::Op> ops, std::uint64_t next_height,
                                                   Callback<SubmitReceipt> done) {
  if (ops.empty()) return Error{Errc::kMalformed, "no operations"};
  if (ops.size() > kMaxOpsPerSubmit) {
    return Error{Errc::kTooLarge, "at most " + std::to_string(kMaxOpsPerSubmit) + " operations per request"};
  }
  for (const chain::Op& op : ops) {
    if (op.value.size() > kMaxValueBytes) {
      return Error{Errc::kTooLarge, "value of " + op.ns + "/" + op.key + " exceeds " + std::to_string(kMaxValueBytes) + " bytes"};
    }
  }
  m_next_height = next_height;
  const state::ExecRules rules = m_rules();
  // Private records: the plaintext of an encrypted namespace never leaves this node unsealed.
  PEERDB_TRY_ASSIGN(ops, SealPrivateOps(rules.epoch->config, m_chain_id, m_self, *m_overlay, std::move(ops)));
  if (m_corrupt_ciphertexts) CorruptCiphertexts(rules.epoch->config, ops);
  // Fresh salts make each value's commitment unguessable, also for a value as guessable as "yes".
  chain::FillSalts(ops);

  const std::size_t bytes = OpsBytes(ops);
  const std::size_t limit = BatchLimit(rules);
  if (BatchFrameBytes() + bytes > limit) {
    const chain::Params& params = rules.epoch->config.params;
    return Error{Errc::kTooLarge, "request of " + std::to_string(BatchFrameBytes() + bytes) + " bytes exceeds the " +
                                      std::to_string(limit) + " bytes a batch may have (max_batch_bytes " +
                                      std::to_string(params.max_batch_bytes) + ", max_block_bytes " +
                                      std::to_string(params.max_block_bytes) + "); split it"};
  }
  // Checked before anything is sealed: a refused request leaves the open batch as it was.
  PEERDB_TRY_ASSIGN(state::ExecResult result, Check(rules, ops, next_height));
  // The open batch has no room left for this request: it goes out as it is. The request's writes
  // were checked over the open batch's, which stay applied, so its place in the next batch holds.
  std::optional<chain::TxBatch> sealed;
  if (!m_open.requests.empty() &&
      (BatchFrameBytes() + m_open.bytes + bytes > limit || m_open.ops.size() + ops.size() > chain::kMaxOpsPerBatch)) {
    sealed = Seal(next_height);
  }
  Join(result, std::move(ops), done);
  return sealed;
}

Result<state::ExecResult> Mempool::Check(const state::ExecRules& rules, const std::vector<chain::Op>& ops,
                                         std::uint64_t next_height) const {
  // The request alone, as a batch after the committed, pending and open ops would carry it (its
  // seq does not change what the ops may do).
  chain::TxBatch trial;
  trial.author = m_self;
  PEERDB_TRY_ASSIGN(std::uint64_t last, m_overlay->LastSeq(m_self));
  trial.seq = last + 1;
  trial.valid_until_height = next_height + kBatchValidityHeights;
  trial.ops = ops;
  auto result = state::ExecuteOwnUnsigned(rules, *m_overlay, trial, next_height);
  if (!result.ok()) return RequestError(result.take_error());
  result->last_seq.clear();  // the overlay's last seq moves when the batch is sealed
  return std::move(result).value();
}

void Mempool::Join(const state::ExecResult& result, std::vector<chain::Op> ops, Callback<SubmitReceipt>& done) {
  m_overlay->Apply(result);
  m_open.bytes += OpsBytes(ops);
  m_open.requests.push_back(Request{m_open.ops.size(), ops.size(), std::move(done)});
  m_open.ops.insert(m_open.ops.end(), std::make_move_iterator(ops.begin()), std::make_move_iterator(ops.end()));
}

Status Mempool::Append(const state::ExecRules& rules, std::vector<chain::Op> ops, std::uint64_t next_height,
                       Callback<SubmitReceipt>& done) {
  PEERDB_TRY_ASSIGN(state::ExecResult result, Check(rules, ops, next_height));
  Join(result, std::move(ops), done);
  return Status::Ok();
}

std::optional<chain::TxBatch> Mempool::Seal(std::uint64_t next_height) {
  if (m_open.requests.empty()) return std::nullopt;
  m_next_height = next_height;
  Open open = std::move(m_open);
  m_open = Open{};
  chain::TxBatch b;
  b.author = m_self;
  auto last = m_overlay->LastSeq(m_self);
  b.seq = (last.ok() ? *last : 0) + 1;
  b.valid_until_height = next_height + kBatchValidityHeights;
  b.ops = std::move(open.ops);
  chain::SignWith(*m_key, m_chain_id, b);
  m_overlay->SetLastSeq(m_self, b.seq);
  m_pending_ops += b.ops.size();
  m_pending.emplace(chain::BatchId(b), Pending{b, std::move(open.requests)});
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
  m_pending.emplace(chain::BatchId(batch), Pending{batch, {}});
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
    for (Request& r : p.requests) {
      if (r.done) r.done(SubmitReceipt{block.header.height, id, status, p.batch.seq, r.op_count});
    }
  }
  // Other members' writes change the base under the overlay; rebuild it when nothing of ours is
  // in flight (cheap) so later submissions are checked against what is really committed. Under
  // sustained load something is always in flight: then rebuild it from the pending batches once it
  // holds mostly committed writes, so that it neither grows with every key ever written nor goes
  // stale (a rebuild costs the ops in flight and comes after at least as many ops committed).
  if (m_pending.empty() && m_open.requests.empty()) {
    m_overlay = std::make_unique<state::OverlayView>(m_committed);
  } else if (m_overlay->keys() > 2 * size_ops() + kOverlaySlackKeys) {
    RebuildOverlay();
  }
  return acked;
}

std::vector<chain::TxBatch> Mempool::OnDropped(const chain::TxBatch& batch, const std::string& reason) {
  auto it = m_pending.find(chain::BatchId(batch));
  if (it == m_pending.end()) return {};
  Pending p = std::move(it->second);
  m_pending.erase(it);
  m_pending_ops -= p.batch.ops.size();
  RebuildOverlay();
  const auto fail = [](Request& r, const std::string& why) {
    if (r.done) r.done(Error{Errc::kConflict, "operations not committed: " + why});
  };
  // A batch of one request failed for that request's own reason.
  if (p.requests.size() == 1) {
    fail(p.requests.front(), reason);
    return {};
  }
  // One request's conflict must not fail the others that shared its batch: each is checked again
  // and, if it still executes, goes out alone, after the open batch, so that a second drop is its
  // own (the proposers may see a reason this check does not). A retry never repeats.
  std::vector<chain::TxBatch> out;
  if (auto open = Seal(m_next_height)) out.push_back(std::move(*open));
  const state::ExecRules rules = m_rules();
  for (Request& r : p.requests) {
    std::vector<chain::Op> ops(p.batch.ops.begin() + static_cast<std::ptrdiff_t>(r.first_op),
                               p.batch.ops.begin() + static_cast<std::ptrdiff_t>(r.first_op + r.op_count));
    if (Status s = Append(rules, std::move(ops), m_next_height, r.done); !s.ok()) {
      fail(r, s.error().message + " (" + reason + ")");
      continue;
    }
    if (auto alone = Seal(m_next_height)) out.push_back(std::move(*alone));
  }
  return out;
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
    auto r = state::ExecuteOwnUnsigned(rules, *m_overlay, p->batch, p->batch.valid_until_height - kBatchValidityHeights);
    if (r.ok()) m_overlay->Apply(*r);
  }
  // The open requests were checked over the old overlay: check them again, in order.
  Open open = std::move(m_open);
  m_open = Open{};
  for (Request& r : open.requests) {
    std::vector<chain::Op> ops(std::make_move_iterator(open.ops.begin() + static_cast<std::ptrdiff_t>(r.first_op)),
                               std::make_move_iterator(open.ops.begin() + static_cast<std::ptrdiff_t>(r.first_op + r.op_count)));
    if (Status s = Append(rules, std::move(ops), m_next_height, r.done); !s.ok()) {
      if (r.done) r.done(s.take_error());
    }
  }
}

void Mempool::FailAll(const Error& error) {
  std::map<Hash32, Pending> q;
  q.swap(m_pending);
  Open open = std::move(m_open);
  m_open = Open{};
  m_pending_ops = 0;
  m_overlay = std::make_unique<state::OverlayView>(m_committed);
  for (auto& [id, p] : q) {
    for (Request& r : p.requests) {
      if (r.done) r.done(error);
    }
  }
  for (Request& r : open.requests) {
    if (r.done) r.done(error);
  }
}

}  // namespace peerdb::node
