// The anchoring planner driven by events and times only (no HTTP, no threads, no sleeps), through
// planner_harness.h: what is submitted and when, the job saved before its digest leaves, upgrade
// pacing, the job cap, superseded and corrupt jobs, restarts from the loaded state, store failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "planner_harness.h"

namespace peerdb::anchor {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using test::ConfirmedIn;
using test::Harness;
using test::kInterval;
using test::kT0;
using test::kUpgradeInterval;

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
