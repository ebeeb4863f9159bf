// The machine's happy path (§2.2): proposing, voting, majority certificates, seals, unanimity,
// heartbeat blocks and batch dissemination, with 1 and 4 members.
#include <gtest/gtest.h>

#include <algorithm>

#include "consensus_fixture.h"

namespace peerdb::consensus {
namespace {

using testing::ActionsOf;
using testing::Cluster;

TEST(Machine, SingleMemberCommitsHeartbeatBlocksAlone) {
  Cluster c(1);
  c.RunUntil(c.now() + 5000, [&] { return c.node(1).app->head() >= 3; });
  ASSERT_GE(c.node(1).app->head(), 3u);
  const auto committed = ActionsOf<Committed>(c.node(1).log);
  ASSERT_GE(committed.size(), 3u);
  EXPECT_EQ(committed[0].height, 1u);
  // One member is all of Req: every block becomes UNANIMOUS.
  EXPECT_GE(c.node(1).machine->View().unanimous_height, 3u);
}

TEST(Machine, FourMembersCommitTheSameChainAndReachUnanimity) {
  Cluster c(4);
  c.RunUntil(c.now() + 20000, [&] { return c.AllAliveHeadsAtLeast(6); });
  ASSERT_GE(c.MinHead(), 6u);
  for (std::uint64_t h = 1; h <= 6; ++h) {
    const Hash32 id = c.node(1).app->m_blocks[h - 1].id;
    for (chain::MemberId m = 2; m <= 4; ++m) EXPECT_EQ(c.node(m).app->m_blocks[h - 1].id, id) << "height " << h;
  }
  // Proposers rotate: block h is authored by member ((h - 1) mod 4) + 1.
  for (std::uint64_t h = 1; h <= 4; ++h) {
    EXPECT_EQ(c.node(1).app->m_blocks[h - 1].block.header.author, static_cast<chain::MemberId>(h));
  }
  c.RunUntil(c.now() + 1000);
  for (chain::MemberId m = 1; m <= 4; ++m) {
    EXPECT_GE(c.node(m).machine->View().unanimous_height, 5u) << "member " << m;
    bool raised = false;
    for (const auto& s : ActionsOf<StatusRaised>(c.node(m).log)) raised |= s.height == 5 && s.status == BlockStatus::kUnanimous;
    EXPECT_TRUE(raised);
  }
}

TEST(Machine, LocalBatchIsGossipedIncludedOnceAndLeavesThePool) {
  Cluster c(4);
  c.Deliver(3, LocalBatch{testing::MakeSignedBatch(c.chain_id(), 3, 1)});
  c.Deliver(3, LocalBatch{testing::MakeSignedBatch(c.chain_id(), 3, 2)});
  c.RunUntil(c.now() + 10000, [&] { return c.AllAliveHeadsAtLeast(5); });
  std::size_t included = 0;
  for (const auto& b : c.node(1).app->m_blocks) included += b.block.batches.size();
  EXPECT_EQ(included, 2u);
  // The first block (proposer 1) already carries them: it had batches pending, so it did not wait
  // for the heartbeat.
  EXPECT_EQ(c.node(1).app->m_blocks[0].block.batches.size(), 2u);
  EXPECT_LT(c.node(1).app->m_blocks[0].block.header.timestamp_ms, c.genesis().genesis_time_ms + 1000);
  EXPECT_TRUE(ActionsOf<BatchDropped>(c.node(3).log).empty());
}

TEST(Machine, StaleLocalBatchIsDropped) {
  Cluster c(4);
  c.Deliver(2, LocalBatch{testing::MakeSignedBatch(c.chain_id(), 2, 1)});
  c.RunUntil(c.now() + 10000, [&] { return c.AllAliveHeadsAtLeast(2); });
  c.Deliver(2, LocalBatch{testing::MakeSignedBatch(c.chain_id(), 2, 1)});  // seq 1 is committed already
  const auto dropped = ActionsOf<BatchDropped>(c.node(2).log);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].batch.seq, 1u);
}

