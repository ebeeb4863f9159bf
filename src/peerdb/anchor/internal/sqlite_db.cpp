#include "peerdb/anchor/internal/sqlite_db.h"

#include <sqlite3.h>

#include <limits>

namespace peerdb::anchor::internal {

namespace {

constexpr int kBusyTimeoutMs = 5000;

Errc ErrcFromSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Errc::kCorrupt;
    case SQLITE_CONSTRAINT: return Errc::kConflict;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Errc::kUnavailable;
    case SQLITE_TOOBIG: return Errc::kTooLarge;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM: return Errc::kIo;
    default: return Errc::kInternal;
  }
}

Error MakeError(int rc, std::string_view what, const char* detail) {
  return Error{ErrcFromSqlite(rc), std::string(what) + ": " + (detail != nullptr ? detail : sqlite3_errstr(rc)) +
                                       " (sqlite " + std::to_string(rc) + ")"};
}

}  // namespace

Result<std::unique_ptr<SqliteDb>> SqliteDb::OpenDurable(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = MakeError(rc, "cannot open database " + path, raw != nullptr ? sqlite3_errmsg(raw) : nullptr);
    sqlite3_close_v2(raw);
    if (e.code != Errc::kCorrupt) e.code = Errc::kIo;
    return e;
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  // journal_mode answers the mode in force: it stays "delete" where WAL cannot work.
  PEERDB_TRY_ASSIGN(SqliteStmt wal, SqliteStmt::Prepare(*db, "PRAGMA journal_mode = WAL"));
  PEERDB_TRY_ASSIGN(const bool row, wal.Step());
  const Bytes mode = row ? wal.Blob(0) : Bytes{};
  if (AsString(mode) != "wal") {
    return Error{Errc::kIo, "database " + path + ": journal_mode is '" + AsString(mode) + "', WAL is required"};
  }
  PEERDB_TRY(db->Exec("PRAGMA synchronous = FULL"));
  PEERDB_TRY(db->Exec("PRAGMA foreign_keys = ON"));
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(m_db); }

Status SqliteDb::Exec(std::string_view sql) {
  const std::string text(sql);
  char* msg = nullptr;
  const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &msg);
  if (rc == SQLITE_OK) return Status::Ok();
  Error e = MakeError(rc, text.substr(0, 60), msg != nullptr ? msg : sqlite3_errmsg(m_db));
  sqlite3_free(msg);
  return e;
}

std::int64_t SqliteDb::Changes() const { return sqlite3_changes64(m_db); }

Error SqliteDb::ErrorFrom(int rc, std::string_view what) const { return MakeError(rc, what, sqlite3_errmsg(m_db)); }

Result<SqliteStmt> SqliteStmt::Prepare(const SqliteDb& db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return db.ErrorFrom(rc, "prepare " + std::string(sql.substr(0, 60)));
  }
  return SqliteStmt(db, raw);
}

SqliteStmt::~SqliteStmt() { sqlite3_finalize(m_stmt); }

SqliteStmt::SqliteStmt(SqliteStmt&& other) noexcept
    : m_db(other.m_db), m_stmt(other.m_stmt), m_bind_rc(other.m_bind_rc) {
  other.m_stmt = nullptr;
}

void SqliteStmt::Note(int rc) {
  if (rc != SQLITE_OK && m_bind_rc == SQLITE_OK) m_bind_rc = rc;
}

SqliteStmt& SqliteStmt::Bind(int index, std::int64_t v) {
  Note(sqlite3_bind_int64(m_stmt, index, v));
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int index, ByteSpan blob) {
  if (blob.empty()) {
    Note(sqlite3_bind_zeroblob(m_stmt, index, 0));
  } else if (blob.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    Note(SQLITE_TOOBIG);
  } else {
    Note(sqlite3_bind_blob(m_stmt, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT));
  }
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int index, std::string_view text) {
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    Note(SQLITE_TOOBIG);
  } else {
    Note(sqlite3_bind_text(m_stmt, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                           SQLITE_TRANSIENT));
  }
  return *this;
}

SqliteStmt& SqliteStmt::BindNull(int index) {
  Note(sqlite3_bind_null(m_stmt, index));
  return *this;
}

Result<bool> SqliteStmt::Step() {
  const char* sql = sqlite3_sql(m_stmt);
  const std::string what = std::string(sql != nullptr ? sql : "").substr(0, 60);
  if (m_bind_rc != SQLITE_OK) return m_db->ErrorFrom(m_bind_rc, "bind " + what);
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return m_db->ErrorFrom(rc, what);
}

Status SqliteStmt::Run() {
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, Step());
    if (!row) return Status::Ok();
  }
}

bool SqliteStmt::IsNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }

std::int64_t SqliteStmt::Int(int col) const { return sqlite3_column_int64(m_stmt, col); }

Bytes SqliteStmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(m_stmt, col);
  const int n = sqlite3_column_bytes(m_stmt, col);
  if (p == nullptr || n <= 0) return {};
  const auto* b = static_cast<const std::uint8_t*>(p);
  return Bytes(b, b + n);
}

Result<Bytes> SqliteStmt::BlobChecked(int col, std::size_t min, std::size_t max, std::string_view what) const {
  if (sqlite3_column_type(m_stmt, col) != SQLITE_BLOB) {
    return Error{Errc::kCorrupt, std::string(what) + ": not a blob"};
  }
  const auto n = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col));
  if (n < min || n > max) {
    return Error{Errc::kCorrupt, std::string(what) + ": " + std::to_string(n) + " bytes, expected " +
                                     std::to_string(min) + ".." + std::to_string(max)};
  }
  return Blob(col);
}

Result<std::unique_ptr<SqliteTransaction>> SqliteTransaction::Begin(SqliteDb& db) {
  PEERDB_TRY(db.Exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<SqliteTransaction>(new SqliteTransaction(db));
}

SqliteTransaction::~SqliteTransaction() {
  if (!m_done && sqlite3_get_autocommit(m_db.get()) == 0) (void)m_db.Exec("ROLLBACK");
}

Status SqliteTransaction::Commit() {
  Status s = m_db.Exec("COMMIT");
  if (s.ok()) m_done = true;
  return s;
}

}  // namespace peerdb::anchor::internal
