// What the consensus machine needs from the application it orders blocks for: building a block
// body, re-executing one (checks C5 and C6), committing a chosen block, and durable signer state
// (the SignerState and the block bodies it signed for).
// `node` implements it over `state` and `store`; the simulation (tests/sim) implements it in memory.
//
// Calls are synchronous and made only from inside Machine::Step. Persisting calls (SaveSigner,
// SaveCandidates, Commit, SaveEvidence) are durable when they return; if they cannot be, the implementation stops
// the process (S5: never send a signature that is not on disk). Because the Machine returns its
// sends as actions after Step, everything persisted in a step is on disk before any of its messages
// leave (S5). Thread-safety: called on the machine's thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/chain/signer_state.h"
#include "peerdb/util/result.h"

namespace peerdb::consensus {

// A block the machine committed (chosen by an MC, extending the committed chain), as the
// application stores it and as SyncResponse carries it.
struct CommittedBlock {
  chain::Block block;
  Hash32 id{};
  chain::MajorityCert cert;        // the MC that chose this block
  std::vector<chain::Seal> seals;  // seals known when committed (more arrive through AddSeals)
};

// The rules in force at the height of a block being built or checked: the epoch state its parent
// left (the config in force and the pending change, §5.3) and X_chain there.
struct BlockRulesInForce {
  const chain::EpochState* epoch = nullptr;  // REQUIRES non-null
  std::vector<chain::MemberId> excluded;
};

// What the proposer wants in its block; the application executes the batches and fills the header
// roots (batches_root, state_root, records_root).
struct BlockTemplate {
  std::uint64_t height = 0;
  Hash32 parent_id{};
  std::uint64_t timestamp_ms = 0;
  chain::MemberId author = 0;
  std::optional<chain::MajorityCert> parent_cert;  // absent at height 1
  std::vector<chain::TxBatch> batches;             // candidates in order; see Application::Build
  std::vector<chain::Record> records;              // sorted (chain::SortRecords)
  BlockRulesInForce rules;                         // epoch, config_hash and C5 come from here
};

class Application {
 public:
  virtual ~Application() = default;

  // Builds the block at the committed head + 1 from `t`. Batches that do not execute on the head
  // state (stale seq, no longer authorised) are left out and reported in `dropped`; the rest keep
  // their order. The result must pass Check().
  virtual Result<chain::Block> Build(const BlockTemplate& t, std::vector<chain::TxBatch>* dropped) = 0;

  // C5 + C6 for a block at the committed head + 1 whose parent is the committed head: batches
  // (signatures, seq, authorisation), re-execution gives state_root. The machine has checked the
  // rest of C6 and C7 before (chain::CheckBlockShape: batches_root and records_root match, the
  // encoded size fits). Errors name the failed check ("C6: state_root ...").
  // The application may cache the execution result for a following Commit of the same block.
  virtual Status Check(const chain::Block& block, const BlockRulesInForce& rules) = 0;

  // Appends a block at the committed head + 1 (already Check()ed) with the epoch state it leaves
  // (chain::AdvanceEpoch; in force at the next height), stored with it. Durable on return.
  virtual void Commit(const CommittedBlock& block, const chain::EpochStep& epoch) = 0;
  // Commit, then SaveSigner(state): the block is durable no later than the signer state, both on
  // return (the seal that state records leaves after). An application may make the two one durable
  // write; the default makes them in turn.
  virtual void CommitThenSaveSigner(const CommittedBlock& block, const chain::EpochStep& epoch,
                                    const chain::SignerState& state) {
    Commit(block, epoch);
    SaveSigner(state);
  }
  // Seals that arrived after the block at `height` was committed. Durable no later than the next
  // Commit or SaveSigner returns (not on return): they are other members' signatures, which a crash
  // may cost this member only until peers or the next block's records bring them again.
  virtual void AddSeals(std::uint64_t height, const std::vector<chain::Seal>& seals) = 0;
  // Committed block at `height` with its MC and seals, for peers catching up (nullopt if not held).
  virtual std::optional<CommittedBlock> LoadCommitted(std::uint64_t height) const = 0;

  // S5: durable before return (write temp file, fsync, rename, fsync the directory).
  virtual void SaveSigner(const chain::SignerState& state) = 0;

  // Paxos keeps the accepted value, not only its ballot: the proposals carrying the blocks of the
  // member's last_proposal and last_vote at SignerState.h (0 to 2 proposals with distinct cores,
  // maybe of one block: my re-proposal never replaces the proposal my vote names, since a crash
  // before the SaveSigner voids my new core), replacing the ones saved before. Called right
  // before the SaveSigner that records the new signature, only when the list changed; it must be
  // durable no later than that SaveSigner
  // returns (an implementation may write here and fsync both in SaveSigner). The list is handed
  // back in Snapshot::candidates at restart; the machine re-verifies each proposal and ignores any
  // not at the height being decided, so a stale or half-written list (decoding fails: hand back
  // nothing) is harmless. Without it a proposer that crashed between saving its proposal and
  // sending it blocks its height: later rounds must re-propose that block and nobody holds it.
  // The default keeps nothing (the machine then works as before, with that liveness gap).
  virtual void SaveCandidates(const std::vector<chain::Proposal>& proposals) { (void)proposals; }
  // §5.1: evidence is kept for good once verified. Durable on return.
  virtual void SaveEvidence(const chain::Evidence& evidence) = 0;
};

}  // namespace peerdb::consensus
