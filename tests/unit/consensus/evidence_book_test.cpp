// EvidenceBook: evidence held per offender and the exclusion sets it implies (X_local at once,
// X_chain once recorded, the head's own part of X_chain for its certificate).
#include "peerdb/consensus/internal/evidence_book.h"

#include <gtest/gtest.h>

#include "consensus_fixture.h"

namespace peerdb::consensus {
namespace {

const Hash32 kChain = [] {
  Hash32 h{};
  h.fill(0x5a);
  return h;
}();

using Ids = std::vector<chain::MemberId>;

TEST(EvidenceBook, HeldEvidenceExcludesLocallyButNotFromTheChain) {
  EvidenceBook book;
  const chain::Evidence e = testing::DoubleVoteBy(3, kChain);
  EXPECT_FALSE(book.Holds(3));
  book.Add(3, e);
  EXPECT_TRUE(book.Holds(3));
  EXPECT_TRUE(book.IsExcluded(3));
  EXPECT_FALSE(book.IsChainExcluded(3));
  EXPECT_FALSE(book.IsExcluded(2));
  EXPECT_EQ(book.Excluded(), Ids{3});
  EXPECT_TRUE(book.ChainExcluded().empty());
  ASSERT_EQ(book.held().size(), 1u);
  EXPECT_EQ(book.held().at(3), e);
}

TEST(EvidenceBook, EvidenceIsGossipedUntilRecorded) {
  EvidenceBook book;
  EXPECT_FALSE(book.HasUnrecorded());
  book.Add(2, testing::DoubleVoteBy(2, kChain));
  book.Add(4, testing::DoubleVoteBy(4, kChain));
  ASSERT_EQ(book.Unrecorded().size(), 2u);
  EXPECT_TRUE(book.HasUnrecorded());
  book.NewHead();
  book.RecordedInHead(2);
  ASSERT_EQ(book.Unrecorded().size(), 1u);
  EXPECT_EQ(*book.Unrecorded()[0], testing::DoubleVoteBy(4, kChain));
  book.RecordedInHead(4);
  EXPECT_FALSE(book.HasUnrecorded());
  EXPECT_TRUE(book.Unrecorded().empty());
}

TEST(EvidenceBook, RecordedOffenderIsExcludedEvenWithoutItsEvidence) {
  EvidenceBook book;
  book.NewHead();
  book.RecordedInHead(5);  // the block's members checked it; this member may not hold it
  EXPECT_FALSE(book.Holds(5));
  EXPECT_TRUE(book.IsChainExcluded(5));
  EXPECT_TRUE(book.IsExcluded(5));
  EXPECT_EQ(book.chain_excluded(), (std::set<chain::MemberId>{5}));
  EXPECT_EQ(book.local_excluded(), (std::set<chain::MemberId>{5}));
}

TEST(EvidenceBook, ParentCertIsJudgedWithoutTheHeadsOwnRecords) {
  EvidenceBook book;
  book.NewHead();
  book.RecordedInHead(2);  // recorded in block 10
  EXPECT_EQ(book.ChainExcluded(), Ids{2});
  EXPECT_TRUE(book.ParentCertExcluded().empty());  // block 10's certificate did not exclude 2
  book.NewHead();
  book.RecordedInHead(4);  // recorded in block 11
  book.RecordedInHead(2);  // recorded again: not new in block 11
  EXPECT_EQ(book.ChainExcluded(), (Ids{2, 4}));
  EXPECT_EQ(book.ParentCertExcluded(), Ids{2});
  book.NewHead();  // block 12 records nothing
  EXPECT_EQ(book.ParentCertExcluded(), (Ids{2, 4}));
}

TEST(EvidenceBook, RestoreRebuildsTheChainSetsAfterARestart) {
  EvidenceBook book;
  book.Add(6, testing::DoubleVoteBy(6, kChain));
  book.RestoreChain({2, 4});
  book.RestoreInHead({4});
  EXPECT_EQ(book.ChainExcluded(), (Ids{2, 4}));
  EXPECT_EQ(book.Excluded(), (Ids{2, 4, 6}));  // X_chain is part of X_local
  EXPECT_EQ(book.ParentCertExcluded(), Ids{2});
  EXPECT_FALSE(book.IsChainExcluded(6));
}

}  // namespace
}  // namespace peerdb::consensus
