// Store: signer state, evidence and the stored X_chain. Anchors live in store_anchors.cpp.
#include <algorithm>
#include <limits>

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

// X_chain is kept in meta as the members' ids in decimal, comma-separated ("" = none), readable
// with sqlite3.
Status internal::WriteChainExcluded(StoreCore& impl, const std::vector<chain::MemberId>& members) {
  std::string text;
  for (const chain::MemberId m : members) {
    if (!text.empty()) text.push_back(',');
    text.append(std::to_string(m));
  }
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get("INSERT INTO meta(key, value) VALUES('chain_excluded', ?1) "
                                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  StmtReset reset(*q);
  q->BindText(1, text);
  return q->Run();
}

Result<std::optional<std::vector<chain::MemberId>>> Store::LoadChainExcluded() const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT value FROM meta WHERE key = 'chain_excluded'"));
  StmtReset reset(*q);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<std::vector<chain::MemberId>>{};
  PEERDB_TRY_ASSIGN(const std::string text, q->ColumnTextMax(0, 64 * 1024));
  if (!text.empty() && text.back() == ',') return Error{Errc::kCorrupt, "meta chain_excluded ends with a comma"};
  std::vector<chain::MemberId> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find(',', at), text.size());
    const std::string id = text.substr(at, end - at);
    if (id.empty() || id.size() > 10 || id.find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(id) > std::numeric_limits<chain::MemberId>::max()) {
      return Error{Errc::kCorrupt, "meta chain_excluded is not a list of member ids: '" + text + "'"};
    }
    out.push_back(static_cast<chain::MemberId>(std::stoull(id)));
    at = end + 1;
  }
  if (!std::is_sorted(out.begin(), out.end()) || std::adjacent_find(out.begin(), out.end()) != out.end()) {
    return Error{Errc::kCorrupt, "meta chain_excluded is not sorted: '" + text + "'"};
  }
  return std::optional<std::vector<chain::MemberId>>{std::move(out)};
}

Status Store::SaveChainExcluded(const std::vector<chain::MemberId>& members) {
  PEERDB_TRY(m_impl->RequireWritable());
  return internal::WriteChainExcluded(*m_impl, members);
}

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
