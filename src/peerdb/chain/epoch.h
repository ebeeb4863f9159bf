// Epochs (PROTOCOL.md §5.3): which config is in force at a height, and how a pending config change
// is proposed, approved, activated or lapses, block by block. Written once and used by every
// component that follows the chain: the executor (C5 for a proposed change), the block rules (C6
// for ConfigApprove records), the consensus machine and the node (the config of the next height),
// `peerdb audit` and the light client (every activation re-derived).
//
// The rules as implemented:
// - A change is one kind=3 op (namespace `_config`) in a member's batch, whose value is a PCE
//   ConfigChange for the epoch in force. At most one change is pending per chain; a proposal while
//   one is pending (or in a block that completes one) is refused. It must apply cleanly
//   (ApplyConfigChange), expire within config_ttl_heights, and leave |M_e \ X_chain \ T| >= MAJ_e
//   (a minority can never expel a majority).
// - Approvals are ConfigApprove records in later blocks, naming the epoch, the change id and the
//   block that contains the change, signed by a required approver: Req_c = M_e \ X_chain \ T. Each
//   counts once.
// - The block whose records complete Req_c is the last of epoch e (its required sealers leave out
//   the targets: T(D) of §3); epoch e+1 starts at the next height with Config_{e+1}.
// - A change lapses at expires_height: approvals count only in blocks below it, so a change
//   activates at expires_height at the latest. A lapsed change stops being pending.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/config.h"
#include "peerdb/chain/config_change.h"
#include "peerdb/chain/messages.h"
#include "peerdb/util/result.h"

