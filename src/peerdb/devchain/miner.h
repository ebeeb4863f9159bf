// Block assembly for the devchain: regtest-format Bitcoin blocks with real 80-byte headers (version
// 0x20000000, bits 0x207fffff, a nonce found by a real proof-of-work search), a coinbase carrying
// its height as BIP34 requires, optionally a transaction committing to a calendar merkle root in an
// OP_RETURN output, and filler transactions so that merkle branches have some depth. Height 0 is
// Bitcoin's real regtest genesis block. Nothing here is validated by a Bitcoin node; what matters is
// that headers, transactions and merkle trees are byte-exact, so proofs have mainnet shape.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "peerdb/devchain/bitcoin_tx.h"
#include "peerdb/ots/bitcoin_header.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::devchain {

// Display-order hash of Bitcoin's regtest genesis block.
inline constexpr char kRegtestGenesisHash[] = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
constexpr std::int32_t kBlockVersion = 0x20000000;  // BIP9 version bits, none signalled
constexpr std::int64_t kInitialSubsidy = 50LL * 100'000'000;
constexpr std::uint64_t kRegtestHalvingInterval = 150;

struct Block {
  std::uint64_t height = 0;
  ots::BlockHeader header;
  std::vector<Bytes> txs;  // legacy serializations, the coinbase first

  Hash32 Hash() const { return ots::BlockHash(header); }
  std::vector<Hash32> Txids() const;
  // The serialized block (header, CompactSize tx count, transactions), as Esplora's /raw serves it.
  Bytes Encode() const;
};

// A transaction with an OP_RETURN output holding a 32-byte root, and the root's offset in `bytes`.
struct CommitmentTx {
  Bytes bytes;
  std::size_t root_offset = 0;
};

// Bitcoin's regtest genesis block (one transaction: the genesis coinbase).
Block RegtestGenesisBlock();

// Regtest block subsidy: 50 BTC halved every 150 blocks.
std::int64_t BlockSubsidy(std::uint64_t height);

// Coinbase: null prevout, scriptSig = ScriptNumPush(height) then a push of `extra` (1..80 bytes),
// one output paying the subsidy.
BitcoinTx MakeCoinbaseTx(std::uint64_t height, ByteSpan extra);

// A P2PKH-shaped spend of `spend` (worth `spend_value`) with two outputs: change, then
// OP_RETURN <root>. lock_time height - 1, as wallets set it against fee sniping.
CommitmentTx MakeCommitmentTx(const OutPoint& spend, std::int64_t spend_value, const Hash32& root,
                              std::uint64_t height);

// A small payment distinct for each (height, index, salt), spending a made-up outpoint.
BitcoinTx MakeFillerTx(std::uint64_t height, std::uint32_t index, std::uint64_t salt);

struct BlockTemplate {
  std::uint64_t height = 0;  // >= 1
  Hash32 prev_hash{};        // internal order
  std::uint32_t time = 0;
  Bytes coinbase_extra;      // 1..80 bytes; makes blocks at one height differ (e.g. after a reorg)
  std::vector<Bytes> txs;    // serialized, placed after the coinbase in this order
};

// Builds the coinbase and header and searches a nonce meeting the regtest target. kInternal if no
// nonce of 2^32 works (about a 2^-4294967296 chance at this difficulty).
Result<Block> MineBlock(const BlockTemplate& tmpl);

}  // namespace peerdb::devchain
