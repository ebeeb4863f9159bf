// Store: anchor records, anchor jobs (anchoring in progress) and the anchor-derived block statuses.
#include <limits>

#include "peerdb/codec/pce.h"
#include "peerdb/store/internal/rows.h"
#include "peerdb/sqlite/transaction.h"
#include "peerdb/store/internal/store_impl.h"
#include "peerdb/store/store.h"

namespace peerdb::store {
namespace {

using sqlite::Stmt;
using sqlite::StmtReset;

// A checkpoint is a header-sized prefix plus at most kMaxMembers seals of 68 bytes.
constexpr std::size_t kMaxCheckpointBytes = 64 * 1024;
constexpr std::size_t kMaxAnchorRowBytes = chain::kMaxProofBytes + 1024;

constexpr std::string_view kSqlMaxWithStatus = "SELECT max(height) FROM blocks WHERE status = ?1";

std::string DigestName(const Hash32& digest) { return "anchor digest " + Hex(digest).substr(0, 16); }

// The stored block at the checkpoint's height must be the one it names.
Status CheckNamesStoredBlock(const internal::StoreCore& impl, const chain::Checkpoint& cp) {
  if (cp.h == 0 || cp.h > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Error{Errc::kInvalid, "checkpoint height " + std::to_string(cp.h) + " is not a block"};
  }
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("SELECT id FROM blocks WHERE height = ?1"));
  StmtReset reset(*q);
  q->BindU64(1, cp.h);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return Error{Errc::kInvalid, "checkpoint names block " + std::to_string(cp.h) + ", which is not stored"};
  PEERDB_TRY_ASSIGN(const Hash32 id, q->ColumnHash(0));
  if (id != cp.block_id) return Error{Errc::kInvalid, "checkpoint names another block than the stored block " + std::to_string(cp.h)};
  if (impl.chain_id && *impl.chain_id != cp.chain_id) return Error{Errc::kInvalid, "checkpoint names another chain"};
  return Status::Ok();
}

Result<std::uint64_t> MaxHeightWithStatus(const internal::StoreCore& impl, BlockStatus status) {
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(kSqlMaxWithStatus));
  StmtReset reset(*q);
  q->BindInt(1, static_cast<int>(status));
  PEERDB_TRY_ASSIGN(const bool row, q->Step());
  if (!row || q->ColumnIsNull(0)) return std::uint64_t{0};
  return q->ColumnU64(0);
}

Result<StatusHeights> ReadStatusHeights(const internal::StoreCore& impl) {
  StatusHeights out;
  PEERDB_TRY_ASSIGN(out.final_height, MaxHeightWithStatus(impl, BlockStatus::kFinal));
  PEERDB_TRY_ASSIGN(const std::uint64_t anchored, MaxHeightWithStatus(impl, BlockStatus::kAnchored));
  out.anchored_height = std::max(anchored, out.final_height);
  return out;
}

// Sets `status` on the blocks lo < height <= hi that do not have it yet.
Status SetRange(const internal::StoreCore& impl, std::uint64_t lo, std::uint64_t hi, BlockStatus status) {
  if (hi <= lo) return Status::Ok();
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("UPDATE blocks SET status = ?1 WHERE height > ?2 AND height <= ?3 AND status <> ?1"));
  StmtReset reset(*q);
  q->BindInt(1, static_cast<int>(status));
  q->BindU64(2, lo);
  q->BindU64(3, hi);
  return q->Run();
}

Result<chain::Checkpoint> DecodeCheckpointColumn(const Stmt& q, int col) {
  PEERDB_TRY_ASSIGN(const ByteSpan body, q.ColumnBlobMax(col, kMaxCheckpointBytes));
  auto cp = codec::Decode<chain::Checkpoint>(body);
  if (!cp.ok()) return Error{Errc::kCorrupt, "stored checkpoint does not decode: " + cp.error().message};
  return cp;
}

}  // namespace

// ---- Statuses

Result<StatusHeights> Store::LoadStatusHeights() const { return ReadStatusHeights(*m_impl); }

