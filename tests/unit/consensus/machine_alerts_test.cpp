// Alerts with timing (§3): A2c PARTITIONED, A6 CENSORED_BATCH and A7 CLOCK_SKEW, raised as
// actions, listed in View() and cleared when the cause goes away.
#include <gtest/gtest.h>

#include "consensus_fixture.h"

namespace peerdb::consensus {
namespace {

using testing::ActionsOf;
using testing::Cluster;

bool Listed(Machine& m, AlertKind kind) {
  for (const Alert& a : m.View().alerts) {
    if (a.kind == kind) return true;
  }
  return false;
}

TEST(Alerts, IsolatedMemberReportsPartitionAndClearsOnReconnect) {
  Cluster c(4);
  bool cut = true;
  c.drop = [&](chain::MemberId from, chain::MemberId to, const PeerMessage&) { return cut && (from == 1 || to == 1); };
  for (chain::MemberId p = 2; p <= 4; ++p) c.Deliver(1, PeerDisconnected{p});
  c.RunUntil(c.now() + 2000);
  EXPECT_FALSE(testing::HasAlert(c.node(1).log, AlertKind::kPartitioned));  // heartbeat + 3 timeouts: 2.5 s
  c.RunUntil(c.now() + 6000);
  EXPECT_TRUE(testing::HasAlert(c.node(1).log, AlertKind::kPartitioned));
  EXPECT_TRUE(Listed(*c.node(1).machine, AlertKind::kPartitioned));
  // It names whom member 1 cannot reach, not member 1, and its duration keeps counting.
  auto a2c = [&] {
    for (const Alert& a : c.node(1).machine->View().alerts) {
      if (a.kind == AlertKind::kPartitioned) return a;
    }
    return Alert{};
  };
  EXPECT_EQ(a2c().members, (std::vector<chain::MemberId>{2, 3, 4}));
  EXPECT_NE(a2c().detail.find("cannot reach member 2 (member-2"), std::string::npos) << a2c().detail;
  const std::string before = a2c().detail;
  c.RunUntil(c.now() + 3000);
  EXPECT_NE(a2c().detail, before) << "the duration in the detail is current";
  EXPECT_FALSE(testing::HasAlert(c.node(2).log, AlertKind::kPartitioned));  // the majority side decides
  cut = false;
  for (chain::MemberId p = 2; p <= 4; ++p) c.Deliver(1, PeerConnected{p});
  c.RunUntil(c.now() + 8000, [&] { return c.node(1).app->head() >= c.node(2).app->head() && c.node(1).app->head() > 0; });
  EXPECT_FALSE(Listed(*c.node(1).machine, AlertKind::kPartitioned));
}

TEST(Alerts, BatchLeftOutForMoreThanARotationIsReportedAsCensored) {
  Cluster c(4);
  for (chain::MemberId m : {1u, 2u, 4u}) c.node(m).app->censor = {3};
  // Member 3's own turns fail too: its proposals are lost.
  c.drop = [](chain::MemberId from, chain::MemberId, const PeerMessage& msg) {
    return from == 3 && std::holds_alternative<chain::Proposal>(msg);
  };
  c.Deliver(3, LocalBatch{testing::MakeSignedBatch(c.chain_id(), 3, 1)});
  c.RunUntil(c.now() + 30000, [&] { return testing::HasAlert(c.node(3).log, AlertKind::kCensoredBatch); });
  ASSERT_TRUE(testing::HasAlert(c.node(3).log, AlertKind::kCensoredBatch));
  EXPECT_GE(c.node(3).app->head(), 4u);
  // Once its proposal gets through, the batch is committed and the alert clears.
  c.drop = {};
  c.RunUntil(c.now() + 30000, [&] { return !Listed(*c.node(3).machine, AlertKind::kCensoredBatch); });
  EXPECT_FALSE(Listed(*c.node(3).machine, AlertKind::kCensoredBatch));
}

TEST(Alerts, ProposerWithAFastClockIsDeferredAndReportedAfterThreeTurns) {
  Cluster c(4);
  c.node(1).app->clock_skew_ms = 10000;  // its blocks claim times 10 s ahead (C4 defers them)
  c.RunUntil(c.now() + 60000, [&] { return testing::HasAlert(c.node(2).log, AlertKind::kClockSkew, 1); });
  ASSERT_TRUE(testing::HasAlert(c.node(2).log, AlertKind::kClockSkew, 1));
  EXPECT_FALSE(testing::HasAlert(c.node(2).log, AlertKind::kClockSkew, 3));
  // Liveness degrades only for its turns: the others keep committing.
  EXPECT_GE(c.node(2).app->head(), 6u);
}

}  // namespace
}  // namespace peerdb::consensus
