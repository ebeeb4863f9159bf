// Cross-check with the independent sqlite3 command-line tool: the file passes integrity and
// foreign-key checks, and its row counts match what the Store API reports, while the store is open
// (a concurrent WAL reader) and after it is closed.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "peerdb/store/store.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

using test::RunSqliteCli;
using test::TestChain;

struct ApiCounts {
  std::size_t blocks = 0, seals = 0, certs = 0, state = 0, history = 0;
  std::string Text() const {
    return std::to_string(blocks) + "\n" + std::to_string(seals) + "\n" + std::to_string(certs) + "\n" +
           std::to_string(state) + "\n" + std::to_string(history) + "\n";
  }
};

ApiCounts CountThroughApi(const Store& store) {
  ApiCounts c;
  c.blocks = *store.HeadHeight();
  for (std::uint64_t h = 1; h <= c.blocks; ++h) {
    c.seals += store.LoadSeals(h)->size();
    c.certs += store.LoadCert(h)->has_value() ? 1 : 0;
  }
  EXPECT_TRUE(store.ForEachCurrent([&](const CurrentEntry&) { ++c.state; return true; }).ok());
  EXPECT_TRUE(store.ForEachHistory([&](const HistoryEntry&) { ++c.history; return true; }).ok());
  return c;
}

constexpr const char* kCountSql =
    "SELECT count(*) FROM blocks; SELECT count(*) FROM seals; SELECT count(*) FROM certs; "
    "SELECT count(*) FROM state; SELECT count(*) FROM history;";

TEST(StoreSqliteCli, IntegrityAndRowCountsMatchTheApi) {
  TestChain chain(25);
  const std::string path = test::TempDir() + "/node.db";
  ApiCounts api;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->InitGenesis(chain.genesis()).ok());
    test::CommitRange(**store, chain, 1, 12);
    BlockCommit no_cert = chain.Make(13);
    no_cert.cert.reset();
    ASSERT_TRUE((*store)->CommitBlock(no_cert).ok());

    api = CountThroughApi(**store);
    EXPECT_EQ(api.blocks, 13u);
    EXPECT_EQ(api.certs, 12u);
    EXPECT_EQ(api.seals, 39u);
    EXPECT_EQ(api.state, 25u + 13u);
    EXPECT_EQ(api.history, 13u * 26u);
    ASSERT_TRUE(std::filesystem::exists(path + "-wal"));
    EXPECT_EQ(RunSqliteCli(path, "PRAGMA integrity_check; PRAGMA foreign_key_check;"), "ok\n");
    EXPECT_EQ(RunSqliteCli(path, kCountSql), api.Text()) << "read concurrently through the WAL";
    EXPECT_EQ(RunSqliteCli(path, "SELECT max(seq) FROM batches WHERE author = 1"),
              std::to_string(*(*store)->LastSeq(1)) + "\n");
  }
  EXPECT_EQ(RunSqliteCli(path, "PRAGMA integrity_check; PRAGMA foreign_key_check;"), "ok\n");
  EXPECT_EQ(RunSqliteCli(path, kCountSql), api.Text());
  EXPECT_EQ(RunSqliteCli(path, "SELECT count(*) FROM history h JOIN blocks b ON b.height = h.height"),
            std::to_string(api.history) + "\n");
}

}  // namespace
}  // namespace peerdb::store
