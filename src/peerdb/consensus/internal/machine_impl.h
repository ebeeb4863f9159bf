// Private part of consensus::Machine: the protocol logic that ties its state together, shared by
// the machine_*.cpp files that implement it: machine.cpp (events, timers, heights, commit),
// machine_propose.cpp (proposals, votes), machine_rounds.cpp (votes counted, round changes),
// machine_sync.cpp (status, catch-up, seals, unanimity), machine_evidence.cpp (detection,
// exclusion), machine_pool.cpp (batches) and machine_alerts.cpp (alerts, member views).
// Most of the state lives in value classes, each owning one thing, which the Impl composes:
//   RoundTimer (round_timer.h)      the round at the height being decided and its timers
//   MessageStore (message_store.h)  signed cores, votes, round changes and seals per height
//   CandidateSet (candidate_set.h)  block bodies at the height being decided and their checks
//   EvidenceBook (evidence_book.h)  evidence held and the exclusion sets X_local, X_chain
//   BatchPool (batch_pool.h)        batches waiting for a block, committed seqs
//   MemberTable (member_table.h)    per member: seals, liveness, A7 turns, claimed heads
//   AlertBook (alert_book.h)        alerts raised and not cleared
// The Impl itself keeps the identity and config, the durable signer state (S1-S6), the committed
// chain (head, recent headers, sealers per height, unanimity) and the decision at the height.
// The value classes emit nothing: only the Impl appends actions, so their order is the protocol's.
// Every container is ordered (std::map/std::set), so iteration never depends on hashing or
// addresses, and every container is bounded (pruned by height or capped).
// Thread-safety: not thread-safe, like Machine.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "peerdb/consensus/internal/alert_book.h"
#include "peerdb/consensus/internal/batch_pool.h"
#include "peerdb/consensus/internal/candidate_set.h"
#include "peerdb/consensus/internal/evidence_book.h"
#include "peerdb/consensus/internal/member_table.h"
#include "peerdb/consensus/internal/message_store.h"
#include "peerdb/consensus/internal/round_timer.h"
#include "peerdb/consensus/justification.h"
#include "peerdb/consensus/machine.h"

namespace peerdb::consensus {

// A committed header with its block id, computed once (the id is compared on every seal received).
struct KnownHeader {
  chain::Header header;
  Hash32 id{};
};

struct Machine::Impl {
  Impl(Snapshot snap, Application& app, const crypto::SigningKey& key);

  // ---- machine.cpp
  void Step(const Event& event, std::uint64_t now_ms, std::vector<Action>& out);
  std::uint64_t NextWakeupMs() const;
  MachineView View() const;
  void OnReceived(chain::MemberId from, const PeerMessage& msg);
  void Poll();
  void EnterHeight();
  void StartRound(std::uint32_t r);
  // Round synchronisation (§2.3 precision, F6): the timer of a round r > 0 runs only once MAJ
  // non-excluded members are known to have promised >= r; until then the member waits in r and
  // re-broadcasts its own RoundChange(h, r) every timeout(r).
  bool RoundSynced(std::uint32_t r) const;
  void MaybeStartRoundTimer();
  void ResendRoundChange();
  bool WantsSync() const;  // an MC at h without its body, or a peer ahead of my head
  std::uint64_t Timeout(std::uint32_t r) const;
  std::uint64_t ParentTimestamp() const;
  chain::MemberId Proposer(std::uint32_t r) const;
  std::vector<chain::MemberId> Excluded() const { return m_evidence.Excluded(); }            // X_m, sorted
  std::vector<chain::MemberId> ChainExcluded() const { return m_evidence.ChainExcluded(); }  // X_chain, sorted
  // X_chain(m_head_h): recorded below my head. The head's own certificate, which the next block
  // carries as parent_cert, is judged under it, as when the head was committed (§6.3 step 2).
  std::vector<chain::MemberId> ParentCertExcluded() const { return m_evidence.ParentCertExcluded(); }
  bool IsExcluded(chain::MemberId m) const { return m_evidence.IsExcluded(m); }
  // Seals (S1, persisted first) and commits a block with an MC; false if S1 forbids it.
  bool SealAndCommit(const chain::Block& block, const Hash32& id, const chain::MajorityCert& cert,
                     const std::vector<chain::Seal>& known_seals);
  void LateSeals();  // seals committed heights above seal_h after a restart (§6.2 step 5)
  void ResetSignerHeight();  // per-height signer fields for a fresh m_h (in memory; saved with the next signature)
  // The saved signer state is for a height above the one being decided (only if the application
  // lost committed blocks): no vote, proposal or round change is signed at m_h, so S2-S4 of that
  // higher height can never be overwritten; catch-up brings m_h up to it.
  bool SignerAhead() const { return m_signer.h > m_h; }
  void Penalise(chain::MemberId peer, std::string reason);
  // GCC 12 with optimisation warns that members of an Action moved in here "may be used uninitialized"
  // (inlined std::variant move constructors; bogus, GCC bug 80635). Silenced for this one function,
  // which GCC 12's diagnostic pragmas also cover where it is inlined.
#pragma GCC diagnostic push
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  void Emit(Action a) { m_out->push_back(std::move(a)); }
#pragma GCC diagnostic pop
  template <class M> bool VerifyMember(const M& m) const;  // signer is a member and the signature verifies

