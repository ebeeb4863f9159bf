// Majority certificates that counted a member excluded afterwards (§5.2, §6.3 step 2): found by
// the long simulation run as F9; each test fails on the machine before its fix.
#include <gtest/gtest.h>

#include "consensus_fixture.h"
#include "peerdb/consensus/evidence.h"

namespace peerdb::consensus {
namespace {

using testing::Cluster;
using testing::DoubleVoteBy;

bool SentRoundChange(const std::vector<Action>& log, std::uint32_t r) {
  for (const Action& a : log) {
    const auto* b = std::get_if<Broadcast>(&a);
    if (b && std::holds_alternative<chain::RoundChange>(b->msg) && std::get<chain::RoundChange>(b->msg).r == r) return true;
  }
  return false;
}

TEST(Exclusion, UnsealedDecisionThatCountedTheOffenderIsDroppedAndTheMemberRejoinsTheRounds) {
  // Member 2 holds an MC {1, 3, 4} for a block it never received. Then evidence excludes 1: the MC
  // has 2 counted votes of MAJ = 3. Holding on to it, member 2 waited for a body that may never
  // come and sent no RoundChange, which the other honest members (exactly MAJ with it) needed.
  Cluster c(4);
  c.Crash(1);
  c.Crash(3);
  c.Crash(4);
  Hash32 block_id;
  block_id.fill(0x5a);
  for (chain::MemberId signer : {1u, 3u, 4u}) {
    chain::Vote v;
    v.h = 1;
    v.r = 0;
    v.block_id = block_id;
    v.signer = signer;
    chain::SignWith(testing::KeyOf(signer), c.chain_id(), v);
    c.Deliver(2, Received{signer, v});
  }
  ASSERT_TRUE(testing::HasAlert(c.node(2).log, AlertKind::kMajorityWithoutMe));
  c.node(2).log.clear();
  c.Deliver(2, Received{3, DoubleVoteBy(1, c.chain_id())});
  EXPECT_TRUE(testing::HasAlert(c.node(2).log, AlertKind::kEquivocation, 1));
  bool cleared = false;
  for (const Action& a : c.node(2).log) {
    const auto* ac = std::get_if<AlertCleared>(&a);
    cleared |= ac && ac->alert.kind == AlertKind::kMajorityWithoutMe;
  }
  EXPECT_TRUE(cleared);
  c.RunUntil(c.now() + 3000);
  EXPECT_TRUE(SentRoundChange(c.node(2).log, 1));
  EXPECT_EQ(c.node(2).app->head(), 0u);  // nothing was sealed on the strength of the old MC
}

TEST(Exclusion, EvidenceRecordedInAParentDoesNotVoidTheVotesThatDecidedIt) {
  // Block 1 records evidence against member 4 and was decided by votes {1, 2, 4}: 4 was not
  // excluded where the votes were counted (the evidence reaches 2, 3 and 4 only in block 1). Block 2 carries that MC as its parent_cert. Judged
  // under evidence recorded up to block 1 itself, the certificate had 2 counted votes, every
  // member rejected every block 2 and the chain stopped for good.
  Cluster c(4);
  c.node(1).app->evidence.push_back(DoubleVoteBy(4, c.chain_id()));
  c.Restart(1);
  c.drop = [&](chain::MemberId, chain::MemberId to, const PeerMessage& m) {
    if (std::holds_alternative<chain::Evidence>(m)) return true;  // only block 1's record tells them
    // Member 3 never sees block 1's proposal, so never votes at height 1: every MC of block 1 is
    // {1, 2, 4}, and 3 gets the block by catch-up.
    const auto* p = std::get_if<chain::Proposal>(&m);
    return p && p->core.h == 1 && to == 3;
  };
  c.RunUntil(c.now() + 30000, [&] { return c.AllAliveHeadsAtLeast(3); });
  ASSERT_GE(c.node(2).app->head(), 1u);
  const CommittedBlock& b1 = c.node(2).app->m_blocks[0];
  bool recorded = false;
  for (const auto& r : b1.block.records) recorded |= std::holds_alternative<chain::Evidence>(r.body);
  ASSERT_TRUE(recorded);
  bool four_voted = false;
  for (const chain::SigEntry& e : b1.cert.votes) four_voted |= e.signer == 4;
  ASSERT_TRUE(four_voted);
  for (chain::MemberId m = 1; m <= 3; ++m) EXPECT_GE(c.node(m).app->head(), 3u) << "member " << m;
}

}  // namespace
}  // namespace peerdb::consensus
