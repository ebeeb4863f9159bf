#include "peerdb/state/state_tree.h"

#include <algorithm>
#include <array>
#include <bit>
#include <utility>

#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

// Layout: a PATRICIA trie over the 256-bit paths. An internal node sits at the bit where its two
// children first differ, so a chain of one-child levels is never stored; its hash is folded with
// empty siblings when the parent combines (PROTOCOL.md §1.5). Every node caches the hash of the
// subtree it stands for at the depth where its parent's child slot is (parent bit + 1, or 0 for
// the root). A single-leaf subtree hashes to its leaf hash at any depth, so a leaf's cache never
// depends on where it sits; an internal node's does, and it is marked dirty when it moves.
// Depth is at most 257 nodes, which bounds the recursion in Rehash and in the destructors.

namespace peerdb::state {
namespace {

constexpr unsigned kPathBits = 256;
constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;
constexpr Hash32 kEmpty{};

unsigned Bit(const Hash32& path, unsigned i) { return (path[i / 8] >> (7 - i % 8)) & 1u; }

// Number of leading bits that a and b share (256 when equal).
unsigned CommonPrefixBits(const Hash32& a, const Hash32& b) {
  for (unsigned i = 0; i < 32; ++i) {
    const std::uint8_t x = a[i] ^ b[i];
    if (x != 0) return i * 8 + static_cast<unsigned>(std::countl_zero(x));
  }
  return kPathBits;
}

Hash32 NodeHash(const Hash32& left, const Hash32& right) { return StateNodeHash(left, right); }

// Lifts the hash `h` of a subtree at depth `from` to depth `to` (to <= from) when every level in
// between has an empty sibling; `path` supplies the bits of the shared prefix.
Hash32 FoldEmpty(Hash32 h, const Hash32& path, unsigned from, unsigned to) {
  for (unsigned d = from; d-- > to;) h = Bit(path, d) == 0 ? NodeHash(h, kEmpty) : NodeHash(kEmpty, h);
  return h;
}

}  // namespace

Hash32 StatePath(std::string_view ns, std::string_view key) {
  std::array<std::uint8_t, 4> ns_len{};
  std::array<std::uint8_t, 4> key_len{};
  for (int i = 0; i < 4; ++i) {
    ns_len[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ns.size() >> (8 * (3 - i)));
    key_len[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(key.size() >> (8 * (3 - i)));
  }
  return crypto::Sha256({ByteSpan(ns_len), AsBytes(ns), ByteSpan(key_len), AsBytes(key)});
}

Hash32 StateLeafHash(const StateLeaf& leaf) {
  const Bytes body = codec::Encode(leaf);
  return crypto::Sha256({ByteSpan(&kLeafPrefix, 1), ByteSpan(body)});
}

Hash32 StateNodeHash(const Hash32& left, const Hash32& right) {
  return crypto::Sha256({ByteSpan(&kNodePrefix, 1), ByteSpan(left), ByteSpan(right)});
}

Hash32 ValueHash(ByteSpan value) { return crypto::Sha256(value); }

struct StateTree::Node {
  struct Internal;
  struct Leaf;

  // Leaf: the key's path. Internal: the path of some leaf below (only bits < bit are meaningful,
  // and all leaves below share them; stays valid when that leaf is erased).
  Hash32 path{};
  mutable Hash32 hash{};          // valid when !dirty; see the layout note above
  std::uint16_t bit = kPathBits;  // internal: the bit the children split on; leaf: 256
  mutable bool dirty = true;

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual ~Node() = default;

  bool is_leaf() const { return bit == kPathBits; }
  const Internal& internal() const;
  Internal& internal();
  const Leaf& leaf() const;
  Leaf& leaf();

  // Hash of this internal node's subtree at depth `top` (parent bit + 1, or 0 at the root).
  // REQUIRES: !is_leaf() and both children clean.
  Hash32 HashAt(unsigned top) const;
  // Recomputes the dirty caches in this subtree. Recursion depth <= 257.
  void Rehash(unsigned top) const;
};

struct StateTree::Node::Internal final : StateTree::Node {
  std::unique_ptr<Node> child[2];
};

struct StateTree::Node::Leaf final : StateTree::Node {
  StateLeaf data;
};

const StateTree::Node::Internal& StateTree::Node::internal() const { return static_cast<const Internal&>(*this); }
StateTree::Node::Internal& StateTree::Node::internal() { return static_cast<Internal&>(*this); }
const StateTree::Node::Leaf& StateTree::Node::leaf() const { return static_cast<const Leaf&>(*this); }
StateTree::Node::Leaf& StateTree::Node::leaf() { return static_cast<Leaf&>(*this); }

Hash32 StateTree::Node::HashAt(unsigned top) const {
  const Internal& in = internal();
  return FoldEmpty(NodeHash(in.child[0]->hash, in.child[1]->hash), path, bit, top);
}

void StateTree::Node::Rehash(unsigned top) const {
  if (!dirty) return;
  if (is_leaf()) {
    hash = StateLeafHash(leaf().data);
  } else {
    const Internal& in = internal();
    in.child[0]->Rehash(bit + 1u);
    in.child[1]->Rehash(bit + 1u);
    hash = HashAt(top);
  }
  dirty = false;
}

StateTree::StateTree() = default;
StateTree::~StateTree() = default;
StateTree::StateTree(StateTree&&) noexcept = default;
StateTree& StateTree::operator=(StateTree&&) noexcept = default;

void StateTree::Put(const StateLeaf& leaf) {
  const Hash32 path = StatePath(leaf.ns, leaf.key);
  // Ancestors whose hash changes if we write; marked only once we know the tree changes.
  std::array<Node*, kPathBits + 1> ancestors{};
  std::size_t depth = 0;
  std::unique_ptr<Node>* slot = &m_root;
  unsigned top = 0;  // depth of the subtree at *slot
  while (*slot) {
    Node& n = **slot;
    // With no skipped levels (bit == top) the path is inside n's subtree: skip the compare.
    const unsigned common = !n.is_leaf() && n.bit == top ? n.bit : CommonPrefixBits(n.path, path);
    if (n.is_leaf() && common == kPathBits) {
      Node::Leaf& l = n.leaf();
      if (l.data == leaf) return;
      l.data = leaf;
      l.dirty = true;
      for (std::size_t i = 0; i < depth; ++i) ancestors[i]->dirty = true;
      return;
    }
    if (n.is_leaf() || common < n.bit) {
      // The new path leaves this subtree's shared prefix at bit `common`: split here.
      PEERDB_ASSERT(common >= top && common < kPathBits);
      auto split = std::make_unique<Node::Internal>();
      split->path = path;
      split->bit = static_cast<std::uint16_t>(common);
      const unsigned side = Bit(path, common);
      if (!n.is_leaf()) n.dirty = true;  // it now sits deeper, so its folded hash changes
      auto fresh = std::make_unique<Node::Leaf>();
      fresh->path = path;
      fresh->data = leaf;
      split->child[side] = std::move(fresh);
      split->child[1 - side] = std::move(*slot);
      *slot = std::move(split);
      for (std::size_t i = 0; i < depth; ++i) ancestors[i]->dirty = true;
      ++m_size;
      return;
    }
    Node::Internal& in = n.internal();
    ancestors[depth++] = &in;
    top = in.bit + 1u;
    slot = &in.child[Bit(path, in.bit)];
  }
  auto fresh = std::make_unique<Node::Leaf>();
  fresh->path = path;
  fresh->data = leaf;
  *slot = std::move(fresh);
  ++m_size;
}

std::optional<StateLeaf> StateTree::Find(std::string_view ns, std::string_view key) const {
  const Hash32 path = StatePath(ns, key);
  const Node* n = m_root.get();
  while (n && !n->is_leaf()) n = n->internal().child[Bit(path, n->bit)].get();
  if (!n || n->path != path) return std::nullopt;
  return n->leaf().data;
}

void StateTree::Erase(std::string_view ns, std::string_view key) {
  const Hash32 path = StatePath(ns, key);
  std::array<Node*, kPathBits + 1> ancestors{};
  std::size_t depth = 0;
  std::unique_ptr<Node>* parent_slot = nullptr;
  std::unique_ptr<Node>* slot = &m_root;
  while (*slot && !(*slot)->is_leaf()) {
    Node::Internal& in = (*slot)->internal();
    ancestors[depth++] = &in;
    parent_slot = slot;
    slot = &in.child[Bit(path, in.bit)];
  }
  if (!*slot || (*slot)->path != path) return;
  --m_size;
  if (parent_slot == nullptr) {
    m_root.reset();
    return;
  }
  // Replace the parent by the leaf's sibling, which moves up to the parent's depth.
  Node::Internal& parent = (*parent_slot)->internal();
  std::unique_ptr<Node> sibling = std::move(parent.child[1 - Bit(path, parent.bit)]);
  if (!sibling->is_leaf()) sibling->dirty = true;
  *parent_slot = std::move(sibling);
  for (std::size_t i = 0; i + 1 < depth; ++i) ancestors[i]->dirty = true;
}

Hash32 StateTree::Root() const {
  if (!m_root) return kEmpty;
  m_root->Rehash(0);
  return m_root->hash;
}

std::size_t StateTree::size() const { return m_size; }

StateProof StateTree::Prove(std::string_view ns, std::string_view key) const {
  StateProof proof;
  if (!m_root) return proof;
  m_root->Rehash(0);
  const Hash32 path = StatePath(ns, key);
  // Built root-first, reversed at the end to the deepest-first order of StateProof.
  std::vector<Hash32>& sib = proof.siblings;
  const Node* n = m_root.get();
  unsigned top = 0;
  while (true) {
    const unsigned common = CommonPrefixBits(n->path, path);
    if (n->is_leaf()) {
      // The subtree at `top` holds exactly this leaf: membership if it is ours, else absence.
      proof.leaf = n->leaf().data;
      break;
    }
    const Node::Internal& in = n->internal();
    if (common < in.bit) {
      // The path leaves the subtree's shared prefix at `common`; the subtree is the sibling
      // there and the path's own side is empty.
      sib.insert(sib.end(), common - top, kEmpty);
      sib.push_back(in.HashAt(common + 1u));
      break;
    }
    sib.insert(sib.end(), in.bit - top, kEmpty);
    sib.push_back(in.child[1 - Bit(path, in.bit)]->hash);
    top = in.bit + 1u;
    n = in.child[Bit(path, in.bit)].get();
  }
  std::reverse(sib.begin(), sib.end());
  return proof;
}

bool VerifyStateProof(const Hash32& root, std::string_view ns, std::string_view key,
                      const std::optional<StateLeaf>& expected, const StateProof& proof) {
  const std::size_t depth = proof.siblings.size();
  if (depth > kPathBits) return false;
  const Hash32 path = StatePath(ns, key);
  Hash32 h = kEmpty;
  if (expected) {
    if (expected->ns != ns || expected->key != key) return false;
    if (!proof.leaf || *proof.leaf != *expected) return false;
    h = StateLeafHash(*expected);
  } else if (proof.leaf) {
    // Another key's leaf alone in the subtree where our path would be: it must be a different
    // key that shares the first `depth` bits of our path.
    if (proof.leaf->ns == ns && proof.leaf->key == key) return false;
    if (CommonPrefixBits(StatePath(proof.leaf->ns, proof.leaf->key), path) < depth) return false;
    h = StateLeafHash(*proof.leaf);
  }
  // Soundness: leaf hashes (0x00 prefix) and node hashes (0x01 prefix) cannot collide, so a fold
  // that reaches `root` matches the real subtree hash at every depth on the path.
  for (std::size_t i = 0; i < depth; ++i) {
    const unsigned d = static_cast<unsigned>(depth - 1 - i);
    h = Bit(path, d) == 0 ? NodeHash(h, proof.siblings[i]) : NodeHash(proof.siblings[i], h);
  }
  return h == root;
}

}  // namespace peerdb::state
