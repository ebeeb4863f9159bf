// Operations and signed batches (PROTOCOL.md §1.4): CheckBatchShape accepts the sample and rejects
// each stateless rule with its code; keys, signatures and the Op decoder's bounds.
#include "peerdb/chain/tx.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "chain_samples.h"
#include "../common/errc_of.h"

namespace peerdb::chain {
namespace {

Errc CheckEdited(const std::function<void(TxBatch&)>& edit, const Params& params = Params{}) {
  TxBatch b = samples::MakeBatch();
  edit(b);
  return ErrcOf(CheckBatchShape(b, params));
}

TEST(CheckBatchShape, AcceptsTheSampleBatch) {
  EXPECT_EQ(ErrcOf(CheckBatchShape(samples::MakeBatch(), Params{})), Errc::kOk);
}

TEST(CheckBatchShape, AcceptsDeleteAndConfigOps) {
  EXPECT_EQ(CheckEdited([](TxBatch& b) {
              Op del = samples::MakeOp();
              del.kind = static_cast<std::uint8_t>(OpKind::kDel);
              del.value.clear();
              Op cfg;
              cfg.kind = static_cast<std::uint8_t>(OpKind::kConfig);
              cfg.ns = "_config";
              cfg.value = {0x00, 0x01};
              b.ops = {del, cfg};
            }),
            Errc::kOk);
}

TEST(CheckBatchShape, RejectsUnknownVersion) {
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.version = 1; }), Errc::kBadVersion);  // chain format 1
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.version = 3; }), Errc::kBadVersion);
}

TEST(CheckBatchShape, RejectsSequenceZero) {
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.seq = 0; }), Errc::kInvalid);
}

TEST(CheckBatchShape, RejectsABatchWithoutOperations) {
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.ops.clear(); }), Errc::kInvalid);
}

TEST(CheckBatchShape, RejectsUnknownOpKinds) {
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.ops[0].kind = 0; }), Errc::kMalformed);
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.ops[0].kind = 5; }), Errc::kMalformed);
}

TEST(CheckBatchShape, RejectsBadNamespaces) {
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.ops[0].ns = "Ledger"; }), Errc::kMalformed);
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.ops[0].ns.clear(); }), Errc::kMalformed);
}

TEST(CheckBatchShape, KeepsConfigOpsAndTheConfigNamespaceTogether) {
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.ops[0].kind = static_cast<std::uint8_t>(OpKind::kConfig); }),
            Errc::kInvalid);
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.ops[0].ns = "_config"; }), Errc::kInvalid);
}

TEST(CheckBatchShape, RejectsBadKeys) {
  for (const std::string& key : {std::string(), std::string("a/b"), std::string("a b"), std::string("50%"),
                                 std::string(kMaxKeyBytes + 1, 'k')}) {
    EXPECT_EQ(CheckEdited([&](TxBatch& b) { b.ops[0].key = key; }), Errc::kMalformed) << key;
  }
}

TEST(CheckBatchShape, RejectsADeleteCarryingAValue) {
  EXPECT_EQ(CheckEdited([](TxBatch& b) { b.ops[0].kind = static_cast<std::uint8_t>(OpKind::kDel); }),
            Errc::kInvalid);
}

TEST(CheckBatchShape, RejectsBatchesAboveMaxBatchBytes) {
  Params p;
  p.max_batch_bytes = 1024;
  const Op op = samples::MakeOp();
  const std::size_t fixed = op.ns.size() + op.key.size() + 16;
  EXPECT_EQ(CheckEdited([&](TxBatch& b) { b.ops[0].value.assign(1024 - fixed, 'v'); }, p), Errc::kOk);
  EXPECT_EQ(CheckEdited([&](TxBatch& b) { b.ops[0].value.assign(1024 - fixed + 1, 'v'); }, p), Errc::kTooLarge);
  // Many small ops add up.
  EXPECT_EQ(CheckEdited([&](TxBatch& b) { b.ops.assign(40, samples::MakeOp()); }, p), Errc::kTooLarge);
}

TEST(IsValidKey, AcceptsPrintableAsciiWithoutUrlSeparators) {
  EXPECT_TRUE(IsValidKey("invoice-42"));
  EXPECT_TRUE(IsValidKey("A.b_c~!$&'()*+,;=:@"));
  EXPECT_TRUE(IsValidKey(std::string(kMaxKeyBytes, 'k')));
  EXPECT_FALSE(IsValidKey(""));
  EXPECT_FALSE(IsValidKey(std::string(kMaxKeyBytes + 1, 'k')));
  for (char c : {'/', '?', '#', '%', ' ', '\t', '\x7f', '\x00', '\x80'}) {
    EXPECT_FALSE(IsValidKey(std::string("a") + c + "b")) << int{static_cast<unsigned char>(c)};
  }
}

TEST(TxBatchSignature, VerifiesUnderTheAuthorKeyOnlyAndCoversEveryOp) {
  const Hash32 chain = samples::ChainIdOfSample();
  TxBatch b = samples::MakeBatch(2, 5);
  EXPECT_TRUE(VerifySignedBy(samples::Key(2).public_key(), chain, b));
  EXPECT_FALSE(VerifySignedBy(samples::Key(1).public_key(), chain, b));
  b.ops[0].value.push_back('0');
  b.ops[0].ForgetCommitment();  // as a member receiving the longer value decodes it
  EXPECT_FALSE(VerifySignedBy(samples::Key(2).public_key(), chain, b));
  b = samples::MakeBatch(2, 5);
  b.seq = 6;
  EXPECT_FALSE(VerifySignedBy(samples::Key(2).public_key(), chain, b));
}

TEST(TxBatchDecode, RejectsUnknownOpKinds) {
  TxBatch b = samples::MakeBatch();
  for (std::uint8_t kind : {0, 5, 0xff}) {
    b.ops[0].kind = kind;
    EXPECT_EQ(ErrcOf(codec::Decode<TxBatch>(codec::Encode(b))), Errc::kMalformed) << int{kind};
  }
}

TEST(TxBatchDecode, RejectsNonCanonicalNamespaces) {
  TxBatch b = samples::MakeBatch();
  b.ops[0].ns = "LEDGER";
  EXPECT_EQ(ErrcOf(codec::Decode<TxBatch>(codec::Encode(b))), Errc::kMalformed);
}

TEST(TxBatchDecode, RejectsKeysAndValuesAboveTheirBounds) {
  TxBatch b = samples::MakeBatch();
  b.ops[0].key.assign(kMaxKeyBytes + 1, 'k');
  EXPECT_EQ(ErrcOf(codec::Decode<TxBatch>(codec::Encode(b))), Errc::kTooLarge);
  b = samples::MakeBatch();
  b.ops[0].value.assign(kMaxValueBytes, 'v');
  EXPECT_EQ(ErrcOf(codec::Decode<TxBatch>(codec::Encode(b))), Errc::kOk);
  b.ops[0].value.push_back('v');
  EXPECT_EQ(ErrcOf(codec::Decode<TxBatch>(codec::Encode(b))), Errc::kTooLarge);
}

TEST(TxBatchDecode, RejectsATruncatedSignature) {
  Bytes b = codec::Encode(samples::MakeBatch());
  b.pop_back();
  EXPECT_EQ(ErrcOf(codec::Decode<TxBatch>(b)), Errc::kMalformed);
}

}  // namespace
}  // namespace peerdb::chain
