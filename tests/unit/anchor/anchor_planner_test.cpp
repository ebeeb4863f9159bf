// The anchoring planner driven by events and times only (no HTTP, no threads, no sleeps): a small
// harness plays the executor — it answers reads from an in-memory chain, applies writes to an
// in-memory store and hands their outcomes back, and holds network requests until the test answers
// them. Traces name each action with the height it concerns ("SaveJob 1", "Submit 1").
// Members are chain_samples' 1..4 (MAJ 3); block h's checkpoint is sealed by whom the test says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "../chain/chain_samples.h"
#include "peerdb/anchor/anchor_planner.h"

namespace peerdb::anchor {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
namespace samples = chain::samples;

constexpr std::uint64_t kT0 = 1'700'000'000'000;
constexpr std::uint64_t kInterval = 60'000;
constexpr std::uint64_t kUpgradeInterval = 10'000;
const std::vector<chain::MemberId> kAll = {1, 2, 3, 4};

ots::BitcoinVerification Verified(std::uint64_t btc_height) {
  ots::BitcoinVerification v;
  v.height = btc_height;
  v.time = 1'700'000'000;
  v.block_hash = samples::Filled(static_cast<std::uint8_t>(btc_height));
  v.confirmations = 6;
  return v;
}

UpgradeOutcome ConfirmedIn(std::uint64_t btc_height) {
  UpgradeOutcome o;
  o.timestamp = Bytes{0xb7, static_cast<std::uint8_t>(btc_height)};  // the tree with its Bitcoin path
  o.confirmed = Verified(btc_height);
  return o;
}

// The executor's part, in memory.
class Harness {
 public:
  explicit Harness(PlannerOptions options = {kInterval, kUpgradeInterval})
      : m_planner(options, samples::MakeConfig()) {}

  // Block h (timestamp ts) with seals by `sealers`: what LoadCheckpoint reads.
  void AddBlock(std::uint64_t h, std::uint64_t ts, std::vector<chain::MemberId> sealers = kAll) {
    m_blocks[h] = Block{ts, samples::MakeCheckpoint(h, samples::Filled(static_cast<std::uint8_t>(h)), sealers)};
    m_height_of[chain::CheckpointDigest(m_blocks[h].checkpoint)] = h;
  }
  // Blocks 1..n, ts kT0 + h, sealed by everyone; then the head is n.
  void Chain(std::uint64_t n) {
    for (std::uint64_t h = 1; h <= n; ++h) AddBlock(h, kT0 + h);
  }
  Job JobOf(std::uint64_t h, std::optional<Bytes> timestamp, std::uint64_t created_ms) const {
    const chain::Checkpoint& cp = m_blocks.at(h).checkpoint;
    return Job{cp, chain::CheckpointDigest(cp), std::move(timestamp), created_ms, created_ms};
  }

  void Start(std::uint64_t head, std::vector<Job> jobs = {}, std::vector<LoadedAnchor> anchors = {},
             chain::StatusHeights heights = {}) {
    for (const Job& j : jobs) m_jobs[j.digest] = j;
    m_heights = heights;
    Run(m_planner.Start(std::move(jobs), anchors, heights, Head{head, TimeOf(head)}));
  }
  void NewHead(std::uint64_t h) { Run(m_planner.OnHead(anchor::Head{h, TimeOf(h)})); }
  void Tick(std::uint64_t now) {
    m_now = now;
    Run(m_planner.Tick(now));
  }
  void Exclude(std::vector<chain::MemberId> members) { Run(m_planner.SetExcluded(std::move(members))); }

