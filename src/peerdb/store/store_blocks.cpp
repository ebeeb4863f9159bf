// Store: committing a block with everything that belongs to it, and reading blocks, certificates
// and seals back.
#include <limits>
#include <set>

#include "peerdb/codec/pce.h"
#include "peerdb/store/internal/erasure.h"
#include "peerdb/store/internal/rows.h"
#include "peerdb/sqlite/transaction.h"
#include "peerdb/store/internal/store_impl.h"
#include "peerdb/store/store.h"

namespace peerdb::store {
namespace {

using sqlite::Stmt;
using sqlite::StmtReset;

constexpr std::string_view kSqlHead = "SELECT height, id FROM blocks ORDER BY height DESC LIMIT 1";
constexpr std::string_view kSqlInsertBlock = "INSERT INTO blocks(height, id, body, status) VALUES(?1, ?2, ?3, ?4)";
constexpr std::string_view kSqlInsertCert = "INSERT INTO certs(height, round, block_id, body) VALUES(?1, ?2, ?3, ?4)";
constexpr std::string_view kSqlInsertSeal = "INSERT INTO seals(height, block_id, signer, sig) VALUES(?1, ?2, ?3, ?4)";
constexpr std::string_view kSqlInsertBatch =
    "INSERT INTO batches(author, seq, height, idx, batch_id) VALUES(?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kSqlUpsertState =
    "INSERT INTO state(ns, key, deleted, owner, version, height, value_commit, erased) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT(ns, key) DO UPDATE SET deleted = excluded.deleted, "
    "owner = excluded.owner, version = excluded.version, height = excluded.height, "
    "value_commit = excluded.value_commit, erased = excluded.erased";
constexpr std::string_view kSqlInsertHistory =
    "INSERT INTO history(ns, key, version, value, deleted, owner, height, author, seq, op_index, value_commit, erased) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr std::string_view kSqlSaveEpochs =
    "INSERT INTO epochs(name, body) VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET body = excluded.body";
constexpr std::string_view kSqlSaveSignerState =
    "INSERT INTO signer_state(id, body) VALUES(1, ?1) ON CONFLICT(id) DO UPDATE SET body = excluded.body";

std::string HeightName(std::uint64_t h) { return "block " + std::to_string(h); }

bool ValidStatus(BlockStatus s) {
  return s >= BlockStatus::kProposed && s <= BlockStatus::kFinal;
}

// Checks that need no database: the commit is internally consistent and within bounds.
Status CheckCommitShape(const BlockCommit& c) {
  const std::uint64_t height = c.block.header.height;
  if (height == 0) return Error{Errc::kInvalid, "height 0 is the genesis, not a block"};
  if (chain::BlockId(c.block.header) != c.id) return Error{Errc::kInvalid, "id is not the hash of the header"};
  if (!ValidStatus(c.status)) return Error{Errc::kInvalid, "status " + std::to_string(static_cast<int>(c.status)) + " is not 1..5"};
  if (c.cert && (c.cert->h != height || c.cert->block_id != c.id)) {
    return Error{Errc::kInvalid, "certificate is for another block (height " + std::to_string(c.cert->h) + ")"};
  }
  std::set<chain::MemberId> signers;
  for (const chain::Seal& s : c.seals) {
    if (s.h != height || s.block_id != c.id) {
      return Error{Errc::kInvalid, "seal of member " + std::to_string(s.signer) + " is for another block"};
    }
    if (!signers.insert(s.signer).second) {
      return Error{Errc::kInvalid, "two seals from member " + std::to_string(s.signer)};
    }
  }
  for (std::size_t i = 0; i < c.writes.size(); ++i) {
    const state::Write& w = c.writes[i];
    if (w.ns.empty() || w.ns.size() > chain::kMaxNameBytes || w.key.empty() || w.key.size() > chain::kMaxKeyBytes ||
        w.state.value.size() > chain::kMaxValueBytes) {
      return Error{Errc::kInvalid, "write " + std::to_string(i) + ": namespace, key or value size out of bounds"};
    }
  }
  for (const auto* e : {&c.epoch_state, &c.epoch_history}) {
    if (*e && (*e)->size() > internal::kMaxEpochBytes) return Error{Errc::kTooLarge, "epoch record of " + std::to_string((*e)->size()) + " bytes"};
  }
  if (c.signer_state && c.signer_state->size() > internal::kMaxSignerStateBytes) {
    return Error{Errc::kTooLarge, "signer state of " + std::to_string(c.signer_state->size()) + " bytes"};
  }
  return Status::Ok();
}

struct Head {
  std::uint64_t height = 0;
  Hash32 id{};
};

Result<Head> LoadHead(const internal::StoreCore& impl) {
  PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(kSqlHead));
  StmtReset reset(*q);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  Head head;
  if (!found) return head;
  PEERDB_TRY_ASSIGN(head.height, q->ColumnU64(0));
  PEERDB_TRY_ASSIGN(head.id, q->ColumnHash(1));
  return head;
}

Result<Hash32> ChainId(const Store& store, internal::StoreCore& impl) {
  if (impl.chain_id) return *impl.chain_id;
  PEERDB_TRY_ASSIGN(std::optional<chain::Genesis> genesis, store.LoadGenesis());
  if (!genesis) return Error{Errc::kInvalid, "no genesis stored"};
  impl.chain_id = chain::ChainId(*genesis);
  return *impl.chain_id;
}

// The block must extend the stored head: next height, linked by parent_id, on this chain.
Status CheckExtendsHead(const chain::Header& header, const Head& head, const Hash32& chain_id) {
  if (header.height != head.height + 1) {
    return Error{Errc::kInvalid, "height " + std::to_string(header.height) + " does not follow head " +
                                     std::to_string(head.height)};
  }
  if (header.chain_id != chain_id) return Error{Errc::kInvalid, "header names another chain"};
  const Hash32& want_parent = head.height == 0 ? chain_id : head.id;
  if (header.parent_id != want_parent) return Error{Errc::kInvalid, "parent_id is not the stored head"};
  return Status::Ok();
}

Status InsertSeal(Stmt& q, const chain::Seal& s) {
  StmtReset reset(q);
  q.BindU64(1, s.h);
  q.BindBlob(2, s.block_id);
  q.BindInt(3, s.signer);
  q.BindBlob(4, s.sig);
  return q.Run();
}

// Batches, state and history: the hot path, with statements fetched once per block.
Status InsertBatchesAndWrites(internal::StoreCore& impl, const BlockCommit& c) {
  const std::uint64_t height = c.block.header.height;
  PEERDB_TRY_ASSIGN(Stmt* batch, impl.Get(kSqlInsertBatch));
  for (std::size_t i = 0; i < c.block.batches.size(); ++i) {
    const chain::TxBatch& b = c.block.batches[i];
    const Hash32 batch_id = chain::BatchId(b);
    StmtReset reset(*batch);
    batch->BindInt(1, b.author);
    batch->BindU64(2, b.seq);
    batch->BindU64(3, height);
    batch->BindU64(4, i);
    batch->BindBlob(5, batch_id);
    if (Status s = batch->Run(); !s.ok()) {
      return s.error().Context("batch " + std::to_string(i) + " (author " + std::to_string(b.author) + " seq " +
                               std::to_string(b.seq) + ")");
    }
  }
  PEERDB_TRY_ASSIGN(Stmt* upsert, impl.Get(kSqlUpsertState));
  PEERDB_TRY_ASSIGN(Stmt* hist, impl.Get(kSqlInsertHistory));
  for (std::size_t i = 0; i < c.writes.size(); ++i) {
    const state::Write& w = c.writes[i];
    {
      StmtReset reset(*upsert);
      upsert->BindText(1, w.ns);
      upsert->BindText(2, w.key);
      upsert->BindInt(3, w.state.deleted ? 1 : 0);
      upsert->BindInt(4, w.state.owner);
      upsert->BindU64(5, w.state.version);
      upsert->BindU64(6, height);
      upsert->BindBlob(7, w.state.commit);
      upsert->BindInt(8, w.state.erased ? 1 : 0);
      if (Status s = upsert->Run(); !s.ok()) return s.error().Context("write " + std::to_string(i) + " state");
    }
    StmtReset reset(*hist);
    hist->BindText(1, w.ns);
    hist->BindText(2, w.key);
    hist->BindU64(3, w.state.version);
    hist->BindBlob(4, w.state.value);
    hist->BindInt(5, w.state.deleted ? 1 : 0);
    hist->BindInt(6, w.state.owner);
    hist->BindU64(7, height);
    hist->BindInt(8, w.author);
    hist->BindU64(9, w.seq);
    hist->BindInt(10, w.op_index);
    hist->BindBlob(11, w.state.commit);
    hist->BindInt(12, w.state.erased ? 1 : 0);
    if (Status s = hist->Run(); !s.ok()) {
      return s.error().Context("write " + std::to_string(i) + " history (" + w.ns + "/" + w.key + " version " +
                               std::to_string(w.state.version) + ")");
    }
  }
  return Status::Ok();
}

Status CommitInTransaction(const Store& store, internal::StoreCore& impl, const BlockCommit& c, const Bytes& body) {
  PEERDB_TRY_ASSIGN(auto txn, sqlite::Transaction::Begin(*impl.db));
  PEERDB_TRY_ASSIGN(const Head head, LoadHead(impl));
  PEERDB_TRY_ASSIGN(const Hash32 chain_id, ChainId(store, impl));
  PEERDB_TRY(CheckExtendsHead(c.block.header, head, chain_id));
  const std::uint64_t height = c.block.header.height;
  {
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(kSqlInsertBlock));
    StmtReset reset(*q);
    q->BindU64(1, height);
    q->BindBlob(2, c.id);
    q->BindBlob(3, body);
    q->BindInt(4, static_cast<int>(c.status));
    PEERDB_TRY(q->Run());
  }
  if (c.cert) {
    const Bytes cert = codec::Encode(*c.cert);
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(kSqlInsertCert));
    StmtReset reset(*q);
    q->BindU64(1, height);
    q->BindInt(2, c.cert->r);
    q->BindBlob(3, c.id);
    q->BindBlob(4, cert);
    PEERDB_TRY(q->Run());
  }
  if (!c.seals.empty()) {
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(kSqlInsertSeal));
    for (const chain::Seal& s : c.seals) PEERDB_TRY(InsertSeal(*q, s));
  }
  PEERDB_TRY(InsertBatchesAndWrites(impl, c));
  if (c.signer_state) {
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(kSqlSaveSignerState));
    StmtReset reset(*q);
    q->BindBlob(1, *c.signer_state);
    PEERDB_TRY(q->Run());
  }
  for (const auto& [name, row] : {std::pair{"state", &c.epoch_state}, std::pair{"history", &c.epoch_history}}) {
    if (!*row) continue;
    PEERDB_TRY_ASSIGN(Stmt* q, impl.Get(kSqlSaveEpochs));
    StmtReset reset(*q);
    q->BindText(1, name);
    q->BindBlob(2, **row);
    PEERDB_TRY(q->Run());
  }
  PEERDB_TRY(internal::WriteTreeRows(impl, c.tree_rows));
  if (c.tree_height) {
    if (*c.tree_height > height) return Error{Errc::kInvalid, "tree_height above the block committed"};
    PEERDB_TRY(internal::SetTreeHeight(impl, *c.tree_height));
  }
  if (c.chain_excluded) PEERDB_TRY(internal::WriteChainExcluded(impl, *c.chain_excluded));
  PEERDB_TRY(internal::ApplyErasures(impl, c.erasures));
  return txn->Commit();
}

}  // namespace

