// The parent state for block execution, read from the authenticated state tree's leaves instead of
// the state table. A leaf holds all that execution reads of a key (existence, tombstone, owner,
// version; never the old value, which KeyState then leaves empty), and one row read by its path
// costs less than the state table's query with its join: the state reads were the largest item of
// a follower's block check. Last seqs still come from the store. A leaf that cannot be read stops
// the node (fail_stop.h): it must not look like a fault of the block being executed.
// REQUIRES: the tree is the committed state the store holds (no trial in it).
// Thread-safety: as the tree and the store view it reads.
#pragma once

#include "peerdb/state/executor.h"
#include "peerdb/state/stored_state_tree.h"

namespace peerdb::node {

class TreeStateView : public state::StateView {
 public:
  TreeStateView(const state::StoredStateTree& tree, const state::StateView& store) : m_tree(tree), m_store(store) {}
  Result<std::optional<state::KeyState>> GetKey(const std::string& ns, const std::string& key) const override;
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override { return m_store.LastSeq(author); }

 private:
  const state::StoredStateTree& m_tree;
  const state::StateView& m_store;
};

}  // namespace peerdb::node
