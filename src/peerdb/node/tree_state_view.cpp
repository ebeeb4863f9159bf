#include "peerdb/node/tree_state_view.h"

#include "peerdb/node/fail_stop.h"
#include "peerdb/state/tree_writes.h"

namespace peerdb::node {

Result<std::optional<state::KeyState>> TreeStateView::GetKey(const std::string& ns, const std::string& key) const {
  Result<std::optional<state::StateLeaf>> found = m_tree.Find(ns, key);
  if (!found.ok()) StopOnStoreFailure("read the state tree", found.error());
  if (!*found) return std::optional<state::KeyState>{};
  return std::optional<state::KeyState>{state::KeyStateOf(**found)};
}

}  // namespace peerdb::node
