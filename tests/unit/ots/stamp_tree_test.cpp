// StampTree: every file's path reaches the root, the tree has the reference's shape (pairs, odd
// last carried up), and the direct .ots encoding equals encoding the per-file tree.
// (Byte-identity with the reference library itself: stamp_differential.py.)
#include "peerdb/ots/stamp_tree.h"

#include <gtest/gtest.h>
#include <random>

#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/timestamp_codec.h"
#include "../common/errc_of.h"

namespace peerdb::ots {
namespace {

struct Inputs {
  std::vector<Hash32> digests;
  std::vector<StampNonce> nonces;
};

Inputs RandomInputs(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Inputs in;
  for (std::size_t i = 0; i < n; ++i) {
    Hash32 d;
    StampNonce nonce;
    for (auto& b : d) b = static_cast<std::uint8_t>(rng());
    for (auto& b : nonce) b = static_cast<std::uint8_t>(rng());
    in.digests.push_back(d);
    in.nonces.push_back(nonce);
  }
  return in;
}

Hash32 H(const Hash32& a, const Hash32& b) { return crypto::Sha256({a, b}); }

Timestamp CalendarAnswer(const Hash32& root) {
  Timestamp t(Bytes(root.begin(), root.end()));
  Timestamp* n = *t.AddOp(PrependOp(Bytes{0x5a, 0xff, 0xdc, 0x4e}));
  n = *n->AddOp(AppendOp(Bytes(8, 0x42)));
  n->AddAttestation(Attestation::Pending("https://a.calendar.example.org"));
  n = *t.AddOp(AppendOp(Bytes(16, 0x01)));
  n = *n->AddOp(Sha256Op());
  n->AddAttestation(Attestation::Pending("https://b.calendar.example.org"));
  return t;
}

TEST(StampTree, RefusesNoFilesAndMismatchedNonces) {
  auto t = StampTree::Build({}, {});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::kInvalid);
  Inputs in = RandomInputs(3, 1);
  in.nonces.pop_back();
  t = StampTree::Build(in.digests, in.nonces);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::kInvalid);
}

TEST(StampTree, OneFileIsItsOwnRoot) {
  Inputs in = RandomInputs(1, 2);
  auto t = StampTree::Build(in.digests, in.nonces);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->root(), crypto::Sha256({in.digests[0], in.nonces[0]}));
  EXPECT_EQ(t->PathOps(0).size(), 2u);
  EXPECT_EQ(t->MaxPathDepth(), 2u);
}

TEST(StampTree, FiveFilesHaveTheReferenceShape) {
  // Level 0: l0..l4 -> level 1: H(l0,l1), H(l2,l3), l4 -> level 2: H(a,b), l4 -> root H(H(a,b), l4).
  Inputs in = RandomInputs(5, 3);
  std::vector<Hash32> l;
  for (int i = 0; i < 5; ++i) l.push_back(crypto::Sha256({in.digests[i], in.nonces[i]}));
  auto t = StampTree::Build(in.digests, in.nonces);
  ASSERT_TRUE(t.ok());
  const Hash32 left = H(H(l[0], l[1]), H(l[2], l[3]));
  EXPECT_EQ(t->root(), H(left, l[4]));
  const std::vector<Op> p4 = t->PathOps(4);  // carried twice, then prepended
  ASSERT_EQ(p4.size(), 4u);
  EXPECT_EQ(p4[2], PrependOp(Bytes(left.begin(), left.end())));
  const std::vector<Op> p1 = t->PathOps(1);
  ASSERT_EQ(p1.size(), 8u);
  EXPECT_EQ(p1[2], PrependOp(Bytes(l[0].begin(), l[0].end())));
  EXPECT_EQ(p1[4].tag, OpTag::kAppend);
  EXPECT_EQ(p1[6].tag, OpTag::kAppend);
  EXPECT_EQ(p1[6].arg, Bytes(l[4].begin(), l[4].end()));
  EXPECT_EQ(t->MaxPathDepth(), 8u);
}

TEST(StampTree, EveryFilesPathReachesTheRoot) {
  for (std::size_t n : {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, 1025}) {
    Inputs in = RandomInputs(n, n);
    auto t = StampTree::Build(in.digests, in.nonces);
    ASSERT_TRUE(t.ok());
    for (std::size_t i = 0; i < n; ++i) {
      Bytes msg(in.digests[i].begin(), in.digests[i].end());
      const std::vector<Op> ops = t->PathOps(i);
      EXPECT_LE(ops.size(), t->MaxPathDepth());
      for (const Op& op : ops) msg = *ApplyOp(op, msg);
      ASSERT_EQ(Hex(msg), Hex(t->root())) << "n=" << n << " i=" << i;
    }
  }
}

TEST(StampTree, DirectEncodingEqualsEncodingTheFileTree) {
  for (std::size_t n : {1, 2, 3, 7, 64, 100}) {
    Inputs in = RandomInputs(n, 100 + n);
    auto t = StampTree::Build(in.digests, in.nonces);
    ASSERT_TRUE(t.ok());
    const Timestamp answer = CalendarAnswer(t->root());
    auto root = t->PrepareRoot(answer);
    ASSERT_TRUE(root.ok()) << root.error().message;
    for (std::size_t i = 0; i < n; ++i) {
      auto file = t->FileTimestamp(i, answer);
      ASSERT_TRUE(file.ok());
      DetachedTimestampFile dtf;
      dtf.timestamp = std::move(*file);
      const Bytes direct = t->EncodeFileOts(i, *root);
      ASSERT_EQ(Hex(direct), Hex(*EncodeOtsFile(dtf))) << "n=" << n << " i=" << i;
      auto parsed = DecodeOtsFile(direct);
      ASSERT_TRUE(parsed.ok());
      EXPECT_EQ(parsed->timestamp.AllAttestations().size(), 2u);
    }
  }
}

TEST(StampTree, RootSubtreeMustMatchTheRootAndFitTheDepthLimit) {
  Inputs in = RandomInputs(8, 9);  // paths of 8 ops
  auto t = StampTree::Build(in.digests, in.nonces);
  ASSERT_TRUE(t.ok());
  Timestamp other(Bytes(32, 0));
  other.AddAttestation(Attestation::Pending("https://a.example"));
  auto r = t->PrepareRoot(other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  EXPECT_EQ(ErrcOf(t->FileTimestamp(0, other)), Errc::kInvalid);
  r = t->PrepareRoot(Timestamp(Bytes(t->root().begin(), t->root().end())));  // empty
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalid);

  auto chain = [&](std::size_t depth) {
    Timestamp deep(Bytes(t->root().begin(), t->root().end()));
    Timestamp* n = &deep;
    for (std::size_t k = 0; k < depth; ++k) n = *n->AddOp(Sha256Op());
    n->AddAttestation(Attestation::Pending("https://a.example"));
    return deep;
  };
  EXPECT_TRUE(t->PrepareRoot(chain(kMaxNestedOps - 8)).ok());
  r = t->PrepareRoot(chain(kMaxNestedOps - 7));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
}

}  // namespace
}  // namespace peerdb::ots
