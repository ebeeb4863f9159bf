// Confirmed anchors as the anchoring planner and the auditor see them: the ANCHORED and FINAL
// heights they give (the rule itself is chain::HeightsFromAnchors, rules.h) and, per block range,
// the Bitcoin block that fixes it (the earliest covering anchor by (btc_height, digest), §1.8).
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/rules.h"

namespace peerdb::anchor {

// A confirmed anchor as far as statuses are concerned.
struct CoveringAnchor {
  std::uint64_t height = 0;     // the checkpoint's block: it and every ancestor are covered
  bool unanimous = false;       // the checkpoint's seals make that block UNANIMOUS (chain::CheckpointIsUnanimous)
  Hash32 digest{};
  std::uint64_t btc_height = 0;
  Hash32 btc_block_hash{};      // internal byte order
  std::uint32_t btc_time = 0;   // header time; 0 when not known (not checked against Bitcoin)
};

// chain::HeightsFromAnchors over these anchors.
chain::StatusHeights HeightsOf(const std::vector<CoveringAnchor>& confirmed);

struct FixedRange {
  std::uint64_t first = 0, last = 0;   // blocks first..last
  std::optional<CoveringAnchor> by;    // the earliest anchor covering them; absent: not anchored
};

// Blocks 1..head split into ranges, each fixed by the earliest anchor (lowest (btc_height,
// digest)) among those covering it, then the unanchored rest. Empty when head is 0.
std::vector<FixedRange> FixedRanges(const std::vector<CoveringAnchor>& confirmed, std::uint64_t head);

}  // namespace peerdb::anchor
