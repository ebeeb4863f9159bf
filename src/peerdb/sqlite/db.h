// An open SQLite connection: the one place where PeerDB opens a database file and sets the
// connection's pragmas (busy timeout, foreign keys, and for durable files WAL + synchronous=FULL).
// Thread-safety: none; a connection and its statements belong to one thread at a time (they are
// opened with SQLITE_OPEN_NOMUTEX).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "peerdb/util/result.h"

struct sqlite3;

namespace peerdb::sqlite {

enum class OpenMode {
  kReadOnly,   // the file must exist; nothing is written
  kReadWrite,  // created if missing, SQLite's default journal (scratch files, tests)
  kDurable,    // kReadWrite in WAL mode with synchronous=FULL: a committed transaction survives a
               // crash or power loss
};

// How long a statement waits for another connection's lock before it fails with kUnavailable.
inline constexpr int kBusyTimeoutMs = 5000;

class Db {
 public:
  // Opens `path` with extended result codes, the busy timeout and foreign keys on. Errors: kIo when
  // the file cannot be opened (missing directory, permissions) or, for kDurable, when WAL cannot
  // be used there (e.g. a filesystem without shared memory, where the durability claim would not
  // hold); kCorrupt for a file that is not a database.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, OpenMode mode);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* get() const { return m_db; }
  // Runs one or more statements; rows they return are ignored.
  Status Exec(std::string_view sql);
  // PRAGMA name = value for this connection. REQUIRES: name and value are trusted SQL text.
  Status SetPragma(std::string_view name, std::string_view value);
  // Error for result code `rc` with the connection's message, prefixed by `what`.
  Error ErrorFrom(int rc, std::string_view what) const;
  // True when no transaction is open.
  bool AutoCommit() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t Changes() const;

 private:
  explicit Db(sqlite3* db) : m_db(db) {}
  Status Configure(OpenMode mode);
  sqlite3* m_db;
};

}  // namespace peerdb::sqlite