Status Store::CommitBlock(const BlockCommit& c) {
  PEERDB_TRY(m_impl->RequireWritable());
  const std::string what = "commit " + HeightName(c.block.header.height);
  if (Status s = CheckCommitShape(c); !s.ok()) return s.error().Context(what);
  const Bytes body = codec::Encode(c.block);
  if (body.size() > internal::kMaxStoredBodyBytes) {
    return Error{Errc::kTooLarge, what + ": " + std::to_string(body.size()) + " bytes"};
  }
  if (Status s = CommitInTransaction(*this, *m_impl, c, body); !s.ok()) return s.error().Context(what);
  // The block is durable; now the frames that held erased values leave the WAL (a later commit
  // retries while a reader holds it).
  if (m_impl->wipe_pending) {
    if (Status s = internal::WipeWal(*m_impl); !s.ok()) return s.error().Context(what + ": wiping the WAL after an erasure");
  }
  return Status::Ok();
}

Result<std::uint64_t> Store::HeadHeight() const {
  PEERDB_TRY_ASSIGN(const Head head, LoadHead(*m_impl));
  return head.height;
}

Result<std::optional<StoredBlock>> Store::LoadBlock(std::uint64_t height) const {
  if (height > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::optional<StoredBlock>{};
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT " PEERDB_STORE_BLOCK_COLUMNS " FROM blocks WHERE height = ?1"));
  StmtReset reset(*q);
  q->BindU64(1, height);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<StoredBlock>{};
  PEERDB_TRY_ASSIGN(StoredBlock b, internal::ReadBlockRow(*q));
  return std::optional<StoredBlock>{std::move(b)};
}

Result<std::optional<StoredBlock>> Store::LoadBlockById(const Hash32& id) const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT " PEERDB_STORE_BLOCK_COLUMNS " FROM blocks WHERE id = ?1"));
  StmtReset reset(*q);
  q->BindBlob(1, id);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<StoredBlock>{};
  PEERDB_TRY_ASSIGN(StoredBlock b, internal::ReadBlockRow(*q));
  return std::optional<StoredBlock>{std::move(b)};
}