TEST(Machine, BlocksCarryTheParentsSealsAsRecords) {
  Cluster c(4);
  c.RunUntil(c.now() + 20000, [&] { return c.AllAliveHeadsAtLeast(3); });
  const auto& b3 = c.node(1).app->m_blocks[2].block;
  std::size_t seals = 0;
  for (const auto& r : b3.records) {
    if (const auto* s = std::get_if<chain::Seal>(&r.body)) {
      EXPECT_EQ(s->h, 2u);
      ++seals;
    }
  }
  EXPECT_GE(seals, 3u);
  ASSERT_TRUE(b3.parent_cert.has_value());
  EXPECT_EQ(b3.parent_cert->block_id, c.node(1).app->m_blocks[1].id);
}

TEST(Machine, EverySignatureIsDurableWhenItLeavesTheStep) {
  // S5: votes, round changes, proposals and seals in a step's actions are already in the saved
  // SignerState (the seal as seal_h/seal_id) when Step returns.
  Cluster c(4);
  std::size_t votes = 0, seals = 0, proposals = 0;
  c.on_step = [&](chain::MemberId m, const std::vector<Action>& actions) {
    const chain::SignerState& saved = c.node(m).app->signer;
    for (const Action& a : actions) {
      const auto* b = std::get_if<Broadcast>(&a);
      if (!b) continue;
      if (const auto* v = std::get_if<chain::Vote>(&b->msg); v && v->signer == m) {
        ++votes;
        ASSERT_TRUE(saved.last_vote.has_value());
        EXPECT_EQ(saved.last_vote->vote, *v);
        // ... and so is the body it voted for (Application::SaveCandidates).
        const auto& bodies = c.node(m).app->candidates;
        EXPECT_TRUE(std::any_of(bodies.begin(), bodies.end(), [&](const chain::Proposal& p) {
          return p.core.block_id == v->block_id && chain::BlockId(p.block.header) == v->block_id;
        }));
      } else if (const auto* s = std::get_if<chain::Seal>(&b->msg); s && s->signer == m) {
        ++seals;
        EXPECT_GE(saved.seal_h, s->h);
      } else if (const auto* p = std::get_if<chain::Proposal>(&b->msg); p && p->core.signer == m) {
        ++proposals;
        ASSERT_TRUE(saved.last_proposal.has_value());
        EXPECT_EQ(*saved.last_proposal, p->core);
        const auto& bodies = c.node(m).app->candidates;
        EXPECT_TRUE(std::any_of(bodies.begin(), bodies.end(), [&](const chain::Proposal& q) { return q == *p; }));
      }
    }
  };
  c.RunUntil(c.now() + 10000, [&] { return c.AllAliveHeadsAtLeast(4); });
  EXPECT_GE(votes, 16u);
  EXPECT_GE(seals, 16u);
  EXPECT_GE(proposals, 4u);
}

TEST(Machine, IdleAndStuckMachinesDoNotSpin) {
  // Wakeups come from timers, never "now" again and again: 20 s of a cluster with every proposal
  // dropped (stuck in round changes) and one member rejecting every block needs few ticks.
  Cluster c(4);
  c.node(4).app->reject = "C6: test";
  c.drop = [](chain::MemberId, chain::MemberId, const PeerMessage& m) { return std::holds_alternative<chain::Proposal>(m); };
  c.RunUntil(c.now() + 20000);
  EXPECT_LT(c.ticks(), 400u);
  Cluster d(4);
  d.node(4).app->reject = "C6: test";
  d.RunUntil(d.now() + 20000);
  EXPECT_GE(d.node(1).app->head(), 10u);
  EXPECT_LT(d.ticks(), 1000u);
  // The member that rejects the blocks asks for them at most once per 2 timeouts.
  std::size_t requests = 0;
  for (const auto& s : ActionsOf<Send>(d.node(4).log)) requests += std::holds_alternative<SyncRequest>(s.msg);
  EXPECT_LT(requests, 25u);
}

}  // namespace
}  // namespace peerdb::consensus
