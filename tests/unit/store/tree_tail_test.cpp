// The state tree's rows go to the store only with some blocks (a flush), and meta.tree_height
// names the block they stand at; ReplayTreeTail brings a tree over those rows to the head from the
// blocks after it. Real SQLite files; the tree's roots are checked against an in-memory StateTree
// built from the state rows.
#include "peerdb/store/tree_tail.h"

#include <gtest/gtest.h>

#include "peerdb/state/tree_row_overlay.h"
#include "peerdb/state/tree_writes.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

class TreeTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::TempDir();
    auto s = Store::Open(m_dir + "/peerdb.sqlite");
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    m_store = std::move(*s);
    ASSERT_TRUE(m_store->InitGenesis(m_chain.genesis()).ok());
  }

  // Commits block `height` with its writes applied to `tree`, which reads through `overlay`; with
  // `flush` the overlay's rows go into the block's transaction, as a node's flush does.
  void Commit(std::uint64_t height, state::StoredStateTree& tree, state::TreeRowOverlay& overlay, bool flush) {
    BlockCommit c = m_chain.Make(height);
    for (const state::Write& w : c.writes) ASSERT_TRUE(tree.Put(state::LeafOf(w)).ok());
    auto rows = tree.ChangedRows();
    ASSERT_TRUE(rows.ok());
    overlay.Apply(std::move(*rows));
    if (flush) {
      c.tree_rows = overlay.AllRows();
      c.tree_height = height;
    }
    ASSERT_TRUE(m_store->CommitBlock(c).ok());
    tree.MarkCommitted();
    if (flush) overlay.Clear();
  }

  // The root of the current state, from the state rows.
  Hash32 StateRoot() {
    state::StateTree reference;
    EXPECT_TRUE(m_store
                    ->ForEachCurrent([&](const CurrentEntry& e) {
                      reference.Put(state::LeafOf(state::Write{e.ns, e.key, e.state, 0, 0, 0}));
                      return true;
                    })
                    .ok());
    return reference.Root();
  }

  std::uint64_t TreeHeight() {
    auto h = m_store->TreeHeight();
    EXPECT_TRUE(h.ok()) << h.error().ToString();
    return h.ok() ? *h : 999;
  }

  std::string m_dir;
  test::TestChain m_chain;
  std::unique_ptr<Store> m_store;
};

TEST_F(TreeTailTest, TheTreeHeightFollowsTheFlushes) {
  EXPECT_EQ(TreeHeight(), 0u);
  state::TreeRowOverlay overlay(m_store->TreeRows());
  state::StoredStateTree tree(overlay);
  for (std::uint64_t h = 1; h <= 3; ++h) Commit(h, tree, overlay, false);
  EXPECT_EQ(TreeHeight(), 0u);
  EXPECT_FALSE(*state::StoredStateTree(m_store->TreeRows()).IsStored());
  Commit(4, tree, overlay, true);
  EXPECT_EQ(TreeHeight(), 4u);
  EXPECT_EQ(*state::StoredStateTree(m_store->TreeRows()).Root(), StateRoot());  // the rows alone are the head's tree
  Commit(5, tree, overlay, false);
  EXPECT_EQ(TreeHeight(), 4u);
  // Writing the rows outside a block (a node's clean stop) puts the tree at the head.
  ASSERT_TRUE(m_store->WriteTreeRows(overlay.AllRows()).ok());
  EXPECT_EQ(TreeHeight(), 5u);
  EXPECT_EQ(*state::StoredStateTree(m_store->TreeRows()).Root(), StateRoot());
}