namespace peerdb::chain {

// A proposed change waiting for its approvals.
struct PendingChange {
  ConfigChange change;
  Hash32 change_id{};
  MemberId proposer = 0;
  std::uint64_t height = 0;      // the block that contains it
  Hash32 block_id{};             // its id: approvals name it, so they count on this branch only
  std::vector<MemberId> approvals;  // sorted
  template <class V> void Pce(V& v) {
    v.item(change); v.fixed(change_id); v.u32(proposer); v.u64(height); v.fixed(block_id);
    v.sorted_list(approvals, kMaxMembers, [](MemberId m) { return m; });
  }
  bool operator==(const PendingChange&) const = default;
};

struct MemberAddress {
  MemberId id = 0;
  std::string address;
  template <class V> void Pce(V& v) { v.u32(id); v.str(address, kMaxAddressBytes); }
  bool operator==(const MemberAddress&) const = default;
};

// The governance state after a block on its branch: the config in force for the next height, the
// epoch's first height, and the pending change. Stored by the node beside its head.
struct EpochState {
  std::uint16_t version = codec::kVersion;
  Config config;                       // in force at the next height
  std::uint64_t start_height = 1;      // first height of config.epoch
  MemberId next_member_id = 1;         // ids are never reused
  std::optional<PendingChange> pending;
  std::vector<MemberAddress> addresses;  // announced on chain by ADD/RESET, sorted by id
  template <class V> void Pce(V& v) {
    v.version(version); v.item(config); v.u64(start_height); v.u32(next_member_id); v.opt(pending);
    v.sorted_list(addresses, kMaxMembers, [](const MemberAddress& a) { return a.id; });
  }
  bool operator==(const EpochState&) const = default;
};

// The state in force at height 1.
EpochState GenesisEpochState(const Genesis& genesis);

// The pending change as it stands at `height` (nullptr if none, or lapsed by then).
const PendingChange* PendingAt(const EpochState& state, std::uint64_t height);

// Req_c: the members that must approve `pending` (members of the epoch, minus X_chain, minus the
// change's targets), sorted. `excluded` is X_chain at the height concerned, any order.
std::vector<MemberId> RequiredApprovers(const EpochState& state, const PendingChange& pending,
                                        const std::vector<MemberId>& excluded);
// Required approvers that have not approved yet, sorted.
std::vector<MemberId> MissingApprovers(const EpochState& state, const PendingChange& pending,
                                       const std::vector<MemberId>& excluded);

// C5 for a kind=3 op by `author` in a block at `height` whose parent left `state`: the value
// decodes to a ConfigChange for the epoch in force; no change is pending at `height`; it expires
// above `height` and within config_ttl_heights; it applies (ApplyConfigChange); a majority of the
// epoch remains outside X_chain and its targets. Returns the change. Errors: kMalformed (value),
// kConflict (a change is pending), kInvalid (each other rule, one line).
Result<ConfigChange> CheckProposedChange(const EpochState& state, MemberId author, const Op& op, std::uint64_t height,
                                         const std::vector<MemberId>& excluded);

// C6 for a ConfigApprove record in a block at `height`: a change is pending at `height`, contained
// in an earlier block; the record names the epoch, the change and its block; the signer is a
// required approver that has not approved yet; the signature verifies under the signer's key.
// Errors: kInvalid (unknown, lapsed or other-branch change, a target, twice), kNotMember,
// kBadSignature.
Status CheckApproval(const EpochState& state, const ConfigApprove& approve, std::uint64_t height,
                     const Hash32& chain_id, const std::vector<MemberId>& excluded);

// What a block did to the epochs, beside the new state.
struct EpochStep {
  EpochState state;                    // in force at block.height + 1
  bool proposed = false;               // the block contains a new change
  std::size_t approvals = 0;           // ConfigApprove records counted
  bool lapsed = false;                 // a pending change lapsed at this height
  bool activated = false;              // this block completed a change: a new epoch starts next
  std::vector<MemberId> leaving;       // on activation: the change's targets (T(D) for this block)
};

// Applies a block with id `block_id` at `state.config`'s next height to the epoch state, checking
// every kind=3 op (CheckProposedChange) and ConfigApprove record (CheckApproval); the first
// failure is returned (C5/C6 message). `excluded` = X_chain at the block's height.
Result<EpochStep> AdvanceEpoch(const EpochState& state, const Block& block, const Hash32& block_id,
                               const Hash32& chain_id, const std::vector<MemberId>& excluded);

// ---- History of epochs on a committed chain ----------------------------------------------------

// One epoch as a chain saw it: its config, its first height, and, once it ended, its last height
// and the members that left with it (they are not required sealers of that last block, §3 T(D)).
struct EpochInfo {
  Config config;
  Hash32 config_hash{};
  std::uint64_t start_height = 1;
  std::uint64_t end_height = 0;  // 0 while in force
  std::vector<MemberId> leaving;
  template <class V> void Pce(V& v) {
    v.item(config); v.fixed(config_hash); v.u64(start_height); v.u64(end_height);
    v.sorted_list(leaving, kMaxMembers, [](MemberId m) { return m; });
  }
  bool operator==(const EpochInfo&) const = default;
};

// The stored form of a chain's epochs (the node keeps it beside its head).
inline constexpr std::size_t kMaxEpochs = 1u << 16;
struct EpochList {
  std::vector<EpochInfo> epochs;
  template <class V> void Pce(V& v) { v.list(epochs, kMaxEpochs); }
};

// The epochs of one committed chain, in order; the first is the genesis config from height 1.
class EpochHistory {
 public:
  EpochHistory() = default;
  explicit EpochHistory(const Genesis& genesis);
  // REQUIRES: `epochs` non-empty, consecutive (each starts right after the previous ended).
  explicit EpochHistory(std::vector<EpochInfo> epochs) : m_epochs(std::move(epochs)) {}

  // The epoch in force at `height` (height 0, the genesis, belongs to the first).
  const EpochInfo& At(std::uint64_t height) const;
  const Config& ConfigAt(std::uint64_t height) const { return At(height).config; }
  // Targets leaving at `height` (non-empty only for an epoch's last block).
  const std::vector<MemberId>& LeavingAt(std::uint64_t height) const;
  const EpochInfo& current() const { return m_epochs.back(); }
  const std::vector<EpochInfo>& all() const { return m_epochs; }
  // Records an EpochStep of the block at `height`: on activation the current epoch ends there and
  // the next begins at height + 1.
  void Note(std::uint64_t height, const EpochStep& step);
  // The chain was cut back to `height`: forgets epochs activated by blocks above it and reopens
  // the epoch in force after `height` if it ended above.
  void TruncateAbove(std::uint64_t height);

 private:
  std::vector<EpochInfo> m_epochs;
};

}  // namespace peerdb::chain
