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
void ApplyWrites(const std::vector<Write>& writes, StateTree& tree);

}  // namespace peerdb::state
