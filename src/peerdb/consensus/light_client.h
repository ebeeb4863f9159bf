// The outside auditor / light client of PROTOCOL.md §6.3: from the genesis, headers with their
// parent certificates, confirmed anchor records with their checkpoints and any evidence at hand,
// it computes the FINAL set (§3) without bodies, state or a machine.
//
// Steps of §6.3 it performs:
// 1. chain_id = H(genesis), M_0 = genesis.config.members.
// 2. AddHeader: chain::CheckHeader, the header rule every node applies (C2-C4: version, chain id,
//    height = parent height + 1, parent_id link, epoch and config_hash equal to the genesis
//    config's, author a member, timestamp; parent_cert for the parent, hashing to
//    parent_cert_hash, an MC of >= MAJ valid member votes). Headers of several branches may be
//    added (forks are kept).
// 4. AddAnchor: the record's digest is H("PDB1/checkpoint", checkpoint) and every seal verifies
//    (chain::VerifyCheckpointSeals). Compute: a checkpoint whose sealers make its block unanimous
//    under the exclusions (chain::IsUnanimous) makes it and every ancestor FINAL. Two conflicting FINAL blocks raise
//    A8 CONFLICTING_FINAL: the branch whose finality anchor is earliest by (btc_height, digest) is
//    kept (§4.1, §4.4 (3)), the members with seals on both sides are excluded, and E4/E5 evidence
//    against them is built from their seals.
// 5. AddEvidence: E1-E6 verified standalone (consensus::VerifyEvidence); offenders are excluded
//    from Req and from the sealer counts, and reported as A3.
//
// Not done here, and why:
// - Bitcoin: the caller passes only anchors it has confirmed (inclusion proof checked against its
//   own most-work header chain, >= k_anchor confirmations); that needs the ots/anchor levels.
// - One epoch (step 3 is not implemented): config changes (§5.3) do not exist in PeerDB yet, so the
//   genesis config is in force at every height and a header with another epoch or config_hash is
//   rejected.
// - A parent_cert is checked without X_chain (evidence recorded in bodies a header-only client
//   does not hold): every valid member vote counts. That never rejects a certificate a full node
//   accepts; finality does not rest on it (it rests on the seals of Req).
// - After an A8 the double-sealers are excluded for what follows (reports, fork choice above the
//   kept FINAL block), but FINAL is not recomputed without them: with all keys leaked every member
//   sealed both sides and no checkpoint would stay unanimous (§4.4 (3)).
// Memory is O(headers + anchors); Compute walks each anchored block's ancestry once per branch.
//
// Thread-safety: a value type; not thread-safe for concurrent mutation. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "peerdb/chain/block.h"
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

class LightClient {
 public:
  // Step 1. Fails (kConfig and friends, from chain::CheckGenesis) on a malformed genesis.
  static Result<LightClient> Create(const chain::Genesis& genesis);

  const Hash32& chain_id() const { return m_chain_id; }
  const chain::Config& config() const { return m_genesis.config; }

  // Step 2. `parent_cert` is the block's parent_cert (absent iff height 1). The parent must have
  // been added before (kNotFound otherwise). A header already held is accepted again (no-op).
  // Errors: kBadVersion, kInvalid (chain id, height, link, epoch, config, certificate linkage),
  // kNotMember (author or voter), kBadSignature (a vote), kMalformed (unsorted votes).
  Status AddHeader(const chain::Header& header, const std::optional<chain::MajorityCert>& parent_cert);
  // Step 4, for an anchor the caller has confirmed in Bitcoin. The checkpoint's block need not be
  // held yet: an anchor counts once its block's header is added. Errors: kInvalid (digest, chain
  // id, height 0), kBadVersion, kNotMember / kBadSignature / kMalformed (seals).
  Status AddAnchor(const chain::Checkpoint& checkpoint, const chain::AnchorRecord& record);
  // Step 5. Errors as consensus::VerifyEvidence.
  Status AddEvidence(const chain::Evidence& evidence);

  bool HasHeader(const Hash32& id) const { return m_headers.count(id) > 0; }
  std::size_t headers() const { return m_headers.size(); }

  // The FINAL set from everything added so far (deterministic: independent of the order of adds).
  LightFinality Compute() const;

 private:
  struct Anchored {
    chain::Checkpoint cp;
    FinalityAnchor at;
    std::vector<chain::MemberId> sealers;  // verified, sorted
  };
  LightClient(chain::Genesis genesis, const Hash32& chain_id);
  std::uint64_t HeightOf(const Hash32& id) const;
  Hash32 ParentOf(const Hash32& id) const;
  // The ancestor of `id` at `height` (id itself at its own height). REQUIRES: height <= HeightOf(id).
  Hash32 AncestorAt(Hash32 id, std::uint64_t height) const;
  bool Unanimous(const Anchored& a, const std::set<chain::MemberId>& excluded) const;

  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  Hash32 m_config_hash{};
  std::map<Hash32, chain::Header> m_headers;
  std::map<std::pair<Hash32, std::uint32_t>, Anchored> m_anchors;  // by (digest, btc_height)
  std::map<Hash32, chain::Evidence> m_evidence;                    // by EvidenceKey
};

}  // namespace peerdb::consensus
