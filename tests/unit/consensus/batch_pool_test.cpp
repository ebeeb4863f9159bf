// BatchPool: which batches are held (first per (author, seq), committed seqs, limits), what a
// proposer takes, and what leaves the pool when blocks commit or Build drops batches.
#include "peerdb/consensus/internal/batch_pool.h"

#include <gtest/gtest.h>

#include "consensus_fixture.h"
#include "peerdb/codec/pce.h"

namespace peerdb::consensus {
namespace {

constexpr BatchPool::Limits kRoomy{100, 1u << 20, 10};
const Hash32 kPoolChain = [] {
  Hash32 h{};
  h.fill(0x5a);
  return h;
}();

chain::TxBatch Batch(chain::MemberId author, std::uint64_t seq, std::uint64_t valid_until = 1'000'000) {
  return testing::MakeSignedBatch(kPoolChain, author, seq, valid_until);
}

chain::Block BlockWith(std::vector<chain::TxBatch> batches) {
  chain::Block b;
  b.header.height = 1;
  b.batches = std::move(batches);
  return b;
}

std::vector<std::uint64_t> Seqs(const std::vector<chain::TxBatch>& batches) {
  std::vector<std::uint64_t> out;
  for (const chain::TxBatch& b : batches) out.push_back(b.author * 100 + b.seq);
  return out;
}

TEST(BatchPool, KeepsTheFirstBatchForAnAuthorAndSeq) {
  BatchPool pool(kRoomy);
  chain::TxBatch first = Batch(2, 1);
  chain::TxBatch other = Batch(2, 1);
  other.ops[0].key = "another";
  EXPECT_TRUE(pool.Add(first, /*local=*/false, 7));
  EXPECT_FALSE(pool.Add(other, false, 7));
  EXPECT_FALSE(pool.Add(first, false, 7));
  ASSERT_EQ(pool.entries().size(), 1u);
  const PoolEntry& e = pool.entries().begin()->second;
  EXPECT_EQ(e.batch, first);
  EXPECT_EQ(e.since_height, 7u);
  EXPECT_EQ(e.bytes, codec::Encode(first).size());
  EXPECT_EQ(pool.bytes(), e.bytes);
}

TEST(BatchPool, RefusesSeqsAtOrBelowTheCommittedOne) {
  BatchPool pool(kRoomy);
  pool.OnCommitted(BlockWith({Batch(2, 3)}));
  EXPECT_FALSE(pool.Add(Batch(2, 2), false, 1));
  EXPECT_FALSE(pool.Add(Batch(2, 3), false, 1));
  EXPECT_TRUE(pool.Add(Batch(2, 4), false, 1));
  EXPECT_TRUE(pool.Add(Batch(3, 1), false, 1));  // another author's seqs are its own
}

TEST(BatchPool, EnforcesItsLimits) {
  BatchPool per_author(BatchPool::Limits{100, 1u << 20, 2});
  EXPECT_TRUE(per_author.Add(Batch(2, 1), false, 1));
  EXPECT_TRUE(per_author.Add(Batch(2, 2), false, 1));
  EXPECT_FALSE(per_author.Add(Batch(2, 3), false, 1));
  EXPECT_TRUE(per_author.Add(Batch(3, 1), false, 1));

  BatchPool count(BatchPool::Limits{2, 1u << 20, 10});
  EXPECT_TRUE(count.Add(Batch(2, 1), false, 1));
  EXPECT_TRUE(count.Add(Batch(3, 1), false, 1));
  EXPECT_FALSE(count.Add(Batch(4, 1), false, 1));

  const std::size_t one = codec::Encode(Batch(2, 1)).size();
  BatchPool bytes(BatchPool::Limits{100, one + one / 2, 10});
  EXPECT_TRUE(bytes.Add(Batch(2, 1), false, 1));
  EXPECT_FALSE(bytes.Add(Batch(3, 1), false, 1));
  EXPECT_EQ(bytes.bytes(), one);
}

TEST(BatchPool, CommittingRemovesIncludedAndSupersededBatchesInKeyOrder) {
  BatchPool pool(kRoomy);
  ASSERT_TRUE(pool.Add(Batch(3, 1), /*local=*/true, 1));
  ASSERT_TRUE(pool.Add(Batch(2, 1), false, 1));
  ASSERT_TRUE(pool.Add(Batch(2, 2), false, 1));
  chain::TxBatch rival = Batch(3, 1);  // another batch with member 3's seq 1
  rival.ops[0].key = "rival";
  const std::vector<BatchPool::Removed> removed = pool.OnCommitted(BlockWith({Batch(2, 1), rival}));
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].entry.batch, Batch(2, 1));
  EXPECT_TRUE(removed[0].included);
  EXPECT_EQ(removed[1].entry.batch.author, 3u);
  EXPECT_TRUE(removed[1].entry.local);
  EXPECT_FALSE(removed[1].included);  // superseded, not included
  ASSERT_EQ(pool.entries().size(), 1u);
  EXPECT_EQ(pool.entries().begin()->first, (BatchPool::Key{2, 2}));
  EXPECT_EQ(pool.bytes(), codec::Encode(Batch(2, 2)).size());
}

