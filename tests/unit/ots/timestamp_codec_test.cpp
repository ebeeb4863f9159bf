// Timestamp trees: canonical writing, reading in any order, the duplicate rule, merge, and every
// parser limit against hostile input (deep, wide, huge, truncated, trailing, unknown tags).
#include "peerdb/ots/timestamp_codec.h"

#include <gtest/gtest.h>

#include "ots_test_util.h"
#include "peerdb/ots/detached_file.h"

namespace peerdb::ots {
namespace {

using testing::Cat;
using testing::HexBytes;
using testing::OtsFileWith;
using testing::PendingLeaf;

TEST(OtsTimestampCodec, PendingLeafMatchesReferenceBytes) {
  Timestamp t(ToBytes("foo"));
  t.AddAttestation(Attestation::Pending("foobar"));
  auto bytes = EncodeTimestamp(t);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(Hex(*bytes), "0083dfe30d2ef90c8e0706666f6f626172");
  auto back = DecodeTimestamp(*bytes, ToBytes("foo"));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->attestations().size(), 1u);
  EXPECT_EQ(back->attestations()[0].uri, "foobar");
}

TEST(OtsTimestampCodec, TwoAttestationsAreSortedAndForked) {
  Timestamp t(ToBytes("foo"));
  t.AddAttestation(Attestation::Pending("foobar"));
  t.AddAttestation(Attestation::Pending("barfoo"));
  t.AddAttestation(Attestation::Pending("foobar"));  // collapses
  auto bytes = EncodeTimestamp(t);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(Hex(*bytes), "ff" + Hex(PendingLeaf("barfoo")) + Hex(PendingLeaf("foobar")));
}

TEST(OtsTimestampCodec, AttestationOrderIsTagThenValue) {
  Timestamp t(ToBytes("m"));
  t.AddAttestation(Attestation::Unknown({0xff, 0, 0, 0, 0, 0, 0, 0}, {0x01}));
  t.AddAttestation(Attestation::Pending("a"));
  t.AddAttestation(Attestation::Ethereum(1));
  t.AddAttestation(Attestation::Litecoin(5));
  t.AddAttestation(Attestation::Bitcoin(7));
  t.AddAttestation(Attestation::Bitcoin(3));
  t.AddAttestation(Attestation::Unknown({0x01, 0, 0, 0, 0, 0, 0, 0}, {0x02}));
  std::vector<AttestationKind> kinds;
  for (const Attestation& a : t.attestations()) kinds.push_back(a.kind);
  EXPECT_EQ(kinds, (std::vector<AttestationKind>{AttestationKind::kUnknown, AttestationKind::kBitcoin,
                                                 AttestationKind::kBitcoin, AttestationKind::kLitecoin,
                                                 AttestationKind::kEthereum, AttestationKind::kPending,
                                                 AttestationKind::kUnknown}));
  EXPECT_EQ(t.attestations()[1].height, 3u);
}

TEST(OtsTimestampCodec, AttestationsBeforeOpsAndOpsSorted) {
  Timestamp t(ToBytes("m"));
  (*t.AddOp(PrependOp({0x01})))->AddAttestation(Attestation::Bitcoin(1));
  (*t.AddOp(Sha256Op()))->AddAttestation(Attestation::Bitcoin(2));
  (*t.AddOp(AppendOp({0x02})))->AddAttestation(Attestation::Bitcoin(3));
  t.AddAttestation(Attestation::Pending("x"));
  auto bytes = EncodeTimestamp(t);
  ASSERT_TRUE(bytes.ok());
  // ff <att>, ff 08 <leaf>, ff f0 01 02 <leaf>, f1 01 01 <leaf>
  const std::string hex = Hex(*bytes);
  EXPECT_EQ(hex.substr(0, 4), "ff00");
  const auto sha = hex.find("ff08");
  const auto app = hex.find("fff00102");
  const auto pre = hex.find("f10101");
  ASSERT_NE(sha, std::string::npos);
  EXPECT_LT(sha, app);
  EXPECT_LT(app, pre);
}

TEST(OtsTimestampCodec, ReaderAcceptsAnyChildOrderAndWriterCanonicalizes) {
  const Bytes leaf = PendingLeaf();
  const Bytes unordered = Cat({HexBytes("fff00101"), leaf, HexBytes("ff08"), leaf, leaf});
  auto t = DecodeTimestamp(unordered, ToBytes("m"));
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(Hex(*EncodeTimestamp(*t)), "ff" + Hex(leaf) + "ff08" + Hex(leaf) + "f00101" + Hex(leaf));
}

TEST(OtsTimestampCodec, DuplicateOpsMergeBothSubtrees) {
  // Same op twice at one node: the reference keeps the last subtree only; PeerDB keeps both.
  const Bytes tree = Cat({HexBytes("ff08"), PendingLeaf("foobar"), HexBytes("08"), PendingLeaf("barfoo")});
  auto t = DecodeTimestamp(tree, ToBytes("m"));
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->ops().size(), 1u);
  EXPECT_EQ(t->AllAttestations().size(), 2u);
  EXPECT_EQ(Hex(*EncodeTimestamp(*t)), "08ff" + Hex(PendingLeaf("barfoo")) + Hex(PendingLeaf("foobar")));
}

