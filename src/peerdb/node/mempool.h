// This member's operations accepted from clients and not yet committed, as its signed batches.
// Each submission becomes one batch with the next seq, checked against the committed state plus
// this member's earlier pending batches (state::OverlayView) when it is accepted. The batch then
// goes to the consensus machine, which gossips it to every member so that any proposer can include
// it (PROTOCOL.md §1.4, §2.2).
//
// Every submission's callback is resolved exactly once, by what happened to its batch: committed
// (the block holding it is in the store) or dropped (it no longer executes, e.g. another member
// wrote the key first, or it expired at valid_until_height). Batches are matched by their id
// (chain::BatchId), not their seq, so a replacement batch reusing a seq after a drop can never
// acknowledge the wrong submission.
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

  // Validates ops as a new batch for height `next_height`, seals the values of encrypted
  // namespaces for their readers (private_records.h), signs it and keeps `done` until the batch
  // commits or is dropped. Errors leave nothing pending.
  Result<chain::TxBatch> Add(std::vector<chain::Op> ops, std::uint64_t next_height, Callback<SubmitReceipt> done);

  // After a restart: takes back one of this member's own batches that a block it signed before the
  // crash carries (PROTOCOL.md S6 re-send), so that new submissions get the seqs after it instead of
  // colliding with it. Nobody waits for it (its client saw the connection drop). Returns false,
  // keeping nothing, if it is not this member's next batch or no longer executes.
  bool Restore(const chain::TxBatch& batch, std::uint64_t next_height);

  // A block committed: acknowledges this member's batches in it. Returns the ops acknowledged.
  std::size_t OnCommitted(const chain::Block& block, const Hash32& id, store::BlockStatus status);
  // The consensus machine gave up on one of this member's batches.
  void OnDropped(const chain::TxBatch& batch, const std::string& reason);
  // Fails every pending batch (shutdown).
  void FailAll(const Error& error);

  // Test networks only (testing_byzantine = "bad-ciphertext"): every envelope it seals has a
  // corrupted ciphertext, so its readers cannot open it (A9) while its shape still passes C5.
  void SetTestingCorruptCiphertexts(bool on) { m_corrupt_ciphertexts = on; }

  // A key rotation took effect: new batches are signed with `key` (which outlives the mempool).
  void SetKey(const crypto::SigningKey& key) { m_key = &key; }

  bool empty() const { return m_pending.empty(); }
  std::size_t size_ops() const { return m_pending_ops; }

 private:
  struct Pending {
    chain::TxBatch batch;
    Callback<SubmitReceipt> done;
  };
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
  std::size_t m_pending_ops = 0;
  bool m_corrupt_ciphertexts = false;
};

}  // namespace peerdb::node