Result<std::optional<Bytes>> Store::LoadBlockBytes(std::uint64_t height) const {
  if (height > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::optional<Bytes>{};
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT body FROM blocks WHERE height = ?1"));
  StmtReset reset(*q);
  q->BindU64(1, height);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<Bytes>{};
  auto body = q->ColumnBlobMax(0, internal::kMaxStoredBodyBytes);
  if (!body.ok()) return body.error().Context(HeightName(height));
  return std::optional<Bytes>{Bytes(body->begin(), body->end())};
}

Result<std::optional<Hash32>> Store::LoadBlockId(std::uint64_t height) const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT id FROM blocks INDEXED BY blocks_status_at WHERE height = ?1"));
  StmtReset reset(*q);
  q->BindU64(1, height);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<Hash32>{};
  PEERDB_TRY_ASSIGN(const Hash32 id, q->ColumnHash(0));
  return std::optional<Hash32>{id};
}

Result<std::optional<BlockStatus>> Store::LoadBlockStatus(std::uint64_t height) const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT status FROM blocks INDEXED BY blocks_status_at WHERE height = ?1"));
  StmtReset reset(*q);
  q->BindU64(1, height);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<BlockStatus>{};
  PEERDB_TRY_ASSIGN(const std::uint64_t raw, q->ColumnU64(0));
  PEERDB_TRY_ASSIGN(const BlockStatus status, internal::BlockStatusFromInt(raw));
  return std::optional<BlockStatus>{status};
}

