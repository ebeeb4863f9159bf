// Store::Impl, shared by the store's .cpp files: the connection, the prepared-statement cache, and
// the StateView that Store::View() hands out. The state lives in internal::StoreCore so that
// helper functions outside Store's members can take it (Store::Impl itself is private).
// Thread-safety: as Store (one thread at a time).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "peerdb/sqlite/checkpointer.h"
#include "peerdb/sqlite/db.h"
#include "peerdb/sqlite/stmt_cache.h"
#include "peerdb/store/store.h"

namespace peerdb::store {
namespace internal {

struct StoreCore : state::StateView, state::TreeRowSource {
  StoreCore(std::string p, OpenMode m, std::unique_ptr<sqlite::Db> d)
      : path(std::move(p)), mode(m), db(std::move(d)), stmts(*db) {}

  // StateView over the committed state.
  Result<std::optional<state::KeyState>> GetKey(const std::string& ns, const std::string& key) const override;
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override;
  // TreeRowSource over the state_tree table (store_tree.cpp).
  Result<std::optional<Bytes>> LoadTreeRow(ByteSpan key) const override;

  // kInvalid when the store was opened read-only.
  Status RequireWritable() const;
  // Runs `write` with synchronous=NORMAL: its commit is durable with the next synced commit (the
  // WAL is one file, replayed only as a prefix of whole commits), not on return. Only for data a
  // crash may lose until then without loss of anything acknowledged or signed (store.h says which).
  Status WriteRelaxed(const std::function<Status()>& write);
  // The cached statement for `sql`.
  Result<sqlite::Stmt*> Get(std::string_view sql) const { return stmts.Get(sql); }

  std::string path;
  OpenMode mode;
  std::unique_ptr<sqlite::Db> db;
  mutable sqlite::StmtCache stmts;
  // Read-write stores only; declared after db so that it stops before the connection closes.
  std::unique_ptr<sqlite::Checkpointer> checkpointer;
  const Store* owner = nullptr;
  std::optional<Hash32> chain_id;  // set once the genesis is known; the genesis never changes
  bool wipe_pending = false;       // an erasure's WAL frames are not truncated yet (erasure.h)
};

// Replaces the stored X_chain inside the caller's transaction (store_records.cpp).
Status WriteChainExcluded(StoreCore& impl, const std::vector<chain::MemberId>& members);

// Upserts state tree rows inside the caller's transaction (store_tree.cpp).
Status WriteTreeRows(StoreCore& impl, const std::vector<state::TreeRow>& rows);
// Records the block the tree rows stand at (meta.tree_height), inside the caller's transaction.
Status SetTreeHeight(StoreCore& impl, std::uint64_t height);

}  // namespace internal

struct Store::Impl final : internal::StoreCore {
  using StoreCore::StoreCore;
};

}  // namespace peerdb::store
