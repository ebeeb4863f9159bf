// Builds the next block for a single-member consortium and certifies it: the member proposes, votes,
// forms the majority certificate (MAJ = 1) and seals, as PROTOCOL.md §2.2 does for N = 1.
// The multi-member flow replaces only the certification step (consensus module); block assembly,
// execution and state roots stay here. Thread-safety: pure functions apart from the tree they update.
#pragma once

#include <optional>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/crypto/ed25519.h"
#include "peerdb/state/executor.h"
#include "peerdb/state/state_tree.h"
#include "peerdb/state/tree_writes.h"

namespace peerdb::node {

// The parent the next block extends.
struct ChainTip {
  std::uint64_t height = 0;               // 0 = genesis
  Hash32 id{};                            // chain_id at genesis
  std::uint64_t timestamp_ms = 0;         // genesis_time_ms at genesis
  std::optional<chain::MajorityCert> cert;  // MC of the tip (absent at genesis)
  std::vector<chain::Seal> seals;         // seals on the tip, copied into the next block's records
};

struct ProducedBlock {
  chain::Block block;
  Hash32 id{};
  chain::MajorityCert cert;
  chain::Seal seal;
  state::ExecResult exec;
};

// Room for batches in a solo block: max_block_bytes minus the rest of the block at its largest
// (header, a parent certificate with one vote, the parent's seal record and the list counts, all
// fixed-size). Batches whose encodings sum to at most this always make a block within C7.
std::size_t SoloBlockBatchBytes(const chain::Params& params);

// Executes `batches` over `view` at tip.height + 1, applies the writes to `tree`, and returns the
// block with its certificate and seal. On error the tree is unchanged.
// REQUIRES: tree reflects `view`; now_ms >= tip.timestamp_ms + block_period_ms is not required:
// the timestamp is max(now_ms, tip.timestamp_ms + block_period_ms) so C4 always holds.
Result<ProducedBlock> ProduceSoloBlock(const chain::Config& config, const Hash32& chain_id, const ChainTip& tip,
                                       std::vector<chain::TxBatch> batches, const state::StateView& view,
                                       state::StateTree& tree, const crypto::SigningKey& key, chain::MemberId self,
                                       std::uint64_t now_ms);

}  // namespace peerdb::node