Status Store::SetStatusHeights(const StatusHeights& heights, BlockStatus unanchored) {
  PEERDB_TRY(m_impl->RequireWritable());
  if (unanchored != BlockStatus::kProposed && unanchored != BlockStatus::kMajority &&
      unanchored != BlockStatus::kUnanimous) {
    return Error{Errc::kInvalid, "unanchored blocks cannot be " + std::string(BlockStatusName(unanchored))};
  }
  if (heights.final_height > heights.anchored_height) {
    return Error{Errc::kInvalid, "final height " + std::to_string(heights.final_height) + " is above anchored height " +
                                     std::to_string(heights.anchored_height)};
  }
  PEERDB_TRY_ASSIGN(auto txn, sqlite::Transaction::Begin(*m_impl->db));
  PEERDB_TRY_ASSIGN(const std::uint64_t head, HeadHeight());
  if (heights.anchored_height > head) {
    return Error{Errc::kInvalid, "anchored height " + std::to_string(heights.anchored_height) + " is above the head " +
                                     std::to_string(head)};
  }
  PEERDB_TRY_ASSIGN(const StatusHeights old, ReadStatusHeights(*m_impl));
  // FINAL and ANCHORED blocks form prefixes (this function is their only writer apart from the
  // single-block UpdateBlockStatus), so only the ranges between old and new boundaries change.
  const std::uint64_t nf = heights.final_height, na = heights.anchored_height;
  PEERDB_TRY(SetRange(*m_impl, old.final_height, nf, BlockStatus::kFinal));
  // (nf, na] becomes ANCHORED: formerly FINAL blocks in it, and formerly unanchored ones.
  PEERDB_TRY(SetRange(*m_impl, nf, std::min(old.final_height, na), BlockStatus::kAnchored));
  PEERDB_TRY(SetRange(*m_impl, std::max(nf, old.anchored_height), na, BlockStatus::kAnchored));
  PEERDB_TRY(SetRange(*m_impl, na, old.anchored_height, unanchored));
  return txn->Commit();
}

// ---- Anchor records

// An anchor is identified by what it proves and where: (digest, method, Bitcoin block). The same
// record saved again is a no-op.
Status Store::SaveAnchor(const chain::AnchorRecord& anchor, const chain::Checkpoint& checkpoint) {
  PEERDB_TRY(m_impl->RequireWritable());
  const std::string what = "save " + DigestName(anchor.digest);
  auto save = [&]() -> Status {
    if (chain::CheckpointDigest(checkpoint) != anchor.digest) {
      return Error{Errc::kInvalid, "the checkpoint does not hash to the record's digest"};
    }
    const Bytes body = codec::Encode(anchor);
    const Bytes cp = codec::Encode(checkpoint);
    if (body.size() > kMaxAnchorRowBytes || cp.size() > kMaxCheckpointBytes) {
      return Error{Errc::kTooLarge, "record of " + std::to_string(body.size()) + " bytes"};
    }
    PEERDB_TRY_ASSIGN(auto txn, sqlite::Transaction::Begin(*m_impl->db));
    PEERDB_TRY(CheckNamesStoredBlock(*m_impl, checkpoint));
    {
      PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("INSERT INTO anchors(digest, method, btc_block_hash, block_height, body, "
                                             "checkpoint) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
                                             "ON CONFLICT(digest, method, btc_block_hash) DO NOTHING"));
      StmtReset reset(*q);
      q->BindBlob(1, anchor.digest);
      q->BindInt(2, anchor.method);
      q->BindBlob(3, anchor.btc_block_hash);
      q->BindU64(4, checkpoint.h);
      q->BindBlob(5, body);
      q->BindBlob(6, cp);
      PEERDB_TRY(q->Run());
    }
    {
      PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("DELETE FROM anchor_jobs WHERE digest = ?1"));
      StmtReset reset(*q);
      q->BindBlob(1, anchor.digest);
      PEERDB_TRY(q->Run());
    }
    return txn->Commit();
  };
  if (Status s = save(); !s.ok()) return s.error().Context(what);
  return Status::Ok();
}

Result<std::vector<StoredAnchor>> Store::LoadAnchors() const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT digest, method, btc_block_hash, block_height, body, checkpoint "
                                         "FROM anchors ORDER BY block_height, rowid"));
  StmtReset reset(*q);
  std::vector<StoredAnchor> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return out;
    auto read = [&]() -> Result<StoredAnchor> {
      StoredAnchor a;
      PEERDB_TRY_ASSIGN(const Hash32 digest, q->ColumnHash(0));
      PEERDB_TRY_ASSIGN(const std::uint64_t method, q->ColumnU64(1));
      PEERDB_TRY_ASSIGN(const Hash32 btc_block_hash, q->ColumnHash(2));
      PEERDB_TRY_ASSIGN(a.height, q->ColumnU64(3));
      PEERDB_TRY_ASSIGN(const ByteSpan body, q->ColumnBlobMax(4, kMaxAnchorRowBytes));
      auto rec = codec::Decode<chain::AnchorRecord>(body);
      if (!rec.ok()) return Error{Errc::kCorrupt, "stored body does not decode: " + rec.error().message};
      if (rec->digest != digest || rec->method != method || rec->btc_block_hash != btc_block_hash) {
        return Error{Errc::kCorrupt, "body disagrees with its key columns"};
      }
      a.record = std::move(rec).value();
      if (!q->ColumnIsNull(5)) {
        PEERDB_TRY_ASSIGN(chain::Checkpoint cp, DecodeCheckpointColumn(*q, 5));
        if (cp.h != a.height) return Error{Errc::kCorrupt, "checkpoint disagrees with its block_height column"};
        a.checkpoint = std::move(cp);
      }
      return a;
    };
    auto a = read();
    if (!a.ok()) return a.error().Context("anchor " + std::to_string(out.size()));
    out.push_back(std::move(a).value());
  }
}