  // Answers to the outstanding network request.
  void Submitted(Result<Bytes> tree = Bytes{0x51}) {
    const Submit s = Take<Submit>();
    Run(m_planner.OnSubmitted(s.digest, std::move(tree), m_now));
  }
  void Upgraded(UpgradeOutcome outcome) {
    const Upgrade u = Take<Upgrade>();
    Run(m_planner.OnUpgraded(u.digest, std::move(outcome), m_now));
  }
  void Rechecked(RecheckOutcome outcome) {
    const Recheck r = Take<Recheck>();
    Run(m_planner.OnRechecked(r.items, outcome));
  }
  // Anchors the job of block h in Bitcoin block btc: submitted now, confirmed at the next upgrade.
  void AnchorHead(std::uint64_t h, std::uint64_t btc, std::uint64_t now) {
    NewHead(h);
    Tick(now);
    Submitted();
    Tick(now + 1);
    Upgraded(ConfirmedIn(btc));
  }

  std::vector<std::string> TakeTrace() { return std::exchange(m_trace, {}); }
  std::vector<std::string> TakeLogs() { return std::exchange(m_logs, {}); }
  void FailNext(std::string write) { m_fail = std::move(write); }

  AnchorPlanner& planner() { return m_planner; }
  bool requesting() const { return m_request.has_value(); }
  const std::map<Hash32, Job>& stored_jobs() const { return m_jobs; }
  const std::vector<chain::AnchorRecord>& stored_anchors() const { return m_anchors; }
  const chain::StatusHeights& stored_heights() const { return m_heights; }

 private:
  struct Block {
    std::uint64_t ts = 0;
    chain::Checkpoint checkpoint;
  };

  std::uint64_t TimeOf(std::uint64_t h) const { return m_blocks.count(h) ? m_blocks.at(h).ts : 0; }
  std::string H(const Hash32& digest) const {
    auto it = m_height_of.find(digest);
    return it == m_height_of.end() ? "?" : std::to_string(it->second);
  }
  template <class T>
  T Take() {
    EXPECT_TRUE(m_request && std::holds_alternative<T>(*m_request)) << "no such request outstanding";
    T t = std::get<T>(*m_request);
    m_request.reset();
    return t;
  }
  // The outcome of a write, unless the test asked it to fail.
  Status Outcome(const std::string& kind) {
    if (m_fail != kind) return Status::Ok();
    m_fail.clear();
    return Error{Errc::kIo, "disk full"};
  }

  void Run(std::vector<Action> actions) {
    for (Action& a : actions) Perform(a);
  }

