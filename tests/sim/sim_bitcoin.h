// An in-memory Bitcoin for anchoring at the simulation level (PROTOCOL.md §1.8, §7.2 rows 16-17):
// a chain of block hashes that is mined on a timer and can be reorganised, and the members'
// checkpoints waiting to be anchored (submitted with a delay that stands in for the calendar and
// its aggregation). An anchor is confirmed at >= k confirmations on the current chain. A reorg puts
// the anchors of the removed blocks back in the queue, as a mempool re-mines their transactions.
// Thread-safety: not thread-safe; owned by one Simulation.
#pragma once

#include <cstdint>
#include <vector>

#include "peerdb/chain/block.h"

namespace peerdb::sim {

struct SimAnchor {
  chain::Checkpoint cp;
  Hash32 digest{};
  std::vector<chain::MemberId> sealers;  // signers whose seal in cp verified
  std::uint32_t btc_height = 0;          // 0 = waiting
  Hash32 btc_hash{};
  std::uint64_t ready_ms = 0;            // earliest time it can be mined
  chain::MemberId owner = 0;             // the member whose calendar submission it is (0: a scenario's)
};

class BitcoinSim {
 public:
  BitcoinSim();

  void Submit(SimAnchor anchor) { m_anchors.push_back(std::move(anchor)); }
  // Mines one block holding every waiting anchor that is ready at `now_ms`.
  void Mine(std::uint64_t now_ms);
  // Replaces the top `depth` blocks with depth + 1 new ones (the new branch has more work).
  void Reorg(std::uint32_t depth, std::uint64_t now_ms);

  std::uint32_t tip() const { return static_cast<std::uint32_t>(m_chain.size() - 1); }
  // Confirmations of a mined anchor on the current chain (0 if waiting or reorganised away).
  std::uint32_t Confirmations(const SimAnchor& a) const;
  // Confirmations of Bitcoin block `hash` at `height` on the current chain (0 if not on it).
  std::uint32_t ConfirmationsAt(std::uint32_t height, const Hash32& hash) const;
  // The latest submission of `digest` by `owner`, or null.
  const SimAnchor* Find(chain::MemberId owner, const Hash32& digest) const;
  const std::vector<SimAnchor>& anchors() const { return m_anchors; }
  std::uint32_t deep_reorgs() const { return m_deep_reorgs; }
  void set_k(std::uint32_t k) { m_k = k; }

 private:
  Hash32 NewHash();
  std::vector<Hash32> m_chain;  // index = height; [0] = the genesis
  std::vector<SimAnchor> m_anchors;
  std::uint64_t m_counter = 0;
  std::uint32_t m_deep_reorgs = 0;
  std::uint32_t m_k = 6;
};

}  // namespace peerdb::sim
