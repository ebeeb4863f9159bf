// Prepared statements kept for the life of a connection, keyed by their SQL text, so a statement
// run often is parsed once.
// Thread-safety: none; as the connection it belongs to.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "peerdb/sqlite/db.h"
#include "peerdb/sqlite/stmt.h"
#include "peerdb/util/result.h"

namespace peerdb::sqlite {

class StmtCache {
 public:
  // REQUIRES: db outlives the cache.
  explicit StmtCache(const Db& db) : m_db(db) {}
  // The cached statement for `sql`, prepared on first use. The caller resets it after use
  // (StmtReset), so it holds no locks and no pointers to bound data between uses.
  Result<Stmt*> Get(std::string_view sql);
  void Clear() { m_stmts.clear(); }

 private:
  const Db& m_db;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> m_stmts;
};

}  // namespace peerdb::sqlite
