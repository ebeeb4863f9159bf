// Where `peerdb audit` keeps the state it re-derives, so that its memory does not grow with the
// chain: a private scratch SQLite database (a temporary file SQLite deletes when it closes, in
// SQLITE_TMPDIR or TMPDIR, else /var/tmp or /tmp; it is unlinked as soon as it is opened, so even
// a killed audit leaves nothing behind). It holds
// - the rows of the replayed state tree (state::StoredStateTree reads them through
//   TreeRowSource): its leaves are all that execution reads of a key, and its root is what each
//   header's state_root is checked against;
// - the facts of erasure (PROTOCOL.md §1.4), sparse: the versions a block does not hold the value
//   of (written already erased, or tombstones), and the versions erase ops named. Every value a
//   block lacks must be named by an erase op and every value one names must be gone.
// Nothing in it is durable: it lives as long as one audit. Pages beyond its cache (`cache_bytes`)
// go to the file, not to memory. The replayed tree is kept in two halves (replay_tree.h), each in
// a ReplayStore of its own; the erasure facts in a third.
// Thread-safety: a single-thread object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "peerdb/sqlite/db.h"
#include "peerdb/sqlite/stmt.h"
#include "peerdb/sqlite/stmt_cache.h"
#include "peerdb/state/state_tree.h"
#include "peerdb/state/stored_state_tree.h"
#include "peerdb/util/result.h"

namespace peerdb::audit {

class ReplayStore final : public state::TreeRowSource {
 public:
  // Errors: kIo when no temporary file can be made. `cache_bytes`: SQLite's page cache for it.
  static Result<std::unique_ptr<ReplayStore>> Create(std::int64_t cache_bytes);
  ~ReplayStore() override;
  ReplayStore(const ReplayStore&) = delete;
  ReplayStore& operator=(const ReplayStore&) = delete;

  Result<std::optional<Bytes>> LoadTreeRow(ByteSpan key) const override;
  Status WriteTreeRows(const std::vector<state::TreeRow>& rows);

  // Why a version's block does not hold its value.
  enum class Unheld : std::uint8_t { kErasedInBlock = 1, kTombstone = 2 };
  Status NoteUnheld(const std::string& ns, const std::string& key, std::uint64_t version, std::uint64_t height,
                    Unheld why);
  // An erase op of block `height` named this version (the first one counts).
  Status NoteErased(const std::string& ns, const std::string& key, std::uint64_t version, std::uint64_t height);
  // kInvalid naming the first version whose value a block lacks although no erase op names it
  // (a value withheld), or that an erase op named although the block that wrote it still holds
  // its value (an erasure not carried out), with the height of the block concerned.
  struct ErasureFailure {
    std::uint64_t height = 0;
    Error error;
  };
  Result<std::optional<ErasureFailure>> CheckErasures() const;

  // Visits every leaf of the replayed tree in path order; stops when fn returns false.
  Status ForEachLeaf(const std::function<bool(const state::StateLeaf&)>& fn) const;

  // The replayed tree's rows in key order, one at a time (to walk beside a node's rows).
  class RowCursor {
   public:
    // nullopt after the last row.
    Result<std::optional<state::TreeRow>> Next();

   private:
    friend class ReplayStore;
    explicit RowCursor(std::unique_ptr<sqlite::Stmt> q) : m_q(std::move(q)) {}
    std::unique_ptr<sqlite::Stmt> m_q;
  };
  Result<RowCursor> Rows() const;

  // Ends the open transaction (pages beyond the cache then go to the file) and opens the next.
  Status Flush();

 private:
  explicit ReplayStore(std::unique_ptr<sqlite::Db> db) : m_db(std::move(db)), m_stmts(*m_db) {}
  Result<sqlite::Stmt*> Get(std::string_view sql) const { return m_stmts.Get(sql); }

  std::unique_ptr<sqlite::Db> m_db;
  mutable sqlite::StmtCache m_stmts;
};

}  // namespace peerdb::audit
