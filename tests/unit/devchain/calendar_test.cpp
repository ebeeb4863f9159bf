// The devchain without HTTP: mining (proof of work, links, coinbase), the calendar merkle tree and
// transaction paths, proofs checked by ots::VerifyBitcoin, confirmations, reorgs, persistence
// across reopening, and the limits on what callers may ask.
#include "peerdb/devchain/calendar.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "devchain_test_util.h"
#include "peerdb/devchain/proof.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/ots/verify.h"
#include "../common/errc_of.h"

namespace peerdb::devchain {
namespace {

using testing::CalendarHeaderSource;
using testing::DigestOf;
using testing::FakeClock;
using testing::TempDir;

const std::string kUrl = "http://127.0.0.1:9999";

std::unique_ptr<Calendar> OpenCal(const TempDir& dir, const util::Clock& clock, CalendarOptions options = {}) {
  auto cal = Calendar::Open(dir.path(), options, clock);
  EXPECT_TRUE(cal.ok()) << cal.error().message;
  EXPECT_TRUE((*cal)->SetPublicUrl(kUrl).ok());
  return std::move(*cal);
}

Bytes ApplyAll(Bytes msg, const std::vector<ots::Op>& ops) {
  for (const ots::Op& op : ops) msg = *ots::ApplyOp(op, msg);
  return msg;
}

// Submits digest, returns the commitment (the message at the pending attestation).
Bytes Submit(Calendar& cal, const Hash32& digest) {
  auto reply = cal.SubmitDigest(digest);
  EXPECT_TRUE(reply.ok()) << reply.error().message;
  auto ts = ots::DecodeTimestamp(*reply, Bytes(digest.begin(), digest.end()));
  EXPECT_TRUE(ts.ok());
  const auto leaves = ts->AllAttestations();
  EXPECT_EQ(leaves.size(), 1u);
  return leaves.at(0).msg;
}

Result<ots::BitcoinVerification> VerifyProof(Calendar& cal, const Bytes& commitment, const Bytes& proof) {
  PEERDB_TRY_ASSIGN(const ots::Timestamp ts, ots::DecodeTimestamp(proof, commitment));
  CalendarHeaderSource source(cal);
  return ots::VerifyBitcoin(ts, source, ots::VerifyOptions{.pow_limit_bits = ots::kRegtestPowLimitBits});
}

TEST(DevchainMiner, BlocksCarryValidWorkLinksAndBip34Height) {
  const Block genesis = RegtestGenesisBlock();
  BlockTemplate tmpl{.height = 1, .prev_hash = genesis.Hash(), .time = genesis.header.time + 600,
                     .coinbase_extra = ToBytes("x"), .txs = {EncodeTx(MakeFillerTx(1, 0, 0))}};
  auto block = MineBlock(tmpl);
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(block->header.prev_block, genesis.Hash());
  EXPECT_EQ(block->header.bits, ots::kRegtestPowLimitBits);
  EXPECT_EQ(block->header.version, kBlockVersion);
  EXPECT_TRUE(ots::CheckProofOfWork(block->header, ots::kRegtestPowLimitBits).ok());
  EXPECT_EQ(block->header.merkle_root, MerkleRoot(block->Txids()));
  ASSERT_EQ(block->txs.size(), 2u);
  auto coinbase = DecodeTx(block->txs[0]);
  ASSERT_TRUE(coinbase.ok());
  EXPECT_EQ(coinbase->inputs[0].prevout, NullOutPoint());
  EXPECT_EQ(coinbase->inputs[0].script_sig[0], 0x51);  // OP_1: height 1
  EXPECT_EQ(coinbase->outputs.size(), 1u);
  EXPECT_EQ(coinbase->outputs[0].value, BlockSubsidy(1));
  // The work is real: a header with another nonce almost never meets a mainnet-hard target.
  EXPECT_EQ(ErrcOf(ots::CheckProofOfWork(block->header, 0x1d00ffff)), Errc::kInvalid);
}

TEST(DevchainMiner, CommitmentTxHoldsTheRootInItsOpReturn) {
  const Hash32 root = DigestOf("root");
  const CommitmentTx ctx = MakeCommitmentTx(OutPoint{DigestOf("coin"), 0}, BlockSubsidy(5), root, 6);
  EXPECT_TRUE(std::equal(root.begin(), root.end(), ctx.bytes.begin() + static_cast<std::ptrdiff_t>(ctx.root_offset)));
  auto tx = DecodeTx(ctx.bytes);
  ASSERT_TRUE(tx.ok());
  ASSERT_EQ(tx->outputs.size(), 2u);
  EXPECT_EQ(tx->outputs[1].script_pubkey, OpReturnScript(root));
  EXPECT_EQ(tx->outputs[1].value, 0);
  EXPECT_EQ(tx->lock_time, 5u);
}

TEST(DevchainProof, CalendarTreePathsReachTheRootForEveryCount) {
  for (std::size_t n = 1; n <= 11; ++n) {
    std::vector<Bytes> commitments;
    for (std::size_t i = 0; i < n; ++i) commitments.push_back(Bytes(44, static_cast<std::uint8_t>(i)));
    const CalendarTree tree = BuildCalendarTree(commitments);
    for (std::size_t i = 0; i < n; ++i) {
      const Bytes end = ApplyAll(commitments[i], tree.paths[i]);
      EXPECT_EQ(end, Bytes(tree.root.begin(), tree.root.end())) << "n=" << n << " i=" << i;
    }
  }
}

TEST(DevchainProof, TxPathReachesTheBlockMerkleRootAtEveryPosition) {
  const Hash32 root = DigestOf("calendar root");
  const CommitmentTx ctx = MakeCommitmentTx(OutPoint{}, 0, root, 2);
  for (std::size_t n = 1; n <= 6; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      std::vector<Hash32> txids;
      for (std::size_t i = 0; i < n; ++i) txids.push_back(i == at ? Txid(ctx.bytes) : DigestOf(std::to_string(i)));
      const Bytes end = ApplyAll(Bytes(root.begin(), root.end()), TxToBlockOps(ctx, txids, at));
      const Hash32 merkle = MerkleRoot(txids);
      EXPECT_EQ(end, Bytes(merkle.begin(), merkle.end())) << "n=" << n << " at=" << at;
    }
  }
}

TEST(Calendar, NewChainStartsAtTheRegtestGenesis) {
  TempDir dir;
  FakeClock clock;
  auto cal = OpenCal(dir, clock);
  EXPECT_EQ(cal->Tip().height, 0u);
  EXPECT_EQ(ots::BlockHashHex(cal->Tip().header), kRegtestGenesisHash);
}

TEST(Calendar, SubmissionHasTheReferenceShape) {
  TempDir dir;
  FakeClock clock(1'432'827'678'000ULL);
  auto cal = OpenCal(dir, clock);
  const Hash32 digest = DigestOf("hello");
  auto reply = cal->SubmitDigest(digest);
  ASSERT_TRUE(reply.ok());
  auto ts = ots::DecodeTimestamp(*reply, Bytes(digest.begin(), digest.end()));
  ASSERT_TRUE(ts.ok());
  ASSERT_EQ(ts->ops().size(), 1u);
  EXPECT_EQ(ts->ops()[0].op, ots::PrependOp(*FromHex("5567371e")));  // 1432827678 big-endian
  const ots::Timestamp& prepended = *ts->ops()[0].child;
  ASSERT_EQ(prepended.ops().size(), 1u);
  EXPECT_EQ(prepended.ops()[0].op.tag, ots::OpTag::kAppend);
  EXPECT_EQ(prepended.ops()[0].op.arg.size(), kCalendarMacSize);
  const ots::Timestamp& commitment = *prepended.ops()[0].child;
  EXPECT_EQ(commitment.msg().size(), 44u);
  ASSERT_EQ(commitment.attestations().size(), 1u);
  EXPECT_EQ(commitment.attestations()[0], ots::Attestation::Pending(kUrl));
}

TEST(Calendar, ProofVerifiesOnceConfirmed) {
  TempDir dir;
  FakeClock clock;
  auto cal = OpenCal(dir, clock, CalendarOptions{.min_confirmations = 3, .filler_txs = 3});
  std::vector<Bytes> commitments;
  for (int i = 0; i < 5; ++i) commitments.push_back(Submit(*cal, DigestOf("doc " + std::to_string(i))));
  EXPECT_EQ(cal->GetTimestamp(commitments[0])->state, TimestampLookup::State::kPending);
  EXPECT_EQ(cal->GetTimestamp(Bytes(44, 0))->state, TimestampLookup::State::kUnknown);

  ASSERT_TRUE(cal->Mine(1).ok());
  const BlockMeta block = cal->Tip();
  EXPECT_EQ(block.tx_count, 5u);  // coinbase, commitment tx, 3 fillers: an odd count
  ASSERT_TRUE(block.commitment_root.has_value());
  EXPECT_EQ(cal->LatestRoot(), block.commitment_root);
  auto waiting = cal->GetTimestamp(commitments[0]);
  EXPECT_EQ(waiting->state, TimestampLookup::State::kWaiting);
  EXPECT_EQ(waiting->confirmations_needed, 2u);

  clock.Advance(1000);
  ASSERT_TRUE(cal->Mine(2).ok());
  for (const Bytes& c : commitments) {
    auto found = cal->GetTimestamp(c);
    ASSERT_EQ(found->state, TimestampLookup::State::kConfirmed);
    auto verified = VerifyProof(*cal, c, found->proof);
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(verified->height, block.height);
    EXPECT_EQ(verified->block_hash, block.hash);
    EXPECT_EQ(verified->time, block.header.time);
  }
}

TEST(Calendar, BlockTimesStayAboveTheMedianOfTheLastEleven) {
  TempDir dir;
  FakeClock clock(1'000'000'000'000ULL);  // far before the genesis time: the clock is ignored
  auto cal = OpenCal(dir, clock);
  ASSERT_TRUE(cal->Mine(20).ok());
  for (std::uint64_t h = 1; h <= 20; ++h) {
    EXPECT_GT(cal->BlockAt(h)->header.time, cal->MedianTimePast(h - 1)) << h;
    EXPECT_EQ(cal->BlockAt(h)->header.prev_block, cal->BlockAt(h - 1)->hash);
  }
}

TEST(Calendar, ReorgInvalidatesOldProofsAndRemines) {
  TempDir dir;
  FakeClock clock;
  auto cal = OpenCal(dir, clock);
  ASSERT_TRUE(cal->Mine(3).ok());
  const Bytes c = Submit(*cal, DigestOf("contract"));
  ASSERT_TRUE(cal->Mine(2).ok());  // commitment in block 4, tip 5
  const auto old_proof = cal->GetTimestamp(c)->proof;
  ASSERT_TRUE(VerifyProof(*cal, c, old_proof).ok());
  const BlockMeta old4 = *cal->BlockAt(4);

  auto reorg = cal->Reorg(2);
  ASSERT_TRUE(reorg.ok()) << reorg.error().message;
  EXPECT_EQ(reorg->dropped_blocks, 2u);
  EXPECT_EQ(reorg->returned_commitments, 1u);
  EXPECT_EQ(reorg->new_blocks.size(), 3u);
  EXPECT_EQ(cal->Tip().height, 6u);
  EXPECT_NE(cal->BlockAt(4)->hash, old4.hash);
  EXPECT_FALSE(cal->BlockByHash(old4.hash).has_value());
  EXPECT_EQ(cal->BlockAt(4)->tx_count, 1u + CalendarOptions{}.filler_txs);  // no commitment tx
  auto old = VerifyProof(*cal, c, old_proof);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, Errc::kInvalid);
  EXPECT_EQ(cal->GetTimestamp(c)->state, TimestampLookup::State::kPending);

