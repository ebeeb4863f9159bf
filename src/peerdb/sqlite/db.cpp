#include "peerdb/sqlite/db.h"

#include <sqlite3.h>

#include "peerdb/sqlite/error.h"
#include "peerdb/sqlite/stmt.h"

namespace peerdb::sqlite {

namespace {

int FlagsFor(OpenMode mode) {
  const int access = mode == OpenMode::kReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  return access | SQLITE_OPEN_NOMUTEX;
}

// Switches the file to WAL and checks the answer: SQLite reports the mode actually in force, which
// stays "delete" on filesystems without shared memory, where the durability claims would not hold.
Status SetWalMode(const Db& db) {
  PEERDB_TRY_ASSIGN(auto stmt, Stmt::Prepare(db, "PRAGMA journal_mode = WAL", /*persistent=*/false));
  PEERDB_TRY_ASSIGN(const bool row, stmt->Step());
  const std::string mode = row ? stmt->ColumnText(0) : "";
  if (mode != "wal") return Error{Errc::kIo, "journal_mode is '" + mode + "', WAL is required"};
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, OpenMode mode) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, FlagsFor(mode), nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqliteError(rc, "cannot open database " + path, raw != nullptr ? sqlite3_errmsg(raw) : nullptr);
    sqlite3_close_v2(raw);
    if (e.code != Errc::kCorrupt) e.code = Errc::kIo;
    return e;
  }
  sqlite3_extended_result_codes(raw, 1);
  std::unique_ptr<Db> db(new Db(raw));
  if (Status s = db->Configure(mode); !s.ok()) return s.error().Context("database " + path);
  return db;
}

Status Db::Configure(OpenMode mode) {
  sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
  PEERDB_TRY(SetPragma("foreign_keys", "ON"));
  if (mode == OpenMode::kDurable) {
    PEERDB_TRY(SetWalMode(*this));
    PEERDB_TRY(SetPragma("synchronous", "FULL"));
  }
  return Status::Ok();
}

Db::~Db() { sqlite3_close_v2(m_db); }

Status Db::Exec(std::string_view sql) {
  const std::string text(sql);
  char* msg = nullptr;
  const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &msg);
  if (rc == SQLITE_OK) return Status::Ok();
  Error e = SqliteError(rc, text.substr(0, 60), msg != nullptr ? msg : sqlite3_errmsg(m_db));
  sqlite3_free(msg);
  return e;
}

Status Db::SetPragma(std::string_view name, std::string_view value) {
  return Exec("PRAGMA " + std::string(name) + " = " + std::string(value));
}

Error Db::ErrorFrom(int rc, std::string_view what) const { return SqliteError(rc, what, sqlite3_errmsg(m_db)); }

bool Db::AutoCommit() const { return sqlite3_get_autocommit(m_db) != 0; }

std::int64_t Db::Changes() const { return sqlite3_changes64(m_db); }

}  // namespace peerdb::sqlite
