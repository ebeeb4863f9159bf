// Private state of consensus::Machine, shared by the machine_*.cpp files that implement its parts:
// machine.cpp (events, timers, heights, commit), machine_propose.cpp (proposals, votes, round
// changes), machine_sync.cpp (status and catch-up), machine_evidence.cpp (detection, exclusion),
// machine_pool.cpp (batches) and machine_alerts.cpp (alerts, member views).
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

#include "peerdb/consensus/justification.h"
#include "peerdb/consensus/machine.h"

namespace peerdb::consensus {

// A block body seen at the current height.
struct Candidate {
  chain::Block block;
  std::optional<chain::Proposal> proposal;  // the highest-round proposal carrying it, pushed to re-proposers (§2.3)
  enum class Check : std::uint8_t { kUnchecked, kOk, kRejected } check = Check::kUnchecked;
  std::string reject_reason;                // "C6: ..." when rejected
};

// Signed consensus messages of one height, kept for voting, counting and evidence (§5.1).
struct HeightMsgs {
  std::map<std::uint32_t, std::map<chain::MemberId, chain::ProposalCore>> cores;
  std::map<std::uint32_t, std::map<chain::MemberId, chain::Vote>> votes;
  std::map<std::uint32_t, std::map<chain::MemberId, chain::RoundChange>> rcs;
  std::map<chain::MemberId, chain::Seal> seals;
};

// A committed header with its block id, computed once (the id is compared on every seal received).
struct KnownHeader {
  chain::Header header;
  Hash32 id{};
};

struct PoolEntry {
  chain::TxBatch batch;
  bool local = false;
  std::uint64_t since_height = 0;  // my height when it entered the pool (A6)
  std::size_t bytes = 0;
};

struct MemberInfo {
  std::uint64_t last_sealed = 0;
  std::uint64_t last_seen_ms = 0;
  bool connected = false;
  std::uint32_t deferred_turns = 0;  // consecutive turns deferred by C4 (A7)
  std::uint64_t last_deferred_h = 0;
  std::uint64_t head_h = 0;          // committed head it claimed (StatusMsg, SyncResponse) or proved (MC, proposal)
  std::uint64_t sync_empty_for = 0;  // the height it last answered a SyncRequest for with nothing (0 = never)
};

struct Machine::Impl {
  Impl(Snapshot snap, Application& app, const crypto::SigningKey& key);

  // ---- machine.cpp
  void Step(const Event& event, std::uint64_t now_ms, std::vector<Action>& out);
  std::uint64_t NextWakeupMs() const;
  std::uint64_t RoundDeadline() const;  // m_round_deadline_ms, earlier in round 0 when work waits
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
  std::vector<chain::MemberId> Excluded() const;       // X_m, sorted
  std::vector<chain::MemberId> ChainExcluded() const;  // X_chain, sorted
  // X_chain(m_head_h): recorded below my head. The head's own certificate, which the next block
  // carries as parent_cert, is judged under it, as when the head was committed (§6.3 step 2).
  std::vector<chain::MemberId> ParentCertExcluded() const;
  bool IsExcluded(chain::MemberId m) const { return m_x_local.count(m) > 0; }
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
  bool KeepBody(const Hash32& id, const chain::Proposal& p);  // false when the candidate bound is reached
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
  void RestoreChainExcludedInHead();                // m_x_chain_in_head after a restart
  void DetectSealConflicts(const chain::Seal& seal);
  void GossipEvidence();

  // ---- machine_pool.cpp
  void OnLocalBatch(const chain::TxBatch& b);
  void OnBatch(chain::MemberId from, const chain::TxBatch& b);
  bool PoolAdd(const chain::TxBatch& b, bool local);
  void PoolRemove(std::map<std::pair<chain::MemberId, std::uint64_t>, PoolEntry>::iterator it, const char* reason);
  void PoolOnCommitted(const chain::Block& block);
  void PoolOnDropped(const std::vector<chain::TxBatch>& dropped);
  std::vector<chain::TxBatch> PoolCandidates() const;
  bool HasPendingWork() const;

