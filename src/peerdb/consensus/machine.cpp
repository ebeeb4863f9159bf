// Machine: event dispatch, timers, entering heights, sealing and committing (PROTOCOL.md §2.2).
#include "peerdb/consensus/machine.h"

#include <algorithm>
#include <set>

#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/internal/machine_impl.h"
#include "peerdb/consensus/proposer_schedule.h"
#include "peerdb/util/assert.h"

namespace peerdb::consensus {

Machine::Impl::Impl(Snapshot snap, Application& app, const crypto::SigningKey& key)
    : m_app(app), m_keys{key}, m_genesis(std::move(snap.genesis)), m_self(snap.self),
      m_epoch(snap.epoch ? std::move(*snap.epoch) : chain::GenesisEpochState(m_genesis)),
      m_epochs(snap.epochs.empty() ? chain::EpochHistory(m_genesis) : chain::EpochHistory(std::move(snap.epochs))),
      m_signer(snap.signer), m_restored(std::move(snap.candidates)), m_rounds(m_epoch.config.params),
      m_pool(BatchPool::Limits{kMaxPoolBatches, kMaxPoolBytes, kMaxPoolPerAuthor}), m_members(m_epoch.config, m_self) {
  for (const crypto::SigningKey& k : snap.other_keys) m_keys.push_back(k);
  for (const chain::Proposal& p : m_restored) m_saved_bodies.push_back(p.core);
  m_chain_id = chain::ChainId(m_genesis);
  m_config_hash = chain::ConfigHash(config());
  if (m_signer.seal_h == 0) m_signer.seal_id = m_chain_id;
  m_head_id = m_chain_id;
  if (snap.head) {
    const CommittedBlock& hb = *snap.head;
    m_head_h = hb.block.header.height;
    m_head_id = hb.id;
    m_head_header = hb.block.header;
    m_head_cert = hb.cert;
    m_headers[m_head_h] = KnownHeader{m_head_header, hb.id};
    for (const chain::Seal& s : hb.seals) {
      m_head_seals[s.signer] = s;
      m_sealers[m_head_h].insert(s.signer);
      m_members.NoteSealed(s.signer, m_head_h);
    }
  }
  m_unanimous_h = std::min(snap.unanimous_height, m_head_h);
  for (const chain::Evidence& e : snap.evidence) {
    auto offender = EvidenceOffender(e);
    if (offender.ok() && config().FindMember(*offender) && !m_evidence.Holds(*offender)) m_evidence.Add(*offender, e);
  }
  std::set<chain::MemberId> chain_excluded;
  if (snap.chain_excluded) {
    chain_excluded.insert(snap.chain_excluded->begin(), snap.chain_excluded->end());
  } else {
    for (std::uint64_t k = 1; k <= m_head_h; ++k) {
      auto cb = m_app.LoadCommitted(k);
      if (!cb) continue;
      for (const chain::Record& r : cb->block.records) {
        if (const auto* e = std::get_if<chain::Evidence>(&r.body)) {
          auto offender = EvidenceOffender(*e);
          if (offender.ok()) chain_excluded.insert(*offender);
        }
      }
    }
  }
  m_evidence.RestoreChain(chain_excluded);
  RestoreChainExcludedInHead();
  m_late_seals_pending = m_signer.seal_h < m_head_h;
  m_h = m_head_h + 1;
  if (m_signer.h < m_h) {
    // The saved per-height fields belong to a decided height (the member crashed after committing
    // it, before signing at the next): start m_h clean, as EnterHeight does (F5). Nothing is ever
    // signed again below m_h, so no rule loses a promise; the reset is saved with the next signature.
    ResetSignerHeight();
  }
  m_rounds.Resume(m_signer.h == m_h ? m_signer.promised : 0);
}

void Machine::Impl::ResetSignerHeight() {
  m_signer.h = m_h;
  m_signer.promised = 0;
  m_signer.last_vote.reset();
  m_signer.last_proposal.reset();
}

std::uint64_t Machine::Impl::Timeout(std::uint32_t r) const { return m_rounds.Timeout(r); }

std::uint64_t Machine::Impl::ParentTimestamp() const {
  return m_head_h == 0 ? m_genesis.genesis_time_ms : m_head_header.timestamp_ms;
}

chain::MemberId Machine::Impl::Proposer(std::uint32_t r) const {
  std::vector<chain::MemberId> active = ActiveMembers(config(), ChainExcluded());
  if (active.empty()) return 0;
  return ProposerOf(active, m_head_h == 0 ? std::nullopt : std::optional<chain::MemberId>(m_head_header.author), r);
}

void Machine::Impl::Penalise(chain::MemberId peer, std::string reason) { Emit(consensus::Penalise{peer, std::move(reason)}); }

void Machine::Impl::Step(const Event& event, std::uint64_t now_ms, std::vector<Action>& out) {
  m_out = &out;
  m_now = std::max(m_now, now_ms);
  if (!m_started) {
    m_started = true;
    // First step after construction: start the height's timers from the first time we are given.
    m_rounds.BeginHeight(m_now);
    StartRound(m_rounds.round());
    // A restarted member waiting in a round > 0 re-sends its RoundChange at once: the crash may
    // have come between saving the promise and sending it, and the others may be waiting for it.
    if (!m_rounds.timer_on()) m_rounds.ScheduleResend(m_now);
    m_next_status_ms = m_now;
    m_next_gossip_ms = m_now;
    RestoreCandidates();
  }
  std::visit(
      [this](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, Received>) {
          OnReceived(e.from, e.msg);
        } else if constexpr (std::is_same_v<E, LocalBatch>) {
          OnLocalBatch(e.batch);
        } else if constexpr (std::is_same_v<E, PeerConnected>) {
          if (e.peer != m_self && m_members.SetConnected(e.peer, true)) {
            // A block I still miss may have been asked of a peer that was not connected (start-up):
            // ask again now (Poll, at the end of this step) rather than after the retry wait.
            if (WantsSync()) m_sync_wait_until_ms = 0;
            Emit(Send{e.peer, MakeStatus()});
            // My seal of the head went to the peers connected then; without it this one would not
            // see the head UNANIMOUS until the next block's records carry it.
            if (auto mine = m_head_seals.find(m_self); mine != m_head_seals.end()) Emit(Send{e.peer, mine->second});
            for (const auto& [k, entry] : m_pool.entries()) {
              if (entry.local) Emit(Send{e.peer, entry.batch});
            }
            for (const chain::Evidence* ev : m_evidence.Unrecorded()) Emit(Send{e.peer, *ev});
            for (const chain::ConfigApprove& a : UnrecordedApprovals()) Emit(Send{e.peer, a});
          }
        } else if constexpr (std::is_same_v<E, PeerDisconnected>) {
          m_members.SetConnected(e.peer, false);
        } else if constexpr (std::is_same_v<E, ApproveChange>) {
          ApproveLocal(e.change_id);
        }
      },
      event);
  if (m_rounds.work_seen_ms() == 0 && HasPendingWork()) m_rounds.NoteWork(m_now);
  Poll();
  m_out = nullptr;
}

