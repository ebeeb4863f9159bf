// The block-body rules of PROTOCOL.md §2.4 that need evidence verification, so they live above
// `chain`: C5's "author is a non-excluded member at h" for every batch, and C6's record rules
// (seals verify under their epoch's config and name ancestors; evidence verifies and is not yet
// recorded; anchor records only parse). Config ops and ConfigApprove records are judged by
// chain::AdvanceEpoch, which callers run beside this. The consensus machine applies them before it votes or
// seals, and `peerdb audit` when it replays a chain: one definition for both. State-dependent
// batch checks (signatures, seq, namespace rules, execution) are the state module's.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/util/result.h"

namespace peerdb::consensus {

struct BodyRules {
  Hash32 chain_id{};
  const chain::Config* config = nullptr;  // the config in force at the block's height; REQUIRES non-null
  // The epochs of the chain below the block, for seals on ancestors of an earlier epoch (null: every
  // ancestor was under `config`).
  const chain::EpochHistory* epochs = nullptr;
  std::vector<chain::MemberId> excluded;  // X_chain(h): offenders named by evidence recorded below h
  // The id of the block's ancestor at height k (1 <= k < h), or nullopt when the caller does not
  // hold it. A seal naming a block that is not an ancestor is refused.
  std::function<std::optional<Hash32>(std::uint64_t k)> ancestor_id;
};

// Errors carry the rule id ("C5: ...", "C6: ..."): kInvalid (excluded batch author, seal not on an
// ancestor, evidence already recorded or twice), kNotMember (batch author, seal
// signer), kBadSignature (seal), and consensus::VerifyEvidence's codes for evidence.
Status CheckBlockBody(const chain::Block& block, const BodyRules& rules);

// One seal as C6 wants it, wherever it is kept: by a member, on the ancestor at its height (which
// must be below `below`), signature valid. Errors: kNotMember, kInvalid, kBadSignature.
Status CheckSealOnAncestor(const chain::Seal& seal, std::uint64_t below, const BodyRules& rules);

}  // namespace peerdb::consensus
