// The round-change justification rule of PROTOCOL.md §2.3 (Paxos phase 1): which RoundChanges
// count, and which block a proposal in round r' > 0 must carry. Used by the machine (C1, and to
// choose what to re-propose) and by VerifyEvidence (E6). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "peerdb/chain/block.h"

namespace peerdb::consensus {

// proposer(h, r) for the height being judged. Standalone verification (E6) has no chain prefix,
// so it passes an empty function: then a last_vote's core only has to verify under its signer.
using ProposerFn = std::function<chain::MemberId(std::uint32_t round)>;

// A RoundChange counts for (h, r') if: signed by a non-excluded member, h and r' match, and its
// last_vote (if any) is the signer's own Vote at round < r' for the block of a core of the same
// (h, round) and block id, signed by proposer(h, round) when `proposer` is given.
Status CheckRoundChange(const chain::RoundChange& rc, std::uint64_t h, std::uint32_t r, const Hash32& chain_id,
                        const chain::Config& config, const std::vector<chain::MemberId>& excluded,
                        const ProposerFn& proposer);

struct JustificationOutcome {
  std::size_t valid = 0;               // distinct signers with a counting RoundChange
  std::optional<Hash32> required;      // block the proposal must carry; nullopt = free choice
  // Two cores at the highest last-vote round for different ids: E1 against that round's proposer.
  std::optional<std::pair<chain::ProposalCore, chain::ProposalCore>> tie;
};

// Evaluates J for a proposal at (h, r): counts valid distinct RCs (invalid ones do not count) and
// picks the block of the highest-round last_vote, the lowest id on a tie. Spec: §2.3.
JustificationOutcome EvaluateJustification(std::uint64_t h, std::uint32_t r, const std::vector<chain::RoundChange>& j,
                                           const Hash32& chain_id, const chain::Config& config,
                                           const std::vector<chain::MemberId>& excluded, const ProposerFn& proposer);

// C1 for r > 0: >= MAJ counting RCs and `block_id` is the block the rule requires.
Status CheckJustification(std::uint64_t h, std::uint32_t r, const Hash32& block_id,
                          const std::vector<chain::RoundChange>& j, const Hash32& chain_id, const chain::Config& config,
                          const std::vector<chain::MemberId>& excluded, const ProposerFn& proposer);

}  // namespace peerdb::consensus
