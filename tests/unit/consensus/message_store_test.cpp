// MessageStore: the first message per signer (and round) stays and a conflicting one is handed
// back (E1/E2/E4), counting answers, promise breaks found both ways (E3), seal scans and pruning.
#include "peerdb/consensus/internal/message_store.h"

#include <gtest/gtest.h>

namespace peerdb::consensus {
namespace {

Hash32 Id(std::uint8_t b) {
  Hash32 h{};
  h.fill(b);
  return h;
}

chain::Vote VoteOf(chain::MemberId signer, std::uint64_t h, std::uint32_t r, std::uint8_t block) {
  chain::Vote v;
  v.h = h;
  v.r = r;
  v.block_id = Id(block);
  v.signer = signer;
  v.sig.fill(static_cast<std::uint8_t>(signer));
  return v;
}

chain::RoundChange RcOf(chain::MemberId signer, std::uint64_t h, std::uint32_t r,
                        std::optional<std::uint32_t> last_vote_round = std::nullopt) {
  chain::RoundChange rc;
  rc.h = h;
  rc.r = r;
  rc.signer = signer;
  if (last_vote_round) rc.last_vote = chain::LastVote{VoteOf(signer, h, *last_vote_round, 0xaa), {}};
  return rc;
}

chain::Seal SealOf(chain::MemberId signer, std::uint64_t h, std::uint8_t block) {
  chain::Seal s;
  s.h = h;
  s.block_id = Id(block);
  s.signer = signer;
  return s;
}

TEST(MessageStore, FirstVoteStaysAndAConflictingOneIsHandedBack) {
  MessageStore store;
  EXPECT_EQ(store.AddVote(VoteOf(2, 5, 0, 0x11)), nullptr);
  const chain::Vote* first = store.AddVote(VoteOf(2, 5, 0, 0x22));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->block_id, Id(0x11));
  EXPECT_NE(store.AddVote(VoteOf(2, 5, 0, 0x11)), nullptr);  // a duplicate is not stored twice
  EXPECT_EQ(store.AddVote(VoteOf(2, 5, 1, 0x22)), nullptr);  // another round is another slot
  EXPECT_EQ(store.AddVote(VoteOf(3, 5, 0, 0x22)), nullptr);
}

TEST(MessageStore, CoresRoundChangesAndSealsKeepTheFirstToo) {
  MessageStore store;
  chain::ProposalCore a;
  a.h = 5;
  a.r = 1;
  a.signer = 2;
  a.block_id = Id(1);
  chain::ProposalCore b = a;
  b.block_id = Id(2);
  EXPECT_EQ(store.AddCore(a), nullptr);
  ASSERT_NE(store.AddCore(b), nullptr);
  EXPECT_EQ(store.FindCore(5, 1, 2)->block_id, Id(1));
  EXPECT_EQ(store.FindCore(5, 0, 2), nullptr);

  EXPECT_EQ(store.AddRoundChange(RcOf(3, 5, 1)), nullptr);
  EXPECT_NE(store.AddRoundChange(RcOf(3, 5, 1, 0)), nullptr);
  EXPECT_FALSE(store.FindRoundChange(5, 1, 3)->last_vote.has_value());

  EXPECT_EQ(store.AddSeal(SealOf(4, 5, 0x11)), nullptr);
  const chain::Seal* first = store.AddSeal(SealOf(4, 5, 0x22));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->block_id, Id(0x11));
  ASSERT_NE(store.SealsAt(5), nullptr);
  EXPECT_EQ(store.SealsAt(5)->size(), 1u);
}

TEST(MessageStore, VotesForCountsMatchingNonExcludedVotesSortedBySigner) {
  MessageStore store;
  for (chain::MemberId s : {4u, 1u, 3u}) store.AddVote(VoteOf(s, 5, 0, 0x11));
  store.AddVote(VoteOf(2, 5, 0, 0x22));
  store.AddVote(VoteOf(5, 5, 1, 0x11));  // another round
  const std::vector<chain::SigEntry> votes = store.VotesFor(5, 0, Id(0x11), /*excluded=*/{3});
  ASSERT_EQ(votes.size(), 2u);
  EXPECT_EQ(votes[0].signer, 1u);
  EXPECT_EQ(votes[1].signer, 4u);
  EXPECT_EQ(votes[1].sig, VoteOf(4, 5, 0, 0x11).sig);
  EXPECT_TRUE(store.VotesFor(5, 2, Id(0x11), {}).empty());
  EXPECT_TRUE(store.VotesFor(6, 0, Id(0x11), {}).empty());
}

TEST(MessageStore, VotedBlocksAreDistinctInRoundThenIdOrder) {
  MessageStore store;
  store.AddVote(VoteOf(1, 5, 1, 0x22));
  store.AddVote(VoteOf(2, 5, 0, 0x33));
  store.AddVote(VoteOf(3, 5, 0, 0x11));
  store.AddVote(VoteOf(4, 5, 0, 0x33));
  store.AddVote(VoteOf(4, 6, 0, 0x44));  // another height
  const std::vector<std::pair<std::uint32_t, Hash32>> want{{0, Id(0x11)}, {0, Id(0x33)}, {1, Id(0x22)}};
  EXPECT_EQ(store.VotedBlocks(5), want);
  EXPECT_TRUE(store.VotedBlocks(7).empty());
}

