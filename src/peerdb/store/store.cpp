// Store: opening (pragmas, header check, migrations), the genesis, and the StateView.
// Blocks live in store_blocks.cpp, state and history in store_state.cpp, other records in
// store_records.cpp.
#include "peerdb/store/store.h"

#include <filesystem>
#include <system_error>

#include "peerdb/codec/pce.h"
#include "peerdb/store/internal/file_header.h"
#include "peerdb/store/internal/rows.h"
#include "peerdb/store/internal/schema.h"
#include "peerdb/sqlite/transaction.h"
#include "peerdb/store/internal/store_impl.h"

namespace peerdb::store {
namespace {

using sqlite::Db;
using sqlite::Stmt;

constexpr std::string_view kSqlLoadGenesis = "SELECT value FROM meta WHERE key = 'genesis'";

// The store's own tuning on top of sqlite::Db's pragmas (busy timeout, foreign keys, WAL and
// synchronous=FULL for a writable file).
// The genesis row that `load` (kSqlLoadGenesis) finds, decoded; the statement is reset after.
Result<std::optional<chain::Genesis>> ReadGenesisRow(Stmt& load) {
  sqlite::StmtReset reset(load);
  PEERDB_TRY_ASSIGN(const bool found, load.Step());
  if (!found) return std::optional<chain::Genesis>{};
  PEERDB_TRY_ASSIGN(const ByteSpan stored, load.ColumnBlobMax(0, internal::kMaxStoredBodyBytes));
  auto genesis = codec::Decode<chain::Genesis>(stored);
  if (!genesis.ok()) return Error{Errc::kCorrupt, "stored genesis does not decode: " + genesis.error().message};
  return std::optional<chain::Genesis>{std::move(genesis).value()};
}

Status Tune(Db& db, OpenMode mode) {
  if (mode != OpenMode::kReadWrite) return Status::Ok();
  // A bigger page cache keeps the state and history indexes resident while a block commits.
  PEERDB_TRY(db.SetPragma("cache_size", "-65536"));
  // Freed space is zeroed, not left as it was: when a value is erased (or a row moves within the
  // b-tree) no stale copy stays in a free block or a freelist page of the file.
  PEERDB_TRY(db.SetPragma("secure_delete", "ON"));
  return Status::Ok();
}

// Checkpoints every 8,192 WAL pages (32 MiB at 4 KiB) instead of SQLite's 1,000: a block rewrites
// many of the same state pages, and each checkpoint copies a page once however often it changed.
// They run beside the commits (sqlite::Checkpointer), never inside one.
constexpr int kCheckpointPages = 8192;

Status PrepareSchema(Db& db, OpenMode mode) {
  PEERDB_TRY_ASSIGN(const int found, internal::ReadSchemaVersion(db));
  PEERDB_TRY(internal::CheckSchemaVersion(found, kSchemaVersion));
  if (found == kSchemaVersion) return Status::Ok();
  if (mode == OpenMode::kReadOnly) {
    if (found == 0) return Error{Errc::kConfig, "database is empty: not a PeerDB store yet"};
    return Error{Errc::kConfig, "database schema version " + std::to_string(found) + " is older than " +
                                    std::to_string(kSchemaVersion) + "; open it read-write once to migrate"};
  }
  return internal::Migrate(db, internal::Migrations());
}

}  // namespace


Result<std::unique_ptr<Store>> Store::Open(const std::string& path, OpenMode mode) {
  auto fail = [&path](const Error& e) { return e.Context("store " + path); };
  if (mode == OpenMode::kReadOnly) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return fail(Error{Errc::kNotFound, "no database file"});
  }
  if (Status s = internal::CheckDatabaseFile(path); !s.ok()) return fail(s.error());
  auto db = Db::Open(path, mode == OpenMode::kReadOnly ? sqlite::OpenMode::kReadOnly : sqlite::OpenMode::kDurable);
  if (!db.ok()) return fail(db.error());
  if (Status s = Tune(**db, mode); !s.ok()) return fail(s.error());
  if (Status s = PrepareSchema(**db, mode); !s.ok()) return fail(s.error());
  auto impl = std::make_unique<Impl>(path, mode, std::move(db).value());
  if (mode == OpenMode::kReadWrite) {
    auto checkpointer = sqlite::Checkpointer::Start(*impl->db, path, kCheckpointPages);
    if (!checkpointer.ok()) return fail(checkpointer.error());
    impl->checkpointer = std::move(checkpointer).value();
  }
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  store->m_impl->owner = store.get();
  return store;
}

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return m_impl->path; }