  void Perform(Action& action) {
    if (auto* log = std::get_if<Log>(&action)) {
      m_logs.push_back(log->message);
      return;
    }
    if (auto* a = std::get_if<LoadCheckpoint>(&action)) {
      m_trace.push_back("LoadCheckpoint " + std::to_string(a->height));
      Result<chain::Checkpoint> cp = m_blocks.count(a->height)
                                         ? Result<chain::Checkpoint>(m_blocks.at(a->height).checkpoint)
                                         : Result<chain::Checkpoint>(Error{Errc::kNotFound, "not stored"});
      return Run(m_planner.OnCheckpoint(a->height, std::move(cp), m_now));
    }
    if (auto* a = std::get_if<LoadBlockTime>(&action)) {
      m_trace.push_back("LoadBlockTime " + std::to_string(a->height));
      return Run(m_planner.OnBlockTime(a->height, TimeOf(a->height)));
    }
    if (auto* a = std::get_if<SaveJob>(&action)) {
      m_trace.push_back("SaveJob " + std::to_string(a->job.checkpoint.h));
      const Status s = Outcome("SaveJob");
      if (s.ok()) m_jobs[a->job.digest] = a->job;
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<SaveProof>(&action)) {
      m_trace.push_back("SaveProof " + H(a->digest) + (a->confirmed ? " confirmed" : ""));
      Status s = Outcome("SaveProof");
      if (s.ok() && !m_jobs.count(a->digest)) s = Error{Errc::kNotFound, "no such job"};
      if (s.ok()) m_jobs[a->digest].timestamp = a->timestamp;
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<DeleteJob>(&action)) {
      m_trace.push_back("DeleteJob " + H(a->digest));
      const Status s = Outcome("DeleteJob");
      if (s.ok()) m_jobs.erase(a->digest);
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<SaveAnchor>(&action)) {
      m_trace.push_back("SaveAnchor " + std::to_string(a->checkpoint.h));
      const Status s = Outcome("SaveAnchor");
      if (s.ok()) {
        EXPECT_EQ(chain::CheckpointDigest(a->checkpoint), a->record.digest);
        EXPECT_TRUE(m_jobs.count(a->record.digest)) << "a job is anchored only once its proof is saved";
        m_anchors.push_back(a->record);
        m_jobs.erase(a->record.digest);
      }
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<SetStatusHeights>(&action)) {
      m_trace.push_back("SetStatusHeights " + std::to_string(a->heights.anchored_height) + "/" +
                        std::to_string(a->heights.final_height));
      const Status s = Outcome("SetStatusHeights");
      if (s.ok()) m_heights = a->heights;
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<RaiseAlert>(&action)) {
      m_trace.push_back(std::string("RaiseAlert ") + std::string(consensus::AlertCode(a->alert.kind)) + " from " +
                        std::to_string(a->alert.from_height));
      return;
    }
    if (auto* a = std::get_if<ClearAlert>(&action)) {
      m_trace.push_back(std::string("ClearAlert ") + std::string(consensus::AlertCode(a->kind)));
      return;
    }
    // A network request: held until the test answers it. Never two at once.
    EXPECT_FALSE(m_request.has_value()) << "a second request while one is outstanding";
    if (auto* a = std::get_if<Submit>(&action)) {
      EXPECT_TRUE(m_jobs.count(a->digest)) << "submitted before its job was saved";
      m_trace.push_back("Submit " + H(a->digest));
    } else if (auto* u = std::get_if<Upgrade>(&action)) {
      m_trace.push_back("Upgrade " + H(u->digest));
    } else if (auto* r = std::get_if<Recheck>(&action)) {
      std::string s = "Recheck";
      for (const RecheckItem& i : r->items) s += " " + H(i.digest);
      m_trace.push_back(s);
    }
    m_request = action;
  }

