// CandidateSet: block bodies at the height being decided, each with the highest-round proposal
// that carried it, bounded in number.
#include "peerdb/consensus/internal/candidate_set.h"

#include <gtest/gtest.h>

namespace peerdb::consensus {
namespace {

chain::Proposal ProposalOf(std::uint64_t timestamp, std::uint32_t round) {
  chain::Proposal p;
  p.block.header.height = 3;
  p.block.header.timestamp_ms = timestamp;  // a different block per timestamp
  p.core.h = 3;
  p.core.r = round;
  p.core.block_id = chain::BlockId(p.block.header);
  p.core.signer = round + 1;
  return p;
}

TEST(CandidateSet, KeepsABodyWithItsProposalUnchecked) {
  CandidateSet set;
  const chain::Proposal p = ProposalOf(100, 0);
  ASSERT_TRUE(set.Keep(p.core.block_id, p));
  EXPECT_TRUE(set.Contains(p.core.block_id));
  Candidate* c = set.Find(p.core.block_id);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->block, p.block);
  EXPECT_EQ(c->check, Candidate::Check::kUnchecked);
  ASSERT_NE(set.ProposalFor(p.core.block_id), nullptr);
  EXPECT_EQ(*set.ProposalFor(p.core.block_id), p);
}

TEST(CandidateSet, KeepsTheHighestRoundProposalForABody) {
  CandidateSet set;
  const chain::Proposal r1 = ProposalOf(100, 1);
  const Hash32 id = r1.core.block_id;
  ASSERT_TRUE(set.Keep(id, r1));
  ASSERT_TRUE(set.Keep(id, ProposalOf(100, 0)));  // a lower round: the body is there, the proposal stays
  EXPECT_EQ(set.ProposalFor(id)->core.r, 1u);
  ASSERT_TRUE(set.Keep(id, ProposalOf(100, 2)));
  EXPECT_EQ(set.ProposalFor(id)->core.r, 2u);
  EXPECT_EQ(set.size(), 1u);
}

TEST(CandidateSet, CheckResultStaysWithTheBody) {
  CandidateSet set;
  const chain::Proposal p = ProposalOf(100, 0);
  ASSERT_TRUE(set.Keep(p.core.block_id, p));
  set.Find(p.core.block_id)->check = Candidate::Check::kRejected;
  ASSERT_TRUE(set.Keep(p.core.block_id, ProposalOf(100, 1)));
  EXPECT_EQ(set.Find(p.core.block_id)->check, Candidate::Check::kRejected);
}

TEST(CandidateSet, RefusesNewBodiesBeyondTheBound) {
  CandidateSet set;
  for (std::uint64_t t = 0; t < CandidateSet::kMaxCandidates; ++t) {
    const chain::Proposal p = ProposalOf(t, 0);
    ASSERT_TRUE(set.Keep(p.core.block_id, p));
  }
  const chain::Proposal extra = ProposalOf(999, 0);
  EXPECT_FALSE(set.Keep(extra.core.block_id, extra));
  EXPECT_FALSE(set.Contains(extra.core.block_id));
  EXPECT_EQ(set.size(), CandidateSet::kMaxCandidates);
  // A body already held still takes a later round's proposal.
  const chain::Proposal again = ProposalOf(0, 3);
  EXPECT_TRUE(set.Keep(again.core.block_id, again));
  EXPECT_EQ(set.ProposalFor(again.core.block_id)->core.r, 3u);
}

TEST(CandidateSet, UnknownIdsAndClear) {
  CandidateSet set;
  const chain::Proposal p = ProposalOf(100, 0);
  EXPECT_EQ(set.Find(p.core.block_id), nullptr);
  EXPECT_EQ(set.ProposalFor(p.core.block_id), nullptr);
  ASSERT_TRUE(set.Keep(p.core.block_id, p));
  set.Clear();
  EXPECT_FALSE(set.Contains(p.core.block_id));
  EXPECT_EQ(set.size(), 0u);
}

}  // namespace
}  // namespace peerdb::consensus
