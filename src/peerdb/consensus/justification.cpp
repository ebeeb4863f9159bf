#include "peerdb/consensus/justification.h"

#include <algorithm>
#include <set>

namespace peerdb::consensus {

namespace {
bool Contains(const std::vector<chain::MemberId>& v, chain::MemberId m) {
  return std::find(v.begin(), v.end(), m) != v.end();
}
}  // namespace

Status CheckRoundChange(const chain::RoundChange& rc, std::uint64_t h, std::uint32_t r, const Hash32& chain_id,
                        const chain::Config& config, const std::vector<chain::MemberId>& excluded,
                        const ProposerFn& proposer) {
  if (rc.h != h || rc.r != r) return Error{Errc::kInvalid, "round change is for another (h, r)"};
  const chain::Member* m = config.FindMember(rc.signer);
  if (!m) return Error{Errc::kNotMember, "round change by non-member " + std::to_string(rc.signer)};
  if (Contains(excluded, rc.signer)) return Error{Errc::kInvalid, "round change by excluded member"};
  if (!chain::VerifySignedBy(m->pubkey, chain_id, rc)) return Error{Errc::kBadSignature, "round change signature"};
  if (!rc.last_vote) return Status::Ok();
  const chain::Vote& v = rc.last_vote->vote;
  const chain::ProposalCore& c = rc.last_vote->core;
  if (v.signer != rc.signer || v.h != h || v.r >= r) return Error{Errc::kInvalid, "last_vote is not the signer's vote below r"};
  if (c.h != h || c.r != v.r || c.block_id != v.block_id) return Error{Errc::kInvalid, "last_vote core does not match its vote"};
  if (!chain::VerifySignedBy(m->pubkey, chain_id, v)) return Error{Errc::kBadSignature, "last_vote signature"};
  if (proposer && c.signer != proposer(c.r)) return Error{Errc::kInvalid, "last_vote core not by the round's proposer"};
  const chain::Member* p = config.FindMember(c.signer);
  if (!p) return Error{Errc::kNotMember, "last_vote core by non-member"};
  if (!chain::VerifySignedBy(p->pubkey, chain_id, c)) return Error{Errc::kBadSignature, "last_vote core signature"};
  return Status::Ok();
}

JustificationOutcome EvaluateJustification(std::uint64_t h, std::uint32_t r, const std::vector<chain::RoundChange>& j,
                                           const Hash32& chain_id, const chain::Config& config,
                                           const std::vector<chain::MemberId>& excluded, const ProposerFn& proposer) {
  JustificationOutcome out;
  std::set<chain::MemberId> signers;
  const chain::LastVote* best = nullptr;
  for (const chain::RoundChange& rc : j) {
    if (signers.count(rc.signer)) continue;
    if (!CheckRoundChange(rc, h, r, chain_id, config, excluded, proposer).ok()) continue;
    signers.insert(rc.signer);
    if (!rc.last_vote) continue;
    const chain::LastVote& lv = *rc.last_vote;
    if (!best || lv.vote.r > best->vote.r) {
      best = &lv;
      out.tie.reset();
    } else if (lv.vote.r == best->vote.r && lv.vote.block_id != best->vote.block_id) {
      out.tie = std::make_pair(best->core, lv.core);
      if (lv.vote.block_id < best->vote.block_id) best = &lv;
    }
  }
  out.valid = signers.size();
  if (best) out.required = best->vote.block_id;
  return out;
}

Status CheckJustification(std::uint64_t h, std::uint32_t r, const Hash32& block_id,
                          const std::vector<chain::RoundChange>& j, const Hash32& chain_id, const chain::Config& config,
                          const std::vector<chain::MemberId>& excluded, const ProposerFn& proposer) {
  if (r == 0) {
    if (!j.empty()) return Error{Errc::kInvalid, "round 0 proposal with a justification"};
    return Status::Ok();
  }
  const JustificationOutcome o = EvaluateJustification(h, r, j, chain_id, config, excluded, proposer);
  if (o.valid < config.Majority()) {
    return Error{Errc::kInvalid, "justification has " + std::to_string(o.valid) + " valid round changes, needs " +
                                     std::to_string(config.Majority())};
  }
  if (o.required && *o.required != block_id) return Error{Errc::kInvalid, "proposal is not the block its justification requires"};
  return Status::Ok();
}

}  // namespace peerdb::consensus
