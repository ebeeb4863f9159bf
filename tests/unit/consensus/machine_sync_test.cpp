// Whom catch-up asks (§6.2) and when the machine wants to be woken: a member that knows the MC of
// its height but not the block asks peers that hold it and moves on from peers that answer nothing;
// NextWakeupMs never asks for a tick at or before "now" when nothing is due.
#include <gtest/gtest.h>

#include "consensus_fixture.h"

namespace peerdb::consensus {
namespace {

using testing::ActionsOf;
using testing::Cluster;

// Member 2 of 4, fed by hand, learns the MC of height 1 (voted by 1, 3, 4) without its block.
class SyncPeerTest : public ::testing::Test {
 protected:
  Cluster source{4};  // produces a real block 1 with its MC
  chain::Genesis g = source.genesis();
  testing::TestApp app{g};
  Machine m{app.MakeSnapshot(2), app, testing::KeyOf(2)};
  std::uint64_t now = g.genesis_time_ms;
  CommittedBlock b1;

  void SetUp() override {
    source.RunUntil(source.now() + 5000, [&] { return source.AllAliveHeadsAtLeast(1); });
    ASSERT_GE(source.MinHead(), 1u);
    b1 = source.node(1).app->m_blocks[0];
    ASSERT_EQ(b1.cert.votes.front().signer, 1u);  // the first voter: the hint
    now = b1.block.header.timestamp_ms;
    for (chain::MemberId p : {1u, 3u, 4u}) (void)Step(PeerConnected{p});
  }
  std::vector<Action> Step(const Event& e) { return m.Step(e, now); }
  static std::vector<chain::MemberId> SyncTargets(const std::vector<Action>& actions) {
    std::vector<chain::MemberId> to;
    for (const Send& s : ActionsOf<Send>(actions)) {
      if (std::holds_alternative<SyncRequest>(s.msg)) to.push_back(s.to);
    }
    return to;
  }
  static SyncResponse Empty() {
    SyncResponse r;
    r.head_h = 0;
    return r;
  }
  SyncResponse WithBlock1() const {
    SyncResponse r;
    r.head_h = 1;
    SyncBlock sb;
    sb.block = b1.block;
    sb.cert = b1.cert;
    r.blocks.push_back(sb);
    return r;
  }
  std::uint64_t Wait() const { return 2 * g.config.params.round_timeout_ms + 1; }
};

TEST_F(SyncPeerTest, PeerThatClaimedTheHeightIsAskedAfterTheHintAnsweredNothing) {
  // F1: the hint (voter 1) lost the block; member 4 said it holds height 1. The next request goes
  // to 4 at once, not to 1 again nor to the lowest connected id.
  auto a = Step(Received{3, b1.cert});
  ASSERT_EQ(SyncTargets(a), std::vector<chain::MemberId>{1u});
  StatusMsg st;
  st.head_h = 1;
  st.seal_h = 1;
  a = Step(Received{4, st});
  EXPECT_TRUE(SyncTargets(a).empty());  // still waiting for 1
  a = Step(Received{1, Empty()});
  EXPECT_EQ(SyncTargets(a), std::vector<chain::MemberId>{4u});
  a = Step(Received{4, WithBlock1()});
  EXPECT_EQ(app.head(), 1u);
  EXPECT_EQ(app.m_blocks[0].id, b1.id);
}

TEST_F(SyncPeerTest, ARequestMadeBeforeItsPeerConnectedIsMadeAgainWhenAPeerConnects) {
  // At start-up the hint may not be connected yet: the request may never reach it. A peer that
  // connects while the block is still missing is asked at once, not after the retry wait.
  testing::TestApp fresh_app{g};
  Machine fresh{fresh_app.MakeSnapshot(2), fresh_app, testing::KeyOf(2)};
  (void)fresh.Step(PeerConnected{3}, now);
  auto a = fresh.Step(Received{3, b1.cert}, now);
  ASSERT_EQ(SyncTargets(a), std::vector<chain::MemberId>{1u}) << "the hint, not connected yet";
  a = fresh.Step(PeerConnected{1}, now + 5);
  EXPECT_EQ(SyncTargets(a), std::vector<chain::MemberId>{1u}) << "asked again now that it is connected";
  a = fresh.Step(Received{1, WithBlock1()}, now + 6);
  EXPECT_EQ(fresh_app.head(), 1u);
  // Once nothing is missing, a connecting peer starts no request, and it gets my seal of the head,
  // which went out before it was connected.
  a = fresh.Step(PeerConnected{4}, now + 7);
  EXPECT_TRUE(SyncTargets(a).empty());
  bool sealed_to_4 = false;
  for (const Send& s : ActionsOf<Send>(a)) {
    const auto* seal = std::get_if<chain::Seal>(&s.msg);
    if (s.to == 4 && seal && seal->h == 1 && seal->signer == 2 && seal->block_id == b1.id) sealed_to_4 = true;
  }
  EXPECT_TRUE(sealed_to_4);
}

TEST_F(SyncPeerTest, EmptyAnswersRotateThroughThePeersInsteadOfAskingOneForever) {
  // Nobody claimed a head: 1 (the hint) answers nothing, then 3, then 4; each retry after the wait
  // asks the next peer, and after a full turn the rotation starts over.
  std::vector<chain::MemberId> asked = SyncTargets(Step(Received{3, b1.cert}));
  for (int i = 0; i < 4; ++i) {
    ASSERT_FALSE(asked.empty());
    (void)Step(Received{asked.back(), Empty()});
    now += Wait();
    const auto next = SyncTargets(Step(Tick{}));
    ASSERT_EQ(next.size(), 1u);
    asked.push_back(next[0]);
  }
  EXPECT_EQ(asked, (std::vector<chain::MemberId>{1, 3, 4, 1, 3}));
  // An unsolicited empty answer (from a peer not asked) does not trigger a request.
  EXPECT_TRUE(SyncTargets(Step(Received{4, Empty()})).empty());
  (void)Step(Received{3, WithBlock1()});
  EXPECT_EQ(app.head(), 1u);
}

TEST_F(SyncPeerTest, StatusClaimThatTurnsOutEmptyStopsTheAsking) {
  // A peer claims a head above mine and then has nothing: no further requests (no ping-pong).
  StatusMsg st;
  st.head_h = 1;
  auto a = Step(Received{3, st});
  ASSERT_EQ(SyncTargets(a), std::vector<chain::MemberId>{3u});
  (void)Step(Received{3, Empty()});
  std::size_t requests = 0;
  for (int i = 0; i < 10; ++i) {
    now += Wait();
    requests += SyncTargets(Step(Tick{})).size();
  }
  EXPECT_EQ(requests, 0u);
}

TEST(Wakeup, NeverAtOrBeforeNowAfterAStep) {
  // F2: with two of four members down, the other two leave round 0 and wait in round 1 for good
  // (its timer needs MAJ promises, round synchronisation); its proposer waits for round changes
  // long after parent + block_period. After every step the next wakeup is in the future, and the
  // ticks stay few (a RoundChange re-sent every timeout(1)).
  Cluster c(4);
  c.Crash(1);
  c.Crash(3);
  std::size_t bad = 0;
  c.on_step = [&](chain::MemberId m, const std::vector<Action>&) {
    if (c.node(m).machine->NextWakeupMs() <= c.now()) ++bad;
  };
  c.RunUntil(c.now() + 60000);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(c.node(2).machine->View().round, 1u);
  EXPECT_EQ(c.node(4).machine->View().round, 1u);
  EXPECT_LT(c.ticks(), 200u);
}

TEST(Wakeup, NeverAtOrBeforeNowAcrossRestartsAndFaults) {
  Cluster c(4);
  c.SetFaults(7, 0.1, 0.05, true);
  std::size_t bad = 0, steps = 0;
  c.on_step = [&](chain::MemberId m, const std::vector<Action>&) {
    ++steps;
    if (c.node(m).machine->NextWakeupMs() <= c.now()) ++bad;
  };
  for (chain::MemberId m = 1; m <= 4; ++m) {
    c.RunUntil(c.now() + 3000);
    c.Crash(m);
    c.RunUntil(c.now() + 3000);
    c.Restart(m);
  }
  c.RunUntil(c.now() + 10000);
  EXPECT_GT(steps, 1000u);
  EXPECT_EQ(bad, 0u);
  EXPECT_GE(c.MinHead(), 3u);
}

}  // namespace
}  // namespace peerdb::consensus
