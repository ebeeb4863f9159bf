// Bringing the state tree on disk, which stands at Store::TreeHeight(), up to the head: the blocks
// committed after the last flush of a node's state::TreeRowOverlay are replayed into the tree. The
// node does this at every start and the auditor before it compares a node's tree with its replay,
// through this one function.
// Thread-safety: as the store and the tree it is given.
#pragma once

#include <cstddef>

#include "peerdb/state/stored_state_tree.h"
#include "peerdb/store/store.h"

namespace peerdb::store {

// Puts into `tree` the current leaf of every key an op of a block above TreeHeight() names: the
// tree is a function of its leaves, so a key an op named but did not change gets its leaf back
// unchanged. Leaves the changes pending in the tree (its host writes them or keeps them in an
// overlay) and returns how many blocks it read. Keys come from the block bodies and leaves from the
// state rows, both read in one snapshot.
// REQUIRES: `tree` reads the store's tree rows (through an overlay or not) and holds no changes.
Result<std::size_t> ReplayTreeTail(const Store& store, state::StoredStateTree& tree);

}  // namespace peerdb::store
