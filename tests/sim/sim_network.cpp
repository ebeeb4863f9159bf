#include "sim_network.h"

namespace peerdb::sim {

bool Network::Linked(chain::MemberId a, chain::MemberId b) const {
  if (a >= m_group.size() || b >= m_group.size()) return false;
  return m_group[a] == m_group[b];
}

std::vector<std::pair<std::pair<chain::MemberId, chain::MemberId>, bool>> Network::Partition(
    const std::vector<std::vector<chain::MemberId>>& groups) {
  std::vector<std::uint32_t> next(m_group.size(), 0);
  if (!groups.empty()) {
    // Members not listed are alone: give each its own group number.
    std::uint32_t g = 1;
    for (std::size_t i = 1; i < next.size(); ++i) next[i] = 1000 + static_cast<std::uint32_t>(i);
    for (const auto& group : groups) {
      for (chain::MemberId m : group) {
        if (m < next.size()) next[m] = g;
      }
      ++g;
    }
  }
  std::vector<std::pair<std::pair<chain::MemberId, chain::MemberId>, bool>> changed;
  for (chain::MemberId a = 1; a < next.size(); ++a) {
    for (chain::MemberId b = a + 1; b < next.size(); ++b) {
      const bool was = m_group[a] == m_group[b];
      const bool now = next[a] == next[b];
      if (was != now) changed.push_back({{a, b}, now});
    }
  }
  m_group = std::move(next);
  m_partitioned = !groups.empty();
  return changed;
}

std::vector<std::uint64_t> Network::Delays(Rng& rng) const {
  std::vector<std::uint64_t> out;
  if (rng.Chance(params.drop_ppm)) return out;
  out.push_back(rng.Uniform(params.min_delay_ms, params.max_delay_ms));
  if (rng.Chance(params.dup_ppm)) out.push_back(rng.Uniform(params.min_delay_ms, params.max_delay_ms * 3));
  return out;
}

}  // namespace peerdb::sim
