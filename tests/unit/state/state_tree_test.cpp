// StateTree (PROTOCOL.md §1.5): roots against a from-the-definition reference, a pinned golden
// root, and membership / non-membership proofs including tampered ones.
#include "peerdb/state/state_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <span>
#include <unordered_map>

#include "peerdb/crypto/sha256.h"

namespace peerdb::state {
namespace {

StateLeaf MakeLeaf(std::string ns, std::string key, std::string value, chain::MemberId owner = 1,
                   std::uint64_t version = 1) {
  StateLeaf leaf;
  leaf.ns = std::move(ns);
  leaf.key = std::move(key);
  leaf.value_hash = ValueHash(AsBytes(value));
  leaf.owner = owner;
  leaf.version = version;
  return leaf;
}

unsigned PathBit(const Hash32& path, unsigned i) { return (path[i / 8] >> (7 - i % 8)) & 1u; }

Hash32 Node(const Hash32& l, const Hash32& r) {
  const std::uint8_t one = 0x01;
  return crypto::Sha256({ByteSpan(&one, 1), ByteSpan(l), ByteSpan(r)});
}

// The tree hash straight from the definition: recurse bit by bit over the full 256-level tree.
// `leaves` is sorted by path; recursion depth is bounded by the longest shared prefix.
Hash32 ReferenceSubtree(std::span<const std::pair<Hash32, Hash32>> leaves, unsigned depth) {
  if (leaves.empty()) return Hash32{};
  if (leaves.size() == 1) return leaves[0].second;
  auto mid = std::partition_point(leaves.begin(), leaves.end(),
                                  [&](const auto& l) { return PathBit(l.first, depth) == 0; });
  const auto split = static_cast<std::size_t>(mid - leaves.begin());
  return Node(ReferenceSubtree(leaves.subspan(0, split), depth + 1),
              ReferenceSubtree(leaves.subspan(split), depth + 1));
}

Hash32 ReferenceRoot(const std::map<std::pair<std::string, std::string>, StateLeaf>& model) {
  std::vector<std::pair<Hash32, Hash32>> leaves;
  for (const auto& [k, leaf] : model) leaves.emplace_back(StatePath(k.first, k.second), StateLeafHash(leaf));
  std::sort(leaves.begin(), leaves.end());
  return ReferenceSubtree(leaves, 0);
}

std::vector<StateLeaf> SampleLeaves(std::size_t n) {
  std::vector<StateLeaf> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(MakeLeaf(i % 3 == 0 ? "docs" : "log", "key-" + std::to_string(i), "value " + std::to_string(i),
                           static_cast<chain::MemberId>(1 + i % 4), 1 + i % 5));
  }
  return out;
}

// Two keys in `ns` whose paths share at least `bits` leading bits (found by birthday search).
std::pair<std::string, std::string> KeysSharingPrefix(const std::string& ns, unsigned bits) {
  std::unordered_map<std::uint32_t, std::string> seen;
  for (std::uint64_t i = 0;; ++i) {
    const std::string key = "near-" + std::to_string(i);
    const Hash32 p = StatePath(ns, key);
    const std::uint32_t prefix =
        ((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3]) >> (32 - bits);
    auto [it, inserted] = seen.emplace(prefix, key);
    if (!inserted) return {it->second, key};
  }
}

TEST(StatePath, IsHashOfLengthPrefixedNamespaceAndKey) {
  const Bytes encoded = *FromHex("00000003" "6c6f67" "00000001" "6b");  // PCE("log") || PCE("k")
  EXPECT_EQ(StatePath("log", "k"), crypto::Sha256(ByteSpan(encoded)));
  // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
  EXPECT_NE(StatePath("ab", "c"), StatePath("a", "bc"));
}

TEST(StateLeafHash, IsHashOfZeroByteAndPceLeaf) {
  const StateLeaf leaf = MakeLeaf("log", "k", "v", 7, 3);
  Bytes pre{0x00};
  const Bytes body = codec::Encode(leaf);
  pre.insert(pre.end(), body.begin(), body.end());
  EXPECT_EQ(StateLeafHash(leaf), crypto::Sha256(ByteSpan(pre)));
  EXPECT_EQ(ValueHash(AsBytes("v")), crypto::Sha256(AsBytes("v")));
}

TEST(StateTree, EmptyRootIsAllZero) {
  StateTree tree;
  EXPECT_EQ(tree.Root(), Hash32{});
  EXPECT_EQ(tree.size(), 0u);
}

TEST(StateTree, SingleLeafRootIsTheLeafHash) {
  StateTree tree;
  const StateLeaf leaf = MakeLeaf("log", "only", "x");
  tree.Put(leaf);
  EXPECT_EQ(tree.Root(), StateLeafHash(leaf));
  EXPECT_EQ(tree.size(), 1u);
}

TEST(StateTree, TwoLeavesFoldEmptySiblingsDownToTheirSplit) {
  // Two keys sharing >= 12 leading path bits: the root is the split node lifted through
  // 12+ levels whose other side is empty.
  const auto [a, b] = KeysSharingPrefix("log", 12);
  const StateLeaf la = MakeLeaf("log", a, "a");
  const StateLeaf lb = MakeLeaf("log", b, "b");
  StateTree tree;
  tree.Put(la);
  tree.Put(lb);
  const Hash32 pa = StatePath("log", a);
  const Hash32 pb = StatePath("log", b);
  unsigned split = 0;
  while (PathBit(pa, split) == PathBit(pb, split)) ++split;
  ASSERT_GE(split, 12u);
  Hash32 h = PathBit(pa, split) == 0 ? Node(StateLeafHash(la), StateLeafHash(lb)) : Node(StateLeafHash(lb), StateLeafHash(la));
  for (unsigned d = split; d-- > 0;) h = PathBit(pa, d) == 0 ? Node(h, Hash32{}) : Node(Hash32{}, h);
  EXPECT_EQ(tree.Root(), h);
}

TEST(StateTree, RootDoesNotDependOnInsertionOrder) {
  std::vector<StateLeaf> leaves = SampleLeaves(300);
  StateTree first;
  for (const auto& l : leaves) first.Put(l);
  const Hash32 root = first.Root();
  std::mt19937_64 rng(42);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(leaves.begin(), leaves.end(), rng);
    StateTree tree;
    for (const auto& l : leaves) tree.Put(l);
    EXPECT_EQ(tree.Root(), root) << "round " << round;
    EXPECT_EQ(tree.size(), 300u);
  }
}

