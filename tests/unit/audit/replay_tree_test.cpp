// ReplayTree: the audit's state tree in two halves on two threads gives, block after block, the
// roots of one whole tree (state::StoredStateTree over a map, itself checked against StateTree),
// the same rows in key order once written, its leaves in path order, and reads that see exactly
// the Puts started before them.
#include "peerdb/audit/replay_tree.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "../common/map_tree_rows.h"
#include "peerdb/state/state_tree.h"

namespace peerdb::audit {
namespace {

using state::StateLeaf;
using state::StoredStateTree;

StateLeaf Leaf(const std::string& key, std::uint64_t version) {
  return StateLeaf{"app", key, state::ValueHash(AsBytes(key + "#" + std::to_string(version))), 1, version};
}

// The first bit of a key's path: which half holds it.
bool InSecondHalf(const std::string& key) { return (state::StatePath("app", key)[0] & 0x80) != 0; }

// Keys k<i> of one half only, or of both.
std::vector<std::string> Keys(std::size_t n, std::optional<bool> second_half) {
  std::vector<std::string> out;
  for (std::size_t i = 0; out.size() < n; ++i) {
    const std::string k = "k" + std::to_string(i);
    if (!second_half || InSecondHalf(k) == *second_half) out.push_back(k);
  }
  return out;
}

// The reference: one StoredStateTree whose rows are written after every block.
struct WholeTree {
  peerdb::test::MapTreeRows rows;
  StoredStateTree tree{rows};
  Hash32 Put(const std::vector<StateLeaf>& leaves) {
    for (const StateLeaf& l : leaves) EXPECT_TRUE(tree.Put(l).ok());
    auto changed = tree.ChangedRows();
    EXPECT_TRUE(changed.ok());
    rows.Write(*changed);
    tree.MarkCommitted();
    return *tree.Root();
  }
};

Hash32 PutAndRoot(ReplayTree& tree, const std::vector<StateLeaf>& leaves) {
  tree.StartPut(leaves);
  tree.StartRoot();
  auto root = tree.TakeRoot();
  EXPECT_TRUE(root.ok()) << root.error().ToString();
  return root.ok() ? *root : Hash32{};
}

std::vector<state::TreeRow> AllRows(ReplayTree& tree) {
  EXPECT_TRUE(tree.WriteAll().ok());
  auto cursor = tree.Rows();
  EXPECT_TRUE(cursor.ok());
  std::vector<state::TreeRow> out;
  for (;;) {
    auto row = cursor->Next();
    EXPECT_TRUE(row.ok());
    if (!row.ok() || !*row) return out;
    out.push_back(std::move(**row));
  }
}

std::vector<state::TreeRow> AllRows(const WholeTree& whole) {
  std::vector<state::TreeRow> out;
  for (const auto& [k, v] : whole.rows.rows) out.push_back(state::TreeRow{k, v});
  return out;
}

bool SameRows(const std::vector<state::TreeRow>& a, const std::vector<state::TreeRow>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value) return false;
  }
  return true;
}

TEST(ReplayTree, RootsAndRowsAreThoseOfOneWholeTreeWhereverTheKeysFall) {
  // Both halves, only the first, only the second, one key; and the empty tree.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"both halves", Keys(300, std::nullopt)},
      {"first half only", Keys(40, false)},
      {"second half only", Keys(40, true)},
      {"one key", Keys(1, std::nullopt)},
  };
  for (const auto& [name, keys] : cases) {
    SCOPED_TRACE(name);
    auto tree = ReplayTree::Create();
    ASSERT_TRUE(tree.ok()) << tree.error().ToString();
    WholeTree whole;
    (*tree)->StartRoot();
    EXPECT_EQ(*(*tree)->TakeRoot(), state::StateTree().Root()) << "the empty tree";
    std::mt19937 rng(7);
    std::map<std::string, std::uint64_t> version;
    for (int block = 0; block < 12; ++block) {
      std::vector<StateLeaf> leaves;
      for (std::size_t i = 0; i < 1 + keys.size() / 4; ++i) {
        const std::string& k = keys[rng() % keys.size()];
        leaves.push_back(Leaf(k, ++version[k]));
      }
      ASSERT_EQ(PutAndRoot(**tree, leaves), whole.Put(leaves)) << "block " << block;
    }
    state::StateTree memory;
    for (const auto& [k, v] : version) memory.Put(Leaf(k, v));
    (*tree)->StartRoot();
    EXPECT_EQ(*(*tree)->TakeRoot(), memory.Root());
    EXPECT_TRUE(SameRows(AllRows(**tree), AllRows(whole))) << "row for row, the root row built from both halves";
  }
  auto empty = ReplayTree::Create();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(AllRows(**empty).empty());
}

TEST(ReplayTree, ReadsSeeThePutsStartedBeforeThemAndNotThoseAfter) {
  auto tree = ReplayTree::Create();
  ASSERT_TRUE(tree.ok());
  const std::vector<std::string> keys = Keys(50, std::nullopt);
  std::vector<StateLeaf> first, second;
  for (const std::string& k : keys) first.push_back(Leaf(k, 1));
  for (const std::string& k : keys) second.push_back(Leaf(k, 2));
  std::vector<ReplayTree::KeyRef> refs;
  for (const std::string& k : keys) refs.push_back(ReplayTree::KeyRef{"app", k});
  refs.push_back(ReplayTree::KeyRef{"app", "never written"});
  refs.push_back(refs.front());  // a key named twice is read once

  (*tree)->StartPut(first);
  (*tree)->StartFind(refs);  // after the first Put: sees version 1
  (*tree)->StartPut(second);
  (*tree)->StartRoot();
  auto found = (*tree)->TakeFound();
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  EXPECT_EQ(found->size(), keys.size() + 1);
  for (const std::string& k : keys) {
    const auto& leaf = found->at(ReplayTree::LeafName("app", k));
    ASSERT_TRUE(leaf.has_value()) << k;
    EXPECT_EQ(leaf->version, 1u) << k;
  }
  EXPECT_FALSE(found->at(ReplayTree::LeafName("app", "never written")).has_value());
  ASSERT_TRUE((*tree)->TakeRoot().ok());
  auto now = (*tree)->Find("app", keys.back());
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->version, 2u) << "a single read waits for the Puts started before it";

  // Once written to the scratch databases, every leaf in path order, both halves.
  ASSERT_TRUE((*tree)->WriteAll().ok());
  std::vector<Hash32> paths;
  ASSERT_TRUE((*tree)->ForEachLeaf([&](const StateLeaf& l) {
    paths.push_back(state::StatePath(l.ns, l.key));
    EXPECT_EQ(l.version, 2u);
    return true;
  }).ok());
  EXPECT_EQ(paths.size(), keys.size());
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  EXPECT_TRUE(std::any_of(paths.begin(), paths.end(), [](const Hash32& p) { return p[0] & 0x80; }));
  EXPECT_TRUE(std::any_of(paths.begin(), paths.end(), [](const Hash32& p) { return !(p[0] & 0x80); }));
}

}  // namespace
}  // namespace peerdb::audit
