#include "peerdb/state/stored_state_tree.h"

#include <algorithm>
#include <bit>

#include "peerdb/codec/pce.h"
#include "peerdb/util/assert.h"

namespace peerdb::state {
namespace {

using Page = StoredStateTree::Page;
using Slot = StoredStateTree::Slot;

constexpr unsigned kNibbles = 64;
constexpr std::uint8_t kLeafRowTag = 0xFF;
constexpr std::size_t kPageHeaderBytes = 4;

unsigned Nibble(const Hash32& path, unsigned i) {
  const std::uint8_t b = path[i / 2];
  return i % 2 == 0 ? b >> 4 : b & 0x0Fu;
}

std::string PageKey(const Hash32& path, unsigned depth) {
  std::string key(1 + (depth + 1) / 2, '\0');
  key[0] = static_cast<char>(depth);
  for (unsigned i = 0; i < (depth + 1) / 2; ++i) key[1 + i] = static_cast<char>(path[i]);
  if (depth % 2 == 1) key.back() = static_cast<char>(static_cast<std::uint8_t>(key.back()) & 0xF0u);
  return key;
}

unsigned DepthOf(const std::string& page_key) { return static_cast<std::uint8_t>(page_key[0]); }

// The prefix of a page key as a path (the nibbles after the prefix are zero).
Hash32 PrefixOf(const std::string& page_key) {
  Hash32 path{};
  for (std::size_t i = 1; i < page_key.size(); ++i) path[i - 1] = static_cast<std::uint8_t>(page_key[i]);
  return path;
}

std::string LeafKey(const Hash32& path) {
  std::string key(1 + path.size(), static_cast<char>(kLeafRowTag));
  std::copy(path.begin(), path.end(), key.begin() + 1);
  return key;
}

std::string PathKey(const Hash32& path) { return std::string(path.begin(), path.end()); }

ByteSpan AsSpan(const std::string& s) { return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }
Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes EncodePage(const Page& page) {
  std::uint16_t present = 0, leaves = 0;
  std::size_t size = kPageHeaderBytes;
  for (unsigned i = 0; i < 16; ++i) {
    if (page.slot[i].kind == Slot::kEmpty) continue;
    present |= static_cast<std::uint16_t>(1u << i);
    size += 32;
    if (page.slot[i].kind == Slot::kLeaf) {
      leaves |= static_cast<std::uint16_t>(1u << i);
      size += 32;
    }
  }
  Bytes out;
  out.reserve(size);
  out.push_back(static_cast<std::uint8_t>(present >> 8));
  out.push_back(static_cast<std::uint8_t>(present));
  out.push_back(static_cast<std::uint8_t>(leaves >> 8));
  out.push_back(static_cast<std::uint8_t>(leaves));
  for (const Slot& s : page.slot) {
    if (s.kind == Slot::kEmpty) continue;
    out.insert(out.end(), s.hash.begin(), s.hash.end());
    if (s.kind == Slot::kLeaf) out.insert(out.end(), s.path.begin(), s.path.end());
  }
  return out;
}

Error Corrupt(const std::string& what) { return Error{Errc::kCorrupt, "state tree: " + what}; }

// Decodes a page row and checks that it can stand where its key puts it: every leaf's path starts
// with the page's prefix and has the slot's nibble next.
Result<Page> DecodePage(const std::string& key, ByteSpan row) {
  const unsigned depth = DepthOf(key);
  if (row.size() < kPageHeaderBytes) return Corrupt("page row of " + std::to_string(row.size()) + " bytes");
  const auto present = static_cast<std::uint16_t>((row[0] << 8) | row[1]);
  const auto leaves = static_cast<std::uint16_t>((row[2] << 8) | row[3]);
  if ((leaves & ~present) != 0) return Corrupt("page marks an empty slot as a leaf");
  const std::size_t want = kPageHeaderBytes + 32 * static_cast<std::size_t>(std::popcount(present)) +
                           32 * static_cast<std::size_t>(std::popcount(leaves));
  if (row.size() != want) return Corrupt("page row of " + std::to_string(row.size()) + " bytes, not " + std::to_string(want));
  const Hash32 prefix = PrefixOf(key);
  Page page;
  std::size_t at = kPageHeaderBytes;
  for (unsigned i = 0; i < 16; ++i) {
    if ((present & (1u << i)) == 0) continue;
    Slot& s = page.slot[i];
    std::copy_n(row.begin() + static_cast<std::ptrdiff_t>(at), 32, s.hash.begin());
    at += 32;
    if ((leaves & (1u << i)) == 0) {
      s.kind = Slot::kPage;
      continue;
    }
    s.kind = Slot::kLeaf;
    std::copy_n(row.begin() + static_cast<std::ptrdiff_t>(at), 32, s.path.begin());
    at += 32;
    for (unsigned n = 0; n < depth; ++n) {
      if (Nibble(s.path, n) != Nibble(prefix, n)) return Corrupt("a leaf stands under another prefix");
    }
    if (Nibble(s.path, depth) != i) return Corrupt("a leaf stands in another slot");
  }
  return page;
}

// The hash of slots [lo, lo + width) as one binary subtree (PROTOCOL.md §1.5): what it holds
// (nothing, one leaf, or more) decides whether it is zero, that leaf's hash, or a node hash.
struct Subtree {
  enum Kind { kEmpty, kLoneLeaf, kMore };
  Kind kind = kEmpty;
  Hash32 hash{};
  unsigned lone_slot = 0;  // kLoneLeaf: the leaf's slot
};

Subtree Fold(const Page& page, unsigned lo, unsigned width) {
  if (width == 1) {
    const Slot& s = page.slot[lo];
    switch (s.kind) {
      case Slot::kEmpty: return {};
      case Slot::kLeaf: return {Subtree::kLoneLeaf, s.hash, lo};
      case Slot::kPage: return {Subtree::kMore, s.hash, lo};  // a page below the root holds two leaves or more
    }
  }
  const Subtree left = Fold(page, lo, width / 2);
  const Subtree right = Fold(page, lo + width / 2, width / 2);
  if (left.kind == Subtree::kEmpty && right.kind != Subtree::kMore) return right;
  if (right.kind == Subtree::kEmpty && left.kind != Subtree::kMore) return left;
  return {Subtree::kMore, StateNodeHash(left.hash, right.hash), 0};
}

Result<StateLeaf> DecodeLeaf(const Hash32& path, ByteSpan row) {
  auto leaf = codec::Decode<StateLeaf>(row);
  if (!leaf.ok()) return Corrupt("leaf row: " + leaf.error().message);
  if (StatePath(leaf->ns, leaf->key) != path) return Corrupt("a leaf row is stored under another key's path");
  return std::move(leaf).value();
}

}  // namespace

StoredStateTree::StoredStateTree(const TreeRowSource& source, unsigned cached_depth)
    : m_source(source), m_cached_depth(cached_depth) {}

Result<bool> StoredStateTree::IsStored() const {
  PEERDB_TRY_ASSIGN(std::optional<Bytes> row, m_source.LoadTreeRow(AsSpan(PageKey(Hash32{}, 0))));
  return row.has_value();
}

Result<Page> StoredStateTree::LoadPage(const std::string& key) const {
  if (auto it = m_dirty.find(key); it != m_dirty.end()) return it->second.page;
  const bool cacheable = DepthOf(key) < m_cached_depth;
  if (cacheable) {
    if (auto it = m_cache.find(key); it != m_cache.end()) return it->second;
  }
  PEERDB_TRY_ASSIGN(std::optional<Bytes> row, m_source.LoadTreeRow(AsSpan(key)));
  Page page;
  if (row) {
    PEERDB_TRY_ASSIGN(page, DecodePage(key, *row));
  } else if (DepthOf(key) != 0) {
    return Corrupt("the page at nibble depth " + std::to_string(DepthOf(key)) + " is missing");
  }  // no root page: the empty tree
  if (cacheable) m_cache.emplace(key, page);
  return page;
}

Result<Page*> StoredStateTree::PageForWrite(const std::string& key, bool fresh) {
  auto it = m_dirty.find(key);
  if (it == m_dirty.end()) {
    Page page;
    if (!fresh) {
      PEERDB_TRY_ASSIGN(page, LoadPage(key));
    }
    it = m_dirty.emplace(key, DirtyPage{page, false}).first;
  }
  // Every page a Put writes lies on its path, so the pages to rehash are exactly these.
  if (!it->second.stale) {
    it->second.stale = true;
    m_stale.push_back(&*it);  // element addresses survive later inserts
  }
  return &it->second.page;
}

Result<std::optional<StateLeaf>> StoredStateTree::Find(std::string_view ns, std::string_view key) const {
  const Hash32 path = StatePath(ns, key);
  if (auto it = m_leaves.find(PathKey(path)); it != m_leaves.end()) return std::optional<StateLeaf>{it->second};
  PEERDB_TRY_ASSIGN(std::optional<Bytes> row, m_source.LoadTreeRow(AsSpan(LeafKey(path))));
  if (!row) return std::optional<StateLeaf>{};
  PEERDB_TRY_ASSIGN(StateLeaf leaf, DecodeLeaf(path, *row));
  return std::optional<StateLeaf>{std::move(leaf)};
}

Status StoredStateTree::Put(const StateLeaf& leaf) {
  const Hash32 path = StatePath(leaf.ns, leaf.key);
  const Slot mine{Slot::kLeaf, StateLeafHash(leaf), path};
  m_leaves[PathKey(path)] = leaf;
  for (unsigned depth = 0; depth < kNibbles; ++depth) {
    PEERDB_TRY_ASSIGN(Page * page, PageForWrite(PageKey(path, depth), /*fresh=*/false));
    Slot& slot = page->slot[Nibble(path, depth)];
    if (slot.kind == Slot::kPage) continue;  // descend
    if (slot.kind == Slot::kEmpty || slot.path == path) {
      slot = mine;
      return Status::Ok();
    }
    // Another key's leaf holds the slot: new pages go down to where the two paths part.
    const Slot other = slot;
    slot = Slot{Slot::kPage, {}, {}};
    for (unsigned below = depth + 1; below < kNibbles; ++below) {
      PEERDB_TRY_ASSIGN(Page * fresh, PageForWrite(PageKey(path, below), /*fresh=*/true));
      const unsigned a = Nibble(path, below), b = Nibble(other.path, below);
      if (a != b) {
        fresh->slot[a] = mine;
        fresh->slot[b] = other;
        return Status::Ok();
      }
      fresh->slot[a] = Slot{Slot::kPage, {}, {}};
    }
    return Corrupt("two leaves share a path");
  }
  return Corrupt("the path runs deeper than 64 nibbles");
}

Result<Hash32> StoredStateTree::Root() {
  // Only the pages written since the last Root(), deepest first, so that every page's children
  // are hashed before it: pending changes of many blocks cost no more per block than one block's.
  std::sort(m_stale.begin(), m_stale.end(),
            [](const DirtyEntry* a, const DirtyEntry* b) { return DepthOf(a->first) > DepthOf(b->first); });
  for (DirtyEntry* item : m_stale) {
    item->second.stale = false;
    const unsigned depth = DepthOf(item->first);
    if (depth == 0) continue;
    const Hash32 prefix = PrefixOf(item->first);
    auto parent = m_dirty.find(PageKey(prefix, depth - 1));
    PEERDB_ASSERT(parent != m_dirty.end() && parent->second.stale);  // Put rewrote every page on the way down
    Slot& slot = parent->second.page.slot[Nibble(prefix, depth - 1)];
    PEERDB_ASSERT(slot.kind == Slot::kPage);
    slot.hash = Fold(item->second.page, 0, 16).hash;
  }
  m_stale.clear();
  PEERDB_TRY_ASSIGN(const Page root, LoadPage(PageKey(Hash32{}, 0)));
  return PageHash(root);
}

Result<Page> StoredStateTree::RootPage() {
  PEERDB_TRY(Root());
  return LoadPage(PageKey(Hash32{}, 0));
}

Hash32 StoredStateTree::PageHash(const Page& page) { return Fold(page, 0, 16).hash; }

TreeRow StoredStateTree::RootRow(const Page& root) { return TreeRow{ToBytes(PageKey(Hash32{}, 0)), EncodePage(root)}; }

Result<StateProof> StoredStateTree::Prove(std::string_view ns, std::string_view key) {
  PEERDB_TRY(Root());
  StateProof proof;
  const Hash32 path = StatePath(ns, key);
  std::vector<Hash32>& sib = proof.siblings;  // root first, reversed at the end
  std::optional<Hash32> lone;                 // the path of the one leaf where the walk ended
  PEERDB_TRY_ASSIGN(Page page, LoadPage(PageKey(path, 0)));
  Subtree here = Fold(page, 0, 16);
  if (here.kind == Subtree::kLoneLeaf) lone = page.slot[here.lone_slot].path;
  for (unsigned depth = 0; here.kind == Subtree::kMore; ++depth) {
    if (depth >= kNibbles) return Corrupt("the path runs deeper than 64 nibbles");
    const unsigned nibble = Nibble(path, depth);
    unsigned lo = 0;
    for (unsigned width = 16; width > 1 && here.kind == Subtree::kMore; width /= 2) {
      const unsigned half = width / 2;
      const unsigned mine = nibble < lo + half ? lo : lo + half;
      const unsigned other = mine == lo ? lo + half : lo;
      sib.push_back(Fold(page, other, half).hash);
      here = Fold(page, mine, half);
      lo = mine;
    }
    if (here.kind == Subtree::kLoneLeaf) lone = page.slot[here.lone_slot].path;
    if (here.kind != Subtree::kMore) break;
    PEERDB_TRY_ASSIGN(page, LoadPage(PageKey(path, depth + 1)));  // the slot holds a page
  }
  if (lone) {
    if (auto it = m_leaves.find(PathKey(*lone)); it != m_leaves.end()) {
      proof.leaf = it->second;
    } else {
      PEERDB_TRY_ASSIGN(std::optional<Bytes> row, m_source.LoadTreeRow(AsSpan(LeafKey(*lone))));
      if (!row) return Corrupt("a page names a leaf that has no row");
      PEERDB_TRY_ASSIGN(proof.leaf, DecodeLeaf(*lone, *row));
    }
  }
  std::reverse(sib.begin(), sib.end());
  return proof;
}

Result<std::vector<TreeRow>> StoredStateTree::ChangedRows() {
  PEERDB_TRY(Root());
  std::vector<TreeRow> rows;
  rows.reserve(m_dirty.size() + m_leaves.size());
  for (const auto& [key, dirty] : m_dirty) rows.push_back(TreeRow{ToBytes(key), EncodePage(dirty.page)});
  for (const auto& [path, leaf] : m_leaves) {
    Hash32 p{};
    std::copy(path.begin(), path.end(), p.begin());
    rows.push_back(TreeRow{ToBytes(LeafKey(p)), codec::Encode(leaf)});
  }
  // Key order: neighbouring rows land on the same database pages.
  std::sort(rows.begin(), rows.end(), [](const TreeRow& a, const TreeRow& b) { return a.key < b.key; });
  return rows;
}

void StoredStateTree::MarkCommitted() {
  PEERDB_ASSERT(m_stale.empty());  // ChangedRows() brought the hashes up to date
  for (auto& [key, dirty] : m_dirty) {
    if (DepthOf(key) < m_cached_depth) m_cache.insert_or_assign(key, dirty.page);
  }
  m_dirty.clear();
  m_leaves.clear();
}

void StoredStateTree::Discard() {
  m_stale.clear();
  m_dirty.clear();
  m_leaves.clear();
}

}  // namespace peerdb::state
