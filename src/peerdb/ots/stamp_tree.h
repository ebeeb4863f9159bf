// Stamping many files with one calendar submission, exactly as the reference client's
// `ots stamp` (CLI stamp_command, PY make_merkle_tree / cat_sha256):
//   per file:  sha256(file) -> append <16-byte nonce> -> sha256            (the leaf)
//   per level: pair leaves (0,1), (2,3), ...; the left one gets "append <right msg>, sha256",
//              the right one "prepend <left msg>, sha256" (both reach the same parent); an odd
//              last one is carried up unchanged to the end of the next level
//   the last remaining message is the root; the calendars' answers for it are merged there.
// A single file's root is its own leaf. The nonce keeps one file's proof from revealing the
// digests of the others stamped with it.
//
// The tree keeps only the 32-byte messages of each level (about 2N hashes), so a file's proof is
// produced in O(log N) without building per-file copies of the shared tree; EncodeFileOts writes
// the .ots bytes directly, reusing the root subtree encoded once (PrepareRoot).
// Thread-safety: a StampTree is immutable after Build; concurrent const calls are safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "peerdb/ots/op.h"
#include "peerdb/ots/timestamp.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots {

constexpr std::size_t kStampNonceSize = 16;
using StampNonce = std::array<std::uint8_t, kStampNonceSize>;

// The calendars' answers at the root, encoded once for every file.
struct StampRoot {
  Bytes encoded;          // EncodeTimestamp(root subtree)
  std::size_t depth = 0;  // its Depth()
};

class StampTree {
 public:
  // file_digests[i] is sha256 of file i, nonces[i] its nonce. kInvalid when empty or the sizes
  // differ.
  static Result<StampTree> Build(std::vector<Hash32> file_digests, std::vector<StampNonce> nonces);

  // The message to submit to the calendars.
  const Hash32& root() const { return m_levels.back().front(); }
  std::size_t size() const { return m_digests.size(); }
  // The most op edges from a file digest to the root (2 + 2 per merkle level); pass it as the
  // calendar client's root_depth so no reply can make a proof nest too deep.
  std::size_t MaxPathDepth() const { return 2 + 2 * (m_levels.size() - 1); }
  // The ops from file i's digest to the root, in order.
  std::vector<Op> PathOps(std::size_t i) const;

  // kInvalid unless root_subtree.msg() is root() and it is not empty; kTooLarge if a proof would
  // nest more than kMaxNestedOps deep.
  Result<StampRoot> PrepareRoot(const Timestamp& root_subtree) const;
  // The complete .ots file for file i, byte-identical to
  // EncodeOtsFile({sha256, FileTimestamp(i, root_subtree)}). REQUIRES: i < size(), root from
  // PrepareRoot of this tree.
  Bytes EncodeFileOts(std::size_t i, const StampRoot& root) const;
  // File i's timestamp as a tree (rooted at its digest) with root_subtree merged at the root.
  // O(log N) plus a copy of root_subtree. kInvalid if root_subtree.msg() is not root().
  Result<Timestamp> FileTimestamp(std::size_t i, const Timestamp& root_subtree) const;

 private:
  StampTree() = default;

  std::vector<Hash32> m_digests;
  std::vector<StampNonce> m_nonces;
  std::vector<std::vector<Hash32>> m_levels;  // [0] = leaves, back() = {root}
};

}  // namespace peerdb::ots
