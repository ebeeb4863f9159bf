#include "peerdb/devchain/bitcoin_tx.h"

#include <algorithm>

#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::devchain {

namespace {

constexpr std::size_t kMaxTxInOuts = 10'000;  // far above what fits in kMaxDecodedTxSize anyway
constexpr std::uint8_t kOpPushdata1 = 0x4c;
constexpr std::uint8_t kOpPushdata2 = 0x4d;
constexpr std::uint8_t kOpReturn = 0x6a;
constexpr std::uint8_t kOp1 = 0x51;

void AppendLe(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void AppendBytes(Bytes& out, ByteSpan data) { out.insert(out.end(), data.begin(), data.end()); }

// A bounds-checked reader over the input; every read fails with kMalformed instead of overrunning.
class Reader {
 public:
  explicit Reader(ByteSpan in) : m_in(in) {}
  std::size_t left() const { return m_in.size() - m_pos; }

  Result<std::uint64_t> Le(int bytes) {
    if (left() < static_cast<std::size_t>(bytes)) return Truncated();
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(m_in[m_pos + i]) << (8 * i);
    m_pos += static_cast<std::size_t>(bytes);
    return v;
  }

  Result<std::uint64_t> CompactSize() {
    PEERDB_TRY_ASSIGN(const std::uint64_t first, Le(1));
    if (first < 0xfd) return first;
    const int width = first == 0xfd ? 2 : first == 0xfe ? 4 : 8;
    PEERDB_TRY_ASSIGN(const std::uint64_t v, Le(width));
    const std::uint64_t min = width == 2 ? 0xfd : width == 4 ? 0x10000 : 0x100000000ULL;
    if (v < min) return Error{Errc::kMalformed, "transaction: non-minimal CompactSize"};
    return v;
  }

  Result<Bytes> Take(std::size_t n) {
    if (left() < n) return Truncated();
    Bytes out(m_in.begin() + static_cast<std::ptrdiff_t>(m_pos), m_in.begin() + static_cast<std::ptrdiff_t>(m_pos + n));
    m_pos += n;
    return out;
  }

  Result<Hash32> Hash() {
    if (left() < 32) return Truncated();
    Hash32 h{};
    std::copy_n(m_in.begin() + static_cast<std::ptrdiff_t>(m_pos), 32, h.begin());
    m_pos += 32;
    return h;
  }

  Result<Bytes> Script() {
    PEERDB_TRY_ASSIGN(const std::uint64_t n, CompactSize());
    if (n > kMaxTxScriptSize) return Error{Errc::kMalformed, "transaction: script longer than 10,000 bytes"};
    return Take(static_cast<std::size_t>(n));
  }

  Result<std::size_t> Count(const char* what) {
    PEERDB_TRY_ASSIGN(const std::uint64_t n, CompactSize());
    if (n > kMaxTxInOuts || n > left()) {
      return Error{Errc::kMalformed, std::string("transaction: implausible ") + what + " count " + std::to_string(n)};
    }
    return static_cast<std::size_t>(n);
  }

 private:
  static Error Truncated() { return Error{Errc::kMalformed, "transaction: truncated"}; }
  ByteSpan m_in;
  std::size_t m_pos = 0;
};

Hash32 HashPair(const Hash32& left, const Hash32& right) {
  const Hash32 once = crypto::Sha256({ByteSpan(left), ByteSpan(right)});
  return crypto::Sha256(ByteSpan(once));
}

}  // namespace

void AppendCompactSize(Bytes& out, std::uint64_t n) {
  if (n < 0xfd) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xffff) {
    out.push_back(0xfd);
    AppendLe(out, n, 2);
  } else if (n <= 0xffffffffULL) {
    out.push_back(0xfe);
    AppendLe(out, n, 4);
  } else {
    out.push_back(0xff);
    AppendLe(out, n, 8);
  }
}

Bytes EncodeTx(const BitcoinTx& tx) {
  Bytes out;
  AppendLe(out, static_cast<std::uint32_t>(tx.version), 4);
  AppendCompactSize(out, tx.inputs.size());
  for (const TxIn& in : tx.inputs) {
    AppendBytes(out, in.prevout.txid);
    AppendLe(out, in.prevout.index, 4);
    AppendCompactSize(out, in.script_sig.size());
    AppendBytes(out, in.script_sig);
    AppendLe(out, in.sequence, 4);
  }
  AppendCompactSize(out, tx.outputs.size());
  for (const TxOut& o : tx.outputs) {
    AppendLe(out, static_cast<std::uint64_t>(o.value), 8);
    AppendCompactSize(out, o.script_pubkey.size());
    AppendBytes(out, o.script_pubkey);
  }
  AppendLe(out, tx.lock_time, 4);
  return out;
}

