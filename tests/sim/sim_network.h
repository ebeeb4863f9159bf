// The simulated network: per-message delay, loss and duplication (reordering follows from random
// delays), and partitions. A partition is a list of groups; members in different groups (or in
// no group) cannot reach each other until Heal(). Links are symmetric.
// Thread-safety: not thread-safe; owned by one Simulation.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "peerdb/chain/config.h"
#include "sim_random.h"

namespace peerdb::sim {

struct NetParams {
  std::uint64_t min_delay_ms = 2;
  std::uint64_t max_delay_ms = 40;
  std::uint32_t drop_ppm = 0;  // per message, parts per million
  std::uint32_t dup_ppm = 0;
};

class Network {
 public:
  explicit Network(std::size_t n) : m_group(n + 1, 0) {}

  bool Linked(chain::MemberId a, chain::MemberId b) const;
  // Replaces the current partition; returns the pairs (a < b) whose link changed and whether it is up now.
  std::vector<std::pair<std::pair<chain::MemberId, chain::MemberId>, bool>> Partition(
      const std::vector<std::vector<chain::MemberId>>& groups);
  std::vector<std::pair<std::pair<chain::MemberId, chain::MemberId>, bool>> Heal() { return Partition({}); }
  bool partitioned() const { return m_partitioned; }

  // Delivery delays for one message: empty = lost; two entries = duplicated.
  std::vector<std::uint64_t> Delays(Rng& rng) const;

  NetParams params;

 private:
  std::vector<std::uint32_t> m_group;  // index = member id; 0 = the common group when not partitioned
  bool m_partitioned = false;
};

}  // namespace peerdb::sim
