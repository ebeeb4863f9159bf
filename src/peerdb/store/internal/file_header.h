// Checks the 100-byte SQLite file header before SQLite opens a file, so that a file which is not a
// database, or was truncated, is reported as kCorrupt with a clear message instead of failing
// later at an arbitrary query. Format: https://www.sqlite.org/fileformat.html section 1.3.
// Thread-safety: a free function, reads the file only.
#pragma once

#include <string>

#include "peerdb/util/result.h"

namespace peerdb::store::internal {

// Ok for a missing or empty file (SQLite creates a new database there). kCorrupt for a file too
// short for a header, with the wrong magic, invalid format fields or page size, or fewer bytes than its header
// declares while no write-ahead log could hold the rest. kIo when the file cannot be read.
Status CheckDatabaseFile(const std::string& path);

}  // namespace peerdb::store::internal
