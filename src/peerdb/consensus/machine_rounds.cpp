// Machine: votes and majority certificates (§2.2), round changes and advance_to (§2.3, S3), and
// round synchronisation. Messages are kept in MessageStore, the round and its timers in RoundTimer.
#include <algorithm>
#include <set>

#include "peerdb/chain/rules.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

void Machine::Impl::OnVote(chain::MemberId from, const chain::Vote& v) {
  if (from != m_self && v.signer != from) return Penalise(from, "vote relayed for another signer");
  // Past heights are decided but their votes are kept for evidence (§5.1) within the window; far
  // future ones wait for catch-up.
  if (v.h + kKeepHeights < m_h || v.h > m_h + 1) return;
  if (v.r > m_rounds.round() + kMaxRoundsAhead) return;
  if (from != m_self && !VerifyMember(v)) return Penalise(from, "vote signature does not verify");
  if (const chain::Vote* first = m_msgs.AddVote(v)) {
    if (first->block_id != v.block_id) AddEvidence(MakeDoubleVote(*first, v), std::nullopt);  // E2
    return;  // duplicate or conflicting: the first vote stays
  }
  // E3: a round change of this signer for a round above the vote that does not report it.
  if (const chain::RoundChange* rc = m_msgs.RoundChangeHiding(v)) AddEvidence(MakePromiseBreak(*rc, v), std::nullopt);
  if (v.h == m_h) CountVotes(v.r, v.block_id);
}

void Machine::Impl::CountVotes(std::uint32_t r, const Hash32& id) {
  if (m_decided) return;
  chain::MajorityCert mc;
  mc.h = m_h;
  mc.r = r;
  mc.block_id = id;
  mc.votes = m_msgs.VotesFor(m_h, r, id, m_evidence.local_excluded());  // sorted by signer, none excluded
  std::vector<chain::MemberId> voters;
  for (const chain::SigEntry& e : mc.votes) voters.push_back(e.signer);
  if (chain::IsMajority(chain::TallySigners(voters, config(), Excluded()), config())) OnDecided(mc);
}

void Machine::Impl::OnDecided(const chain::MajorityCert& cert) {
  if (m_decided) return;
  m_decided = cert;
  Emit(Broadcast{cert});  // helps members that missed votes (§2.2)
  TryCommitDecided();
}

void Machine::Impl::TryCommitDecided() {
  if (!m_decided) return;
  if (m_signer.seal_h >= m_h && !(m_signer.seal_h == m_h && m_signer.seal_id == m_decided->block_id)) {
    // S1 forbids sealing it: my seal at this height is on another block (A2b, critical).
    Raise(AlertKind::kOrphanedSeal, m_self, m_h, m_h,
          "a majority chose block " + Hex(m_decided->block_id).substr(0, 16) + " at height " + std::to_string(m_h) +
              " but I sealed " + Hex(m_signer.seal_id).substr(0, 16));
    return;
  }
  Candidate* c = m_candidates.Find(m_decided->block_id);
  if (!c) {
    Raise(AlertKind::kMajorityWithoutMe, m_self, m_h, m_h,
          "a majority chose block " + Hex(m_decided->block_id).substr(0, 16) + " at height " + std::to_string(m_h) +
              " that I never received");
    return;  // Poll asks a voter for it (catch-up)
  }
  if (CheckCandidate(*c) != Candidate::Check::kOk) {
    // A1b: never seal it; keep the failed check for operators.
    Raise(AlertKind::kMajorityRejected, m_self, m_h, m_h,
          "a majority chose block " + Hex(m_decided->block_id).substr(0, 16) + " at height " + std::to_string(m_h) +
              " which I rejected: " + c->reject_reason);
    return;
  }
  const chain::MajorityCert cert = *m_decided;
  const chain::Block block = c->block;
  SealAndCommit(block, cert.block_id, cert, {});
}

void Machine::Impl::OnMajorityCert(chain::MemberId from, const chain::MajorityCert& mc) {
  if (mc.h < m_h) return;
  if (mc.h > m_h + kMaxRoundsAhead * 1024) return;
  if (mc.r > (mc.h == m_h ? m_rounds.round() + kMaxRoundsAhead : UINT32_MAX)) return;
  if (Status s = chain::VerifyMajorityCert(mc, m_chain_id, config(), Excluded()); !s.ok()) {
    if (s.error().code == Errc::kBadSignature || s.error().code == Errc::kNotMember || s.error().code == Errc::kMalformed) {
      return Penalise(from, "majority certificate: " + s.error().message);
    }
    return;  // counts fall short under my exclusions: not the sender's fault
  }
  if (mc.h > m_h) {
    NotePeerHead(from, mc.h);
    RequestSync(from);
    return;
  }
  OnDecided(mc);
}

void Machine::Impl::SendRoundChange(std::uint32_t r) {
  // S3: only for a round above the promise; carries last_vote exactly as stored.
  if ((m_signer.h == m_h && r <= m_signer.promised) || SignerAhead() || !IsMemberAt(m_h)) {
    StartRound(std::max(m_rounds.round(), r));
    return;
  }
  m_signer.h = m_h;
  m_signer.promised = r;
  chain::RoundChange rc;
  rc.h = m_h;
  rc.r = r;
  if (m_signer.last_vote && m_signer.last_vote->vote.h == m_h) rc.last_vote = m_signer.last_vote;
  rc.signer = m_self;
  chain::SignWith(*KeyAt(m_h), m_chain_id, rc);
  m_app.SaveSigner(m_signer);  // S5
  Emit(Broadcast{rc});
  StartRound(r);
  // Push the proposal I voted for to the round's proposer so it can re-propose the body (§2.3).
  if (rc.last_vote) {
    const chain::MemberId next = Proposer(r);
    const chain::Proposal* voted = m_candidates.ProposalFor(rc.last_vote->vote.block_id);
    if (next != m_self && voted) Emit(Send{next, *voted});
  }
  OnRoundChange(m_self, rc);
}

