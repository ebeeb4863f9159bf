// Statements, the statement cache and the transaction guard: binding (zero-length blobs are not
// NULL, out-of-range integers fail at Step), typed column readers that report kCorrupt naming
// the column, constraint violations as kConflict, and rollback unless committed.
#include "peerdb/sqlite/stmt.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <limits>

#include "peerdb/sqlite/db.h"
#include "peerdb/sqlite/stmt_cache.h"
#include "peerdb/sqlite/transaction.h"
#include "temp_db.h"

namespace peerdb::sqlite {
namespace {

using testing::TempDb;

class SqliteStmtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Db::Open(m_tmp.path(), OpenMode::kDurable);
    ASSERT_TRUE(db.ok()) << db.error().message;
    m_db = std::move(*db);
    ASSERT_TRUE(m_db->Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v)").ok());
  }

  std::unique_ptr<Stmt> Prepare(const std::string& sql) {
    auto s = Stmt::Prepare(*m_db, sql, false);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
  }

  std::int64_t Count() {
    auto s = Prepare("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(*s->Step());
    return s->ColumnInt(0);
  }

  TempDb m_tmp;
  std::unique_ptr<Db> m_db;
};

TEST_F(SqliteStmtTest, EmptyBlobIsAZeroLengthBlobNotNull) {
  auto ins = Prepare("INSERT INTO t(k, v) VALUES(?1, ?2)");
  ins->BindInt(1, 1);
  ins->BindBlob(2, ByteSpan{});
  ASSERT_TRUE(ins->Run().ok());
  auto sel = Prepare("SELECT v FROM t WHERE k = 1");
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->ColumnType(0), SQLITE_BLOB);
  EXPECT_FALSE(sel->ColumnIsNull(0));
  EXPECT_TRUE(sel->ColumnBlob(0).empty());
}

TEST_F(SqliteStmtTest, U64AboveInt64MaxFailsAtStepAsInvalid) {
  auto ins = Prepare("INSERT INTO t(k, v) VALUES(1, ?1)");
  ins->BindU64(1, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1);
  auto r = ins->Step();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  EXPECT_NE(r.error().message.find("bind parameter 1 of INSERT"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("(integer out of range)"), std::string::npos) << r.error().message;
  EXPECT_EQ(Count(), 0);
}

TEST_F(SqliteStmtTest, TypedReadersReportWrongValuesAsCorruptNamingTheColumn) {
  ASSERT_TRUE(m_db->Exec("INSERT INTO t(k, v) VALUES(-5, x'0102'), (7, 'text')").ok());
  auto sel = Prepare("SELECT k AS height, v AS hash FROM t ORDER BY k");
  ASSERT_TRUE(*sel->Step());
  auto negative = sel->ColumnU64(0);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, Errc::kCorrupt);
  EXPECT_EQ(negative.error().message, "column height: negative value -5");
  auto short_hash = sel->ColumnHash(1);
  ASSERT_FALSE(short_hash.ok());
  EXPECT_EQ(short_hash.error().code, Errc::kCorrupt);
  EXPECT_EQ(short_hash.error().message, "column hash: expected 32 bytes, found 2");
  auto blob_max = sel->ColumnBlobMax(1, 1);
  ASSERT_FALSE(blob_max.ok());
  EXPECT_EQ(blob_max.error().code, Errc::kCorrupt);
  EXPECT_EQ(blob_max.error().message, "column hash: 2 bytes exceed 1");
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(*sel->ColumnU64(0), 7u);
  EXPECT_EQ(sel->ColumnBlobMax(1, 100).error().message, "column hash: expected a blob");
  EXPECT_EQ(*sel->ColumnTextMax(1, 4), "text");
  EXPECT_EQ(sel->ColumnTextMax(1, 3).error().code, Errc::kCorrupt);
  EXPECT_FALSE(*sel->Step());
}

TEST_F(SqliteStmtTest, ConstraintViolationIsConflict) {
  ASSERT_TRUE(m_db->Exec("INSERT INTO t(k, v) VALUES(1, 1)").ok());
  auto ins = Prepare("INSERT INTO t(k, v) VALUES(1, 2)");
  Status s = ins->Run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kConflict);
}

TEST_F(SqliteStmtTest, ResetClearsBindingsForReuse) {
  auto ins = Prepare("INSERT INTO t(k, v) VALUES(?1, ?2)");
  ins->BindInt(1, 1);
  ins->BindText(2, "");
  ASSERT_TRUE(ins->Run().ok());
  ins->Reset();
  ins->BindInt(1, 2);
  ASSERT_TRUE(ins->Run().ok());  // ?2 is NULL again after Reset
  auto sel = Prepare("SELECT v FROM t ORDER BY k");
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->ColumnType(0), SQLITE_TEXT);  // "" binds an empty text, not NULL
  ASSERT_TRUE(*sel->Step());
  EXPECT_TRUE(sel->ColumnIsNull(0));
}

TEST_F(SqliteStmtTest, CacheReturnsOnePreparedStatementPerSql) {
  StmtCache cache(*m_db);
  auto a = cache.Get("SELECT 1");
  auto b = cache.Get("SELECT 1");
  auto c = cache.Get("SELECT 2");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  auto bad = cache.Get("SELEKT");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInternal);
  EXPECT_EQ(bad.error().message.rfind("prepare SELEKT: ", 0), 0u) << bad.error().message;
}

TEST_F(SqliteStmtTest, TransactionRollsBackUnlessCommitted) {
  {
    auto txn = Transaction::Begin(*m_db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(m_db->Exec("INSERT INTO t(k, v) VALUES(1, 1)").ok());
    EXPECT_FALSE(m_db->AutoCommit());
  }
  EXPECT_TRUE(m_db->AutoCommit());
  EXPECT_EQ(Count(), 0);
  {
    auto txn = Transaction::Begin(*m_db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(m_db->Exec("INSERT INTO t(k, v) VALUES(1, 1)").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqliteStmtTest, SecondWriterWaitsThenGetsUnavailable) {
  auto other = Db::Open(m_tmp.path(), OpenMode::kDurable);
  ASSERT_TRUE(other.ok());
  auto held = Transaction::Begin(*m_db);
  ASSERT_TRUE(held.ok());
  sqlite3_busy_timeout((*other)->get(), 50);  // do not wait the full busy timeout here
  auto blocked = Transaction::Begin(**other);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace peerdb::sqlite