Result<BitcoinTx> DecodeTx(ByteSpan in) {
  if (in.size() > kMaxDecodedTxSize) {
    return Error{Errc::kTooLarge, "transaction of " + std::to_string(in.size()) + " bytes exceeds " +
                                      std::to_string(kMaxDecodedTxSize)};
  }
  Reader r(in);
  BitcoinTx tx;
  PEERDB_TRY_ASSIGN(const std::uint64_t version, r.Le(4));
  tx.version = static_cast<std::int32_t>(static_cast<std::uint32_t>(version));
  PEERDB_TRY_ASSIGN(const std::size_t n_in, r.Count("input"));
  if (n_in == 0) return Error{Errc::kMalformed, "transaction: no inputs (segwit serialization is not supported)"};
  tx.inputs.resize(n_in);
  for (TxIn& input : tx.inputs) {
    PEERDB_TRY_ASSIGN(input.prevout.txid, r.Hash());
    PEERDB_TRY_ASSIGN(const std::uint64_t index, r.Le(4));
    input.prevout.index = static_cast<std::uint32_t>(index);
    PEERDB_TRY_ASSIGN(input.script_sig, r.Script());
    PEERDB_TRY_ASSIGN(const std::uint64_t sequence, r.Le(4));
    input.sequence = static_cast<std::uint32_t>(sequence);
  }
  PEERDB_TRY_ASSIGN(const std::size_t n_out, r.Count("output"));
  tx.outputs.resize(n_out);
  for (TxOut& output : tx.outputs) {
    PEERDB_TRY_ASSIGN(const std::uint64_t value, r.Le(8));
    output.value = static_cast<std::int64_t>(value);
    PEERDB_TRY_ASSIGN(output.script_pubkey, r.Script());
  }
  PEERDB_TRY_ASSIGN(const std::uint64_t lock_time, r.Le(4));
  tx.lock_time = static_cast<std::uint32_t>(lock_time);
  if (r.left() != 0) return Error{Errc::kMalformed, "transaction: " + std::to_string(r.left()) + " trailing bytes"};
  return tx;
}

Hash32 Sha256d(ByteSpan data) {
  const Hash32 once = crypto::Sha256(data);
  return crypto::Sha256(ByteSpan(once));
}

Hash32 Txid(ByteSpan encoded_tx) { return Sha256d(encoded_tx); }

Hash32 MerkleRoot(std::span<const Hash32> txids) {
  PEERDB_ASSERT(!txids.empty());
  std::vector<Hash32> level(txids.begin(), txids.end());
  while (level.size() > 1) {
    if (level.size() % 2 != 0) level.push_back(level.back());
    std::vector<Hash32> next(level.size() / 2);
    for (std::size_t i = 0; i < next.size(); ++i) next[i] = HashPair(level[2 * i], level[2 * i + 1]);
    level = std::move(next);
  }
  return level[0];
}

std::vector<MerkleStep> MerkleBranch(std::span<const Hash32> txids, std::size_t index) {
  PEERDB_ASSERT(index < txids.size());
  std::vector<MerkleStep> branch;
  std::vector<Hash32> level(txids.begin(), txids.end());
  while (level.size() > 1) {
    if (level.size() % 2 != 0) level.push_back(level.back());
    const bool right = index % 2 != 0;
    branch.push_back(MerkleStep{level[right ? index - 1 : index + 1], right});
    std::vector<Hash32> next(level.size() / 2);
    for (std::size_t i = 0; i < next.size(); ++i) next[i] = HashPair(level[2 * i], level[2 * i + 1]);
    level = std::move(next);
    index /= 2;
  }
  return branch;
}

void AppendPush(Bytes& script, ByteSpan data) {
  PEERDB_ASSERT(data.size() <= 520);
  if (data.size() <= 75) {
    script.push_back(static_cast<std::uint8_t>(data.size()));
  } else if (data.size() <= 0xff) {
    script.push_back(kOpPushdata1);
    script.push_back(static_cast<std::uint8_t>(data.size()));
  } else {
    script.push_back(kOpPushdata2);
    AppendLe(script, data.size(), 2);
  }
  AppendBytes(script, data);
}

Bytes ScriptNumPush(std::uint64_t n) {
  if (n == 0) return {0x00};
  if (n <= 16) return {static_cast<std::uint8_t>(kOp1 + n - 1)};
  Bytes num;  // minimal little-endian magnitude; a sign byte when the top bit is set
  for (std::uint64_t v = n; v != 0; v >>= 8) num.push_back(static_cast<std::uint8_t>(v));
  if ((num.back() & 0x80) != 0) num.push_back(0x00);
  Bytes script;
  AppendPush(script, num);
  return script;
}

Bytes OpReturnScript(ByteSpan data) {
  PEERDB_ASSERT(data.size() <= 75);
  Bytes script{kOpReturn};
  AppendPush(script, data);
  return script;
}

Bytes P2wpkhScript(ByteSpan key_hash20) {
  PEERDB_ASSERT(key_hash20.size() == 20);
  Bytes script{0x00};
  AppendPush(script, key_hash20);
  return script;
}

}  // namespace peerdb::devchain