void Machine::Impl::OnReceived(chain::MemberId from, const PeerMessage& msg) {
  if (from == m_self) return;
  // The transport admits the members of the config in force. A sender that is not one at the height
  // being decided (it left while the message was on its way) may still ask for blocks and say where
  // it is; anything else from it is refused.
  const bool sync_only = std::holds_alternative<SyncRequest>(msg) || std::holds_alternative<StatusMsg>(msg) ||
                         std::holds_alternative<SyncResponse>(msg);
  if (!config().FindMember(from) && !sync_only) return Penalise(from, "message from a non-member");
  const std::size_t before = m_out->size();
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, chain::Proposal>) OnProposal(from, m);
        else if constexpr (std::is_same_v<M, chain::Vote>) OnVote(from, m);
        else if constexpr (std::is_same_v<M, chain::RoundChange>) OnRoundChange(from, m);
        else if constexpr (std::is_same_v<M, chain::Seal>) OnSeal(from, m);
        else if constexpr (std::is_same_v<M, chain::MajorityCert>) OnMajorityCert(from, m);
        else if constexpr (std::is_same_v<M, chain::TxBatch>) OnBatch(from, m);
        else if constexpr (std::is_same_v<M, chain::Evidence>) AddEvidence(m, from);
        else if constexpr (std::is_same_v<M, SyncRequest>) OnSyncRequest(from, m);
        else if constexpr (std::is_same_v<M, SyncResponse>) OnSyncResponse(from, m);
        else if constexpr (std::is_same_v<M, StatusMsg>) OnStatus(from, m);
        else if constexpr (std::is_same_v<M, chain::ConfigApprove>) OnApprove(from, m);
      },
      msg);
  bool penalised = false;
  for (std::size_t i = before; i < m_out->size(); ++i) {
    if (const auto* p = std::get_if<consensus::Penalise>(&(*m_out)[i]); p && p->peer == from) penalised = true;
  }
  if (!penalised) m_members.NoteSeen(from, m_now);
}

