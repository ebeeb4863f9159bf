// SQLite persistence for one node (ARCHITECTURE.md `store`): blocks, batches, certificates, seals,
// state (current value + full history per key), anchors and anchoring in progress, evidence and
// signer state, in one file. Values can be erased (BlockCommit::erasures) without breaking a hash.
//
// Durability: WAL mode with synchronous=FULL, so a returned CommitBlock() survives kill -9 and power
// loss. Every block commits in one transaction: after a crash the file holds the whole block (its
// body, seals, state writes, history, batch index, signer state) or none of it.
// Schema changes go through numbered migrations (schema_version in table meta).
// Thread-safety: a Store is used by one thread at a time (the node thread); it is not shared.
// Independent readers (audit, sqlite3) may open the same file concurrently: WAL allows it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/config.h"
#include "peerdb/chain/rules.h"
#include "peerdb/state/executor.h"
#include "peerdb/state/stored_state_tree.h"
#include "peerdb/util/result.h"

namespace peerdb::store {

inline constexpr int kSchemaVersion = 8;

// Status of a stored block as this node sees it (PROTOCOL.md §3), stored as its integer value.
// Defined once, with the rules that derive it, in chain/rules.h.
using chain::BlockStatus;
using chain::BlockStatusName;

struct StoredBlock {
  std::uint64_t height = 0;
  Hash32 id{};
  chain::Block block;
  BlockStatus status = BlockStatus::kProposed;
};

// One row of a key's history.
struct HistoryEntry {
  std::string ns;
  std::string key;
  state::KeyState state;     // value + deleted + owner + version after this write
  std::uint64_t height = 0;  // block that made the write
  Hash32 block_id{};
  chain::MemberId author = 0;
  std::uint64_t seq = 0;
  std::uint32_t op_index = 0;
  std::uint64_t timestamp_ms = 0;  // the block's header timestamp (filled by LoadHistory)
};

// Current value of a key plus where it was last written.
struct CurrentEntry {
  std::string ns;
  std::string key;
  state::KeyState state;
  std::uint64_t height = 0;
  Hash32 block_id{};
};

// A version of a key together with the status of the block that wrote it.
struct StatusEntry {
  HistoryEntry entry;
  BlockStatus status = BlockStatus::kProposed;
};

// Where anchor-derived statuses end (chain/rules.h).
using chain::StatusHeights;

// An anchor record with the checkpoint its digest commits to.
struct StoredAnchor {
  chain::AnchorRecord record;
  std::uint64_t height = 0;                     // the checkpoint's block height
  std::optional<chain::Checkpoint> checkpoint;  // absent only in rows written by schema version 1
};

// Anchoring in progress: a checkpoint whose digest went (or is about to go) to the calendars.
// Saved before the digest leaves the process; the timestamp is replaced after every upgrade.
struct AnchorJob {
  chain::Checkpoint checkpoint;
  Hash32 digest{};                 // chain::CheckpointDigest(checkpoint)
  std::optional<Bytes> timestamp;  // bare OTS tree rooted at digest, once a calendar answered
  std::uint64_t created_ms = 0;
  std::uint64_t updated_ms = 0;
};

// Everything that commits with one block, in one transaction.
struct BlockCommit {
  chain::Block block;
  Hash32 id{};
  BlockStatus status = BlockStatus::kUnanimous;
  std::optional<chain::MajorityCert> cert;   // the MC for this block (not its parent's)
  std::vector<chain::Seal> seals;            // seals on this block
  std::vector<state::Write> writes;          // from state::ExecuteBatches
  std::optional<Bytes> signer_state;         // PCE SignerState to persist atomically with the block
  std::optional<Bytes> epoch_state;          // PCE chain::EpochState the block leaves (when it changed)
  std::optional<Bytes> epoch_history;        // PCE list of chain::EpochInfo (when an epoch began)
  // Erase ops the block executed (state::ExecResult::erasures). In the same transaction the named
  // versions' values and salts leave every row that holds them (state, history, the bodies of the
  // blocks that wrote them, the signer candidates); commitments stay, so every id and root is
  // unchanged. Afterwards the WAL is checkpointed and truncated, and secure_delete (always on)
  // has zeroed the freed space: no file of the store holds the value any more.
  std::vector<state::Erasure> erasures;
  // State tree rows to write with this block (a slice of the node's state::TreeRowOverlay) and,
  // when given, the block the tree rows on disk stand at once they are written (Store::TreeHeight):
  // the block whose tree the last slice of a generation completes. The blocks after it are
  // replayed into the tree at the next start (ReplayTreeTail). REQUIRES: tree_height <= the height.
  std::vector<state::TreeRow> tree_rows;
  std::optional<std::uint64_t> tree_height;
  // X_chain after this block (PROTOCOL.md §5.2: the offenders named by evidence recorded in blocks up
  // to and including it), given when the block records evidence: stored in the same transaction, so
  // that a restart need not read every block to re-derive it (Store::LoadChainExcluded).
  std::optional<std::vector<chain::MemberId>> chain_excluded;
};

// The stored form of the proposals the signer state refers to (Store::SaveSignerCandidates). The
// store reads it only to erase values from it (BlockCommit::erasures).
struct SignerCandidates {
  static constexpr std::size_t kMax = 2;  // my last proposal and the proposal my last vote names (maybe one block)
  std::vector<chain::Proposal> proposals;
  template <class V>
  void Pce(V& v) {
    v.list(proposals, kMax);
  }
};

enum class OpenMode { kReadWrite, kReadOnly };

class Store {
 public:
  // Opens or creates the database; runs migrations (read-write); checks integrity of the header
  // page (a corrupt or non-SQLite file gives kCorrupt, a newer schema kConfig).
  static Result<std::unique_ptr<Store>> Open(const std::string& path, OpenMode mode = OpenMode::kReadWrite);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Genesis: stored once; a different genesis later is kConflict.
  Status InitGenesis(const chain::Genesis& genesis);
  Result<std::optional<chain::Genesis>> LoadGenesis() const;

