// The parent state `peerdb audit` executes each block over: the leaves of the replayed state tree
// (kept in the scratch database, replay_store.h, never in memory) and each author's last batch
// seq (one number per member). The same reads a node makes of its own tree (state::KeyStateOf).
// Thread-safety: a single-thread object, as the tree it reads.
#pragma once

#include <cstdint>
#include <map>

#include "peerdb/state/executor.h"
#include "peerdb/state/stored_state_tree.h"

namespace peerdb::audit {

class ReplayView final : public state::StateView {
 public:
  explicit ReplayView(const state::StoredStateTree& tree) : m_tree(tree) {}
  // A leaf that cannot be read is kIo: the scratch database's fault, never the block's.
  Result<std::optional<state::KeyState>> GetKey(const std::string& ns, const std::string& key) const override;
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override;

  // The seqs of one executed block.
  void ApplySeqs(const std::map<chain::MemberId, std::uint64_t>& last_seq);

 private:
  const state::StoredStateTree& m_tree;
  std::map<chain::MemberId, std::uint64_t> m_seq;
};

}  // namespace peerdb::audit
