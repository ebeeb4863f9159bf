// Store: signer state, evidence and anchor records.
#include "peerdb/codec/pce.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/store/internal/rows.h"
#include "peerdb/store/internal/store_impl.h"
#include "peerdb/store/store.h"

namespace peerdb::store {
namespace {

using internal::Stmt;
using internal::StmtReset;

// An evidence body is two messages plus a header path; anchors hold a proof of at most 64 KiB.
constexpr std::size_t kMaxEvidenceRowBytes = internal::kMaxStoredBodyBytes;
constexpr std::size_t kMaxAnchorRowBytes = chain::kMaxProofBytes + 1024;

}  // namespace

Result<std::optional<Bytes>> Store::LoadSignerState() const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT body FROM signer_state WHERE id = 1"));
  StmtReset reset(*q);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<Bytes>{};
  auto body = q->ColumnBlobMax(0, internal::kMaxSignerStateBytes);
  if (!body.ok()) return body.error().Context("signer state");
  return std::optional<Bytes>{Bytes(body->begin(), body->end())};
}

// Evidence is keyed by the SHA-256 of its PCE bytes, so recording the same proof twice is a no-op.
Status Store::SaveEvidence(const chain::Evidence& evidence, std::uint64_t recorded_height) {
  PEERDB_TRY(m_impl->RequireWritable());
  const Bytes body = codec::Encode(evidence);
  if (body.size() > kMaxEvidenceRowBytes) return Error{Errc::kTooLarge, "evidence of " + std::to_string(body.size()) + " bytes"};
  const Hash32 hash = crypto::Sha256(body);
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("INSERT INTO evidence(hash, recorded_height, body) VALUES(?1, ?2, ?3) "
                                         "ON CONFLICT(hash) DO NOTHING"));
  StmtReset reset(*q);
  q->BindBlob(1, hash);
  q->BindU64(2, recorded_height);
  q->BindBlob(3, body);
  return q->Run();
}

Result<std::vector<chain::Evidence>> Store::LoadEvidence() const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT hash, body FROM evidence ORDER BY recorded_height, rowid"));
  StmtReset reset(*q);
  std::vector<chain::Evidence> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return out;
    auto read = [&]() -> Result<chain::Evidence> {
      PEERDB_TRY_ASSIGN(const Hash32 hash, q->ColumnHash(0));
      PEERDB_TRY_ASSIGN(const ByteSpan body, q->ColumnBlobMax(1, kMaxEvidenceRowBytes));
      if (crypto::Sha256(body) != hash) return Error{Errc::kCorrupt, "body does not match its hash"};
      auto e = codec::Decode<chain::Evidence>(body);
      if (!e.ok()) return Error{Errc::kCorrupt, "stored body does not decode: " + e.error().message};
      return e;
    };
    auto e = read();
    if (!e.ok()) return e.error().Context("evidence " + std::to_string(out.size()));
    out.push_back(std::move(e).value());
  }
}

// An anchor is identified by what it proves and where: (digest, method, Bitcoin block). The same
// record saved again, for example from a later block's records, is a no-op.
Status Store::SaveAnchor(const chain::AnchorRecord& anchor, std::uint64_t block_height) {
  PEERDB_TRY(m_impl->RequireWritable());
  const Bytes body = codec::Encode(anchor);
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("INSERT INTO anchors(digest, method, btc_block_hash, block_height, body) "
                                         "VALUES(?1, ?2, ?3, ?4, ?5) "
                                         "ON CONFLICT(digest, method, btc_block_hash) DO NOTHING"));
  StmtReset reset(*q);
  q->BindBlob(1, anchor.digest);
  q->BindInt(2, anchor.method);
  q->BindBlob(3, anchor.btc_block_hash);
  q->BindU64(4, block_height);
  q->BindBlob(5, body);
  return q->Run();
}

Result<std::vector<chain::AnchorRecord>> Store::LoadAnchors() const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT digest, method, btc_block_hash, body FROM anchors "
                                         "ORDER BY block_height, rowid"));
  StmtReset reset(*q);
  std::vector<chain::AnchorRecord> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) return out;
    auto read = [&]() -> Result<chain::AnchorRecord> {
      PEERDB_TRY_ASSIGN(const Hash32 digest, q->ColumnHash(0));
      PEERDB_TRY_ASSIGN(const std::uint64_t method, q->ColumnU64(1));
      PEERDB_TRY_ASSIGN(const Hash32 btc_block_hash, q->ColumnHash(2));
      PEERDB_TRY_ASSIGN(const ByteSpan body, q->ColumnBlobMax(3, kMaxAnchorRowBytes));
      auto a = codec::Decode<chain::AnchorRecord>(body);
      if (!a.ok()) return Error{Errc::kCorrupt, "stored body does not decode: " + a.error().message};
      if (a->digest != digest || a->method != method || a->btc_block_hash != btc_block_hash) {
        return Error{Errc::kCorrupt, "body disagrees with its key columns"};
      }
      return a;
    };
    auto a = read();
    if (!a.ok()) return a.error().Context("anchor " + std::to_string(out.size()));
    out.push_back(std::move(a).value());
  }
}

}  // namespace peerdb::store