  // REQUIRES: c.block.header.height == HeadHeight() + 1 (kInvalid otherwise, nothing written).
  Status CommitBlock(const BlockCommit& c);
  Result<std::uint64_t> HeadHeight() const;  // 0 when only the genesis exists
  Result<std::optional<StoredBlock>> LoadBlock(std::uint64_t height) const;
  Result<std::optional<StoredBlock>> LoadBlockById(const Hash32& id) const;
  // Raw PCE bytes of a block as stored (for audit and export).
  Result<std::optional<Bytes>> LoadBlockBytes(std::uint64_t height) const;
  // The id column of the block at `height` (not recomputed from its header).
  Result<std::optional<Hash32>> LoadBlockId(std::uint64_t height) const;
  // The header of the block at `height`, decoded from the front of its stored body only.
  Result<std::optional<chain::Header>> LoadHeader(std::uint64_t height) const;
  // Durable with the next synced commit (a block, the signer state), not on return: a status is
  // derived from the seals, which a crash before that commit may also lose (AddSeal).
  Status UpdateBlockStatus(std::uint64_t height, BlockStatus status);
  Result<std::optional<BlockStatus>> LoadBlockStatus(std::uint64_t height) const;

  // The highest ANCHORED-or-FINAL and the highest FINAL block, from an index (0 when none).
  Result<StatusHeights> LoadStatusHeights() const;
  // Moves the anchor-derived statuses to `heights` in one transaction: blocks up to final_height
  // become FINAL, those up to anchored_height ANCHORED, and blocks above anchored_height that were
  // ANCHORED or FINAL go back to `unanchored` (what their seals make them; UNANIMOUS for N = 1).
  // Only the heights between the old and the new boundaries are touched.
  // REQUIRES: final_height <= anchored_height <= HeadHeight(); unanchored is PROPOSED, MAJORITY
  // or UNANIMOUS (kInvalid otherwise, nothing written).
  Status SetStatusHeights(const StatusHeights& heights, BlockStatus unanchored);

  Result<std::optional<chain::MajorityCert>> LoadCert(std::uint64_t height) const;
  Result<std::vector<chain::Seal>> LoadSeals(std::uint64_t height) const;
  // Seals arriving after the block committed. Durable with the next synced commit, not on return
  // (one fsync per block instead of one per member): a power loss before it may lose the seals of
  // the newest block, which the next block's records carry again (PROTOCOL.md §2.2); a member's
  // own seal is durable with its signer state before it leaves.
  Status AddSeal(const chain::Seal& seal);

  // State.
  Result<std::optional<CurrentEntry>> LoadCurrent(const std::string& ns, const std::string& key) const;
  Result<std::vector<HistoryEntry>> LoadHistory(const std::string& ns, const std::string& key,
                                                std::size_t limit) const;  // oldest first
  // The newest version of (ns, key) written by a block whose status is at least min_status
  // (PROTOCOL.md §4.3 reads), with that status; nullopt when there is none.
  Result<std::optional<StatusEntry>> LoadNewestWithStatus(const std::string& ns, const std::string& key,
                                                          BlockStatus min_status) const;
  // One version of (ns, key) as its history row holds it (timestamp_ms not filled); nullopt when
  // there is no such row. The auditor's point lookup, one per replayed write.
  Result<std::optional<HistoryEntry>> LoadHistoryVersion(const std::string& ns, const std::string& key,
                                                         std::uint64_t version) const;
  // How many rows the state and history tables hold.
  Result<std::uint64_t> CountCurrent() const;
  Result<std::uint64_t> CountHistory() const;
  Result<std::uint64_t> LastSeq(chain::MemberId author) const;
  // Visits every current entry in (ns, key) order; stops early when fn returns false.
  Status ForEachCurrent(const std::function<bool(const CurrentEntry&)>& fn) const;
  Status ForEachHistory(const std::function<bool(const HistoryEntry&)>& fn) const;  // by (ns, key, version)