void Machine::Impl::Poll() {
  if (m_late_seals_pending) LateSeals();
  // Round timer (§2.3): no MC at h before the deadline -> RoundChange(h, round + 1).
  // A round > 0 whose timer has not started waits for MAJ promises and re-sends my RoundChange.
  if (!m_decided && m_rounds.timer_on() && m_now >= m_rounds.Deadline(ParentTimestamp())) {
    SendRoundChange(m_rounds.round() + 1);
  }
  if (!m_decided && !m_rounds.timer_on() && m_now >= m_rounds.resend_ms()) ResendRoundChange();
  // Deferred proposals (C4) whose time has come.
  if (!m_deferred.empty()) {
    auto deferred = std::move(m_deferred);
    m_deferred.clear();
    for (const auto& [r, id] : deferred) {
      if (r == m_rounds.round()) ProcessCandidate(id, r, /*allow_defer=*/true);
    }
  }
  TryCommitDecided();
  TryPropose();
  if (WantsSync() && m_sync_wait_until_ms <= m_now) {
    chain::MemberId hint = 0;
    if (m_decided) {
      for (const chain::SigEntry& e : m_decided->votes) {
        if (e.signer != m_self) { hint = e.signer; break; }
      }
    }
    RequestSync(PickSyncPeer(hint));
  }
  if (m_now >= m_next_status_ms) {
    Emit(Broadcast{MakeStatus()});
    m_next_status_ms = m_now + kStatusIntervalMs;
  }
  if (m_now >= m_next_gossip_ms) {
    GossipEvidence();
    m_next_gossip_ms = m_now + kEvidenceGossipMs;
  }
  CheckTimedAlerts();
}

std::uint64_t Machine::Impl::NextWakeupMs() const {
  std::uint64_t next = std::min(m_next_status_ms, m_next_gossip_ms);
  // Round 0 allows heartbeat_ms for an idle proposer (§2.2); once I hold pending work (which I
  // broadcast, so the proposer holds it too) its deadline is earlier (RoundTimer::Deadline).
  if (!m_decided) next = std::min(next, m_rounds.NextWakeupMs(ParentTimestamp()));
  // A round-0 proposer waits for its time; later rounds wait for round changes (messages). A due
  // proposal that did not happen (Build failed) is retried one block period later, never in a spin.
  if (!m_decided && m_rounds.round() == 0 && Proposer(0) == m_self && !(m_signer.last_proposal && m_signer.h == m_h)) {
    const std::uint64_t t0 = ParentTimestamp() + params().block_period_ms;
    std::uint64_t due = HasPendingWork() ? t0 : std::max(t0, ParentTimestamp() + params().heartbeat_ms);
    if (due <= m_now) due = m_now + params().block_period_ms;
    next = std::min(next, due);
  }
  if (!m_deferred.empty()) next = std::min(next, m_now + params().block_period_ms);
  if (WantsSync()) next = std::min(next, std::max(m_sync_wait_until_ms, m_now + 1));
  // Alerts with deadlines are re-checked at the status interval.
  return std::max(next, m_now);
}

bool Machine::Impl::WantsSync() const {
  return (m_decided && !m_candidates.Contains(m_decided->block_id)) || m_members.known_peer_head() > m_head_h;
}

void Machine::Impl::StartRound(std::uint32_t r) {
  m_rounds.EnterRound(r, m_now);
  // Round r > 0: the timer starts once MAJ members are known to be in r or above (machine_rounds.cpp).
  if (r != 0) MaybeStartRoundTimer();
}

