// Erasing values from a store (store::BlockCommit::erasures): the named versions' values leave the
// history and state rows, the block bodies and the signer candidates in the commit's transaction,
// ids and roots stay, and afterwards no file of the store holds the bytes. Also the schema 5
// upgrade (a store holding chain format 1 blocks is refused, a genesis-only one migrates) and the
// schema 7 one (state rows lose their copy of the value; reads take it from history).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "peerdb/codec/pce.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

using test::TempDir;
using test::TestChain;

// Every file of the store (database, WAL, shared memory) that contains `needle`.
std::vector<std::string> FilesHolding(const std::string& dir, const Bytes& needle) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const Bytes content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (std::search(content.begin(), content.end(), needle.begin(), needle.end()) != content.end()) {
      out.push_back(entry.path().filename().string());
    }
  }
  return out;
}

state::Erasure EraseOf(std::string key, std::vector<std::uint64_t> versions) {
  state::Erasure e;
  e.ns = "app";
  e.key = std::move(key);
  e.versions = std::move(versions);
  e.author = 1;
  return e;
}

class StoreErasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = TempDir();
    auto s = Store::Open(m_dir + "/peerdb.sqlite");
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    m_store = std::move(s).value();
    ASSERT_TRUE(m_store->InitGenesis(m_chain.genesis()).ok());
  }
  std::string m_dir;
  TestChain m_chain{10};
  std::unique_ptr<Store> m_store;
};

