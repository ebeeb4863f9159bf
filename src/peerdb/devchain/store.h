// The devchain's persistence: one SQLite file (<data dir>/devchain.sqlite, WAL, synchronous=FULL)
// holding the blocks (header, raw transactions), the calendar's commitments (pending, or mined with
// their proof), its HMAC key and counters. Every change is one transaction, so a crash (kill -9)
// loses nothing that was acknowledged and never leaves a half-mined block or half-done reorg.
// Loading checks what it reads (hashes, links, sizes) and reports damage as kCorrupt.
// Thread-safety: none; the Calendar serialises all calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "peerdb/devchain/miner.h"
#include "peerdb/sqlite/db.h"
#include "peerdb/sqlite/stmt_cache.h"
#include "peerdb/ots/bitcoin_header.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::devchain {

inline constexpr char kDbFile[] = "devchain.sqlite";
constexpr int kSchemaVersion = 1;
constexpr std::size_t kMaxCommitmentSize = 4 + 64 + 8;  // time, the longest digest, MAC
constexpr std::size_t kMaxStoredProof = 64 * 1024;
constexpr std::size_t kMaxStoredTx = 100'000;

// What the devchain keeps in memory per block; transactions are read on demand.
struct BlockMeta {
  std::uint64_t height = 0;
  ots::BlockHeader header;
  Hash32 hash{};  // internal order
  std::uint64_t tx_count = 0;
  std::uint64_t size = 0;                // serialized block size in bytes
  std::optional<Hash32> commitment_root;  // the calendar root its OP_RETURN carries, if any
};

BlockMeta MetaOf(const Block& block, std::optional<Hash32> commitment_root);

// A block ready to store, with the proofs of the commitments it confirms.
struct MinedBlock {
  Block block;
  std::optional<Hash32> commitment_root;
  Hash32 commitment_txid{};
  struct Proof {
    Bytes commitment;
    Bytes proof;  // serialized bare timestamp rooted at the commitment
  };
  std::vector<Proof> proofs;
};

struct StoredCommitment {
  std::optional<std::uint64_t> height;  // unset while pending
  Hash32 txid{};
  Bytes proof;
};

class Store {
 public:
  // Opens or creates <data_dir>/devchain.sqlite (data_dir must exist). kConfig for a file of
  // another schema version, kCorrupt / kIo as SQLite reports.
  static Result<std::unique_ptr<Store>> Open(const std::string& data_dir);

  // The calendar's MAC key: 32 random bytes created on first use, the same ever after.
  Result<Bytes> HmacKey();
  // How many reorgs were simulated (it salts the coinbase of replacement blocks).
  Result<std::uint64_t> ReorgCount();

  // Every block by height, checked: heights from 0 without gaps, each header hashing to its
  // stored hash and linking to its parent, sizes within bounds. kCorrupt otherwise.
  Result<std::vector<BlockMeta>> LoadBlocks();
  Result<std::vector<Bytes>> BlockTxs(std::uint64_t height);

  // In one transaction: deletes the blocks at first_height and above (their commitments become
  // pending again), stores `blocks` (which must continue at first_height) with their proofs and,
  // when reorg_count is set, stores it. Returns how many commitments went back to pending.
  Result<std::uint64_t> ReplaceFrom(std::uint64_t first_height, std::span<const MinedBlock> blocks,
                                    std::optional<std::uint64_t> reorg_count = std::nullopt);

  // Records a pending commitment; false if it was known already (then nothing changes).
  Result<bool> AddCommitment(ByteSpan commitment);
  // Up to `limit` pending commitments, oldest first.
  Result<std::vector<Bytes>> Pending(std::size_t limit);
  Result<std::uint64_t> PendingCount();
  Result<std::optional<StoredCommitment>> FindCommitment(ByteSpan commitment);

 private:
  explicit Store(std::unique_ptr<sqlite::Db> db) : m_db(std::move(db)), m_stmts(*m_db) {}
  Status CreateSchema();
  Result<std::optional<Bytes>> MetaGet(std::string_view key);
  Status MetaPut(std::string_view key, ByteSpan value);

  std::unique_ptr<sqlite::Db> m_db;
  sqlite::StmtCache m_stmts;  // after m_db, so destroyed before it
};

}  // namespace peerdb::devchain
