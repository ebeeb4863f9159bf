// The state tree's committed rows that are not on disk yet. A node writes its tree's changed rows
// here at each block commit instead of into the block's transaction, and from here to the store in
// generations: a page that many blocks rewrite (the root, the pages near it) goes to disk once per
// generation instead of once per block. The tree's pages were most of what a block commit wrote
// (84% of the WAL frames under single-operation load).
//
// Generations: Apply() collects rows in the newest generation. Freeze() makes it the one being
// written (the tree as of one block) and starts a new one; the frozen rows then go to disk a slice
// at a time with the blocks that follow (NextRows/Written), so that no block's commit writes them
// all at once. A slice is taken deepest first (leaves, then pages from the deepest level up), so a
// page row on disk names only child pages whose rows are on disk too: whatever mix of older and
// newer rows the disk holds at a crash, the rows of the tree as of the last fully written
// generation (Store::TreeHeight) are there or were replaced by later ones, and replaying the blocks
// after it (store::ReplayTreeTail) brings the tree to the head.
//
// Reads look in the newest generation, then the frozen one, then the base source.
// Thread-safety: not thread-safe; one owner, as the tree that reads through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "peerdb/state/stored_state_tree.h"

namespace peerdb::state {

class TreeRowOverlay : public TreeRowSource {
 public:
  explicit TreeRowOverlay(const TreeRowSource& base) : m_base(base) {}

  Result<std::optional<Bytes>> LoadTreeRow(ByteSpan key) const override;

  // Takes these rows (a tree's ChangedRows()) into the newest generation; a row held is replaced.
  void Apply(std::vector<TreeRow> rows);

  // The newest generation, the tree's rows as of block `height`, becomes the one being written.
  // REQUIRES: !writing()
  void Freeze(std::uint64_t height);
  bool writing() const { return !m_frozen.empty(); }
  std::uint64_t frozen_height() const { return m_frozen_height; }
  std::size_t frozen_rows_left() const { return m_order.size() - m_next; }
  // The next `max_rows` rows of the frozen generation, deepest first; nothing when none is frozen.
  std::vector<TreeRow> NextRows(std::size_t max_rows) const;
  // The first `n` rows NextRows() returned are on disk. Returns true when that was the last of the
  // frozen generation: the disk then holds the tree as of frozen_height(), and nothing is frozen.
  bool Written(std::size_t n);

  // Every row held, the newest of each key, in key order: what writing everything at once writes.
  std::vector<TreeRow> AllRows() const;
  // AllRows() are on disk: both generations are dropped.
  void Clear();

  std::size_t row_count() const { return m_newest.size() + m_frozen.size(); }
  // Keys and values held in both generations, in bytes: roughly the memory they take.
  std::size_t byte_count() const { return m_newest_bytes + m_frozen_bytes; }
  std::size_t newest_bytes() const { return m_newest_bytes; }

 private:
  using Rows = std::unordered_map<std::string, Bytes>;
  const TreeRowSource& m_base;
  Rows m_newest;
  std::size_t m_newest_bytes = 0;
  Rows m_frozen;
  std::size_t m_frozen_bytes = 0;
  std::uint64_t m_frozen_height = 0;
  // The frozen rows, deepest first. The iterators stay valid: nothing is inserted into m_frozen once
  // frozen (no rehash), and erasing a row invalidates only its own iterator, already passed.
  std::vector<Rows::iterator> m_order;
  std::size_t m_next = 0;            // m_order[m_next..] are not written yet
};

}  // namespace peerdb::state
