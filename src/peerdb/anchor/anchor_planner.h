// A member's anchoring duty (PROTOCOL.md §1.8, docs/protocol.md §9.2) as a pure planner: it decides
// what to submit and when, when to upgrade pending proofs, when to recheck confirmed anchors, what a
// confirmed anchor raises (ANCHORED, FINAL) and when A5 ANCHOR_LAG holds. Events come in with the
// time as an argument, actions (anchor_actions.h) come out; it performs no I/O, reads no clock and
// starts no threads, so tests and the simulation drive it with events and times alone, and the
// node's executor (node/anchoring.h) only carries out what it returns.
//
// The policy:
// - Submit: when the best UNANIMOUS head is above the last submitted height and interval_ms has
//   passed since the last submission (failed attempts are retried after min(interval_ms,
//   upgrade_interval_ms)), the head's checkpoint is saved as a job FIRST and only then submitted.
//   Older jobs that never got a calendar answer are superseded; at most kMaxAnchorJobs pend.
// - Upgrade: every upgrade_interval_ms a pass takes one pending proof per tick. A proof confirmed
//   with enough Bitcoin confirmations becomes an anchor record, stored with its checkpoint.
// - Statuses: ANCHORED up to the highest confirmed anchored block, FINAL up to the highest whose
//   checkpoint's verified sealers are unanimous under this member's exclusions (chain::IsUnanimous,
//   chain::HeightsFromAnchors: the rules are chain's, never restated here). Statuses only rise
//   (§3): FINAL falls only when a recheck finds Bitcoin took an anchor back; exclusions leaving
//   fewer than MAJ members (a compromised epoch, §5.2) freeze it.
// - Recheck: on the upgrade period, up to kMaxRechecked confirmed anchors, newest first, down to the
//   first confirmed unanimous one; one that a Bitcoin reorganisation un-confirmed stops counting and
//   the statuses are recomputed (lowered). An answer with an error changes nothing.
// - A5: raised when the head is above the FINAL height and the oldest non-FINAL block's timestamp
//   is more than kAnchorLagAlertMs old; cleared when that no longer holds.
// Deviations from §1.8: the pace is node.toml's, not the consortium's anchor_interval_ms; only OTS
// anchoring (no DIRECT fallback); records are not gossiped or copied into blocks.
//
// Thread-safety: a value; not thread-safe, one thread drives it. Deterministic: the same events
// with the same arguments give the same actions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/anchor/anchor_actions.h"
#include "peerdb/chain/config.h"
#include "peerdb/chain/epoch.h"

namespace peerdb::anchor {

inline constexpr std::uint64_t kAnchorLagAlertMs = 8ull * 3'600'000;  // A5
inline constexpr std::uint64_t kAnchorLagReminderMs = 3'600'000;      // A5 raised again while it holds
inline constexpr std::size_t kMaxAnchorJobs = 64;  // older pending jobs are dropped beyond this
inline constexpr std::size_t kMaxRechecked = 16;   // anchors rechecked per pass, newest first

struct PlannerOptions {
  std::uint64_t interval_ms = 3'600'000;       // at most one submission per interval
  std::uint64_t upgrade_interval_ms = 600'000; // upgrade and recheck passes
};

// An anchor record as the store holds it, loaded at start.
struct LoadedAnchor {
  chain::AnchorRecord record;
  std::uint64_t height = 0;                     // the checkpoint's block
  std::optional<chain::Checkpoint> checkpoint;  // absent in old rows: then it never makes FINAL
};

// A committed block: its height and timestamp.
struct Head {
  std::uint64_t height = 0;
  std::uint64_t timestamp_ms = 0;
};

// What the node's status shows about anchoring.
struct PlannerView {
  std::uint64_t last_submission_ms = 0;  // last calendar answer to a submission (0 = none yet)
  std::uint64_t last_submitted_height = 0;
  std::size_t pending_jobs = 0;
  std::size_t anchors = 0;
  // The newest confirmed anchor: the block its checkpoint names and the Bitcoin block fixing it.
  std::uint64_t last_anchor_height = 0;
  std::uint64_t last_anchor_btc_height = 0;
  std::uint32_t last_anchor_btc_time = 0;
  std::string last_error;  // the last failure (calendar, header source, store), cleared on success
  chain::StatusHeights heights;
};

class AnchorPlanner {
 public:
  // `config`: the consortium's config (members and MAJ), against which checkpoint seals are judged.
  // `config`: the genesis config, in force at every height until SetEpochs says otherwise.
  AnchorPlanner(PlannerOptions options, chain::Config config);

  // ---- Events: each returns the actions to carry out, in order ----

