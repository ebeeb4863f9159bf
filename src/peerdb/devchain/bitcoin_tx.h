// Bitcoin transactions in the legacy (non-witness) serialization, txids and the block merkle tree,
// as Bitcoin Core defines them: integers little-endian, counts and script lengths as CompactSize,
// txid = sha256d(serialization) in internal byte order, merkle tree of txids with sha256d over
// each concatenated pair and the last entry of an odd level paired with itself. The devchain uses
// these to build blocks whose OpenTimestamps proofs have exactly the shape of mainnet proofs.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::devchain {

// Decoding caps: a standard transaction is at most 100 kB; the devchain's are a few hundred bytes.
constexpr std::size_t kMaxDecodedTxSize = 100'000;
constexpr std::size_t kMaxTxScriptSize = 10'000;  // Bitcoin's MAX_SCRIPT_SIZE
constexpr std::uint32_t kSequenceFinal = 0xffffffff;

struct OutPoint {
  Hash32 txid{};  // internal byte order
  std::uint32_t index = 0;
  friend bool operator==(const OutPoint&, const OutPoint&) = default;
};

// The coinbase input's prevout: zero txid, index 0xffffffff.
inline OutPoint NullOutPoint() { return OutPoint{Hash32{}, 0xffffffff}; }

struct TxIn {
  OutPoint prevout;
  Bytes script_sig;
  std::uint32_t sequence = kSequenceFinal;
  friend bool operator==(const TxIn&, const TxIn&) = default;
};

struct TxOut {
  std::int64_t value = 0;  // satoshis
  Bytes script_pubkey;
  friend bool operator==(const TxOut&, const TxOut&) = default;
};

struct BitcoinTx {
  std::int32_t version = 2;
  std::vector<TxIn> inputs;
  std::vector<TxOut> outputs;
  std::uint32_t lock_time = 0;
  friend bool operator==(const BitcoinTx&, const BitcoinTx&) = default;
};

// Bitcoin's CompactSize: < 0xfd one byte, else 0xfd/0xfe/0xff and 2/4/8 bytes little-endian.
void AppendCompactSize(Bytes& out, std::uint64_t n);

// The legacy serialization (what the txid commits to).
Bytes EncodeTx(const BitcoinTx& tx);
// Parses exactly one legacy transaction. kTooLarge above kMaxDecodedTxSize; kMalformed for
// truncation, trailing bytes, a non-minimal CompactSize, no inputs (which is also how a segwit
// serialization starts: not supported), counts or scripts over the caps.
Result<BitcoinTx> DecodeTx(ByteSpan in);

Hash32 Sha256d(ByteSpan data);
// sha256d of the legacy serialization, internal byte order (display form: ots::DisplayHex).
Hash32 Txid(ByteSpan encoded_tx);

// The merkle root over txids (internal order). REQUIRES: txids not empty.
Hash32 MerkleRoot(std::span<const Hash32> txids);

// One level of a merkle branch: hash(sibling || node) when sibling_on_left, else hash(node || sibling).
struct MerkleStep {
  Hash32 sibling{};
  bool sibling_on_left = false;
};
// The path from txids[index] to MerkleRoot(txids), leaf level first. A lone last entry of an odd
// level is its own sibling (on the right). REQUIRES: index < txids.size().
std::vector<MerkleStep> MerkleBranch(std::span<const Hash32> txids, std::size_t index);

// Scripts.
// A minimal push of data (<= 520 bytes): the direct length opcode up to 75, else OP_PUSHDATA1/2.
void AppendPush(Bytes& script, ByteSpan data);
// `CScript() << n` for n >= 0: OP_0, OP_1..OP_16, or a push of the minimal CScriptNum encoding.
// BIP34 requires a coinbase scriptSig to start with this for the block height.
Bytes ScriptNumPush(std::uint64_t n);
// OP_RETURN <data>, data <= 75 bytes.
Bytes OpReturnScript(ByteSpan data);
// OP_0 <20-byte key hash> (P2WPKH).
Bytes P2wpkhScript(ByteSpan key_hash20);

}  // namespace peerdb::devchain
