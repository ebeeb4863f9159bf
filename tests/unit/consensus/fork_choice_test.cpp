// Fork choice (§4.1): endorsers (seals on c or a descendant), then votes in one round, then the
// lowest id; excluded members count nowhere; chain length does not matter (I12).
#include <gtest/gtest.h>

#include "peerdb/consensus/fork_choice.h"

namespace peerdb::consensus {
namespace {

Hash32 Id(std::uint8_t b) { Hash32 h; h.fill(b); return h; }

TEST(ForkChoice, FollowsTheOnlyChain) {
  ForkChoice fc(Id(0), 0);
  ASSERT_TRUE(fc.AddBlock(Id(1), Id(0)));
  ASSERT_TRUE(fc.AddBlock(Id(2), Id(1)));
  EXPECT_EQ(fc.Head(), Id(2));
  EXPECT_TRUE(fc.Extends(Id(2), Id(0)));
  EXPECT_FALSE(fc.Extends(Id(1), Id(2)));
  EXPECT_FALSE(fc.AddBlock(Id(9), Id(8)));  // unknown parent
}

TEST(ForkChoice, PrefersMoreEndorsersCountingSealsOnDescendants) {
  ForkChoice fc(Id(0), 0);
  fc.AddBlock(Id(0xa1), Id(0));  // branch A
  fc.AddBlock(Id(0xb1), Id(0));  // branch B
  fc.AddBlock(Id(0xb2), Id(0xb1));
  fc.AddSeal(Id(0xa1), 1);
  fc.AddSeal(Id(0xa1), 2);
  fc.AddSeal(Id(0xb2), 3);  // B's endorsers come from its descendant
  fc.AddSeal(Id(0xb2), 4);
  fc.AddSeal(Id(0xb1), 5);
  EXPECT_EQ(fc.Endorsers(Id(0xb1)), 3u);
  EXPECT_EQ(fc.Head(), Id(0xb2));
}

TEST(ForkChoice, ExcludedDoubleSignersCountNowhere) {
  ForkChoice fc(Id(0), 0);
  fc.AddBlock(Id(0xa1), Id(0));
  fc.AddBlock(Id(0xb1), Id(0));
  fc.AddSeal(Id(0xa1), 1);
  fc.AddSeal(Id(0xa1), 2);
  fc.AddSeal(Id(0xb1), 3);
  EXPECT_EQ(fc.Head(), Id(0xa1));  // 2 endorsers against 1
  fc.SetExcluded({1, 2});          // evidence showed 1 and 2 double-signed
  EXPECT_EQ(fc.Endorsers(Id(0xa1)), 0u);
  EXPECT_EQ(fc.Endorsers(Id(0xb1)), 1u);
  EXPECT_EQ(fc.Head(), Id(0xb1));
}

TEST(ForkChoice, VotesInOneRoundBreakAnEndorserTie) {
  ForkChoice fc(Id(0), 0);
  fc.AddBlock(Id(0xa1), Id(0));
  fc.AddBlock(Id(0xb1), Id(0));
  fc.AddVotes(Id(0xa1), 0, {1, 2});
  fc.AddVotes(Id(0xa1), 1, {3});       // votes are not summed across rounds
  fc.AddVotes(Id(0xb1), 0, {1, 2, 4});
  EXPECT_EQ(fc.Votes(Id(0xa1)), 2u);
  EXPECT_EQ(fc.Votes(Id(0xb1)), 3u);
  EXPECT_EQ(fc.Head(), Id(0xb1));
}

TEST(ForkChoice, LowestIdBreaksAFullTie) {
  ForkChoice fc(Id(0), 0);
  fc.AddBlock(Id(0xb1), Id(0));
  fc.AddBlock(Id(0xa1), Id(0));
  EXPECT_EQ(fc.Head(), Id(0xa1));
}

TEST(ForkChoice, ALongerBranchWithFewerEndorsersLoses) {
  ForkChoice fc(Id(0), 0);
  fc.AddBlock(Id(0xa1), Id(0));
  fc.AddSeal(Id(0xa1), 1);
  fc.AddSeal(Id(0xa1), 2);
  fc.AddSeal(Id(0xa1), 3);
  Hash32 parent = Id(0);
  for (std::uint8_t i = 0; i < 20; ++i) {  // 20 blocks sealed by the same two members
    fc.AddBlock(Id(0xc0 + i), parent);
    fc.AddSeal(Id(0xc0 + i), 4);
    fc.AddSeal(Id(0xc0 + i), 5);
    parent = Id(0xc0 + i);
  }
  EXPECT_EQ(fc.Head(), Id(0xa1));
}

}  // namespace
}  // namespace peerdb::consensus
