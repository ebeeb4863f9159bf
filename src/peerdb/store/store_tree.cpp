// Store: the rows of the state tree (state::StoredStateTree), read one at a time and written in
// the transaction of a block (a flush of the node's state::TreeRowOverlay), with the height they
// stand at.
#include "peerdb/sqlite/transaction.h"
#include "peerdb/store/internal/store_impl.h"
#include "peerdb/store/store.h"

namespace peerdb::store {
namespace {

using sqlite::Stmt;
using sqlite::StmtReset;

// A page is at most 4 + 16 * 64 bytes and a leaf a PCE StateLeaf (a name and a key within their
// limits, a few hundred bytes); anything longer is damage, refused before it is copied.
constexpr std::size_t kMaxTreeKeyBytes = 33;
constexpr std::size_t kMaxTreeRowBytes = 64 * 1024;

}  // namespace

Result<std::optional<Bytes>> internal::StoreCore::LoadTreeRow(ByteSpan key) const {
  if (key.size() > kMaxTreeKeyBytes) return Error{Errc::kInvalid, "state tree row key of " + std::to_string(key.size()) + " bytes"};
  PEERDB_TRY_ASSIGN(Stmt* q, Get("SELECT v FROM state_tree WHERE k = ?1"));
  StmtReset reset(*q);
  q->BindBlob(1, key);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<Bytes>{};
  auto row = q->ColumnBlobMax(0, kMaxTreeRowBytes);
  if (!row.ok()) return Error{Errc::kCorrupt, "state tree row: " + row.error().message};
  return std::optional<Bytes>{Bytes(row->begin(), row->end())};
}

Status internal::WriteTreeRows(StoreCore& impl, const std::vector<state::TreeRow>& rows) {
  if (rows.empty()) return Status::Ok();
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("INSERT INTO state_tree(k, v) VALUES(?1, ?2) "
                                      "ON CONFLICT(k) DO UPDATE SET v = excluded.v"));
  for (const state::TreeRow& r : rows) {
    StmtReset reset(*q);
    q->BindBlob(1, r.key);
    q->BindBlob(2, r.value);
    if (Status s = q->Run(); !s.ok()) return s.error().Context("state tree row");
  }
  return Status::Ok();
}

Status internal::SetTreeHeight(StoreCore& impl, std::uint64_t height) {
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("INSERT INTO meta(key, value) VALUES('tree_height', ?1) "
                                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  StmtReset reset(*q);
  q->BindU64(1, height);
  return q->Run();
}

Result<std::uint64_t> Store::TreeHeight() const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT value FROM meta WHERE key = 'tree_height'"));
  StmtReset reset(*q);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return Error{Errc::kCorrupt, "meta has no tree_height"};
  auto height = q->ColumnU64(0);
  if (!height.ok()) return Error{Errc::kCorrupt, "meta tree_height is not a block height: " + height.error().message};
  return *height;
}

const state::TreeRowSource& Store::TreeRows() const { return *m_impl; }

Status Store::ForEachTreeRow(const std::function<bool(ByteSpan key, ByteSpan value)>& fn) const {
  PEERDB_TRY_ASSIGN(auto q, Stmt::Prepare(*m_impl->db, "SELECT k, v FROM state_tree ORDER BY k", /*persistent=*/false));
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return Status::Ok();
    auto key = q->ColumnBlobMax(0, kMaxTreeKeyBytes);
    auto value = q->ColumnBlobMax(1, kMaxTreeRowBytes);
    if (!key.ok() || !value.ok()) return Error{Errc::kCorrupt, "state tree row longer than any the tree writes"};
    if (!fn(*key, *value)) return Status::Ok();
  }
}

Status Store::WriteTreeRows(const std::vector<state::TreeRow>& rows) {
  PEERDB_TRY(m_impl->RequireWritable());
  PEERDB_TRY_ASSIGN(auto txn, sqlite::Transaction::Begin(*m_impl->db));
  PEERDB_TRY(internal::WriteTreeRows(*m_impl, rows));
  PEERDB_TRY_ASSIGN(const std::uint64_t head, HeadHeight());
  PEERDB_TRY(internal::SetTreeHeight(*m_impl, head));
  return txn->Commit();
}

}  // namespace peerdb::store