TEST(OtsTimestampCodec, DuplicateAttestationsCollapse) {
  const Bytes tree = Cat({HexBytes("ff"), PendingLeaf(), PendingLeaf()});
  auto t = DecodeTimestamp(tree, ToBytes("m"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->attestations().size(), 1u);
}

TEST(OtsTimestampCodec, MergeAddsOpsAndAttestations) {
  Timestamp a(ToBytes("m"));
  (*a.AddOp(Sha256Op()))->AddAttestation(Attestation::Pending("a"));
  Timestamp b(ToBytes("m"));
  (*b.AddOp(Sha256Op()))->AddAttestation(Attestation::Bitcoin(5));
  (*b.AddOp(AppendOp({1})))->AddAttestation(Attestation::Pending("b"));
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_EQ(a.ops().size(), 2u);
  EXPECT_EQ(a.AllAttestations().size(), 3u);
  Timestamp other(ToBytes("n"));
  EXPECT_EQ(a.Merge(other).error().code, Errc::kInvalid);
}

TEST(OtsTimestampCodec, AllAttestationsGivesLeafMessages) {
  Timestamp t(ToBytes("m"));
  Timestamp* child = *t.AddOp(AppendOp(ToBytes("x")));
  child->AddAttestation(Attestation::Bitcoin(9));
  const auto leaves = t.AllAttestations();
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(AsString(leaves[0].msg), "mx");
  EXPECT_EQ(leaves[0].attestation.height, 9u);
}

TEST(OtsTimestampCodec, EmptyTimestampIsNotSerializable) {
  Timestamp t(ToBytes("m"));
  EXPECT_EQ(EncodeTimestamp(t).error().code, Errc::kInvalid);
}

TEST(OtsTimestampCodec, Nesting255AcceptedAnd256Rejected) {
  for (std::size_t depth : {255u, 256u, 257u, 5000u}) {
    Bytes tree(depth, 0x08);
    const Bytes leaf = PendingLeaf();
    tree.insert(tree.end(), leaf.begin(), leaf.end());
    auto t = DecodeTimestamp(tree, Bytes(32));
    if (depth <= kMaxNestedOps) {
      ASSERT_TRUE(t.ok()) << depth;
      EXPECT_EQ(t->Depth(), depth);
      EXPECT_TRUE(EncodeTimestamp(*t).ok());
    } else {
      ASSERT_FALSE(t.ok()) << depth;
      EXPECT_EQ(t.error().code, Errc::kTooLarge);
    }
  }
}

TEST(OtsTimestampCodec, WriterRefusesTreesDeeperThanTheReaderAccepts) {
  Timestamp root(Bytes(32));
  Timestamp* node = &root;
  for (int i = 0; i < 300; ++i) node = *node->AddOp(Sha256Op());
  node->AddAttestation(Attestation::Bitcoin(1));
  EXPECT_EQ(EncodeTimestamp(root).error().code, Errc::kTooLarge);
}

TEST(OtsTimestampCodec, DeepTreeBuiltInCodeDestroysWithoutRecursion) {
  Timestamp root(Bytes(32));
  Timestamp* node = &root;
  for (int i = 0; i < 200'000; ++i) node = *node->AddOp(Op{OpTag::kReverse, {}});
  node->AddAttestation(Attestation::Bitcoin(1));
  EXPECT_EQ(root.Depth(), 200'000u);
  EXPECT_EQ(root.AllAttestations().size(), 1u);
}

TEST(OtsTimestampCodec, TruncationAtEveryByteIsRejected) {
  const Bytes tree = Cat({HexBytes("ff08"), PendingLeaf(), HexBytes("f00401020304"), PendingLeaf()});
  ASSERT_TRUE(DecodeTimestamp(tree, ToBytes("m")).ok());
  for (std::size_t n = 0; n < tree.size(); ++n) {
    auto t = DecodeTimestamp(ByteSpan(tree).first(n), ToBytes("m"));
    ASSERT_FALSE(t.ok()) << n;
    EXPECT_EQ(t.error().code, Errc::kMalformed) << n;
  }
}

TEST(OtsTimestampCodec, TrailingBytesAreRejected) {
  const Bytes tree = Cat({PendingLeaf(), HexBytes("00")});
  EXPECT_EQ(DecodeTimestamp(tree, ToBytes("m")).error().code, Errc::kMalformed);
}

TEST(OtsTimestampCodec, UnknownOpTagsAreRejected) {
  for (std::uint8_t tag : {0x01, 0x42, 0x66, 0xf4, 0xfe}) {
    const Bytes tree = Cat({Bytes{tag}, PendingLeaf()});
    auto t = DecodeTimestamp(tree, ToBytes("m"));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, Errc::kMalformed);
  }
}

TEST(OtsTimestampCodec, UnknownAttestationKeptVerbatim) {
  const Bytes tree = HexBytes("0001020304050607080378787f");
  auto t = DecodeTimestamp(tree, ToBytes("m"));
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->attestations().size(), 1u);
  EXPECT_EQ(t->attestations()[0].kind, AttestationKind::kUnknown);
  EXPECT_EQ(Hex(t->attestations()[0].unknown_payload), "78787f");
  EXPECT_EQ(*EncodeTimestamp(*t), tree);
}

TEST(OtsTimestampCodec, KnownAttestationPayloadMustBeConsumed) {
  // Bitcoin height 1 followed by a stray byte inside the payload.
  EXPECT_EQ(DecodeTimestamp(HexBytes("000588960d73d71901020100"), ToBytes("m")).error().code, Errc::kMalformed);
  EXPECT_TRUE(DecodeTimestamp(HexBytes("000588960d73d719010101"), ToBytes("m")).ok());
}

TEST(OtsTimestampCodec, PendingUriCharsetAndLength) {
  EXPECT_TRUE(CheckPendingUri("https://a.b-c_d/e:1").ok());
  EXPECT_EQ(CheckPendingUri("https://a.b/?q").error().code, Errc::kMalformed);
  EXPECT_EQ(CheckPendingUri("a b").error().code, Errc::kMalformed);
  EXPECT_TRUE(CheckPendingUri(std::string(1000, 'a')).ok());
  EXPECT_EQ(CheckPendingUri(std::string(1001, 'a')).error().code, Errc::kTooLarge);
  EXPECT_EQ(DecodeTimestamp(PendingLeaf("bad uri"), ToBytes("m")).error().code, Errc::kMalformed);
  // A 1001-byte URI inside a valid payload length.
  Bytes tree = HexBytes("0083dfe30d2ef90c8e");
  tree.insert(tree.end(), {0xeb, 0x07, 0xe9, 0x07});  // payload 1003, uri 1001
  tree.insert(tree.end(), 1001, 'a');
  EXPECT_EQ(DecodeTimestamp(tree, ToBytes("m")).error().code, Errc::kTooLarge);
}

TEST(OtsTimestampCodec, AttestationPayloadCappedAt8192BeforeReading) {
  const Bytes tree = HexBytes("0001020304050607088140");  // payload length 8193, no bytes follow
  EXPECT_EQ(DecodeTimestamp(tree, ToBytes("m")).error().code, Errc::kTooLarge);
}

TEST(OtsTimestampCodec, OpArgumentLimitsCheckedBeforeReading) {
  EXPECT_EQ(DecodeTimestamp(HexBytes("f08120"), ToBytes("m")).error().code, Errc::kTooLarge);  // 4097
  EXPECT_EQ(DecodeTimestamp(Cat({HexBytes("f000"), PendingLeaf()}), ToBytes("m")).error().code, Errc::kMalformed);
  // A huge declared length with no data: rejected by the max check, not by truncation.
  EXPECT_EQ(DecodeTimestamp(HexBytes("f0ffffffffffffffff7f"), ToBytes("m")).error().code, Errc::kTooLarge);
}

TEST(OtsTimestampCodec, NonMinimalAndOverlongVaruintsAreRejected) {
  EXPECT_EQ(DecodeTimestamp(Cat({HexBytes("f08100"), Bytes{1}, PendingLeaf()}), ToBytes("m")).error().code,
            Errc::kMalformed);
  EXPECT_EQ(DecodeTimestamp(HexBytes("000588960d73d71901028100"), ToBytes("m")).error().code, Errc::kMalformed);
  // 2^64 needs an 11th group: too large.
  EXPECT_EQ(DecodeTimestamp(HexBytes("000588960d73d719010a80808080808080808002"), ToBytes("m")).error().code,
            Errc::kTooLarge);
  auto max = DecodeTimestamp(HexBytes("000588960d73d719010affffffffffffffffff01"), ToBytes("m"));
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->attestations()[0].height, UINT64_MAX);
}

