// Round changes (§2.3) and the signer safety rules S1-S6 (§2.5) across restarts.
#include <gtest/gtest.h>

#include "consensus_fixture.h"
#include "peerdb/consensus/evidence.h"

namespace peerdb::consensus {
namespace {

using testing::ActionsOf;
using testing::Cluster;
using testing::IsProposalFrom;
using testing::Node;

TEST(RoundChange, SilentProposerIsReplacedByTheNextRoundsProposer) {
  Cluster c(4);
  c.Crash(1);  // proposer of (1, 0)
  c.RunUntil(c.now() + 20000, [&] { return c.AllAliveHeadsAtLeast(2); });
  ASSERT_GE(c.MinHead(), 2u);
  const CommittedBlock& b1 = c.node(2).app->m_blocks[0];
  EXPECT_EQ(b1.block.header.author, 2u);  // proposer(1, 1)
  EXPECT_EQ(b1.cert.r, 1u);
}

TEST(RoundChange, ProposerCrashAfterOneVoteGetsTheSameBlockReproposed) {
  // §7.2 scenario 2: proposer 1 reaches only member 3, which votes; 1 crashes. Member 3 reports
  // its vote in its RoundChange and pushes the block to proposer(1, 1) = 2, which must re-propose
  // the same block id.
  Cluster c(4);
  std::optional<Hash32> first;
  c.drop = testing::ProposalsOfOnlyReach(1, 3, &first);
  c.on_step = [&](chain::MemberId m, const std::vector<Action>& actions) {
    for (const Action& a : actions) {
      const auto* b = std::get_if<Broadcast>(&a);
      if (m == 3 && b && std::holds_alternative<chain::Vote>(b->msg)) c.Crash(1);
    }
  };
  c.RunUntil(c.now() + 20000, [&] { return c.AllAliveHeadsAtLeast(1); });
  ASSERT_TRUE(first.has_value());
  ASSERT_GE(c.MinHead(), 1u);
  for (chain::MemberId m = 2; m <= 4; ++m) {
    const CommittedBlock& b1 = c.node(m).app->m_blocks[0];
    EXPECT_EQ(b1.id, *first) << "member " << m;
    EXPECT_EQ(b1.block.header.author, 1u);
    EXPECT_GE(b1.cert.r, 1u);
  }
  // The round-1 proposal carried a justification with 3's last vote.
  bool reproposed = false;
  for (const Action& a : c.node(2).log) {
    const auto* b = std::get_if<Broadcast>(&a);
    if (b && IsProposalFrom(b->msg, 2)) {
      const auto& p = std::get<chain::Proposal>(b->msg);
      reproposed |= p.core.h == 1 && p.core.r == 1 && p.core.block_id == *first && p.justification.size() >= 3;
    }
  }
  EXPECT_TRUE(reproposed);
}

TEST(RoundChange, TimeoutDoublesPerRoundUpToTheMaximum) {
  // With every proposal dropped nobody decides; round changes come at 1000+500, then +1000, +2000...
  Cluster c(4);
  c.drop = [](chain::MemberId, chain::MemberId, const PeerMessage& m) { return std::holds_alternative<chain::Proposal>(m); };
  std::vector<std::pair<std::uint32_t, std::uint64_t>> rcs;  // (round, time) of member 2's RCs
  c.on_step = [&](chain::MemberId m, const std::vector<Action>& actions) {
    for (const Action& a : actions) {
      const auto* b = std::get_if<Broadcast>(&a);
      if (m == 2 && b && std::holds_alternative<chain::RoundChange>(b->msg)) {
        rcs.emplace_back(std::get<chain::RoundChange>(b->msg).r, c.now());
      }
    }
  };
  const std::uint64_t t0 = c.now();
  c.RunUntil(t0 + 20000);
  ASSERT_GE(rcs.size(), 4u);
  EXPECT_EQ(rcs[0].first, 1u);
  EXPECT_EQ(rcs[0].second - t0, 1500u);  // heartbeat + timeout(0)
  EXPECT_EQ(rcs[1].second - rcs[0].second, 1000u);
  EXPECT_EQ(rcs[2].second - rcs[1].second, 2000u);
  EXPECT_EQ(rcs[3].second - rcs[2].second, 4000u);  // capped at max_round_timeout_ms
  EXPECT_EQ(c.node(2).app->head(), 0u);
}

// Members 2..4 of N = 4 hold evidence against member 1 (excluded, and silent): the honest members
// left are exactly MAJ = 3, so every round that decides needs all three of them.
void ExcludeAndSilenceMember1(Cluster& c) {
  const chain::Evidence e = testing::DoubleVoteBy(1, c.chain_id());
  c.Crash(1);
  for (chain::MemberId m = 2; m <= 4; ++m) {
    c.node(m).app->evidence.push_back(e);
    c.Restart(m);
  }
}

std::vector<std::uint32_t> RoundChangesSent(const Node& n) {
  std::vector<std::uint32_t> rounds;
  for (const Action& a : n.log) {
    const auto* b = std::get_if<Broadcast>(&a);
    if (b && std::holds_alternative<chain::RoundChange>(b->msg)) rounds.push_back(std::get<chain::RoundChange>(b->msg).r);
  }
  return rounds;
}

TEST(RoundSync, MemberAheadWaitsUntilExactlyMajorityHonestMembersMeetInItsRound) {
  // F6: member 2 restarts promised to round 5 of height 1 while 3 and 4 start at round 0. Its
  // RoundChange(1, 5) alone (one of the three) moves nobody (advance_to needs 2). Were its round-5
  // timer running, it would time out to 6, 7, ... (4 s each at the cap) and stay ahead of 3 and 4
  // forever. It waits in round 5 instead; 3 and 4 climb by their own timers (each of their rounds
  // has MAJ promises counting 2's higher one), meet it in round 5 and decide height 1 there.
  Cluster c(4);
  ExcludeAndSilenceMember1(c);
  chain::SignerState s = c.node(2).app->signer;
  s.h = 1;
  s.promised = 5;
  c.node(2).app->signer = s;
  c.Restart(2);
  for (chain::MemberId m = 2; m <= 4; ++m) c.node(m).log.clear();
  c.RunUntil(c.now() + 60000, [&] { return c.AllAliveHeadsAtLeast(1); });
  ASSERT_GE(c.MinHead(), 1u);
  for (chain::MemberId m = 2; m <= 4; ++m) {
    const CommittedBlock& b1 = c.node(m).app->m_blocks[0];
    EXPECT_EQ(b1.cert.r, 5u) << "member " << m;
    EXPECT_EQ(b1.cert.votes.size(), 3u) << "member " << m;
  }
  // Member 2 never left round 5 on its own; it only re-sent its RoundChange(1, 5) while waiting.
  const std::vector<std::uint32_t> sent = RoundChangesSent(c.node(2));
  ASSERT_FALSE(sent.empty());
  for (std::uint32_t r : sent) EXPECT_EQ(r, 5u);
}

TEST(RoundSync, LoneMemberWaitsInItsRoundAndResendsItsRoundChange) {
  // A member cut off from the others times out of round 0 (no MAJ is needed for round 0's timer)
  // but then waits in round 1: no RoundChange(1, 2), only RoundChange(1, 1) again every timeout(1).
  Cluster c(4);
  c.drop = [](chain::MemberId from, chain::MemberId to, const PeerMessage&) { return from == 2 || to == 2; };
  c.node(2).log.clear();
  c.RunUntil(c.now() + 10000);
  const std::vector<std::uint32_t> sent = RoundChangesSent(c.node(2));
  ASSERT_GE(sent.size(), 3u);
  for (std::uint32_t r : sent) EXPECT_EQ(r, 1u);
  EXPECT_EQ(c.node(2).app->signer.promised, 1u);
  EXPECT_EQ(c.node(2).machine->View().round, 1u);
}

TEST(SignerSafety, RestartResendsTheStoredVoteAndNeverSignsAConflictingOne) {
  Cluster c(4);
  std::optional<chain::Proposal> proposal;
  c.drop = [&](chain::MemberId, chain::MemberId, const PeerMessage& m) {
    if (IsProposalFrom(m, 1)) proposal = std::get<chain::Proposal>(m);
    return std::holds_alternative<chain::Vote>(m);  // nobody decides: the height stays open
  };
  c.RunUntil(c.now() + 1200, [&] { return c.node(2).app->signer.last_vote.has_value(); });
  ASSERT_TRUE(proposal.has_value());
  const chain::SignerState before = c.node(2).app->signer;
  ASSERT_TRUE(before.last_vote.has_value());
  EXPECT_EQ(before.last_vote->vote.block_id, proposal->core.block_id);

  c.Restart(2);
  c.node(2).log.clear();
  // The same proposal again: the stored vote comes back, byte for byte (S6).
  c.Deliver(2, Received{1, *proposal});
  std::vector<chain::Vote> votes;
  for (const Action& a : c.node(2).log) {
    if (const auto* b = std::get_if<Broadcast>(&a); b && std::holds_alternative<chain::Vote>(b->msg)) {
      votes.push_back(std::get<chain::Vote>(b->msg));
    }
  }
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0], before.last_vote->vote);

