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
#include "peerdb/store/store.h"

namespace peerdb::node {

using store::SignerCandidates;

class NodeApplication final : public consensus::Application {
 public:
  // `epoch` and `epochs`: what the store holds for its head (Store::LoadEpochState/History).
  NodeApplication(chain::EpochState epoch, chain::EpochHistory epochs, const Hash32& chain_id, store::Store& store,
                  state::StoredStateTree& tree);

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
  std::deque<Executed> m_checked;  // the last few Check()ed blocks, so Commit need not re-execute
  std::optional<Trial> m_trial;
  // X_chain at the head, kept so that a block recording evidence stores the new set with itself
  // (BlockCommit::chain_excluded). Unknown until the node sets it after the machine started.
  std::optional<std::set<chain::MemberId>> m_chain_excluded;
};

}  // namespace peerdb::node