  AnchorPlanner m_planner;
  std::map<std::uint64_t, Block> m_blocks;
  std::map<Hash32, std::uint64_t> m_height_of;
  std::uint64_t m_now = 0;
  std::optional<Action> m_request;
  std::vector<std::string> m_trace, m_logs;
  std::string m_fail;
  // The store.
  std::map<Hash32, Job> m_jobs;
  std::vector<chain::AnchorRecord> m_anchors;
  chain::StatusHeights m_heights;
};

TEST(AnchorPlanner, SavesTheJobBeforeSubmittingItsDigest) {
  Harness t;
  t.Chain(1);
  t.Start(0);
  t.NewHead(1);
  t.Tick(kT0);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadCheckpoint 1", "SaveJob 1", "Submit 1"));
  EXPECT_EQ(t.stored_jobs().size(), 1u);
  t.Submitted();
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SaveProof 1"));
  EXPECT_TRUE(t.stored_jobs().begin()->second.timestamp.has_value()) << "the pending proof is saved";
  const PlannerView v = t.planner().View();
  EXPECT_EQ(v.last_submitted_height, 1u);
  EXPECT_EQ(v.last_submission_ms, kT0);
  EXPECT_EQ(v.pending_jobs, 1u);
}

TEST(AnchorPlanner, AJobThatCannotBeSavedIsNeverSubmittedAndIsRetried) {
  Harness t;
  t.Chain(1);
  t.Start(0);
  t.NewHead(1);
  t.FailNext("SaveJob");
  t.Tick(kT0);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadCheckpoint 1", "SaveJob 1"));
  EXPECT_FALSE(t.requesting());
  EXPECT_FALSE(t.planner().busy());
  EXPECT_EQ(t.planner().View().last_error, "cannot save the anchor job for block 1: disk full");
  EXPECT_EQ(t.planner().View().pending_jobs, 0u);
  t.Tick(kT0 + kUpgradeInterval - 1);
  EXPECT_THAT(t.TakeTrace(), IsEmpty()) << "retried after min(interval, upgrade interval)";
  t.Tick(kT0 + kUpgradeInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadCheckpoint 1", "SaveJob 1", "Submit 1"));
}

TEST(AnchorPlanner, SubmitsOnlyANewHeadAndAtMostOncePerInterval) {
  Harness t;
  t.Chain(3);
  t.Start(0);
  t.Tick(kT0);
  EXPECT_THAT(t.TakeTrace(), IsEmpty()) << "nothing to anchor at height 0";
  t.NewHead(1);
  t.Tick(kT0 + 1);
  t.Submitted();
  t.TakeTrace();
  t.NewHead(2);
  t.Tick(kT0 + kInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Upgrade 1")) << "the interval has not passed: upgrades only";
  t.Upgraded({});
  t.Tick(kT0 + 1 + kInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadCheckpoint 2", "SaveJob 2", "Submit 2"));
  t.Submitted();
  t.TakeTrace();
  t.Tick(kT0 + 1 + 2 * kInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Upgrade 1")) << "the head did not change: no submission";
  EXPECT_EQ(t.planner().View().last_submitted_height, 2u);
}

TEST(AnchorPlanner, AFailedSubmissionIsNotedAndRetriedAfterTheRetryDelay) {
  Harness t;
  t.Chain(1);
  t.Start(1);
  t.TakeTrace();
  t.Tick(kT0);
  t.Submitted(Error{Errc::kUnavailable, "no calendar answered"});
  EXPECT_EQ(t.planner().View().last_error, "submitting block 1: no calendar answered");
  EXPECT_EQ(t.planner().View().last_submitted_height, 0u);
  t.TakeTrace();
  t.Tick(kT0 + kUpgradeInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Submit 1")) << "the saved job is submitted again, not rebuilt";
  t.Submitted();
  EXPECT_EQ(t.planner().View().last_error, "");
  EXPECT_EQ(t.planner().View().last_submitted_height, 1u);
}

TEST(AnchorPlanner, UpgradesPendingProofsOneRequestAtATimeEveryUpgradeInterval) {
  Harness t({1'000, kUpgradeInterval});
  t.Chain(2);
  t.Start(0);
  t.NewHead(1);
  t.Tick(kT0);
  t.Submitted();
  t.NewHead(2);
  t.Tick(kT0 + 1'000);
  t.Submitted();
  t.TakeTrace();
  t.Tick(kT0 + 1'001);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Upgrade 1"));
  t.Tick(kT0 + 1'002);
  EXPECT_THAT(t.TakeTrace(), IsEmpty()) << "the upgrade is still outstanding";
  UpgradeOutcome pending;
  pending.note = "no Bitcoin attestation yet";
  t.Upgraded(pending);
  t.Tick(kT0 + 1'003);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Upgrade 2")) << "the rest of the pass";
  t.Upgraded(pending);
  t.Tick(kT0 + 1'004);
  EXPECT_THAT(t.TakeTrace(), IsEmpty()) << "the pass is done";
  t.Tick(kT0 + 1'001 + kUpgradeInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Upgrade 1"));
  UpgradeOutcome upgraded;
  upgraded.timestamp = Bytes{0x99};
  t.Upgraded(upgraded);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SaveProof 1"));
}

TEST(AnchorPlanner, AConfirmedUnanimousCheckpointMakesItsBlockAndAncestorsFinal) {
  Harness t;
  t.Chain(3);
  t.Start(0);
  t.AnchorHead(3, 100, kT0);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadCheckpoint 3", "SaveJob 3", "Submit 3", "SaveProof 3", "Upgrade 3",
                                         "SaveProof 3 confirmed", "SaveAnchor 3", "SetStatusHeights 3/3"));
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{3, 3}));
  ASSERT_EQ(t.stored_anchors().size(), 1u);
  EXPECT_EQ(t.stored_anchors()[0].btc_height, 100u);
  EXPECT_EQ(t.stored_anchors()[0].proof, (Bytes{0xb7, 100})) << "the saved proof is the confirmed one";
  EXPECT_TRUE(t.stored_jobs().empty());
  const PlannerView v = t.planner().View();
  EXPECT_EQ(v.anchors, 1u);
  EXPECT_EQ(v.pending_jobs, 0u);
  EXPECT_EQ(v.last_anchor_height, 3u);
  EXPECT_EQ(v.last_anchor_btc_height, 100u);
  EXPECT_EQ(v.last_anchor_btc_time, 1'700'000'000u);
  EXPECT_EQ(v.heights, (chain::StatusHeights{3, 3}));
}

TEST(AnchorPlanner, AConfirmedCheckpointMissingASealMakesItsBlockOnlyAnchored) {
  Harness t;
  t.AddBlock(1, kT0, {1, 2, 3});
  t.Start(0);
  t.AnchorHead(1, 100, kT0);
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 0}));
}

TEST(AnchorPlanner, AConfirmationWithoutAProofChangeSavesTheAnchorDirectly) {
  Harness t;
  t.Chain(1);
  t.Start(0);
  t.NewHead(1);
  t.Tick(kT0);
  t.Submitted();
  t.Tick(kT0 + 1);
  t.TakeTrace();
  UpgradeOutcome o;
  o.confirmed = Verified(100);
  t.Upgraded(o);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SaveAnchor 1", "SetStatusHeights 1/1"));
}

TEST(AnchorPlanner, StatusesRiseOnlyAfterTheAnchorIsSaved) {
  Harness t;
  t.Chain(1);
  t.Start(0);
  t.FailNext("SaveAnchor");
  t.AnchorHead(1, 100, kT0);
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{0, 0}));
  EXPECT_EQ(t.planner().View().anchors, 0u);
  EXPECT_EQ(t.planner().View().pending_jobs, 1u) << "the job stays, to be confirmed again";
  EXPECT_NE(t.planner().View().last_error.find("cannot save the anchor of block 1"), std::string::npos);
  t.Tick(kT0 + 1 + kUpgradeInterval);
  t.Upgraded(ConfirmedIn(100));
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 1}));
}

// Regression: FINAL used to require the seal of every member, excluded ones included, so a block
// whose checkpoint lacked only an excluded member's seal never became FINAL.
TEST(AnchorPlanner, ACheckpointLackingOnlyAnExcludedMembersSealBecomesFinalOnceExcluded) {
  Harness t;
  t.AddBlock(1, kT0, {1, 2, 3});
  t.Start(0);
  t.AnchorHead(1, 100, kT0);
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 0})) << "member 4 is required while not excluded";
  t.TakeTrace();
  t.Exclude({4});
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SetStatusHeights 1/1"));
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 1}));
  t.Exclude({4});
  EXPECT_THAT(t.TakeTrace(), IsEmpty()) << "the same exclusions change nothing";
}

