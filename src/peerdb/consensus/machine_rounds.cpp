// Machine: votes and majority certificates (§2.2), round changes and advance_to (§2.3, S3).
#include <algorithm>
#include <set>

#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

void Machine::Impl::OnVote(chain::MemberId from, const chain::Vote& v) {
  if (from != m_self && v.signer != from) return Penalise(from, "vote relayed for another signer");
  // Past heights are decided but their votes are kept for evidence (§5.1) within the window; far
  // future ones wait for catch-up.
  if (v.h + kKeepHeights < m_h || v.h > m_h + 1) return;
  if (v.r > m_round + kMaxRoundsAhead) return;
  if (from != m_self && !VerifyMember(v)) return Penalise(from, "vote signature does not verify");
  HeightMsgs& hm = m_msgs[v.h];
  auto& votes = hm.votes[v.r];
  if (auto it = votes.find(v.signer); it != votes.end()) {
    if (it->second.block_id != v.block_id) AddEvidence(MakeDoubleVote(it->second, v), std::nullopt);  // E2
    return;  // duplicate or conflicting: the first vote stays
  }
  votes[v.signer] = v;
  // E3: a round change of this signer for a round above the vote that does not report it.
  for (const auto& [rr, rcs] : hm.rcs) {
    if (rr <= v.r) continue;
    auto rc = rcs.find(v.signer);
    if (rc != rcs.end() && (!rc->second.last_vote || rc->second.last_vote->vote.r < v.r)) {
      AddEvidence(MakePromiseBreak(rc->second, v), std::nullopt);
      break;
    }
  }
  if (v.h == m_h) CountVotes(v.r, v.block_id);
}

void Machine::Impl::CountVotes(std::uint32_t r, const Hash32& id) {
  if (m_decided) return;
  auto hm = m_msgs.find(m_h);
  if (hm == m_msgs.end()) return;
  auto votes = hm->second.votes.find(r);
  if (votes == hm->second.votes.end()) return;
  chain::MajorityCert mc;
  mc.h = m_h;
  mc.r = r;
  mc.block_id = id;
  for (const auto& [signer, v] : votes->second) {  // std::map: sorted by signer
    if (v.block_id == id && !IsExcluded(signer)) mc.votes.push_back(chain::SigEntry{signer, v.sig});
  }
  if (mc.votes.size() >= config().Majority()) OnDecided(mc);
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
  auto it = m_candidates.find(m_decided->block_id);
  if (it == m_candidates.end()) {
    Raise(AlertKind::kMajorityWithoutMe, m_self, m_h, m_h,
          "a majority chose block " + Hex(m_decided->block_id).substr(0, 16) + " at height " + std::to_string(m_h) +
              " that I never received");
    return;  // Poll asks a voter for it (catch-up)
  }
  if (CheckCandidate(it->second) != Candidate::Check::kOk) {
    // A1b: never seal it; keep the failed check for operators.
    Raise(AlertKind::kMajorityRejected, m_self, m_h, m_h,
          "a majority chose block " + Hex(m_decided->block_id).substr(0, 16) + " at height " + std::to_string(m_h) +
              " which I rejected: " + it->second.reject_reason);
    return;
  }
  const chain::MajorityCert cert = *m_decided;
  const chain::Block block = it->second.block;
  SealAndCommit(block, cert.block_id, cert, {});
}

void Machine::Impl::OnMajorityCert(chain::MemberId from, const chain::MajorityCert& mc) {
  if (mc.h < m_h) return;
  if (mc.h > m_h + kMaxRoundsAhead * 1024) return;
  if (mc.r > (mc.h == m_h ? m_round + kMaxRoundsAhead : UINT32_MAX)) return;
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
  if ((m_signer.h == m_h && r <= m_signer.promised) || SignerAhead()) {
    StartRound(std::max(m_round, r));
    return;
  }
  m_signer.h = m_h;
  m_signer.promised = r;
  chain::RoundChange rc;
  rc.h = m_h;
  rc.r = r;
  if (m_signer.last_vote && m_signer.last_vote->vote.h == m_h) rc.last_vote = m_signer.last_vote;
  rc.signer = m_self;
  chain::SignWith(m_key, m_chain_id, rc);
  m_app.SaveSigner(m_signer);  // S5
  Emit(Broadcast{rc});
  StartRound(r);
  // Push the proposal I voted for to the round's proposer so it can re-propose the body (§2.3).
  if (rc.last_vote) {
    const chain::MemberId next = Proposer(r);
    auto c = m_candidates.find(rc.last_vote->vote.block_id);
    if (next != m_self && c != m_candidates.end() && c->second.proposal) Emit(Send{next, *c->second.proposal});
  }
  OnRoundChange(m_self, rc);
}

