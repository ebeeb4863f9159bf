// The checks of `peerdb audit`, block by block from genesis: every shared consensus rule again
// (chain::CheckHeader, consensus::CheckBlockBody, certificates, seals), the epochs (chain::
// AdvanceEpoch: every config change, approval and activation of PROTOCOL.md §5.3 re-derived, and
// each block judged under the config in force at its height), a replay of the state compared with
// the state root and with a node's stored rows, evidence, stored statuses against what seals and
// anchors support, and FINAL as the light client computes it. No I/O of its own: chain_audit.cpp
// feeds it from a database or an export file.
// Thread-safety: a single-thread object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "peerdb/audit/anchor_audit.h"
#include "peerdb/audit/replay_state.h"
#include "peerdb/audit/replay_store.h"
#include "peerdb/chain/block.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/chain/rules.h"
#include "peerdb/consensus/block_rules.h"
#include "peerdb/consensus/light_client.h"
#include "peerdb/state/stored_state_tree.h"
#include "peerdb/store/store.h"
#include "peerdb/util/result.h"

namespace peerdb::audit {

// What failed, and the block it concerns when there is one. The error code says what kind of
// failure: kMalformed (bytes), kInvalid (a rule broken), kBadSignature, kNotMember, kCorrupt (stored
// rows that disagree with the blocks), kIo (the source could not be read).
struct AuditFailure {
  std::optional<std::uint64_t> height;
  Error error;
};
using CheckOutcome = std::optional<AuditFailure>;  // nullopt: passed

// A block as a source holds it.
struct RawBlock {
  std::uint64_t height = 0;
  Bytes bytes;                              // PCE(Block) as stored
  std::optional<chain::Block> block;        // decoded already (block_reader.h: `bytes` then empty); else `bytes` are decoded
  // For each batch, the key its signature was verified under ahead of the check, if any.
  std::vector<std::optional<crypto::PublicKey>> verified_under;
  std::optional<chain::MajorityCert> cert;  // MC of this block
  std::vector<chain::Seal> seals;           // seals on this block kept beside it
  std::optional<store::BlockStatus> stored_status;
};

// A piece of verified evidence, for the report.
struct EvidenceFinding {
  std::uint8_t kind = 0;
  chain::MemberId offender = 0;
  std::string offender_name;
  std::uint64_t height = 0;
  std::string where;  // "recorded in block 7", "held by the node"
  bool operator==(const EvidenceFinding&) const = default;
};

// A config change the audited chain activated (§5.3), for the report.
struct ActivationFinding {
  std::uint64_t epoch = 0;         // the epoch it started
  std::uint64_t start_height = 0;  // its first height: the block after the one that completed the approvals
  Hash32 change_id{};
  chain::MemberId proposer = 0;
  std::string proposer_name;
  std::uint64_t proposed_height = 0;         // the block that contains the change
  std::vector<chain::MemberId> approvers;    // whose ConfigApprove records counted, sorted
  std::vector<chain::MemberId> leaving;      // its targets: not required sealers of block start_height - 1
  std::vector<std::string> changes;          // one line per op (chain::DescribeChange)
  Hash32 config_hash{};                      // H(Config of the epoch), which its headers carry
  bool operator==(const ActivationFinding&) const = default;
};

// An erase op the audited chain executed (PROTOCOL.md §1.4), for the report.
struct ErasureFinding {
  std::uint64_t height = 0;        // the block holding the erase op
  std::uint64_t timestamp_ms = 0;  // that block's time
  chain::MemberId author = 0;
  std::string author_name;
  std::string ns;
  std::string key;
  std::vector<std::uint64_t> versions;
  bool operator==(const ErasureFinding&) const = default;
};

class ChainChecker {
 public:
  explicit ChainChecker(const chain::Genesis& genesis);

  // The genesis is well formed and, when given, is the expected chain; opens the scratch database
  // the replay keeps its state in (replay_store.h). Call first.
  CheckOutcome CheckGenesis(const std::optional<Hash32>& expected);
  // Hands the writes of each block that passed every check to `sink` (a HistoryComparer).
  using WritesSink = std::function<void(std::uint64_t h, const Hash32& id, std::vector<state::Write> writes)>;
  void OnWrites(WritesSink sink) { m_on_writes = std::move(sink); }
  // Block raw.height = head + 1, judged under the config in force at that height. `check_id` may
  // add a source-specific check of the block id. `next`, the block after it when the caller has
  // it already: the leaves it reads are then fetched while this block's root is hashed.
  // The state_root of a block is checked during the next call (or EndOfBlocks): its failure then
  // names that block, and wins over the later block's own.
  CheckOutcome CheckBlock(const RawBlock& raw, const RawBlock* next,
                          const std::function<Status(const Hash32& id, std::uint64_t h)>& check_id);
  // Verifies one piece of evidence standalone, under the config of its height's epoch; the member
  // it convicts is excluded from then on.
  Result<chain::MemberId> CheckEvidence(const chain::Evidence& e, const std::string& where);
  // Stored statuses may not claim more than the certificates, seals, evidence and anchors support.
  CheckOutcome CheckStatuses(const chain::StatusHeights& supported) const;
  // After the last block, before the checks below: the replay's last pending tree changes go to
  // the scratch database.
  CheckOutcome EndOfBlocks();
  // After the last block: every value a block lacks is named by an erase op, and every value an
  // erase op names is gone from the blocks (ReplayStore::CheckErasures).
  CheckOutcome CheckErasures() const;
  // A node's stored current state, history and batch sequences against the replay. REQUIRES: the
  // history row of every replayed write was found equal to it (HistoryComparer): a state row is
  // then checked against the replayed leaf and its version's history row.
  CheckOutcome CompareState(const store::Store& db);
  CheckOutcome CompareSeqs(const store::Store& db) const;
  // FINAL as consensus::LightClient computes it over the headers checked, the evidence verified
  // and the anchors that fix blocks (`audit.findings` aligned with `anchors`).
  std::uint64_t LightFinalHeight(const std::vector<AnchorInput>& anchors, const AnchorAudit& audit);

