// The devchain's state machine: a regtest-format block chain plus an OpenTimestamps calendar that
// commits to it, persisted in a Store (store.h).
//
// Calendar (OTS.md §2.2): SubmitDigest returns the bare timestamp digest -> prepend <time> ->
// append <8-byte HMAC-SHA256 under the persisted key> -> PendingAttestation(public URL) and records
// the 44-byte (for a 32-byte digest) commitment as pending. Each mined block carries, when
// commitments are pending, one transaction whose OP_RETURN holds the merkle root over them; every
// commitment then has a proof down to BitcoinBlockHeaderAttestation(height), served once the block
// has min_confirmations confirmations.
// Reorg(depth) replaces the top `depth` blocks by depth + 1 new ones without commitment
// transactions (different headers at those heights, so proofs into the old blocks stop verifying)
// and returns their commitments to pending, to be mined again like a mempool would.
// Thread-safety: every method may be called from any thread; one mutex serialises them (mining and
// reorgs write SQLite with synchronous=FULL while holding it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/devchain/miner.h"
#include "peerdb/devchain/store.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/clock.h"
#include "peerdb/util/result.h"

namespace peerdb::devchain {

constexpr std::size_t kMaxCalendarDigest = 64;  // the reference server's MAX_DIGEST_LENGTH
constexpr std::size_t kMaxCommitmentsPerBlock = 10'000;
constexpr std::uint64_t kMaxMinePerCall = 1'000;
constexpr std::uint64_t kMaxReorgDepth = 1'000;
constexpr unsigned kMaxFillerTxs = 100;

struct CalendarOptions {
  std::uint64_t min_confirmations = 1;  // >= 1
  unsigned filler_txs = 2;              // per block, besides the coinbase and commitment tx
  std::size_t max_pending = 100'000;    // further submissions get kUnavailable until a block is mined
};

struct TimestampLookup {
  enum class State { kConfirmed, kPending, kWaiting, kUnknown };
  State state = State::kUnknown;
  Bytes proof;                          // kConfirmed: bare timestamp rooted at the commitment
  Hash32 txid{};                        // kWaiting: the commitment transaction
  std::uint64_t confirmations_needed = 0;  // kWaiting: how many more blocks
};

struct ReorgResult {
  std::uint64_t dropped_blocks = 0;
  std::uint64_t returned_commitments = 0;  // back to pending
  std::vector<BlockMeta> new_blocks;
};

class Calendar {
 public:
  // Opens or creates the chain in data_dir (which must exist); a new chain holds only the regtest
  // genesis block. Errors of Store::Open; kConfig for bad options.
  static Result<std::unique_ptr<Calendar>> Open(const std::string& data_dir, const CalendarOptions& options,
                                                        const util::Clock& clock);

  // The calendar URI put into PendingAttestations, e.g. "http://127.0.0.1:8080". kMalformed unless
  // it is a valid pending URI (A-Za-z0-9-._/: only, so no IPv6 literals).
  Status SetPublicUrl(std::string url);
  std::string public_url() const;
  const CalendarOptions& options() const { return m_options; }

  // kMalformed for an empty digest, kTooLarge above 64 bytes, kConfig before SetPublicUrl,
  // kUnavailable with max_pending commitments waiting; otherwise the serialized bare timestamp.
  Result<Bytes> SubmitDigest(ByteSpan digest);
  Result<TimestampLookup> GetTimestamp(ByteSpan commitment);
  // The calendar root of the most recent block carrying one (the reference server's /tip).
  std::optional<Hash32> LatestRoot() const;

  // Mines `blocks` blocks (1..kMaxMinePerCall, else kInvalid), the first carrying every pending
  // commitment (up to kMaxCommitmentsPerBlock; the rest follow in later blocks).
  Result<std::vector<BlockMeta>> Mine(std::uint64_t blocks);
  // depth 1..min(tip height, kMaxReorgDepth), else kInvalid.
  Result<ReorgResult> Reorg(std::uint64_t depth);

  BlockMeta Tip() const;
  std::optional<BlockMeta> BlockAt(std::uint64_t height) const;
  std::optional<BlockMeta> BlockByHash(const Hash32& hash) const;
  // The block with its transactions; kNotFound if the hash is not in the chain.
  Result<Block> FullBlock(const Hash32& hash);
  // Median time of the 11 blocks ending at `height` (Bitcoin's median-time-past).
  std::uint32_t MedianTimePast(std::uint64_t height) const;

 private:
  Calendar(std::unique_ptr<Store> store, const CalendarOptions& options, const util::Clock& clock)
      : m_store(std::move(store)), m_options(options), m_clock(clock) {}
  // REQUIRES: m_mu held. Builds the block after `chain.back()`; commitments may be empty.
  Result<MinedBlock> BuildBlock(const std::vector<BlockMeta>& chain, const std::vector<Bytes>& commitments,
                                std::uint64_t salt);
  std::uint32_t MedianTimePastLocked(const std::vector<BlockMeta>& chain, std::uint64_t height) const;
  void Append(const BlockMeta& meta);

  mutable std::mutex m_mu;
  std::unique_ptr<Store> m_store;
  const CalendarOptions m_options;
  const util::Clock& m_clock;
  std::string m_public_url;
  Bytes m_hmac_key;
  std::uint64_t m_reorg_count = 0;
  std::uint64_t m_pending = 0;
  std::vector<BlockMeta> m_blocks;         // by height
  std::map<Hash32, std::uint64_t> m_by_hash;
};

}  // namespace peerdb::devchain