TEST_F(TreeTailTest, ReplayingTheBlocksAfterTheLastFlushGivesTheHeadsTree) {
  {
    state::TreeRowOverlay overlay(m_store->TreeRows());
    state::StoredStateTree tree(overlay);
    for (std::uint64_t h = 1; h <= 6; ++h) Commit(h, tree, overlay, h == 2);
    ASSERT_EQ(*tree.Root(), StateRoot());
  }  // the node stops without a flush: the rows of blocks 3..6 are lost with its memory
  ASSERT_EQ(TreeHeight(), 2u);
  state::TreeRowOverlay overlay(m_store->TreeRows());
  state::StoredStateTree tree(overlay);
  ASSERT_NE(*tree.Root(), StateRoot());  // the rows on disk are block 2's tree
  auto replayed = ReplayTreeTail(*m_store, tree);
  ASSERT_TRUE(replayed.ok()) << replayed.error().ToString();
  EXPECT_EQ(*replayed, 4u);
  EXPECT_EQ(*tree.Root(), StateRoot());
  // Replaying again from the same rows gives the same tree (a crash during the replay is harmless).
  state::StoredStateTree again(overlay);
  ASSERT_TRUE(ReplayTreeTail(*m_store, again).ok());
  EXPECT_EQ(*again.Root(), StateRoot());
}

// A crash while a generation is half written: the disk holds block 2's tree with some rows of block
// 4's in place (deepest first), and the replay from block 2 still gives the head's tree.
TEST_F(TreeTailTest, ACrashInTheMiddleOfAGenerationIsReplayedFromTheOneBefore) {
  m_chain = test::TestChain(40);
  {
    state::TreeRowOverlay overlay(m_store->TreeRows());
    state::StoredStateTree tree(overlay);
    for (std::uint64_t h = 1; h <= 4; ++h) Commit(h, tree, overlay, h == 2);
    overlay.Freeze(4);
    for (std::uint64_t h = 5; h <= 6; ++h) {
      BlockCommit c = m_chain.Make(h);
      for (const state::Write& w : c.writes) ASSERT_TRUE(tree.Put(state::LeafOf(w)).ok());
      overlay.Apply(std::move(*tree.ChangedRows()));
      tree.MarkCommitted();
      c.tree_rows = overlay.NextRows(7);
      ASSERT_TRUE(m_store->CommitBlock(c).ok());
      ASSERT_FALSE(overlay.Written(c.tree_rows.size()));
    }
  }
  ASSERT_EQ(TreeHeight(), 2u);
  state::TreeRowOverlay overlay(m_store->TreeRows());
  state::StoredStateTree tree(overlay);
  auto replayed = ReplayTreeTail(*m_store, tree);
  ASSERT_TRUE(replayed.ok()) << replayed.error().ToString();
  EXPECT_EQ(*replayed, 4u);
  EXPECT_EQ(*tree.Root(), StateRoot());
}

TEST_F(TreeTailTest, ATreeHeightAboveTheHeadIsCorrupt) {
  test::CommitRange(*m_store, m_chain, 1, 2);
  m_store.reset();
  test::ExecRawSql(m_dir + "/peerdb.sqlite", "UPDATE meta SET value = 7 WHERE key = 'tree_height';");
  auto reopened = Store::Open(m_dir + "/peerdb.sqlite");
  ASSERT_TRUE(reopened.ok());
  state::StoredStateTree tree((*reopened)->TreeRows());
  auto replayed = ReplayTreeTail(**reopened, tree);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.error().code, Errc::kCorrupt);
  EXPECT_NE(replayed.error().message.find("stands at block 7, above the head 2"), std::string::npos) << replayed.error().message;
}

// Until schema 8 the tree rows were written with every block: a migrated store's rows stand at its head.
TEST_F(TreeTailTest, ASchema7StoreGetsItsTreeHeightAtTheHead) {
  test::CommitRange(*m_store, m_chain, 1, 3);
  m_store.reset();
  const std::string path = m_dir + "/peerdb.sqlite";
  test::ExecRawSql(path, "DELETE FROM meta WHERE key = 'tree_height'; UPDATE meta SET value = 7 WHERE key = 'schema_version';");
  auto reopened = Store::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().ToString();
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT value FROM meta WHERE key = 'schema_version';"), std::to_string(kSchemaVersion) + "\n");
  auto height = (*reopened)->TreeHeight();
  ASSERT_TRUE(height.ok());
  EXPECT_EQ(*height, 3u);
}

}  // namespace
}  // namespace peerdb::store
