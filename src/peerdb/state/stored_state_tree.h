// The state tree of PROTOCOL.md §1.5 kept in rows of a key-value table instead of memory, so that
// a node's memory does not grow with the number of keys and a restart reads the root instead of
// rebuilding the tree. Same leaves, same hashes, same proofs as StateTree (tests check the two
// against each other); only the storage differs.
//
// Layout (as Diem's Jellyfish tree): the 256-bit path is read four bits (one nibble) at a time. A
// page at nibble depth d (d = 0..63) stands for the subtree of every path starting with its d-nibble
// prefix and holds its 16 child slots: empty, a leaf (that leaf's path and hash: the only key in the
// slot) or a page at depth d + 1 (its subtree hash). A page's own hash is the binary tree over its
// 16 slots with the §1.5 rules (empty = zero, a lone leaf = its leaf hash), so the root page's hash is
// the state root. Leaves are never removed (deletions are tombstone leaves), so a page never shrinks
// and every page below the root holds at least two leaves.
//
// Rows (TreeRow): page  key = [d] || the d-nibble prefix packed high nibble first (ceil(d/2) bytes)
//                       value = u16 present mask || u16 leaf mask (big-endian, bit i = slot i) ||
//                               for each present slot in order: hash (32) || path (32, leaves only)
//                 leaf  key = 0xFF || path (32)       value = PCE(StateLeaf)
//
// Changes (Put) collect in memory until the caller writes ChangedRows() in its own transaction and
// calls MarkCommitted(), or drops them with Discard(): that is how a trial execution is undone.
// Pages of the top `cached_depth` levels stay in memory once read (at most 1 + 16 + ... + 16^(n-1)
// pages of ~1 KiB: 4,369 for the default of 4); deeper pages and leaves are read from the source
// each time (SQLite has its own page cache). Memory is therefore bounded whatever the key count.
// Thread-safety: not thread-safe; one owner (the node thread), which also owns the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "peerdb/state/state_tree.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::state {

struct TreeRow {
  Bytes key;
  Bytes value;
};

// Where the rows live. A missing row is nullopt; a read error is an Error.
class TreeRowSource {
 public:
  virtual ~TreeRowSource() = default;
  virtual Result<std::optional<Bytes>> LoadTreeRow(ByteSpan key) const = 0;
};

class StoredStateTree {
 public:
  static constexpr unsigned kDefaultCachedDepth = 4;

  explicit StoredStateTree(const TreeRowSource& source, unsigned cached_depth = kDefaultCachedDepth);

  // Whether the source holds this tree at all (its root page). A store written before the tree was
  // kept on disk has none, and the caller builds it once from the state table.
  Result<bool> IsStored() const;

  // The leaf of (ns, key), the pending changes included. One row read (no walk) when not cached.
  Result<std::optional<StateLeaf>> Find(std::string_view ns, std::string_view key) const;
  // Inserts or replaces the leaf for (leaf.ns, leaf.key) among the pending changes. On error
  // (a row that cannot be read or decoded) the pending changes are unusable: Discard() them.
  Status Put(const StateLeaf& leaf);
  // The root with the pending changes; hashes only the pages written since the last call, so the
  // changes of several blocks may stay pending (each block's root checked) before one write.
  Result<Hash32> Root();
  // Membership or non-membership proof against Root(), from the rows (pending changes included).
  Result<StateProof> Prove(std::string_view ns, std::string_view key);

  bool has_changes() const { return !m_dirty.empty() || !m_leaves.empty(); }
  // Pages and leaves the pending changes hold in memory (what ChangedRows() would return).
  std::size_t pending_rows() const { return m_dirty.size() + m_leaves.size(); }
  // The rows the pending changes write (pages with their hashes brought up to date, and leaves).
  Result<std::vector<TreeRow>> ChangedRows();
  // The rows of ChangedRows() are stored: the pending changes become the committed tree.
  void MarkCommitted();
  // Drops the pending changes: the tree is the committed one again.
  void Discard();

  std::size_t cached_pages() const { return m_cache.size(); }

  struct Slot {
    enum Kind : std::uint8_t { kEmpty, kLeaf, kPage };
    Kind kind = kEmpty;
    Hash32 hash{};
    Hash32 path{};  // leaves only
  };
  struct Page {
    Slot slot[16];
  };

  // For a tree kept in parts, each part a StoredStateTree holding the keys of some of the root's
  // slots (below the root, every page and leaf of a part is the whole tree's):
  // the root page with the pending changes, its slots' hashes up to date (empty for an empty tree);
  Result<Page> RootPage();
  // a page's hash, the fold of its 16 slots (Root() is the root page's);
  static Hash32 PageHash(const Page& page);
  // the root page's row.
  static TreeRow RootRow(const Page& root);

 private:
  Result<Page> LoadPage(const std::string& key) const;
  Result<Page*> PageForWrite(const std::string& key, bool fresh);

  struct DirtyPage {
    Page page;
    bool stale = false;  // written since the last Root(): its hash in its parent's slot is out of date
  };
  using DirtyEntry = std::pair<const std::string, DirtyPage>;

  const TreeRowSource& m_source;
  unsigned m_cached_depth;
  mutable std::unordered_map<std::string, Page> m_cache;  // committed pages of depth < m_cached_depth
  std::unordered_map<std::string, DirtyPage> m_dirty;     // pages the pending changes rewrote
  std::unordered_map<std::string, StateLeaf> m_leaves;    // leaves they wrote, by path bytes
  std::vector<DirtyEntry*> m_stale;                       // the m_dirty entries marked stale
};

}  // namespace peerdb::state
