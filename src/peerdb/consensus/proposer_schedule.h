// The proposer schedule of PROTOCOL.md §2.1: who proposes at (h, r), a pure function of the
// active members at h and the parent's author, and active(h) itself.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerdb/chain/config.h"

namespace peerdb::consensus {

// active(h) = members of the epoch (sorted by id) minus `excluded` (X_chain(h): offenders named in
// evidence recorded in blocks < h). This version has one epoch: the genesis config.
std::vector<chain::MemberId> ActiveMembers(const chain::Config& config, const std::vector<chain::MemberId>& excluded);

// proposer(h, r) = A[(base + r) mod |A|]. base = 0 at height 1 (parent_author absent); otherwise the
// index of the first id greater than parent_author, wrapping to 0, so the rotation survives the
// parent's author leaving A. REQUIRES: active non-empty and sorted ascending. Spec: §2.1.
chain::MemberId ProposerOf(const std::vector<chain::MemberId>& active, std::optional<chain::MemberId> parent_author,
                           std::uint32_t round);

}  // namespace peerdb::consensus
