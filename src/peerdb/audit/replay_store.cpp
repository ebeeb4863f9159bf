#include "peerdb/audit/replay_store.h"

#include "peerdb/codec/pce.h"

namespace peerdb::audit {
namespace {

using sqlite::Stmt;
using sqlite::StmtReset;

// The tree's rows as the store keeps them (store/store_tree.cpp); the facts keyed like history.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE state_tree(k BLOB PRIMARY KEY NOT NULL, v BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE unheld(ns TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, height INTEGER NOT NULL,
                    why INTEGER NOT NULL, PRIMARY KEY(ns, key, version)) WITHOUT ROWID;
CREATE TABLE erased(ns TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, height INTEGER NOT NULL,
                    PRIMARY KEY(ns, key, version)) WITHOUT ROWID;
)sql";

// Leaf rows are keyed 0xFF || path (state/stored_state_tree.h); page keys start with their depth.
constexpr std::uint8_t kLeafRowTag = 0xFF;

std::string VersionName(const std::string& ns, const std::string& key, std::uint64_t version) {
  return ns + "/" + key + " version " + std::to_string(version);
}

}  // namespace

Result<std::unique_ptr<ReplayStore>> ReplayStore::Create(std::int64_t cache_bytes) {
  // An empty file name: SQLite's private temporary database, deleted when the connection closes.
  auto db = sqlite::Db::Open("", sqlite::OpenMode::kReadWrite);
  if (!db.ok()) return Error{Errc::kIo, "the audit's scratch database: " + db.error().message};
  std::unique_ptr<ReplayStore> out(new ReplayStore(std::move(*db)));
  // Nothing here must survive a crash: no journal, no fsync.
  PEERDB_TRY(out->m_db->SetPragma("journal_mode", "OFF"));
  PEERDB_TRY(out->m_db->SetPragma("synchronous", "OFF"));
  PEERDB_TRY(out->m_db->SetPragma("locking_mode", "EXCLUSIVE"));
  PEERDB_TRY(out->m_db->SetPragma("cache_size", std::to_string(-cache_bytes / 1024)));
  PEERDB_TRY(out->m_db->Exec(kSchema));
  PEERDB_TRY(out->m_db->Exec("BEGIN"));
  return out;
}

ReplayStore::~ReplayStore() {
  m_stmts.Clear();  // statements before their connection
}

Result<std::optional<Bytes>> ReplayStore::LoadTreeRow(ByteSpan key) const {
  PEERDB_TRY_ASSIGN(Stmt* q, Get("SELECT v FROM state_tree WHERE k = ?1"));
  StmtReset reset(*q);
  q->BindBlob(1, key);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<Bytes>{};
  const ByteSpan row = q->ColumnBlob(0);
  return std::optional<Bytes>{Bytes(row.begin(), row.end())};
}

Status ReplayStore::WriteTreeRows(const std::vector<state::TreeRow>& rows) {
  PEERDB_TRY_ASSIGN(Stmt* q, Get("INSERT OR REPLACE INTO state_tree(k, v) VALUES(?1, ?2)"));
  for (const state::TreeRow& r : rows) {
    StmtReset reset(*q);
    q->BindBlob(1, r.key);
    q->BindBlob(2, r.value);
    PEERDB_TRY(q->Run());
  }
  return Status::Ok();
}

Status ReplayStore::NoteUnheld(const std::string& ns, const std::string& key, std::uint64_t version,
                               std::uint64_t height, Unheld why) {
  PEERDB_TRY_ASSIGN(Stmt* q, Get("INSERT OR REPLACE INTO unheld(ns, key, version, height, why) VALUES(?1, ?2, ?3, ?4, ?5)"));
  StmtReset reset(*q);
  q->BindText(1, ns);
  q->BindText(2, key);
  q->BindU64(3, version);
  q->BindU64(4, height);
  q->BindInt(5, static_cast<std::int64_t>(why));
  return q->Run();
}

