#include "peerdb/node/mempool.h"

#include <algorithm>

#include "peerdb/codec/pce.h"
#include "peerdb/node/block_producer.h"

namespace peerdb::node {
namespace {
// A batch stays valid for this many heights after it was accepted (valid_until_height, §1.4).
constexpr std::uint64_t kBatchValidityHeights = 1000;
}  // namespace

Mempool::Mempool(const chain::Config& config, const Hash32& chain_id, chain::MemberId self,
                 const crypto::SigningKey& key, const state::StateView& committed)
    : m_config(config), m_chain_id(chain_id), m_self(self), m_key(key), m_committed(committed),
      m_overlay(std::make_unique<state::OverlayView>(committed)) {}

Status Mempool::Add(std::vector<chain::Op> ops, std::uint64_t next_height, Callback<SubmitReceipt> done) {
  if (ops.empty()) return Error{Errc::kMalformed, "no operations"};
  if (ops.size() > kMaxOpsPerSubmit) {
    return Error{Errc::kTooLarge, "at most " + std::to_string(kMaxOpsPerSubmit) + " operations per request"};
  }
  for (const chain::Op& op : ops) {
    if (op.value.size() > kMaxValueBytes) {
      return Error{Errc::kTooLarge, "value of " + op.ns + "/" + op.key + " exceeds " + std::to_string(kMaxValueBytes) + " bytes"};
    }
  }
  PendingBatch p;
  chain::TxBatch& b = p.batch;
  b.author = m_self;
  PEERDB_TRY_ASSIGN(std::uint64_t last, m_overlay->LastSeq(m_self));
  b.seq = last + 1;
  b.valid_until_height = next_height + kBatchValidityHeights;
  b.ops = std::move(ops);
  chain::SignWith(m_key, m_chain_id, b);
  auto result = state::ExecuteBatches(m_config, m_chain_id, *m_overlay, {b}, next_height);
  if (!result.ok()) {
    // Strip the internal "batch 0 (author, seq)" context: the client sent ops, not a batch.
    Error e = result.error();
    if (auto pos = e.message.find(") "); e.message.rfind("batch ", 0) == 0 && pos != std::string::npos) {
      e.message = e.message.substr(pos + 2);
    }
    return e;
  }
  m_overlay->Apply(*result);
  p.encoded_bytes = codec::Encode(b).size();
  // A batch must also fit in a block beside the header and certificate, or it would stay queued
  // for ever and hold back every later batch (max_block_bytes may be as small as max_batch_bytes).
  const std::size_t limit = std::min<std::size_t>(m_config.params.max_batch_bytes, SoloBlockBatchBytes(m_config.params));
  if (p.encoded_bytes > limit) {
    // Undo is a rebuild: rare, and keeps the overlay exact.
    RebuildOverlay();
    return Error{Errc::kTooLarge, "request of " + std::to_string(p.encoded_bytes) + " bytes exceeds the " +
                                      std::to_string(limit) + " bytes a batch may have (max_batch_bytes " +
                                      std::to_string(m_config.params.max_batch_bytes) + ", max_block_bytes " +
                                      std::to_string(m_config.params.max_block_bytes) + "); split it"};
  }
  p.done = std::move(done);
  m_pending_ops += b.ops.size();
  m_pending_bytes += p.encoded_bytes;
  m_queue.push_back(std::move(p));
  return Status::Ok();
}

std::vector<PendingBatch> Mempool::Take(std::size_t max_bytes) {
  std::vector<PendingBatch> out;
  std::size_t used = 0;
  while (!m_queue.empty() && used + m_queue.front().encoded_bytes <= max_bytes) {
    used += m_queue.front().encoded_bytes;
    m_pending_ops -= m_queue.front().batch.ops.size();
    m_pending_bytes -= m_queue.front().encoded_bytes;
    out.push_back(std::move(m_queue.front()));
    m_queue.pop_front();
  }
  return out;
}

void Mempool::Return(std::vector<PendingBatch> batches) {
  for (auto it = batches.rbegin(); it != batches.rend(); ++it) {
    m_pending_ops += it->batch.ops.size();
    m_pending_bytes += it->encoded_bytes;
    m_queue.push_front(std::move(*it));
  }
}

void Mempool::OnCommitted() {
  if (m_queue.empty()) m_overlay = std::make_unique<state::OverlayView>(m_committed);
}

void Mempool::RebuildOverlay() {
  m_overlay = std::make_unique<state::OverlayView>(m_committed);
  for (const PendingBatch& p : m_queue) {
    auto r = state::ExecuteBatches(m_config, m_chain_id, *m_overlay, {p.batch}, p.batch.valid_until_height - kBatchValidityHeights);
    if (r.ok()) m_overlay->Apply(*r);
  }
}

void Mempool::FailAll(const Error& error) {
  std::deque<PendingBatch> q;
  q.swap(m_queue);
  m_pending_ops = 0;
  m_pending_bytes = 0;
  m_overlay = std::make_unique<state::OverlayView>(m_committed);
  for (PendingBatch& p : q) {
    if (p.done) p.done(error);
  }
}

}  // namespace peerdb::node