TEST_F(StoreErasureTest, ErasedVersionsLeaveRowsBlocksAndFilesWhileIdsStay) {
  test::CommitRange(*m_store, m_chain, 1, 3);
  const Bytes v1 = TestChain::ValueOf(1, 3), v2 = TestChain::ValueOf(2, 3), v3 = TestChain::ValueOf(3, 3);
  ASSERT_FALSE(FilesHolding(m_dir, v1).empty());  // the search finds what is there
  const Hash32 block1_id = m_chain.IdOf(1);
  const auto before = m_store->LoadBlock(1);
  ASSERT_TRUE(before.ok() && *before);
  const Hash32 commitment = chain::ValueCommitment((*before)->block.batches[0].ops[3]);

  BlockCommit c = m_chain.Make(4);
  c.erasures = {EraseOf("k3", {1, 2})};
  ASSERT_TRUE(m_store->CommitBlock(c).ok());

  // History: versions 1 and 2 erased, 3 and 4 kept; the commitments stay.
  auto history = m_store->LoadHistory("app", "k3", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  for (const HistoryEntry& e : *history) {
    const bool erased = e.state.version <= 2;
    EXPECT_EQ(e.state.erased, erased) << e.state.version;
    EXPECT_EQ(e.state.value.empty(), erased) << e.state.version;
  }
  EXPECT_EQ((*history)[0].state.commit, commitment);
  // The block that wrote version 1: same id (LoadBlock checks it), its op in the erased form.
  auto after = m_store->LoadBlock(1);
  ASSERT_TRUE(after.ok() && *after) << (after.ok() ? "missing" : after.error().ToString());
  EXPECT_EQ((*after)->id, block1_id);
  const chain::TxBatch& batch = (*after)->block.batches[0];
  ASSERT_TRUE(batch.ops[3].is_erased());
  EXPECT_EQ(*batch.ops[3].erased, commitment);
  EXPECT_FALSE(batch.ops[2].is_erased());
  EXPECT_EQ(chain::BatchesRoot((*after)->block.batches), chain::BatchesRoot((*before)->block.batches));
  // No file of the store holds the erased values; the kept one is still there.
  EXPECT_EQ(FilesHolding(m_dir, v1), std::vector<std::string>{});
  EXPECT_EQ(FilesHolding(m_dir, v2), std::vector<std::string>{});
  EXPECT_FALSE(FilesHolding(m_dir, v3).empty());
  // Nor after closing it.
  m_store.reset();
  EXPECT_EQ(FilesHolding(m_dir, v1), std::vector<std::string>{});
}

TEST_F(StoreErasureTest, ErasingTheCurrentVersionEmptiesTheStateRow) {
  test::CommitRange(*m_store, m_chain, 1, 2);
  BlockCommit c = m_chain.Make(3);
  c.erasures = {EraseOf("k1", {3})};  // the version this very block writes
  ASSERT_TRUE(m_store->CommitBlock(c).ok());
  auto current = m_store->LoadCurrent("app", "k1");
  ASSERT_TRUE(current.ok() && *current);
  EXPECT_EQ((*current)->state.version, 3u);
  EXPECT_TRUE((*current)->state.erased);
  EXPECT_TRUE((*current)->state.value.empty());
  EXPECT_NE((*current)->state.commit, Hash32{});
  EXPECT_EQ(FilesHolding(m_dir, TestChain::ValueOf(3, 1)), std::vector<std::string>{});
  auto block = m_store->LoadBlock(3);
  ASSERT_TRUE(block.ok() && *block);
  EXPECT_TRUE((*block)->block.batches[0].ops[1].is_erased());
}

TEST_F(StoreErasureTest, DeletesAndAlreadyErasedVersionsAreSkipped) {
  test::CommitRange(*m_store, m_chain, 1, 2);  // k0 is a tombstone at version 2
  BlockCommit c = m_chain.Make(3);
  c.erasures = {EraseOf("k0", {1, 2}), EraseOf("k0", {1})};
  ASSERT_TRUE(m_store->CommitBlock(c).ok());
  auto history = m_store->LoadHistory("app", "k0", 10);
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE((*history)[0].state.erased);
  EXPECT_TRUE((*history)[1].state.deleted);
  EXPECT_FALSE((*history)[1].state.erased);
}

TEST_F(StoreErasureTest, TheSignerCandidatesLoseTheValueToo) {
  test::CommitRange(*m_store, m_chain, 1, 2);
  BlockCommit c = m_chain.Make(3);
  SignerCandidates candidates;
  chain::Proposal p;
  p.block = c.block;  // the block my last vote named, now committed
  candidates.proposals.push_back(p);
  ASSERT_TRUE(m_store->SaveSignerCandidates(codec::Encode(candidates)).ok());
  c.erasures = {EraseOf("k2", {3})};
  ASSERT_TRUE(m_store->CommitBlock(c).ok());
  auto stored = m_store->LoadSignerCandidates();
  ASSERT_TRUE(stored.ok() && *stored);
  auto decoded = codec::Decode<SignerCandidates>(**stored);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->proposals[0].block.batches[0].ops[2].is_erased());
  EXPECT_FALSE(decoded->proposals[0].block.batches[0].ops[3].is_erased());
  EXPECT_EQ(FilesHolding(m_dir, TestChain::ValueOf(3, 2)), std::vector<std::string>{});
}

// A store written before chain format 2: schema 4, without the commitment columns (or the state
// tree of schema 6).
void MakeSchema4(const std::string& path) {
  test::ExecRawSql(path,
                   "ALTER TABLE state ADD COLUMN value BLOB NOT NULL DEFAULT x'';"
                   "DROP TABLE state_tree; DROP INDEX blocks_status_at;"
                   "ALTER TABLE state DROP COLUMN value_commit; ALTER TABLE state DROP COLUMN erased;"
                   "ALTER TABLE history DROP COLUMN value_commit; ALTER TABLE history DROP COLUMN erased;"
                   "UPDATE meta SET value = 4 WHERE key = 'schema_version';");
}

TEST_F(StoreErasureTest, AFormat1StoreWithBlocksIsRefusedWithAClearMessage) {
  test::CommitRange(*m_store, m_chain, 1, 1);
  m_store.reset();
  const std::string path = m_dir + "/peerdb.sqlite";
  MakeSchema4(path);
  auto reopened = Store::Open(path);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, Errc::kConfig);
  EXPECT_NE(reopened.error().message.find("holds blocks of chain format 1"), std::string::npos) << reopened.error().message;
  EXPECT_NE(reopened.error().message.find("Upgrading from chain format 1"), std::string::npos);
  // Refused, not half-migrated: still schema 4.
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT value FROM meta WHERE key = 'schema_version';"), "4\n");
}

