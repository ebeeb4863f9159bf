#include "peerdb/devchain/store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>

#include "peerdb/sqlite/transaction.h"

namespace peerdb::devchain {

namespace {

using sqlite::Stmt;
using sqlite::StmtReset;
using sqlite::Transaction;

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

Bytes BlobAt(const Stmt& s, int col) {
  const ByteSpan b = s.ColumnBlob(col);
  return Bytes(b.begin(), b.end());
}

// The blob at col, kCorrupt (naming `what`) unless it is a blob of min..max bytes.
Result<Bytes> BlobChecked(const Stmt& s, int col, std::size_t min, std::size_t max, std::string_view what) {
  if (!s.ColumnIsBlob(col)) return Error{Errc::kCorrupt, std::string(what) + ": not a blob"};
  const std::size_t n = s.ColumnBlob(col).size();
  if (n < min || n > max) {
    return Error{Errc::kCorrupt, std::string(what) + ": " + std::to_string(n) + " bytes, expected " +
                                     std::to_string(min) + ".." + std::to_string(max)};
  }
  return BlobAt(s, col);
}

}  // namespace

BlockMeta MetaOf(const Block& block, std::optional<Hash32> commitment_root) {
  BlockMeta m;
  m.height = block.height;
  m.header = block.header;
  m.hash = block.Hash();
  m.tx_count = block.txs.size();
  m.size = block.Encode().size();
  m.commitment_root = commitment_root;
  return m;
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& data_dir) {
  const std::string path = data_dir + "/" + kDbFile;
  PEERDB_TRY_ASSIGN(auto db, sqlite::Db::Open(path, sqlite::OpenMode::kDurable));
  std::unique_ptr<Store> store(new Store(std::move(db)));
  auto created = store->CreateSchema();
  if (!created.ok()) return created.error().Context("devchain database " + path);
  return store;
}

Status Store::CreateSchema() {
  PEERDB_TRY_ASSIGN(auto tx, Transaction::Begin(*m_db));
  PEERDB_TRY(m_db->Exec(kSchema));
  PEERDB_TRY_ASSIGN(const std::optional<Bytes> version, MetaGet("schema_version"));
  if (!version) {
    PEERDB_TRY(MetaPut("schema_version", DecimalBytes(kSchemaVersion)));
  } else {
    PEERDB_TRY_ASSIGN(const std::uint64_t v, ParseDecimal(*version, "schema_version"));
    if (v != kSchemaVersion) {
      return Error{Errc::kConfig, "schema version " + std::to_string(v) + ", this build reads " +
                                      std::to_string(kSchemaVersion)};
    }
  }
  return tx->Commit();
}

Result<std::optional<Bytes>> Store::MetaGet(std::string_view key) {
  PEERDB_TRY_ASSIGN(Stmt* s, m_stmts.Get("SELECT value FROM meta WHERE key = ?"));
  StmtReset reset(*s);
  s->BindText(1, key);
  PEERDB_TRY_ASSIGN(const bool row, s->Step());
  if (!row) return std::optional<Bytes>();
  return std::optional<Bytes>(BlobAt(*s, 0));
}

Status Store::MetaPut(std::string_view key, ByteSpan value) {
  PEERDB_TRY_ASSIGN(Stmt* s, m_stmts.Get("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
  StmtReset reset(*s);
  s->BindText(1, key);
  s->BindBlob(2, value);
  return s->Run();
}

Result<Bytes> Store::HmacKey() {
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

Result<std::uint64_t> Store::ReorgCount() {
  PEERDB_TRY_ASSIGN(const std::optional<Bytes> v, MetaGet("reorg_count"));
  if (!v) return std::uint64_t{0};
  return ParseDecimal(*v, "reorg_count");
}

Result<std::vector<BlockMeta>> Store::LoadBlocks() {
  PEERDB_TRY_ASSIGN(Stmt* q, m_stmts.Get("SELECT height, hash, header, tx_count, size, "
                                          "commitment_root FROM blocks ORDER BY height"));
  StmtReset reset(*q);
  const Stmt& s = *q;
  std::vector<BlockMeta> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) break;
    BlockMeta m;
    PEERDB_TRY_ASSIGN(m.height, NonNegative(s.ColumnInt(0), "block height"));
    const std::string what = "devchain block " + std::to_string(m.height);
    if (m.height != out.size()) return Error{Errc::kCorrupt, what + ": expected height " + std::to_string(out.size())};
    PEERDB_TRY_ASSIGN(const Bytes hash, BlobChecked(s, 1, 32, 32, what + " hash"));
    PEERDB_TRY_ASSIGN(const Bytes header, BlobChecked(s, 2, ots::kBlockHeaderSize, ots::kBlockHeaderSize, what + " header"));
    PEERDB_TRY_ASSIGN(m.header, ots::DecodeBlockHeader(header));
    m.hash = ots::BlockHash(m.header);
    if (!std::equal(hash.begin(), hash.end(), m.hash.begin())) {
      return Error{Errc::kCorrupt, what + ": header does not hash to the stored hash"};
    }
    if (!out.empty() && m.header.prev_block != out.back().hash) {
      return Error{Errc::kCorrupt, what + ": does not link to block " + std::to_string(m.height - 1)};
    }
    PEERDB_TRY_ASSIGN(m.tx_count, NonNegative(s.ColumnInt(3), what + " tx_count"));
    PEERDB_TRY_ASSIGN(m.size, NonNegative(s.ColumnInt(4), what + " size"));
    if (m.tx_count == 0 || m.tx_count > kMaxStoredTxCount) return Error{Errc::kCorrupt, what + ": bad tx_count"};
    if (!s.ColumnIsNull(5)) {
      PEERDB_TRY_ASSIGN(const Bytes root, BlobChecked(s, 5, 32, 32, what + " commitment_root"));
      Hash32 r{};
      std::copy(root.begin(), root.end(), r.begin());
      m.commitment_root = r;
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<Bytes>> Store::BlockTxs(std::uint64_t height) {
  PEERDB_TRY_ASSIGN(Stmt* s, m_stmts.Get("SELECT idx, raw FROM txs WHERE height = ? ORDER BY idx"));
  StmtReset reset(*s);
  s->BindU64(1, height);
  std::vector<Bytes> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, s->Step());
    if (!row) break;
    const std::string what = "devchain block " + std::to_string(height) + " tx " + std::to_string(out.size());
    if (s->ColumnInt(0) != static_cast<std::int64_t>(out.size())) return Error{Errc::kCorrupt, what + ": index gap"};
    PEERDB_TRY_ASSIGN(Bytes raw, BlobChecked(*s, 1, 10, kMaxStoredTx, what));
    out.push_back(std::move(raw));
  }
  return out;
}

Result<std::uint64_t> Store::ReplaceFrom(std::uint64_t first_height, std::span<const MinedBlock> blocks,
                                                 std::optional<std::uint64_t> reorg_count) {
  const auto first = static_cast<std::int64_t>(first_height);
  PEERDB_TRY_ASSIGN(auto tx, Transaction::Begin(*m_db));
  std::uint64_t returned = 0;
  {
    PEERDB_TRY_ASSIGN(Stmt* unmine, m_stmts.Get("UPDATE commitments SET height = NULL, txid = NULL, "
                                                "proof = NULL WHERE height >= ?"));
    StmtReset reset(*unmine);
    unmine->BindInt(1, first);
    PEERDB_TRY(unmine->Run());
    returned = static_cast<std::uint64_t>(m_db->Changes());
  }
  {
    PEERDB_TRY_ASSIGN(Stmt* drop, m_stmts.Get("DELETE FROM blocks WHERE height >= ?"));
    StmtReset reset(*drop);
    drop->BindInt(1, first);
    PEERDB_TRY(drop->Run());
  }

  std::uint64_t expected = first_height;
  for (const MinedBlock& mb : blocks) {
    const Block& b = mb.block;
    if (b.height != expected) return Error{Errc::kInternal, "devchain store: blocks out of order"};
    ++expected;
    const auto h = static_cast<std::int64_t>(b.height);
    const auto header = ots::EncodeBlockHeader(b.header);
    const Hash32 hash = b.Hash();
    {
      PEERDB_TRY_ASSIGN(Stmt* ins, m_stmts.Get("INSERT INTO blocks(height, hash, header, tx_count, "
                                               "size, commitment_root) VALUES(?, ?, ?, ?, ?, ?)"));
      StmtReset reset(*ins);
      ins->BindInt(1, h);
      ins->BindBlob(2, hash);
      ins->BindBlob(3, header);
      ins->BindU64(4, b.txs.size());
      ins->BindU64(5, b.Encode().size());
      if (mb.commitment_root) {
        ins->BindBlob(6, *mb.commitment_root);
      } else {
        ins->BindNull(6);
      }
      PEERDB_TRY(ins->Run());
    }
    for (std::size_t i = 0; i < b.txs.size(); ++i) {
      PEERDB_TRY_ASSIGN(Stmt* t, m_stmts.Get("INSERT INTO txs(height, idx, raw) VALUES(?, ?, ?)"));
      StmtReset reset(*t);
      t->BindInt(1, h);
      t->BindU64(2, i);
      t->BindBlob(3, b.txs[i]);
      PEERDB_TRY(t->Run());
    }
    for (const MinedBlock::Proof& p : mb.proofs) {
      PEERDB_TRY_ASSIGN(Stmt* c, m_stmts.Get("UPDATE commitments SET height = ?, txid = ?, "
                                             "proof = ? WHERE commitment = ?"));
      StmtReset reset(*c);
      c->BindInt(1, h);
      c->BindBlob(2, mb.commitment_txid);
      c->BindBlob(3, p.proof);
      c->BindBlob(4, p.commitment);
      PEERDB_TRY(c->Run());
    }
  }
  if (reorg_count) PEERDB_TRY(MetaPut("reorg_count", DecimalBytes(*reorg_count)));
  PEERDB_TRY(tx->Commit());
  return returned;
}

Result<bool> Store::AddCommitment(ByteSpan commitment) {
  PEERDB_TRY_ASSIGN(Stmt* s, m_stmts.Get("INSERT OR IGNORE INTO commitments(commitment) VALUES(?)"));
  StmtReset reset(*s);
  s->BindBlob(1, commitment);
  PEERDB_TRY(s->Run());
  return m_db->Changes() == 1;
}

Result<std::vector<Bytes>> Store::Pending(std::size_t limit) {
  PEERDB_TRY_ASSIGN(Stmt* s, m_stmts.Get("SELECT commitment FROM commitments WHERE height IS NULL "
                                         "ORDER BY id LIMIT ?"));
  StmtReset reset(*s);
  s->BindU64(1, limit);
  std::vector<Bytes> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, s->Step());
    if (!row) break;
    PEERDB_TRY_ASSIGN(Bytes c, BlobChecked(*s, 0, 1, kMaxCommitmentSize, "devchain commitment"));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::uint64_t> Store::PendingCount() {
  PEERDB_TRY_ASSIGN(Stmt* s, m_stmts.Get("SELECT COUNT(*) FROM commitments WHERE height IS NULL"));
  StmtReset reset(*s);
  PEERDB_TRY_ASSIGN(const bool row, s->Step());
  if (!row) return Error{Errc::kInternal, "COUNT returned no row"};
  return NonNegative(s->ColumnInt(0), "pending count");
}

Result<std::optional<StoredCommitment>> Store::FindCommitment(ByteSpan commitment) {
  PEERDB_TRY_ASSIGN(Stmt* s, m_stmts.Get("SELECT height, txid, proof FROM commitments WHERE commitment = ?"));
  StmtReset reset(*s);
  s->BindBlob(1, commitment);
  PEERDB_TRY_ASSIGN(const bool row, s->Step());
  if (!row) return std::optional<StoredCommitment>();
  StoredCommitment c;
  if (!s->ColumnIsNull(0)) {
    PEERDB_TRY_ASSIGN(c.height, NonNegative(s->ColumnInt(0), "commitment height"));
    PEERDB_TRY_ASSIGN(const Bytes txid, BlobChecked(*s, 1, 32, 32, "devchain commitment txid"));
    std::copy(txid.begin(), txid.end(), c.txid.begin());
    PEERDB_TRY_ASSIGN(c.proof, BlobChecked(*s, 2, 1, kMaxStoredProof, "devchain commitment proof"));
  }
  return std::optional<StoredCommitment>(std::move(c));
}

}  // namespace peerdb::devchain
