#include "peerdb/consensus/proposer_schedule.h"

#include <algorithm>

#include "peerdb/util/assert.h"

namespace peerdb::consensus {

std::vector<chain::MemberId> ActiveMembers(const chain::Config& config, const std::vector<chain::MemberId>& excluded) {
  std::vector<chain::MemberId> out;
  out.reserve(config.members.size());
  for (const chain::Member& m : config.members) {
    if (std::find(excluded.begin(), excluded.end(), m.id) == excluded.end()) out.push_back(m.id);
  }
  return out;
}

chain::MemberId ProposerOf(const std::vector<chain::MemberId>& active, std::optional<chain::MemberId> parent_author,
                           std::uint32_t round) {
  PEERDB_ASSERT(!active.empty());
  std::size_t base = 0;
  if (parent_author) {
    auto it = std::upper_bound(active.begin(), active.end(), *parent_author);
    base = it == active.end() ? 0 : static_cast<std::size_t>(it - active.begin());
  }
  return active[(base + round) % active.size()];
}

}  // namespace peerdb::consensus
