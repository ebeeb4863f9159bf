// The consensus state machine of PROTOCOL.md §2-§6 for one member: proposer schedule, proposal,
// votes, majority certificates, seals, round changes with justification, signer safety rules
// S1-S6, batch dissemination, heartbeat blocks, statuses, alerts, evidence and catch-up.
//
// It is pure: events in, actions out, time an argument. It performs no I/O, reads no clock and
// starts no threads; it reaches storage only through Application (synchronous, durable on return)
// and the network only through the Send/Broadcast actions it returns. The same events with the
// same times give the same actions, so the seeded simulation (tests/sim) replays any failure.
//
// Design choices and simplifications of this version (the spec sections they touch):
// - Epochs (§5.3, chain/epoch.h): the machine keeps the epoch state its committed head left (the
//   config in force at the height being decided, the pending change) and the history of epochs,
//   advancing both with chain::AdvanceEpoch on every commit. Messages at the height being decided
//   are judged under the config in force there; seals and unanimity of a committed height under
//   the config of that height's epoch, without the members leaving with it (T(D)). A member that is
//   not in the config of a height commits the block without sealing it (a member joining later
//   follows the chain up to its activation; one removed stops signing). Approvals are signed only
//   on the operator's ApproveChange and gossiped until a block records them; proposers include
//   every valid one they hold.
// - Signing: the member's key is a constructor argument; every signature is made inside Step after
//   Application::SaveSigner returned (S5), and only then leaves as an action.
// - Committing and sealing are one step: a block is committed when it has an MC, passed C2-C7 and
//   S1 allows the seal, so the committed chain is the member's sealed chain (seal_h == head height
//   except between Commit and the seal's SaveSigner, which LateSeals completes after a restart).
// - §2.3 fetching: blocks of proposals seen at the current height are kept by id, and a member that
//   sends RoundChange(h, r') with a last_vote also sends the proposal it voted for to
//   proposer(h, r'), so the re-proposer holds the body without a separate fetch message.
// - Durable bodies (Paxos keeps the accepted value): before the SignerState that records a new
//   last_proposal or last_vote is saved, the proposals carrying those blocks are saved through
//   Application::SaveCandidates. A restarted member re-verifies them as candidates at its height,
//   re-sends its stored proposal if it is still in that round and its stored vote (S6, identical
//   signatures), and can push the body with its RoundChange, so a crash between saving a signature
//   and sending it never leaves a later round waiting for a body that nobody holds.
// - A restart at a height above the saved SignerState.h starts that height with fresh per-height
//   fields, like entering it (§2.5). A saved h above the height being decided (the application
//   lost committed blocks) blocks every vote, proposal and round change until catch-up reaches it.
// - Round timers (precision of §2.3, IBFT 2.0 / Tendermint style): the timer of round 0 starts on
//   entering the height; the timer of a round r > 0 starts only once MAJ_e non-excluded members
//   are known to have promised r or above (their RoundChanges for rounds >= r, my own promise, or a
//   proposal with a verified justification for a round >= r). Until then the member waits in r and
//   re-broadcasts its RoundChange(h, r) every timeout(r) (same bytes, S6). A member that is ahead
//   cannot run rounds alone, so members that are exactly MAJ_e always meet in one round.
// - Catch-up (§6.2) uses SyncRequest/SyncResponse over committed blocks with their MCs; it is
//   triggered by StatusMsg, by a proposal or MC above my height with a valid parent certificate, and
//   by an MC at my height whose block I never received. It asks a peer whose known head (claimed
//   in StatusMsg/SyncResponse, proved by an MC or proposal) holds the next height, else a voter of
//   the MC, else any connected peer, rotating; a peer that answered nothing is skipped for that
//   height, and such an answer to my request moves on to the next claimant at once.
// - Evidence: one verified piece per offender is kept (the first); more adds nothing to exclusion.
//   Messages for evidence detection are kept for the last kKeepHeights heights below the head;
//   E5 is built when both seals and the header path are in that window.
// - The best chain is the committed chain: the machine commits only blocks with an MC extending its
//   own seals, so fork choice (§4.1, ForkChoice) is used for the A2 alerts over blocks it learns of.
//
// Its private state is split into value classes under consensus/internal/ (listed in
// internal/machine_impl.h and README.md); the Impl composes them with the protocol logic.
//
// Thread-safety: not thread-safe; one thread drives a Machine.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/rules.h"
#include "peerdb/chain/signer_state.h"
#include "peerdb/consensus/alert.h"
#include "peerdb/consensus/application.h"
#include "peerdb/consensus/wire.h"
#include "peerdb/crypto/ed25519.h"