  ASSERT_TRUE(cal->Mine(1).ok());
  auto found = cal->GetTimestamp(c);
  ASSERT_EQ(found->state, TimestampLookup::State::kConfirmed);
  auto verified = VerifyProof(*cal, c, found->proof);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->height, 7u);
}

TEST(Calendar, ReopeningKeepsChainPendingProofsAndKey) {
  TempDir dir;
  FakeClock clock;
  std::vector<Hash32> hashes;
  Bytes mined_commitment, pending_commitment, proof;
  {
    auto cal = OpenCal(dir, clock);
    mined_commitment = Submit(*cal, DigestOf("mined"));
    ASSERT_TRUE(cal->Mine(3).ok());
    ASSERT_TRUE(cal->Reorg(1).ok());
    pending_commitment = Submit(*cal, DigestOf("pending"));
    proof = cal->GetTimestamp(mined_commitment)->proof;
    for (std::uint64_t h = 0; h <= cal->Tip().height; ++h) hashes.push_back(cal->BlockAt(h)->hash);
  }
  auto cal = OpenCal(dir, clock);
  ASSERT_EQ(cal->Tip().height + 1, hashes.size());
  for (std::uint64_t h = 0; h < hashes.size(); ++h) EXPECT_EQ(cal->BlockAt(h)->hash, hashes[h]);
  EXPECT_EQ(cal->GetTimestamp(mined_commitment)->proof, proof);
  EXPECT_EQ(cal->GetTimestamp(pending_commitment)->state, TimestampLookup::State::kPending);
  // Same key, same second: the same digest gives the same commitment.
  EXPECT_EQ(Submit(*cal, DigestOf("pending")), pending_commitment);
  ASSERT_TRUE(cal->Mine(1).ok());
  EXPECT_TRUE(VerifyProof(*cal, pending_commitment, cal->GetTimestamp(pending_commitment)->proof).ok());
  // Reorg salts persisted: the blocks after the restart differ from any before it.
  EXPECT_NE(cal->Tip().hash, hashes.back());
}

