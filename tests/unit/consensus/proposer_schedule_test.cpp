// Proposer schedule (§2.1): rotation by height and round, base after the parent's author, and
// excluded members skipped.
#include <gtest/gtest.h>

#include "consensus_fixture.h"
#include "peerdb/consensus/proposer_schedule.h"

namespace peerdb::consensus {
namespace {

TEST(ProposerSchedule, HeightOneStartsAtTheFirstMemberAndRoundsRotate) {
  const std::vector<chain::MemberId> a = {1, 2, 3, 4};
  EXPECT_EQ(ProposerOf(a, std::nullopt, 0), 1u);
  EXPECT_EQ(ProposerOf(a, std::nullopt, 1), 2u);
  EXPECT_EQ(ProposerOf(a, std::nullopt, 4), 1u);
}

TEST(ProposerSchedule, NextHeightStartsAfterTheParentsAuthorAndWraps) {
  const std::vector<chain::MemberId> a = {1, 2, 3, 4};
  EXPECT_EQ(ProposerOf(a, 1, 0), 2u);
  EXPECT_EQ(ProposerOf(a, 3, 0), 4u);
  EXPECT_EQ(ProposerOf(a, 4, 0), 1u);
  EXPECT_EQ(ProposerOf(a, 4, 2), 3u);
}

TEST(ProposerSchedule, EachMemberGetsOneTurnPerRotation) {
  const std::vector<chain::MemberId> a = {2, 5, 9};
  std::optional<chain::MemberId> parent;
  std::vector<chain::MemberId> seen;
  for (int h = 0; h < 6; ++h) {
    const chain::MemberId p = ProposerOf(a, parent, 0);
    seen.push_back(p);
    parent = p;
  }
  EXPECT_EQ(seen, (std::vector<chain::MemberId>{2, 5, 9, 2, 5, 9}));
}

TEST(ProposerSchedule, ExcludedMembersAreSkipped) {
  const chain::Genesis g = testing::MakeTestGenesis(4);
  const auto active = ActiveMembers(g.config, {3});
  EXPECT_EQ(active, (std::vector<chain::MemberId>{1, 2, 4}));
  // Parent by 2: the next id above 2 in A is 4 (3 is excluded).
  EXPECT_EQ(ProposerOf(active, 2, 0), 4u);
  // Parent by the excluded 3 itself: still the first id above 3.
  EXPECT_EQ(ProposerOf(active, 3, 0), 4u);
  EXPECT_EQ(ProposerOf(active, 4, 1), 2u);
}

}  // namespace
}  // namespace peerdb::consensus
