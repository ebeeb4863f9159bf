#include "peerdb/sqlite/transaction.h"

namespace peerdb::sqlite {

Result<std::unique_ptr<Transaction>> Transaction::Begin(Db& db) {
  PEERDB_TRY(db.Exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  // Some errors (IOERR, FULL, NOMEM) already rolled the transaction back; ROLLBACK would then fail.
  if (!m_done && !m_db.AutoCommit()) (void)m_db.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  Status s = m_db.Exec("COMMIT");
  if (s.ok()) m_done = true;
  return s;
}

}  // namespace peerdb::sqlite
