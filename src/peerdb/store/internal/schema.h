// The store's SQL schema as numbered migrations, and the code that applies them. Migration i
// takes a database from schema_version i to i + 1 (version 0 is an empty file); each runs in its
// own transaction together with the update of meta.schema_version, so a crash leaves either the
// old or the new version. Migrations are append-only: a released one is never edited.
// Thread-safety: functions act on one connection, used by one thread.
#pragma once

#include <span>
#include <string_view>

#include "peerdb/sqlite/db.h"
#include "peerdb/util/result.h"

namespace peerdb::store::internal {

struct Migration {
  std::string_view description;
  std::string_view sql;
  // Runs first, in the migration's transaction; an error refuses the migration (and the store).
  Status (*precondition)(sqlite::Db& db) = nullptr;
};

// The migrations of this build; their count is store::kSchemaVersion.
std::span<const Migration> Migrations();

// schema_version stored in table meta; 0 for a database without tables.
// A SQLite file with tables but no PeerDB meta table is kConfig (not a PeerDB store).
Result<int> ReadSchemaVersion(sqlite::Db& db);

// Fails with kConfig, naming both versions, when the file is newer than `supported`.
Status CheckSchemaVersion(int found, int supported);

// Applies migrations[found .. migrations.size()) in order. Each step re-reads the version inside
// its transaction, so two processes opening a new file at once do not both migrate it.
Status Migrate(sqlite::Db& db, std::span<const Migration> migrations);

}  // namespace peerdb::store::internal
