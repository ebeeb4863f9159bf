// Store: erasing values (internal/erasure.h). A value lives in three places: its history row (a
// state row reads the value from there), the body of the block that wrote it, and the signer
// candidates when that block was a proposal this member signed for. The state row is marked erased. Each keeps the op's commitment, so block ids,
// batch ids, Merkle roots, signatures and the state root all still verify.
#include <map>
#include <set>
#include <tuple>

#include "peerdb/codec/pce.h"
#include "peerdb/store/internal/erasure.h"
#include "peerdb/store/internal/rows.h"
#include "peerdb/store/store.h"

namespace peerdb::store::internal {
namespace {

using sqlite::Stmt;
using sqlite::StmtReset;

// Where an erased version's value sits in the chain: batch (author, seq), its op.
struct OpPlace {
  chain::MemberId author = 0;
  std::uint64_t seq = 0;
  std::uint32_t op_index = 0;
  Hash32 batch_id{};
  auto operator<=>(const OpPlace&) const = default;
};

constexpr std::string_view kSqlFindVersion =
    "SELECT h.height, h.author, h.seq, h.op_index, b.batch_id FROM history AS h "
    "JOIN batches AS b ON b.author = h.author AND b.seq = h.seq "
    "WHERE h.ns = ?1 AND h.key = ?2 AND h.version = ?3 AND h.deleted = 0 AND h.erased = 0";
constexpr std::string_view kSqlEraseHistory =
    "UPDATE history SET value = x'', erased = 1 WHERE ns = ?1 AND key = ?2 AND version = ?3";
constexpr std::string_view kSqlEraseState =
    "UPDATE state SET erased = 1 WHERE ns = ?1 AND key = ?2 AND version = ?3 AND deleted = 0";

// Marks the history (and, when current, state) row of one version erased; returns where its
// value sits in the chain, or nullopt when there is nothing to erase (a delete, already erased).
Result<std::optional<std::pair<std::uint64_t, OpPlace>>> EraseRows(StoreCore& impl, const std::string& ns,
                                                                  const std::string& key, std::uint64_t version) {
  std::pair<std::uint64_t, OpPlace> found;
  {
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(kSqlFindVersion));
    StmtReset reset(*q);
    q->BindText(1, ns);
    q->BindText(2, key);
    q->BindU64(3, version);
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return std::optional<std::pair<std::uint64_t, OpPlace>>{};
    PEERDB_TRY_ASSIGN(found.first, q->ColumnU64(0));
    PEERDB_TRY_ASSIGN(const std::uint64_t author, q->ColumnU64(1));
    PEERDB_TRY_ASSIGN(found.second.seq, q->ColumnU64(2));
    PEERDB_TRY_ASSIGN(const std::uint64_t op_index, q->ColumnU64(3));
    PEERDB_TRY_ASSIGN(found.second.batch_id, q->ColumnHash(4));
    found.second.author = static_cast<chain::MemberId>(author);
    found.second.op_index = static_cast<std::uint32_t>(op_index);
  }
  for (std::string_view sql : {kSqlEraseHistory, kSqlEraseState}) {
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(sql));
    StmtReset reset(*q);
    q->BindText(1, ns);
    q->BindText(2, key);
    q->BindU64(3, version);
    PEERDB_TRY(q->Run());
  }
  return std::optional<std::pair<std::uint64_t, OpPlace>>{found};
}

// Erases the ops at `places` from `batches`; returns whether anything changed. A batch is matched
// by its id, which erasure does not change, so a different batch under the same (author, seq) in
// a losing proposal is left alone.
bool EraseOps(std::vector<chain::TxBatch>& batches, const std::set<OpPlace>& places) {
  bool changed = false;
  for (chain::TxBatch& b : batches) {
    std::optional<Hash32> id;
    for (const OpPlace& p : places) {
      if (p.author != b.author || p.seq != b.seq || p.op_index >= b.ops.size()) continue;
      if (!id) id = chain::BatchId(b);
      if (*id != p.batch_id || b.ops[p.op_index].is_erased()) continue;
      chain::EraseValue(b.ops[p.op_index]);
      changed = true;
    }
  }
  return changed;
}

