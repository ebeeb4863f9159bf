// Bitcoin transaction serialization, txids, merkle trees and scripts, against Bitcoin's regtest
// genesis block (whose bytes python-bitcoinlib also carries) and hand-computed cases. The
// devchain_reference test checks mined devchain blocks against python-bitcoinlib as well.
#include "peerdb/devchain/bitcoin_tx.h"

#include <gtest/gtest.h>

#include "peerdb/devchain/miner.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/bitcoin_header.h"
#include "../common/errc_of.h"

namespace peerdb::devchain {
namespace {

// The genesis coinbase, as `bitcoin.params.GENESIS_BLOCK.vtx[0].serialize()` prints it.
const std::string kGenesisCoinbase =
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054"
    "696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f7574"
    "20666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea"
    "1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
const std::string kGenesisTxid = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
const std::string kGenesisHeader =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc8"
    "1bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000";

Hash32 H(std::uint8_t fill) {
  Hash32 h;
  h.fill(fill);
  return h;
}

Hash32 Pair(const Hash32& a, const Hash32& b) {
  Bytes cat(a.begin(), a.end());
  cat.insert(cat.end(), b.begin(), b.end());
  return Sha256d(cat);
}

TEST(BitcoinTx, GenesisCoinbaseDecodesReencodesAndHasTheKnownTxid) {
  const Bytes raw = *FromHex(kGenesisCoinbase);
  auto tx = DecodeTx(raw);
  ASSERT_TRUE(tx.ok()) << tx.error().message;
  EXPECT_EQ(tx->version, 1);
  ASSERT_EQ(tx->inputs.size(), 1u);
  EXPECT_EQ(tx->inputs[0].prevout, NullOutPoint());
  EXPECT_EQ(tx->inputs[0].script_sig.size(), 77u);
  ASSERT_EQ(tx->outputs.size(), 1u);
  EXPECT_EQ(tx->outputs[0].value, 5'000'000'000);
  EXPECT_EQ(tx->outputs[0].script_pubkey.size(), 67u);
  EXPECT_EQ(EncodeTx(*tx), raw);
  EXPECT_EQ(ots::DisplayHex(Txid(raw)), kGenesisTxid);
}

TEST(BitcoinTx, RegtestGenesisBlockIsBitcoinsOwn) {
  const Block genesis = RegtestGenesisBlock();
  const auto header = ots::EncodeBlockHeader(genesis.header);
  EXPECT_EQ(Hex(header), kGenesisHeader);
  EXPECT_EQ(ots::BlockHashHex(genesis.header), kRegtestGenesisHash);
  EXPECT_EQ(Hex(genesis.txs[0]), kGenesisCoinbase);
  EXPECT_EQ(MerkleRoot(genesis.Txids()), genesis.header.merkle_root);
  EXPECT_TRUE(ots::CheckProofOfWork(genesis.header, ots::kRegtestPowLimitBits).ok());
  EXPECT_EQ(ErrcOf(ots::CheckProofOfWork(genesis.header, ots::kMainnetPowLimitBits)), Errc::kInvalid);
}

TEST(BitcoinTx, CompactSizeUsesTheShortestForm) {
  auto enc = [](std::uint64_t n) {
    Bytes b;
    AppendCompactSize(b, n);
    return Hex(b);
  };
  EXPECT_EQ(enc(0), "00");
  EXPECT_EQ(enc(0xfc), "fc");
  EXPECT_EQ(enc(0xfd), "fdfd00");
  EXPECT_EQ(enc(0xffff), "fdffff");
  EXPECT_EQ(enc(0x10000), "fe00000100");
  EXPECT_EQ(enc(0xffffffffULL), "feffffffff");
  EXPECT_EQ(enc(0x100000000ULL), "ff0000000001000000");
}

TEST(BitcoinTx, DecodeRejectsEveryTruncationAndTrailingBytes) {
  const Bytes raw = *FromHex(kGenesisCoinbase);
  for (std::size_t n = 0; n < raw.size(); ++n) {
    auto r = DecodeTx(ByteSpan(raw.data(), n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << n;
  }
  Bytes longer = raw;
  longer.push_back(0);
  EXPECT_EQ(DecodeTx(longer).error().code, Errc::kMalformed);
}

TEST(BitcoinTx, DecodeRejectsNonMinimalCountsSegwitAndOversize) {
  // The scriptSig length 0x4d written as fd 4d 00.
  std::string hex = kGenesisCoinbase;
  const std::size_t at = 2 * (4 + 1 + 36);
  ASSERT_EQ(hex.substr(at, 2), "4d");
  hex.replace(at, 2, "fd4d00");
  EXPECT_EQ(DecodeTx(*FromHex(hex)).error().code, Errc::kMalformed);
  // Segwit serializations start with a zero input count (the marker).
  std::string segwit = kGenesisCoinbase;
  segwit.insert(8, "0001");
  EXPECT_EQ(DecodeTx(*FromHex(segwit)).error().code, Errc::kMalformed);
  EXPECT_EQ(DecodeTx(Bytes(kMaxDecodedTxSize + 1, 0)).error().code, Errc::kTooLarge);
}

TEST(BitcoinTx, MerkleRootPairsTheLastOfAnOddLevelWithItself) {
  const Hash32 a = H(1), b = H(2), c = H(3);
  EXPECT_EQ(MerkleRoot(std::vector<Hash32>{a}), a);
  EXPECT_EQ(MerkleRoot(std::vector<Hash32>{a, b}), Pair(a, b));
  EXPECT_EQ(MerkleRoot(std::vector<Hash32>{a, b, c}), Pair(Pair(a, b), Pair(c, c)));
}

TEST(BitcoinTx, EveryBranchLeadsToTheRootForOddAndEvenCounts) {
  for (std::size_t n = 1; n <= 13; ++n) {
    std::vector<Hash32> txids;
    for (std::size_t i = 0; i < n; ++i) txids.push_back(Sha256d(Bytes{static_cast<std::uint8_t>(i)}));
    const Hash32 root = MerkleRoot(txids);
    for (std::size_t i = 0; i < n; ++i) {
      Hash32 node = txids[i];
      const auto branch = MerkleBranch(txids, i);
      for (const MerkleStep& step : branch) node = step.sibling_on_left ? Pair(step.sibling, node) : Pair(node, step.sibling);
      EXPECT_EQ(node, root) << "n=" << n << " i=" << i;
      std::size_t depth = 0;
      while ((std::size_t{1} << depth) < n) ++depth;
      EXPECT_EQ(branch.size(), depth) << "n=" << n;
    }
  }
}

TEST(BitcoinTx, ScriptNumPushIsBitcoinCoresMinimalEncoding) {
  EXPECT_EQ(Hex(ScriptNumPush(0)), "00");
  EXPECT_EQ(Hex(ScriptNumPush(1)), "51");
  EXPECT_EQ(Hex(ScriptNumPush(16)), "60");
  EXPECT_EQ(Hex(ScriptNumPush(17)), "0111");
  EXPECT_EQ(Hex(ScriptNumPush(127)), "017f");
  EXPECT_EQ(Hex(ScriptNumPush(128)), "028000");
  EXPECT_EQ(Hex(ScriptNumPush(255)), "02ff00");
  EXPECT_EQ(Hex(ScriptNumPush(256)), "020001");
  EXPECT_EQ(Hex(ScriptNumPush(32768)), "03008000");
  EXPECT_EQ(Hex(ScriptNumPush(500000)), "0320a107");
}

TEST(BitcoinTx, PushesAndOutputScripts) {
  Bytes s;
  AppendPush(s, Bytes(75, 1));
  EXPECT_EQ(s[0], 75);
  s.clear();
  AppendPush(s, Bytes(76, 1));
  EXPECT_EQ(Hex(ByteSpan(s.data(), 2)), "4c4c");
  s.clear();
  AppendPush(s, Bytes(300, 1));
  EXPECT_EQ(Hex(ByteSpan(s.data(), 3)), "4d2c01");
  const Hash32 root = H(7);
  EXPECT_EQ(Hex(OpReturnScript(root)), "6a20" + Hex(root));
  EXPECT_EQ(Hex(P2wpkhScript(ByteSpan(root.data(), 20))), "0014" + Hex(ByteSpan(root.data(), 20)));
}

}  // namespace
}  // namespace peerdb::devchain
