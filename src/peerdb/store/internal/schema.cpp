#include "peerdb/store/internal/schema.h"

#include <array>
#include <string>

#include "peerdb/sqlite/stmt.h"
#include "peerdb/sqlite/transaction.h"
#include "peerdb/store/store.h"

namespace peerdb::store::internal {
namespace {

using sqlite::Db;
using sqlite::Stmt;
using sqlite::Transaction;

// Version 1. Rows hold what the API returns and nothing derivable that could silently disagree.
// State and history rows are exactly a state::Write plus the height of the block that made it;
// their block id is read from blocks by a join. Where a table repeats a field of a PCE body (a
// block's id, a certificate's round) the body is checked against it when loaded, and foreign keys
// tie every (height, block_id) pair to the blocks table.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY NOT NULL,
  value NOT NULL
);
CREATE TABLE blocks(
  height INTEGER PRIMARY KEY CHECK(height >= 1),
  id BLOB NOT NULL UNIQUE CHECK(length(id) = 32),
  body BLOB NOT NULL,
  status INTEGER NOT NULL CHECK(status BETWEEN 1 AND 5),
  UNIQUE(height, id)
);
CREATE TABLE batches(
  author INTEGER NOT NULL,
  seq INTEGER NOT NULL CHECK(seq >= 1),
  height INTEGER NOT NULL REFERENCES blocks(height),
  idx INTEGER NOT NULL CHECK(idx >= 0),
  batch_id BLOB NOT NULL CHECK(length(batch_id) = 32),
  PRIMARY KEY(author, seq)
) WITHOUT ROWID;
CREATE TABLE certs(
  height INTEGER PRIMARY KEY,
  round INTEGER NOT NULL,
  block_id BLOB NOT NULL,
  body BLOB NOT NULL,
  FOREIGN KEY(height, block_id) REFERENCES blocks(height, id)
);
CREATE TABLE seals(
  height INTEGER NOT NULL,
  block_id BLOB NOT NULL,
  signer INTEGER NOT NULL,
  sig BLOB NOT NULL CHECK(length(sig) = 64),
  PRIMARY KEY(height, signer, block_id),
  FOREIGN KEY(height, block_id) REFERENCES blocks(height, id)
) WITHOUT ROWID;
CREATE TABLE state(
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  deleted INTEGER NOT NULL CHECK(deleted IN (0, 1)),
  owner INTEGER NOT NULL,
  version INTEGER NOT NULL,
  height INTEGER NOT NULL REFERENCES blocks(height),
  PRIMARY KEY(ns, key)
);
CREATE TABLE history(
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL,
  value BLOB NOT NULL,
  deleted INTEGER NOT NULL CHECK(deleted IN (0, 1)),
  owner INTEGER NOT NULL,
  height INTEGER NOT NULL REFERENCES blocks(height),
  author INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  op_index INTEGER NOT NULL,
  PRIMARY KEY(ns, key, version)
);
CREATE TABLE anchors(
  digest BLOB NOT NULL CHECK(length(digest) = 32),
  method INTEGER NOT NULL,
  btc_block_hash BLOB NOT NULL CHECK(length(btc_block_hash) = 32),
  block_height INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY(digest, method, btc_block_hash)
);
CREATE TABLE evidence(
  hash BLOB PRIMARY KEY NOT NULL CHECK(length(hash) = 32),
  recorded_height INTEGER NOT NULL,
  body BLOB NOT NULL
);
CREATE TABLE signer_state(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  body BLOB NOT NULL
);
)sql";

// Version 2: anchoring. anchors gains the Checkpoint its digest commits to (NULL in rows written
// by version 1, which the auditor then rebuilds from the block's stored seals); anchor_jobs holds
// the anchoring work in progress (a checkpoint submitted to calendars and its OTS tree, updated
// after each upgrade) so that a restart loses no proof; the status index makes the highest
// ANCHORED and FINAL heights an index lookup.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE anchors ADD COLUMN checkpoint BLOB;
CREATE INDEX blocks_by_status ON blocks(status, height);
CREATE TABLE anchor_jobs(
  digest BLOB PRIMARY KEY NOT NULL CHECK(length(digest) = 32),
  height INTEGER NOT NULL CHECK(height >= 1),
  block_id BLOB NOT NULL CHECK(length(block_id) = 32),
  checkpoint BLOB NOT NULL,
  timestamp BLOB,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  FOREIGN KEY(height, block_id) REFERENCES blocks(height, id)
);
)sql";

