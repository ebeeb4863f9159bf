// SQLite persistence for one node (ARCHITECTURE.md `store`): blocks, batches, certificates, seals,
// state (current value + full history per key), anchors, evidence and signer state, in one file.
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
#include "peerdb/state/executor.h"
#include "peerdb/util/result.h"

namespace peerdb::store {

inline constexpr int kSchemaVersion = 1;

// Status of a stored block as this node sees it (PROTOCOL.md §3). Stored as an integer; append only.
enum class BlockStatus : std::uint8_t { kProposed = 1, kMajority = 2, kUnanimous = 3, kAnchored = 4, kFinal = 5 };
std::string_view BlockStatusName(BlockStatus s);

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
};

// Current value of a key plus where it was last written.
struct CurrentEntry {
  std::string ns;
  std::string key;
  state::KeyState state;
  std::uint64_t height = 0;
  Hash32 block_id{};
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
  Status UpdateBlockStatus(std::uint64_t height, BlockStatus status);

  Result<std::optional<chain::MajorityCert>> LoadCert(std::uint64_t height) const;
  Result<std::vector<chain::Seal>> LoadSeals(std::uint64_t height) const;
  Status AddSeal(const chain::Seal& seal);  // seals arriving after the block committed

  // State.
  Result<std::optional<CurrentEntry>> LoadCurrent(const std::string& ns, const std::string& key) const;
  Result<std::vector<HistoryEntry>> LoadHistory(const std::string& ns, const std::string& key,
                                                std::size_t limit) const;  // oldest first
  Result<std::uint64_t> LastSeq(chain::MemberId author) const;
  // Visits every current entry in (ns, key) order; stops early when fn returns false.
  Status ForEachCurrent(const std::function<bool(const CurrentEntry&)>& fn) const;
  Status ForEachHistory(const std::function<bool(const HistoryEntry&)>& fn) const;  // by (ns, key, version)

  Result<std::optional<Bytes>> LoadSignerState() const;

  // Evidence and anchors (used from the anchoring and consensus issues on).
  Status SaveEvidence(const chain::Evidence& evidence, std::uint64_t recorded_height);
  Result<std::vector<chain::Evidence>> LoadEvidence() const;
  Status SaveAnchor(const chain::AnchorRecord& anchor, std::uint64_t block_height);
  Result<std::vector<chain::AnchorRecord>> LoadAnchors() const;

  // A StateView over the committed state, for state::ExecuteBatches.
  const state::StateView& View() const;

  const std::string& path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace peerdb::store