TEST(AnchorPlanner, ExclusionsKnownBeforeTheConfirmationApplyToIt) {
  Harness t;
  t.AddBlock(1, kT0, {1, 2, 3});
  t.Start(0);
  t.Exclude({4});
  t.AnchorHead(1, 100, kT0);
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 1}));
}

TEST(AnchorPlanner, ExclusionsNeverMakeFinalWithFewerThanAMajorityOfSeals) {
  Harness t;
  t.AddBlock(1, kT0, {1, 2});
  t.Start(0);
  t.AnchorHead(1, 100, kT0);
  t.Exclude({3, 4});
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 0})) << "2 seals < MAJ 3";
}

TEST(AnchorPlanner, ABitcoinReorgUnconfirmsAnAnchorAndLowersStatuses) {
  Harness t;
  t.Chain(3);
  t.Start(0);
  t.AnchorHead(1, 100, kT0);
  t.AnchorHead(3, 101, kT0 + kInterval);
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{3, 3}));
  t.TakeTrace();
  t.TakeLogs();
  t.Tick(kT0 + kInterval + 2 + kUpgradeInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Recheck 3")) << "newest first, down to the first unanimous confirmed";
  RecheckOutcome reorged;
  reorged.confirmed = {false};
  reorged.btc_time = {0};
  t.Rechecked(reorged);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SetStatusHeights 1/1", "LoadBlockTime 2")) << "A5 now waits on block 2";
  EXPECT_THAT(t.TakeLogs(), ElementsAre("the anchor of block 3 in Bitcoin block 101 is no longer confirmed (Bitcoin "
                                        "reorganised); statuses are recomputed",
                                        "anchored height 3 -> 1, final height 3 -> 1"));
  EXPECT_EQ(t.planner().View().last_anchor_height, 1u);
  t.Tick(kT0 + kInterval + 2 + 2 * kUpgradeInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Recheck 3 1")) << "the unconfirmed one no longer stops the pass";
  RecheckOutcome back;
  back.confirmed = {true, true};
  back.btc_time = {5, 6};
  t.Rechecked(back);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SetStatusHeights 3/3"));
}

TEST(AnchorPlanner, ARecheckTheSourceCannotAnswerChangesNothing) {
  Harness t;
  t.Chain(1);
  t.Start(0);
  t.AnchorHead(1, 100, kT0);
  t.TakeTrace();
  t.Tick(kT0 + 1 + kUpgradeInterval);
  RecheckOutcome down;
  down.confirmed = {false};
  down.btc_time = {0};
  down.error = Error{Errc::kUnavailable, "Esplora is down"};
  t.Rechecked(down);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Recheck 1"));
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 1}));
  EXPECT_EQ(t.planner().View().last_error, "rechecking anchors: Esplora is down");
}