// ---- Anchor jobs

Status Store::SaveAnchorJob(const AnchorJob& job) {
  PEERDB_TRY(m_impl->RequireWritable());
  const std::string what = "save job for " + DigestName(job.digest);
  auto save = [&]() -> Status {
    if (chain::CheckpointDigest(job.checkpoint) != job.digest) {
      return Error{Errc::kInvalid, "the checkpoint does not hash to the job's digest"};
    }
    const Bytes cp = codec::Encode(job.checkpoint);
    if (cp.size() > kMaxCheckpointBytes || (job.timestamp && job.timestamp->size() > chain::kMaxProofBytes)) {
      return Error{Errc::kTooLarge, "checkpoint or timestamp too large"};
    }
    PEERDB_TRY_ASSIGN(auto txn, sqlite::Transaction::Begin(*m_impl->db));
    PEERDB_TRY(CheckNamesStoredBlock(*m_impl, job.checkpoint));
    PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("INSERT INTO anchor_jobs(digest, height, block_id, checkpoint, timestamp, "
                                           "created_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                                           "ON CONFLICT(digest) DO NOTHING"));
    StmtReset reset(*q);
    q->BindBlob(1, job.digest);
    q->BindU64(2, job.checkpoint.h);
    q->BindBlob(3, job.checkpoint.block_id);
    q->BindBlob(4, cp);
    if (job.timestamp) {
      q->BindBlob(5, *job.timestamp);
    } else {
      q->BindNull(5);
    }
    q->BindU64(6, job.created_ms);
    q->BindU64(7, job.updated_ms);
    PEERDB_TRY(q->Run());
    return txn->Commit();
  };
  if (Status s = save(); !s.ok()) return s.error().Context(what);
  return Status::Ok();
}

Status Store::UpdateAnchorJob(const Hash32& digest, ByteSpan timestamp, std::uint64_t updated_ms) {
  PEERDB_TRY(m_impl->RequireWritable());
  if (timestamp.empty() || timestamp.size() > chain::kMaxProofBytes) {
    return Error{Errc::kInvalid, "update job for " + DigestName(digest) + ": timestamp of " +
                                     std::to_string(timestamp.size()) + " bytes"};
  }
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("UPDATE anchor_jobs SET timestamp = ?2, updated_ms = ?3 WHERE digest = ?1"));
  StmtReset reset(*q);
  q->BindBlob(1, digest);
  q->BindBlob(2, timestamp);
  q->BindU64(3, updated_ms);
  PEERDB_TRY(q->Run());
  if (m_impl->db->Changes() == 0) return Error{Errc::kNotFound, "no anchor job for " + DigestName(digest)};
  return Status::Ok();
}

Status Store::DeleteAnchorJob(const Hash32& digest) {
  PEERDB_TRY(m_impl->RequireWritable());
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("DELETE FROM anchor_jobs WHERE digest = ?1"));
  StmtReset reset(*q);
  q->BindBlob(1, digest);
  return q->Run();
}

Result<std::vector<AnchorJob>> Store::LoadAnchorJobs() const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT digest, height, block_id, checkpoint, timestamp, created_ms, updated_ms "
                                         "FROM anchor_jobs ORDER BY height, created_ms, digest"));
  StmtReset reset(*q);
  std::vector<AnchorJob> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return out;
    auto read = [&]() -> Result<AnchorJob> {
      AnchorJob j;
      PEERDB_TRY_ASSIGN(j.digest, q->ColumnHash(0));
      PEERDB_TRY_ASSIGN(const std::uint64_t height, q->ColumnU64(1));
      PEERDB_TRY_ASSIGN(const Hash32 block_id, q->ColumnHash(2));
      PEERDB_TRY_ASSIGN(j.checkpoint, DecodeCheckpointColumn(*q, 3));
      if (j.checkpoint.h != height || j.checkpoint.block_id != block_id) {
        return Error{Errc::kCorrupt, "checkpoint disagrees with its height or block_id column"};
      }
      if (chain::CheckpointDigest(j.checkpoint) != j.digest) return Error{Errc::kCorrupt, "checkpoint does not hash to the digest"};
      if (!q->ColumnIsNull(4)) {
        PEERDB_TRY_ASSIGN(const ByteSpan ts, q->ColumnBlobMax(4, chain::kMaxProofBytes));
        j.timestamp = Bytes(ts.begin(), ts.end());
      }
      PEERDB_TRY_ASSIGN(j.created_ms, q->ColumnU64(5));
      PEERDB_TRY_ASSIGN(j.updated_ms, q->ColumnU64(6));
      return j;
    };
    auto j = read();
    if (!j.ok()) return j.error().Context("anchor job " + std::to_string(out.size()));
    out.push_back(std::move(j).value());
  }
}

}  // namespace peerdb::store
