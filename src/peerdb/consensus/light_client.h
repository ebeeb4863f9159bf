// The outside auditor / light client of PROTOCOL.md §6.3: from the genesis, headers with their
// parent certificates, the bodies of the few blocks that govern epochs, confirmed anchor records
// with their checkpoints and any evidence at hand, it computes the FINAL set (§3) without state or
// a machine.
//
// Steps of §6.3 it performs:
// 1. chain_id = H(genesis), M_0 = genesis.config.members.
// 2. AddHeader: chain::CheckHeader, the header rule every node applies (C2-C4: version, chain id,
//    height = parent height + 1, parent_id link, epoch and config_hash equal to the config in force
//    at the header's height on its branch, author a member of it, timestamp; parent_cert for the
//    parent, hashing to parent_cert_hash, an MC of >= MAJ valid votes of members of the config in
//    force at the parent's height). Headers of several branches may be added (forks are kept).
// 3. Epochs, per branch: each held header keeps the chain::EpochState after it (the config in force
//    at the next height and the pending change; unchanged states are shared, so memory stays
//    O(headers)). AddBlock takes a whole block whose body matters (a `_config` op, a ConfigApprove
//    or an Evidence record): its header is checked as by AddHeader, its body against batches_root
//    and records_root (chain::CheckBlockShape), and the state advances by chain::AdvanceEpoch (C5
//    for the change, C6 for each approval, activation at the block that completes them) with
//    X_chain = offenders of the evidence recorded in bodies added below it on that branch. A header
//    added alone advances the state as an empty body: only a lapse applies. So a client that is
//    not given the bodies of an activation's blocks still holds the old epoch, and refuses every
//    header of the new one (saying the bodies are needed): it fails closed, never accepts.
//    Deviation from §6.3 ("Merkle proofs against batches_root and records_root"): whole bodies of
//    the few governance blocks instead of per-item proofs; the roots are checked all the same.
// 4. AddAnchor: the record's digest is H("PDB1/checkpoint", checkpoint) and every seal verifies
//    (chain::VerifyCheckpointSeals) under the config of the checkpoint block's epoch on its branch,
//    as soon as that block's header is held (at once if it is, else when it arrives; an anchor
//    whose seals then fail never counts). Compute: a checkpoint whose sealers make its block
//    unanimous (chain::IsUnanimous, under that block's config, the exclusions, and with the targets
//    of a change the block completed not required: T(D) of §3) makes it and every ancestor FINAL.
//    Two conflicting FINAL blocks raise A8 CONFLICTING_FINAL: the branch whose finality anchor is
//    earliest by (btc_height, digest) is kept (§4.1, §4.4 (3)), the members with seals on both
//    sides are excluded, and E4/E5 evidence against them is built from their seals.
// 5. AddEvidence (and Evidence records of added bodies): E1-E6 verified standalone
//    (consensus::VerifyEvidence) under a config of this chain the client has derived (the genesis
//    config first); offenders are excluded from Req and from the sealer counts, and reported as A3.
//
// Not done here, and why:
// - Bitcoin: the caller passes only anchors it has confirmed (inclusion proof checked against its
//   own most-work header chain, >= k_anchor confirmations); that needs the ots/anchor levels.
// - A parent_cert is checked without X_chain: every valid member vote counts. That never rejects a
//   certificate a full node accepts; finality does not rest on it (it rests on the seals of Req).
//   X_chain is used for the epoch rules only, where missing bodies can only delay an activation
//   (a larger Req_c), never bring one forward.
// - A block first added as a header alone may be given its body later only while no header above
//   it is held, or if the body changes nothing in its branch's epochs (kConflict otherwise): the
//   headers above were judged without it.
// - After an A8 the double-sealers are excluded for what follows (reports, fork choice above the
//   kept FINAL block), but FINAL is not recomputed without them: with all keys leaked every member
//   sealed both sides and no checkpoint would stay unanimous (§4.4 (3)).
// Memory is O(headers + anchors + epochs); Compute walks each anchored block's ancestry once per
// branch.
//
// Thread-safety: a value type; not thread-safe for concurrent mutation. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/consensus/alert.h"
#include "peerdb/util/result.h"

