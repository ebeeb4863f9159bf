// Machine: proposing (§2.2, §2.3 re-proposal), checking a proposal (C1-C7, §2.4) and voting (S2).
#include <algorithm>

#include "peerdb/chain/rules.h"
#include "peerdb/consensus/block_rules.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

ProposerFn Machine::Impl::ProposerFunction() const {
  return [this](std::uint32_t r) { return Proposer(r); };
}

std::optional<chain::Block> Machine::Impl::BuildFresh() {
  BlockTemplate t;
  t.height = m_h;
  t.parent_id = m_head_id;
  t.timestamp_ms = std::max(m_now, ParentTimestamp() + params().block_period_ms);
  t.author = m_self;
  if (m_head_h > 0) t.parent_cert = m_head_cert;
  t.batches = PoolCandidates();
  // Records: the parent's seals and every valid evidence not yet recorded, ahead of batches (§5.1).
  if (m_head_h > 0) {
    for (const auto& [signer, s] : m_head_seals) {
      if (!IsExcluded(signer)) t.records.push_back(chain::Record{s});
    }
  }
  for (const chain::Evidence* e : m_evidence.Unrecorded()) t.records.push_back(chain::Record{*e});
  for (const chain::ConfigApprove& a : UnrecordedApprovals()) t.records.push_back(chain::Record{a});
  chain::SortRecords(t.records);
  t.rules = BlockRulesInForce{&m_epoch, ChainExcluded()};
  std::vector<chain::TxBatch> dropped;
  auto block = m_app.Build(t, &dropped);
  PoolOnDropped(dropped);
  if (!block.ok()) return std::nullopt;
  return std::move(block).value();
}

void Machine::Impl::TryPropose() {
  if (m_decided || Proposer(m_rounds.round()) != m_self || SignerAhead() || !IsMemberAt(m_h)) return;
  // S4: at most one ProposalCore per (h, r).
  if (m_signer.h == m_h && m_signer.last_proposal && m_signer.last_proposal->r >= m_rounds.round()) return;
  const std::uint64_t t0 = ParentTimestamp() + params().block_period_ms;
  std::vector<chain::RoundChange> justification;
  std::optional<chain::Block> block;
  if (m_rounds.round() == 0) {
    if (m_now < t0) return;
    if (!HasPendingWork() && m_now < ParentTimestamp() + params().heartbeat_ms) return;
    block = BuildFresh();
  } else {
    // Paxos phase 1: >= MAJ valid RoundChange(h, round) from distinct non-excluded members.
    const auto* rcs = m_msgs.RoundChangesAt(m_h, m_rounds.round());
    if (!rcs) return;
    for (const auto& [signer, rc] : *rcs) {
      if (!IsExcluded(signer)) justification.push_back(rc);
    }
    const JustificationOutcome o =
        EvaluateJustification(m_h, m_rounds.round(), justification, m_chain_id, config(), Excluded(), ProposerFunction());
    if (o.valid < config().Majority()) return;
    if (o.tie) AddEvidence(MakeDoubleProposal(o.tie->first, o.tie->second), std::nullopt);
    if (o.required) {
      const Candidate* c = m_candidates.Find(*o.required);
      if (!c) return;  // waits for the voters' push of the proposal (§2.3)
      block = c->block;
    } else {
      if (m_now < t0) return;
      block = BuildFresh();
    }
  }
  if (!block) return;
  chain::ProposalCore core;
  core.h = m_h;
  core.r = m_rounds.round();
  core.block_id = chain::BlockId(block->header);
  core.justification_hash = chain::JustificationHash(justification);
  core.signer = m_self;
  chain::SignWith(*KeyAt(m_h), m_chain_id, core);
  m_signer.h = m_h;
  m_signer.last_proposal = core;
  chain::Proposal p{core, std::move(*block), std::move(justification)};
  PersistSigner(&p);  // S5, with the body
  Emit(Broadcast{p});
  OnProposal(m_self, p);
}

