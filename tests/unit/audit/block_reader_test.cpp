// The audit's reader thread: blocks come out in order, decoded, with each batch's signature
// verified under the key of the latest config the checker published, and a source error after
// the blocks before it.
#include "peerdb/audit/block_reader.h"

#include <gtest/gtest.h>

#include <future>

#include "../chain/chain_samples.h"
#include "peerdb/codec/pce.h"

namespace peerdb::audit {
namespace {

using chain::samples::ChainIdOfSample;
using chain::samples::Key;
using chain::samples::MakeBatch;
using chain::samples::MakeConfig;

RawBlock BlockWith(std::uint64_t h, std::vector<chain::TxBatch> batches) {
  chain::Block b;
  b.header.height = h;
  b.batches = std::move(batches);
  RawBlock raw;
  raw.height = h;
  raw.bytes = codec::Encode(b);
  return raw;
}

TEST(BlockReader, DecodesAndVerifiesAheadUnderThePublishedKeys) {
  const chain::Config config = MakeConfig();
  chain::TxBatch forged = MakeBatch(2, 1);
  chain::SignWith(Key(3), ChainIdOfSample(), forged);  // member 2's batch, signed by 3
  std::vector<RawBlock> source{BlockWith(1, {MakeBatch(1, 1), forged}), BlockWith(2, {MakeBatch(1, 2)})};
  source.push_back(RawBlock{3, Bytes{0x01, 0x02}, {}, {}, {}, {}, {}});  // does not decode
  std::size_t next = 0;
  BlockReader reader(
      [&]() -> Result<std::optional<RawBlock>> {
        if (next == source.size()) return std::optional<RawBlock>{};
        return std::optional<RawBlock>{source[next++]};
      },
      ChainIdOfSample(), config);
  auto first = reader.Pop();
  ASSERT_TRUE(first.ok() && *first);
  ASSERT_TRUE((*first)->block.has_value());
  EXPECT_EQ((*first)->block->header.height, 1u);
  ASSERT_EQ((*first)->verified_under.size(), 2u);
  EXPECT_EQ((*first)->verified_under[0], std::optional<crypto::PublicKey>(Key(1).public_key()));
  EXPECT_EQ((*first)->verified_under[1], std::nullopt) << "a bad signature is left to the executor";
  auto second = reader.Pop();
  ASSERT_TRUE(second.ok() && *second);
  EXPECT_EQ((*second)->block->header.height, 2u);
  auto third = reader.Pop();
  ASSERT_TRUE(third.ok() && *third);
  EXPECT_FALSE((*third)->block.has_value()) << "left for the checker to report with its reason";
  auto end = reader.Pop();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

// Until the checker publishes the config that holds member 1's key, nothing of member 1 counts
// as verified; from then on it does.
TEST(BlockReader, BatchesAreVerifiedUnderTheLatestPublishedConfig) {
  chain::Config rotated = MakeConfig();
  rotated.members[0].pubkey = Key(9).public_key();  // member 1 signs with Key(1), not this one
  std::promise<void> published;
  std::shared_future<void> ready = published.get_future().share();
  int calls = 0;
  BlockReader reader(
      [&]() -> Result<std::optional<RawBlock>> {
        ++calls;
        if (calls == 2) ready.wait();  // block 2 is read after the publication
        if (calls > 2) return std::optional<RawBlock>{};
        return std::optional<RawBlock>{BlockWith(static_cast<std::uint64_t>(calls), {MakeBatch(1, 1)})};
      },
      ChainIdOfSample(), rotated);
  auto before = reader.Pop();
  ASSERT_TRUE(before.ok() && *before);
  ASSERT_EQ((*before)->verified_under.size(), 1u);
  EXPECT_EQ((*before)->verified_under[0], std::nullopt);
  reader.Publish(MakeConfig());
  published.set_value();
  auto after = reader.Pop();
  ASSERT_TRUE(after.ok() && *after);
  ASSERT_EQ((*after)->verified_under.size(), 1u);
  EXPECT_EQ((*after)->verified_under[0], std::optional<crypto::PublicKey>(Key(1).public_key()));
}

TEST(BlockReader, ASourceErrorComesAfterTheBlocksBeforeIt) {
  int calls = 0;
  BlockReader reader(
      [&]() -> Result<std::optional<RawBlock>> {
        if (++calls == 1) return std::optional<RawBlock>{BlockWith(1, {})};
        return Error{Errc::kIo, "disk gone"};
      },
      ChainIdOfSample(), MakeConfig());
  auto first = reader.Pop();
  ASSERT_TRUE(first.ok() && *first);
  auto failed = reader.Pop();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::kIo);
  auto end = reader.Pop();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(calls, 2) << "the reader stops at the error";
}

}  // namespace
}  // namespace peerdb::audit
