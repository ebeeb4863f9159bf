#include "peerdb/devchain/miner.h"

#include <algorithm>
#include <string_view>

#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::devchain {

namespace {

// The regtest (and mainnet) genesis coinbase, with "The Times 03/Jan/2009 ..." in its scriptSig.
constexpr std::string_view kGenesisCoinbaseHex =
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d01"
    "04455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f6620"
    "7365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548"
    "271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b"
    "8d578a4c702b6bf11d5fac00000000";
constexpr std::uint32_t kGenesisTime = 1296688602;
constexpr std::uint32_t kGenesisNonce = 2;
constexpr std::int64_t kCommitmentFee = 10'000;
constexpr std::int64_t kFillerValue = 25'000;

// Deterministic bytes standing in for keys and signatures nobody checks.
Hash32 Tagged(std::string_view tag, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
  Bytes data(tag.begin(), tag.end());
  for (const std::uint64_t v : {a, b, c}) {
    for (int i = 0; i < 8; ++i) data.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  return crypto::Sha256(data);
}

ByteSpan First20(const Hash32& h) { return ByteSpan(h.data(), 20); }

}  // namespace

std::vector<Hash32> Block::Txids() const {
  std::vector<Hash32> out;
  out.reserve(txs.size());
  for (const Bytes& tx : txs) out.push_back(Txid(tx));
  return out;
}

Bytes Block::Encode() const {
  const auto head = ots::EncodeBlockHeader(header);
  Bytes out(head.begin(), head.end());
  AppendCompactSize(out, txs.size());
  for (const Bytes& tx : txs) out.insert(out.end(), tx.begin(), tx.end());
  return out;
}

Block RegtestGenesisBlock() {
  Block block;
  block.height = 0;
  block.txs.push_back(*FromHex(kGenesisCoinbaseHex));
  block.header.version = 1;
  block.header.merkle_root = Txid(block.txs[0]);
  block.header.time = kGenesisTime;
  block.header.bits = ots::kRegtestPowLimitBits;
  block.header.nonce = kGenesisNonce;
  return block;
}

std::int64_t BlockSubsidy(std::uint64_t height) {
  const std::uint64_t halvings = height / kRegtestHalvingInterval;
  return halvings >= 64 ? 0 : kInitialSubsidy >> halvings;
}

BitcoinTx MakeCoinbaseTx(std::uint64_t height, ByteSpan extra) {
  PEERDB_ASSERT(!extra.empty() && extra.size() <= 80);
  BitcoinTx tx;
  TxIn in;
  in.prevout = NullOutPoint();
  in.script_sig = ScriptNumPush(height);
  AppendPush(in.script_sig, extra);
  tx.inputs.push_back(std::move(in));
  tx.outputs.push_back(TxOut{BlockSubsidy(height), P2wpkhScript(First20(Tagged("peerdb devchain miner", 0)))});
  return tx;
}

CommitmentTx MakeCommitmentTx(const OutPoint& spend, std::int64_t spend_value, const Hash32& root,
                              std::uint64_t height) {
  // A DER-shaped signature (0x30 len 0x02 0x20 r 0x02 0x20 s, SIGHASH_ALL) and a compressed key.
  const Hash32 r = Tagged("peerdb devchain sig r", height), s = Tagged("peerdb devchain sig s", height);
  Bytes sig{0x30, 0x44, 0x02, 0x20};
  sig.insert(sig.end(), r.begin(), r.end());
  sig.insert(sig.end(), {0x02, 0x20});
  sig.insert(sig.end(), s.begin(), s.end());
  sig.push_back(0x01);
  const Hash32 key = Tagged("peerdb devchain calendar key", 0);
  Bytes pubkey{0x02};
  pubkey.insert(pubkey.end(), key.begin(), key.end());

  BitcoinTx tx;
  TxIn in;
  in.prevout = spend;
  AppendPush(in.script_sig, sig);
  AppendPush(in.script_sig, pubkey);
  in.sequence = 0xfffffffd;
  tx.inputs.push_back(std::move(in));
  const std::int64_t change = std::max<std::int64_t>(spend_value - kCommitmentFee, 0);
  tx.outputs.push_back(TxOut{change, P2wpkhScript(First20(Tagged("peerdb devchain calendar change", 0)))});
  tx.outputs.push_back(TxOut{0, OpReturnScript(root)});
  tx.lock_time = static_cast<std::uint32_t>(height == 0 ? 0 : height - 1);

  CommitmentTx out;
  out.bytes = EncodeTx(tx);
  // The root is the last 32 bytes before the lock time.
  out.root_offset = out.bytes.size() - 4 - 32;
  PEERDB_ASSERT(std::equal(root.begin(), root.end(), out.bytes.begin() + static_cast<std::ptrdiff_t>(out.root_offset)));
  return out;
}

BitcoinTx MakeFillerTx(std::uint64_t height, std::uint32_t index, std::uint64_t salt) {
  BitcoinTx tx;
  TxIn in;
  in.prevout = OutPoint{Tagged("peerdb devchain filler input", height, index, salt), index};
  const Hash32 key = Tagged("peerdb devchain filler key", height, index, salt);
  Bytes pubkey{0x03};
  pubkey.insert(pubkey.end(), key.begin(), key.end());
  AppendPush(in.script_sig, pubkey);
  tx.inputs.push_back(std::move(in));
  tx.outputs.push_back(TxOut{kFillerValue, P2wpkhScript(First20(Tagged("peerdb devchain filler out", height, index, salt)))});
  return tx;
}

Result<Block> MineBlock(const BlockTemplate& tmpl) {
  PEERDB_ASSERT(tmpl.height >= 1);
  Block block;
  block.height = tmpl.height;
  block.txs.push_back(EncodeTx(MakeCoinbaseTx(tmpl.height, tmpl.coinbase_extra)));
  block.txs.insert(block.txs.end(), tmpl.txs.begin(), tmpl.txs.end());
  const std::vector<Hash32> txids = block.Txids();
  block.header.version = kBlockVersion;
  block.header.prev_block = tmpl.prev_hash;
  block.header.merkle_root = MerkleRoot(txids);
  block.header.time = tmpl.time;
  block.header.bits = ots::kRegtestPowLimitBits;
  for (std::uint64_t nonce = 0; nonce <= 0xffffffffULL; ++nonce) {
    block.header.nonce = static_cast<std::uint32_t>(nonce);
    if (ots::CheckProofOfWork(block.header, ots::kRegtestPowLimitBits).ok()) return block;
  }
  return Error{Errc::kInternal, "no nonce meets the regtest target"};
}

}  // namespace peerdb::devchain
