// Thin RAII layer over the SQLite3 C API, private to the store: a connection, prepared
// statements, a statement cache and a transaction guard, with SQLite result codes mapped to Errc.
// Thread-safety: none of these objects may be used by two threads at once (like the Store).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace peerdb::store::internal {

// Maps a SQLite primary or extended result code to an Errc: CORRUPT/NOTADB -> kCorrupt,
// CONSTRAINT -> kConflict, BUSY/LOCKED -> kUnavailable, TOOBIG -> kTooLarge, CANTOPEN/IOERR/FULL/
// READONLY -> kIo, ERROR/MISUSE/NOMEM -> kInternal.
Errc ErrcFromSqlite(int rc);

// An open sqlite3 connection; closes it on destruction.
class Db {
 public:
  // `flags` are SQLITE_OPEN_* flags. Failure to open is kIo (missing directory, permissions).
  static Result<std::unique_ptr<Db>> Open(const std::string& path, int flags);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* get() const { return m_db; }
  // Runs one or more statements that return no rows needed by the caller.
  Status Exec(std::string_view sql);
  // Error for result code `rc` with the connection's message, prefixed by `what`.
  Error ErrorFrom(int rc, std::string_view what) const;
  // True when no transaction is open.
  bool AutoCommit() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t Changes() const;

 private:
  explicit Db(sqlite3* db) : m_db(db) {}
  sqlite3* m_db;
};

// A prepared statement. Bind errors are remembered and reported by the next Step().
// Bound blobs and text are not copied: they must outlive the Step() calls that use them.
class Stmt {
 public:
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

// Prepared statements kept for the life of the connection, keyed by their SQL text.
class StmtCache {
 public:
  explicit StmtCache(const Db& db) : m_db(db) {}
  // The cached statement for `sql`, prepared on first use. The caller resets it after use.
  Result<Stmt*> Get(std::string_view sql);
  void Clear() { m_stmts.clear(); }

 private:
  const Db& m_db;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> m_stmts;
};

// BEGIN IMMEDIATE .. COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Commit();

 private:
  explicit Transaction(Db& db) : m_db(db) {}
  Db& m_db;
  bool m_done = false;
};

}  // namespace peerdb::store::internal
