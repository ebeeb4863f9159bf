// Compares each write the audit's replay makes with the history row a node's database holds for
// it (one point lookup per write, so no copy of the history is kept), on a thread of its own with
// its own read-only connection, a few blocks behind the checker. Erased values are gone from the
// stored block as well as from the row (PROTOCOL.md §1.4), so a replayed write equals its row
// exactly. Together with ChainChecker::CompareState's row counts this covers every history row.
// Thread-safety: Push and Finish from the checker's thread.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "peerdb/audit/chain_checker.h"
#include "peerdb/state/executor.h"
#include "peerdb/store/store.h"
#include "peerdb/util/bounded_queue.h"

namespace peerdb::audit {

class HistoryComparer {
 public:
  static constexpr std::size_t kBehind = 8;

  // Opens `db_path` again, read-only, for the comparer's thread.
  static Result<std::unique_ptr<HistoryComparer>> Open(const std::string& db_path);
  ~HistoryComparer();
  HistoryComparer(const HistoryComparer&) = delete;
  HistoryComparer& operator=(const HistoryComparer&) = delete;

  // The writes of block h (id `id`), which passed every other check. Ignored after a failure.
  void Push(std::uint64_t h, const Hash32& id, std::vector<state::Write> writes);
  // Waits until every block pushed is compared: the first row that differs, if any. Push no more.
  CheckOutcome Finish();

 private:
  struct Block {
    std::uint64_t height = 0;
    Hash32 id{};
    std::vector<state::Write> writes;
  };
  explicit HistoryComparer(std::unique_ptr<store::Store> db);
  void Run();
  CheckOutcome Compare(const Block& b) const;

  std::unique_ptr<store::Store> m_db;  // used by the comparer's thread only
  BoundedQueue<Block> m_queue{kBehind};
  CheckOutcome m_failure;  // written by the thread; read after it is joined
  std::thread m_thread;
};

}  // namespace peerdb::audit
