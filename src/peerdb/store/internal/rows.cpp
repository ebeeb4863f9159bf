#include "peerdb/store/internal/rows.h"

#include <limits>

#include "peerdb/codec/pce.h"

namespace peerdb::store::internal {
namespace {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();

Result<std::uint32_t> ColumnU32(const sqlite::Stmt& s, int col) {
  PEERDB_TRY_ASSIGN(const std::uint64_t v, s.ColumnU64(col));
  if (v > kU32Max) return Error{Errc::kCorrupt, "column " + std::to_string(col) + ": " + std::to_string(v) + " exceeds u32"};
  return static_cast<std::uint32_t>(v);
}

Result<bool> ColumnBool(const sqlite::Stmt& s, int col) {
  PEERDB_TRY_ASSIGN(const std::uint64_t v, s.ColumnU64(col));
  if (v > 1) return Error{Errc::kCorrupt, "column " + std::to_string(col) + ": flag " + std::to_string(v) + " is not 0 or 1"};
  return v == 1;
}

// ns, key, then KeyState fields at the given columns; shared by current and history rows.
Status ReadKeyColumns(const sqlite::Stmt& s, std::string& ns, std::string& key) {
  PEERDB_TRY_ASSIGN(ns, s.ColumnTextMax(0, chain::kMaxNameBytes));
  PEERDB_TRY_ASSIGN(key, s.ColumnTextMax(1, chain::kMaxKeyBytes));
  return Status::Ok();
}

Result<Bytes> ColumnValue(const sqlite::Stmt& s, int col) {
  PEERDB_TRY_ASSIGN(const ByteSpan v, s.ColumnBlobMax(col, chain::kMaxValueBytes));
  return Bytes(v.begin(), v.end());
}

}  // namespace

Result<BlockStatus> BlockStatusFromInt(std::uint64_t v) {
  if (v < static_cast<std::uint64_t>(BlockStatus::kProposed) || v > static_cast<std::uint64_t>(BlockStatus::kFinal)) {
    return Error{Errc::kCorrupt, "block status " + std::to_string(v) + " is not 1..5"};
  }
  return static_cast<BlockStatus>(v);
}

Result<StoredBlock> ReadBlockRow(const sqlite::Stmt& s) {
  PEERDB_TRY_ASSIGN(const std::uint64_t height, s.ColumnU64(0));
  auto fail = [height](const Error& e) { return e.Context("block " + std::to_string(height)); };
  StoredBlock out;
  out.height = height;
  auto id = s.ColumnHash(1);
  if (!id.ok()) return fail(id.error());
  out.id = *id;
  auto body = s.ColumnBlobMax(2, kMaxStoredBodyBytes);
  if (!body.ok()) return fail(body.error());
  auto block = codec::Decode<chain::Block>(*body);
  if (!block.ok()) return fail(Error{Errc::kCorrupt, "stored body does not decode: " + block.error().message});
  out.block = std::move(block).value();
  auto status = s.ColumnU64(3);
  if (!status.ok()) return fail(status.error());
  auto st = BlockStatusFromInt(*status);
  if (!st.ok()) return fail(st.error());
  out.status = *st;
  if (out.block.header.height != height) {
    return fail(Error{Errc::kCorrupt, "body holds height " + std::to_string(out.block.header.height)});
  }
  if (chain::BlockId(out.block.header) != out.id) {
    return fail(Error{Errc::kCorrupt, "stored id does not match the header's hash"});
  }
  return out;
}

Result<CurrentEntry> ReadCurrentRow(const sqlite::Stmt& s) {
  CurrentEntry e;
  PEERDB_TRY(ReadKeyColumns(s, e.ns, e.key));
  auto row = [&]() -> Status {
    PEERDB_TRY_ASSIGN(e.state.version, s.ColumnU64(5));
    if (s.ColumnIsNull(2)) {
      return Error{Errc::kCorrupt, "names version " + std::to_string(e.state.version) + ", which no history row holds"};
    }
    PEERDB_TRY_ASSIGN(e.state.value, ColumnValue(s, 2));
    PEERDB_TRY_ASSIGN(e.state.deleted, ColumnBool(s, 3));
    PEERDB_TRY_ASSIGN(e.state.owner, ColumnU32(s, 4));
    PEERDB_TRY_ASSIGN(e.height, s.ColumnU64(6));
    if (s.ColumnIsNull(7)) return Error{Errc::kCorrupt, "no block at height " + std::to_string(e.height)};
    PEERDB_TRY_ASSIGN(e.block_id, s.ColumnHash(7));
    PEERDB_TRY_ASSIGN(e.state.commit, s.ColumnHash(8));
    PEERDB_TRY_ASSIGN(e.state.erased, ColumnBool(s, 9));
    return Status::Ok();
  }();
  if (!row.ok()) return row.error().Context("state row " + e.ns + "/" + e.key);
  return e;
}

Result<HistoryEntry> ReadHistoryRow(const sqlite::Stmt& s) {
  HistoryEntry e;
  PEERDB_TRY(ReadKeyColumns(s, e.ns, e.key));
  auto row = [&]() -> Status {
    PEERDB_TRY_ASSIGN(e.state.version, s.ColumnU64(2));
    PEERDB_TRY_ASSIGN(e.state.value, ColumnValue(s, 3));
    PEERDB_TRY_ASSIGN(e.state.deleted, ColumnBool(s, 4));
    PEERDB_TRY_ASSIGN(e.state.owner, ColumnU32(s, 5));
    PEERDB_TRY_ASSIGN(e.height, s.ColumnU64(6));
    if (s.ColumnIsNull(7)) return Error{Errc::kCorrupt, "no block at height " + std::to_string(e.height)};
    PEERDB_TRY_ASSIGN(e.block_id, s.ColumnHash(7));
    PEERDB_TRY_ASSIGN(e.author, ColumnU32(s, 8));
    PEERDB_TRY_ASSIGN(e.seq, s.ColumnU64(9));
    PEERDB_TRY_ASSIGN(e.op_index, ColumnU32(s, 10));
    PEERDB_TRY_ASSIGN(e.state.commit, s.ColumnHash(11));
    PEERDB_TRY_ASSIGN(e.state.erased, ColumnBool(s, 12));
    return Status::Ok();
  }();
  if (!row.ok()) return row.error().Context("history row " + e.ns + "/" + e.key);
  return e;
}

}  // namespace peerdb::store::internal
