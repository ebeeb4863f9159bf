#include "peerdb/sqlite/stmt.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>

#include "peerdb/sqlite/error.h"

namespace peerdb::sqlite {

Result<std::unique_ptr<Stmt>> Stmt::Prepare(const Db& db, std::string_view sql, bool persistent) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return db.ErrorFrom(rc, "prepare " + std::string(sql.substr(0, 60)));
  }
  return std::unique_ptr<Stmt>(new Stmt(db, raw));
}

Stmt::~Stmt() { sqlite3_finalize(m_stmt); }

void Stmt::NoteBind(int rc, int index) {
  if (rc != SQLITE_OK && m_bind_rc == SQLITE_OK) {
    m_bind_rc = rc;
    m_bind_index = index;
  }
}

void Stmt::BindInt(int index, std::int64_t v) { NoteBind(sqlite3_bind_int64(m_stmt, index, v), index); }

void Stmt::BindU64(int index, std::uint64_t v) {
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    NoteBind(SQLITE_RANGE, index);
    return;
  }
  BindInt(index, static_cast<std::int64_t>(v));
}

void Stmt::BindBlob(int index, ByteSpan data) {
  // sqlite3_bind_blob with a null pointer binds NULL; a zero-length blob needs zeroblob.
  if (data.empty()) {
    NoteBind(sqlite3_bind_zeroblob(m_stmt, index, 0), index);
    return;
  }
  if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    NoteBind(SQLITE_TOOBIG, index);
    return;
  }
  NoteBind(sqlite3_bind_blob(m_stmt, index, data.data(), static_cast<int>(data.size()), SQLITE_STATIC), index);
}

void Stmt::BindText(int index, std::string_view text) {
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    NoteBind(SQLITE_TOOBIG, index);
    return;
  }
  // A non-null pointer even for "" so the value is an empty text, not NULL.
  const char* p = text.empty() ? "" : text.data();
  NoteBind(sqlite3_bind_text(m_stmt, index, p, static_cast<int>(text.size()), SQLITE_STATIC), index);
}

void Stmt::BindNull(int index) { NoteBind(sqlite3_bind_null(m_stmt, index), index); }

Result<bool> Stmt::Step() {
  if (m_bind_rc != SQLITE_OK) {
    Error e{ErrcFromSqlite(m_bind_rc), "bind parameter " + std::to_string(m_bind_index) + " of " +
                                           std::string(sql()).substr(0, 60) + ": " + sqlite3_errstr(m_bind_rc)};
    if (m_bind_rc == SQLITE_RANGE) e.message += " (integer out of range)";
    return e;
  }
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return m_db.ErrorFrom(rc, std::string(sql()).substr(0, 60));
}

Status Stmt::Run() {
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, Step());
    if (!row) return Status::Ok();
  }
}

void Stmt::Reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
  m_bind_rc = SQLITE_OK;
  m_bind_index = 0;
}

int Stmt::ColumnType(int col) const { return sqlite3_column_type(m_stmt, col); }

bool Stmt::ColumnIsNull(int col) const { return ColumnType(col) == SQLITE_NULL; }

bool Stmt::ColumnIsBlob(int col) const { return ColumnType(col) == SQLITE_BLOB; }

std::int64_t Stmt::ColumnInt(int col) const { return sqlite3_column_int64(m_stmt, col); }

ByteSpan Stmt::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(m_stmt, col);
  const int n = sqlite3_column_bytes(m_stmt, col);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
}

std::string Stmt::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(m_stmt, col);
  const int n = sqlite3_column_bytes(m_stmt, col);
  if (p == nullptr || n <= 0) return {};
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

Error Stmt::ColumnError(int col, std::string_view what) const {
  const char* name = sqlite3_column_name(m_stmt, col);
  return Error{Errc::kCorrupt, "column " + std::string(name != nullptr ? name : "?") + ": " + std::string(what)};
}

Result<std::uint64_t> Stmt::ColumnU64(int col) const {
  if (ColumnType(col) != SQLITE_INTEGER) return ColumnError(col, "expected an integer");
  const std::int64_t v = ColumnInt(col);
  if (v < 0) return ColumnError(col, "negative value " + std::to_string(v));
  return static_cast<std::uint64_t>(v);
}

Result<ByteSpan> Stmt::ColumnBlobMax(int col, std::size_t max) const {
  if (ColumnType(col) != SQLITE_BLOB) return ColumnError(col, "expected a blob");
  ByteSpan b = ColumnBlob(col);
  if (b.size() > max) return ColumnError(col, std::to_string(b.size()) + " bytes exceed " + std::to_string(max));
  return b;
}

Result<Hash32> Stmt::ColumnHash(int col) const {
  PEERDB_TRY_ASSIGN(ByteSpan b, ColumnBlobMax(col, 32));
  if (b.size() != 32) return ColumnError(col, "expected 32 bytes, found " + std::to_string(b.size()));
  Hash32 h{};
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

Result<Sig64> Stmt::ColumnSig(int col) const {
  PEERDB_TRY_ASSIGN(ByteSpan b, ColumnBlobMax(col, 64));
  if (b.size() != 64) return ColumnError(col, "expected 64 bytes, found " + std::to_string(b.size()));
  Sig64 s{};
  std::copy(b.begin(), b.end(), s.begin());
  return s;
}

Result<std::string> Stmt::ColumnTextMax(int col, std::size_t max) const {
  if (ColumnType(col) != SQLITE_TEXT) return ColumnError(col, "expected text");
  std::string s = ColumnText(col);
  if (s.size() > max) return ColumnError(col, std::to_string(s.size()) + " bytes exceed " + std::to_string(max));
  return s;
}

const char* Stmt::sql() const {
  const char* s = sqlite3_sql(m_stmt);
  return s != nullptr ? s : "";
}

}  // namespace peerdb::sqlite
