#include "peerdb/state/tree_writes.h"

namespace peerdb::state {

StateLeaf LeafOf(const Write& w) {
  StateLeaf leaf;
  leaf.ns = w.ns;
  leaf.key = w.key;
  leaf.value_hash = w.state.deleted ? Hash32{} : w.state.commit;  // salted: survives erasure
  leaf.owner = w.state.owner;
  leaf.version = w.state.version;
  return leaf;
}

KeyState KeyStateOf(const StateLeaf& leaf) {
  KeyState k;
  k.deleted = leaf.value_hash == Hash32{};
  k.commit = leaf.value_hash;
  k.owner = leaf.owner;
  k.version = leaf.version;
  return k;
}

void ApplyWrites(const std::vector<Write>& writes, StateTree& tree) {
  for (const Write& w : writes) tree.Put(LeafOf(w));
}

}  // namespace peerdb::state
