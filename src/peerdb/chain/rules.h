// The consensus rules that a member's node, the light client and the auditor all apply, each
// defined here once (docs/protocol.md): header validity C2-C4 given the parent, the config in force
// and the chain's exclusions; majority certificates (MC validity); majority and unanimity of a
// signer set (§3, [D4], [D7]); and the block status levels with their derivation from anchors.
// Nothing else in the code base decides these; callers differ only in what they know (a node knows
// its own exclusions X_m, the auditor those recorded in blocks, the light client the evidence it is
// handed).
//
// Exclusion lists (`excluded`) are member ids in any order, duplicates allowed; members ≤ 256.
// Thread-safety: pure functions and value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/config.h"
#include "peerdb/chain/messages.h"
#include "peerdb/util/result.h"

namespace peerdb::chain {

// ---- Statuses (§3) ----------------------------------------------------------------------------

// The status of a block as one member sees it. Ordered: a higher status implies the lower ones
// (FINAL ⇒ UNANIMOUS ∧ ANCHORED). Stored as an integer by the node: append, never renumber.
enum class BlockStatus : std::uint8_t { kProposed = 1, kMajority = 2, kUnanimous = 3, kAnchored = 4, kFinal = 5 };
// "PROPOSED", "MAJORITY", "UNANIMOUS", "ANCHORED", "FINAL" ("UNKNOWN" for any other value).
std::string_view BlockStatusName(BlockStatus status);

// Where anchor-derived statuses end: blocks 1..final_height are FINAL, final_height+1 ..
// anchored_height ANCHORED ("a descendant's anchor covers its ancestors"). 0 when none.
// Always final_height <= anchored_height.
struct StatusHeights {
  std::uint64_t anchored_height = 0;
  std::uint64_t final_height = 0;
  bool operator==(const StatusHeights&) const = default;
};

// A confirmed anchor as far as statuses go: the height of its checkpoint's block and whether the
// checkpoint's seals make that block UNANIMOUS (CheckpointIsUnanimous).
struct AnchorCoverage {
  std::uint64_t height = 0;
  bool unanimous = false;
};
// ANCHORED up to the highest anchored block, FINAL up to the highest block whose anchored
// checkpoint is unanimous ([D5]).
StatusHeights HeightsFromAnchors(const std::vector<AnchorCoverage>& confirmed);

// The status of block `height` given the anchor-derived heights and what its certificate and
// seals alone make it (`unanchored`: PROPOSED, MAJORITY or UNANIMOUS).
BlockStatus StatusAt(std::uint64_t height, const StatusHeights& heights, BlockStatus unanchored);

// ---- Counting signers (§3, §5.2) --------------------------------------------------------------

// How a set of signers on one block counts under `config` (the config of the block's epoch) and
// the exclusions: `counted` is the number of distinct members of the config that signed and are not
// excluded; `missing` are the required members (Req = members \ excluded \ leaving, sorted by id)
// that did not sign. `leaving` are the targets of a config change the block completed (T(D), §3,
// EpochHistory::LeavingAt): their seals count, but they are not required. Signers that are not
// members are ignored (callers verify signatures first).
struct SignerTally {
  std::size_t counted = 0;
  std::vector<MemberId> missing;
};
SignerTally TallySigners(const std::vector<MemberId>& signers, const Config& config,
                         const std::vector<MemberId>& excluded, const std::vector<MemberId>& leaving = {});

// MAJ_e = floor(N_e / 2) + 1 of all members of the epoch ([D7]); exclusions never lower it.
bool IsMajority(const SignerTally& tally, const Config& config);
// [D4]: Req ⊆ Sealers and |Sealers| >= MAJ. With fewer than MAJ members left outside the
// exclusions the epoch is compromised and nothing is unanimous any more (§5.2).
bool IsUnanimous(const SignerTally& tally, const Config& config);
bool IsUnanimous(const std::vector<MemberId>& sealers, const Config& config, const std::vector<MemberId>& excluded,
                 const std::vector<MemberId>& leaving = {});

// ---- Certificates and checkpoints (§1.6) ------------------------------------------------------

// MC validity: version, votes sorted by signer, every vote by a member and its Vote(h, r,
// block_id, signer) signature valid, and >= MAJ of them by members not in `excluded`.
// Errors: kBadVersion, kMalformed (unsorted), kNotMember, kBadSignature, kInvalid (too few).
Status VerifyMajorityCert(const MajorityCert& mc, const Hash32& chain_id, const Config& config,
                          const std::vector<MemberId>& excluded = {});
// Verifies every seal in a checkpoint (sorted, by members, signatures valid) and returns the
// signers. Errors: kMalformed, kNotMember, kBadSignature.
Result<std::vector<MemberId>> VerifyCheckpointSeals(const Checkpoint& cp, const Config& config);
// True when every seal of the checkpoint verifies and its non-excluded sealers make its block
// UNANIMOUS. A checkpoint with a bad seal is never unanimous.
bool CheckpointIsUnanimous(const Checkpoint& cp, const Config& config, const std::vector<MemberId>& excluded,
                           const std::vector<MemberId>& leaving = {});

// ---- Header validity (§2.4 C2-C4, §6.3 step 2) ------------------------------------------------

// The block a header must extend: the genesis for block 1 (height 0, id = chain id, timestamp =
// genesis_time_ms), else the parent block.
struct ParentRef {
  std::uint64_t height = 0;
  Hash32 id{};
  std::uint64_t timestamp_ms = 0;
};

// The rules in force at the header's height.
struct HeaderRules {
  Hash32 chain_id{};
  const Config* config = nullptr;                // the config in force at the height; REQUIRES non-null
  const Config* parent_config = nullptr;         // the config in force at the parent's height (its MC is
                                                 // judged under it); null: the same as `config`
  Hash32 config_hash{};                          // ConfigHash(*config)
  std::vector<MemberId> author_excluded;         // X(h): an excluded member may not author (C2)
  std::vector<MemberId> parent_cert_excluded;    // X(h - 1): the parent's MC is judged under its own height's exclusions
};

// C2: supported version, right chain id, height = parent height + 1, epoch and config_hash those in
// force, author a member and not excluded. C3 (the parts a header shows): parent_id names the
// parent, parent_cert present iff height > 1, for the parent (h, block_id), hashing to
// parent_cert_hash, and a valid MC under `parent_cert_excluded`. C4: timestamp >= parent timestamp
// + block_period_ms (the future-drift deferral is the caller's, it needs a clock).
// Each message starts with its rule id ("C2: ..."). Errors: kBadVersion; kInvalid (chain id,
// height, link, epoch/config, certificate linkage, timestamp, excluded author); kNotMember
// (author); and VerifyMajorityCert's codes for the certificate.
Status CheckHeader(const Header& header, const std::optional<MajorityCert>& parent_cert, const ParentRef& parent,
                   const HeaderRules& rules);

}  // namespace peerdb::chain
