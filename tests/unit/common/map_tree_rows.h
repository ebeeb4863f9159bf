// State tree rows in a std::map, for tests of the tree's code without a database: the rows a
// state::StoredStateTree reads (`reads` counts them) and Write() stores what ChangedRows() gave.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "peerdb/state/stored_state_tree.h"

namespace peerdb::test {

class MapTreeRows : public state::TreeRowSource {
 public:
  Result<std::optional<Bytes>> LoadTreeRow(ByteSpan key) const override {
    ++reads;
    auto it = rows.find(Bytes(key.begin(), key.end()));
    if (it == rows.end()) return std::optional<Bytes>{};
    return std::optional<Bytes>{it->second};
  }
  void Write(const std::vector<state::TreeRow>& changed) {
    for (const state::TreeRow& r : changed) rows[r.key] = r.value;
  }
  std::map<Bytes, Bytes> rows;
  mutable std::size_t reads = 0;
};

}  // namespace peerdb::test
