// From executed writes to the authenticated state tree: the leaf a write leaves (a tombstone's
// value hash is zero) and applying a block's writes. The node and the auditor both build their
// tree this way, so their state roots agree by construction.
// Thread-safety: pure functions; ApplyWrites mutates only the tree it is given.
#pragma once

#include <vector>

#include "peerdb/state/executor.h"
#include "peerdb/state/state_tree.h"

namespace peerdb::state {

StateLeaf LeafOf(const Write& w);
// What execution reads of a key, from its leaf: existence, tombstone (a zero value hash), owner,
// version and commitment; never the value, which stays empty. How the node and the auditor read
// the parent state from a stored tree (StoredStateTree::Find).
KeyState KeyStateOf(const StateLeaf& leaf);
void ApplyWrites(const std::vector<Write>& writes, StateTree& tree);

}  // namespace peerdb::state