TEST(OtsTimestampCodec, ResultOver4096IsRejected) {
  Bytes tree = HexBytes("f08020");  // append 4096 bytes to a 32-byte message
  tree.insert(tree.end(), 4096, 0x41);
  const Bytes leaf = PendingLeaf();
  tree.insert(tree.end(), leaf.begin(), leaf.end());
  EXPECT_EQ(DecodeTimestamp(tree, Bytes(32)).error().code, Errc::kTooLarge);
}

// A 4064-byte message with many distinct 32-byte appends: ~8 KiB retained per ~48 input bytes.
TEST(OtsTimestampCodec, WideTreeHitsRetainedBytesCap) {
  Bytes tree = HexBytes("f0a01f");  // append 4000 bytes
  tree.insert(tree.end(), 4000, 0x41);
  const Bytes leaf = PendingLeaf();
  for (std::uint32_t i = 0; i < 4000; ++i) {
    tree.insert(tree.end(), {0xff, 0xf0, 0x04});
    for (int k = 0; k < 4; ++k) tree.push_back(static_cast<std::uint8_t>(i >> (8 * k)));
    tree.insert(tree.end(), leaf.begin(), leaf.end());
  }
  tree.insert(tree.end(), leaf.begin(), leaf.end());
  DecodeLimits small;
  small.max_retained_bytes = 1u << 20;
  auto capped = DecodeTimestamp(tree, Bytes(32), small);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().code, Errc::kTooLarge);
  auto t = DecodeTimestamp(tree, Bytes(32));
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->ops()[0].child->ops().size(), 4000u);
}