Status RewriteBlock(StoreCore& impl, std::uint64_t height, const std::set<OpPlace>& places) {
  Bytes rewritten;
  {
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("SELECT body FROM blocks WHERE height = ?1"));
    StmtReset reset(*q);
    q->BindU64(1, height);
    PEERDB_TRY_ASSIGN(const bool found, q->Step());
    if (!found) return Error{Errc::kCorrupt, "history names block " + std::to_string(height) + ", which is missing"};
    PEERDB_TRY_ASSIGN(const ByteSpan body, q->ColumnBlobMax(0, kMaxStoredBodyBytes));
    auto block = codec::Decode<chain::Block>(body);
    if (!block.ok()) return Error{Errc::kCorrupt, "block " + std::to_string(height) + ": " + block.error().message};
    if (!EraseOps(block->batches, places)) return Status::Ok();
    rewritten = codec::Encode(*block);
  }
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("UPDATE blocks SET body = ?1 WHERE height = ?2"));
  StmtReset reset(*q);
  q->BindBlob(1, rewritten);
  q->BindU64(2, height);
  return q->Run();
}

Status RewriteCandidates(StoreCore& impl, const std::set<OpPlace>& places) {
  Bytes rewritten;
  {
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("SELECT body FROM signer_candidates WHERE id = 1"));
    StmtReset reset(*q);
    PEERDB_TRY_ASSIGN(const bool found, q->Step());
    if (!found) return Status::Ok();
    PEERDB_TRY_ASSIGN(const ByteSpan body, q->ColumnBlobMax(0, kMaxSignerCandidatesBytes));
    auto candidates = codec::Decode<SignerCandidates>(body);
    if (!candidates.ok()) return Error{Errc::kCorrupt, "signer candidates: " + candidates.error().message};
    bool changed = false;
    for (chain::Proposal& p : candidates->proposals) changed = EraseOps(p.block.batches, places) || changed;
    if (!changed) return Status::Ok();
    rewritten = codec::Encode(*candidates);
  }
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("UPDATE signer_candidates SET body = ?1 WHERE id = 1"));
  StmtReset reset(*q);
  q->BindBlob(1, rewritten);
  return q->Run();
}

}  // namespace

Status ApplyErasures(StoreCore& impl, const std::vector<state::Erasure>& erasures) {
  std::map<std::uint64_t, std::set<OpPlace>> by_height;
  std::set<OpPlace> all;
  for (const state::Erasure& e : erasures) {
    for (std::uint64_t version : e.versions) {
      auto place = EraseRows(impl, e.ns, e.key, version);
      if (!place.ok()) return place.error().Context("erase " + e.ns + "/" + e.key + " version " + std::to_string(version));
      if (!*place) continue;
      by_height[(*place)->first].insert((*place)->second);
      all.insert((*place)->second);
    }
  }
  for (const auto& [height, places] : by_height) PEERDB_TRY(RewriteBlock(impl, height, places));
  if (!all.empty()) PEERDB_TRY(RewriteCandidates(impl, all));
  if (!all.empty()) impl.wipe_pending = true;
  return Status::Ok();
}

Status WipeWal(StoreCore& impl) {
  // (busy, log frames, checkpointed frames); busy = 1 when a reader kept the checkpoint from
  // finishing, and then the WAL was not truncated.
  PEERDB_TRY_ASSIGN(auto q, Stmt::Prepare(*impl.db, "PRAGMA wal_checkpoint(TRUNCATE)", /*persistent=*/false));
  PEERDB_TRY_ASSIGN(const bool row, q->Step());
  if (!row) return Error{Errc::kIo, "wal_checkpoint returned no row"};
  PEERDB_TRY_ASSIGN(const std::uint64_t busy, q->ColumnU64(0));
  impl.wipe_pending = busy != 0;
  return Status::Ok();
}

}  // namespace peerdb::store::internal