void Machine::Impl::OnRoundChange(chain::MemberId from, const chain::RoundChange& rc) {
  if (from != m_self && rc.signer != from) return Penalise(from, "round change relayed for another signer");
  if (rc.h != m_h) return;
  if (rc.r == 0 || rc.r > m_round + kMaxRoundsAhead) return;
  if (from != m_self) {
    Status s = CheckRoundChange(rc, rc.h, rc.r, m_chain_id, config(), {}, ProposerFunction());
    if (!s.ok()) return Penalise(from, "round change: " + s.error().message);
  }
  HeightMsgs& hm = m_msgs[m_h];
  auto& rcs = hm.rcs[rc.r];
  if (rcs.count(rc.signer)) return;
  rcs[rc.signer] = rc;
  // E3: a vote of this signer below rc.r that the round change does not report.
  for (const auto& [vr, votes] : hm.votes) {
    if (vr >= rc.r) break;
    auto v = votes.find(rc.signer);
    if (v != votes.end() && (!rc.last_vote || rc.last_vote->vote.r < vr)) {
      AddEvidence(MakePromiseBreak(rc, v->second), std::nullopt);
      break;
    }
  }
  MaybeStartRoundTimer();
  // Keep the body of the last_vote's block if it came with a proposal we hold; count for advance_to.
  if (m_decided) return;
  const std::size_t need = config().members.size() - config().Majority() + 1;
  std::uint32_t target = 0;
  for (const auto& [r, by] : hm.rcs) {
    if (r <= m_round) continue;
    std::size_t n = 0;
    for (const auto& [signer, x] : by) n += IsExcluded(signer) ? 0 : 1;
    if (n >= need) target = r;
  }
  if (target > m_round) AdvanceTo(target);
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
  if (r == 0 || SignerAhead() || m_justified_round >= r) return true;
  if (m_signer.h == m_h && m_signer.last_vote && m_signer.last_vote->vote.h == m_h && m_signer.last_vote->vote.r >= r) {
    return true;  // I voted in r or above: that proposal carried a verified justification
  }
  std::set<chain::MemberId> promised;
  if (m_signer.h == m_h && m_signer.promised >= r && !IsExcluded(m_self)) promised.insert(m_self);
  if (auto hm = m_msgs.find(m_h); hm != m_msgs.end()) {
    for (auto it = hm->second.rcs.lower_bound(r); it != hm->second.rcs.end(); ++it) {
      for (const auto& [signer, rc] : it->second) {
        if (!IsExcluded(signer)) promised.insert(signer);
      }
    }
  }
  return promised.size() >= config().Majority();
}

void Machine::Impl::MaybeStartRoundTimer() {
  if (m_round_timer_on || !RoundSynced(m_round)) return;
  m_round_timer_on = true;
  m_round_deadline_ms = m_now + Timeout(m_round);
}

void Machine::Impl::ResendRoundChange() {
  m_rc_resend_ms = m_now + Timeout(m_round);
  if (SignerAhead() || m_signer.h != m_h || m_signer.promised != m_round) return;
  std::optional<chain::RoundChange> rc;
  if (auto hm = m_msgs.find(m_h); hm != m_msgs.end()) {
    if (auto by = hm->second.rcs.find(m_round); by != hm->second.rcs.end()) {
      if (auto mine = by->second.find(m_self); mine != by->second.end()) rc = mine->second;
    }
  }
  if (!rc) {
    // After a restart my RoundChange is no longer in memory. S3 fixed its content when promised
    // became m_round: last_vote cannot have changed since (a later vote would be at a round >=
    // promised, and then RoundSynced holds and nothing is re-sent), so signing the same fields
    // again gives the same bytes (Ed25519 is deterministic, S6). Nothing new is promised.
    const bool voted_here = m_signer.last_vote && m_signer.last_vote->vote.h == m_h;
    if (voted_here && m_signer.last_vote->vote.r >= m_round) return;
    rc.emplace();
    rc->h = m_h;
    rc->r = m_round;
    if (voted_here) rc->last_vote = m_signer.last_vote;
    rc->signer = m_self;
    chain::SignWith(m_key, m_chain_id, *rc);
  }
  Emit(Broadcast{*rc});
  if (rc->last_vote) {  // the body for the re-proposer, as when it was first sent
    const chain::MemberId next = Proposer(m_round);
    auto c = m_candidates.find(rc->last_vote->vote.block_id);
    if (next != m_self && c != m_candidates.end() && c->second.proposal) Emit(Send{next, *c->second.proposal});
  }
  OnRoundChange(m_self, *rc);
}

void Machine::Impl::AdvanceTo(std::uint32_t r) {
  if (r <= m_round) return;
  if (!(m_signer.h == m_h && m_signer.promised >= r)) {
    SendRoundChange(r);
  } else {
    StartRound(r);
  }
}

}  // namespace peerdb::consensus
