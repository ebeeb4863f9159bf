// The op primitives: hash known answers and every op limit of OTS.md §1.3.
#include "peerdb/ots/op.h"

#include <gtest/gtest.h>

#include "peerdb/ots/hashes.h"

namespace peerdb::ots {
namespace {

Bytes Pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7);
  return b;
}

TEST(OtsHashes, Sha1KnownAnswers) {
  EXPECT_EQ(Hex(Sha1(AsBytes(""))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Hex(Sha1(AsBytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(OtsHashes, Ripemd160OfficialVectors) {
  EXPECT_EQ(Hex(Ripemd160(AsBytes(""))), "9c1185a5c5e9fc54612808977ee8f548b2258d31");
  EXPECT_EQ(Hex(Ripemd160(AsBytes("a"))), "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe");
  EXPECT_EQ(Hex(Ripemd160(AsBytes("abc"))), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
  EXPECT_EQ(Hex(Ripemd160(AsBytes("message digest"))), "5d0689ef49d2fae572b881b123a85ffa21595f36");
  EXPECT_EQ(Hex(Ripemd160(AsBytes(std::string(1'000'000, 'a')))), "52783243c1697bdbe16d37f97f68f08325dc1528");
}

TEST(OtsHashes, Keccak256IsOriginalKeccakNotSha3) {
  EXPECT_EQ(Hex(Keccak256(AsBytes(""))), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(Hex(Keccak256(AsBytes("abc"))), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // SHA3-256("") would be a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a.
  EXPECT_NE(Hex(Keccak256(AsBytes(""))), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
}

TEST(OtsHashes, Keccak256AcrossRateBoundaries) {
  // Expected values from pycryptodome keccak.new(digest_bits=256), byte i = 7*i mod 256.
  EXPECT_EQ(Hex(Keccak256(Pattern(1))), "bc36789e7a1e281436464229828f817d6612f7b477d66591ff96a9e064bcc98a");
  EXPECT_EQ(Hex(Keccak256(Pattern(135))), "154f5dc27520a599653a2b10189cf53f5ce03b7c594d11fd98f67012ea304b6c");
  EXPECT_EQ(Hex(Keccak256(Pattern(136))), "81e7ecb492d033f1692e770a6eb874e70aac45ec10da93483fc8d3537805c097");
  EXPECT_EQ(Hex(Keccak256(Pattern(137))), "a595973359b39ba1fec5cf8f40710c5a213e76281dd4f174f1ea83106ee7759b");
  EXPECT_EQ(Hex(Keccak256(Pattern(272))), "99d5a295c114ab3f94028d25825ea798399dacfc613f0193fb32c3c4973f1777");
  EXPECT_EQ(Hex(Keccak256(Pattern(1000))), "82bc59cea7b5eac6d5e84cfabd1450ecba233bc6c0b375bda57dd7848a088ce6");
}

TEST(OtsOp, AppendPrependReverseHexlifyResults) {
  const Bytes msg = {0x01, 0xab};
  EXPECT_EQ(Hex(*ApplyOp(AppendOp({0xff}), msg)), "01abff");
  EXPECT_EQ(Hex(*ApplyOp(PrependOp({0xff}), msg)), "ff01ab");
  EXPECT_EQ(Hex(*ApplyOp(Op{OpTag::kReverse, {}}, msg)), "ab01");
  EXPECT_EQ(AsString(*ApplyOp(Op{OpTag::kHexlify, {}}, msg)), "01ab");
  EXPECT_EQ(ApplyOp(Op{OpTag::kSha1, {}}, msg)->size(), 20u);
  EXPECT_EQ(ApplyOp(Op{OpTag::kRipemd160, {}}, msg)->size(), 20u);
  EXPECT_EQ(ApplyOp(Op{OpTag::kKeccak256, {}}, msg)->size(), 32u);
}

TEST(OtsOp, MessageAndResultLimitsAre4096) {
  EXPECT_TRUE(ApplyOp(Sha256Op(), Bytes(4096)).ok());
  EXPECT_EQ(ApplyOp(Sha256Op(), Bytes(4097)).error().code, Errc::kTooLarge);
  EXPECT_TRUE(ApplyOp(AppendOp(Bytes(96, 1)), Bytes(4000)).ok());
  EXPECT_EQ(ApplyOp(AppendOp(Bytes(97, 1)), Bytes(4000)).error().code, Errc::kTooLarge);
  EXPECT_EQ(ApplyOp(PrependOp(Bytes(4096, 1)), Bytes(1)).error().code, Errc::kTooLarge);
}

TEST(OtsOp, ArgumentsMustBeOneTo4096Bytes) {
  EXPECT_EQ(ApplyOp(AppendOp({}), Bytes(1)).error().code, Errc::kMalformed);
  EXPECT_EQ(ApplyOp(PrependOp(Bytes(4097, 1)), Bytes{}).error().code, Errc::kTooLarge);
  EXPECT_TRUE(ApplyOp(PrependOp(Bytes(4096, 1)), Bytes{}).ok());
  EXPECT_EQ(CheckOpArg(Op{OpTag::kSha256, {0x01}}).error().code, Errc::kMalformed);
}

TEST(OtsOp, HexlifyAndReverseRejectEmptyAndHexlifyCapsAt2048) {
  EXPECT_EQ(ApplyOp(Op{OpTag::kReverse, {}}, Bytes{}).error().code, Errc::kInvalid);
  EXPECT_EQ(ApplyOp(Op{OpTag::kHexlify, {}}, Bytes{}).error().code, Errc::kInvalid);
  EXPECT_TRUE(ApplyOp(Op{OpTag::kHexlify, {}}, Bytes(2048)).ok());
  EXPECT_EQ(ApplyOp(Op{OpTag::kHexlify, {}}, Bytes(2049)).error().code, Errc::kTooLarge);
}

TEST(OtsOp, OrderIsTagThenArgument) {
  EXPECT_LT(Sha256Op(), AppendOp({0x00}));
  EXPECT_LT(AppendOp({0x00}), AppendOp({0x00, 0x00}));
  EXPECT_LT(AppendOp({0x00, 0xff}), AppendOp({0x01}));
  EXPECT_LT(AppendOp({0xff}), PrependOp({0x00}));
  EXPECT_LT((Op{OpTag::kSha1, {}}), (Op{OpTag::kKeccak256, {}}));
}

TEST(OtsOp, TagTable) {
  for (int b = 0; b < 256; ++b) {
    const auto tag = OpTagFromByte(static_cast<std::uint8_t>(b));
    const bool known = b == 0x02 || b == 0x03 || b == 0x08 || b == 0x67 || (b >= 0xf0 && b <= 0xf3);
    EXPECT_EQ(tag.has_value(), known) << b;
  }
  EXPECT_EQ(CryptDigestLength(OpTag::kKeccak256), 32u);
  EXPECT_EQ(CryptDigestLength(OpTag::kRipemd160), 20u);
  EXPECT_EQ(CryptDigestLength(OpTag::kHexlify), 0u);
}

}  // namespace
}  // namespace peerdb::ots