  // ---- machine_propose.cpp
  void TryPropose();
  std::optional<chain::Block> BuildFresh();
  void OnProposal(chain::MemberId from, const chain::Proposal& p);
  void ProcessCandidate(const Hash32& id, std::uint32_t r, bool allow_defer);
  Candidate::Check CheckCandidate(Candidate& c);
  void TryVote(const chain::ProposalCore& core);
  // S5 for a new last_proposal/last_vote: the proposals carrying their blocks (from the candidates,
  // or `own` being signed), then the SignerState, both durable before the signature leaves.
  void PersistSigner(const chain::Proposal* own);
  void RestoreCandidates();  // first step after a restart: the saved proposals become candidates again
  void OnVote(chain::MemberId from, const chain::Vote& v);
  void CountVotes(std::uint32_t r, const Hash32& id);
  void OnDecided(const chain::MajorityCert& cert);
  void TryCommitDecided();
  void RecheckDecided();  // after a new exclusion (machine_evidence.cpp)
  void OnMajorityCert(chain::MemberId from, const chain::MajorityCert& mc);
  void SendRoundChange(std::uint32_t r);
  void OnRoundChange(chain::MemberId from, const chain::RoundChange& rc);
  void AdvanceTo(std::uint32_t r);
  ProposerFn ProposerFunction() const;

  // ---- machine_sync.cpp
  // Whom to ask for the block at head + 1: a peer known to hold it, then `hint` (a voter of its MC),
  // then any connected peer, rotating after the last one asked and skipping peers that already
  // answered nothing for it.
  chain::MemberId PickSyncPeer(chain::MemberId hint) const;
  void NotePeerHead(chain::MemberId peer, std::uint64_t head);  // a claim or proof of a peer's head
  void RequestSync(chain::MemberId peer);
  void OnSyncRequest(chain::MemberId from, const SyncRequest& req);
  void OnSyncResponse(chain::MemberId from, const SyncResponse& resp);
  void OnStatus(chain::MemberId from, const StatusMsg& st);
  StatusMsg MakeStatus() const;
  void OnSeal(chain::MemberId from, const chain::Seal& seal);
  void RecordSeal(const chain::Seal& seal);  // a valid seal on my committed block at seal.h
  void CheckUnanimity();
  void CheckForkAt(std::uint64_t height);  // A2b through fork choice when seals name another block

  // ---- machine_evidence.cpp
  void AddEvidence(const chain::Evidence& e, std::optional<chain::MemberId> from);
  void OnChainEvidence(const chain::Evidence& e);  // recorded in a committed block
  void RestoreChainExcludedInHead();                // which offenders the head block recorded first, after a restart
  void DetectSealConflicts(const chain::Seal& seal);
  void GossipEvidence();

  // ---- machine_pool.cpp
  void OnLocalBatch(const chain::TxBatch& b);
  void PoolOnEpochChanged(const chain::Config& before);
  void OnBatch(chain::MemberId from, const chain::TxBatch& b);
  // A batch left the pool: a local one is reported (BatchDropped with `reason`, unless null because
  // a block included it) and its A6 alert cleared.
  void OnPoolRemoved(const PoolEntry& e, const char* reason);
  void PoolOnCommitted(const chain::Block& block);
  void PoolOnDropped(const std::vector<chain::TxBatch>& dropped);
  std::vector<chain::TxBatch> PoolCandidates() const;
  bool HasPendingWork() const;

  // ---- machine_alerts.cpp
  void Raise(AlertKind kind, chain::MemberId member, std::uint64_t from_h, std::uint64_t to_h, std::string detail,
             std::vector<chain::MemberId> involved = {});
  void Clear(AlertKind kind, chain::MemberId member);
  void CheckTimedAlerts();
  void NoteDeferred(chain::MemberId proposer);
  void NoteOnTime(chain::MemberId proposer);