TEST(MessageStore, PromisesCountPerRoundAndAbove) {
  MessageStore store;
  store.AddRoundChange(RcOf(1, 5, 1));
  store.AddRoundChange(RcOf(2, 5, 2));
  store.AddRoundChange(RcOf(3, 5, 2));
  store.AddRoundChange(RcOf(4, 5, 3));
  EXPECT_EQ(store.PromisedAtLeast(5, 2), (std::set<chain::MemberId>{2, 3, 4}));
  EXPECT_EQ(store.PromisedAtLeast(5, 4), std::set<chain::MemberId>{});
  ASSERT_NE(store.RoundChangesAt(5, 2), nullptr);
  EXPECT_EQ(store.RoundChangesAt(5, 2)->size(), 2u);
  EXPECT_EQ(store.RoundChangesAt(5, 4), nullptr);
  // advance_to: the highest round above mine with `need` non-excluded round changes.
  EXPECT_EQ(store.HighestRoundWith(5, /*above=*/0, /*need=*/2, {}), 2u);
  EXPECT_EQ(store.HighestRoundWith(5, 0, 1, {}), 3u);
  EXPECT_EQ(store.HighestRoundWith(5, 3, 1, {}), 0u);
  EXPECT_EQ(store.HighestRoundWith(5, 0, 2, /*excluded=*/{3}), 0u);
}

TEST(MessageStore, RoundChangeHidingAVoteIsAPromiseBreak) {
  MessageStore store;
  store.AddRoundChange(RcOf(2, 5, 1, /*last_vote_round=*/0));  // reports an earlier vote: fine
  store.AddRoundChange(RcOf(2, 5, 3));                         // reports nothing
  store.AddRoundChange(RcOf(3, 5, 3));                         // another signer
  const chain::Vote v = VoteOf(2, 5, 2, 0x11);
  const chain::RoundChange* rc = store.RoundChangeHiding(v);
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(rc->r, 3u);
  // Rejecting cases: the round change reports the vote's round, or is not above it.
  MessageStore honest;
  honest.AddRoundChange(RcOf(2, 5, 3, /*last_vote_round=*/2));
  honest.AddRoundChange(RcOf(2, 5, 2));
  EXPECT_EQ(honest.RoundChangeHiding(v), nullptr);
  EXPECT_EQ(store.RoundChangeHiding(VoteOf(2, 5, 3, 0x11)), nullptr);
  EXPECT_EQ(store.RoundChangeHiding(VoteOf(2, 6, 0, 0x11)), nullptr);
}

TEST(MessageStore, VoteHiddenByARoundChangeIsFoundTheOtherWayRound) {
  MessageStore store;
  store.AddVote(VoteOf(2, 5, 0, 0x11));
  store.AddVote(VoteOf(2, 5, 2, 0x22));
  store.AddVote(VoteOf(3, 5, 1, 0x33));
  const chain::Vote* v = store.VoteHiddenBy(RcOf(2, 5, 3, /*last_vote_round=*/1));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->r, 2u);
  v = store.VoteHiddenBy(RcOf(2, 5, 3));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->r, 0u);  // the lowest hidden vote
  EXPECT_EQ(store.VoteHiddenBy(RcOf(2, 5, 3, /*last_vote_round=*/2)), nullptr);
  EXPECT_EQ(store.VoteHiddenBy(RcOf(2, 5, 2, /*last_vote_round=*/0)), nullptr);  // round 2 is not below 2
  EXPECT_EQ(store.VoteHiddenBy(RcOf(4, 5, 3)), nullptr);
}

TEST(MessageStore, SealScansComeInHeightThenSignerOrder) {
  MessageStore store;
  store.AddSeal(SealOf(3, 7, 0x77));
  store.AddSeal(SealOf(2, 5, 0x55));
  store.AddSeal(SealOf(3, 5, 0x55));
  store.AddSeal(SealOf(2, 6, 0x66));
  const std::vector<const chain::Seal*> by = store.SealsBy(2);
  ASSERT_EQ(by.size(), 2u);
  EXPECT_EQ(by[0]->h, 5u);
  EXPECT_EQ(by[1]->h, 6u);
  const std::vector<const chain::Seal*> from = store.SealsFrom(6);
  ASSERT_EQ(from.size(), 2u);
  EXPECT_EQ(from[0]->signer, 2u);
  EXPECT_EQ(from[1]->h, 7u);
  EXPECT_EQ(store.SealsFrom(5).size(), 4u);
  EXPECT_TRUE(store.SealsBy(4).empty());
}

TEST(MessageStore, PruningForgetsLowerHeights) {
  MessageStore store;
  EXPECT_EQ(store.OldestHeight(/*if_none=*/42), 42u);
  store.AddVote(VoteOf(2, 3, 0, 0x11));
  store.AddSeal(SealOf(2, 5, 0x55));
  store.AddVote(VoteOf(2, 6, 0, 0x66));
  EXPECT_EQ(store.OldestHeight(42), 3u);
  store.PruneBelow(5);
  EXPECT_EQ(store.OldestHeight(42), 5u);
  EXPECT_TRUE(store.VotedBlocks(3).empty());
  EXPECT_EQ(store.SealsAt(5)->size(), 1u);
  EXPECT_EQ(store.AddVote(VoteOf(2, 3, 0, 0x22)), nullptr);  // forgotten: nothing to conflict with
  store.PruneBelow(100);
  EXPECT_EQ(store.OldestHeight(42), 42u);
}

}  // namespace
}  // namespace peerdb::consensus
