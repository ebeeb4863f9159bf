// Value commitments and erasure (PROTOCOL.md §1.4, chain format 2): erasing an op's value keeps every
// id, root and signature; the full form carries the value or the commitment, the committed form
// only the commitment; config and erase ops are never erased; a proposal must carry every value.
#include <gtest/gtest.h>

#include <algorithm>

#include "chain_samples.h"
#include "peerdb/chain/block.h"
#include "peerdb/chain/tx.h"
#include "../common/errc_of.h"

namespace peerdb::chain {
namespace {

TxBatch TwoOpBatch() {
  TxBatch b = samples::MakeBatch();
  Op second = samples::MakeOp();
  second.key = "invoice-43";
  second.value = ToBytes("amount=7");
  second.salt.fill(0x17);
  b.ops.push_back(second);
  SignWith(samples::Key(1), samples::ChainIdOfSample(), b);
  return b;
}

TEST(ValueCommitment, DependsOnTheSaltAndTheValue) {
  const Op op = samples::MakeOp();
  Op other_salt = op;
  other_salt.salt[0] ^= 1;
  Op other_value = op;
  other_value.value.back() ^= 1;
  EXPECT_NE(ValueCommitment(op), ValueCommitment(other_salt));
  EXPECT_NE(ValueCommitment(op), ValueCommitment(other_value));
  // Committed to through the tag "PDB1/value" over salt || PCE(bytes value).
  codec::Writer w;
  w.fixed(op.salt);
  w.bytes(op.value, kMaxValueBytes);
  EXPECT_EQ(ValueCommitment(op), TaggedHashBytes(tag::kValue, w.out()));
}

TEST(ValueCommitment, IsTakenOnceAndForgottenWhenTheValueChanges) {
  Op op = samples::MakeOp();
  const Hash32 first = ValueCommitment(op);
  ASSERT_TRUE(op.commitment_memo.value.has_value());
  const Op copy = op;  // a copy carries the memo with the value it was taken of
  EXPECT_EQ(ValueCommitment(copy), first);
  EXPECT_EQ(copy, samples::MakeOp());  // the memo takes no part in equality
  op.value = ToBytes("amount=8");
  op.ForgetCommitment();
  Op fresh = samples::MakeOp();
  fresh.value = ToBytes("amount=8");
  EXPECT_NE(ValueCommitment(op), first);
  EXPECT_EQ(ValueCommitment(op), ValueCommitment(fresh));
  std::vector<Op> salted{op};
  FillSalts(salted);  // new salts forget the memo themselves
  EXPECT_NE(ValueCommitment(salted[0]), ValueCommitment(op));
  EXPECT_EQ(ValueCommitment(salted[0]), TaggedHashBytes(tag::kValue, [&] {
              codec::Writer w;
              w.fixed(salted[0].salt);
              w.bytes(salted[0].value, kMaxValueBytes);
              return w.out();
            }()));
}

#ifndef NDEBUG
TEST(ValueCommitmentDeathTest, AChangedValueWithoutForgetCommitmentStopsADebugBuild) {
  Op op = samples::MakeOp();
  (void)ValueCommitment(op);
  op.value.back() ^= 1;  // in place, without ForgetCommitment
  EXPECT_DEATH((void)ValueCommitment(op), "ForgetCommitment");
}
#endif

TEST(EraseValue, KeepsTheBatchIdLeafSignatureAndRoot) {
  const TxBatch before = TwoOpBatch();
  TxBatch after = before;
  EraseValue(after.ops[0]);
  ASSERT_TRUE(after.ops[0].is_erased());
  EXPECT_TRUE(after.ops[0].value.empty());
  EXPECT_EQ(after.ops[0].salt, Salt{});
  EXPECT_EQ(*after.ops[0].erased, ValueCommitment(before.ops[0]));
  EXPECT_EQ(BatchId(after), BatchId(before));
  EXPECT_EQ(BatchLeafBytes(after), BatchLeafBytes(before));
  EXPECT_EQ(BatchesRoot({after}), BatchesRoot({before}));
  EXPECT_TRUE(VerifySignedBy(samples::Key(1).public_key(), samples::ChainIdOfSample(), after));
  // The full form changed: the value is gone from the bytes that are stored and sent.
  const Bytes full = codec::Encode(after);
  EXPECT_NE(full, codec::Encode(before));
  const Bytes value = before.ops[0].value;
  EXPECT_EQ(std::search(full.begin(), full.end(), value.begin(), value.end()), full.end());
  // Erasing twice changes nothing.
  TxBatch twice = after;
  EraseValue(twice.ops[0]);
  EXPECT_EQ(twice, after);
}

TEST(EraseValue, TheErasedFormDecodesBackExactly) {
  TxBatch b = TwoOpBatch();
  EraseValue(b.ops[1]);
  auto decoded = codec::Decode<TxBatch>(codec::Encode(b));
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, b);
  EXPECT_FALSE(decoded->ops[0].is_erased());
  EXPECT_TRUE(decoded->ops[1].is_erased());
}

TEST(EraseValue, AChangedCommitmentBreaksTheSignature) {
  TxBatch b = TwoOpBatch();
  EraseValue(b.ops[0]);
  (*b.ops[0].erased)[5] ^= 0x01;
  EXPECT_FALSE(VerifySignedBy(samples::Key(1).public_key(), samples::ChainIdOfSample(), b));
  EXPECT_NE(BatchId(b), BatchId(TwoOpBatch()));
}

TEST(EraseValue, ASubstitutedValueBreaksTheSignature) {
  TxBatch b = TwoOpBatch();
  b.ops[0].value = ToBytes("amount=999");
  b.ops[0].ForgetCommitment();  // as a member receiving the substituted value decodes it
  EXPECT_FALSE(VerifySignedBy(samples::Key(1).public_key(), samples::ChainIdOfSample(), b));
}

TEST(OpForm, AnUnknownFormByteIsMalformed) {
  Bytes bytes = codec::Encode(samples::MakeOp());
  // kind, ns (4 + 6), key (4 + 10), then the form byte.
  const std::size_t form_at = 1 + 4 + 6 + 4 + 10;
  ASSERT_EQ(bytes[form_at], 1);
  bytes[form_at] = 2;
  auto decoded = codec::Decode<Op>(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kMalformed);
}

TEST(CheckBatchShape, ConfigAndEraseOpsAreNeverErased) {
  TxBatch b = samples::MakeBatch();
  Op cfg;
  cfg.kind = static_cast<std::uint8_t>(OpKind::kConfig);
  cfg.ns = "_config";
  cfg.value = {0x00, 0x01};
  EraseValue(cfg);
  b.ops = {cfg};
  EXPECT_EQ(ErrcOf(CheckBatchShape(b, Params{})), Errc::kInvalid);

  Op erase = samples::MakeOp();
  erase.kind = static_cast<std::uint8_t>(OpKind::kErase);
  erase.value = codec::Encode(EraseSpec{{1, 2}});
  b.ops = {erase};
  EXPECT_EQ(ErrcOf(CheckBatchShape(b, Params{})), Errc::kOk);
  EraseValue(b.ops[0]);
  EXPECT_EQ(ErrcOf(CheckBatchShape(b, Params{})), Errc::kInvalid);
}

TEST(CheckBatchShape, AnEraseSpecMustDecodeAscending) {
  TxBatch b = samples::MakeBatch();
  Op erase = samples::MakeOp();
  erase.kind = static_cast<std::uint8_t>(OpKind::kErase);
  erase.value = codec::Encode(EraseSpec{{2, 1}});  // Writer does not sort; the decoder refuses
  b.ops = {erase};
  EXPECT_EQ(ErrcOf(CheckBatchShape(b, Params{})), Errc::kMalformed);
  b.ops[0].value = ToBytes("not a spec");
  EXPECT_EQ(ErrcOf(CheckBatchShape(b, Params{})), Errc::kMalformed);
  b.ops[0].value = codec::Encode(EraseSpec{});  // every version
  EXPECT_EQ(ErrcOf(CheckBatchShape(b, Params{})), Errc::kOk);
}

TEST(CheckBatchShape, AnErasedPutKeepsItsShape) {
  TxBatch b = TwoOpBatch();
  EraseValue(b.ops[0]);
  EXPECT_EQ(ErrcOf(CheckBatchShape(b, Params{})), Errc::kOk);
}

TEST(CheckBatchOpened, RefusesAnyErasedOp) {
  TxBatch b = TwoOpBatch();
  EXPECT_EQ(ErrcOf(CheckBatchOpened(b)), Errc::kOk);
  EraseValue(b.ops[1]);
  EXPECT_EQ(ErrcOf(CheckBatchOpened(b)), Errc::kInvalid);
}

TEST(FillSalts, DrawsADifferentSaltForEveryOp) {
  std::vector<Op> ops(3, samples::MakeOp());
  FillSalts(ops);
  EXPECT_NE(ops[0].salt, ops[1].salt);
  EXPECT_NE(ops[1].salt, ops[2].salt);
  EXPECT_NE(ops[0].salt, Salt{});
  EXPECT_NE(ValueCommitment(ops[0]), ValueCommitment(ops[1]));  // same value, unlinkable commitments
}

}  // namespace
}  // namespace peerdb::chain