namespace peerdb::consensus {

// A confirmed anchor as the auditor knows it: where its digest sits in Bitcoin, and the block it
// makes FINAL.
struct FinalityAnchor {
  std::uint64_t height = 0;    // the checkpoint's block
  Hash32 block_id{};
  std::uint32_t btc_height = 0;
  Hash32 digest{};
  bool operator==(const FinalityAnchor&) const = default;
};

// A8: a FINAL block of a branch that conflicts with the kept one.
struct ConflictingFinal {
  FinalityAnchor kept;      // the earliest finality anchor of the kept branch that conflicts
  FinalityAnchor rejected;  // the later finality anchor of the conflicting branch
  std::uint64_t fork_height = 0;                  // the highest common ancestor's height
  std::vector<chain::MemberId> double_sealers;    // sealed both checkpoints; excluded
  std::vector<chain::Evidence> evidence;          // E4 (same height) or E5 against each of them
};

struct LightFinality {
  std::uint64_t final_height = 0;     // the highest FINAL block of the kept branch (0 = none)
  Hash32 final_id{};                  // its id (the chain id when none)
  std::vector<Hash32> final_chain;    // ids of the FINAL blocks, index = height - 1
  std::vector<FinalityAnchor> finality_anchors;  // the anchors that made kept blocks FINAL, earliest first
  std::vector<ConflictingFinal> conflicts;       // A8 (empty: none)
  std::vector<chain::MemberId> excluded;         // by evidence, then double-sealers of A8; sorted
  std::vector<Alert> alerts;                     // A3 per offender of added evidence, A8 per conflict
  bool IsFinal(const Hash32& id) const;
};

// True when a block's body matters to the light client, which then needs it whole (AddBlock): it
// carries a config change (a kind=3 op), a ConfigApprove or an Evidence record.
bool BodyMatters(const chain::Block& block);

class LightClient {
 public:
  // Step 1. Fails (kConfig and friends, from chain::CheckGenesis) on a malformed genesis.
  static Result<LightClient> Create(const chain::Genesis& genesis);

  const Hash32& chain_id() const { return m_chain_id; }
  // The genesis config (epoch 0); EpochAfter gives the config in force on a branch.
  const chain::Config& config() const { return m_genesis.config; }

  // Step 2. `parent_cert` is the block's parent_cert (absent iff height 1). The parent must have
  // been added before (kNotFound otherwise). A header already held is accepted again (no-op). The
  // branch's epoch state advances as for an empty body.
  // Errors: kBadVersion, kInvalid (chain id, height, link, epoch, config, certificate linkage),
  // kNotMember (author or voter), kBadSignature (a vote), kMalformed (unsorted votes).
  Status AddHeader(const chain::Header& header, const std::optional<chain::MajorityCert>& parent_cert);
  // Steps 2 and 3 for a block whose body matters (a `_config` op, a ConfigApprove or an Evidence
  // record; any block is accepted): the header as AddHeader (with block.parent_cert), the body
  // against the header's roots and shape (chain::CheckBlockShape), evidence records verified, then
  // chain::AdvanceEpoch on the branch. A block held with its body is a no-op; one held as a header
  // alone takes its body (see the header comment for when that is refused).
  // Errors: AddHeader's; kInvalid / kMalformed / kTooLarge (body vs header); AdvanceEpoch's C5/C6
  // errors (kInvalid, kConflict, kMalformed, kNotMember, kBadSignature); VerifyEvidence's;
  // kConflict (a body given after the headers above it, changing the epochs they were judged by).
  Status AddBlock(const chain::Block& block);
  // Step 4, for an anchor the caller has confirmed in Bitcoin. The checkpoint's block need not be
  // held yet: an anchor counts once its block's header is added. Errors: kInvalid (digest, chain
  // id, height 0), kBadVersion, and, when the block is held, kNotMember / kBadSignature /
  // kMalformed (seals, under the config of the block's epoch).
  Status AddAnchor(const chain::Checkpoint& checkpoint, const chain::AnchorRecord& record);
  // Step 5. Errors as consensus::VerifyEvidence (under the genesis config when no derived config
  // verifies it).
  Status AddEvidence(const chain::Evidence& evidence);

