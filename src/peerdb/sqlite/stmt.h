// Prepared statements: binding parameters, stepping, and typed column readers that report a
// value of the wrong type, size or range as kCorrupt naming the column.
// Thread-safety: none; a statement belongs to the thread that uses its connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "peerdb/sqlite/db.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

struct sqlite3_stmt;

namespace peerdb::sqlite {

// A prepared statement. Bind errors are remembered and reported by the next Step().
// Bound blobs and text are not copied: they must outlive the Step() calls that use them.
class Stmt {
 public:
  // persistent: a hint to SQLite that the statement is kept and reused (StmtCache's).
  static Result<std::unique_ptr<Stmt>> Prepare(const Db& db, std::string_view sql, bool persistent);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Parameter indexes start at 1, as in SQLite.
  void BindInt(int index, std::int64_t v);
  void BindU64(int index, std::uint64_t v);  // values above INT64_MAX are a bind error (kInvalid)
  void BindBlob(int index, ByteSpan data);   // an empty span binds a zero-length blob, not NULL
  void BindText(int index, std::string_view text);
  void BindNull(int index);

  // Returns true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, ignoring rows; for INSERT/UPDATE/DELETE.
  Status Run();
  // Resets the statement and clears its bindings, so it can be reused and holds no locks.
  void Reset();

  int ColumnType(int col) const;  // SQLITE_INTEGER, SQLITE_BLOB, SQLITE_NULL, ...
  bool ColumnIsNull(int col) const;
  bool ColumnIsBlob(int col) const;
  std::int64_t ColumnInt(int col) const;
  ByteSpan ColumnBlob(int col) const;   // valid until the next Step/Reset
  std::string ColumnText(int col) const;

  // Typed column readers that report a wrong type, size or range as kCorrupt naming the column.
  Result<std::uint64_t> ColumnU64(int col) const;
  Result<ByteSpan> ColumnBlobMax(int col, std::size_t max) const;
  Result<Hash32> ColumnHash(int col) const;
  Result<Sig64> ColumnSig(int col) const;
  Result<std::string> ColumnTextMax(int col, std::size_t max) const;

  const char* sql() const;

 private:
  Stmt(const Db& db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  void NoteBind(int rc, int index);
  Error ColumnError(int col, std::string_view what) const;
  const Db& m_db;
  sqlite3_stmt* m_stmt;
  int m_bind_rc = 0;
  int m_bind_index = 0;
};

// Resets a statement when leaving scope, so an early return never leaves it active.
class StmtReset {
 public:
  explicit StmtReset(Stmt& stmt) : m_stmt(stmt) {}
  ~StmtReset() { m_stmt.Reset(); }
  StmtReset(const StmtReset&) = delete;
  StmtReset& operator=(const StmtReset&) = delete;

 private:
  Stmt& m_stmt;
};

}  // namespace peerdb::sqlite
