// Deterministic transaction execution (PROTOCOL.md §1.4, check C5): applies a block's batches to
// the parent state and returns the writes. Pure given its inputs; storage is reached only through
// StateView, which the node implements over the store.
// Thread-safety: stateless functions; StateView implementations say their own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/config.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/chain/tx.h"
#include "peerdb/util/result.h"

namespace peerdb::state {

// The current state of one key (value omitted for tombstones and erased values).
struct KeyState {
  Bytes value;
  bool deleted = false;
  chain::MemberId owner = 0;
  std::uint64_t version = 0;
  Hash32 commit{};      // chain::ValueCommitment of the op that wrote this version
  bool erased = false;  // the value was erased (an erase op, or a block received already erased)
  bool operator==(const KeyState&) const = default;
};

// Read access to the parent state.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual Result<std::optional<KeyState>> GetKey(const std::string& ns, const std::string& key) const = 0;
  // Highest batch seq of `author` applied so far (0 if none).
  virtual Result<std::uint64_t> LastSeq(chain::MemberId author) const = 0;
  // True when batches layered in this view (the block being built) already propose a config change.
  virtual bool ChangeProposed() const { return false; }
};

// One state change, in execution order.
struct Write {
  std::string ns;
  std::string key;
  KeyState state;            // the new state of the key
  chain::MemberId author = 0;
  std::uint64_t seq = 0;     // batch seq
  std::uint32_t op_index = 0;
};

// A committed erase op: drop the values of these versions of (ns, key), keep their commitments.
struct Erasure {
  std::string ns;
  std::string key;
  std::vector<std::uint64_t> versions;  // ascending, each <= the key's version when it ran
  chain::MemberId author = 0;
  std::uint64_t seq = 0;
  std::uint32_t op_index = 0;
};

struct ExecResult {
  std::vector<Write> writes;                         // in order; a key may appear several times
  std::vector<Erasure> erasures;                     // in order
  std::map<chain::MemberId, std::uint64_t> last_seq;  // authors' new last seq
  bool change_proposed = false;                      // a batch proposed a config change (§5.3)
};

// The rules in force at the block's height: the epoch state its parent left (config, pending
// change) and X_chain there (for a proposed change's majority constraint).
struct ExecRules {
  const chain::EpochState* epoch = nullptr;  // REQUIRES non-null
  std::vector<chain::MemberId> excluded;
  // Optional: for batch i, the key its signature was already verified under, with this same
  // check (chain::VerifySignedBy), on another thread ahead of execution (the auditor's reader). A
  // batch whose entry is missing or names another key than its author's here is verified as always.
  const std::vector<std::optional<crypto::PublicKey>>* verified_under = nullptr;
};

// Modes (§1.4 names them; their exact meaning is ours, following "overwriting another author's key
// needs author ∈ editors"): append-only = an existing key is never changed or deleted; owner-edit =
// its owner (first writer) or an editor may change it; editors-edit = only editors may.
// Checks one op against the namespace rules (§1.4): writers, editors, mode. `existing` is the
// key's current state (a tombstone counts as existing). Errors: kUnknownNamespace, kForbidden (one
// line naming the part of the rule that refuses: "member 3 may not write to 'books' (rule: writers
// 1, 2)"), kInvalid (delete of a missing or deleted key; a config op, which ExecuteBatches judges
// by the epoch rules instead; a PUT into an encrypted namespace whose value is not an envelope
// sealed to exactly the rule's readers and the author for the key's next version: chain::CheckEnvelope).
// An erase op (kind 4) may be made by the key's owner or an editor of its namespace, whatever the
// mode, of a key that exists, naming versions it has (kNotFound otherwise). An erased PUT skips the
// envelope check: its block was checked with the value before the value was dropped.
Status CheckOpAuthorised(const chain::Config& config, chain::MemberId author, const chain::Op& op,
                         const std::optional<KeyState>& existing);

// Checks and applies `batches` at `height` over `parent`: author is a member, signature valid,
// seq consecutive, valid_until_height >= height, shape, authorisation, and a config op by
// chain::CheckProposedChange (at most one per block; it writes no key). Any failure rejects the
// whole block (C5) with an error naming the batch and op.
Result<ExecResult> ExecuteBatches(const ExecRules& rules, const Hash32& chain_id, const StateView& parent,
                                  const std::vector<chain::TxBatch>& batches, std::uint64_t height);
// The same under `config` with no change pending and no exclusions (tests, tools).
Result<ExecResult> ExecuteBatches(const chain::Config& config, const Hash32& chain_id, const StateView& parent,
                                  const std::vector<chain::TxBatch>& batches, std::uint64_t height);

// A member's check of its own ops before it signs them (the mempool coalescing requests into one
// batch): ExecuteBatches of `batch` alone, except that it has no signature yet to verify. Never for
// a batch that came from anywhere else: every batch in a block is verified by ExecuteBatches.
Result<ExecResult> ExecuteOwnUnsigned(const ExecRules& rules, const StateView& parent, const chain::TxBatch& batch,
                                      std::uint64_t height);

// Layers pending writes over a StateView (for checking a batch against state plus earlier
// not-yet-committed batches, e.g. in the mempool).
class OverlayView final : public StateView {
 public:
  explicit OverlayView(const StateView& base) : m_base(base) {}
  void Apply(const ExecResult& result);
  // Records `seq` as `author`'s last seq (a batch whose ops were applied one request at a time).
  void SetLastSeq(chain::MemberId author, std::uint64_t seq) { m_seq[author] = seq; }
  Result<std::optional<KeyState>> GetKey(const std::string& ns, const std::string& key) const override;
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override;
  bool ChangeProposed() const override { return m_change_proposed || m_base.ChangeProposed(); }
  std::size_t keys() const { return m_keys.size(); }  // keys written over the base

 private:
  const StateView& m_base;
  bool m_change_proposed = false;
  std::map<std::pair<std::string, std::string>, KeyState> m_keys;
  std::map<chain::MemberId, std::uint64_t> m_seq;
};

}  // namespace peerdb::state
