#include "peerdb/sqlite/error.h"

#include <sqlite3.h>

#include <string>

namespace peerdb::sqlite {

Errc ErrcFromSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return Errc::kOk;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Errc::kCorrupt;
    case SQLITE_CONSTRAINT: return Errc::kConflict;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Errc::kUnavailable;
    case SQLITE_TOOBIG: return Errc::kTooLarge;
    case SQLITE_RANGE: return Errc::kInvalid;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL: return Errc::kIo;
    default: return Errc::kInternal;
  }
}

Error SqliteError(int rc, std::string_view what, const char* detail) {
  std::string msg(what);
  msg += ": ";
  msg += detail != nullptr ? detail : sqlite3_errstr(rc);
  msg += " (sqlite " + std::to_string(rc) + ")";
  return Error{ErrcFromSqlite(rc), std::move(msg)};
}

}  // namespace peerdb::sqlite