namespace peerdb::consensus {

// Block status levels of §3. The node adds ANCHORED and FINAL from its anchors.
using BlockStatus = chain::BlockStatus;  // §3; defined once, in chain/rules.h

// What the member had on disk when it (re)started.
struct Snapshot {
  chain::Genesis genesis;
  chain::MemberId self = 0;
  chain::SignerState signer;                    // as last saved (S6); seal_id = chain_id at start
  std::vector<chain::Proposal> candidates;      // as last given to Application::SaveCandidates
  std::optional<CommittedBlock> head;           // the committed head (absent: only the genesis)
  std::vector<chain::Evidence> evidence;        // evidence saved earlier
  std::uint64_t unanimous_height = 0;           // highest committed block known UNANIMOUS
  // X_chain at head + 1: offenders named in evidence recorded in committed blocks. Absent: the
  // machine computes it by reading every committed block through Application::LoadCommitted.
  std::optional<std::vector<chain::MemberId>> chain_excluded;
  // The epoch state the head left and the epochs so far (absent: the genesis config from height 1;
  // REQUIRED when the chain has had a config change).
  std::optional<chain::EpochState> epoch;
  std::vector<chain::EpochInfo> epochs;
  // Keys besides the constructor's: a rotated-to key held before its activation (§5.3). At each
  // height the machine signs with the key the config of that height names for this member.
  std::vector<crypto::SigningKey> other_keys;
};

// ---- Events ---------------------------------------------------------------------------------
// A message from an authenticated member (the transport has bound `from` to its key).
struct Received { chain::MemberId from = 0; PeerMessage msg; };
// This member's own signed batch (from its clients); the machine gossips it and proposes it.
struct LocalBatch { chain::TxBatch batch; };
// Time passed: the machine runs its timers. Call at NextWakeupMs() or earlier.
struct Tick {};
struct PeerConnected { chain::MemberId peer = 0; };
struct PeerDisconnected { chain::MemberId peer = 0; };
// The operator approves the pending config change `change_id` (§5.3: the software never approves
// by itself). The caller checks it first with Machine::CheckApprove; an approval that no longer
// applies is dropped.
struct ApproveChange { Hash32 change_id{}; };
using Event = std::variant<Received, LocalBatch, Tick, PeerConnected, PeerDisconnected, ApproveChange>;

// ---- Actions (execute in order, after Step returns) -------------------------------------------
struct Send { chain::MemberId to = 0; PeerMessage msg; };
struct Broadcast { PeerMessage msg; };  // to every other member of the epoch
// A block joined the committed chain (it was already passed to Application::Commit).
struct Committed { std::uint64_t height = 0; Hash32 id{}; BlockStatus status = BlockStatus::kMajority; };
// A committed block's status rose (e.g. to UNANIMOUS when the last required seal arrived).
struct StatusRaised { std::uint64_t height = 0; Hash32 id{}; BlockStatus status = BlockStatus::kMajority; };
struct AlertRaised { Alert alert; };
struct AlertCleared { Alert alert; };
// A peer sent something invalid (forged signature, wrong chain, malformed, replay flood): the
// transport penalises it. `reason` is logged.
struct Penalise { chain::MemberId peer = 0; std::string reason; };
// A batch left out of blocks for good (its seq is stale or it no longer executes).
struct BatchDropped { chain::TxBatch batch; std::string reason; };
// A committed block completed a config change: `config` (epoch config.epoch) is in force from
// `start_height`. The node updates its peer list, its pool of submissions and its views.
struct EpochChanged { chain::Config config; std::uint64_t start_height = 0; std::vector<chain::MemberId> leaving; };
using Action = std::variant<Send, Broadcast, Committed, StatusRaised, AlertRaised, AlertCleared, Penalise, BatchDropped,
                            EpochChanged>;

// Per-member view for status displays (§3, `peerdb status`).
struct MemberView {
  chain::MemberId id = 0;
  std::uint64_t last_sealed_height = 0;  // highest committed height this member sealed
  std::uint64_t last_seen_ms = 0;        // last valid message from it (0 = never)
  bool connected = false;
  bool excluded = false;                 // named by verified evidence
};

struct MachineView {
  std::uint64_t head_height = 0;         // committed head (best chain, provisional view)
  Hash32 head_id{};
  std::uint64_t unanimous_height = 0;
  std::uint64_t h = 0;                   // height being decided
  std::uint32_t round = 0;
  chain::MemberId proposer = 0;          // proposer(h, round)
  std::vector<MemberView> members;
  std::vector<Alert> alerts;             // active
  std::vector<chain::Evidence> evidence; // all verified evidence known
  chain::EpochState epoch;               // in force at h; its pending change with recorded approvals
  std::vector<chain::MemberId> approvals_heard;  // approvals of the pending change not yet in a block
  std::vector<chain::MemberId> chain_excluded;   // X_chain at h (sorted)
  bool member = true;                    // this member is in the config in force at h
};

class Machine {
 public:
  // Timing constants (ms) that are not consortium parameters.
  static constexpr std::uint64_t kStatusIntervalMs = 5000;    // periodic StatusMsg broadcast
  static constexpr std::uint64_t kEvidenceGossipMs = 10000;   // §5.1 re-broadcast until recorded
  static constexpr std::uint64_t kKeepHeights = 64;           // messages kept below the head (evidence)
  static constexpr std::uint32_t kMaxRoundsAhead = 64;        // rounds above mine that are stored
  static constexpr std::size_t kMaxPoolBatches = 8192;        // batch pool caps
  static constexpr std::size_t kMaxPoolBytes = 64u << 20;
  static constexpr std::size_t kMaxPoolPerAuthor = 1024;

  // REQUIRES: snap.head (if any) and snap.signer are what `app` holds durably; `key` is the
  // signing key of member snap.self (its public key is that member's key in the genesis config).
  Machine(Snapshot snap, Application& app, const crypto::SigningKey& key);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // now_ms: wall-clock time (block timestamps, C4) and the base of all timers.
  std::vector<Action> Step(const Event& event, std::uint64_t now_ms);
  // The earliest time a Tick is needed (a timer, a due proposal, a periodic status).
  std::uint64_t NextWakeupMs() const;

  MachineView View() const;
  const chain::SignerState& signer() const;
  // Whether this member may approve `change_id` now: it is the pending change at the height being
  // decided and this member is a required approver that has not approved (recorded or heard).
  // Errors: kNotFound (no such pending change: unknown, lapsed or activated), kForbidden (a target,
  // excluded, or not a member), kConflict (approved already).
  Status CheckApprove(const Hash32& change_id) const;
  // X_chain at the height being decided (sorted): the exclusions the next block's rules use.
  std::vector<chain::MemberId> ChainExcluded() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace peerdb::consensus