void Machine::Impl::EnterHeight() {
  m_h = m_head_h + 1;
  // A new height resets the per-height signer fields (§2.5); they are saved with the next signature.
  // A saved height above m_h (a store that lost commits) is kept: SignerAhead() then blocks signing.
  if (m_signer.h < m_h) ResetSignerHeight();
  m_candidates.Clear();
  m_decided.reset();
  m_deferred.clear();
  m_rejected_at_h.clear();
  m_rounds.BeginHeight(m_now);  // pending work is noted again at the end of this step
  StartRound(m_signer.h == m_h ? m_signer.promised : 0);
  const std::uint64_t keep_from = m_head_h > kKeepHeights ? m_head_h - kKeepHeights : 0;
  m_msgs.PruneBelow(keep_from);
  while (m_headers.size() > kKeepHeaders) m_headers.erase(m_headers.begin());
  while (m_commit_ms.size() > kKeepHeaders) m_commit_ms.erase(m_commit_ms.begin());
  while (m_sealers.size() > kKeepHeaders) m_sealers.erase(m_sealers.begin());
  // Proposals for this height that arrived while the previous one was being decided.
  auto next = std::move(m_next_proposals);
  m_next_proposals.clear();
  for (const auto& [from, p] : next) {
    if (p.core.h == m_h) OnProposal(from, p);
  }
  // Votes that arrived before this height was entered may already decide it.
  for (const auto& [r, id] : m_msgs.VotedBlocks(m_h)) CountVotes(r, id);
}

bool Machine::Impl::SealAndCommit(const chain::Block& block, const Hash32& id, const chain::MajorityCert& cert,
                                  const std::vector<chain::Seal>& known_seals) {
  const std::uint64_t height = block.header.height;
  PEERDB_ASSERT(height == m_head_h + 1);
  auto epoch_step = EpochStepOf(block, id);
  if (!epoch_step.ok()) {  // checked as a candidate; only a bug gets here
    Raise(AlertKind::kMajorityRejected, m_self, height, height, "majority block fails the epoch rules: " + epoch_step.error().message);
    return false;
  }
  // A member of the height's config seals it; a node that is not (it joins later, or left) only
  // follows, and its seal pointer moves with the chain so that S1 holds from its first own seal.
  const bool sealing = IsMemberAt(height);
  // S1: one seal per height, each extending the previous one.
  bool save_signer = false;
  if (!sealing) {
    if (m_signer.seal_h + 1 == height && block.header.parent_id == m_signer.seal_id) {
      m_signer.seal_h = height;
      m_signer.seal_id = id;
      save_signer = true;
    }
  } else if (m_signer.seal_h == height) {
    if (m_signer.seal_id != id) {
      Raise(AlertKind::kOrphanedSeal, m_self, height, height,
            "a majority chose block " + Hex(id).substr(0, 16) + " at height " + std::to_string(height) +
                " but I sealed " + Hex(m_signer.seal_id).substr(0, 16));
      return false;
    }
  } else if (m_signer.seal_h + 1 != height || block.header.parent_id != m_signer.seal_id) {
    Raise(AlertKind::kOrphanedSeal, m_self, m_signer.seal_h, height,
          "block at height " + std::to_string(height) + " does not extend my seal at " + std::to_string(m_signer.seal_h));
    return false;
  } else {
    m_signer.seal_h = height;
    m_signer.seal_id = id;
    if (m_signer.h < height) {
      m_signer.h = height;
      m_signer.promised = 0;
      m_signer.last_vote.reset();
      m_signer.last_proposal.reset();
    }
    save_signer = true;
  }
  chain::Seal mine;
  mine.h = height;
  mine.block_id = id;
  mine.signer = m_self;
  std::map<chain::MemberId, chain::Seal> seals;
  if (sealing) {
    chain::SignWith(*KeyAt(height), m_chain_id, mine);
    seals[m_self] = mine;
  }
  for (const chain::Seal& s : known_seals) {
    if (s.h == height && s.block_id == id && !IsExcluded(s.signer)) seals.emplace(s.signer, s);
  }
  if (const auto* held = m_msgs.SealsAt(height)) {
    for (const auto& [signer, s] : *held) {
      if (s.block_id == id) seals.emplace(signer, s);
    }
  }
  CommittedBlock cb;
  cb.block = block;
  cb.id = id;
  cb.cert = cert;
  for (const auto& [signer, s] : seals) cb.seals.push_back(s);
  // The block commits before the signer state records the seal (or with it, in one transaction, as
  // the node's application does: CommitThenSaveSigner): after a crash between the two the
  // block is on disk and LateSeals() seals it again (Ed25519 is deterministic: the same signature).
  // The other order could leave a seal on a block this member no longer holds, which a member with
  // no peer to fetch it from (a single-member consortium) could never get past (S1).
  if (save_signer) {
    m_app.CommitThenSaveSigner(cb, *epoch_step, m_signer);  // S5: durable before the seal leaves (as an action)
  } else {
    m_app.Commit(cb, *epoch_step);
  }

  // A2a: my vote at this height went to a block that was not chosen.
  const bool lost_vote = m_signer.last_vote && m_signer.last_vote->vote.h == height && m_signer.last_vote->vote.block_id != id;
  Clear(AlertKind::kLostVote, m_self);
  if (lost_vote) {
    Raise(AlertKind::kLostVote, m_self, height, height,
          "my vote in round " + std::to_string(m_signer.last_vote->vote.r) + " at height " + std::to_string(height) +
              " went to a block that was not chosen");
  }

  m_head_h = height;
  m_head_id = id;
  m_head_header = block.header;
  m_head_cert = cert;
  m_headers[height] = KnownHeader{block.header, id};
  m_commit_ms[height] = m_now;
  m_head_seals = seals;
  for (const auto& [signer, s] : seals) {
    m_sealers[height].insert(signer);
    m_members.NoteSealed(signer, height);
  }
  m_evidence.NewHead();
  for (const chain::Record& r : block.records) {
    if (const auto* e = std::get_if<chain::Evidence>(&r.body)) OnChainEvidence(*e);
  }
  PoolOnCommitted(block);
  Emit(Committed{height, id, BlockStatus::kMajority});
  if (sealing) Emit(Broadcast{mine});
  OnEpochStep(height, std::move(epoch_step).value());
  if (m_members.known_peer_head() <= height) Clear(AlertKind::kMajorityWithoutMe, m_self);
  CheckUnanimity();
  EnterHeight();
  return true;
}

