// This member's operations accepted from clients and not yet committed, as its signed batches.
// Requests are coalesced (issue 16): each accepted request joins the open batch, checked against
// the committed state plus this member's pending batches and the open batch's earlier requests
// (state::OverlayView); Seal() signs the open batch once, with the next seq, and hands it to the
// consensus machine, which gossips it so that any proposer can include it (PROTOCOL.md §1.4, §2.2).
// The node seals when its queue of client requests has drained, so a lone request waits for nothing
// while requests arriving together share one signature, one verification per member and one
// gossip message.
//
// A request stays atomic and is answered on its own: all its ops are in one batch, and its callback
// is resolved exactly once, by what happened to that batch: committed (the block holding it is in
// the store), or dropped. A dropped batch of several requests has them checked again one by one;
// each that still executes goes out again in a batch of its own (so a second drop is its own fault
// and fails it), the others are answered with their own error. Batches are matched by their id (chain::BatchId), not their seq,
// so a replacement batch reusing a seq can never acknowledge the wrong request.
// Thread-safety: node thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/crypto/ed25519.h"
#include "peerdb/node/service.h"
#include "peerdb/state/executor.h"

namespace peerdb::node {

// A batch stays valid for this many heights after it was accepted (valid_until_height, §1.4).
inline constexpr std::uint64_t kBatchValidityHeights = 200;

class Mempool {
 public:
  // The rules in force at the next height (the epoch state of the committed head and X_chain).
  using RulesFn = std::function<state::ExecRules()>;
  Mempool(RulesFn rules, const Hash32& chain_id, chain::MemberId self, const crypto::SigningKey& key,
          const state::StateView& committed);

  // Validates ops as one request for height `next_height`, seals the values of encrypted
  // namespaces for their readers (private_records.h) and adds it to the open batch, keeping `done`
  // until its batch commits or the request fails. Errors leave nothing pending. When the open batch
  // had no room for the request, it is sealed first and returned: the caller hands it on.
  Result<std::optional<chain::TxBatch>> Add(std::vector<chain::Op> ops, std::uint64_t next_height,
                                            Callback<SubmitReceipt> done);
  // Signs the open batch (if any requests are open) as the next batch, valid from `next_height`.
  std::optional<chain::TxBatch> Seal(std::uint64_t next_height);
  bool has_open() const { return !m_open.requests.empty(); }

  // After a restart: takes back one of this member's own batches that a block it signed before the
  // crash carries (PROTOCOL.md S6 re-send), so that new submissions get the seqs after it instead of
  // colliding with it. Nobody waits for it (its client saw the connection drop). Returns false,
  // keeping nothing, if it is not this member's next batch or no longer executes.
  bool Restore(const chain::TxBatch& batch, std::uint64_t next_height);

  // A block committed: acknowledges this member's batches in it. Returns the ops acknowledged.
  std::size_t OnCommitted(const chain::Block& block, const Hash32& id, store::BlockStatus status);
  // The consensus machine gave up on one of this member's batches. A batch of one request fails it;
  // of several, each request that still executes goes out again in a batch of its own, the others
  // fail with their own error. Returns the batches to hand on (the open batch first, sealed so that
  // seqs follow the order the requests were checked in).
  std::vector<chain::TxBatch> OnDropped(const chain::TxBatch& batch, const std::string& reason);
  // Fails every pending batch and open request (shutdown).
  void FailAll(const Error& error);

  // Test networks only (testing_byzantine = "bad-ciphertext"): every envelope it seals has a
  // corrupted ciphertext, so its readers cannot open it (A9) while its shape still passes C5.
  void SetTestingCorruptCiphertexts(bool on) { m_corrupt_ciphertexts = on; }

  // A key rotation took effect: new batches are signed with `key` (which outlives the mempool).
  void SetKey(const crypto::SigningKey& key) { m_key = &key; }

  bool empty() const { return m_pending.empty() && m_open.requests.empty(); }
  std::size_t size_ops() const { return m_pending_ops + m_open.ops.size(); }
  // Keys the overlay of checked-but-uncommitted writes holds (bounded: OnCommitted).
  std::size_t overlay_keys() const { return m_overlay->keys(); }
  static constexpr std::size_t kOverlaySlackKeys = 1024;

 private:
  // One client request: ops [first_op, first_op + op_count) of its batch.
  struct Request {
    std::size_t first_op = 0;
    std::size_t op_count = 0;
    Callback<SubmitReceipt> done;
  };
  struct Pending {
    chain::TxBatch batch;
    std::vector<Request> requests;  // empty for a batch restored after a restart
  };
  struct Open {
    std::vector<chain::Op> ops;
    std::vector<Request> requests;
    std::size_t bytes = 0;  // the encoded ops
  };
  // The bytes a batch may have under the rules in force (max_batch_bytes, and room in a block).
  std::size_t BatchLimit(const state::ExecRules& rules);
  // Checks `ops` (sealed, salted) as one request over the overlay; the error is the request's own.
  Result<state::ExecResult> Check(const state::ExecRules& rules, const std::vector<chain::Op>& ops,
                                  std::uint64_t next_height) const;
  // Applies a checked request's writes to the overlay and appends it to the open batch.
  void Join(const state::ExecResult& result, std::vector<chain::Op> ops, Callback<SubmitReceipt>& done);
  // Check, then Join when the ops execute.
  Status Append(const state::ExecRules& rules, std::vector<chain::Op> ops, std::uint64_t next_height,
                Callback<SubmitReceipt>& done);
  // Re-derives the overlay from the committed state, the pending batches and the open requests;
  // open requests that no longer execute fail.
  void RebuildOverlay();
  std::size_t BlockOverhead(const chain::Config& config);  // cached per epoch

  RulesFn m_rules;
  Hash32 m_chain_id;
  chain::MemberId m_self;
  const crypto::SigningKey* m_key;
  const state::StateView& m_committed;
  std::unique_ptr<state::OverlayView> m_overlay;
  std::size_t m_block_overhead = 0;      // a block's bytes besides its batches, at most
  std::optional<std::uint64_t> m_overhead_epoch;  // the epoch m_block_overhead was computed for
  std::map<Hash32, Pending> m_pending;  // by BatchId
  Open m_open;
  std::uint64_t m_next_height = 1;  // the newest next height given to Add or Seal
  std::size_t m_pending_ops = 0;
  bool m_corrupt_ciphertexts = false;
};

}  // namespace peerdb::node
