// Store: signer state and evidence. Anchors live in store_anchors.cpp.
#include "peerdb/codec/pce.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/store/internal/rows.h"
#include "peerdb/store/internal/store_impl.h"
#include "peerdb/store/store.h"

namespace peerdb::store {
namespace {

using sqlite::Stmt;
using sqlite::StmtReset;

// An evidence body is two messages plus a header path.
constexpr std::size_t kMaxEvidenceRowBytes = internal::kMaxStoredBodyBytes;

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

namespace {
Result<std::optional<Bytes>> LoadEpochRow(internal::StoreCore& impl, std::string_view name) {
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("SELECT body FROM epochs WHERE name = ?1"));
  StmtReset reset(*q);
  q->BindText(1, name);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<Bytes>{};
  auto body = q->ColumnBlobMax(0, internal::kMaxEpochBytes);
  if (!body.ok()) return body.error().Context("epoch " + std::string(name));
  return std::optional<Bytes>{Bytes(body->begin(), body->end())};
}
}  // namespace

Result<std::optional<Bytes>> Store::LoadEpochState() const { return LoadEpochRow(*m_impl, "state"); }
Result<std::optional<Bytes>> Store::LoadEpochHistory() const { return LoadEpochRow(*m_impl, "history"); }

Status Store::SaveSignerState(ByteSpan body) {
  PEERDB_TRY(m_impl->RequireWritable());
  if (body.size() > internal::kMaxSignerStateBytes) {
    return Error{Errc::kTooLarge, "signer state of " + std::to_string(body.size()) + " bytes"};
  }
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("INSERT INTO signer_state(id, body) VALUES(1, ?1) "
                                         "ON CONFLICT(id) DO UPDATE SET body = excluded.body"));
  StmtReset reset(*q);
  q->BindBlob(1, body);
  return q->Run();
}

Result<std::optional<Bytes>> Store::LoadSignerCandidates() const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT body FROM signer_candidates WHERE id = 1"));
  StmtReset reset(*q);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<Bytes>{};
  auto body = q->ColumnBlobMax(0, internal::kMaxSignerCandidatesBytes);
  if (!body.ok()) return body.error().Context("signer candidates");
  return std::optional<Bytes>{Bytes(body->begin(), body->end())};
}

Status Store::SaveSignerCandidates(ByteSpan body) {
  PEERDB_TRY(m_impl->RequireWritable());
  if (body.size() > internal::kMaxSignerCandidatesBytes) {
    return Error{Errc::kTooLarge, "signer candidates of " + std::to_string(body.size()) + " bytes"};
  }
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("INSERT INTO signer_candidates(id, body) VALUES(1, ?1) "
                                         "ON CONFLICT(id) DO UPDATE SET body = excluded.body"));
  StmtReset reset(*q);
  q->BindBlob(1, body);
  // Durable with the next synced commit (see store.h).
  return m_impl->WriteRelaxed([&] { return q->Run(); });
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

}  // namespace peerdb::store