TEST_F(StoreErasureTest, AGenesisOnlyStoreMigrates) {
  m_store.reset();
  const std::string path = m_dir + "/peerdb.sqlite";
  MakeSchema4(path);
  auto reopened = Store::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().ToString();
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT value FROM meta WHERE key = 'schema_version';"),
            std::to_string(kSchemaVersion) + "\n");
  test::CommitRange(**reopened, m_chain, 1, 2);
}

// The current state as read, one line per key.
std::vector<std::string> CurrentRows(const Store& store) {
  std::vector<std::string> out;
  EXPECT_TRUE(store
                  .ForEachCurrent([&](const CurrentEntry& e) {
                    out.push_back(e.ns + "/" + e.key + " v" + std::to_string(e.state.version) + " h" +
                                  std::to_string(e.height) + " " + AsString(e.state.value));
                    return true;
                  })
                  .ok());
  return out;
}

TEST_F(StoreErasureTest, ASchema6StoreDropsTheStateCopiesOfValuesAndReadsThemFromHistory) {
  test::CommitRange(*m_store, m_chain, 1, 3);
  const std::vector<std::string> before = CurrentRows(*m_store);
  ASSERT_FALSE(before.empty());
  m_store.reset();
  const std::string path = m_dir + "/peerdb.sqlite";
  // Schema 6 kept the current value in the state row too.
  test::ExecRawSql(path,
                   "ALTER TABLE state ADD COLUMN value BLOB NOT NULL DEFAULT x'';"
                   "UPDATE state SET value = (SELECT h.value FROM history AS h WHERE h.ns = state.ns AND "
                   "h.key = state.key AND h.version = state.version);"
                   "UPDATE meta SET value = 6 WHERE key = 'schema_version';");
  ASSERT_EQ(test::RunSqliteCli(path, "SELECT count(*) FROM state WHERE length(value) > 0;"),
            std::to_string(before.size()) + "\n");
  auto reopened = Store::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().ToString();
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT value FROM meta WHERE key = 'schema_version';"),
            std::to_string(kSchemaVersion) + "\n");
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT count(*) FROM pragma_table_info('state') WHERE name = 'value';"), "0\n");
  EXPECT_EQ(CurrentRows(**reopened), before);
  auto k1 = (*reopened)->LoadCurrent("app", "k1");
  ASSERT_TRUE(k1.ok() && k1->has_value());
  EXPECT_EQ((*k1)->state.value, TestChain::ValueOf(3, 1));
  test::CommitRange(**reopened, m_chain, 4, 5);
  k1 = (*reopened)->LoadCurrent("app", "k1");
  ASSERT_TRUE(k1.ok() && k1->has_value());
  EXPECT_EQ((*k1)->state.value, TestChain::ValueOf(5, 1));
}

TEST_F(StoreErasureTest, AStateRowWithoutItsHistoryRowIsCorrupt) {
  test::CommitRange(*m_store, m_chain, 1, 2);
  const std::vector<std::string> rows = CurrentRows(*m_store);
  ASSERT_FALSE(rows.empty());
  m_store.reset();
  const std::string path = m_dir + "/peerdb.sqlite";
  test::ExecRawSql(path, "DELETE FROM history WHERE (ns, key, version) = (SELECT ns, key, version FROM state LIMIT 1);");
  auto reopened = Store::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().ToString();
  Status walk = (*reopened)->ForEachCurrent([](const CurrentEntry&) { return true; });
  ASSERT_FALSE(walk.ok());
  EXPECT_EQ(walk.error().code, Errc::kCorrupt);
  EXPECT_NE(walk.error().message.find("which no history row holds"), std::string::npos) << walk.error().message;
}

}  // namespace
}  // namespace peerdb::store
