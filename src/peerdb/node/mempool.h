// Operations accepted from clients and not yet committed, as this member's signed batches.
// Each submission becomes one batch, checked against the committed state plus every earlier
// pending batch (state::OverlayView) when it is accepted, so a block built from the queue in order
// always executes. Thread-safety: node thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "peerdb/chain/tx.h"
#include "peerdb/crypto/ed25519.h"
#include "peerdb/node/service.h"
#include "peerdb/state/executor.h"

namespace peerdb::node {

struct PendingBatch {
  chain::TxBatch batch;
  std::size_t encoded_bytes = 0;
  Callback<SubmitReceipt> done;
};

class Mempool {
 public:
  Mempool(const chain::Config& config, const Hash32& chain_id, chain::MemberId self, const crypto::SigningKey& key,
          const state::StateView& committed);

  // Validates ops as a new batch for height `next_height` and queues it; errors leave nothing queued.
  Status Add(std::vector<chain::Op> ops, std::uint64_t next_height, Callback<SubmitReceipt> done);

  // Removes and returns the oldest batches whose total encoded size stays within max_bytes.
  std::vector<PendingBatch> Take(std::size_t max_bytes);
  // Puts batches back at the front (a block could not be built); their seqs stay valid.
  void Return(std::vector<PendingBatch> batches);
  // Called after a block committed: drops the overlay when nothing is pending any more.
  void OnCommitted();
  // Fails every pending batch (shutdown); resets seq numbering to the committed state.
  void FailAll(const Error& error);

  bool empty() const { return m_queue.empty(); }
  std::size_t size_ops() const { return m_pending_ops; }
  std::size_t size_bytes() const { return m_pending_bytes; }

 private:
  void RebuildOverlay();

  const chain::Config& m_config;
  Hash32 m_chain_id;
  chain::MemberId m_self;
  const crypto::SigningKey& m_key;
  const state::StateView& m_committed;
  std::unique_ptr<state::OverlayView> m_overlay;
  std::deque<PendingBatch> m_queue;
  std::size_t m_pending_ops = 0;
  std::size_t m_pending_bytes = 0;
};

}  // namespace peerdb::node
