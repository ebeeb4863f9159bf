// RoundTimer: timeout(r), round 0's timer from entering the height, a later round that waits for
// MAJ promises and re-sends, and round 0 shortened by pending work.
#include "peerdb/consensus/internal/round_timer.h"

#include <gtest/gtest.h>

namespace peerdb::consensus {
namespace {

chain::Params Timing() {
  chain::Params p;
  p.round_timeout_ms = 100;
  p.max_round_timeout_ms = 1000;
  p.heartbeat_ms = 5000;
  p.block_period_ms = 50;
  return p;
}

TEST(RoundTimer, TimeoutDoublesPerRoundUpToTheCap) {
  const RoundTimer t(Timing());
  EXPECT_EQ(t.Timeout(0), 100u);
  EXPECT_EQ(t.Timeout(1), 200u);
  EXPECT_EQ(t.Timeout(3), 800u);
  EXPECT_EQ(t.Timeout(4), 1000u);
  EXPECT_EQ(t.Timeout(4'000'000'000u), 1000u);  // no overflow, no long loop
}

TEST(RoundTimer, RoundZeroRunsItsTimerFromEnteringTheHeight) {
  RoundTimer t(Timing());
  t.BeginHeight(10'000);
  t.EnterRound(0, 10'000);
  EXPECT_EQ(t.round(), 0u);
  EXPECT_TRUE(t.timer_on());
  EXPECT_EQ(t.height_start_ms(), 10'000u);
  EXPECT_EQ(t.Deadline(/*parent_timestamp_ms=*/9'000), 10'000u + 5000 + 100);
  EXPECT_EQ(t.NextWakeupMs(9'000), t.Deadline(9'000));
}

TEST(RoundTimer, LaterRoundWaitsAndResendsUntilItsTimerStarts) {
  RoundTimer t(Timing());
  t.EnterRound(2, 1'000);
  EXPECT_FALSE(t.timer_on());
  EXPECT_EQ(t.resend_ms(), 1'000u + 400);
  EXPECT_EQ(t.NextWakeupMs(0), 1'400u);
  t.ScheduleResend(1'800);
  EXPECT_EQ(t.NextWakeupMs(0), 1'800u);
  t.StartTimer(1'500);
  EXPECT_TRUE(t.timer_on());
  EXPECT_EQ(t.Deadline(0), 1'900u);
  t.StartTimer(1'700);  // already running: the deadline stays
  EXPECT_EQ(t.Deadline(0), 1'900u);
  EXPECT_EQ(t.NextWakeupMs(0), 1'900u);
}

TEST(RoundTimer, PendingWorkShortensOnlyRoundZero) {
  RoundTimer t(Timing());
  t.BeginHeight(10'000);
  t.EnterRound(0, 10'000);
  t.NoteWork(10'200);
  t.NoteWork(10'900);  // only the first time counts
  EXPECT_EQ(t.work_seen_ms(), 10'200u);
  // max(parent + block_period, work seen) + timeout(0)
  EXPECT_EQ(t.Deadline(/*parent_timestamp_ms=*/9'000), 10'300u);
  EXPECT_EQ(t.Deadline(/*parent_timestamp_ms=*/10'500), 10'650u);
  EXPECT_EQ(t.Deadline(/*parent_timestamp_ms=*/20'000), 15'100u);  // never later than the plain deadline
  t.EnterRound(1, 10'300);
  t.StartTimer(10'300);
  EXPECT_EQ(t.Deadline(9'000), 10'500u);
}

TEST(RoundTimer, JustifiedRoundOnlyRisesAndANewHeightResetsIt) {
  RoundTimer t(Timing());
  EXPECT_TRUE(t.NoteJustified(2));
  EXPECT_FALSE(t.NoteJustified(2));
  EXPECT_FALSE(t.NoteJustified(1));
  EXPECT_EQ(t.justified_round(), 2u);
  t.NoteWork(500);
  t.BeginHeight(900);
  EXPECT_EQ(t.justified_round(), 0u);
  EXPECT_EQ(t.work_seen_ms(), 0u);
  EXPECT_EQ(t.height_start_ms(), 900u);
}

TEST(RoundTimer, ResumeSetsTheRoundWithoutTouchingTheTimer) {
  RoundTimer t(Timing());
  t.Resume(3);
  EXPECT_EQ(t.round(), 3u);
  EXPECT_TRUE(t.timer_on());  // started by the first step's EnterRound
  t.EnterRound(3, 100);
  EXPECT_FALSE(t.timer_on());
}

}  // namespace
}  // namespace peerdb::consensus
