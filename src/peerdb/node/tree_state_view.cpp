#include "peerdb/node/tree_state_view.h"

#include "peerdb/node/fail_stop.h"

namespace peerdb::node {

Result<std::optional<state::KeyState>> TreeStateView::GetKey(const std::string& ns, const std::string& key) const {
  Result<std::optional<state::StateLeaf>> found = m_tree.Find(ns, key);
  if (!found.ok()) StopOnStoreFailure("read the state tree", found.error());
  const std::optional<state::StateLeaf>& leaf = *found;
  if (!leaf) return std::optional<state::KeyState>{};
  state::KeyState k;
  k.deleted = leaf->value_hash == Hash32{};  // a tombstone's leaf (block_producer.cpp, LeafOf)
  k.commit = leaf->value_hash;
  k.owner = leaf->owner;
  k.version = leaf->version;
  return std::optional<state::KeyState>{std::move(k)};
}

}  // namespace peerdb::node