TEST(AnchorPlanner, RechecksAtMostMaxRecheckedAnchors) {
  Harness t({1, kUpgradeInterval});
  const std::uint64_t n = kMaxRechecked + 4;
  for (std::uint64_t h = 1; h <= n; ++h) t.AddBlock(h, kT0 + h, {1, 2, 3});  // none FINAL: no early stop
  std::vector<LoadedAnchor> anchors;
  for (std::uint64_t h = 1; h <= n; ++h) {
    const Job j = t.JobOf(h, Bytes{1}, kT0);
    chain::AnchorRecord r;
    r.digest = j.digest;
    r.btc_height = static_cast<std::uint32_t>(100 + h);
    anchors.push_back(LoadedAnchor{r, h, j.checkpoint});
  }
  t.Start(n, {}, anchors, {n, 0});
  t.TakeTrace();
  t.Tick(kT0 + kUpgradeInterval);
  const std::vector<std::string> trace = t.TakeTrace();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].rfind("Recheck 20 19 ", 0), 0u) << trace[0];
  EXPECT_EQ(std::count(trace[0].begin(), trace[0].end(), ' '), static_cast<long>(kMaxRechecked));
}

TEST(AnchorPlanner, AnchorLagIsRaisedAfterEightHoursAndClearedWhenFinal) {
  Harness t;
  t.Chain(1);
  t.Start(0);
  t.NewHead(1);
  const std::uint64_t block_ts = kT0 + 1;
  t.Tick(block_ts);
  t.Submitted(Error{Errc::kUnavailable, "calendar down"});
  t.TakeTrace();
  EXPECT_FALSE(t.planner().LaggingAt(block_ts + kAnchorLagAlertMs));
  EXPECT_TRUE(t.planner().LaggingAt(block_ts + kAnchorLagAlertMs + 1));
  t.Tick(block_ts + kAnchorLagAlertMs);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Submit 1")) << "not yet lagging";
  t.Submitted(Error{Errc::kUnavailable, "calendar down"});
  t.Tick(block_ts + kAnchorLagAlertMs + 1);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("RaiseAlert A5 ANCHOR_LAG from 1"));
  t.Tick(block_ts + kAnchorLagAlertMs + 2);
  EXPECT_THAT(t.TakeTrace(), IsEmpty()) << "raised once, then reminded hourly";
  t.Tick(block_ts + kAnchorLagAlertMs + 1 + kAnchorLagReminderMs);
  std::vector<std::string> trace = t.TakeTrace();
  ASSERT_FALSE(trace.empty());
  EXPECT_EQ(trace[0], "RaiseAlert A5 ANCHOR_LAG from 1");
  t.Submitted();
  const std::uint64_t later = block_ts + kAnchorLagAlertMs + 2 + kAnchorLagReminderMs;
  t.Tick(later);
  t.Upgraded(ConfirmedIn(100));
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 1}));
  EXPECT_FALSE(t.planner().LaggingAt(later + 1));
  t.TakeTrace();
  t.Tick(later + 1);
  trace = t.TakeTrace();
  ASSERT_FALSE(trace.empty());
  EXPECT_EQ(trace[0], "ClearAlert A5 ANCHOR_LAG");
  EXPECT_EQ(std::count(trace.begin(), trace.end(), "ClearAlert A5 ANCHOR_LAG"), 1);
}

