// The batch pool (PROTOCOL.md §1.4, §2.2): signed batches waiting for a block, keyed by (author,
// seq), and the highest seq committed per author. It owns which batches are held and which a
// proposer takes; it never verifies a batch (the machine admits only verified ones) and emits no
// action: removals are returned so the machine reports them (BatchDropped, A6) in its own order.
// Bounded by Limits (count, bytes, per author); iteration is by (author, seq), never by hash.
// Thread-safety: a value type; not thread-safe, like the Machine that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "peerdb/chain/block.h"

namespace peerdb::consensus {

struct PoolEntry {
  chain::TxBatch batch;
  bool local = false;              // this member's own batch (from LocalBatch): gossiped, watched by A6
  std::uint64_t since_height = 0;  // the height being decided when it entered the pool (A6)
  std::size_t bytes = 0;           // its encoded size, counted against Limits::max_bytes
};

class BatchPool {
 public:
  struct Limits {
    std::size_t max_batches = 0;
    std::size_t max_bytes = 0;
    std::size_t max_per_author = 0;
  };
  using Key = std::pair<chain::MemberId, std::uint64_t>;  // (author, seq)

  explicit BatchPool(Limits limits) : m_limits(limits) {}

  // Adds `batch`, entering at `height`. False, and nothing changes, when its seq is at or below
  // the author's committed seq, (author, seq) is already held (the first one wins: two batches with
  // one seq cannot both execute), or a limit would be exceeded.
  // REQUIRES: `batch` verified (member author, signature, shape).
  bool Add(const chain::TxBatch& batch, bool local, std::uint64_t height);

  // A removed entry and, for a committed block, whether that block carried this very batch.
  struct Removed {
    PoolEntry entry;
    bool included = false;
  };
  // `block` was committed: raises each author's committed seq to the block's batches, then removes
  // every entry whose seq is at or below its author's committed seq, in (author, seq) order.
  std::vector<Removed> OnCommitted(const chain::Block& block);
  // Removes the entries holding exactly these batches (an entry with the same (author, seq) but
  // other bytes stays), in the order given. Used for batches Application::Build left out.
  std::vector<PoolEntry> RemoveDropped(const std::vector<chain::TxBatch>& dropped);

  // What a proposer at `height` takes: per author in id order, the run of consecutive seqs after
  // the author's committed seq (any seq when none is known, e.g. after a restart), skipping
  // authors in `excluded` and batches expired before `height`, while the total stays within
  // `budget_bytes`.
  std::vector<chain::TxBatch> Candidates(std::uint64_t height, const std::set<chain::MemberId>& excluded,
                                         std::size_t budget_bytes) const;
  // Some batch of a non-excluded author is still valid at `height` (a proposer has work).
  bool HasPending(std::uint64_t height, const std::set<chain::MemberId>& excluded) const;

  const std::map<Key, PoolEntry>& entries() const { return m_entries; }
  std::size_t bytes() const { return m_bytes; }

 private:
  PoolEntry Remove(std::map<Key, PoolEntry>::iterator it);

  Limits m_limits;
  std::map<Key, PoolEntry> m_entries;
  std::size_t m_bytes = 0;
  std::map<chain::MemberId, std::uint64_t> m_committed_seq;
};

}  // namespace peerdb::consensus