  // ---- machine_alerts.cpp
  void Raise(AlertKind kind, chain::MemberId member, std::uint64_t from_h, std::uint64_t to_h, std::string detail);
  void Clear(AlertKind kind, chain::MemberId member);
  bool HasAlert(AlertKind kind, chain::MemberId member) const;
  void CheckTimedAlerts();
  void NoteDeferred(chain::MemberId proposer);
  void NoteOnTime(chain::MemberId proposer);

  // ---- identity and config (fixed: one epoch)
  Application& m_app;
  crypto::SigningKey m_key;
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  Hash32 m_config_hash{};
  chain::MemberId m_self = 0;
  const chain::Config& config() const { return m_genesis.config; }
  const chain::Params& params() const { return m_genesis.config.params; }

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
  std::set<chain::MemberId> m_x_chain;
  std::set<chain::MemberId> m_x_chain_in_head;  // first recorded in the head block itself
  std::set<chain::MemberId> m_x_local;
  std::map<chain::MemberId, chain::Evidence> m_evidence;   // one per offender
  std::uint64_t m_next_gossip_ms = 0;

  // ---- the height being decided
  std::uint64_t m_h = 1;
  std::uint32_t m_round = 0;
  std::uint64_t m_height_start_ms = 0;
  std::uint64_t m_round_deadline_ms = 0;    // valid while m_round_timer_on
  bool m_round_timer_on = true;             // false: waiting in m_round > 0 for MAJ promises >= m_round
  std::uint64_t m_rc_resend_ms = 0;         // while waiting: when my RoundChange(h, m_round) goes out again
  std::uint32_t m_justified_round = 0;      // highest round of a proposal at h with a valid justification
  std::uint64_t m_work_seen_ms = 0;  // when I first held pending work at m_h (0: not yet)
  std::map<std::uint64_t, HeightMsgs> m_msgs;               // heights [head - kKeepHeights, h + 1]
  std::map<Hash32, Candidate> m_candidates;                 // bodies at height h
  std::optional<chain::MajorityCert> m_decided;             // MC at height h
  std::vector<std::pair<std::uint32_t, Hash32>> m_deferred; // C4-deferred (round, block) at h
  std::set<Hash32> m_rejected_at_h;                         // ids rejected by C2-C7 at h (A1b)
  std::vector<std::pair<chain::MemberId, chain::Proposal>> m_next_proposals;  // for h + 1, replayed on entry

  // ---- batches
  std::map<std::pair<chain::MemberId, std::uint64_t>, PoolEntry> m_pool;
  std::size_t m_pool_bytes = 0;
  std::map<chain::MemberId, std::uint64_t> m_committed_seq;

  // ---- peers, sync, alerts
  std::map<chain::MemberId, MemberInfo> m_members;
  std::uint64_t m_next_status_ms = 0;
  std::uint64_t m_sync_wait_until_ms = 0;
  std::uint64_t m_known_peer_head = 0;  // highest committed head a peer proved or claimed
  chain::MemberId m_sync_peer = 0;      // the peer asked last
  bool m_sync_awaiting = false;         // its answer has not come yet
  std::map<std::pair<std::uint8_t, chain::MemberId>, Alert> m_alerts;

  // ---- the step being run
  std::uint64_t m_now = 0;
  std::vector<Action>* m_out = nullptr;

  static constexpr std::uint64_t kKeepHeaders = 1024;
  static constexpr std::size_t kMaxCandidates = 16;      // bodies kept per height
  static constexpr std::size_t kMaxNextProposals = 4;    // proposals for h + 1 kept while deciding h
};

template <class M>
bool Machine::Impl::VerifyMember(const M& m) const {
  const chain::Member* member = config().FindMember(m.signer);
  return member && chain::VerifySignedBy(member->pubkey, m_chain_id, m);
}

}  // namespace peerdb::consensus