const state::StateView& Store::View() const { return *m_impl; }

Store::ReadScope Store::BeginRead() const {
  if (!m_impl->db->AutoCommit()) return ReadScope(nullptr);
  return ReadScope(m_impl->db->Exec("BEGIN DEFERRED").ok() ? this : nullptr);
}

Store::ReadScope::~ReadScope() {
  if (m_store && !m_store->m_impl->db->AutoCommit()) (void)m_store->m_impl->db->Exec("COMMIT");
}

Status internal::StoreCore::RequireWritable() const {
  if (mode == OpenMode::kReadOnly) return Error{Errc::kInvalid, "store " + path + " is open read-only"};
  return Status::Ok();
}

Status internal::StoreCore::WriteRelaxed(const std::function<Status()>& write) {
  PEERDB_TRY(db->Exec("PRAGMA synchronous = NORMAL"));
  Status s = write();
  if (Status back = db->Exec("PRAGMA synchronous = FULL"); !back.ok()) return back;
  return s;
}

Result<std::optional<state::KeyState>> internal::StoreCore::GetKey(const std::string& ns, const std::string& key) const {
  PEERDB_TRY_ASSIGN(std::optional<CurrentEntry> e, owner->LoadCurrent(ns, key));
  if (!e) return std::optional<state::KeyState>{};
  return std::optional<state::KeyState>{std::move(e->state)};
}

Result<std::uint64_t> internal::StoreCore::LastSeq(chain::MemberId author) const { return owner->LastSeq(author); }

// ---- Genesis

Status Store::InitGenesis(const chain::Genesis& genesis) {
  PEERDB_TRY(m_impl->RequireWritable());
  const Bytes body = codec::Encode(genesis);
  PEERDB_TRY_ASSIGN(auto txn, sqlite::Transaction::Begin(*m_impl->db));
  {
    PEERDB_TRY_ASSIGN(Stmt* load, m_impl->Get(kSqlLoadGenesis));
    sqlite::StmtReset reset(*load);
    PEERDB_TRY_ASSIGN(const bool found, load->Step());
    if (found) {
      PEERDB_TRY_ASSIGN(const ByteSpan stored, load->ColumnBlobMax(0, internal::kMaxStoredBodyBytes));
      if (std::equal(stored.begin(), stored.end(), body.begin(), body.end())) return Status::Ok();
      auto old = codec::Decode<chain::Genesis>(stored);
      const std::string old_id = old.ok() ? Hex(chain::ChainId(*old)) : "undecodable";
      return Error{Errc::kConflict, "store already holds another genesis (chain id " + old_id + ", given " +
                                        Hex(chain::ChainId(genesis)) + ")"};
    }
  }
  PEERDB_TRY_ASSIGN(Stmt* insert, m_impl->Get("INSERT INTO meta(key, value) VALUES('genesis', ?1)"));
  sqlite::StmtReset reset(*insert);
  insert->BindBlob(1, body);
  PEERDB_TRY(insert->Run());
  PEERDB_TRY(txn->Commit());
  m_impl->chain_id = chain::ChainId(genesis);
  return Status::Ok();
}

Result<std::optional<chain::Genesis>> Store::LoadGenesis() const {
  PEERDB_TRY_ASSIGN(Stmt* load, m_impl->Get(kSqlLoadGenesis));
  PEERDB_TRY_ASSIGN(std::optional<chain::Genesis> genesis, ReadGenesisRow(*load));
  if (genesis && !m_impl->chain_id) m_impl->chain_id = chain::ChainId(*genesis);
  return genesis;
}

Result<std::optional<chain::Genesis>> PeekGenesis(const std::string& path) {
  auto fail = [&path](const Error& e) { return e.Context("store " + path); };
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<chain::Genesis>{};
  if (Status s = internal::CheckDatabaseFile(path); !s.ok()) return fail(s.error());
  auto db = Db::Open(path, sqlite::OpenMode::kReadOnly);
  if (!db.ok()) return fail(db.error());
  auto version = internal::ReadSchemaVersion(**db);
  if (!version.ok()) return fail(version.error());
  if (Status s = internal::CheckSchemaVersion(*version, kSchemaVersion); !s.ok()) return fail(s.error());
  if (*version == 0) return std::optional<chain::Genesis>{};
  auto load = Stmt::Prepare(**db, kSqlLoadGenesis, /*persistent=*/false);
  if (!load.ok()) return fail(load.error());
  auto genesis = ReadGenesisRow(**load);
  if (!genesis.ok()) return fail(genesis.error());
  return genesis;
}

}  // namespace peerdb::store
