// The parent state `peerdb audit` executes each block over: the leaves of the replayed state tree
// (kept in the scratch databases, replay_tree.h, never in memory) and each author's last batch
// seq (one number per member). The same reads a node makes of its own tree (state::KeyStateOf).
// Before a block executes, the checker hands it the leaf of every key the block's ops name (read
// by the tree's halves while the block before was hashed, KeysOf); execution reads those.
// Thread-safety: a single-thread object, as the tree it reads.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "peerdb/audit/replay_tree.h"
#include "peerdb/state/executor.h"

namespace peerdb::audit {

class ReplayView final : public state::StateView {
 public:
  explicit ReplayView(ReplayTree& tree) : m_tree(tree) {}
  // A leaf that cannot be read is kIo: the scratch database's fault, never the block's.
  Result<std::optional<state::KeyState>> GetKey(const std::string& ns, const std::string& key) const override;
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override;

  // The keys the ops of `batches` name (views into them).
  static std::vector<ReplayTree::KeyRef> KeysOf(const std::vector<chain::TxBatch>& batches);
  // The leaves of the next block's keys (KeysOf), in place of the last block's; a key not among
  // them is read from the tree.
  void SetLeaves(ReplayTree::Leaves leaves) { m_leaves = std::move(leaves); }
  // The seqs of one executed block.
  void ApplySeqs(const std::map<chain::MemberId, std::uint64_t>& last_seq);

 private:
  ReplayTree& m_tree;
  ReplayTree::Leaves m_leaves;
  std::map<chain::MemberId, std::uint64_t> m_seq;
};

}  // namespace peerdb::audit