void Machine::Impl::LateSeals() {
  // After a crash between Commit and the seal's SaveSigner (or a node that committed without
  // sealing), seal the committed heights above seal_h in order, each persisted first (§6.2 step 5).
  constexpr std::uint64_t kPerStep = 256;
  std::uint64_t done = 0;
  while (m_signer.seal_h < m_head_h && done++ < kPerStep) {
    const std::uint64_t k = m_signer.seal_h + 1;
    auto cb = m_app.LoadCommitted(k);
    if (!cb || cb->block.header.parent_id != m_signer.seal_id) {
      Raise(AlertKind::kOrphanedSeal, m_self, m_signer.seal_h, k, "committed chain does not extend my last seal");
      m_late_seals_pending = false;
      return;
    }
    m_signer.seal_h = k;
    m_signer.seal_id = cb->id;
    m_app.SaveSigner(m_signer);
    if (!IsMemberAt(k)) continue;  // not mine to seal: the pointer only follows the chain
    chain::Seal s;
    s.h = k;
    s.block_id = cb->id;
    s.signer = m_self;
    chain::SignWith(*KeyAt(k), m_chain_id, s);
    m_app.AddSeals(k, {s});
    Emit(Broadcast{s});
    RecordSeal(s);
  }
  m_late_seals_pending = m_signer.seal_h < m_head_h;
}

// ---- Machine ------------------------------------------------------------------------------

Machine::Machine(Snapshot snap, Application& app, const crypto::SigningKey& key)
    : m_impl(std::make_unique<Impl>(std::move(snap), app, key)) {}
Machine::~Machine() = default;

std::vector<Action> Machine::Step(const Event& event, std::uint64_t now_ms) {
  std::vector<Action> out;
  m_impl->Step(event, now_ms, out);
  return out;
}

std::uint64_t Machine::NextWakeupMs() const { return m_impl->NextWakeupMs(); }
MachineView Machine::View() const { return m_impl->View(); }
const chain::SignerState& Machine::signer() const { return m_impl->m_signer; }

}  // namespace peerdb::consensus