// Version 3: consensus. The blocks a member signed for (its last proposal and last vote), kept
// with the signer state so that a restarted member can re-send them (PROTOCOL.md §2.5 S6).
constexpr std::string_view kSchemaV3 = R"sql(
CREATE TABLE signer_candidates(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  body BLOB NOT NULL
);
)sql";

// Version 4: epochs (PROTOCOL.md §5.3). The epoch state the head block left (the config in force,
// the pending change; row 'state') and the epochs of the chain so far (row 'history'), written in
// the transaction that commits the block that changed them.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE epochs(
  name TEXT PRIMARY KEY NOT NULL CHECK(name IN ('state', 'history')),
  body BLOB NOT NULL
);
)sql";

// Version 5: chain format 2 (batch version 2, PROTOCOL.md §1.4): every op commits to a salted hash
// of its value, and a value can be erased. State and history rows keep that commitment (the state
// tree's leaves are built from it) and whether the value was erased (value is then x'').
// A store that already holds blocks holds format 1 batches, whose signatures cover the values
// themselves: no rewrite could make them format 2, so such a store is refused, not migrated
// (RefuseFormat1Blocks). A store with only its genesis migrates.
constexpr std::string_view kSchemaV5 = R"sql(
ALTER TABLE state ADD COLUMN value_commit BLOB NOT NULL
  DEFAULT x'0000000000000000000000000000000000000000000000000000000000000000' CHECK(length(value_commit) = 32);
ALTER TABLE state ADD COLUMN erased INTEGER NOT NULL DEFAULT 0 CHECK(erased IN (0, 1));
ALTER TABLE history ADD COLUMN value_commit BLOB NOT NULL
  DEFAULT x'0000000000000000000000000000000000000000000000000000000000000000' CHECK(length(value_commit) = 32);
ALTER TABLE history ADD COLUMN erased INTEGER NOT NULL DEFAULT 0 CHECK(erased IN (0, 1));
)sql";

// Version 6: the state tree on disk (state::StoredStateTree): its pages and leaves as rows, written
// in the transaction of the block that changed them, so that a restart reads the root instead of
// rebuilding the tree in memory. A store migrating from version 5 gets the table empty; the node
// fills it once from the state table at its next start (Node: LoadTree).
// blocks_status_at answers a block's id and status by height without reading its row: status is
// stored after the body, so reading it from the row walks the body's whole overflow chain (a read
// of one key did that for every version it looked at; queries name the index: rows.h).
constexpr std::string_view kSchemaV6 = R"sql(
CREATE TABLE state_tree(
  k BLOB PRIMARY KEY NOT NULL,
  v BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX blocks_status_at ON blocks(height, id, status);
)sql";

// Version 7: each value is stored once per version, in history; a state row names its current
// version and takes the value from there (internal/rows.h). State rows held another copy of every
// key's newest value (beside the block body and the history row), rewritten by each overwrite.
constexpr std::string_view kSchemaV7 = R"sql(
ALTER TABLE state DROP COLUMN value;
)sql";

// Version 8: the state tree's rows are written every so often instead of with every block (a node
// keeps the rows of the blocks in between in memory: state::TreeRowOverlay), and meta.tree_height
// names the block they stand at. The blocks after it are replayed into the tree at the next start
// (store::ReplayTreeTail). Until version 7 the rows stood at the head.
constexpr std::string_view kSchemaV8 = R"sql(
INSERT INTO meta(key, value) SELECT 'tree_height', coalesce(max(height), 0) FROM blocks WHERE true
  ON CONFLICT(key) DO UPDATE SET value = excluded.value;
)sql";

Status RefuseFormat1Blocks(Db& db) {
  PEERDB_TRY_ASSIGN(auto stmt, Stmt::Prepare(db, "SELECT 1 FROM blocks LIMIT 1", false));
  PEERDB_TRY_ASSIGN(const bool has_blocks, stmt->Step());
  if (!has_blocks) return Status::Ok();
  return Error{Errc::kConfig,
               "this store holds blocks of chain format 1, whose signatures cover the values themselves; this "
               "build writes chain format 2 (erasable values) and cannot take them over. Keep running the "
               "release that wrote this chain, or export it for the record and start a new consortium "
               "(docs/user-guide.md, \"Upgrading from chain format 1\")"};
}

