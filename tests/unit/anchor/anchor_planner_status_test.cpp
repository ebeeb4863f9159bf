// The anchoring planner's confirmed anchors, driven by events and times only (planner_harness.h):
// what a confirmation raises (ANCHORED, FINAL), FINAL under the member's exclusions, rechecks and
// Bitcoin reorganisations lowering statuses, and A5 ANCHOR_LAG.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
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
using test::Verified;

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

// A byzantine majority excluded by evidence leaves fewer than MAJ members (§5.2): nothing becomes
// FINAL any more, but what was FINAL stays so (statuses only rise, §3).
TEST(AnchorPlanner, ExclusionsLeavingFewerThanAMajorityFreezeFinalInsteadOfRevokingIt) {
  Harness t;
  t.Chain(2);
  t.Start(0);
  t.AnchorHead(1, 100, kT0);
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 1}));
  t.Exclude({1, 2});
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{1, 1})) << "FINAL is not revoked";
  t.AnchorHead(2, 101, kT0 + kInterval);
  EXPECT_EQ(t.stored_heights(), (chain::StatusHeights{2, 1})) << "block 2 is anchored, but nothing is unanimous now";
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


}  // namespace
}  // namespace peerdb::anchor