TEST(AnchorPlanner, AnchorLagMeasuresFromTheOldestBlockThatIsNotFinal) {
  Harness t;
  t.Chain(3);
  t.Start(0);
  t.AnchorHead(1, 100, kT0);  // block 1 FINAL
  t.NewHead(2);
  t.NewHead(3);
  t.TakeTrace();
  // Block 2 (ts kT0 + 2) is the oldest one waiting, not the head (ts kT0 + 3).
  EXPECT_TRUE(t.planner().LaggingAt(kT0 + 2 + kAnchorLagAlertMs + 1));
  EXPECT_FALSE(t.planner().LaggingAt(kT0 + 2 + kAnchorLagAlertMs));
}

TEST(AnchorPlanner, KeepsAtMostMaxAnchorJobsDroppingTheOldest) {
  Harness t;
  const std::uint64_t n = kMaxAnchorJobs + 1;
  t.Chain(n);
  std::vector<Job> jobs;
  for (std::uint64_t h = 1; h < n; ++h) jobs.push_back(t.JobOf(h, Bytes{static_cast<std::uint8_t>(h)}, kT0 + h));
  t.Start(n, jobs);
  t.TakeTrace();
  t.Tick(kT0 + kInterval + n);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadCheckpoint 65", "SaveJob 65", "DeleteJob 1", "Submit 65"));
  EXPECT_EQ(t.planner().jobs().size(), kMaxAnchorJobs);
  EXPECT_EQ(t.stored_jobs().size(), kMaxAnchorJobs);
  EXPECT_EQ(t.planner().jobs().front().checkpoint.h, 2u);
}

TEST(AnchorPlanner, ANewJobSupersedesOlderJobsThatNeverGotAnAnswer) {
  Harness t;
  t.Chain(2);
  t.Start(0);
  t.NewHead(1);
  t.Tick(kT0);
  t.Submitted(Error{Errc::kUnavailable, "calendar down"});
  t.NewHead(2);
  t.TakeTrace();
  t.Tick(kT0 + kUpgradeInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadCheckpoint 2", "SaveJob 2", "DeleteJob 1", "Submit 2"));
  EXPECT_EQ(t.stored_jobs().size(), 1u);
}

TEST(AnchorPlanner, AProofThatNoLongerDecodesDropsItsJob) {
  Harness t;
  t.Chain(1);
  t.Start(0);
  t.NewHead(1);
  t.Tick(kT0);
  t.Submitted();
  t.Tick(kT0 + 1);
  t.TakeTrace();
  UpgradeOutcome corrupt;
  corrupt.error = Error{Errc::kCorrupt, "stored proof does not decode"};
  t.Upgraded(corrupt);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("DeleteJob 1"));
  EXPECT_TRUE(t.stored_jobs().empty());
  EXPECT_EQ(t.planner().View().pending_jobs, 0u);
}

