// Block statuses from anchors (PROTOCOL.md §3), shared by the node's anchor scheduler and the
// auditor: which checkpoints make their block UNANIMOUS, the ANCHORED and FINAL heights a set of
// confirmed anchors gives ("a descendant's anchor covers its ancestors"), and per block range the
// Bitcoin block that fixes it (the earliest covering anchor by (btc_height, digest), §1.8).
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/store/store.h"

namespace peerdb::node {

// True when every seal of the checkpoint verifies and they cover every required member:
// Req(D) = all members of the epoch in this version (no exclusions or removals yet), at least a
// majority. A checkpoint with a bad seal is never UNANIMOUS.
bool CheckpointIsUnanimous(const chain::Checkpoint& cp, const chain::Config& config);

// A confirmed anchor as far as statuses are concerned.
struct CoveringAnchor {
  std::uint64_t height = 0;     // the checkpoint's block: it and every ancestor are covered
  bool unanimous = false;       // the checkpoint's seals make that block UNANIMOUS
  Hash32 digest{};
  std::uint64_t btc_height = 0;
  Hash32 btc_block_hash{};      // internal byte order
  std::uint32_t btc_time = 0;   // header time; 0 when not known (not checked against Bitcoin)
};

// anchored_height = the highest covered block; final_height = the highest block covered by a
// unanimous checkpoint.
store::StatusHeights HeightsOf(const std::vector<CoveringAnchor>& confirmed);

// The status of block `height` whose seals alone make it `unanchored`.
store::BlockStatus StatusAt(std::uint64_t height, const store::StatusHeights& heights, store::BlockStatus unanchored);

struct FixedRange {
  std::uint64_t first = 0, last = 0;   // blocks first..last
  std::optional<CoveringAnchor> by;    // the earliest anchor covering them; absent: not anchored
};

// Blocks 1..head split into ranges, each fixed by the earliest anchor (lowest (btc_height,
// digest)) among those covering it, then the unanchored rest. Empty when head is 0.
std::vector<FixedRange> FixedRanges(const std::vector<CoveringAnchor>& confirmed, std::uint64_t head);

}  // namespace peerdb::node