TEST(StateTree, UpdateChangesRootAndRestoringRestoresIt) {
  StateTree tree;
  for (const auto& l : SampleLeaves(50)) tree.Put(l);
  const Hash32 before = tree.Root();
  StateLeaf changed = SampleLeaves(50)[17];
  const StateLeaf original = changed;
  changed.version += 1;
  tree.Put(changed);
  const Hash32 after = tree.Root();
  EXPECT_NE(after, before);
  EXPECT_EQ(tree.size(), 50u);
  tree.Put(original);
  EXPECT_EQ(tree.Root(), before);
}

TEST(StateTree, PutOfIdenticalLeafKeepsRoot) {
  StateTree tree;
  for (const auto& l : SampleLeaves(20)) tree.Put(l);
  const Hash32 before = tree.Root();
  tree.Put(SampleLeaves(20)[3]);
  EXPECT_EQ(tree.Root(), before);
}

TEST(StateTree, EraseUndoesPut) {
  StateTree tree;
  for (const auto& l : SampleLeaves(40)) tree.Put(l);
  const Hash32 before = tree.Root();
  tree.Put(MakeLeaf("log", "extra", "e"));
  EXPECT_NE(tree.Root(), before);
  tree.Erase("log", "extra");
  EXPECT_EQ(tree.Root(), before);
  EXPECT_EQ(tree.size(), 40u);
  tree.Erase("log", "never-there");  // no-op
  EXPECT_EQ(tree.Root(), before);
  EXPECT_EQ(tree.size(), 40u);
  for (const auto& l : SampleLeaves(40)) tree.Erase(l.ns, l.key);
  EXPECT_EQ(tree.Root(), Hash32{});
  EXPECT_EQ(tree.size(), 0u);
}