void Machine::Impl::OnProposal(chain::MemberId from, const chain::Proposal& p) {
  const chain::ProposalCore& core = p.core;
  if (core.h < m_h) return;  // stale: decided already
  if (core.h > m_h) {
    // A proposal above my height whose parent certificate is a valid MC proves I am behind.
    if (p.block.header.height != core.h || !p.block.parent_cert || p.block.parent_cert->h + 1 != core.h ||
        !chain::VerifyMajorityCert(*p.block.parent_cert, m_chain_id, config(), ChainExcluded()).ok()) {
      return;
    }
    if (core.h == m_h + 1) {
      // The usual race: the proposer of h + 1 committed h before I saw the last vote. Its parent
      // certificate decides my height; keep the proposal for when I enter h + 1.
      if (m_next_proposals.size() < kMaxNextProposals) m_next_proposals.emplace_back(from, p);
      if (!m_decided) OnDecided(*p.block.parent_cert);
      return;
    }
    NotePeerHead(from, core.h - 1);
    Raise(AlertKind::kMajorityWithoutMe, m_self, m_head_h + 1, core.h - 1,
          "a majority chose blocks up to height " + std::to_string(core.h - 1) + " that I do not hold");
    RequestSync(from);
    return;
  }
  if (!VerifyMember(core)) return Penalise(from, "proposal core signature does not verify");
  if (core.r > m_rounds.round() + kMaxRoundsAhead) return;
  if (core.signer != Proposer(core.r)) return Penalise(from, "proposal by a member out of turn");
  const Hash32 id = chain::BlockId(p.block.header);
  if (id != core.block_id) return Penalise(from, "proposal block does not match its core");
  if (chain::JustificationHash(p.justification) != core.justification_hash) {
    return Penalise(from, "proposal justification does not match its core");
  }
  if (const chain::ProposalCore* first = m_msgs.AddCore(core)) {
    if (first->block_id != core.block_id) {
      AddEvidence(MakeDoubleProposal(*first, core), std::nullopt);  // E1
      // The second block of an earlier round still matters: an honest member may have voted for
      // it, and then the justification of a later round requires it (§2.3), so its body is kept
      // below for re-proposal, once its justification checks. It is never voted for here (rounds
      // below mine are not voted in). Dropping it left every later proposer waiting for that body.
      if (core.r >= m_rounds.round()) return;
    }
  }
  const Status just = CheckJustification(core.h, core.r, core.block_id, p.justification, m_chain_id, config(),
                                         Excluded(), ProposerFunction());
  if (!just.ok()) {
    // E6 if the justification breaks §2.3 even when judged standalone; otherwise only rejected.
    chain::Evidence e = MakeBadProposal(core, p.justification);
    if (VerifyEvidence(e, m_chain_id, config()).ok()) AddEvidence(e, std::nullopt);
    // An earlier round's block is still kept (never voted for: rounds below mine are not voted
    // in). Its justification may fail only under an exclusion that came after honest members
    // voted for it (the proposer's own round change counted), and then later justifications
    // require this very body: my restored vote's, or a voter's push to the next proposer (§2.3).
    // The block of my own last vote is kept in its own round too: restored after a crash, with
    // the proposer excluded meanwhile, it is never voted for again, but if it were dropped here
    // no member might hold the body every later justification requires (found by the soak,
    // gov_byzantine_two_branches seed 11603: the height stalled for good).
    const bool my_vote = m_signer.h == m_h && m_signer.last_vote && m_signer.last_vote->vote.h == core.h &&
                         m_signer.last_vote->vote.r == core.r && m_signer.last_vote->vote.block_id == id;
    if (core.r < m_rounds.round() || my_vote) m_candidates.Keep(id, p);
    return;
  }
  // MAJ promised core.r (round synchronisation, machine_rounds.cpp).
  if (m_rounds.NoteJustified(core.r)) MaybeStartRoundTimer();
  if (!m_candidates.Keep(id, p)) return;
  if (core.r < m_rounds.round()) {
    TryCommitDecided();
    return;
  }
  if (core.r > m_rounds.round()) AdvanceTo(core.r);  // a valid justified proposal for a higher round
  ProcessCandidate(id, core.r, /*allow_defer=*/true);
  TryCommitDecided();
}

Candidate::Check Machine::Impl::CheckCandidate(Candidate& c) {
  if (c.check != Candidate::Check::kUnchecked) return c.check;
  const chain::Block& b = c.block;
  const chain::Header& hdr = b.header;
  auto reject = [&](std::string why) {
    c.check = Candidate::Check::kRejected;
    c.reject_reason = std::move(why);
    return c.check;
  };
  // C2-C4 on the header (the shared rule; the parent is my committed head), C6/C7 on the body's
  // shape, C5's authors and C6's records (the shared body rule), then C5-C7 against the state by
  // the application.
  chain::HeaderRules rules;
  rules.chain_id = m_chain_id;
  rules.config = &config();
  rules.config_hash = m_config_hash;
  rules.parent_config = &ConfigAt(m_head_h);
  rules.author_excluded = ChainExcluded();
  rules.parent_cert_excluded = ParentCertExcluded();
  const chain::ParentRef parent{m_head_h, m_head_id, ParentTimestamp()};
  if (Status s = chain::CheckHeader(hdr, b.parent_cert, parent, rules); !s.ok()) return reject(s.error().message);
  if (Status s = chain::CheckBlockShape(b, params()); !s.ok()) return reject("C6: " + s.error().message);
  BodyRules body;
  body.chain_id = m_chain_id;
  body.config = &config();
  body.epochs = &m_epochs;
  body.excluded = ChainExcluded();
  body.ancestor_id = [this](std::uint64_t k) -> std::optional<Hash32> {  // the parent is my head
    auto it = m_headers.find(k);
    return it == m_headers.end() ? std::nullopt : std::optional<Hash32>(it->second.id);
  };
  if (Status s = CheckBlockBody(b, body); !s.ok()) return reject(s.error().message);
  // C3/S1: never co-sign a branch that conflicts with my seals. After a restart between a seal's
  // SaveSigner and its Commit, the only block I may take at this height is the one I sealed.
  if (m_signer.seal_h == m_h ? m_signer.seal_id != chain::BlockId(hdr) : hdr.parent_id != m_signer.seal_id) {
    return reject("C3: block conflicts with my latest seal");
  }
  if (auto step = EpochStepOf(b, chain::BlockId(hdr)); !step.ok()) return reject(step.error().message);
  if (Status s = m_app.Check(b, BlockRulesInForce{&m_epoch, ChainExcluded()}); !s.ok()) return reject(s.error().message);
  c.check = Candidate::Check::kOk;
  return c.check;
}

