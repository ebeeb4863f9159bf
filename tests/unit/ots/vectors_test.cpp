// Every shared .ots vector (../shared/testdata/ots, see its README) gives its expected result:
// valid files parse, re-serialize byte-identically and commit to the expected merkle roots;
// invalid and hostile files are rejected with the expected error code.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ots_test_util.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/hashes.h"

namespace peerdb::ots {
namespace {

using testing::ClientExample;
using testing::ReadVector;
using testing::VectorPath;

struct ValidVector {
  std::string path;
  std::string original;  // empty when the stamped file is not in the vectors
  bool canonical;
};

const std::vector<ValidVector>& ValidVectors() {
  static const std::vector<ValidVector> v = {
      {ClientExample("hello-world.txt.ots"), ClientExample("hello-world.txt"), true},
      {ClientExample("bad-stamp.txt.ots"), ClientExample("bad-stamp.txt"), true},
      {ClientExample("empty.ots"), ClientExample("empty"), true},
      {ClientExample("different-blockchains.txt.ots"), ClientExample("different-blockchains.txt"), true},
      {ClientExample("bitcoin.pdf.ots"), "", true},
      {ClientExample("sha1/a-or-b.ots"), ClientExample("sha1/a"), true},
      {ClientExample("gdp2q25-2nd.pdf.ots"), "", true},
      {ClientExample("incomplete.txt.ots"), ClientExample("incomplete.txt"), true},
      {ClientExample("two-calendars.txt.ots"), ClientExample("two-calendars.txt"), true},
      {ClientExample("merkle1.txt.ots"), ClientExample("merkle1.txt"), true},
      {ClientExample("merkle2.txt.ots"), ClientExample("merkle2.txt"), true},
      {ClientExample("merkle3.txt.ots"), ClientExample("merkle3.txt"), true},
      {ClientExample("unknown-notary.txt.ots"), ClientExample("unknown-notary.txt"), true},
      {ClientExample("known-and-unknown-notary.txt.ots"), ClientExample("known-and-unknown-notary.txt"), true},
      {VectorPath("javascript-opentimestamps/examples/osdsp.txt.ots"),
       VectorPath("javascript-opentimestamps/examples/osdsp.txt"), true},
      // Written by the JS port with ops out of canonical order: parses, re-serializes differently.
      {VectorPath("javascript-opentimestamps/examples/ripemd160/README.md.ots"),
       VectorPath("javascript-opentimestamps/examples/ripemd160/README.md"), false},
      {VectorPath("synthetic/deep255.ots"), "", true},
      {VectorPath("synthetic/hexlify.ots"), "", true},
      {VectorPath("synthetic/reverse.ots"), "", true},
      {VectorPath("synthetic/keccak.ots"), "", true},
  };
  return v;
}

Bytes HashWith(OpTag op, ByteSpan data) {
  switch (op) {
    case OpTag::kSha1: { const auto h = Sha1(data); return Bytes(h.begin(), h.end()); }
    case OpTag::kRipemd160: { const auto h = Ripemd160(data); return Bytes(h.begin(), h.end()); }
    case OpTag::kSha256: { const auto h = crypto::Sha256(data); return Bytes(h.begin(), h.end()); }
    case OpTag::kKeccak256: { const auto h = Keccak256(data); return Bytes(h.begin(), h.end()); }
    default: return {};
  }
}

TEST(OtsVectors, ValidFilesParseAndCanonicalOnesReserializeIdentically) {
  for (const ValidVector& v : ValidVectors()) {
    SCOPED_TRACE(v.path);
    const Bytes bytes = ReadVector(v.path);
    auto file = DecodeOtsFile(bytes);
    ASSERT_TRUE(file.ok()) << file.error().ToString();
    EXPECT_FALSE(file->timestamp.AllAttestations().empty());
    auto again = EncodeOtsFile(*file);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again == bytes, v.canonical);
    // The canonical form is a fixed point.
    auto reparsed = DecodeOtsFile(*again);
    ASSERT_TRUE(reparsed.ok());
    EXPECT_EQ(*EncodeOtsFile(*reparsed), *again);
    if (!v.original.empty()) {
      EXPECT_EQ(HashWith(file->file_hash_op, ReadVector(v.original)), file->file_digest());
    }
  }
}

TEST(OtsVectors, Sha1CollisionFilesShareTheDigest) {
  auto file = LoadOtsFile(ClientExample("sha1/a-or-b.ots"));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->file_hash_op, OpTag::kSha1);
  EXPECT_EQ(HashWith(OpTag::kSha1, ReadVector(ClientExample("sha1/b"))), file->file_digest());
  EXPECT_NE(ReadVector(ClientExample("sha1/a")), ReadVector(ClientExample("sha1/b")));
}

TEST(OtsVectors, BitcoinLeavesEqualTheExpectedMerkleRoots) {
  auto text = util::ReadTextFile(VectorPath("headers.json"), 1 << 20);
  ASSERT_TRUE(text.ok());
  const auto headers = nlohmann::json::parse(*text);
  const std::map<std::string, std::uint64_t> file_height = {
      {ClientExample("hello-world.txt.ots"), 358391}, {ClientExample("empty.ots"), 129405},
      {ClientExample("different-blockchains.txt.ots"), 455605}, {ClientExample("bitcoin.pdf.ots"), 465751},
      {ClientExample("sha1/a-or-b.ots"), 466906},
      {VectorPath("javascript-opentimestamps/examples/osdsp.txt.ots"), 523364},
      {ClientExample("gdp2q25-2nd.pdf.ots"), 912095}};
  for (const auto& [path, height] : file_height) {
    SCOPED_TRACE(path);
    auto file = LoadOtsFile(path);
    ASSERT_TRUE(file.ok());
    std::vector<std::string> roots;
    for (const LeafAttestation& leaf : file->timestamp.AllAttestations()) {
      if (leaf.attestation.kind == AttestationKind::kBitcoin) {
        EXPECT_EQ(leaf.attestation.height, height);
        roots.push_back(Hex(leaf.msg));
      }
    }
    ASSERT_EQ(roots.size(), 1u);
    EXPECT_EQ(roots[0], headers[std::to_string(height)]["merkleroot_internal"].get<std::string>());
  }
}