Result<std::optional<chain::Header>> Store::LoadHeader(std::uint64_t height) const {
  // A header's encoding has a fixed size and opens the block's (Block::Pce), so only that prefix is read.
  static const std::size_t kHeaderBytes = codec::EncodedSize(chain::Header{});
  if (height > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::optional<chain::Header>{};
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT substr(body, 1, ?2) FROM blocks WHERE height = ?1"));
  StmtReset reset(*q);
  q->BindU64(1, height);
  q->BindInt(2, static_cast<std::int64_t>(kHeaderBytes));
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<chain::Header>{};
  auto prefix = q->ColumnBlobMax(0, kHeaderBytes);
  if (!prefix.ok()) return prefix.error().Context(HeightName(height));
  auto header = codec::Decode<chain::Header>(*prefix);
  if (!header.ok()) return Error{Errc::kCorrupt, HeightName(height) + ": header: " + header.error().message};
  return std::optional<chain::Header>{std::move(header).value()};
}

Status Store::UpdateBlockStatus(std::uint64_t height, BlockStatus status) {
  PEERDB_TRY(m_impl->RequireWritable());
  if (!ValidStatus(status)) return Error{Errc::kInvalid, "status " + std::to_string(static_cast<int>(status)) + " is not 1..5"};
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("UPDATE blocks SET status = ?1 WHERE height = ?2"));
  StmtReset reset(*q);
  q->BindInt(1, static_cast<int>(status));
  q->BindU64(2, height);
  PEERDB_TRY(m_impl->WriteRelaxed([&] { return q->Run(); }));  // durable with the next synced commit
  if (m_impl->db->Changes() == 0) return Error{Errc::kNotFound, "no " + HeightName(height)};
  return Status::Ok();
}

