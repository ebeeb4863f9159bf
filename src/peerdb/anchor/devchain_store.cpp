#include "peerdb/anchor/devchain_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>

namespace peerdb::anchor {

namespace {

using internal::SqliteStmt;
using internal::SqliteTransaction;

constexpr std::size_t kHmacKeySize = 32;
constexpr std::uint64_t kMaxStoredTxCount = 100'000;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS blocks(
  height INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  header BLOB NOT NULL,
  tx_count INTEGER NOT NULL,
  size INTEGER NOT NULL,
  commitment_root BLOB);
CREATE TABLE IF NOT EXISTS txs(
  height INTEGER NOT NULL REFERENCES blocks(height) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  raw BLOB NOT NULL,
  PRIMARY KEY(height, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commitments(
  id INTEGER PRIMARY KEY,
  commitment BLOB NOT NULL UNIQUE,
  height INTEGER REFERENCES blocks(height),
  txid BLOB,
  proof BLOB);
CREATE INDEX IF NOT EXISTS commitments_by_height ON commitments(height, id);
)sql";

Bytes DecimalBytes(std::uint64_t v) { return ToBytes(std::to_string(v)); }

Result<std::uint64_t> ParseDecimal(const Bytes& b, std::string_view what) {
  std::uint64_t v = 0;
  const char* begin = reinterpret_cast<const char*>(b.data());
  const auto [end, ec] = std::from_chars(begin, begin + b.size(), v);
  if (b.empty() || ec != std::errc() || end != begin + b.size()) {
    return Error{Errc::kCorrupt, "devchain meta " + std::string(what) + " is not a number"};
  }
  return v;
}

Result<std::uint64_t> NonNegative(std::int64_t v, std::string_view what) {
  if (v < 0) return Error{Errc::kCorrupt, std::string(what) + " is negative"};
  return static_cast<std::uint64_t>(v);
}

}  // namespace

BlockMeta MetaOf(const DevchainBlock& block, std::optional<Hash32> commitment_root) {
  BlockMeta m;
  m.height = block.height;
  m.header = block.header;
  m.hash = block.Hash();
  m.tx_count = block.txs.size();
  m.size = block.Encode().size();
  m.commitment_root = commitment_root;
  return m;
}

Result<std::unique_ptr<DevchainStore>> DevchainStore::Open(const std::string& data_dir) {
  const std::string path = data_dir + "/" + kDevchainDbFile;
  PEERDB_TRY_ASSIGN(auto db, internal::SqliteDb::OpenDurable(path));
  std::unique_ptr<DevchainStore> store(new DevchainStore(std::move(db)));
  auto created = store->CreateSchema();
  if (!created.ok()) return created.error().Context("devchain database " + path);
  return store;
}

Status DevchainStore::CreateSchema() {
  PEERDB_TRY_ASSIGN(auto tx, SqliteTransaction::Begin(*m_db));
  PEERDB_TRY(m_db->Exec(kSchema));
  PEERDB_TRY_ASSIGN(const std::optional<Bytes> version, MetaGet("schema_version"));
  if (!version) {
    PEERDB_TRY(MetaPut("schema_version", DecimalBytes(kDevchainSchemaVersion)));
  } else {
    PEERDB_TRY_ASSIGN(const std::uint64_t v, ParseDecimal(*version, "schema_version"));
    if (v != kDevchainSchemaVersion) {
      return Error{Errc::kConfig, "schema version " + std::to_string(v) + ", this build reads " +
                                      std::to_string(kDevchainSchemaVersion)};
    }
  }
  return tx->Commit();
}

Result<std::optional<Bytes>> DevchainStore::MetaGet(std::string_view key) {
  PEERDB_TRY_ASSIGN(SqliteStmt s, SqliteStmt::Prepare(*m_db, "SELECT value FROM meta WHERE key = ?"));
  s.Bind(1, key);
  PEERDB_TRY_ASSIGN(const bool row, s.Step());
  if (!row) return std::optional<Bytes>();
  return std::optional<Bytes>(s.Blob(0));
}

Status DevchainStore::MetaPut(std::string_view key, ByteSpan value) {
  PEERDB_TRY_ASSIGN(SqliteStmt s, SqliteStmt::Prepare(*m_db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
  s.Bind(1, key).Bind(2, value);
  return s.Run();
}

Result<Bytes> DevchainStore::HmacKey() {
  PEERDB_TRY_ASSIGN(const std::optional<Bytes> existing, MetaGet("hmac_key"));
  if (existing) {
    if (existing->size() != kHmacKeySize) return Error{Errc::kCorrupt, "devchain HMAC key has the wrong size"};
    return *existing;
  }
  Bytes key(kHmacKeySize);
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return Error{Errc::kInternal, "no randomness for the HMAC key"};
  }
  PEERDB_TRY(MetaPut("hmac_key", key));
  return key;
}

Result<std::uint64_t> DevchainStore::ReorgCount() {
  PEERDB_TRY_ASSIGN(const std::optional<Bytes> v, MetaGet("reorg_count"));
  if (!v) return std::uint64_t{0};
  return ParseDecimal(*v, "reorg_count");
}

Result<std::vector<BlockMeta>> DevchainStore::LoadBlocks() {
  PEERDB_TRY_ASSIGN(SqliteStmt s, SqliteStmt::Prepare(*m_db, "SELECT height, hash, header, tx_count, size, "
                                                             "commitment_root FROM blocks ORDER BY height"));
  std::vector<BlockMeta> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, s.Step());
    if (!row) break;
    BlockMeta m;
    PEERDB_TRY_ASSIGN(m.height, NonNegative(s.Int(0), "block height"));
    const std::string what = "devchain block " + std::to_string(m.height);
    if (m.height != out.size()) return Error{Errc::kCorrupt, what + ": expected height " + std::to_string(out.size())};
    PEERDB_TRY_ASSIGN(const Bytes hash, s.BlobChecked(1, 32, 32, what + " hash"));
    PEERDB_TRY_ASSIGN(const Bytes header, s.BlobChecked(2, ots::kBlockHeaderSize, ots::kBlockHeaderSize, what + " header"));
    PEERDB_TRY_ASSIGN(m.header, ots::DecodeBlockHeader(header));
    m.hash = ots::BlockHash(m.header);
    if (!std::equal(hash.begin(), hash.end(), m.hash.begin())) {
      return Error{Errc::kCorrupt, what + ": header does not hash to the stored hash"};
    }
    if (!out.empty() && m.header.prev_block != out.back().hash) {
      return Error{Errc::kCorrupt, what + ": does not link to block " + std::to_string(m.height - 1)};
    }
    PEERDB_TRY_ASSIGN(m.tx_count, NonNegative(s.Int(3), what + " tx_count"));
    PEERDB_TRY_ASSIGN(m.size, NonNegative(s.Int(4), what + " size"));
    if (m.tx_count == 0 || m.tx_count > kMaxStoredTxCount) return Error{Errc::kCorrupt, what + ": bad tx_count"};
    if (!s.IsNull(5)) {
      PEERDB_TRY_ASSIGN(const Bytes root, s.BlobChecked(5, 32, 32, what + " commitment_root"));
      Hash32 r{};
      std::copy(root.begin(), root.end(), r.begin());
      m.commitment_root = r;
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<Bytes>> DevchainStore::BlockTxs(std::uint64_t height) {
  PEERDB_TRY_ASSIGN(SqliteStmt s, SqliteStmt::Prepare(*m_db, "SELECT idx, raw FROM txs WHERE height = ? ORDER BY idx"));
  s.Bind(1, static_cast<std::int64_t>(height));
  std::vector<Bytes> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, s.Step());
    if (!row) break;
    const std::string what = "devchain block " + std::to_string(height) + " tx " + std::to_string(out.size());
    if (s.Int(0) != static_cast<std::int64_t>(out.size())) return Error{Errc::kCorrupt, what + ": index gap"};
    PEERDB_TRY_ASSIGN(Bytes raw, s.BlobChecked(1, 10, kMaxStoredTx, what));
    out.push_back(std::move(raw));
  }
  return out;
}

Result<std::uint64_t> DevchainStore::ReplaceFrom(std::uint64_t first_height, std::span<const MinedBlock> blocks,
                                                 std::optional<std::uint64_t> reorg_count) {
  const auto first = static_cast<std::int64_t>(first_height);
  PEERDB_TRY_ASSIGN(auto tx, SqliteTransaction::Begin(*m_db));
  PEERDB_TRY_ASSIGN(SqliteStmt reset, SqliteStmt::Prepare(*m_db, "UPDATE commitments SET height = NULL, txid = NULL, "
                                                                 "proof = NULL WHERE height >= ?"));
  reset.Bind(1, first);
  PEERDB_TRY(reset.Run());
  const auto returned = static_cast<std::uint64_t>(m_db->Changes());
  PEERDB_TRY_ASSIGN(SqliteStmt drop, SqliteStmt::Prepare(*m_db, "DELETE FROM blocks WHERE height >= ?"));
  drop.Bind(1, first);
  PEERDB_TRY(drop.Run());

  std::uint64_t expected = first_height;
  for (const MinedBlock& mb : blocks) {
    const DevchainBlock& b = mb.block;
    if (b.height != expected) return Error{Errc::kInternal, "devchain store: blocks out of order"};
    ++expected;
    const auto h = static_cast<std::int64_t>(b.height);
    const auto header = ots::EncodeBlockHeader(b.header);
    const Hash32 hash = b.Hash();
    PEERDB_TRY_ASSIGN(SqliteStmt ins, SqliteStmt::Prepare(*m_db, "INSERT INTO blocks(height, hash, header, tx_count, "
                                                                 "size, commitment_root) VALUES(?, ?, ?, ?, ?, ?)"));
    ins.Bind(1, h).Bind(2, ByteSpan(hash)).Bind(3, ByteSpan(header)).Bind(4, static_cast<std::int64_t>(b.txs.size()));
    ins.Bind(5, static_cast<std::int64_t>(b.Encode().size()));
    if (mb.commitment_root) {
      ins.Bind(6, ByteSpan(*mb.commitment_root));
    } else {
      ins.BindNull(6);
    }
    PEERDB_TRY(ins.Run());
    for (std::size_t i = 0; i < b.txs.size(); ++i) {
      PEERDB_TRY_ASSIGN(SqliteStmt t, SqliteStmt::Prepare(*m_db, "INSERT INTO txs(height, idx, raw) VALUES(?, ?, ?)"));
      t.Bind(1, h).Bind(2, static_cast<std::int64_t>(i)).Bind(3, ByteSpan(b.txs[i]));
      PEERDB_TRY(t.Run());
    }
    for (const MinedBlock::Proof& p : mb.proofs) {
      PEERDB_TRY_ASSIGN(SqliteStmt c, SqliteStmt::Prepare(*m_db, "UPDATE commitments SET height = ?, txid = ?, "
                                                                 "proof = ? WHERE commitment = ?"));
      c.Bind(1, h).Bind(2, ByteSpan(mb.commitment_txid)).Bind(3, ByteSpan(p.proof)).Bind(4, ByteSpan(p.commitment));
      PEERDB_TRY(c.Run());
    }
  }
  if (reorg_count) PEERDB_TRY(MetaPut("reorg_count", DecimalBytes(*reorg_count)));
  PEERDB_TRY(tx->Commit());
  return returned;
}

Result<bool> DevchainStore::AddCommitment(ByteSpan commitment) {
  PEERDB_TRY_ASSIGN(SqliteStmt s, SqliteStmt::Prepare(*m_db, "INSERT OR IGNORE INTO commitments(commitment) VALUES(?)"));
  s.Bind(1, commitment);
  PEERDB_TRY(s.Run());
  return m_db->Changes() == 1;
}

Result<std::vector<Bytes>> DevchainStore::Pending(std::size_t limit) {
  PEERDB_TRY_ASSIGN(SqliteStmt s, SqliteStmt::Prepare(*m_db, "SELECT commitment FROM commitments WHERE height IS NULL "
                                                             "ORDER BY id LIMIT ?"));
  s.Bind(1, static_cast<std::int64_t>(limit));
  std::vector<Bytes> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, s.Step());
    if (!row) break;
    PEERDB_TRY_ASSIGN(Bytes c, s.BlobChecked(0, 1, kMaxCommitmentSize, "devchain commitment"));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::uint64_t> DevchainStore::PendingCount() {
  PEERDB_TRY_ASSIGN(SqliteStmt s, SqliteStmt::Prepare(*m_db, "SELECT COUNT(*) FROM commitments WHERE height IS NULL"));
  PEERDB_TRY_ASSIGN(const bool row, s.Step());
  if (!row) return Error{Errc::kInternal, "COUNT returned no row"};
  return NonNegative(s.Int(0), "pending count");
}

Result<std::optional<StoredCommitment>> DevchainStore::FindCommitment(ByteSpan commitment) {
  PEERDB_TRY_ASSIGN(SqliteStmt s, SqliteStmt::Prepare(*m_db, "SELECT height, txid, proof FROM commitments "
                                                             "WHERE commitment = ?"));
  s.Bind(1, commitment);
  PEERDB_TRY_ASSIGN(const bool row, s.Step());
  if (!row) return std::optional<StoredCommitment>();
  StoredCommitment c;
  if (!s.IsNull(0)) {
    PEERDB_TRY_ASSIGN(c.height, NonNegative(s.Int(0), "commitment height"));
    PEERDB_TRY_ASSIGN(const Bytes txid, s.BlobChecked(1, 32, 32, "devchain commitment txid"));
    std::copy(txid.begin(), txid.end(), c.txid.begin());
    PEERDB_TRY_ASSIGN(c.proof, s.BlobChecked(2, 1, kMaxStoredProof, "devchain commitment proof"));
  }
  return std::optional<StoredCommitment>(std::move(c));
}

}  // namespace peerdb::anchor
