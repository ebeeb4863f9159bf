// A minimal RAII layer over the SQLite3 C API for the anchor module's own files (the devchain
// database). The store module has its own, richer layer; modules of one level may not share code.
// SQLite result codes map to Errc: CORRUPT/NOTADB -> kCorrupt, CONSTRAINT -> kConflict,
// BUSY/LOCKED -> kUnavailable, FULL/IOERR/CANTOPEN/READONLY -> kIo, anything else -> kInternal.
// Thread-safety: none; a connection and its statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace peerdb::anchor::internal {

class SqliteDb {
 public:
  // Opens (creating if needed) a read-write database in WAL mode with synchronous=FULL, so a
  // committed transaction survives a crash or power loss. kIo when it cannot, kCorrupt for a file
  // that is not a database.
  static Result<std::unique_ptr<SqliteDb>> OpenDurable(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  Status Exec(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t Changes() const;
  sqlite3* get() const { return m_db; }
  Error ErrorFrom(int rc, std::string_view what) const;

 private:
  explicit SqliteDb(sqlite3* db) : m_db(db) {}
  sqlite3* m_db;
};

// A prepared statement; bound blobs are copied (SQLITE_TRANSIENT), so arguments may be temporaries.
class SqliteStmt {
 public:
  static Result<SqliteStmt> Prepare(const SqliteDb& db, std::string_view sql);
  ~SqliteStmt();
  SqliteStmt(SqliteStmt&& other) noexcept;
  SqliteStmt& operator=(SqliteStmt&&) = delete;
  SqliteStmt(const SqliteStmt&) = delete;

  SqliteStmt& Bind(int index, std::int64_t v);
  SqliteStmt& Bind(int index, ByteSpan blob);  // an empty span binds a zero-length blob
  SqliteStmt& Bind(int index, std::string_view text);
  SqliteStmt& BindNull(int index);

  Result<bool> Step();  // true: a row is available
  Status Run();         // steps to completion

  bool IsNull(int col) const;
  std::int64_t Int(int col) const;
  Bytes Blob(int col) const;
  // The blob at col, kCorrupt (naming `what`) unless it is a blob of min..max bytes.
  Result<Bytes> BlobChecked(int col, std::size_t min, std::size_t max, std::string_view what) const;

 private:
  SqliteStmt(const SqliteDb& db, sqlite3_stmt* stmt) : m_db(&db), m_stmt(stmt) {}
  void Note(int rc);
  const SqliteDb* m_db;
  sqlite3_stmt* m_stmt;
  int m_bind_rc = 0;
};

// BEGIN IMMEDIATE .. COMMIT; rolls back on destruction unless committed.
class SqliteTransaction {
 public:
  static Result<std::unique_ptr<SqliteTransaction>> Begin(SqliteDb& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb& db) : m_db(db) {}
  SqliteDb& m_db;
  bool m_done = false;
};

}  // namespace peerdb::anchor::internal
