// SimApp: consensus::Application in memory, deterministic, with crash injection at every
// persistence point.
//
// Execution: state_root = SHA-256(parent state_root || batches_root); Check re-derives it and checks
// each batch's signature, author, seq (strictly consecutive per author) and validity height (C5,
// C6), plus the stateless block shape. Config changes (`_config` ops) are judged by the machine
// (chain::AdvanceEpoch) on every candidate; Build leaves out a change chain::CheckProposedChange
// refuses and any second change in a block, as the node's executor does. "Disk" is a Durable struct owned by the simulated member: it
// survives a crash, while the SimApp, the Machine and everything else of the process are rebuilt on
// restart (Snapshot from Durable).
//
// Crash injection: ArmCrash(k) makes the k-th persisting call (SaveCandidates, SaveSigner, Commit,
// AddSeals, SaveEvidence) of a later step the crash point. That call and every persisting call after it in
// the same step are lost (Durable is restored to its state just before the call once the step
// returns) and the simulation drops the step's actions. Until the step returns the machine keeps
// reading what it wrote, as a process would until it dies, so no machine assertion can trip on a
// write that "did not happen".
// Thread-safety: single-threaded, like the Machine it serves.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "peerdb/consensus/application.h"
#include "peerdb/consensus/machine.h"

namespace peerdb::sim {

// A member's disk.
struct Durable {
  std::vector<consensus::CommittedBlock> blocks;  // index = height - 1
  chain::SignerState signer;
  std::vector<chain::Proposal> candidates;  // the bodies of the own last proposal and vote (SaveCandidates)
  std::vector<chain::Evidence> evidence;
  std::uint64_t unanimous_h = 0;  // the node persists statuses it is told (StatusRaised)
  std::optional<chain::EpochState> epoch;  // left by the head block (absent: the genesis config)
  std::vector<chain::EpochInfo> epochs;    // the epochs so far (empty: the genesis config only)
};

// What one step made durable, in call order (only calls before the crash point).
struct StepSaves {
  std::vector<chain::SignerState> signer;
  std::vector<std::uint64_t> commits;        // heights
  std::vector<chain::Evidence> evidence;
  std::uint32_t calls = 0;                    // persisting calls made (including lost ones)
};

class SimApp : public consensus::Application {
 public:
  SimApp(const chain::Genesis& genesis, Durable& disk);

  Result<chain::Block> Build(const consensus::BlockTemplate& t, std::vector<chain::TxBatch>* dropped) override;
  Status Check(const chain::Block& block, const consensus::BlockRulesInForce& rules) override;
  void Commit(const consensus::CommittedBlock& block, const chain::EpochStep& epoch) override;
  void AddSeals(std::uint64_t height, const std::vector<chain::Seal>& seals) override;
  std::optional<consensus::CommittedBlock> LoadCommitted(std::uint64_t height) const override;
  void SaveSigner(const chain::SignerState& state) override;
  void SaveCandidates(const std::vector<chain::Proposal>& proposals) override;
  void SaveEvidence(const chain::Evidence& evidence) override;

  // The crash point: the k-th (1-based) persisting call of a step; 0 disarms. Stays armed across
  // steps that make fewer than k calls.
  void ArmCrash(std::uint32_t k) { m_crash_at = k; }
  std::uint32_t armed() const { return m_crash_at; }
  void BeginStep();
  // Ends the step: restores the disk if the crash point was hit. Returns true if it was.
  bool EndStep();
  const StepSaves& step_saves() const { return m_saves; }

  consensus::Snapshot MakeSnapshot(chain::MemberId self) const;
  static bool HasChange(const chain::TxBatch& batch);  // it carries a `_config` op
  std::uint64_t head() const { return m_disk.blocks.size(); }
  Hash32 HeadId() const;
  const Durable& disk() const { return m_disk; }

 private:
  static bool ChangeExecutes(const chain::TxBatch& batch, const consensus::BlockTemplate& t, bool change_taken);
  bool Persisting();  // counts a persisting call; false if it is lost (at or after the crash point)
  Hash32 StateRootAt(std::uint64_t height) const;
  Status CheckBatches(const chain::Block& block, const chain::Config& config,
                      std::map<chain::MemberId, std::uint64_t>& seqs) const;

  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  Durable& m_disk;
  std::map<chain::MemberId, std::uint64_t> m_seqs;  // last committed seq per author
  std::uint32_t m_crash_at = 0;
  std::optional<Durable> m_frozen;  // the disk just before the crash point
  StepSaves m_saves;
};

}  // namespace peerdb::sim