Result<std::optional<chain::MajorityCert>> Store::LoadCert(std::uint64_t height) const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT round, block_id, body FROM certs WHERE height = ?1"));
  StmtReset reset(*q);
  q->BindU64(1, height);
  PEERDB_TRY_ASSIGN(const bool found, q->Step());
  if (!found) return std::optional<chain::MajorityCert>{};
  auto read = [&]() -> Result<chain::MajorityCert> {
    PEERDB_TRY_ASSIGN(const std::uint64_t round, q->ColumnU64(0));
    PEERDB_TRY_ASSIGN(const Hash32 block_id, q->ColumnHash(1));
    PEERDB_TRY_ASSIGN(const ByteSpan body, q->ColumnBlobMax(2, internal::kMaxStoredBodyBytes));
    auto mc = codec::Decode<chain::MajorityCert>(body);
    if (!mc.ok()) return Error{Errc::kCorrupt, "stored body does not decode: " + mc.error().message};
    if (mc->h != height || mc->r != round || mc->block_id != block_id) {
      return Error{Errc::kCorrupt, "body disagrees with its height, round or block_id column"};
    }
    return mc;
  };
  auto mc = read();
  if (!mc.ok()) return mc.error().Context("certificate of " + HeightName(height));
  return std::optional<chain::MajorityCert>{std::move(mc).value()};
}

Result<std::vector<chain::Seal>> Store::LoadSeals(std::uint64_t height) const {
  PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT block_id, signer, sig FROM seals WHERE height = ?1 ORDER BY signer"));
  StmtReset reset(*q);
  q->BindU64(1, height);
  std::vector<chain::Seal> out;
  for (;;) {
    PEERDB_TRY_ASSIGN(const bool row, q->Step());
    if (!row) break;
    auto read = [&]() -> Result<chain::Seal> {
      chain::Seal s;
      s.h = height;
      PEERDB_TRY_ASSIGN(s.block_id, q->ColumnHash(0));
      PEERDB_TRY_ASSIGN(const std::uint64_t signer, q->ColumnU64(1));
      if (signer > std::numeric_limits<chain::MemberId>::max()) return Error{Errc::kCorrupt, "signer exceeds u32"};
      s.signer = static_cast<chain::MemberId>(signer);
      PEERDB_TRY_ASSIGN(s.sig, q->ColumnSig(2));
      return s;
    };
    auto seal = read();
    if (!seal.ok()) return seal.error().Context("seal of " + HeightName(height));
    if (out.size() >= chain::kMaxMembers) return Error{Errc::kCorrupt, HeightName(height) + " has too many seals"};
    out.push_back(std::move(seal).value());
  }
  return out;
}

Status Store::AddSeal(const chain::Seal& seal) {
  PEERDB_TRY(m_impl->RequireWritable());
  const std::string what = "seal of member " + std::to_string(seal.signer) + " on " + HeightName(seal.h);
  auto add = [&]() -> Status {
    PEERDB_TRY_ASSIGN(auto txn, sqlite::Transaction::Begin(*m_impl->db));
    {
      PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT id FROM blocks WHERE height = ?1"));
      StmtReset reset(*q);
      q->BindU64(1, seal.h);
      PEERDB_TRY_ASSIGN(const bool found, q->Step());
      if (!found) return Error{Errc::kNotFound, "no such block stored"};
      PEERDB_TRY_ASSIGN(const Hash32 id, q->ColumnHash(0));
      if (id != seal.block_id) return Error{Errc::kInvalid, "seal names another block than the one stored"};
    }
    {
      PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get("SELECT sig FROM seals WHERE height = ?1 AND signer = ?2 AND block_id = ?3"));
      StmtReset reset(*q);
      q->BindU64(1, seal.h);
      q->BindInt(2, seal.signer);
      q->BindBlob(3, seal.block_id);
      PEERDB_TRY_ASSIGN(const bool found, q->Step());
      if (found) {
        PEERDB_TRY_ASSIGN(const Sig64 sig, q->ColumnSig(0));
        if (sig == seal.sig) return Status::Ok();
        return Error{Errc::kConflict, "another signature from this member is stored"};
      }
    }
    PEERDB_TRY_ASSIGN(Stmt* q, m_impl->Get(kSqlInsertSeal));
    PEERDB_TRY(InsertSeal(*q, seal));
    return txn->Commit();
  };
  // Durable with the next synced commit (store.h): a seal of another member is theirs to keep too.
  if (Status s = m_impl->WriteRelaxed(add); !s.ok()) return s.error().Context(what);
  return Status::Ok();
}

}  // namespace peerdb::store