  // The state loaded from the store and the best UNANIMOUS head. REQUIRES: called once, first.
  std::vector<Action> Start(std::vector<Job> jobs, const std::vector<LoadedAnchor>& anchors,
                            chain::StatusHeights heights, Head head);
  // A new best UNANIMOUS head.
  std::vector<Action> OnHead(Head head);
  // The members this node excludes by evidence (X_m, §5.2), in any order. Statuses are recomputed:
  // a checkpoint lacking only an excluded member's seal makes its block FINAL from now on. FINAL
  // never falls here: with fewer than MAJ members left (a compromised epoch) it stays where it was.
  std::vector<Action> SetExcluded(std::vector<chain::MemberId> excluded);
  // The epochs of the committed chain (§5.3): a checkpoint's seals and unanimity are judged under
  // the config of its block's epoch, without the members leaving with that block. Statuses are
  // recomputed as for SetExcluded.
  std::vector<Action> SetEpochs(chain::EpochHistory epochs);
  // Time passed; call at least every second (and at least every min(interval_ms, upgrade_interval_ms)).
  std::vector<Action> Tick(std::uint64_t now);

  // Answers to reads.
  std::vector<Action> OnCheckpoint(std::uint64_t height, Result<chain::Checkpoint> checkpoint, std::uint64_t now);
  // timestamp_ms 0: the block is not stored.
  std::vector<Action> OnBlockTime(std::uint64_t height, std::uint64_t timestamp_ms);
  // The outcome of a store write (SaveJob, SaveProof, DeleteJob, SaveAnchor or SetStatusHeights)
  // this planner asked for, handed back with the action itself.
  std::vector<Action> OnStored(const Action& write, const Status& result);

  // Answers to network requests.
  std::vector<Action> OnSubmitted(const Hash32& digest, Result<Bytes> tree, std::uint64_t now);
  std::vector<Action> OnUpgraded(const Hash32& digest, UpgradeOutcome outcome, std::uint64_t now);
  std::vector<Action> OnRechecked(const std::vector<RecheckItem>& items, const RecheckOutcome& outcome);

  // ---- Queries ----
  PlannerView View() const;
  // A5's condition at `now`.
  bool LaggingAt(std::uint64_t now) const;
  const std::vector<Job>& jobs() const { return m_jobs; }
  bool busy() const { return m_busy; }

 private:
  struct Anchor {
    std::uint64_t height = 0;
    Hash32 digest{};
    std::vector<chain::MemberId> sealers;  // whose seals in the checkpoint verified
    std::uint64_t btc_height = 0;
    Hash32 btc_block_hash{};
    std::uint32_t btc_time = 0;
    bool confirmed = true;  // saved only once confirmed; a recheck may revoke it
  };

  // Tick's steps (anchor_planner.cpp); each true when it started a request.
  bool MaybeSubmit(std::uint64_t now, std::vector<Action>& out);
  bool MaybeUpgrade(std::uint64_t now, std::vector<Action>& out);
  bool MaybeRecheck(std::uint64_t now, std::vector<Action>& out);
  void CheckLag(std::uint64_t now, std::vector<Action>& out);
  // Answers to writes (anchor_planner.cpp, anchor_planner_anchors.cpp).
  void JobSaved(const Job& job, const Status& result, std::vector<Action>& out);
  void ProofSaved(const SaveProof& saved, const Status& result, std::vector<Action>& out);
  void JobDeleted(const Hash32& digest, const Status& result, std::vector<Action>& out);
  void AnchorSaved(const SaveAnchor& saved, const Status& result, std::vector<Action>& out);
  void HeightsSaved(const chain::StatusHeights& heights, const Status& result, std::vector<Action>& out);
  // The confirmed proof of `job` as a record to save, or an error noted.
  void Confirm(const Job& job, const ots::BitcoinVerification& v, std::vector<Action>& out);
  // Recomputes ANCHORED and FINAL from the confirmed anchors; SetStatusHeights when they moved.
  // FINAL falls only when `bitcoin_reorganised` (a recheck found an anchor no longer confirmed).
  void ApplyHeights(std::vector<Action>& out, bool bitcoin_reorganised = false);
  bool Unanimous(const Anchor& a) const;
  std::vector<chain::MemberId> Sealers(const chain::Checkpoint& cp) const;
  void NoteError(const std::string& what, std::vector<Action>& out);
  Job* FindJob(const Hash32& digest);
  static std::string JobName(const Job& job);  // "block 12 (digest 0a1b2c3d)"
  static std::string Short(const Hash32& digest);

  PlannerOptions m_options;
  chain::EpochHistory m_epochs;
  bool m_busy = false;  // a submission, upgrade or recheck is in progress
  std::uint64_t m_head = 0;
  std::vector<Job> m_jobs;
  std::vector<Anchor> m_anchors;
  chain::StatusHeights m_heights;
  std::vector<chain::MemberId> m_excluded;  // sorted
  std::uint64_t m_oldest_unfinal_ts = 0;   // timestamp of block final_height + 1, 0 when all final
  std::uint64_t m_last_submission_ms = 0, m_last_submitted_height = 0, m_last_attempt_ms = 0;
  std::uint64_t m_last_upgrade_ms = 0, m_last_recheck_ms = 0;
  bool m_lag_raised = false;               // A5 holds (as of the last tick)
  std::uint64_t m_lag_since_ms = 0, m_last_lag_alert_ms = 0;
  std::vector<Hash32> m_upgrade_queue;  // the rest of the current upgrade pass
  std::string m_last_error;
};

}  // namespace peerdb::anchor
