#include "peerdb/store/tree_tail.h"

#include <set>
#include <string>
#include <utility>

#include "peerdb/state/tree_writes.h"

namespace peerdb::store {

Result<std::size_t> ReplayTreeTail(const Store& store, state::StoredStateTree& tree) {
  const auto snapshot = store.BeginRead();
  PEERDB_TRY_ASSIGN(const std::uint64_t tree_height, store.TreeHeight());
  PEERDB_TRY_ASSIGN(const std::uint64_t head, store.HeadHeight());
  if (tree_height > head) {
    return Error{Errc::kCorrupt, "the state tree stands at block " + std::to_string(tree_height) +
                                     ", above the head " + std::to_string(head)};
  }
  std::set<std::pair<std::string, std::string>> keys;  // sorted: neighbouring leaves share pages
  for (std::uint64_t h = tree_height + 1; h <= head; ++h) {
    PEERDB_TRY_ASSIGN(std::optional<StoredBlock> b, store.LoadBlock(h));
    if (!b) return Error{Errc::kCorrupt, "block " + std::to_string(h) + " is missing"};
    for (const chain::TxBatch& batch : b->block.batches) {
      for (const chain::Op& op : batch.ops) keys.emplace(op.ns, op.key);
    }
  }
  for (const auto& [ns, key] : keys) {
    PEERDB_TRY_ASSIGN(std::optional<CurrentEntry> e, store.LoadCurrent(ns, key));
    if (!e) continue;  // named by an op that did not execute
    PEERDB_TRY(tree.Put(state::LeafOf(state::Write{e->ns, e->key, e->state, 0, 0, 0})));
  }
  return static_cast<std::size_t>(head - tree_height);
}

}  // namespace peerdb::store