void Machine::Impl::ProcessCandidate(const Hash32& id, std::uint32_t r, bool allow_defer) {
  Candidate* found = m_candidates.Find(id);
  if (!found || r != m_rounds.round()) return;
  Candidate& c = *found;
  const chain::MemberId proposer = Proposer(r);
  // C4: a block from the future is deferred until local time catches up, not rejected.
  if (allow_defer && c.block.header.timestamp_ms > m_now + params().max_future_drift_ms) {
    if (std::find(m_deferred.begin(), m_deferred.end(), std::make_pair(r, id)) == m_deferred.end()) {
      m_deferred.emplace_back(r, id);
      NoteDeferred(proposer);
    }
    return;
  }
  NoteOnTime(proposer);
  if (CheckCandidate(c) != Candidate::Check::kOk) {
    m_rejected_at_h.insert(id);
    return;
  }
  const chain::ProposalCore* core = m_msgs.FindCore(m_h, r, proposer);
  if (!core || core->block_id != id) return;
  TryVote(*core);
}

void Machine::Impl::TryVote(const chain::ProposalCore& core) {
  if (core.h != m_h || core.r != m_rounds.round() || SignerAhead() || !IsMemberAt(m_h)) return;
  // S2: r >= promised, and no other vote in this round; the same vote again returns the stored one.
  if (core.r < m_signer.promised && m_signer.h == m_h) return;
  if (m_signer.h == m_h && m_signer.last_vote) {
    const chain::Vote& lv = m_signer.last_vote->vote;
    if (core.r < lv.r) return;
    if (core.r == lv.r) {
      if (core.block_id == lv.block_id) Emit(Broadcast{lv});  // S6: the stored signature, never a new one
      return;
    }
  }
  chain::Vote v;
  v.h = m_h;
  v.r = core.r;
  v.block_id = core.block_id;
  v.signer = m_self;
  chain::SignWith(*KeyAt(m_h), m_chain_id, v);
  m_signer.h = m_h;
  m_signer.last_vote = chain::LastVote{v, core};
  PersistSigner(nullptr);  // S5: durable, with the body, before the vote leaves
  Emit(Broadcast{v});
  OnVote(m_self, v);
}

void Machine::Impl::PersistSigner(const chain::Proposal* own) {
  // Bodies are saved under the proposal that carried them, one entry per distinct core. My own
  // new proposal never stands in for the proposal I voted on, even for the same block: if the
  // crash comes between SaveCandidates and SaveSigner, the restart drops my uncovered core
  // (RestoreCandidates), and the body my vote requires must survive under the other core.
  std::vector<chain::Proposal> bodies;
  auto add = [&](const chain::Proposal& p) {
    for (const chain::Proposal& b : bodies) {
      if (b.core == p.core) return;
    }
    bodies.push_back(p);
  };
  auto add_candidate = [&](const Hash32& id) {
    if (const chain::Proposal* p = m_candidates.ProposalFor(id)) add(*p);
  };
  if (m_signer.h == m_h) {
    if (own) {
      add(*own);
    } else if (m_signer.last_proposal) {
      add_candidate(m_signer.last_proposal->block_id);
    }
    if (m_signer.last_vote) add_candidate(m_signer.last_vote->vote.block_id);
  }
  std::vector<chain::ProposalCore> cores;
  for (const chain::Proposal& b : bodies) cores.push_back(b.core);
  if (cores != m_saved_bodies) {
    m_app.SaveCandidates(bodies);
    m_saved_bodies = std::move(cores);
  }
  m_app.SaveSigner(m_signer);
}

void Machine::Impl::RestoreCandidates() {
  auto restored = std::move(m_restored);
  m_restored.clear();
  for (const chain::Proposal& p : restored) {
    if (p.core.h != m_h) continue;  // a decided height
    const std::optional<chain::ProposalCore> lp = m_signer.h == m_h ? m_signer.last_proposal : std::nullopt;
    const bool mine = lp && *lp == p.core;
    // A core of mine that SignerState does not cover (the crash came between SaveCandidates and
    // SaveSigner) was never sent and must never be: I may now sign another block in its round (S4
    // counts only what was durable). Cores below last_proposal's round were durable and sent.
    if (p.core.signer == m_self && !mine && !(lp && p.core.r < lp->r)) continue;
    // S6: my stored proposal for the round I am still in goes out again, byte for byte; the stored
    // vote follows from TryVote when the candidate is processed.
    if (mine && p.core.r == m_rounds.round() && p.core.signer == m_self) Emit(Broadcast{p});
    OnProposal(m_self, p);
  }
}

}  // namespace peerdb::consensus
