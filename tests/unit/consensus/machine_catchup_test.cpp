// Catch-up (§6.2), silent members (A4), evidence detection inside the machine (§5.1) and A1b.
#include <gtest/gtest.h>

#include "consensus_fixture.h"
#include "peerdb/consensus/evidence.h"

namespace peerdb::consensus {
namespace {

using testing::ActionsOf;
using testing::Cluster;

TEST(CatchUp, MemberThatMissedTwentyHeightsSyncsSealsInOrderAndRejoins) {
  Cluster c(4);
  c.Crash(4);
  c.RunUntil(c.now() + 120000, [&] { return c.node(1).app->head() >= 20; });
  ASSERT_GE(c.node(1).app->head(), 20u);
  EXPECT_EQ(c.node(4).app->head(), 0u);
  c.Restart(4);
  const std::uint64_t target = c.node(1).app->head() + 2;
  c.RunUntil(c.now() + 60000, [&] { return c.AllAliveHeadsAtLeast(target); });
  ASSERT_GE(c.node(4).app->head(), target);
  for (std::uint64_t h = 1; h <= target; ++h) EXPECT_EQ(c.node(4).app->m_blocks[h - 1].id, c.node(1).app->m_blocks[h - 1].id);
  EXPECT_GE(c.node(4).app->signer.seal_h, target);
  // Its late seals make the old blocks UNANIMOUS on the others.
  c.RunUntil(c.now() + 2000);
  EXPECT_GE(c.node(1).machine->View().unanimous_height, target);
  // It votes again once caught up.
  EXPECT_TRUE(c.node(4).app->signer.last_vote.has_value() || c.node(4).app->signer.seal_h > target);
}

TEST(SilentMember, MajorityContinuesAndSilentMemberAlertAfterSilentAlertMs) {
  Cluster c(4);
  c.Crash(3);
  c.RunUntil(c.now() + 4000);
  EXPECT_GE(c.node(1).app->head(), 2u);
  EXPECT_FALSE(testing::HasAlert(c.node(1).log, AlertKind::kSilentMember, 3));
  EXPECT_EQ(c.node(1).machine->View().unanimous_height, 0u);
  c.RunUntil(c.now() + 8000);
  EXPECT_TRUE(testing::HasAlert(c.node(1).log, AlertKind::kSilentMember, 3));
  EXPECT_FALSE(testing::HasAlert(c.node(1).log, AlertKind::kSilentMember, 2));
  bool listed = false;
  for (const Alert& a : c.node(1).machine->View().alerts) listed |= a.kind == AlertKind::kSilentMember;
  EXPECT_TRUE(listed);
  // It comes back, catches up, seals: the alert clears and unanimity returns.
  c.Restart(3);
  c.RunUntil(c.now() + 10000);
  bool cleared = false;
  for (const auto& a : ActionsOf<AlertCleared>(c.node(1).log)) cleared |= a.alert.kind == AlertKind::kSilentMember;
  EXPECT_TRUE(cleared);
  EXPECT_GE(c.node(1).machine->View().unanimous_height + 1, c.node(1).app->head());
}

TEST(Evidence, DoubleVoteInTheClusterExcludesTheMemberEverywhere) {
  Cluster c(4);
  // Member 4 signs a second, conflicting vote at (1, 0) and sends it to member 2.
  c.RunUntil(c.now() + 1200, [&] { return c.node(4).app->signer.last_vote.has_value(); });
  ASSERT_TRUE(c.node(4).app->signer.last_vote.has_value());
  chain::Vote evil = c.node(4).app->signer.last_vote->vote;
  evil.block_id.fill(0xee);
  chain::SignWith(testing::KeyOf(4), c.chain_id(), evil);
  c.Deliver(2, Received{4, evil});
  c.RunUntil(c.now() + 20000, [&] { return c.AllAliveHeadsAtLeast(4); });
  for (chain::MemberId m = 1; m <= 3; ++m) {
    EXPECT_TRUE(testing::HasAlert(c.node(m).log, AlertKind::kEquivocation, 4)) << "member " << m;
    const auto v = c.node(m).machine->View();
    EXPECT_TRUE(v.members[3].excluded);
    ASSERT_EQ(v.evidence.size(), 1u);
    EXPECT_EQ(v.evidence[0].kind, static_cast<std::uint8_t>(chain::EvidenceKind::kDoubleVote));
  }
  // The evidence is recorded in a block, so 4 leaves the schedule (X_chain).
  bool recorded = false;
  for (const auto& b : c.node(1).app->m_blocks) {
    for (const auto& r : b.block.records) recorded |= std::holds_alternative<chain::Evidence>(r.body);
  }
  EXPECT_TRUE(recorded);
  // Unanimity no longer waits for the excluded member.
  EXPECT_GE(c.node(1).machine->View().unanimous_height, 2u);
}

TEST(Evidence, DoubleSealAndSealForkAreDetectedFromHeldSeals) {
  Cluster c(4);
  c.Crash(4);
  c.RunUntil(c.now() + 20000, [&] { return c.node(1).app->head() >= 3; });
  const auto& blocks = c.node(1).app->m_blocks;
  auto seal = [&](std::uint64_t h, const Hash32& id) {
    chain::Seal s; s.h = h; s.block_id = id; s.signer = 4;
    chain::SignWith(testing::KeyOf(4), c.chain_id(), s);
    return s;
  };
  Hash32 fake;
  fake.fill(0xfa);
  // E5: a seal off my chain at 1 and one on my chain at 3; the path is my headers 3, 2.
  c.Deliver(1, Received{4, seal(1, fake)});
  c.Deliver(1, Received{4, seal(3, blocks[2].id)});
  ASSERT_EQ(c.node(1).app->evidence.size(), 1u);
  EXPECT_EQ(c.node(1).app->evidence[0].kind, static_cast<std::uint8_t>(chain::EvidenceKind::kSealFork));
  EXPECT_TRUE(VerifyEvidence(c.node(1).app->evidence[0], c.chain_id(), c.genesis().config).ok());
  // E4 on another member's machine: two seals at height 2.
  c.Deliver(2, Received{4, seal(2, blocks[1].id)});
  c.Deliver(2, Received{4, seal(2, fake)});
  ASSERT_EQ(c.node(2).app->evidence.size(), 1u);
  EXPECT_EQ(c.node(2).app->evidence[0].kind, static_cast<std::uint8_t>(chain::EvidenceKind::kDoubleSeal));
}

TEST(Evidence, PromiseBreakIsDetectedFromARoundChangeAndALowerVote) {
  Cluster c(4);
  c.drop = [](chain::MemberId, chain::MemberId, const PeerMessage&) { return true; };  // hand delivery only
  c.Deliver(2, Tick{});
  chain::RoundChange rc;
  rc.h = 1; rc.r = 2; rc.signer = 3;
  chain::SignWith(testing::KeyOf(3), c.chain_id(), rc);
  chain::Vote v;
  v.h = 1; v.r = 1; v.block_id.fill(0x31); v.signer = 3;
  chain::SignWith(testing::KeyOf(3), c.chain_id(), v);
  c.Deliver(2, Received{3, rc});
  c.Deliver(2, Received{3, v});
  ASSERT_EQ(c.node(2).app->evidence.size(), 1u);
  EXPECT_EQ(c.node(2).app->evidence[0].kind, static_cast<std::uint8_t>(chain::EvidenceKind::kPromiseBreak));
}

TEST(Evidence, UnjustifiedReproposalIsBadProposalEvidence) {
  Cluster c(4);
  c.drop = [](chain::MemberId, chain::MemberId, const PeerMessage&) { return true; };
  c.Deliver(3, Tick{});
  // proposer(1, 1) = 2 proposes at round 1 with an empty justification.
  chain::Proposal p;
  p.block.header.height = 1;
  p.core.h = 1; p.core.r = 1; p.core.signer = 2;
  p.core.block_id = chain::BlockId(p.block.header);
  p.core.justification_hash = chain::JustificationHash({});
  chain::SignWith(testing::KeyOf(2), c.chain_id(), p.core);
  c.Deliver(3, Received{2, p});
  ASSERT_EQ(c.node(3).app->evidence.size(), 1u);
  EXPECT_EQ(c.node(3).app->evidence[0].kind, static_cast<std::uint8_t>(chain::EvidenceKind::kBadProposal));
  EXPECT_FALSE(c.node(3).app->signer.last_vote.has_value());
}

TEST(Alerts, MajorityForABlockIRejectRaisesA1bAndIsNeverSealed) {
  Cluster c(4);
  c.node(4).app->reject = "C6: state_root does not match re-execution";
  c.RunUntil(c.now() + 3000, [&] { return c.node(1).app->head() >= 1; });
  ASSERT_GE(c.node(1).app->head(), 1u);
  c.RunUntil(c.now() + 200);
  EXPECT_TRUE(testing::HasAlert(c.node(4).log, AlertKind::kMajorityRejected));
  EXPECT_EQ(c.node(4).app->head(), 0u);
  EXPECT_EQ(c.node(4).app->signer.seal_h, 0u);
  for (const Alert& a : c.node(4).machine->View().alerts) {
    if (a.kind == AlertKind::kMajorityRejected) {
      EXPECT_NE(a.detail.find("C6"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace peerdb::consensus