  bool HasHeader(const Hash32& id) const { return m_headers.count(id) > 0; }
  std::size_t headers() const { return m_headers.size(); }
  // The epoch state after held block `id` on its branch (the config in force at the next height,
  // the pending change), or nullptr when `id` is not held. The chain id gives the genesis state.
  const chain::EpochState* EpochAfter(const Hash32& id) const;

  // The FINAL set from everything added so far (deterministic: independent of the order of adds,
  // given the same bodies).
  LightFinality Compute() const;

 private:
  // An epoch state and the hash of its config, shared by every header that leaves it unchanged.
  struct Epoch {
    chain::EpochState state;
    Hash32 config_hash{};
  };
  using Offenders = std::vector<chain::MemberId>;  // sorted
  struct Held {
    chain::Header header;
    std::shared_ptr<const Epoch> after;        // in force from header.height + 1 on this branch
    std::shared_ptr<const Offenders> recorded;  // offenders of evidence in bodies up to this block
    std::vector<chain::MemberId> leaving;      // targets of a change this block completed (T(D))
    bool with_body = false;
    std::size_t children = 0;
  };
  // What a block does to its branch: the next Held fields.
  struct Advance {
    std::shared_ptr<const Epoch> after;
    std::shared_ptr<const Offenders> recorded;
    std::vector<chain::MemberId> leaving;
    std::vector<chain::Evidence> evidence;
  };
  struct Anchored {
    chain::Checkpoint cp;
    FinalityAnchor at;
    std::optional<std::vector<chain::MemberId>> sealers;  // verified, sorted; once the block is held
  };
  LightClient(chain::Genesis genesis, const Hash32& chain_id);
  Status Add(const chain::Header& header, const std::optional<chain::MajorityCert>& parent_cert,
             const chain::Block* body);
  // The state in force at a held block's own height (its parent's, or the genesis one).
  const std::shared_ptr<const Epoch>& EpochAt(const Held& held) const;
  const std::shared_ptr<const Offenders>& RecordedBefore(const Held& held) const;
  Result<Advance> Step(const chain::Header& header, const Hash32& id, const Epoch& before,
                       const std::shared_ptr<const Epoch>& before_ptr, const std::shared_ptr<const Offenders>& recorded,
                       const chain::Block* body);
  Status VerifyAnyConfig(const chain::Evidence& evidence) const;
  void NoteConfig(const std::shared_ptr<const Epoch>& epoch);
  // Verifies the seals of anchors waiting for block `id`, now held.
  void VerifyWaitingAnchors(const Hash32& id);
  std::uint64_t HeightOf(const Hash32& id) const;
  Hash32 ParentOf(const Hash32& id) const;
  // The ancestor of `id` at `height` (id itself at its own height). REQUIRES: height <= HeightOf(id).
  Hash32 AncestorAt(Hash32 id, std::uint64_t height) const;
  bool Unanimous(const Anchored& a, const std::set<chain::MemberId>& excluded) const;

  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  std::shared_ptr<const Epoch> m_genesis_epoch;
  std::shared_ptr<const Offenders> m_no_offenders;
  std::vector<std::shared_ptr<const Epoch>> m_configs;  // one per distinct config derived, genesis first
  std::map<Hash32, Held> m_headers;
  std::map<std::pair<Hash32, std::uint32_t>, Anchored> m_anchors;  // by (digest, btc_height)
  std::multimap<Hash32, std::pair<Hash32, std::uint32_t>> m_waiting;  // block id -> anchors not verified yet
  std::map<Hash32, chain::Evidence> m_evidence;                    // by EvidenceKey
};

}  // namespace peerdb::consensus