TEST(Calendar, RefusesBadRequests) {
  TempDir dir;
  FakeClock clock;
  auto cal = OpenCal(dir, clock, CalendarOptions{.max_pending = 2});
  EXPECT_EQ(cal->SubmitDigest(Bytes{}).error().code, Errc::kMalformed);
  EXPECT_EQ(cal->SubmitDigest(Bytes(65, 1)).error().code, Errc::kTooLarge);
  EXPECT_TRUE(cal->SubmitDigest(Bytes(64, 1)).ok());
  EXPECT_TRUE(cal->SubmitDigest(Bytes(1, 1)).ok());
  EXPECT_EQ(cal->SubmitDigest(Bytes(32, 3)).error().code, Errc::kUnavailable);
  ASSERT_TRUE(cal->Mine(1).ok());
  EXPECT_TRUE(cal->SubmitDigest(Bytes(32, 3)).ok());

  EXPECT_EQ(cal->Mine(0).error().code, Errc::kInvalid);
  EXPECT_EQ(cal->Mine(kMaxMinePerCall + 1).error().code, Errc::kInvalid);
  EXPECT_EQ(cal->Reorg(0).error().code, Errc::kInvalid);
  EXPECT_EQ(cal->Reorg(2).error().code, Errc::kInvalid);  // tip is 1: genesis stays
  EXPECT_TRUE(cal->Reorg(1).ok());
  EXPECT_EQ(cal->SetPublicUrl("http://[::1]:80").error().code, Errc::kMalformed);

  auto opened = Calendar::Open(dir.path(), CalendarOptions{.min_confirmations = 0}, clock);
  EXPECT_EQ(opened.error().code, Errc::kConfig);
}

TEST(Calendar, DamagedDatabaseIsCorrupt) {
  TempDir dir;
  FakeClock clock;
  { auto cal = OpenCal(dir, clock); ASSERT_TRUE(cal->Mine(2).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/" + kDbFile).c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE blocks SET hash = zeroblob(32) WHERE height = 1", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto cal = Calendar::Open(dir.path(), {}, clock);
  ASSERT_FALSE(cal.ok());
  EXPECT_EQ(cal.error().code, Errc::kCorrupt);
}

}  // namespace
}  // namespace peerdb::devchain
