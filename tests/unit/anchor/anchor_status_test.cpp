// The status heights confirmed anchors give (HeightsOf, over chain::HeightsFromAnchors) and the
// block ranges each fixes: the earliest covering anchor by (btc_height, digest) wins.
#include <gtest/gtest.h>

#include "peerdb/anchor/anchor_status.h"

namespace peerdb::anchor {
namespace {

TEST(FixedRanges, SplitsByEarliestCoveringAnchor) {
  auto anchor = [](std::uint64_t h, std::uint64_t btc, std::uint8_t tag) {
    CoveringAnchor a;
    a.height = h;
    a.btc_height = btc;
    a.unanimous = true;
    a.digest.fill(tag);
    return a;
  };
  const auto ranges = FixedRanges({anchor(10, 100, 1), anchor(20, 105, 2), anchor(15, 110, 3), anchor(30, 99, 4)}, 40);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].first, 1u);
  EXPECT_EQ(ranges[0].last, 30u);
  EXPECT_EQ(ranges[0].by->btc_height, 99u);
  EXPECT_FALSE(ranges[1].by.has_value());
  EXPECT_EQ(ranges[1].first, 31u);
  const auto split = FixedRanges({anchor(10, 100, 1), anchor(20, 105, 2), anchor(15, 110, 3)}, 20);
  ASSERT_EQ(split.size(), 2u);
  EXPECT_EQ(split[0].last, 10u);
  EXPECT_EQ(split[1].first, 11u);
  EXPECT_EQ(split[1].last, 20u);
  EXPECT_EQ(split[1].by->btc_height, 105u);
  EXPECT_TRUE(FixedRanges({}, 0).empty());
  EXPECT_EQ(HeightsOf({anchor(10, 100, 1), anchor(20, 105, 2)}), (chain::StatusHeights{20, 20}));
}

}  // namespace
}  // namespace peerdb::anchor