  // A conflicting core from the same proposer at (1, 0): no vote, E1 against member 1 instead.
  chain::Proposal other = *proposal;
  other.block.header.timestamp_ms += 1;
  other.core.block_id = chain::BlockId(other.block.header);
  chain::SignWith(testing::KeyOf(1), c.chain_id(), other.core);
  c.node(2).log.clear();
  c.Deliver(2, Received{1, other});
  for (const Action& a : c.node(2).log) {
    const auto* b = std::get_if<Broadcast>(&a);
    EXPECT_FALSE(b && std::holds_alternative<chain::Vote>(b->msg));
  }
  EXPECT_EQ(c.node(2).app->signer.last_vote, before.last_vote);
  EXPECT_TRUE(testing::HasAlert(c.node(2).log, AlertKind::kEquivocation, 1));
}

TEST(SignerSafety, NoVoteBelowThePromisedRound) {
  // S2: after RoundChange(1, 1) the member never votes at round 0.
  Cluster c(4);
  std::optional<chain::Proposal> proposal;
  c.drop = [&](chain::MemberId, chain::MemberId, const PeerMessage& m) {
    if (IsProposalFrom(m, 1)) {
      proposal = std::get<chain::Proposal>(m);
      return true;
    }
    return false;
  };
  c.RunUntil(c.now() + 1600);  // past the round-0 timeout: everyone promised round 1
  ASSERT_TRUE(proposal.has_value());
  ASSERT_GE(c.node(3).app->signer.promised, 1u);
  c.node(3).log.clear();
  c.Deliver(3, Received{1, *proposal});
  for (const Action& a : c.node(3).log) {
    const auto* b = std::get_if<Broadcast>(&a);
    EXPECT_FALSE(b && std::holds_alternative<chain::Vote>(b->msg));
  }
}

TEST(SignerSafety, SealAtAHeightBlocksEveryOtherBlockThere) {
  // S1: a member restarted with seal_h = 1 on block Z (crash between the seal's save and the
  // commit) neither votes for nor commits another block at height 1; a majority for it is A2b.
  Cluster c(4);
  chain::SignerState s = c.node(4).app->signer;
  s.seal_h = 1;
  s.seal_id.fill(0x5a);
  c.node(4).app->signer = s;
  c.Restart(4);
  c.RunUntil(c.now() + 5000, [&] { return c.node(1).app->head() >= 1 && c.node(2).app->head() >= 1; });
  ASSERT_GE(c.node(1).app->head(), 1u);
  c.RunUntil(c.now() + 50);
  EXPECT_EQ(c.node(4).app->head(), 0u);
  EXPECT_EQ(c.node(4).app->signer.seal_id, s.seal_id);
  EXPECT_FALSE(c.node(4).app->signer.last_vote.has_value());
  EXPECT_TRUE(testing::HasAlert(c.node(4).log, AlertKind::kOrphanedSeal));
}

}  // namespace
}  // namespace peerdb::consensus
