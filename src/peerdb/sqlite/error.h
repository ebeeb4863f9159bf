// SQLite result codes as PeerDB errors: the one mapping from a SQLite code to an Errc, and the
// wording of an error that names the failed operation, SQLite's message and the code.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "peerdb/util/result.h"

namespace peerdb::sqlite {

// Maps a SQLite primary or extended result code to an Errc: OK/ROW/DONE -> kOk, CORRUPT/NOTADB ->
// kCorrupt, CONSTRAINT -> kConflict, BUSY/LOCKED -> kUnavailable, TOOBIG -> kTooLarge, RANGE ->
// kInvalid, CANTOPEN/IOERR/FULL/READONLY/PERM/PROTOCOL -> kIo, anything else (ERROR, MISUSE,
// NOMEM, ...) -> kInternal.
Errc ErrcFromSqlite(int rc);

// "<what>: <detail> (sqlite <rc>)" with the code mapped by ErrcFromSqlite; without a detail,
// SQLite's text for the code.
Error SqliteError(int rc, std::string_view what, const char* detail);

}  // namespace peerdb::sqlite
