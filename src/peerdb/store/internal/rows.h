// Decoding of result rows into the store's types. Every column is checked for type, size and
// range, and every PCE body is decoded with codec::Decode and checked against the columns beside
// it, so a damaged or hand-edited file gives kCorrupt naming the row, never a crash or a silent
// mismatch. Each reader expects the column list named next to it.
// Thread-safety: free functions.
#pragma once

#include "peerdb/sqlite/stmt.h"
#include "peerdb/store/store.h"

// Column lists, in the order the readers below expect.
// State and history rows take their block id from blocks (aliased b) through a LEFT JOIN, so a
// row whose block is missing reads as NULL there and is reported as kCorrupt. A state row takes
// its value from its version's history row (aliased h; schema 7 keeps each value once) the same
// way.
#define PEERDB_STORE_BLOCK_COLUMNS "height, id, body, status"
#define PEERDB_STORE_CURRENT_FROM                                                                        \
  "SELECT s.ns, s.key, h.value, s.deleted, s.owner, s.version, s.height, b.id, s.value_commit, s.erased " \
  "FROM state AS s LEFT JOIN history AS h ON h.ns = s.ns AND h.key = s.key AND h.version = s.version "    \
  "LEFT JOIN blocks AS b INDEXED BY blocks_status_at ON b.height = s.height"
#define PEERDB_STORE_HISTORY_FROM                                                                     \
  "SELECT s.ns, s.key, s.version, s.value, s.deleted, s.owner, s.height, b.id, s.author, s.seq, " \
  "s.op_index, s.value_commit, s.erased FROM history AS s LEFT JOIN blocks AS b INDEXED BY blocks_status_at ON b.height = s.height"

namespace peerdb::store::internal {

// Stored bodies larger than this are corrupt whatever they hold.
inline constexpr std::size_t kMaxStoredBodyBytes = chain::kMaxBlockBytesHardCap;
// A PCE SignerState is well under 1 KiB; this bounds what is stored and loaded.
inline constexpr std::size_t kMaxSignerStateBytes = 64 * 1024;
inline constexpr std::size_t kMaxEpochBytes = 64u << 20;  // epoch state or history (configs of <= 256 members)
// Two proposals: two blocks at most and their justifications.
inline constexpr std::size_t kMaxSignerCandidatesBytes = 2 * kMaxStoredBodyBytes + 2 * kMaxSignerStateBytes;

Result<BlockStatus> BlockStatusFromInt(std::uint64_t v);

// PEERDB_STORE_BLOCK_COLUMNS. Checks the decoded header's height and id against the row.
Result<StoredBlock> ReadBlockRow(const sqlite::Stmt& s);
// Rows of PEERDB_STORE_CURRENT_FROM.
Result<CurrentEntry> ReadCurrentRow(const sqlite::Stmt& s);
// Rows of PEERDB_STORE_HISTORY_FROM.
Result<HistoryEntry> ReadHistoryRow(const sqlite::Stmt& s);

}  // namespace peerdb::store::internal