TEST(OtsVectors, AttestationKindsOfTheRealFiles) {
  auto count = [](const std::string& path, AttestationKind kind) {
    auto file = LoadOtsFile(path);
    EXPECT_TRUE(file.ok()) << path;
    std::size_t n = 0;
    if (file.ok()) {
      for (const auto& leaf : file->timestamp.AllAttestations()) n += leaf.attestation.kind == kind;
    }
    return n;
  };
  EXPECT_EQ(count(ClientExample("different-blockchains.txt.ots"), AttestationKind::kEthereum), 1u);
  EXPECT_EQ(count(ClientExample("different-blockchains.txt.ots"), AttestationKind::kPending), 2u);
  EXPECT_EQ(count(ClientExample("sha1/a-or-b.ots"), AttestationKind::kPending), 3u);
  EXPECT_EQ(count(VectorPath("javascript-opentimestamps/examples/osdsp.txt.ots"), AttestationKind::kPending), 4u);
  EXPECT_EQ(count(ClientExample("two-calendars.txt.ots"), AttestationKind::kPending), 2u);
  EXPECT_EQ(count(ClientExample("unknown-notary.txt.ots"), AttestationKind::kUnknown), 1u);
  EXPECT_EQ(count(ClientExample("known-and-unknown-notary.txt.ots"), AttestationKind::kUnknown), 1u);
  EXPECT_EQ(count(ClientExample("known-and-unknown-notary.txt.ots"), AttestationKind::kPending), 1u);

  auto unknown = LoadOtsFile(ClientExample("unknown-notary.txt.ots"));
  ASSERT_TRUE(unknown.ok());
  const Attestation a = unknown->timestamp.AllAttestations().at(0).attestation;
  EXPECT_EQ(Hex(a.unknown_tag), "0102030405060708");
  EXPECT_EQ(a.unknown_payload, Bytes(46, 'x'));
}

TEST(OtsVectors, InvalidFilesAreRejectedWithTheirError) {
  const std::vector<std::pair<std::string, Errc>> cases = {
      {ClientExample("invalid/bad-major-version.ots"), Errc::kBadVersion},
      {ClientExample("invalid/exceeds-max-msg-length.ots"), Errc::kTooLarge},
      {ClientExample("invalid/invalid-file-digest-type.ots"), Errc::kMalformed},
      {VectorPath("synthetic/deep256.ots"), Errc::kTooLarge},
      {VectorPath("synthetic/deep257.ots"), Errc::kTooLarge},
      {VectorPath("synthetic/big-append.ots"), Errc::kTooLarge},
      {VectorPath("synthetic/bad-op.ots"), Errc::kMalformed},
      {VectorPath("synthetic/trailing.ots"), Errc::kMalformed},
      {VectorPath("synthetic/truncated.ots"), Errc::kMalformed},
      {VectorPath("synthetic/emptyarg.ots"), Errc::kMalformed},
  };
  for (const auto& [path, code] : cases) {
    SCOPED_TRACE(path);
    auto file = DecodeOtsFile(ReadVector(path));
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().code, code) << file.error().ToString();
  }
}

TEST(OtsVectors, SyntheticLeafMessages) {
  const Hash32 empty = crypto::Sha256(ByteSpan{});
  auto leaf_of = [](const std::string& name) {
    auto file = LoadOtsFile(VectorPath("synthetic/" + name));
    EXPECT_TRUE(file.ok()) << name;
    return file.ok() ? file->timestamp.AllAttestations().at(0).msg : Bytes{};
  };
  EXPECT_EQ(AsString(leaf_of("hexlify.ots")), Hex(empty));
  EXPECT_EQ(leaf_of("reverse.ots"), Bytes(empty.rbegin(), empty.rend()));
  EXPECT_EQ(Hex(leaf_of("keccak.ots")), "a332df1e58a99d8dcb0767dab2d23985ef337d59fadbe040f56e1c642b314973");
  auto deep = LoadOtsFile(VectorPath("synthetic/deep255.ots"));
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(deep->timestamp.Depth(), 255u);
}

TEST(OtsVectors, DupopsKeepsBothSubtrees) {
  // The reference keeps only the last subtree (barfoo); PeerDB merges both (timestamp_codec.h).
  auto file = LoadOtsFile(VectorPath("synthetic/dupops.ots"));
  ASSERT_TRUE(file.ok());
  std::vector<std::string> uris;
  for (const auto& leaf : file->timestamp.AllAttestations()) uris.push_back(leaf.attestation.uri);
  EXPECT_EQ(uris, (std::vector<std::string>{"barfoo", "foobar"}));
}

TEST(OtsVectors, LoadOtsFileReportsMissingFile) {
  auto file = LoadOtsFile(VectorPath("no-such-file.ots"));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace peerdb::ots