  const chain::Genesis& genesis() const { return m_genesis; }
  const Hash32& chain_id() const { return m_chain_id; }
  const std::vector<Hash32>& ids() const { return m_ids; }  // ids()[h] = block h; [0] = chain id
  std::uint64_t head() const { return m_ids.empty() ? 0 : m_ids.size() - 1; }
  std::vector<chain::MemberId> excluded() const { return {m_excluded.begin(), m_excluded.end()}; }
  const std::vector<EvidenceFinding>& evidence() const { return m_evidence; }
  // The epochs of the chain checked so far, and the activations that started them.
  const chain::EpochHistory& epochs() const { return m_epochs; }
  // The config in force at head() + 1.
  const chain::Config& config_in_force() const { return m_epoch.config; }
  const std::vector<ActivationFinding>& activations() const { return m_activations; }
  const std::vector<ErasureFinding>& erasures() const { return m_erasures; }
  Hash32 state_root() const { return m_state_root; }
  std::uint64_t blocks() const { return m_blocks; }
  std::uint64_t ops() const { return m_ops; }
  std::uint64_t seals() const { return m_seals; }

 private:
  struct StatusRow {
    std::optional<store::BlockStatus> stored;
    store::BlockStatus from_cert;           // MAJORITY with a certificate, else PROPOSED
    std::vector<chain::MemberId> sealers;   // verified seals on this block
  };
  // The body rules over the chain checked so far, under `config` and the exclusions `excluded`.
  consensus::BodyRules BodyRulesAt(const chain::Config& config, const std::vector<chain::MemberId>& excluded) const;
  // Why `header` does not carry the epoch and config_hash in force at its height, said in the
  // epochs' terms (a new epoch's first block, or a switch that no completed change allows).
  std::string EpochMismatch(const chain::Header& header, const std::vector<chain::MemberId>& excluded) const;
  // Records the activation `block` completed (REQUIRES: step.activated; m_epoch still the state before it).
  void NoteActivation(const chain::Block& block, const chain::EpochStep& step);
  // CheckBlock, but for the state_root of an earlier block.
  CheckOutcome CheckThisBlock(const RawBlock& raw, const RawBlock* next,
                              const std::function<Status(const Hash32& id, std::uint64_t h)>& check_id);
  // The executed block `h` into the erasure facts, and into the replayed tree, whose root is then
  // hashed (CheckPendingRoot checks it); `next`'s leaves are read first.
  Status Replay(const state::ExecResult& exec, std::uint64_t h, const chain::Block* next);
  // The root of the block whose state_root is still to be checked, when there is one, against it.
  CheckOutcome CheckPendingRoot();
  // The first history row of `db` that no replayed write made (REQUIRES: it holds more rows than the replay wrote).
  CheckOutcome FindExtraHistoryRow(const store::Store& db) const;
  // The node's stored state tree (when it has one) row for row against the replayed tree.
  CheckOutcome CompareTree(const store::Store& db) const;
  // The first replayed key without a state row in `db`.
  CheckOutcome FindMissingStateRow(const store::Store& db) const;

  std::set<chain::MemberId> m_chain_excluded;          // named by evidence recorded in blocks so far
  std::set<chain::MemberId> m_excluded_before_parent;  // the same, without the last block's records
  std::set<chain::MemberId> m_excluded;                // named by any verified evidence
  std::vector<EvidenceFinding> m_evidence;

  chain::Genesis m_genesis;
  Hash32 m_chain_id;
  chain::EpochState m_epoch;   // after the last block checked: the config in force at head + 1
  chain::EpochHistory m_epochs;
  std::vector<ActivationFinding> m_activations;
  std::vector<ErasureFinding> m_erasures;
  std::optional<consensus::LightClient> m_light;  // set by CheckGenesis
  std::vector<StatusRow> m_statuses;              // m_statuses[h - 1] for block h
  std::vector<Hash32> m_ids;
  std::uint64_t m_prev_ts = 0;  // timestamp of the parent; the genesis time before block 1 (C4)
  // The replayed state on disk (set by CheckGenesis): its tree, and the erasure facts.
  std::unique_ptr<ReplayTree> m_tree;
  std::unique_ptr<ReplayStore> m_scratch;
  std::unique_ptr<ReplayView> m_view;
  Hash32 m_state_root{};
  bool m_leaves_started = false;  // the tree is reading the next block's leaves
  std::vector<state::StateLeaf> m_last_leaves;  // the last block's writes, as leaves
  struct PendingRoot {
    std::uint64_t height;
    Hash32 state_root;  // what its header says
    std::uint64_t blocks, ops, seals;  // the counts before it: what passed, should its root fail
  };
  std::optional<PendingRoot> m_pending_root;  // the block whose root the tree is hashing
  // The erasure facts' scratch database: its page cache, and its rows per commit.
  static constexpr std::int64_t kFactsCacheBytes = 32LL << 20;
  static constexpr std::uint64_t kRowsPerScratchCommit = 200'000;
  std::uint64_t m_pending_rows = 0;  // fact rows written since the scratch database's last commit
  WritesSink m_on_writes;
  std::uint64_t m_writes = 0;  // history rows the replay made
  std::uint64_t m_keys = 0;    // keys it created (writes of version 1): the state rows there must be
  std::uint64_t m_blocks = 0, m_ops = 0, m_seals = 0;
};

}  // namespace peerdb::audit
