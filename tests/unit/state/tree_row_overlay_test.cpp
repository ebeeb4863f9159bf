// TreeRowOverlay: a tree whose committed rows collect in memory across blocks gives the same roots
// as the in-memory StateTree; a frozen generation goes to the base in slices, deepest first, so
// that after every slice each page row in the base names only rows the base holds; once written,
// the base alone gives the tree as of the frozen block, while newer rows stay in memory. A trial
// that is discarded never reaches the overlay.
#include "peerdb/state/tree_row_overlay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "../common/map_tree_rows.h"

namespace peerdb::state {
namespace {

using BaseRows = test::MapTreeRows;

StateLeaf LeafAt(const std::string& key, std::uint64_t version) {
  StateLeaf leaf;
  leaf.ns = "ns";
  leaf.key = key;
  leaf.value_hash = ValueHash(AsBytes(key + "#" + std::to_string(version)));
  leaf.owner = 1;
  leaf.version = version;
  return leaf;
}

// A block's commit as the node does it: the tree's changed rows join the overlay.
std::size_t CommitToOverlay(StoredStateTree& tree, TreeRowOverlay& overlay) {
  auto changed = tree.ChangedRows();
  EXPECT_TRUE(changed.ok());
  const std::size_t n = changed.ok() ? changed->size() : 0;
  if (changed.ok()) overlay.Apply(std::move(*changed));
  tree.MarkCommitted();
  return n;
}

// Block `block` of a test workload: 50 puts over 400 keys.
void PutBlock(int block, StoredStateTree& tree, StateTree& reference) {
  for (int i = 0; i < 50; ++i) {
    const StateLeaf leaf = LeafAt("k" + std::to_string((block * 37 + i * 11) % 400), static_cast<std::uint64_t>(block + 1));
    ASSERT_TRUE(tree.Put(leaf).ok());
    reference.Put(leaf);
  }
}

// Every page row in `base` names only rows that `base` holds: its child pages and its leaves.
// Page row: u16 present mask, u16 leaf mask, then per present slot its hash (and a leaf's path).
::testing::AssertionResult EveryPageNamesRowsPresent(const BaseRows& base) {
  for (const auto& [key, value] : base.rows) {
    if (key[0] == 0xFF) continue;
    const unsigned depth = key[0];
    const unsigned present = (value[0] << 8) | value[1], leaves = (value[2] << 8) | value[3];
    std::size_t at = 4;
    for (unsigned slot = 0; slot < 16; ++slot) {
      if ((present & (1u << slot)) == 0) continue;
      at += 32;
      Bytes named;
      if ((leaves & (1u << slot)) != 0) {
        named.push_back(0xFF);
        named.insert(named.end(), value.begin() + static_cast<std::ptrdiff_t>(at), value.begin() + static_cast<std::ptrdiff_t>(at + 32));
        at += 32;
      } else {
        named.assign(1 + (depth + 2) / 2, 0);
        named[0] = static_cast<std::uint8_t>(depth + 1);
        std::copy(key.begin() + 1, key.end(), named.begin() + 1);
        named[1 + depth / 2] |= static_cast<std::uint8_t>(depth % 2 == 0 ? slot << 4 : slot);
      }
      if (!base.rows.contains(named)) {
        return ::testing::AssertionFailure() << "a page at depth " << depth << " names a row the base lacks";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(TreeRowOverlay, AGenerationGoesToTheBaseInSlicesEachLeavingItWhole) {
  BaseRows base;
  TreeRowOverlay overlay(base);
  StoredStateTree tree(overlay);
  StateTree reference;
  std::size_t rows_per_block_sum = 0;
  for (int block = 0; block < 20; ++block) {
    PutBlock(block, tree, reference);
    ASSERT_EQ(*tree.Root(), reference.Root()) << "block " << block;
    rows_per_block_sum += CommitToOverlay(tree, overlay);
  }
  EXPECT_TRUE(base.rows.empty());  // nothing reached the base before a generation is written
  // The root page and the pages below it were rewritten by every block, but are held once.
  EXPECT_LT(overlay.row_count(), rows_per_block_sum / 3);
  const Hash32 root_at_20 = reference.Root();

  overlay.Freeze(20);
  ASSERT_TRUE(overlay.writing());
  EXPECT_EQ(overlay.frozen_height(), 20u);
  // Block 21 changes rows while the generation is being written: reads see them, the base does not.
  PutBlock(20, tree, reference);
  CommitToOverlay(tree, overlay);
  std::size_t slices = 0;
  bool done = false;
  while (!done) {
    const std::vector<TreeRow> slice = overlay.NextRows(37);
    ASSERT_FALSE(slice.empty());
    for (const TreeRow& r : slice) base.rows[r.key] = r.value;
    done = overlay.Written(slice.size());
    ++slices;
    ASSERT_TRUE(EveryPageNamesRowsPresent(base)) << "after slice " << slices;
    ASSERT_EQ(*tree.Root(), reference.Root());  // the tree still reads the newest rows
  }
  EXPECT_GT(slices, 3u);
  EXPECT_FALSE(overlay.writing());
  EXPECT_EQ(*StoredStateTree(base).Root(), root_at_20);  // the base alone: the tree as of block 20

  for (const TreeRow& r : overlay.AllRows()) base.rows[r.key] = r.value;
  overlay.Clear();
  EXPECT_EQ(overlay.row_count(), 0u);
  EXPECT_EQ(overlay.byte_count(), 0u);
  StoredStateTree reopened(base);  // the base alone, as after a clean stop
  EXPECT_EQ(*reopened.Root(), reference.Root());
  auto found = reopened.Find("ns", "k11");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, *reference.Find("ns", "k11"));
}

TEST(TreeRowOverlay, ADiscardedTrialLeavesTheOverlayAsItWas) {
  BaseRows base;
  TreeRowOverlay overlay(base);
  StoredStateTree tree(overlay);
  ASSERT_TRUE(tree.Put(LeafAt("a", 1)).ok());
  ASSERT_TRUE(tree.Put(LeafAt("b", 1)).ok());
  CommitToOverlay(tree, overlay);
  const Hash32 committed = *tree.Root();
  const std::vector<TreeRow> before = overlay.AllRows();
  ASSERT_TRUE(tree.Put(LeafAt("a", 2)).ok());
  ASSERT_TRUE(tree.Put(LeafAt("c", 1)).ok());
  EXPECT_NE(*tree.Root(), committed);
  tree.Discard();
  EXPECT_EQ(*tree.Root(), committed);
  const std::vector<TreeRow> after = overlay.AllRows();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].key, before[i].key);
    EXPECT_EQ(after[i].value, before[i].value);
  }
}

TEST(TreeRowOverlay, NewerRowsShadowFrozenOnesWhichShadowTheBase) {
  BaseRows base;
  base.rows[Bytes{1}] = Bytes{0xAA};
  base.rows[Bytes{2}] = Bytes{0xBB};
  TreeRowOverlay overlay(base);
  overlay.Apply({TreeRow{Bytes{2}, Bytes{0xCC, 0xCD}}, TreeRow{Bytes{3}, Bytes{0xDD}}});
  EXPECT_EQ(overlay.byte_count(), 5u);
  overlay.Apply({TreeRow{Bytes{2}, Bytes{0xCE}}});  // replaced, not added
  EXPECT_EQ(overlay.row_count(), 2u);
  EXPECT_EQ(overlay.byte_count(), 4u);
  overlay.Freeze(7);
  EXPECT_EQ(overlay.newest_bytes(), 0u);
  overlay.Apply({TreeRow{Bytes{3}, Bytes{0xEE}}});
  EXPECT_EQ(**overlay.LoadTreeRow(Bytes{1}), Bytes{0xAA});
  EXPECT_EQ(**overlay.LoadTreeRow(Bytes{2}), Bytes{0xCE});
  EXPECT_EQ(**overlay.LoadTreeRow(Bytes{3}), Bytes{0xEE});
  EXPECT_FALSE(overlay.LoadTreeRow(Bytes{4})->has_value());
  const std::vector<TreeRow> all = overlay.AllRows();  // the newest of each key, in key order
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, Bytes{2});
  EXPECT_EQ(all[0].value, Bytes{0xCE});
  EXPECT_EQ(all[1].value, Bytes{0xEE});
  // The frozen rows come deepest first, which is descending key order.
  const std::vector<TreeRow> frozen = overlay.NextRows(10);
  ASSERT_EQ(frozen.size(), 2u);
  EXPECT_EQ(frozen[0].key, Bytes{3});
  EXPECT_EQ(frozen[1].key, Bytes{2});
  EXPECT_FALSE(overlay.Written(1));
  EXPECT_EQ(overlay.frozen_rows_left(), 1u);
  EXPECT_TRUE(overlay.Written(1));
  EXPECT_FALSE(overlay.writing());
}

}  // namespace
}  // namespace peerdb::state