TEST(AnchorPlanner, RestartResubmitsAnUnansweredJobAndUpgradesAPendingOne) {
  Harness t;
  t.Chain(3);
  // Block 2's submission was answered before the restart; block 3's job was saved, never answered.
  t.Start(3, {t.JobOf(2, Bytes{0x52}, kT0 + 2), t.JobOf(3, std::nullopt, kT0 + 3)});
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadBlockTime 1"));
  EXPECT_EQ(t.planner().View().last_submitted_height, 2u);
  EXPECT_EQ(t.planner().View().last_submission_ms, kT0 + 2);
  t.Tick(kT0 + 2 + kInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Submit 3")) << "the saved checkpoint, not a new one";
  t.Submitted();
  t.Tick(kT0 + 3 + kInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SaveProof 3", "Upgrade 2"));
}

TEST(AnchorPlanner, RestartKeepsLoadedAnchorsAndDoesNotSubmitTheSameHeadTwice) {
  Harness t;
  t.AddBlock(1, kT0 + 1, {1, 2, 3});
  t.AddBlock(2, kT0 + 2);
  const Job j1 = t.JobOf(1, Bytes{1}, kT0);
  const Job j2 = t.JobOf(2, Bytes{2}, kT0);
  chain::AnchorRecord r1, r2, direct;
  r1.digest = j1.digest;
  r1.btc_height = 100;
  r2.digest = j2.digest;
  r2.btc_height = 101;
  direct.method = static_cast<std::uint8_t>(chain::AnchorMethod::kDirect);
  t.Start(2, {}, {{r1, 1, j1.checkpoint}, {r2, 2, std::nullopt}, {direct, 2, std::nullopt}}, {2, 0});
  EXPECT_THAT(t.TakeTrace(), ElementsAre("LoadBlockTime 1"));
  const PlannerView v = t.planner().View();
  EXPECT_EQ(v.anchors, 2u) << "DIRECT records count for nothing";
  EXPECT_EQ(v.last_submitted_height, 2u);
  EXPECT_EQ(v.heights, (chain::StatusHeights{2, 0}));
  t.Tick(kT0 + kInterval);
  EXPECT_THAT(t.TakeTrace(), ElementsAre("Recheck 2 1")) << "block 2 has no checkpoint: never FINAL";
  t.Exclude({4});
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SetStatusHeights 2/1", "LoadBlockTime 2"))
      << "the loaded checkpoint's seals are judged";
}

TEST(AnchorPlanner, StoreFailuresAreNotedAndLeaveTheStateAsLoaded) {
  Harness t;
  t.Chain(1);
  t.Start(0);
  t.NewHead(1);
  t.Tick(kT0);
  t.FailNext("SaveProof");
  t.Submitted();
  EXPECT_EQ(t.planner().View().last_error, "cannot save the pending proof of block 1: disk full");
  EXPECT_EQ(t.planner().View().last_submitted_height, 0u) << "submitted again, as after a restart";
  t.FailNext("SetStatusHeights");
  t.Tick(kT0 + kUpgradeInterval);
  t.Submitted();
  t.Tick(kT0 + kUpgradeInterval + 1);
  t.Upgraded(ConfirmedIn(100));
  EXPECT_EQ(t.planner().View().last_error, "cannot update block statuses: disk full");
  EXPECT_EQ(t.planner().View().heights, (chain::StatusHeights{}));
  t.TakeTrace();
  t.Exclude({4});  // any later recomputation writes the heights again
  EXPECT_THAT(t.TakeTrace(), ElementsAre("SetStatusHeights 1/1"));
}

TEST(AnchorPlanner, TheSameEventsGiveTheSameActions) {
  auto run = [] {
    Harness t;
    t.AddBlock(1, kT0, {1, 2, 3});
    t.Start(0);
    t.AnchorHead(1, 100, kT0);
    t.Exclude({4});
    t.Tick(kT0 + 2 + kUpgradeInterval);
    std::vector<std::string> all = t.TakeTrace();
    for (std::string& l : t.TakeLogs()) all.push_back(std::move(l));
    return all;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace peerdb::anchor