TEST(StateTree, MoveKeepsContents) {
  StateTree tree;
  for (const auto& l : SampleLeaves(10)) tree.Put(l);
  const Hash32 root = tree.Root();
  StateTree moved(std::move(tree));
  EXPECT_EQ(moved.Root(), root);
  StateTree assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.Root(), root);
  EXPECT_EQ(assigned.size(), 10u);
}

// Pinned: any change to the path, leaf encoding or node hashing changes this and breaks every
// state_root already committed to a chain.
TEST(StateTree, GoldenRoot) {
  StateTree tree;
  tree.Put(MakeLeaf("docs", "alpha", "first", 1, 1));
  tree.Put(MakeLeaf("docs", "beta", "second", 2, 3));
  tree.Put(MakeLeaf("log", "2024-01-01", "entry", 1, 1));
  StateLeaf tombstone = MakeLeaf("log", "gone", "", 3, 2);
  tombstone.value_hash = Hash32{};
  tree.Put(tombstone);
  tree.Put(MakeLeaf("wiki", "Main_Page", "hello", 2, 7));
  // Cross-checked with an independent script computing the definition from scratch.
  EXPECT_EQ(Hex(tree.Root()), "fd2d0fa406e81286b7f954fd2b9da255d2bc7954a93e4fcf0e280e3e91ae3e6c");
}

// Agrees with the from-the-definition root after every one of many random puts, updates and
// erases over a small key pool (so that keys come and go and splits move).
TEST(StateTree, MatchesReferenceAfterEveryRandomUpdate) {
  std::mt19937_64 rng(20240601);
  std::map<std::pair<std::string, std::string>, StateLeaf> model;
  StateTree tree;
  const auto [near_a, near_b] = KeysSharingPrefix("log", 16);
  std::vector<std::pair<std::string, std::string>> pool;
  for (int i = 0; i < 48; ++i) pool.emplace_back(i % 2 ? "log" : "docs", "k" + std::to_string(i));
  pool.emplace_back("log", near_a);
  pool.emplace_back("log", near_b);
  for (int step = 0; step < 1500; ++step) {
    const auto& [ns, key] = pool[rng() % pool.size()];
    const int action = static_cast<int>(rng() % 10);
    if (action < 7) {
      const StateLeaf leaf = MakeLeaf(ns, key, std::to_string(rng()), 1 + static_cast<chain::MemberId>(rng() % 3),
                                      1 + rng() % 4);
      tree.Put(leaf);
      model[{ns, key}] = leaf;
    } else {
      tree.Erase(ns, key);
      model.erase({ns, key});
    }
    if (step % 3 == 0 || action >= 7) {
      ASSERT_EQ(tree.Root(), ReferenceRoot(model)) << "step " << step;
      ASSERT_EQ(tree.size(), model.size());
    }
    // Proofs stay valid as the tree changes shape.
    const auto& [pns, pkey] = pool[rng() % pool.size()];
    auto it = model.find({pns, pkey});
    const std::optional<StateLeaf> expected = it == model.end() ? std::nullopt : std::optional(it->second);
    ASSERT_TRUE(VerifyStateProof(tree.Root(), pns, pkey, expected, tree.Prove(pns, pkey))) << "step " << step;
  }
}

class StateProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_leaves = SampleLeaves(200);
    for (const auto& l : m_leaves) m_tree.Put(l);
    m_root = m_tree.Root();
  }
  std::vector<StateLeaf> m_leaves;
  StateTree m_tree;
  Hash32 m_root{};
};

