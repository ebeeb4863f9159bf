// MemberTable: per-member status, A7 deferred turns, and the head claims catch-up asks by.
#include "peerdb/consensus/internal/member_table.h"

#include <gtest/gtest.h>

#include "consensus_fixture.h"

namespace peerdb::consensus {
namespace {

// Members 1..n; this member is 1.
MemberTable TableOf(std::size_t n, chain::MemberId self = 1) {
  return MemberTable(testing::MakeTestGenesis(n).config, self);
}

TEST(MemberTable, HasAnEntryPerMemberAndOnlyThose) {
  MemberTable t = TableOf(4);
  EXPECT_EQ(t.all().size(), 4u);
  EXPECT_TRUE(t.Contains(4));
  EXPECT_FALSE(t.Contains(5));
  EXPECT_FALSE(t.SetConnected(5, true));
  EXPECT_FALSE(t.Contains(5));
}

TEST(MemberTable, ConnectedPeersLeaveOutSelf) {
  MemberTable t = TableOf(4);
  EXPECT_EQ(t.ConnectedPeers(), 0u);
  EXPECT_TRUE(t.SetConnected(1, true));
  EXPECT_TRUE(t.SetConnected(2, true));
  EXPECT_TRUE(t.SetConnected(3, true));
  EXPECT_EQ(t.ConnectedPeers(), 2u);
  EXPECT_TRUE(t.SetConnected(3, false));
  EXPECT_EQ(t.ConnectedPeers(), 1u);
  EXPECT_TRUE(t.at(2).connected);
}

TEST(MemberTable, LastSealedKeepsTheHighestAndLastSeenTheLatest) {
  MemberTable t = TableOf(4);
  t.NoteSealed(2, 7);
  t.NoteSealed(2, 5);
  EXPECT_EQ(t.at(2).last_sealed, 7u);
  t.NoteSeen(3, 100);
  t.NoteSeen(3, 250);
  EXPECT_EQ(t.at(3).last_seen_ms, 250u);
}

TEST(MemberTable, DeferredTurnsCountOncePerHeightAndRestartWhenOnTime) {
  MemberTable t = TableOf(4);
  EXPECT_EQ(t.NoteDeferred(2, 5), 1u);
  EXPECT_EQ(t.NoteDeferred(2, 5), 0u);  // the same turn
  EXPECT_EQ(t.NoteDeferred(2, 6), 2u);
  EXPECT_EQ(t.NoteDeferred(2, 7), 3u);
  EXPECT_FALSE(t.NoteOnTime(2, 7));     // this turn was deferred: it still counts
  EXPECT_EQ(t.at(2).deferred_turns, 3u);
  EXPECT_TRUE(t.NoteOnTime(2, 8));
  EXPECT_EQ(t.NoteDeferred(2, 9), 1u);
  EXPECT_EQ(t.at(3).deferred_turns, 0u);  // per proposer
}

TEST(MemberTable, HeadClaimsOfPeersRaiseTheKnownHead) {
  MemberTable t = TableOf(4);
  t.NoteHead(2, 10);
  t.NoteHead(2, 8);  // lower: the claim stays
  EXPECT_EQ(t.at(2).head_h, 10u);
  EXPECT_EQ(t.known_peer_head(), 10u);
  t.NoteHead(1, 50);  // self
  t.NoteHead(9, 60);  // not a member
  EXPECT_EQ(t.known_peer_head(), 10u);
  EXPECT_EQ(t.at(1).head_h, 0u);
}

TEST(MemberTable, EmptyAnswerSkipsThePeerForThatHeightUntilItClaimsMore) {
  MemberTable t = TableOf(4);
  t.NoteHead(2, 12);
  t.NoteHead(3, 9);
  t.NoteEmptyAnswer(2, /*head=*/5, /*want=*/6, /*my_head=*/5);
  EXPECT_EQ(t.at(2).head_h, 5u);
  EXPECT_EQ(t.at(2).sync_empty_for, 6u);
  EXPECT_EQ(t.known_peer_head(), 9u);  // recomputed without member 2
  t.NoteEmptyAnswer(3, 5, 6, 5);
  EXPECT_EQ(t.known_peer_head(), 5u);  // nobody claims more than my head
  t.NoteHead(2, 7);                    // it moved on
  EXPECT_EQ(t.at(2).sync_empty_for, 0u);
  EXPECT_EQ(t.known_peer_head(), 7u);
}

TEST(MemberTable, SyncAsksAConnectedPeerHoldingTheHeightFirst) {
  MemberTable t = TableOf(5);
  for (chain::MemberId m : {2u, 3u, 4u, 5u}) t.SetConnected(m, true);
  t.NoteHead(4, 10);
  EXPECT_EQ(t.PickSyncPeer(/*want=*/6, /*hint=*/3, /*last_asked=*/0), 4u);
  t.SetConnected(4, false);  // a claim counts only from a connected peer
  EXPECT_EQ(t.PickSyncPeer(6, 3, 0), 3u);  // then the hint
  EXPECT_EQ(t.PickSyncPeer(6, 0, 0), 2u);  // then any connected peer, rotating from the start
  EXPECT_EQ(t.PickSyncPeer(6, 0, 2), 3u);  // ... after the one asked last
  EXPECT_EQ(t.PickSyncPeer(6, 0, 5), 2u);  // ... wrapping around
}

TEST(MemberTable, SyncSkipsPeersThatHadNothingAndNeverStaysStuck) {
  MemberTable t = TableOf(3);
  t.SetConnected(2, true);
  t.SetConnected(3, true);
  t.NoteEmptyAnswer(2, 5, 6, 5);
  EXPECT_EQ(t.PickSyncPeer(6, /*hint=*/2, 0), 3u);  // the hint answered nothing for 6 either
  EXPECT_EQ(t.PickSyncPeer(7, 2, 0), 2u);           // a later height: it is asked again
  t.NoteEmptyAnswer(3, 5, 6, 5);
  EXPECT_EQ(t.PickSyncPeer(6, 0, 2), 3u);  // everyone had nothing: the rotation starts over
}

TEST(MemberTable, SyncWithNoPeerConnectedOrNoneAtAll) {
  MemberTable t = TableOf(3);
  EXPECT_EQ(t.PickSyncPeer(2, 0, 0), 2u);  // no one connected: the next in rotation
  MemberTable alone = TableOf(1);
  EXPECT_EQ(alone.PickSyncPeer(2, 0, 0), 0u);
}

}  // namespace
}  // namespace peerdb::consensus
