// consensus::Application over the node's store and state tree: builds block bodies, re-executes
// proposed blocks (checks C5-C7), commits chosen blocks, and persists signer state and evidence.
//
// Durability: Commit, SaveSigner and SaveEvidence return only once SQLite (WAL,
// synchronous=FULL) has the data on disk; SaveCandidates becomes durable with the SaveSigner the
// machine always calls right after it, AddSeals with the next Commit or SaveSigner (store.h). If a write fails the process stops (exit 70) rather than
// sign or acknowledge anything the disk does not hold (PROTOCOL.md §2.5 S5).
// Thread-safety: node thread only (called from consensus::Machine::Step).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <utility>

#include "peerdb/consensus/application.h"
#include "peerdb/state/executor.h"
#include "peerdb/state/stored_state_tree.h"
#include "peerdb/state/tree_row_overlay.h"
#include "peerdb/store/store.h"

namespace peerdb::node {

using store::SignerCandidates;

class NodeApplication final : public consensus::Application {
 public:
  // How the state tree's rows go to disk (state::TreeRowOverlay): every blocks / 2 blocks the rows
  // held become a generation, written in slices with the next blocks / 2 blocks, so a restart
  // replays fewer than `blocks` blocks into the tree (store::ReplayTreeTail). Rows held beyond
  // `bytes` make the node write the generation at once.
  struct TreeFlush {
    std::uint64_t blocks = 64;
    std::size_t bytes = 32u << 20;
  };
  // `epoch` and `epochs`: what the store holds for its head (Store::LoadEpochState/History).
  // `tree` reads through `tree_rows`, which holds the rows committed since the store's TreeHeight().
  NodeApplication(chain::EpochState epoch, chain::EpochHistory epochs, const Hash32& chain_id, store::Store& store,
                  state::StoredStateTree& tree, state::TreeRowOverlay& tree_rows, TreeFlush flush);

  Result<chain::Block> Build(const consensus::BlockTemplate& t, std::vector<chain::TxBatch>* dropped) override;
  Status Check(const chain::Block& block, const consensus::BlockRulesInForce& rules) override;
  void Commit(const consensus::CommittedBlock& block, const chain::EpochStep& epoch) override;
  // One transaction, one fsync: the signer state is stored with the block (store::BlockCommit).
  void CommitThenSaveSigner(const consensus::CommittedBlock& block, const chain::EpochStep& epoch,
                            const chain::SignerState& state) override;
  void AddSeals(std::uint64_t height, const std::vector<chain::Seal>& seals) override;
  std::optional<consensus::CommittedBlock> LoadCommitted(std::uint64_t height) const override;
  void SaveSigner(const chain::SignerState& state) override;
  void SaveCandidates(const std::vector<chain::Proposal>& proposals) override;
  void SaveEvidence(const chain::Evidence& evidence) override;

  // Called after each Commit with the block and the number of operations it applied.
  std::function<void(const consensus::CommittedBlock&)> on_commit;
  // X_chain at the head (the machine's, once it started); from then on every commit of a block
  // that records evidence stores the grown set in its transaction.
  void SetChainExcluded(const std::vector<chain::MemberId>& members) {
    m_chain_excluded = std::set<chain::MemberId>(members.begin(), members.end());
  }

  // Writes every state tree row held (at a clean stop): the tree on disk then stands at the head.
  // A failure is logged: the next start replays the blocks instead.
  void FlushTree();

  // The epoch state of the committed head (in force at the next height) and the chain's epochs.
  const chain::EpochState& epoch() const { return m_epoch; }
  const chain::EpochHistory& epochs() const { return m_epochs; }

 private:
  struct Executed {
    Hash32 id{};
    state::ExecResult exec;
  };
  // The writes of the block executed last stay in the tree as its pending changes, because
  // committing that very block is the usual next step and then costs no second pass over the tree.
  // Anything else first drops them (RevertTrial: the tree is the committed one again).
  struct Trial {
    Hash32 id{};  // the block whose writes these are; zero until the caller knows its id
  };

  // Executes `batches` at `height` over the committed state and returns the writes and the state
  // root they give; the writes stay applied as the trial (the caller names its block).
  Result<std::pair<state::ExecResult, Hash32>> Execute(const state::ExecRules& rules,
                                                       const std::vector<chain::TxBatch>& batches, std::uint64_t height);
  // The state root after `exec`'s writes over the committed state, which become the trial.
  Hash32 RootAfter(const state::ExecResult& exec);
  void RevertTrial();
  // Commit, with `signer_state` (PCE SignerState) stored in the same transaction when given.
  void CommitWith(const consensus::CommittedBlock& block, const chain::EpochStep& epoch, std::optional<Bytes> signer_state);
  // Room for batches in a block whose other parts encode to `rest` bytes.
  std::size_t BatchBudget(std::size_t rest) const;

  chain::EpochState m_epoch;
  chain::EpochHistory m_epochs;
  Hash32 m_chain_id;
  store::Store& m_store;
  state::StoredStateTree& m_tree;
  // Sets the tree rows of `c` (block `height`): the next slice of the generation being written.
  void TakeTreeSlice(std::uint64_t height, store::BlockCommit& c);

  // The tree's rows not on disk yet, and the block whose rows were frozen last (at the start: the
  // block the rows on disk stand at).
  state::TreeRowOverlay& m_tree_rows;
  TreeFlush m_flush;
  std::uint64_t m_frozen_at = 0;
  std::size_t m_slice_rows = 0;
  std::deque<Executed> m_checked;  // the last few Check()ed blocks, so Commit need not re-execute
  std::optional<Trial> m_trial;
  // X_chain at the head, kept so that a block recording evidence stores the new set with itself
  // (BlockCommit::chain_excluded). Unknown until the node sets it after the machine started.
  std::optional<std::set<chain::MemberId>> m_chain_excluded;
};

}  // namespace peerdb::node
