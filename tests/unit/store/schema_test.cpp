// Schema versions and numbered migrations: a new file gets the current version, a newer file is
// refused with both versions named, a foreign SQLite file is refused, and a failing migration
// leaves the previous version intact.
#include "peerdb/store/internal/schema.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>

#include "peerdb/sqlite/db.h"
#include "peerdb/store/store.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

using sqlite::Db;
using internal::Migration;

std::unique_ptr<Db> OpenRaw(const std::string& path) {
  auto db = Db::Open(path, sqlite::OpenMode::kReadWrite);
  EXPECT_TRUE(db.ok()) << db.error().ToString();
  return db.ok() ? std::move(db).value() : nullptr;
}

TEST(StoreSchema, NewFileGetsCurrentVersionAndEveryTable) {
  const std::string path = test::TempDir() + "/node.db";
  ASSERT_TRUE(Store::Open(path).ok());
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(kSchemaVersion) + "\n");
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema "
                                     "WHERE type = 'table' ORDER BY name)"),
            "anchor_jobs anchors batches blocks certs epochs evidence history meta seals signer_candidates signer_state state state_tree\n");
  EXPECT_EQ(test::RunSqliteCli(path, "PRAGMA journal_mode"), "wal\n");
  // Opening again neither migrates nor fails.
  ASSERT_TRUE(Store::Open(path).ok());
  ASSERT_TRUE(Store::Open(path, OpenMode::kReadOnly).ok());
}

TEST(StoreSchema, NewerSchemaVersionIsConfigErrorNamingBothVersions) {
  const std::string path = test::TempDir() + "/node.db";
  ASSERT_TRUE(Store::Open(path).ok());
  test::ExecRawSql(path, "UPDATE meta SET value = " + std::to_string(kSchemaVersion + 1) + " WHERE key = 'schema_version'");
  for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    auto s = Store::Open(path, mode);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::kConfig);
    EXPECT_NE(s.error().message.find("version " + std::to_string(kSchemaVersion + 1)), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("(" + std::to_string(kSchemaVersion) + ")"), std::string::npos)
        << s.error().message;
  }
}

TEST(StoreSchema, SqliteFileWithoutMetaIsNotAStore) {
  const std::string path = test::TempDir() + "/other.db";
  test::ExecRawSql(path, "CREATE TABLE customers(id INTEGER PRIMARY KEY)");
  auto s = Store::Open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kConfig);
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'meta'"), "0\n")
      << "a foreign file is left untouched";
}

TEST(StoreSchema, EmptyFileOpenedReadOnlyIsConfigError) {
  const std::string path = test::TempDir() + "/empty.db";
  test::ExecRawSql(path, "");
  auto s = Store::Open(path, OpenMode::kReadOnly);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kConfig);
}

// PeekGenesis serves `peerdb node --check`, which runs before a start that may migrate the file:
// an older version is read as it is and left as it is; what Open refuses, it refuses.
TEST(StoreSchema, PeekGenesisReadsWithoutMigratingAndRefusesWhatOpenRefuses) {
  const std::string dir = test::TempDir();
  auto none = PeekGenesis(dir + "/absent.db");
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(std::filesystem::exists(dir + "/absent.db"));

  const std::string path = dir + "/node.db";
  const chain::Genesis genesis = test::TestGenesis();
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->InitGenesis(genesis).ok());
  }
  const std::string older = std::to_string(kSchemaVersion - 1);
  test::ExecRawSql(path, "UPDATE meta SET value = " + older + " WHERE key = 'schema_version'");
  auto peeked = PeekGenesis(path);
  ASSERT_TRUE(peeked.ok()) << peeked.error().ToString();
  ASSERT_TRUE(peeked->has_value());
  EXPECT_EQ(chain::ChainId(**peeked), chain::ChainId(genesis));
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT value FROM meta WHERE key = 'schema_version'"), older + "\n");

  test::ExecRawSql(path, "UPDATE meta SET value = " + std::to_string(kSchemaVersion + 1) + " WHERE key = 'schema_version'");
  auto newer = PeekGenesis(path);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, Errc::kConfig);
  EXPECT_NE(newer.error().message.find("version " + std::to_string(kSchemaVersion + 1)), std::string::npos) << newer.error().message;

  const std::string foreign = dir + "/other.db";
  test::ExecRawSql(foreign, "CREATE TABLE customers(id INTEGER PRIMARY KEY)");
  EXPECT_EQ(PeekGenesis(foreign).error().code, Errc::kConfig);
}

TEST(StoreSchema, MigrationsRunInOrderAndAFailedOneLeavesThePreviousVersion) {
  const std::string path = test::TempDir() + "/m.db";
  auto db = OpenRaw(path);
  ASSERT_TRUE(db);
  ASSERT_EQ(*internal::ReadSchemaVersion(*db), 0);

  const std::array<Migration, 2> two = {{
      {"meta", "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value NOT NULL)"},
      {"a", "CREATE TABLE a(x)"},
  }};
  ASSERT_TRUE(internal::Migrate(*db, two).ok());
  EXPECT_EQ(*internal::ReadSchemaVersion(*db), 2);

  const std::array<Migration, 3> broken = {{two[0], two[1], {"b then error", "CREATE TABLE b(x); CREATE TABLE ("}}};
  Status s = internal::Migrate(*db, broken);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kInternal);
  EXPECT_NE(s.error().message.find("migration 2 -> 3"), std::string::npos) << s.error().message;
  EXPECT_EQ(*internal::ReadSchemaVersion(*db), 2);
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), "0\n");

  const std::array<Migration, 3> fixed = {{two[0], two[1], {"b", "CREATE TABLE b(x)"}}};
  ASSERT_TRUE(internal::Migrate(*db, fixed).ok());
  EXPECT_EQ(*internal::ReadSchemaVersion(*db), 3);

  Status newer = internal::Migrate(*db, two);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, Errc::kConfig);
}

}  // namespace
}  // namespace peerdb::store