TEST_F(StateProofTest, MembersVerify) {
  for (const auto& l : m_leaves) {
    const StateProof proof = m_tree.Prove(l.ns, l.key);
    ASSERT_TRUE(proof.leaf.has_value());
    EXPECT_EQ(*proof.leaf, l);
    EXPECT_TRUE(VerifyStateProof(m_root, l.ns, l.key, l, proof)) << l.key;
    // A membership proof does not show absence.
    EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, std::nullopt, proof)) << l.key;
  }
}

TEST_F(StateProofTest, NonMembersVerify) {
  int with_other_leaf = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "absent-" + std::to_string(i);
    const StateProof proof = m_tree.Prove("log", key);
    if (proof.leaf) ++with_other_leaf;
    EXPECT_TRUE(VerifyStateProof(m_root, "log", key, std::nullopt, proof)) << key;
    // Nor does it prove any value.
    EXPECT_FALSE(VerifyStateProof(m_root, "log", key, MakeLeaf("log", key, "v"), proof)) << key;
  }
  // Both kinds of absence occur: an empty subtree, and a subtree holding another single key.
  EXPECT_GT(with_other_leaf, 0);
  EXPECT_LT(with_other_leaf, 200);
}

TEST_F(StateProofTest, TamperedLeafFails) {
  const StateLeaf& l = m_leaves[5];
  const StateProof proof = m_tree.Prove(l.ns, l.key);
  StateLeaf other_value = l;
  other_value.value_hash[0] ^= 1;
  EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, other_value, proof));
  StateLeaf other_version = l;
  other_version.version += 1;
  EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, other_version, proof));
  StateLeaf other_owner = l;
  other_owner.owner += 1;
  EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, other_owner, proof));
  // The proof's own leaf tampered along with the claim.
  StateProof tampered = proof;
  tampered.leaf = other_value;
  EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, other_value, tampered));
}

TEST_F(StateProofTest, TamperedSiblingFails) {
  const StateLeaf& l = m_leaves[9];
  const StateProof proof = m_tree.Prove(l.ns, l.key);
  ASSERT_FALSE(proof.siblings.empty());
  for (std::size_t i = 0; i < proof.siblings.size(); ++i) {
    StateProof tampered = proof;
    tampered.siblings[i][31] ^= 0x80;
    EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, l, tampered)) << "sibling " << i;
  }
  StateProof shorter = proof;
  shorter.siblings.pop_back();
  EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, l, shorter));
  StateProof longer = proof;
  longer.siblings.insert(longer.siblings.begin(), Hash32{});
  EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, l, longer));
  StateProof absurd;
  absurd.siblings.assign(257, Hash32{});
  absurd.leaf = l;
  EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, l, absurd));
}

TEST_F(StateProofTest, WrongKeyOrRootFails) {
  const StateLeaf& a = m_leaves[1];
  const StateLeaf& b = m_leaves[2];
  const StateProof proof_a = m_tree.Prove(a.ns, a.key);
  // a's proof presented for b, with a's or b's leaf.
  EXPECT_FALSE(VerifyStateProof(m_root, b.ns, b.key, b, proof_a));
  EXPECT_FALSE(VerifyStateProof(m_root, b.ns, b.key, a, proof_a));
  // a's proof as an absence proof for b: the leaf must share b's path prefix.
  EXPECT_FALSE(VerifyStateProof(m_root, b.ns, b.key, std::nullopt, proof_a));
  // Same key in another namespace.
  EXPECT_FALSE(VerifyStateProof(m_root, "other", a.key, a, proof_a));
  Hash32 other_root = m_root;
  other_root[0] ^= 1;
  EXPECT_FALSE(VerifyStateProof(other_root, a.ns, a.key, a, proof_a));
}

TEST_F(StateProofTest, AbsenceProofCannotHideAMember) {
  const StateLeaf& l = m_leaves[7];
  StateProof proof = m_tree.Prove(l.ns, l.key);
  proof.leaf.reset();
  EXPECT_FALSE(VerifyStateProof(m_root, l.ns, l.key, std::nullopt, proof));
}

