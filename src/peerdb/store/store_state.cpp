// Store: current state, key history and per-author batch sequence numbers.
#include <algorithm>
#include <limits>

#include "peerdb/store/internal/rows.h"
#include "peerdb/store/internal/store_impl.h"
#include "peerdb/store/store.h"

namespace peerdb::store {
namespace {

using sqlite::Stmt;
using sqlite::StmtReset;

// Rows reserved up front at most, whatever limit the caller passes.
constexpr std::size_t kMaxReserve = 1024;

}  // namespace

Result<std::optional<CurrentEntry>> Store::LoadCurrent(const std::string& ns, const std::string& key) const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get(PEERDB_STORE_CURRENT_FROM " WHERE s.ns = ?1 AND s.key = ?2"));
  StmtReset reset(*q);
  q->BindText(1, ns);
  q->BindText(2, key);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<CurrentEntry>{};
  PEERDB_TRY_ASSIGN(CurrentEntry e, internal::ReadCurrentRow(*q));
  return std::optional<CurrentEntry>{std::move(e)};
}

Result<std::optional<HistoryEntry>> Store::LoadHistoryVersion(const std::string& ns, const std::string& key,
                                                               std::uint64_t version) const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get(PEERDB_STORE_HISTORY_FROM " WHERE s.ns = ?1 AND s.key = ?2 AND s.version = ?3"));
  StmtReset reset(*q);
  q->BindText(1, ns);
  q->BindText(2, key);
  q->BindU64(3, version);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<HistoryEntry>{};
  PEERDB_TRY_ASSIGN(HistoryEntry e, internal::ReadHistoryRow(*q));
  return std::optional<HistoryEntry>{std::move(e)};
}

namespace {

Result<std::uint64_t> CountRows(const internal::StoreCore& impl, const char* sql) {
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(sql));
  StmtReset reset(*q);
  PEERDB_TRY_ASSIGN(const bool row, q->Step());
  if (!row) return std::uint64_t{0};
  return q->ColumnU64(0);
}

}  // namespace

Result<std::uint64_t> Store::CountCurrent() const { return CountRows(*m_impl, "SELECT count(*) FROM state"); }
Result<std::uint64_t> Store::CountHistory() const { return CountRows(*m_impl, "SELECT count(*) FROM history"); }

Result<std::vector<HistoryEntry>> Store::LoadHistory(const std::string& ns, const std::string& key,
                                                     std::size_t limit) const {
  std::vector<HistoryEntry> out;
  if (limit == 0) return out;
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get(PEERDB_STORE_HISTORY_FROM
                                         " WHERE s.ns = ?1 AND s.key = ?2 ORDER BY s.version LIMIT ?3"));
  StmtReset reset(*q);
  q->BindText(1, ns);
  q->BindText(2, key);
  q->BindInt(3, static_cast<std::int64_t>(
                    std::min<std::uint64_t>(limit, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))));
  out.reserve(std::min(limit, kMaxReserve));
  while (out.size() < limit) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) break;
    PEERDB_TRY_ASSIGN(HistoryEntry e, internal::ReadHistoryRow(*q));
    out.push_back(std::move(e));
  }
  // Each entry's time is its block's; versions of one key often share a block.
  std::uint64_t height = 0, timestamp_ms = 0;
  for (HistoryEntry& e : out) {
    if (e.height != height) {
      PEERDB_TRY_ASSIGN(std::optional<chain::Header> header, LoadHeader(e.height));
      if (!header) return Error{Errc::kCorrupt, "history row " + e.ns + "/" + e.key + ": no block at height " + std::to_string(e.height)};
      height = e.height;
      timestamp_ms = header->timestamp_ms;
    }
    e.timestamp_ms = timestamp_ms;
  }
  return out;
}

Result<std::optional<StatusEntry>> Store::LoadNewestWithStatus(const std::string& ns, const std::string& key,
                                                                BlockStatus min_status) const {
  // Newest version first; the first row whose block has the status wins. b.status is NULL for a
  // row whose block is missing, which ReadHistoryRow reports as corrupt before it is compared.
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get(PEERDB_STORE_HISTORY_FROM
                                         " WHERE s.ns = ?1 AND s.key = ?2 AND (b.status IS NULL OR b.status >= ?3) "
                                         "ORDER BY s.version DESC LIMIT 1"));
  StmtReset reset(*q);
  q->BindText(1, ns);
  q->BindText(2, key);
  q->BindInt(3, static_cast<int>(min_status));
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<StatusEntry>{};
  StatusEntry out;
  PEERDB_TRY_ASSIGN(out.entry, internal::ReadHistoryRow(*q));
  // The status is read through the block row, so a damaged status column is reported as such.
  PEERDB_TRY_ASSIGN(Stmt* b, m_impl->Get("SELECT status FROM blocks INDEXED BY blocks_status_at WHERE height = ?1"));
  StmtReset reset_b(*b);
  b->BindU64(1, out.entry.height);
  PEERDB_TRY_ASSIGN(const bool block_found, b->Step());
  if (!block_found) return Error{Errc::kCorrupt, "block " + std::to_string(out.entry.height) + " is missing"};
  PEERDB_TRY_ASSIGN(const std::uint64_t status, b->ColumnU64(0));
  PEERDB_TRY_ASSIGN(out.status, internal::BlockStatusFromInt(status));
  return std::optional<StatusEntry>{std::move(out)};
}

Result<std::uint64_t> Store::LastSeq(chain::MemberId author) const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT MAX(seq) FROM batches WHERE author = ?1"));
  StmtReset reset(*q);
  q->BindInt(1, author);
  PEERDB_TRY_ASSIGN(const bool row, q->Step());
  if (!row || q->ColumnIsNull(0)) return std::uint64_t{0};
  return q->ColumnU64(0);
}

// The visitor runs while the query is active, on a statement of its own (not from the cache), so
// the callback may read through this Store; it must not write to it.
Status Store::ForEachCurrent(const std::function<bool(const CurrentEntry&)>& fn) const {
  PEERDB_TRY_ASSIGN(auto q, Stmt::Prepare(*m_impl->db, PEERDB_STORE_CURRENT_FROM " ORDER BY s.ns, s.key",
                                          /*persistent=*/false));
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return Status::Ok();
    PEERDB_TRY_ASSIGN(const CurrentEntry e, internal::ReadCurrentRow(*q));
    if (!fn(e)) return Status::Ok();
  }
}

Status Store::ForEachHistory(const std::function<bool(const HistoryEntry&)>& fn) const {
  PEERDB_TRY_ASSIGN(auto q, Stmt::Prepare(*m_impl->db,
                                          PEERDB_STORE_HISTORY_FROM " ORDER BY s.ns, s.key, s.version",
                                          /*persistent=*/false));
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return Status::Ok();
    PEERDB_TRY_ASSIGN(const HistoryEntry e, internal::ReadHistoryRow(*q));
    if (!fn(e)) return Status::Ok();
  }
}

}  // namespace peerdb::store