TEST(OtsTimestampCodec, HugeOtsFileIsRejectedBeforeParsing) {
  const Bytes big(kMaxOtsFileSize + 1, 0);
  EXPECT_EQ(DecodeOtsFile(big).error().code, Errc::kTooLarge);
}

TEST(OtsDetachedFile, HeaderRules) {
  const Bytes good = OtsFileWith(PendingLeaf());
  ASSERT_TRUE(DecodeOtsFile(good).ok());
  Bytes bad_magic = good;
  bad_magic[1] ^= 1;
  EXPECT_EQ(DecodeOtsFile(bad_magic).error().code, Errc::kMalformed);
  Bytes bad_version = good;
  bad_version[31] = 0x02;
  EXPECT_EQ(DecodeOtsFile(bad_version).error().code, Errc::kBadVersion);
  Bytes append_op = good;
  append_op[32] = 0xf0;
  EXPECT_EQ(DecodeOtsFile(append_op).error().code, Errc::kMalformed);
  EXPECT_EQ(DecodeOtsFile(ByteSpan(good).first(40)).error().code, Errc::kMalformed);
  EXPECT_EQ(DecodeOtsFile(Bytes{}).error().code, Errc::kMalformed);
}

TEST(OtsDetachedFile, KeccakFileHashOpIsAccepted) {
  Bytes file = OtsFileWith(PendingLeaf());
  file[32] = 0x67;
  auto decoded = DecodeOtsFile(file);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->file_hash_op, OpTag::kKeccak256);
  EXPECT_EQ(*EncodeOtsFile(*decoded), file);
}

TEST(OtsDetachedFile, EncodeChecksDigestLength) {
  DetachedTimestampFile f;
  f.file_hash_op = OpTag::kSha1;
  f.timestamp = Timestamp(Bytes(32));
  f.timestamp.AddAttestation(Attestation::Bitcoin(1));
  EXPECT_EQ(EncodeOtsFile(f).error().code, Errc::kInvalid);
}

}  // namespace
}  // namespace peerdb::ots
