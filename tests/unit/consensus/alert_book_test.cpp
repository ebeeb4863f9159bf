// AlertBook: one active alert per (kind, member); Raise and Clear report only changes, which the
// machine turns into AlertRaised / AlertCleared actions.
#include "peerdb/consensus/internal/alert_book.h"

#include <gtest/gtest.h>

namespace peerdb::consensus {
namespace {

TEST(AlertBook, FirstRaiseReturnsTheAlertWithItsFields) {
  AlertBook book;
  auto a = book.Raise(AlertKind::kSilentMember, 3, 5, 9, 1234, "member 3 has not sealed");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->kind, AlertKind::kSilentMember);
  EXPECT_EQ(a->members, std::vector<chain::MemberId>{3});
  EXPECT_EQ(a->from_height, 5u);
  EXPECT_EQ(a->to_height, 9u);
  EXPECT_EQ(a->since_ms, 1234u);
  EXPECT_EQ(a->detail, "member 3 has not sealed");
  EXPECT_TRUE(book.Has(AlertKind::kSilentMember, 3));
  EXPECT_EQ(book.size(), 1u);
}

TEST(AlertBook, RaisingAnActiveAlertWidensItsHeightsAndUpdatesItsDetailSilently) {
  AlertBook book;
  ASSERT_TRUE(book.Raise(AlertKind::kSilentMember, 3, 5, 9, 1000, "first"));
  EXPECT_FALSE(book.Raise(AlertKind::kSilentMember, 3, 4, 12, 2000, "second").has_value());
  EXPECT_FALSE(book.Raise(AlertKind::kSilentMember, 3, 6, 7, 3000, "third").has_value());
  const std::vector<Alert> active = book.Active();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].from_height, 4u);
  EXPECT_EQ(active[0].to_height, 12u);
  EXPECT_EQ(active[0].since_ms, 1000u);  // when it was first raised
  EXPECT_EQ(active[0].detail, "third") << "a display shows the cause as it is now";
}

TEST(AlertBook, AnAlertNamesTheMembersInvolvedAsTheyAreNow) {
  AlertBook book;
  auto a = book.Raise(AlertKind::kPartitioned, 1, 2, 2, 0, "cannot reach 2", {2});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->members, (std::vector<chain::MemberId>{2}));
  EXPECT_FALSE(book.Raise(AlertKind::kPartitioned, 1, 2, 2, 10, "cannot reach 2, 3", {2, 3}).has_value());
  EXPECT_EQ(book.Active()[0].members, (std::vector<chain::MemberId>{2, 3}));
}

TEST(AlertBook, AlertAboutNoOneListsNoMember) {
  AlertBook book;
  auto a = book.Raise(AlertKind::kPartitioned, 0, 2, 2, 0, "alone");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->members.empty());
}

TEST(AlertBook, KindsAndMembersAreSeparateAlerts) {
  AlertBook book;
  EXPECT_TRUE(book.Raise(AlertKind::kEquivocation, 2, 1, 1, 0, "").has_value());
  EXPECT_TRUE(book.Raise(AlertKind::kEquivocation, 4, 1, 1, 0, "").has_value());
  EXPECT_TRUE(book.Raise(AlertKind::kSilentMember, 2, 1, 1, 0, "").has_value());
  EXPECT_EQ(book.size(), 3u);
  EXPECT_FALSE(book.Has(AlertKind::kSilentMember, 4));
}

TEST(AlertBook, ClearReturnsTheActiveAlertOnce) {
  AlertBook book;
  ASSERT_TRUE(book.Raise(AlertKind::kClockSkew, 2, 7, 7, 50, "skew"));
  auto cleared = book.Clear(AlertKind::kClockSkew, 2);
  ASSERT_TRUE(cleared.has_value());
  EXPECT_EQ(cleared->detail, "skew");
  EXPECT_FALSE(book.Has(AlertKind::kClockSkew, 2));
  EXPECT_FALSE(book.Clear(AlertKind::kClockSkew, 2).has_value());  // nothing active: no action
  // Raised again after clearing, it is a new alert.
  EXPECT_TRUE(book.Raise(AlertKind::kClockSkew, 2, 9, 9, 80, "again").has_value());
}

TEST(AlertBook, ClearingAnotherMemberLeavesTheAlert) {
  AlertBook book;
  ASSERT_TRUE(book.Raise(AlertKind::kSilentMember, 3, 1, 2, 0, ""));
  EXPECT_FALSE(book.Clear(AlertKind::kSilentMember, 4).has_value());
  EXPECT_FALSE(book.Clear(AlertKind::kEquivocation, 3).has_value());
  EXPECT_TRUE(book.Has(AlertKind::kSilentMember, 3));
}

TEST(AlertBook, ActiveIsOrderedByKindThenMember) {
  AlertBook book;
  book.Raise(AlertKind::kSilentMember, 4, 1, 1, 0, "");
  book.Raise(AlertKind::kEquivocation, 3, 1, 1, 0, "");
  book.Raise(AlertKind::kSilentMember, 2, 1, 1, 0, "");
  const std::vector<Alert> active = book.Active();
  ASSERT_EQ(active.size(), 3u);
  EXPECT_EQ(active[0].kind, AlertKind::kEquivocation);
  EXPECT_EQ(active[1].members, std::vector<chain::MemberId>{2});
  EXPECT_EQ(active[2].members, std::vector<chain::MemberId>{4});
}

}  // namespace
}  // namespace peerdb::consensus