TEST(BatchPool, RemovesOnlyTheExactBatchBuildDropped) {
  BatchPool pool(kRoomy);
  ASSERT_TRUE(pool.Add(Batch(2, 1), false, 1));
  ASSERT_TRUE(pool.Add(Batch(2, 2), false, 1));
  chain::TxBatch same_key = Batch(2, 2);
  same_key.ops[0].key = "not the one held";
  const std::vector<PoolEntry> removed = pool.RemoveDropped({same_key, Batch(2, 1), Batch(5, 5)});
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].batch, Batch(2, 1));
  ASSERT_EQ(pool.entries().size(), 1u);
  EXPECT_EQ(pool.entries().begin()->second.batch, Batch(2, 2));
}

TEST(BatchPool, CandidatesAreConsecutiveSeqsPerAuthorInIdOrder) {
  BatchPool pool(kRoomy);
  pool.OnCommitted(BlockWith({Batch(2, 1), Batch(3, 1)}));
  for (std::uint64_t s : {2, 3, 5}) ASSERT_TRUE(pool.Add(Batch(2, s), false, 1));  // 4 is missing
  ASSERT_TRUE(pool.Add(Batch(3, 3), false, 1));  // 2 is missing: nothing of 3 can execute
  ASSERT_TRUE(pool.Add(Batch(4, 7), false, 1));  // no committed seq known: any first seq
  ASSERT_TRUE(pool.Add(Batch(4, 8), false, 1));
  EXPECT_EQ(Seqs(pool.Candidates(5, {}, 1u << 20)), (std::vector<std::uint64_t>{202, 203, 407, 408}));
}

TEST(BatchPool, CandidatesSkipExcludedAuthorsExpiredBatchesAndStopAtTheBudget) {
  BatchPool pool(kRoomy);
  ASSERT_TRUE(pool.Add(Batch(2, 1, /*valid_until=*/4), false, 1));
  ASSERT_TRUE(pool.Add(Batch(2, 2), false, 1));
  ASSERT_TRUE(pool.Add(Batch(3, 1), false, 1));
  ASSERT_TRUE(pool.Add(Batch(4, 1), false, 1));
  EXPECT_EQ(Seqs(pool.Candidates(5, {3}, 1u << 20)), (std::vector<std::uint64_t>{202, 401}));
  EXPECT_EQ(Seqs(pool.Candidates(4, {3}, 1u << 20)), (std::vector<std::uint64_t>{201, 202, 401}));
  const std::size_t one = codec::Encode(Batch(2, 2)).size();
  EXPECT_EQ(Seqs(pool.Candidates(5, {}, one + one / 2)), (std::vector<std::uint64_t>{202}));
  EXPECT_TRUE(pool.Candidates(5, {}, one / 2).empty());
}

TEST(BatchPool, PendingWorkIgnoresExcludedAuthorsAndExpiredBatches) {
  BatchPool pool(kRoomy);
  EXPECT_FALSE(pool.HasPending(1, {}));
  ASSERT_TRUE(pool.Add(Batch(2, 1, /*valid_until=*/4), false, 1));
  EXPECT_TRUE(pool.HasPending(4, {}));
  EXPECT_FALSE(pool.HasPending(5, {}));
  EXPECT_FALSE(pool.HasPending(4, {2}));
}

}  // namespace
}  // namespace peerdb::consensus
