#include "peerdb/sqlite/stmt_cache.h"

namespace peerdb::sqlite {

Result<Stmt*> StmtCache::Get(std::string_view sql) {
  auto it = m_stmts.find(std::string(sql));
  if (it != m_stmts.end()) return it->second.get();
  PEERDB_TRY_ASSIGN(std::unique_ptr<Stmt> stmt, Stmt::Prepare(m_db, sql, /*persistent=*/true));
  Stmt* raw = stmt.get();
  m_stmts.emplace(std::string(sql), std::move(stmt));
  return raw;
}

}  // namespace peerdb::sqlite