void Machine::Impl::OnRoundChange(chain::MemberId from, const chain::RoundChange& rc) {
  if (from != m_self && rc.signer != from) return Penalise(from, "round change relayed for another signer");
  if (rc.h != m_h) return;
  if (rc.r == 0 || rc.r > m_rounds.round() + kMaxRoundsAhead) return;
  if (from != m_self) {
    Status s = CheckRoundChange(rc, rc.h, rc.r, m_chain_id, config(), {}, ProposerFunction());
    if (!s.ok()) return Penalise(from, "round change: " + s.error().message);
  }
  if (m_msgs.AddRoundChange(rc)) return;  // the signer's first one at (h, r) stays
  // E3: a vote of this signer below rc.r that the round change does not report.
  if (const chain::Vote* v = m_msgs.VoteHiddenBy(rc)) AddEvidence(MakePromiseBreak(rc, *v), std::nullopt);
  MaybeStartRoundTimer();
  // Keep the body of the last_vote's block if it came with a proposal we hold; count for advance_to
  // (at rc.h: the height this round change is for, even if the evidence above moved me on).
  if (m_decided) return;
  const std::size_t need = config().members.size() - config().Majority() + 1;
  const std::uint32_t target = m_msgs.HighestRoundWith(rc.h, m_rounds.round(), need, m_evidence.local_excluded());
  if (target > m_rounds.round()) AdvanceTo(target);
}

// Round synchronisation, a precision of §2.3 (IBFT 2.0 / Tendermint style; fixes F6). The timer of
// round r > 0 starts only once MAJ_e distinct non-excluded members are known to have promised a
// round >= r: a RoundChange(h, r') with r' >= r from them, my own promise, or a proposal at h for a
// round >= r whose justification verified (it holds MAJ_e RoundChanges of its round). Until then a
// member that is ahead waits in r instead of timing out on its own: otherwise, when the honest
// members left are exactly MAJ_e, one member a round ahead keeps its lead forever (every timeout
// doubles for everyone) and no round ever has all of them. The lowest honest round always has
// MAJ_e such promises (every honest member promised at least its own round), so its timer runs and
// the laggards climb to the leader's round; the leader's timer then starts within one message
// delay of theirs. While waiting, the member re-broadcasts its own RoundChange(h, r) every
// timeout(r) (the same signed bytes, S6), so a member that restarted or missed it still counts it.
// Only when the next timeout fires is anything new signed; safety (S1-S6, §2.3 justification)
// does not depend on timers at all. A member whose signer state is ahead (SignerAhead) signs
// nothing at h and keeps the plain timer.
bool Machine::Impl::RoundSynced(std::uint32_t r) const {
  if (r == 0 || SignerAhead() || m_rounds.justified_round() >= r) return true;
  if (m_signer.h == m_h && m_signer.last_vote && m_signer.last_vote->vote.h == m_h && m_signer.last_vote->vote.r >= r) {
    return true;  // I voted in r or above: that proposal carried a verified justification
  }
  std::set<chain::MemberId> promised;
  if (m_signer.h == m_h && m_signer.promised >= r && !IsExcluded(m_self)) promised.insert(m_self);
  for (chain::MemberId signer : m_msgs.PromisedAtLeast(m_h, r)) {
    if (!IsExcluded(signer)) promised.insert(signer);
  }
  return promised.size() >= config().Majority();
}

void Machine::Impl::MaybeStartRoundTimer() {
  if (m_rounds.timer_on() || !RoundSynced(m_rounds.round())) return;
  m_rounds.StartTimer(m_now);
}

void Machine::Impl::ResendRoundChange() {
  const std::uint32_t round = m_rounds.round();
  m_rounds.ScheduleResend(m_now + Timeout(round));
  if (SignerAhead() || m_signer.h != m_h || m_signer.promised != round || !IsMemberAt(m_h)) return;
  std::optional<chain::RoundChange> rc;
  if (const chain::RoundChange* mine = m_msgs.FindRoundChange(m_h, round, m_self)) rc = *mine;
  if (!rc) {
    // After a restart my RoundChange is no longer in memory. S3 fixed its content when promised
    // became this round: last_vote cannot have changed since (a later vote would be at a round >=
    // promised, and then RoundSynced holds and nothing is re-sent), so signing the same fields
    // again gives the same bytes (Ed25519 is deterministic, S6). Nothing new is promised.
    const bool voted_here = m_signer.last_vote && m_signer.last_vote->vote.h == m_h;
    if (voted_here && m_signer.last_vote->vote.r >= round) return;
    rc.emplace();
    rc->h = m_h;
    rc->r = round;
    if (voted_here) rc->last_vote = m_signer.last_vote;
    rc->signer = m_self;
    chain::SignWith(*KeyAt(m_h), m_chain_id, *rc);
  }
  Emit(Broadcast{*rc});
  if (rc->last_vote) {  // the body for the re-proposer, as when it was first sent
    const chain::MemberId next = Proposer(round);
    const chain::Proposal* voted = m_candidates.ProposalFor(rc->last_vote->vote.block_id);
    if (next != m_self && voted) Emit(Send{next, *voted});
  }
  OnRoundChange(m_self, *rc);
}

void Machine::Impl::AdvanceTo(std::uint32_t r) {
  if (r <= m_rounds.round()) return;
  if (!(m_signer.h == m_h && m_signer.promised >= r)) {
    SendRoundChange(r);
  } else {
    StartRound(r);
  }
}

}  // namespace peerdb::consensus