  Result<std::optional<Bytes>> LoadSignerState() const;
  // What BlockCommit::epoch_state / epoch_history last stored (nullopt: never, i.e. still the genesis
  // config with nothing pending).
  Result<std::optional<Bytes>> LoadEpochState() const;
  // X_chain at the head as last stored (BlockCommit::chain_excluded or SaveChainExcluded), sorted;
  // nullopt when never stored (a store written before it was kept, or a node never started on it).
  Result<std::optional<std::vector<chain::MemberId>>> LoadChainExcluded() const;
  // Stores X_chain at the head on its own (synced): once, after the node derived it from the blocks.
  Status SaveChainExcluded(const std::vector<chain::MemberId>& members);
  Result<std::optional<Bytes>> LoadEpochHistory() const;
  // Replaces the signer state (PCE SignerState) in its own transaction. Durable on return
  // (synchronous=FULL): the S5 "persist before send" step for votes, round changes and seals.
  Status SaveSignerState(ByteSpan body);
  // The proposals whose blocks the signer state's last proposal and last vote name (PCE
  // list<Proposal>, at most two blocks), replaced as a whole. NOT synced on return: the consensus
  // machine always saves the signer state that refers to them right after, and that synced commit
  // makes this one durable too (the WAL is one file, replayed only as a prefix of whole commits),
  // so a block body costs no fsync of its own.
  Result<std::optional<Bytes>> LoadSignerCandidates() const;
  Status SaveSignerCandidates(ByteSpan body);

  // Evidence (used from the consensus issue on).
  Status SaveEvidence(const chain::Evidence& evidence, std::uint64_t recorded_height);
  Result<std::vector<chain::Evidence>> LoadEvidence() const;

  // Anchors. SaveAnchor stores the record with its checkpoint and, in the same transaction, drops
  // the anchor job of that digest. The checkpoint must hash to the record's digest and name a
  // stored block (kInvalid). Saving the same record again is a no-op.
  Status SaveAnchor(const chain::AnchorRecord& anchor, const chain::Checkpoint& checkpoint);
  Result<std::vector<StoredAnchor>> LoadAnchors() const;  // by checkpoint height, then as saved

  // Anchor jobs. SaveAnchorJob inserts a job (the same digest again is a no-op; the job's
  // checkpoint must name a stored block, else kInvalid); UpdateAnchorJob replaces the timestamp
  // (kNotFound when no such job). Timestamps are at most chain::kMaxProofBytes.
  Status SaveAnchorJob(const AnchorJob& job);
  Status UpdateAnchorJob(const Hash32& digest, ByteSpan timestamp, std::uint64_t updated_ms);
  Status DeleteAnchorJob(const Hash32& digest);
  Result<std::vector<AnchorJob>> LoadAnchorJobs() const;  // by height, then creation time

  // A StateView over the committed state, for state::ExecuteBatches.
  const state::StateView& View() const;
  // The rows of the state tree (state::StoredStateTree reads through it), and writing them outside
  // a block commit, in one synced transaction: to build the tree from the state table when the store
  // holds none, which puts the tree at the head.
  const state::TreeRowSource& TreeRows() const;
  Status WriteTreeRows(const std::vector<state::TreeRow>& rows);
  // The block the tree rows stand at (meta.tree_height): the last block committed with tree_rows,
  // or the head at the last WriteTreeRows. At most HeadHeight().
  Result<std::uint64_t> TreeHeight() const;
  // Visits every row of the state tree in key order (the auditor's comparison); stops when fn
  // returns false. Spans are valid during the call only.
  Status ForEachTreeRow(const std::function<bool(ByteSpan key, ByteSpan value)>& fn) const;

  // Holds one read transaction while it lives, so that the many point reads of executing a block
  // share one snapshot and one set of file locks instead of taking them per statement. Nothing may
  // be written through this Store while one is alive. Nested scopes are no-ops.
  class ReadScope {
   public:
    ~ReadScope();
    ReadScope(const ReadScope&) = delete;
    ReadScope& operator=(const ReadScope&) = delete;

   private:
    friend class Store;
    explicit ReadScope(const Store* store) : m_store(store) {}
    const Store* m_store;  // null when nested or when BEGIN failed (reads then run as before)
  };
  ReadScope BeginRead() const;

  const std::string& path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// The genesis held by the store file at `path`, read without writing or migrating it (an older
// schema is read as it is): nullopt when there is no file or no genesis in it yet. For checks made
// before a node opens its store (`peerdb node --check`, which must not disturb a running node).
// A file that is not a PeerDB store, or is newer than this build, fails as Open would.
Result<std::optional<chain::Genesis>> PeekGenesis(const std::string& path);

}  // namespace peerdb::store
