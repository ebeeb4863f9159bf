// StoredStateTree: the state tree kept in rows gives the same roots and the same proofs as the
// in-memory StateTree, survives being reopened from its rows alone, undoes a trial by Discard,
// keeps its cache bounded and reports damaged rows as corrupt. The rows live in a map here (the
// tree is pure); store_tree_test.cpp runs it over the real SQLite store.
#include "peerdb/state/stored_state_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "../common/map_tree_rows.h"

namespace peerdb::state {
namespace {

using MapRows = test::MapTreeRows;

StateLeaf Leaf(std::string ns, std::string key, std::uint64_t version, chain::MemberId owner = 1) {
  StateLeaf leaf;
  leaf.ns = std::move(ns);
  leaf.key = std::move(key);
  leaf.value_hash = ValueHash(AsBytes(leaf.key + "#" + std::to_string(version)));
  leaf.owner = owner;
  leaf.version = version;
  return leaf;
}

// Commits the pending changes as a block would: rows written, then marked committed.
void Commit(StoredStateTree& tree, MapRows& rows) {
  auto changed = tree.ChangedRows();
  ASSERT_TRUE(changed.ok()) << changed.error().ToString();
  rows.Write(*changed);
  tree.MarkCommitted();
}

Hash32 RootOf(StoredStateTree& tree) {
  auto root = tree.Root();
  EXPECT_TRUE(root.ok()) << root.error().ToString();
  return root.ok() ? *root : Hash32{};
}

TEST(StoredStateTree, EmptyTreeHasTheZeroRootAndIsNotStored) {
  MapRows rows;
  StoredStateTree tree(rows);
  EXPECT_EQ(RootOf(tree), StateTree().Root());
  EXPECT_FALSE(*tree.IsStored());
  auto found = tree.Find("ns", "k");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST(StoredStateTree, RootsMatchTheInMemoryTreeBlockByBlockAndAfterReopening) {
  MapRows rows;
  StoredStateTree tree(rows);
  StateTree reference;
  std::mt19937_64 rng(7);
  for (int block = 0; block < 40; ++block) {
    for (int i = 0; i < 60; ++i) {
      // Rewrites of earlier keys, new keys and tombstones, as blocks bring them.
      const std::string key = "k" + std::to_string(rng() % 1500);
      const auto prior = reference.Find("books", key);
      StateLeaf leaf = Leaf("books", key, prior ? prior->version + 1 : 1, static_cast<chain::MemberId>(1 + rng() % 4));
      if (rng() % 10 == 0) leaf.value_hash = Hash32{};
      reference.Put(leaf);
      ASSERT_TRUE(tree.Put(leaf).ok());
    }
    ASSERT_EQ(RootOf(tree), reference.Root()) << "block " << block;
    Commit(tree, rows);
    ASSERT_EQ(RootOf(tree), reference.Root());
  }
  StoredStateTree reopened(rows);
  EXPECT_TRUE(*reopened.IsStored());
  EXPECT_EQ(RootOf(reopened), reference.Root());
  for (int i = 0; i < 1500; i += 7) {
    const std::string key = "k" + std::to_string(i);
    auto found = reopened.Find("books", key);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, reference.Find("books", key)) << key;
  }
}

// The auditor keeps the changes of many blocks pending and asks for the root after each block:
// every root must still be right (Root() rehashes only what changed since the last call), and the
// rows written at the end must be those a block-by-block writer leaves.
TEST(StoredStateTree, RootsStayRightWhileManyBlocksArePendingAndTheRowsAreTheSame) {
  MapRows pending_rows, per_block_rows;
  StoredStateTree pending(pending_rows), per_block(per_block_rows);
  StateTree reference;
  std::mt19937_64 rng(29);
  for (int block = 0; block < 60; ++block) {
    for (int i = 0; i < 1 + static_cast<int>(rng() % 80); ++i) {
      const std::string key = "k" + std::to_string(rng() % 2000);
      const auto prior = reference.Find("books", key);
      StateLeaf leaf = Leaf("books", key, prior ? prior->version + 1 : 1);
      if (rng() % 10 == 0) leaf.value_hash = Hash32{};
      reference.Put(leaf);
      ASSERT_TRUE(pending.Put(leaf).ok());
      ASSERT_TRUE(per_block.Put(leaf).ok());
      if (i % 25 == 0) {
        ASSERT_EQ(RootOf(pending), reference.Root()) << "block " << block << " op " << i;
      }
    }
    ASSERT_EQ(RootOf(pending), reference.Root()) << "block " << block;
    ASSERT_EQ(RootOf(pending), reference.Root()) << "a second call changes nothing";
    Commit(per_block, per_block_rows);
    if (block % 20 == 19) {
      Commit(pending, pending_rows);  // written every 20 blocks
    }
  }
  EXPECT_TRUE(pending_rows.rows == per_block_rows.rows);
  EXPECT_EQ(RootOf(pending), RootOf(per_block));
}

// The rows are a function of the leaves alone, not of the order or the blocks that brought them:
// the auditor checks a node's tree by walking its rows beside the replayed tree's, row for row.
TEST(StoredStateTree, TheRowsDependOnlyOnTheLeavesNotOnTheirOrderOrBlocks) {
  std::vector<StateLeaf> leaves;
  for (int i = 0; i < 3000; ++i) leaves.push_back(Leaf("books", "k" + std::to_string(i), 1));
  MapRows one_block, many_blocks;
  {
    StoredStateTree tree(one_block);
    for (const StateLeaf& leaf : leaves) ASSERT_TRUE(tree.Put(leaf).ok());
    Commit(tree, one_block);
  }
  {
    // Reversed, shuffled, in blocks of 37, with earlier versions overwritten on the way.
    std::vector<StateLeaf> order(leaves.rbegin(), leaves.rend());
    std::shuffle(order.begin(), order.end(), std::mt19937_64(11));
    StoredStateTree tree(many_blocks);
    for (std::size_t i = 0; i < order.size(); ++i) {
      StateLeaf early = order[i];
      early.value_hash = Hash32{};
      ASSERT_TRUE(tree.Put(early).ok());
      if (i % 37 == 0) Commit(tree, many_blocks);
    }
    Commit(tree, many_blocks);
    for (std::size_t i = 0; i < order.size(); ++i) {
      ASSERT_TRUE(tree.Put(order[i]).ok());
      if (i % 37 == 0) Commit(tree, many_blocks);
    }
    Commit(tree, many_blocks);
  }
  EXPECT_GT(one_block.rows.size(), leaves.size());
  EXPECT_TRUE(one_block.rows == many_blocks.rows);
}

TEST(StoredStateTree, DiscardUndoesATrialAndTheNextTrialStartsFromTheCommittedTree) {
  MapRows rows;
  StoredStateTree tree(rows);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(tree.Put(Leaf("ns", "k" + std::to_string(i), 1)).ok());
  Commit(tree, rows);
  const Hash32 committed = RootOf(tree);
  const std::map<Bytes, Bytes> committed_rows = rows.rows;

  ASSERT_TRUE(tree.Put(Leaf("ns", "k5", 2)).ok());
  ASSERT_TRUE(tree.Put(Leaf("ns", "new", 1)).ok());
  EXPECT_NE(RootOf(tree), committed);
  EXPECT_EQ(tree.Find("ns", "k5")->value().version, 2u);
  tree.Discard();
  EXPECT_FALSE(tree.has_changes());
  EXPECT_EQ(RootOf(tree), committed);
  EXPECT_EQ(tree.Find("ns", "k5")->value().version, 1u);
  EXPECT_FALSE(tree.Find("ns", "new")->has_value());
  EXPECT_EQ(rows.rows, committed_rows);  // a trial never writes
}

TEST(StoredStateTree, ProofsEqualTheInMemoryTreesAndVerify) {
  MapRows rows;
  StoredStateTree tree(rows);
  StateTree reference;
  for (int i = 0; i < 2000; ++i) {
    const StateLeaf leaf = Leaf(i % 2 ? "a" : "b", "key-" + std::to_string(i), 1);
    reference.Put(leaf);
    ASSERT_TRUE(tree.Put(leaf).ok());
    if (i % 500 == 499) Commit(tree, rows);
  }
  ASSERT_TRUE(tree.Put(Leaf("a", "pending", 1)).ok());  // a proof sees the pending changes too
  reference.Put(Leaf("a", "pending", 1));
  const Hash32 root = RootOf(tree);
  ASSERT_EQ(root, reference.Root());
  for (const std::string key : {"key-1", "key-1999", "pending", "absent-1", "absent-2", "absent-3"}) {
    auto proof = tree.Prove("a", key);
    ASSERT_TRUE(proof.ok()) << proof.error().ToString();
    const StateProof want = reference.Prove("a", key);
    EXPECT_EQ(proof->siblings, want.siblings) << key;
    EXPECT_EQ(proof->leaf, want.leaf) << key;
    const auto expected = reference.Find("a", key);
    EXPECT_TRUE(VerifyStateProof(root, "a", key, expected, *proof)) << key;
  }
}

TEST(StoredStateTree, ProofsOfTinyTreesMatch) {
  for (int n = 0; n <= 3; ++n) {
    MapRows rows;
    StoredStateTree tree(rows);
    StateTree reference;
    for (int i = 0; i < n; ++i) {
      reference.Put(Leaf("t", std::to_string(i), 1));
      ASSERT_TRUE(tree.Put(Leaf("t", std::to_string(i), 1)).ok());
    }
    Commit(tree, rows);
    for (const std::string key : {"0", "1", "x"}) {
      auto proof = tree.Prove("t", key);
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(proof->siblings, reference.Prove("t", key).siblings) << n << " " << key;
      EXPECT_EQ(proof->leaf, reference.Prove("t", key).leaf) << n << " " << key;
    }
  }
}

TEST(StoredStateTree, CacheHoldsOnlyTheTopLevelsWhateverTheKeyCount) {
  MapRows rows;
  StoredStateTree tree(rows, /*cached_depth=*/2);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(tree.Put(Leaf("ns", "k" + std::to_string(i), 1)).ok());
  Commit(tree, rows);
  for (int i = 0; i < 5000; i += 3) ASSERT_TRUE(tree.Put(Leaf("ns", "k" + std::to_string(i), 2)).ok());
  Commit(tree, rows);
  EXPECT_LE(tree.cached_pages(), 1u + 16u);
  EXPECT_GT(rows.rows.size(), 5000u + 300u);  // every leaf and every page is a row
}

TEST(StoredStateTree, DamagedRowsAreReportedAsCorrupt) {
  MapRows rows;
  {
    StoredStateTree tree(rows);
    for (int i = 0; i < 400; ++i) ASSERT_TRUE(tree.Put(Leaf("ns", "k" + std::to_string(i), 1)).ok());
    Commit(tree, rows);
  }
  const std::map<Bytes, Bytes> good = rows.rows;
  const Bytes root_key{0x00};
  // A truncated root page.
  rows.rows[root_key].pop_back();
  {
    StoredStateTree tree(rows);
    auto root = tree.Root();
    ASSERT_FALSE(root.ok());
    EXPECT_EQ(root.error().code, Errc::kCorrupt);
  }
  // A page one level down is missing: Put walks into it.
  rows.rows = good;
  for (auto it = rows.rows.begin(); it != rows.rows.end(); ++it) {
    if (it->first[0] == 1) {
      rows.rows.erase(it);
      break;
    }
  }
  {
    StoredStateTree tree(rows);
    bool corrupt = false;
    for (int i = 0; i < 400 && !corrupt; ++i) {
      Status s = tree.Put(Leaf("ns", "k" + std::to_string(i), 2));
      if (!s.ok()) corrupt = s.error().code == Errc::kCorrupt;
    }
    EXPECT_TRUE(corrupt);
  }
  // A leaf row stored under another key's path.
  rows.rows = good;
  Bytes leaf_k1, leaf_k2;
  for (const auto& [key, value] : rows.rows) {
    if (key[0] != 0xFF) continue;
    (leaf_k1.empty() ? leaf_k1 : leaf_k2) = key;
    if (!leaf_k2.empty()) break;
  }
  rows.rows[leaf_k1] = rows.rows[leaf_k2];
  {
    StoredStateTree tree(rows);
    std::size_t corrupt = 0;
    for (int i = 0; i < 400; ++i) {
      auto found = tree.Find("ns", "k" + std::to_string(i));
      if (!found.ok()) corrupt += found.error().code == Errc::kCorrupt;
    }
    EXPECT_EQ(corrupt, 1u);
  }
  // A page whose leaf stands in the wrong slot.
  rows.rows = good;
  for (auto& [key, value] : rows.rows) {
    if (key[0] != 1) continue;
    // Swap the page into another prefix: its leaves now stand under the wrong prefix.
    Bytes moved = key;
    moved[1] ^= 0x10;
    const Bytes body = value;
    rows.rows[moved] = body;
    break;
  }
  {
    StoredStateTree tree(rows);
    std::size_t corrupt = 0;
    for (int i = 0; i < 400; ++i) {
      Status s = tree.Put(Leaf("ns", "k" + std::to_string(i), 3));
      if (!s.ok()) {
        corrupt += s.error().code == Errc::kCorrupt;
        tree.Discard();
      }
    }
    EXPECT_GT(corrupt, 0u);
  }
}

}  // namespace
}  // namespace peerdb::state
