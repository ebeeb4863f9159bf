// Blocks, records, evidence and anchor records (PROTOCOL.md §1.5, §1.7, §1.8): the header rule
// (CheckHeader) and CheckBlockShape accept the sample blocks and reject each broken rule; record
// order; roots; the decoders' tag checks.
#include "peerdb/chain/block.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "chain_samples.h"
#include "peerdb/chain/rules.h"
#include "../common/errc_of.h"

namespace peerdb::chain {
namespace {

using samples::Filled;

// The header rule for a block of the sample chain (block 1 on the genesis, block 2 on block 1).
Status CheckSampleHeader(const Block& b, const Config& config = samples::MakeConfig()) {
  const Block b1 = samples::MakeBlock1();
  const ParentRef parent = b.header.height <= 1
                               ? ParentRef{0, samples::ChainIdOfSample(), samples::kGenesisTimeMs}
                               : ParentRef{1, BlockId(b1.header), b1.header.timestamp_ms};
  HeaderRules rules;
  rules.chain_id = samples::ChainIdOfSample();
  rules.config = &config;
  rules.config_hash = ConfigHash(config);
  return CheckHeader(b.header, b.parent_cert, parent, rules);
}

// Edits a copy of block 1 or block 2, then runs the header rule and CheckBlockShape on it.
Status CheckEdited(int height, const std::function<void(Block&)>& edit, const Params& params = Params{}) {
  const Block b1 = samples::MakeBlock1();
  Block b = height == 1 ? b1 : samples::MakeBlock2(b1);
  edit(b);
  PEERDB_TRY(CheckSampleHeader(b));
  return CheckBlockShape(b, params);
}

// Expects `s` to fail with `code` and a message naming `what`, so the intended rule is the one that fired.
void ExpectRejected(const Status& s, Errc code, std::string_view what) {
  EXPECT_EQ(ErrcOf(s), code) << MessageOf(s);
  EXPECT_NE(MessageOf(s).find(what), std::string::npos) << MessageOf(s);
}

TEST(CheckBlockShape, AcceptsTheSampleBlocks) {
  const Block b1 = samples::MakeBlock1();
  EXPECT_EQ(ErrcOf(CheckSampleHeader(b1)), Errc::kOk);
  EXPECT_EQ(ErrcOf(CheckBlockShape(b1, Params{})), Errc::kOk);
  EXPECT_EQ(ErrcOf(CheckSampleHeader(samples::MakeBlock2(b1))), Errc::kOk);
  EXPECT_EQ(ErrcOf(CheckBlockShape(samples::MakeBlock2(b1), Params{})), Errc::kOk);
}

TEST(CheckBlockShape, AcceptsAnEmptyBlock) {
  EXPECT_EQ(ErrcOf(CheckEdited(2, [](Block& b) {
              b.batches.clear();
              b.records.clear();
              samples::FixRoots(b);
            })),
            Errc::kOk);
}

TEST(CheckHeader, RejectsUnknownHeaderVersion) {
  ExpectRejected(CheckEdited(2, [](Block& b) { b.header.version = 2; }), Errc::kBadVersion, "version");
}

TEST(CheckHeader, RejectsABlockOfAnotherChain) {
  const Block b = samples::MakeBlock2(samples::MakeBlock1());
  HeaderRules rules;
  const Config config = samples::MakeConfig();
  rules.chain_id = Filled(0xcb);
  rules.config = &config;
  rules.config_hash = ConfigHash(config);
  ExpectRejected(CheckHeader(b.header, b.parent_cert, ParentRef{1, b.header.parent_id, 0}, rules), Errc::kInvalid,
                 "another chain");
}

TEST(CheckHeader, RejectsHeightZero) {
  ExpectRejected(CheckEdited(1, [](Block& b) { b.header.height = 0; }), Errc::kInvalid, "height 0");
}

TEST(CheckHeader, RejectsBlockOneWithAParentCert) {
  ExpectRejected(CheckEdited(1,
                             [](Block& b) {
                               b.parent_cert = samples::MakeMajorityCert(0, 0, b.header.parent_id, {1, 2, 3});
                             }),
                 Errc::kInvalid, "no parent certificate");
}

TEST(CheckHeader, RejectsBlockOneNotLinkedToTheChainId) {
  ExpectRejected(CheckEdited(1, [](Block& b) { b.header.parent_id = Filled(0xa1); }), Errc::kInvalid,
                 "link to the chain id");
}

TEST(CheckHeader, RejectsBlockOneWithNonZeroParentCertHash) {
  ExpectRejected(CheckEdited(1, [](Block& b) { b.header.parent_cert_hash = Filled(1); }), Errc::kInvalid,
                 "parent_cert_hash must be zero");
}

TEST(CheckHeader, RejectsAMissingParentCert) {
  ExpectRejected(CheckEdited(2, [](Block& b) { b.parent_cert.reset(); }), Errc::kInvalid,
                 "missing parent certificate");
}

TEST(CheckHeader, RejectsACertForAnotherParentBlock) {
  ExpectRejected(CheckEdited(2,
                             [](Block& b) {
                               b.parent_cert = samples::MakeMajorityCert(1, 0, Filled(0xa2), {1, 2, 3});
                               b.header.parent_cert_hash = MajorityCertHash(*b.parent_cert);
                             }),
                 Errc::kInvalid, "not for the parent");
}

TEST(CheckHeader, RejectsACertForAnotherHeight) {
  ExpectRejected(CheckEdited(2,
                             [](Block& b) {
                               b.parent_cert = samples::MakeMajorityCert(2, 0, b.header.parent_id, {1, 2, 3});
                               b.header.parent_cert_hash = MajorityCertHash(*b.parent_cert);
                             }),
                 Errc::kInvalid, "not for the parent");
}

TEST(CheckHeader, RejectsAParentCertHashMismatch) {
  ExpectRejected(CheckEdited(2, [](Block& b) { b.header.parent_cert_hash = Filled(0x99); }), Errc::kInvalid,
                 "parent_cert_hash mismatch");
  // Another valid certificate for the same parent (different round) does not match the header either.
  ExpectRejected(CheckEdited(2,
                             [](Block& b) {
                               b.parent_cert = samples::MakeMajorityCert(1, 1, b.header.parent_id, {2, 3, 4});
                             }),
                 Errc::kInvalid, "parent_cert_hash mismatch");
}

TEST(CheckBlockShape, RejectsABatchesRootMismatch) {
  ExpectRejected(CheckEdited(1, [](Block& b) { b.header.batches_root = Filled(0x0b); }), Errc::kInvalid,
                 "batches_root");
  ExpectRejected(CheckEdited(1, [](Block& b) { b.batches.push_back(samples::MakeBatch(1, 2)); }),
                 Errc::kInvalid, "batches_root");
}

TEST(CheckBlockShape, RejectsARecordsRootMismatch) {
  ExpectRejected(CheckEdited(1, [](Block& b) { b.header.records_root = Filled(0x0c); }), Errc::kInvalid,
                 "records_root");
  ExpectRejected(CheckEdited(1, [](Block& b) { b.records.pop_back(); }), Errc::kInvalid, "records_root");
}

TEST(CheckBlockShape, RejectsABadBatchAndSaysWhichOne) {
  const Status s = CheckEdited(2, [](Block& b) {
    b.batches.push_back(samples::MakeBatch(3, 1));
    b.batches[1].seq = 0;
    samples::FixRoots(b);
  });
  ExpectRejected(s, Errc::kInvalid, "batch 1");
}

TEST(CheckBlockShape, RejectsABlockAboveMaxBlockBytes) {
  const std::size_t size = codec::Encode(samples::MakeBlock2(samples::MakeBlock1())).size();
  Params p;
  p.max_block_bytes = static_cast<std::uint32_t>(size);
  EXPECT_EQ(ErrcOf(CheckEdited(2, [](Block&) {}, p)), Errc::kOk);
  p.max_block_bytes = static_cast<std::uint32_t>(size - 1);
  ExpectRejected(CheckEdited(2, [](Block&) {}, p), Errc::kTooLarge, "max_block_bytes");
}

TEST(CheckBlockShape, RejectsRecordsOutOfOrderOrDuplicated) {
  ExpectRejected(CheckEdited(1,
                             [](Block& b) {
                               std::reverse(b.records.begin(), b.records.end());
                               samples::FixRoots(b);
                             }),
                 Errc::kMalformed, "sorted");
  ExpectRejected(CheckEdited(1,
                             [](Block& b) {
                               b.records.push_back(b.records.back());
                               samples::FixRoots(b);
                             }),
                 Errc::kMalformed, "sorted");
}

std::vector<Record> AllSampleRecords() {
  return {samples::MakeRecord(RecordTag::kAnchor), samples::MakeRecord(RecordTag::kSeal),
          samples::MakeRecord(RecordTag::kConfigApprove), samples::MakeRecord(RecordTag::kEvidence),
          Record{samples::MakeSeal(3)}, Record{samples::MakeSeal(4)}};
}

TEST(SortRecords, OrdersByTagThenRecordHash) {
  std::vector<Record> records = AllSampleRecords();
  SortRecords(records);
  ASSERT_EQ(records.size(), 6u);
  for (std::size_t i = 1; i < records.size(); ++i) {
    const RecordSortKey a = SortKeyOf(records[i - 1]);
    const RecordSortKey b = SortKeyOf(records[i]);
    EXPECT_LT(a, b);
    EXPECT_LE(a.tag, b.tag);
    if (a.tag == b.tag) {
      EXPECT_LT(a.hash, b.hash);
    }
  }
  EXPECT_EQ(records.front().tag(), RecordTag::kSeal);
  EXPECT_EQ(records.back().tag(), RecordTag::kAnchor);
}

TEST(SortRecords, GivesTheSameOrderForAnyInputOrder) {
  std::vector<Record> expected = AllSampleRecords();
  SortRecords(expected);
  std::vector<Record> shuffled = AllSampleRecords();
  std::sort(shuffled.begin(), shuffled.end(), [](const Record& a, const Record& b) {
    return TaggedHash(tag::kRecord, a) > TaggedHash(tag::kRecord, b);
  });
  do {
    std::vector<Record> copy = shuffled;
    SortRecords(copy);
    EXPECT_EQ(copy, expected);
  } while (std::next_permutation(shuffled.begin(), shuffled.begin() + 3, [](const Record& a, const Record& b) {
    return SortKeyOf(a) < SortKeyOf(b);
  }));
}

TEST(SortRecords, DropsExactDuplicates) {
  std::vector<Record> records = {samples::MakeRecord(RecordTag::kSeal), samples::MakeRecord(RecordTag::kAnchor),
                                 samples::MakeRecord(RecordTag::kSeal)};
  SortRecords(records);
  EXPECT_EQ(records.size(), 2u);
}

TEST(SortKeyOf, UsesTheUnionTagAndTheTaggedRecordHash) {
  const Record r = samples::MakeRecord(RecordTag::kConfigApprove);
  const RecordSortKey key = SortKeyOf(r);
  EXPECT_EQ(key.tag, 3);
  EXPECT_EQ(key.hash, TaggedHash(tag::kRecord, r));
}

TEST(BlockDecode, RejectsRecordsOutOfOrderOrDuplicated) {
  Block b = samples::MakeBlock1();
  ASSERT_EQ(ErrcOf(codec::Decode<Block>(codec::Encode(b))), Errc::kOk);
  std::reverse(b.records.begin(), b.records.end());
  EXPECT_EQ(ErrcOf(codec::Decode<Block>(codec::Encode(b))), Errc::kMalformed);
  b = samples::MakeBlock1();
  b.records.push_back(b.records.back());
  EXPECT_EQ(ErrcOf(codec::Decode<Block>(codec::Encode(b))), Errc::kMalformed);
}

TEST(BlockDecode, RejectsParentCertOptionTagsOtherThanZeroAndOne) {
  Bytes b = codec::Encode(samples::MakeBlock1());
  const std::size_t tag_at = codec::Encode(samples::MakeBlock1().header).size();
  ASSERT_EQ(b[tag_at], 0);
  b[tag_at] = 2;
  EXPECT_EQ(ErrcOf(codec::Decode<Block>(b)), Errc::kMalformed);
}

TEST(BlockDecode, RejectsUnknownHeaderVersion) {
  Bytes b = codec::Encode(samples::MakeBlock1());
  b[0] = 0x01;
  EXPECT_EQ(ErrcOf(codec::Decode<Block>(b)), Errc::kBadVersion);
}

TEST(RecordDecode, RejectsUnknownUnionTags) {
  Bytes b = codec::Encode(samples::MakeRecord(RecordTag::kSeal));
  ASSERT_EQ(b[0], 1);
  for (std::uint8_t t : {0, 5, 0xff}) {
    b[0] = t;
    EXPECT_EQ(ErrcOf(codec::Decode<Record>(b)), Errc::kMalformed) << int{t};
  }
}

TEST(RecordDecode, RejectsABodyOfAnotherTypeThanItsTag) {
  Bytes b = codec::Encode(samples::MakeRecord(RecordTag::kSeal));
  b[0] = 3;  // a Seal body read as a ConfigApprove
  EXPECT_EQ(ErrcOf(codec::Decode<Record>(b)), Errc::kMalformed);
}

TEST(EvidenceDecode, RejectsKindsOutsideOneToSix) {
  Evidence e = samples::MakeEvidence();
  for (std::uint8_t kind : {0, 7, 0xff}) {
    e.kind = kind;
    EXPECT_EQ(ErrcOf(codec::Decode<Evidence>(codec::Encode(e))), Errc::kMalformed) << int{kind};
  }
  for (std::uint8_t kind = 1; kind <= 6; ++kind) {
    e.kind = kind;
    EXPECT_EQ(ErrcOf(codec::Decode<Evidence>(codec::Encode(e))), Errc::kOk) << int{kind};
  }
}

TEST(EvidenceDecode, RejectsMessagesAboveTheirBound) {
  Evidence e = samples::MakeEvidence();
  e.msg_b.assign(kMaxEvidenceMsgBytes + 1, 0);
  EXPECT_EQ(ErrcOf(codec::Decode<Evidence>(codec::Encode(e))), Errc::kTooLarge);
}

TEST(EvidenceDecode, CarriesASealForkPathOfHeaders) {
  Evidence e = samples::MakeEvidence();
  e.kind = static_cast<std::uint8_t>(EvidenceKind::kSealFork);
  e.path = {samples::MakeHeader(), samples::MakeHeader()};
  e.path[1].height = 6;
  auto back = codec::Decode<Evidence>(codec::Encode(e));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, e);
  e.path[1].version = 2;
  EXPECT_EQ(ErrcOf(codec::Decode<Evidence>(codec::Encode(e))), Errc::kBadVersion);
}

TEST(AnchorRecordDecode, RejectsMethodsOtherThanOtsAndDirect) {
  AnchorRecord a = samples::MakeAnchorRecord();
  for (std::uint8_t method : {0, 3, 0xff}) {
    a.method = method;
    EXPECT_EQ(ErrcOf(codec::Decode<AnchorRecord>(codec::Encode(a))), Errc::kMalformed) << int{method};
  }
  a.method = static_cast<std::uint8_t>(AnchorMethod::kDirect);
  EXPECT_EQ(ErrcOf(codec::Decode<AnchorRecord>(codec::Encode(a))), Errc::kOk);
}

TEST(AnchorRecordDecode, RejectsProofsAboveTheirBound) {
  AnchorRecord a = samples::MakeAnchorRecord();
  a.proof.assign(kMaxProofBytes, 0x5a);
  EXPECT_EQ(ErrcOf(codec::Decode<AnchorRecord>(codec::Encode(a))), Errc::kOk);
  a.proof.push_back(0x5a);
  EXPECT_EQ(ErrcOf(codec::Decode<AnchorRecord>(codec::Encode(a))), Errc::kTooLarge);
}

TEST(MerkleRoots, OfEmptyListsAreSha256OfNothing) {
  constexpr std::string_view kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(Hex(BatchesRoot({})), kEmpty);
  EXPECT_EQ(Hex(RecordsRoot({})), kEmpty);
}

TEST(MerkleRoots, CommitToOrderAndContent) {
  const std::vector<TxBatch> ab = {samples::MakeBatch(1, 1), samples::MakeBatch(2, 1)};
  const std::vector<TxBatch> ba = {samples::MakeBatch(2, 1), samples::MakeBatch(1, 1)};
  EXPECT_NE(BatchesRoot(ab), BatchesRoot(ba));
  EXPECT_NE(BatchesRoot(ab), BatchesRoot({samples::MakeBatch(1, 1)}));
}

TEST(BlockId, IgnoresTheBodyButNotAnyHeaderField) {
  Block b = samples::MakeBlock1();
  const Hash32 id = BlockId(b.header);
  b.batches.clear();  // the header commits to the body only through its roots
  EXPECT_EQ(BlockId(b.header), id);
  b.header.timestamp_ms += 1;
  EXPECT_NE(BlockId(b.header), id);
}

TEST(JustificationHash, CoversEveryRoundChange) {
  const std::vector<RoundChange> one = {samples::MakeRoundChange(3)};
  const std::vector<RoundChange> two = {samples::MakeRoundChange(3), samples::MakeRoundChange(4)};
  EXPECT_NE(JustificationHash(one), JustificationHash(two));
  EXPECT_NE(JustificationHash(one), JustificationHash({}));
}

}  // namespace
}  // namespace peerdb::chain
