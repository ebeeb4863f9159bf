// sqlite::Db: the pragmas every connection gets (WAL + synchronous=FULL for durable files, foreign
// keys, busy timeout), the errors for files that cannot be opened, and the result-code mapping.
#include "peerdb/sqlite/db.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "peerdb/sqlite/error.h"
#include "peerdb/sqlite/stmt.h"
#include "temp_db.h"

namespace peerdb::sqlite {
namespace {

using testing::TempDb;

std::string PragmaText(const Db& db, const std::string& name) {
  auto stmt = Stmt::Prepare(db, "PRAGMA " + name, false);
  EXPECT_TRUE(stmt.ok());
  auto row = (*stmt)->Step();
  EXPECT_TRUE(row.ok() && *row);
  return (*stmt)->ColumnText(0);
}

TEST(SqliteDb, DurableFilesUseWalAndSynchronousFullWithForeignKeys) {
  TempDb t;
  auto db = Db::Open(t.path(), OpenMode::kDurable);
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(PragmaText(**db, "journal_mode"), "wal");
  EXPECT_EQ(PragmaText(**db, "synchronous"), "2");  // FULL
  EXPECT_EQ(PragmaText(**db, "foreign_keys"), "1");
}

TEST(SqliteDb, ReadWriteFilesKeepTheDefaultJournal) {
  TempDb t;
  auto db = Db::Open(t.path(), OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(PragmaText(**db, "journal_mode"), "delete");
  EXPECT_EQ(PragmaText(**db, "foreign_keys"), "1");
}

TEST(SqliteDb, ReadOnlyRefusesWritesAndAMissingFileIsIo) {
  TempDb t;
  auto missing = Db::Open(t.path(), OpenMode::kReadOnly);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kIo);
  EXPECT_EQ(missing.error().message.rfind("cannot open database " + t.path() + ": ", 0), 0u) << missing.error().message;
  {
    auto rw = Db::Open(t.path(), OpenMode::kDurable);
    ASSERT_TRUE(rw.ok());
    ASSERT_TRUE((*rw)->Exec("CREATE TABLE t(x)").ok());
  }
  auto ro = Db::Open(t.path(), OpenMode::kReadOnly);
  ASSERT_TRUE(ro.ok()) << ro.error().message;
  Status write = (*ro)->Exec("INSERT INTO t VALUES(1)");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, Errc::kIo);
}

TEST(SqliteDb, MissingDirectoryIsIo) {
  TempDb t;
  auto db = Db::Open(t.dir() + "/no/such/dir/x.sqlite", OpenMode::kDurable);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::kIo);
}

TEST(SqliteDb, AFileThatIsNotADatabaseIsCorrupt) {
  TempDb t;
  std::ofstream(t.path()) << std::string(4096, 'x');
  auto db = Db::Open(t.path(), OpenMode::kDurable);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::kCorrupt) << db.error().message;
  EXPECT_EQ(db.error().message.rfind("database " + t.path() + ": ", 0), 0u) << db.error().message;
}

TEST(SqliteDb, ExecErrorsNameTheStatementAndChangesCountRows) {
  TempDb t;
  auto db = Db::Open(t.path(), OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok());
  Status bad = (*db)->Exec("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInternal);
  EXPECT_EQ(bad.error().message.rfind("SELEKT 1: ", 0), 0u) << bad.error().message;
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t(x); INSERT INTO t VALUES(1), (2), (3)").ok());
  ASSERT_TRUE((*db)->Exec("UPDATE t SET x = 0 WHERE x > 1").ok());
  EXPECT_EQ((*db)->Changes(), 2);
  EXPECT_TRUE((*db)->AutoCommit());
}

TEST(SqliteErrc, MapsPrimaryAndExtendedCodes) {
  EXPECT_EQ(ErrcFromSqlite(SQLITE_OK), Errc::kOk);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_DONE), Errc::kOk);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_CORRUPT), Errc::kCorrupt);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_NOTADB), Errc::kCorrupt);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_CONSTRAINT_UNIQUE), Errc::kConflict);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_BUSY), Errc::kUnavailable);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_LOCKED), Errc::kUnavailable);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_TOOBIG), Errc::kTooLarge);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_RANGE), Errc::kInvalid);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_IOERR_FSYNC), Errc::kIo);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_FULL), Errc::kIo);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_READONLY), Errc::kIo);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_CANTOPEN), Errc::kIo);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_MISUSE), Errc::kInternal);
  EXPECT_EQ(ErrcFromSqlite(SQLITE_NOMEM), Errc::kInternal);
  const Error e = SqliteError(SQLITE_FULL, "commit", nullptr);
  EXPECT_EQ(e.code, Errc::kIo);
  EXPECT_EQ(e.message, std::string("commit: ") + sqlite3_errstr(SQLITE_FULL) + " (sqlite 13)");
}

}  // namespace
}  // namespace peerdb::sqlite
