// A write transaction guard: BEGIN IMMEDIATE .. COMMIT, rolled back on destruction unless
// committed, so an early error return never leaves half a change behind.
// Thread-safety: none; as the connection it belongs to.
#pragma once

#include <memory>

#include "peerdb/sqlite/db.h"
#include "peerdb/util/result.h"

namespace peerdb::sqlite {

class Transaction {
 public:
  // IMMEDIATE takes the write lock at once, so a conflict shows here (kUnavailable after the busy
  // timeout) and not at the first write.
  static Result<std::unique_ptr<Transaction>> Begin(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Commit();

 private:
  explicit Transaction(Db& db) : m_db(db) {}
  Db& m_db;
  bool m_done = false;
};

}  // namespace peerdb::sqlite
