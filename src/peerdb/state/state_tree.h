// The authenticated state map of PROTOCOL.md §1.5: leaves (ns, key) -> (value commitment, owner, version),
// committed to by Header.state_root.
//
// Structure: a compressed sparse Merkle tree over 256-bit paths path = SHA-256(PCE(ns) || PCE(key))
// (as Diem's Jellyfish tree): an empty subtree hashes to 32 zero bytes, a subtree holding exactly one
// leaf hashes to that leaf's hash, any other subtree to SHA-256(0x01 || left || right). Leaf hash =
// SHA-256(0x00 || PCE(StateLeaf)). Deleted keys stay as tombstone leaves (value_hash all zero) so
// that versions keep counting up and a deletion is itself provable.
// Updating k keys costs O(k log n) hashes; Root() of an unchanged tree is O(1).
// Thread-safety: not thread-safe, not even const calls (Root and Prove refresh cached hashes);
// one owner (the node thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/codec/pce.h"
#include "peerdb/util/bytes.h"

namespace peerdb::state {

struct StateLeaf {
  std::string ns;
  std::string key;
  Hash32 value_hash{};        // chain::ValueCommitment of the writing op (salted); all zero for a tombstone
  chain::MemberId owner = 0;
  std::uint64_t version = 0;  // 1 for the first write, +1 for every later write or delete
  template <class V> void Pce(V& v) {
    v.str(ns, chain::kMaxNameBytes); v.str(key, chain::kMaxKeyBytes); v.fixed(value_hash); v.u32(owner); v.u64(version);
  }
  bool operator==(const StateLeaf&) const = default;
};

Hash32 StatePath(std::string_view ns, std::string_view key);
Hash32 StateLeafHash(const StateLeaf& leaf);
// Hash of a subtree holding two or more leaves, from its two halves' hashes: SHA-256(0x01 || left || right).
Hash32 StateNodeHash(const Hash32& left, const Hash32& right);
Hash32 ValueHash(ByteSpan value);  // SHA-256(value), for tests of the tree alone

// Membership or non-membership proof: sibling hashes from the leaf's depth up to the root
// (index 0 = deepest), plus the leaf found on the path (if any).
struct StateProof {
  std::vector<Hash32> siblings;       // siblings[i] is at depth siblings.size() - 1 - i
  std::optional<StateLeaf> leaf;      // the leaf occupying the path's subtree, if any
};

class StateTree {
 public:
  StateTree();
  ~StateTree();
  StateTree(StateTree&&) noexcept;
  StateTree& operator=(StateTree&&) noexcept;

  // Inserts or replaces the leaf for (leaf.ns, leaf.key).
  void Put(const StateLeaf& leaf);
  // Removes a leaf entirely (used only to undo; deletions by users are tombstones).
  void Erase(std::string_view ns, std::string_view key);
  // The leaf stored for (ns, key), if any (no hashing).
  std::optional<StateLeaf> Find(std::string_view ns, std::string_view key) const;
  Hash32 Root() const;
  std::size_t size() const;

  StateProof Prove(std::string_view ns, std::string_view key) const;

 private:
  struct Node;
  std::unique_ptr<Node> m_root;
  std::size_t m_size = 0;
};

// Checks that `proof` shows (ns, key) -> expected (or absence when expected is nullopt) under root.
[[nodiscard]] bool VerifyStateProof(const Hash32& root, std::string_view ns, std::string_view key,
                                    const std::optional<StateLeaf>& expected, const StateProof& proof);

}  // namespace peerdb::state