  // ---- epochs (machine_epochs.cpp)
  // The epoch step of `block` (id `id`) at m_h over the epoch state of my head (C5/C6 for its
  // config op and approvals).
  Result<chain::EpochStep> EpochStepOf(const chain::Block& block, const Hash32& id) const;
  // After committing the block at `height`: the epoch state moves on; on activation the config in
  // force changes (timers, member table, approvals held) and EpochChanged is emitted.
  void OnEpochStep(std::uint64_t height, chain::EpochStep step);
  void OnApprove(chain::MemberId from, const chain::ConfigApprove& a);
  void ApproveLocal(const Hash32& change_id);
  Status CheckApproveLocal(const Hash32& change_id) const;
  // Approvals held for the pending change at m_h that no block on my chain recorded yet.
  std::vector<chain::ConfigApprove> UnrecordedApprovals() const;
  const chain::Config& ConfigAt(std::uint64_t height) const { return m_epochs.ConfigAt(height); }
  // The key this member signs with at `height`: the one of its keys that the config of the height
  // names (keys rotate, §5.3); nullptr when it is not a member there or holds no such key.
  const crypto::SigningKey* KeyAt(std::uint64_t height) const;
  bool IsMemberAt(std::uint64_t height) const { return KeyAt(height) != nullptr; }

  // ---- identity and config (the config in force at m_h: the epoch state of my head)
  Application& m_app;
  std::vector<crypto::SigningKey> m_keys;  // the member's current key, and any next one (rotation)
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  Hash32 m_config_hash{};  // ConfigHash(config())
  chain::MemberId m_self = 0;
  chain::EpochState m_epoch;    // left by my head: in force at m_h
  chain::EpochHistory m_epochs; // of my committed chain; current() is m_epoch's config
  std::map<chain::MemberId, chain::ConfigApprove> m_approvals;  // heard for the pending change, by signer
  const chain::Config& config() const { return m_epoch.config; }
  const chain::Params& params() const { return m_epoch.config.params; }

  // ---- durable signer state (S1-S6)
  chain::SignerState m_signer;
  std::vector<chain::ProposalCore> m_saved_bodies;  // cores of the proposals last saved by SaveCandidates
  std::vector<chain::Proposal> m_restored;          // saved proposals, replayed on the first step

  // ---- committed chain
  std::uint64_t m_head_h = 0;
  Hash32 m_head_id{};
  chain::Header m_head_header;
  std::optional<chain::MajorityCert> m_head_cert;
  std::map<std::uint64_t, KnownHeader> m_headers;          // recent committed headers (kKeepHeaders)
  std::map<std::uint64_t, std::uint64_t> m_commit_ms;      // when each recent height was committed
  std::map<std::uint64_t, std::set<chain::MemberId>> m_sealers;  // committed heights above unanimous
  std::map<chain::MemberId, chain::Seal> m_head_seals;     // seals on the head block (records for the next)
  std::uint64_t m_unanimous_h = 0;
  bool m_late_seals_pending = false;
  bool m_started = false;

  // ---- exclusion and evidence
  EvidenceBook m_evidence;
  // X_chain (owned by m_evidence) under the name the candidate checks (C2) read it by.
  const std::set<chain::MemberId>& m_x_chain = m_evidence.chain_excluded();
  std::uint64_t m_next_gossip_ms = 0;

  // ---- the height being decided
  std::uint64_t m_h = 1;
  RoundTimer m_rounds;
  MessageStore m_msgs;                                      // heights [head - kKeepHeights, h + 1]
  CandidateSet m_candidates;                                // bodies at height h
  std::optional<chain::MajorityCert> m_decided;             // MC at height h
  std::vector<std::pair<std::uint32_t, Hash32>> m_deferred; // C4-deferred (round, block) at h
  std::set<Hash32> m_rejected_at_h;                         // ids rejected by C2-C7 at h (A1b)
  std::vector<std::pair<chain::MemberId, chain::Proposal>> m_next_proposals;  // for h + 1, replayed on entry

  // ---- batches
  BatchPool m_pool;

  // ---- peers, sync, alerts
  MemberTable m_members;
  std::uint64_t m_next_status_ms = 0;
  std::uint64_t m_sync_wait_until_ms = 0;
  chain::MemberId m_sync_peer = 0;      // the peer asked last
  bool m_sync_awaiting = false;         // its answer has not come yet
  AlertBook m_alerts;

  // ---- the step being run
  std::uint64_t m_now = 0;
  std::vector<Action>* m_out = nullptr;

  static constexpr std::uint64_t kKeepHeaders = 1024;
  static constexpr std::size_t kMaxNextProposals = 4;    // proposals for h + 1 kept while deciding h
};

template <class M>
bool Machine::Impl::VerifyMember(const M& m) const {
  const chain::Member* member = config().FindMember(m.signer);
  return member && chain::VerifySignedBy(member->pubkey, m_chain_id, m);
}

}  // namespace peerdb::consensus