Status ReplayStore::NoteErased(const std::string& ns, const std::string& key, std::uint64_t version,
                               std::uint64_t height) {
  PEERDB_TRY_ASSIGN(Stmt* q, Get("INSERT OR IGNORE INTO erased(ns, key, version, height) VALUES(?1, ?2, ?3, ?4)"));
  StmtReset reset(*q);
  q->BindText(1, ns);
  q->BindText(2, key);
  q->BindU64(3, version);
  q->BindU64(4, height);
  return q->Run();
}

Result<std::optional<ReplayStore::ErasureFailure>> ReplayStore::CheckErasures() const {
  PEERDB_TRY_ASSIGN(Stmt* withheld,
                    Get("SELECT u.ns, u.key, u.version, u.height FROM unheld AS u WHERE u.why = 1 AND NOT EXISTS "
                        "(SELECT 1 FROM erased AS e WHERE e.ns = u.ns AND e.key = u.key AND e.version = u.version) "
                        "ORDER BY u.ns, u.key, u.version LIMIT 1"));
  {
    StmtReset reset(*withheld);
    PEERDB_TRY_ASSIGN(const bool found, withheld->Step());
    if (found) {
      PEERDB_TRY_ASSIGN(const std::uint64_t version, withheld->ColumnU64(2));
      PEERDB_TRY_ASSIGN(const std::uint64_t height, withheld->ColumnU64(3));
      const std::string what = VersionName(withheld->ColumnText(0), withheld->ColumnText(1), version);
      return std::optional<ErasureFailure>{ErasureFailure{
          height, Error{Errc::kInvalid, "block " + std::to_string(height) + " lacks the value of " + what +
                                            " but no erase op names it: a value was withheld"}}};
    }
  }
  // A version an erase op named is either unheld or held by the block that wrote it.
  PEERDB_TRY_ASSIGN(Stmt* kept, Get("SELECT e.ns, e.key, e.version, e.height FROM erased AS e WHERE NOT EXISTS "
                                    "(SELECT 1 FROM unheld AS u WHERE u.ns = e.ns AND u.key = e.key AND u.version = e.version) "
                                    "ORDER BY e.ns, e.key, e.version LIMIT 1"));
  StmtReset reset(*kept);
  PEERDB_TRY_ASSIGN(const bool found, kept->Step());
  if (!found) return std::optional<ErasureFailure>{};
  PEERDB_TRY_ASSIGN(const std::uint64_t version, kept->ColumnU64(2));
  PEERDB_TRY_ASSIGN(const std::uint64_t height, kept->ColumnU64(3));
  const std::string what = VersionName(kept->ColumnText(0), kept->ColumnText(1), version);
  return std::optional<ErasureFailure>{ErasureFailure{
      height, Error{Errc::kInvalid, "the block that wrote " + what + " still holds its value, erased in block " +
                                        std::to_string(height)}}};
}

Status ReplayStore::ForEachLeaf(const std::function<bool(const state::StateLeaf&)>& fn) const {
  PEERDB_TRY_ASSIGN(auto q, Stmt::Prepare(*m_db, "SELECT v FROM state_tree WHERE k >= ?1 ORDER BY k", /*persistent=*/false));
  const std::uint8_t first[1] = {kLeafRowTag};
  q->BindBlob(1, ByteSpan(first, 1));
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return Status::Ok();
    PEERDB_TRY_ASSIGN(const state::StateLeaf leaf, codec::Decode<state::StateLeaf>(q->ColumnBlob(0)));
    if (!fn(leaf)) return Status::Ok();
  }
}

Result<ReplayStore::RowCursor> ReplayStore::Rows() const {
  PEERDB_TRY_ASSIGN(auto q, Stmt::Prepare(*m_db, "SELECT k, v FROM state_tree ORDER BY k", /*persistent=*/false));
  return RowCursor(std::move(q));
}

Result<std::optional<state::TreeRow>> ReplayStore::RowCursor::Next() {
  PEERDB_TRY_ASSIGN(const bool row, m_q->Step());
  if (!row) return std::optional<state::TreeRow>{};
  const ByteSpan k = m_q->ColumnBlob(0), v = m_q->ColumnBlob(1);
  return std::optional<state::TreeRow>{state::TreeRow{Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end())}};
}

Status ReplayStore::Flush() { return m_db->Exec("COMMIT; BEGIN"); }

}  // namespace peerdb::audit
