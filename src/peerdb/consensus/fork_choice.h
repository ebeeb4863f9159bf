// Fork choice of PROTOCOL.md §4.1 [D2] over a tree of blocks above a root (the highest FINAL block,
// or the genesis): from the root, repeatedly take the child with the largest key
// (|Endorsers(c)|, Votes(c), then the LOWEST block id), where Endorsers(c) = non-excluded members
// with a seal on c or on any descendant of c, and Votes(c) = the largest number of non-excluded
// voters for c in any single round (a child's parent_cert counts as votes for its parent).
// Signatures are counted per fork point over distinct members, never summed along a chain (I12).
// Thread-safety: a value type; not thread-safe for concurrent mutation.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/util/bytes.h"

namespace peerdb::consensus {

class ForkChoice {
 public:
  ForkChoice(const Hash32& root_id, std::uint64_t root_height);

  // Adds a block whose parent is in the tree; returns false (and ignores it) otherwise.
  bool AddBlock(const Hash32& id, const Hash32& parent_id);
  // Seals and votes may arrive before their block; they count once it is added.
  void AddSeal(const Hash32& block_id, chain::MemberId signer);
  void AddVotes(const Hash32& block_id, std::uint32_t round, const std::vector<chain::MemberId>& voters);
  void SetExcluded(std::set<chain::MemberId> excluded) { m_excluded = std::move(excluded); }

  bool Contains(const Hash32& id) const { return m_nodes.count(id) > 0; }
  std::uint64_t HeightOf(const Hash32& id) const;
  // True if `desc` is `anc` or one of its descendants.
  bool Extends(const Hash32& desc, const Hash32& anc) const;
  std::size_t Endorsers(const Hash32& id) const;
  std::size_t Votes(const Hash32& id) const;
  Hash32 Head() const;

 private:
  struct Node {
    Hash32 parent{};
    std::uint64_t height = 0;
    std::vector<Hash32> children;  // sorted by id
  };
  void CollectSealers(const Hash32& id, std::set<chain::MemberId>& out) const;

  Hash32 m_root{};
  std::map<Hash32, Node> m_nodes;
  std::map<Hash32, std::set<chain::MemberId>> m_seals;
  std::map<Hash32, std::map<std::uint32_t, std::set<chain::MemberId>>> m_votes;
  std::set<chain::MemberId> m_excluded;
};

}  // namespace peerdb::consensus