constexpr std::array<Migration, 8> kMigrations = {{
    {"blocks, batches, certs, seals, state, history, anchors, evidence, signer_state", kSchemaV1},
    {"anchor checkpoints, anchor_jobs, status index", kSchemaV2},
    {"signer_candidates", kSchemaV3},
    {"epochs", kSchemaV4},
    {"chain format 2: value commitments and erasure", kSchemaV5, RefuseFormat1Blocks},
    {"state tree on disk", kSchemaV6},
    {"values kept once, in history", kSchemaV7},
    {"state tree written every so often, meta.tree_height", kSchemaV8},
}};
static_assert(kMigrations.size() == static_cast<std::size_t>(kSchemaVersion),
              "kSchemaVersion must equal the number of migrations");

Result<bool> TableExists(Db& db, std::string_view name) {
  PEERDB_TRY_ASSIGN(auto stmt,
                    Stmt::Prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", false));
  stmt->BindText(1, name);
  return stmt->Step();
}

Result<bool> HasAnyTable(Db& db) {
  PEERDB_TRY_ASSIGN(auto stmt, Stmt::Prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' LIMIT 1", false));
  return stmt->Step();
}

Status WriteSchemaVersion(Db& db, int version) {
  PEERDB_TRY_ASSIGN(auto stmt,
                    Stmt::Prepare(db,
                                  "INSERT INTO meta(key, value) VALUES('schema_version', ?1) "
                                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                  false));
  stmt->BindInt(1, version);
  return stmt->Run();
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

Result<int> ReadSchemaVersion(Db& db) {
  PEERDB_TRY_ASSIGN(const bool has_meta, TableExists(db, "meta"));
  if (!has_meta) {
    PEERDB_TRY_ASSIGN(const bool has_tables, HasAnyTable(db));
    if (has_tables) return Error{Errc::kConfig, "not a PeerDB store: SQLite database without a meta table"};
    return 0;
  }
  PEERDB_TRY_ASSIGN(auto stmt, Stmt::Prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'", false));
  PEERDB_TRY_ASSIGN(const bool row, stmt->Step());
  if (!row) return Error{Errc::kCorrupt, "meta table has no schema_version"};
  PEERDB_TRY_ASSIGN(const std::uint64_t v, stmt->ColumnU64(0));
  if (v == 0 || v > 1'000'000) return Error{Errc::kCorrupt, "meta.schema_version " + std::to_string(v) + " is not valid"};
  return static_cast<int>(v);
}

Status CheckSchemaVersion(int found, int supported) {
  if (found > supported) {
    return Error{Errc::kConfig, "database schema version " + std::to_string(found) +
                                    " is newer than this build supports (" + std::to_string(supported) +
                                    "); use a newer peerdb"};
  }
  return Status::Ok();
}

Status Migrate(Db& db, std::span<const Migration> migrations) {
  const int target = static_cast<int>(migrations.size());
  for (;;) {
    PEERDB_TRY_ASSIGN(auto txn, Transaction::Begin(db));
    PEERDB_TRY_ASSIGN(const int version, ReadSchemaVersion(db));
    PEERDB_TRY(CheckSchemaVersion(version, target));
    if (version == target) return txn->Commit();
    const Migration& m = migrations[static_cast<std::size_t>(version)];
    const std::string step = "migration " + std::to_string(version) + " -> " + std::to_string(version + 1) + " (" +
                             std::string(m.description) + ")";
    if (m.precondition) {
      if (Status ok = m.precondition(db); !ok.ok()) return ok.error().Context(step);
    }
    Status applied = db.Exec(m.sql);
    if (!applied.ok()) return applied.error().Context(step);
    Status written = WriteSchemaVersion(db, version + 1);
    if (!written.ok()) return written.error().Context(step);
    Status committed = txn->Commit();
    if (!committed.ok()) return committed.error().Context(step);
  }
}

}  // namespace peerdb::store::internal
