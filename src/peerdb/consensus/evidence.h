// Evidence of equivocation, PROTOCOL.md §1.7 (E1-E6): building it from conflicting signed messages
// and verifying it standalone from the chain id and the config alone (the audit, the node and the
// machine use the same check; I7: every Evidence verifies standalone).
//
// Builders order msg_a/msg_b canonically (by block id), so two members that catch the same pair
// build byte-identical evidence. Dedup uses EvidenceKey, over the signed content, never the
// signature bytes (§1.2). Config changes are not supported in this version: the epoch is the
// genesis config, so "the signer's key in the epoch of the message" is its key there.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/util/result.h"

namespace peerdb::consensus {

// E1-E6 rules; E5 checks the header path (links by parent_id, heights h2 down to h1+1, chain id)
// and that the lowest header's parent is not the low seal's block. E6 judges the justification by
// §2.3 without a chain prefix (a last_vote's core need only verify under its own signer).
Status VerifyEvidence(const chain::Evidence& evidence, const Hash32& chain_id, const chain::Config& config);

// The member the evidence names (the signer of msg_a; for E6 the proposal core's signer) and the
// (lowest) height it concerns. Decodes only; call VerifyEvidence first. kMalformed when msg_a does
// not decode or the kind is unknown.
struct EvidenceSubject {
  chain::MemberId offender = 0;
  std::uint64_t height = 0;
};
Result<EvidenceSubject> EvidenceSubjectOf(const chain::Evidence& evidence);
Result<chain::MemberId> EvidenceOffender(const chain::Evidence& evidence);
Result<std::uint64_t> EvidenceHeight(const chain::Evidence& evidence);

// "E4 DOUBLE_SEAL" etc., for people; "E? UNKNOWN" for kinds outside 1..6.
std::string EvidenceKindName(std::uint8_t kind);

// Identity for dedup: kind, offender and the sign-bytes of both messages (and the path's ids).
Hash32 EvidenceKey(const chain::Evidence& evidence);

chain::Evidence MakeDoubleProposal(const chain::ProposalCore& a, const chain::ProposalCore& b);   // E1
chain::Evidence MakeDoubleVote(const chain::Vote& a, const chain::Vote& b);                       // E2
chain::Evidence MakePromiseBreak(const chain::RoundChange& rc, const chain::Vote& vote);          // E3
chain::Evidence MakeDoubleSeal(const chain::Seal& a, const chain::Seal& b);                       // E4
// E5: `path` = headers of high.block_id and its ancestors down to height low.h + 1, highest first.
chain::Evidence MakeSealFork(const chain::Seal& low, const chain::Seal& high, std::vector<chain::Header> path);
chain::Evidence MakeBadProposal(const chain::ProposalCore& core, const std::vector<chain::RoundChange>& justification);  // E6

}  // namespace peerdb::consensus