TEST(StateProof, EmptyAndSingleLeafTrees) {
  StateTree tree;
  StateProof empty = tree.Prove("log", "k");
  EXPECT_TRUE(empty.siblings.empty());
  EXPECT_FALSE(empty.leaf.has_value());
  EXPECT_TRUE(VerifyStateProof(tree.Root(), "log", "k", std::nullopt, empty));

  const StateLeaf only = MakeLeaf("log", "only", "x");
  tree.Put(only);
  const StateProof member = tree.Prove("log", "only");
  EXPECT_TRUE(member.siblings.empty());
  EXPECT_TRUE(VerifyStateProof(tree.Root(), "log", "only", only, member));
  const StateProof absent = tree.Prove("log", "k");
  EXPECT_TRUE(absent.siblings.empty());
  EXPECT_TRUE(VerifyStateProof(tree.Root(), "log", "k", std::nullopt, absent));
  EXPECT_FALSE(VerifyStateProof(tree.Root(), "log", "k", std::nullopt, empty));
}

TEST(StateProof, KeysSharingALongPrefix) {
  const auto [a, b] = KeysSharingPrefix("log", 16);
  StateTree tree;
  for (const auto& l : SampleLeaves(30)) tree.Put(l);
  const StateLeaf la = MakeLeaf("log", a, "a");
  const StateLeaf lb = MakeLeaf("log", b, "b");
  tree.Put(la);
  tree.Put(lb);
  const StateProof pa = tree.Prove("log", a);
  EXPECT_GE(pa.siblings.size(), 17u);
  EXPECT_TRUE(VerifyStateProof(tree.Root(), "log", a, la, pa));
  EXPECT_TRUE(VerifyStateProof(tree.Root(), "log", b, lb, tree.Prove("log", b)));
  tree.Erase("log", b);
  EXPECT_TRUE(VerifyStateProof(tree.Root(), "log", b, std::nullopt, tree.Prove("log", b)));
  EXPECT_TRUE(VerifyStateProof(tree.Root(), "log", a, la, tree.Prove("log", a)));
}

}  // namespace
}  // namespace peerdb::state

namespace peerdb::state {
namespace {

// Find returns exactly the stored leaf, nothing for absent keys (also ones sharing a long path
// prefix with a stored key), and follows Put and Erase; it is what the node uses to undo a trial
// execution, so restoring what Find returned must give back the previous root.
TEST(StateTree, FindReturnsTheStoredLeafAndUndoRestoresTheRoot) {
  StateTree tree;
  EXPECT_FALSE(tree.Find("log", "a").has_value()) << "empty tree";
  const std::vector<StateLeaf> leaves = SampleLeaves(300);
  for (const StateLeaf& l : leaves) tree.Put(l);
  for (const StateLeaf& l : leaves) {
    auto found = tree.Find(l.ns, l.key);
    ASSERT_TRUE(found.has_value()) << l.key;
    EXPECT_EQ(*found, l);
  }
  EXPECT_FALSE(tree.Find("log", "absent").has_value());
  EXPECT_FALSE(tree.Find("nope", leaves[1].key).has_value()) << "same key in another namespace";
  const Hash32 before = tree.Root();
  const StateLeaf changed = MakeLeaf(leaves[5].ns, leaves[5].key, "new value");
  const std::optional<StateLeaf> old = tree.Find(changed.ns, changed.key);
  tree.Put(changed);
  tree.Put(MakeLeaf("log", "fresh", "x"));
  EXPECT_EQ(*tree.Find(changed.ns, changed.key), changed);
  EXPECT_NE(tree.Root(), before);
  tree.Erase("log", "fresh");
  tree.Put(*old);
  EXPECT_FALSE(tree.Find("log", "fresh").has_value());
  EXPECT_EQ(tree.Root(), before);
}

}  // namespace
}  // namespace peerdb::state
