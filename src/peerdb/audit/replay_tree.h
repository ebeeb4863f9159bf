// The state tree `peerdb audit` replays, kept in two halves that each work on a thread of their
// own, so that reading leaves, putting them, hashing pages and writing rows (most of an audit's
// work) run on two cores, beside the checker's own thread, which executes the next block meanwhile.
// The halves split the paths by their first bit: the root page's slots 0-7 and 8-15. Each half is
// a state::StoredStateTree of its own over a scratch database of its own (ReplayStore); below the
// root its pages and leaves are exactly the whole tree's, since a subtree depends only on the keys
// under its prefix. The whole tree's root page is the two root pages' slots side by side: the
// state root is its hash (StoredStateTree::PageHash), and the tree's rows in key order are both
// halves' rows merged, with that one root row in place of the halves' own.
// The owner starts work (StartFind, StartPut, StartRoot) and later takes its result (TakeFound,
// TakeRoot); each half does the work in the order it was started. So the next block's leaves can
// be read first, and that block executes while the halves put this block's leaves and hash:
//   StartFind(block h + 1) → StartPut(block h) → StartRoot() → TakeFound() → execute h + 1 → TakeRoot()
// (the owner then lays block h's writes over the leaves read).
// An error of a half (its scratch database) stops that half's later work and comes out of the
// next Take or call. Thread-safety: one owner thread calls every member.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "peerdb/audit/replay_store.h"
#include "peerdb/state/stored_state_tree.h"
#include "peerdb/util/serial_worker.h"

namespace peerdb::audit {

class ReplayTree {
 public:
  // Pages and leaves the pending changes of both halves hold in memory before a half writes its
  // own to its scratch database (~150 MB): a page many blocks rewrite is written once.
  static constexpr std::size_t kRowsInMemory = 200'000;
  // SQLite's page cache of each half's scratch database.
  static constexpr std::int64_t kCacheBytesPerHalf = 128LL << 20;

  // Errors: kIo when no temporary file can be made.
  static Result<std::unique_ptr<ReplayTree>> Create();
  ~ReplayTree();  // the halves finish the work started
  ReplayTree(const ReplayTree&) = delete;
  ReplayTree& operator=(const ReplayTree&) = delete;

  // The leaves of a set of keys, by LeafName(ns, key); nullopt for a key the tree lacks.
  using Leaves = std::unordered_map<std::string, std::optional<state::StateLeaf>>;
  static std::string LeafName(std::string_view ns, std::string_view key);
  struct KeyRef {
    std::string_view ns, key;
  };

  // Starts reading the leaves of `keys` (copied) as the Puts started before leave them.
  // REQUIRES: the previous StartFind was taken.
  void StartFind(const std::vector<KeyRef>& keys);
  // The leaves of the last StartFind, once read.
  Result<Leaves> TakeFound();
  // Starts putting each leaf into its half.
  void StartPut(const std::vector<state::StateLeaf>& leaves);
  // Starts hashing the root with every Put started before; a half whose pending changes hold
  // kRowsInMemory / 2 rows then writes them. REQUIRES: the previous StartRoot was taken.
  void StartRoot();
  // The root of the last StartRoot, once hashed.
  Result<Hash32> TakeRoot();

  // One leaf, after every Put started (waits for the work started before).
  Result<std::optional<state::StateLeaf>> Find(std::string_view ns, std::string_view key);
  // Every pending row of both halves to their scratch databases, after every Put started.
  Status WriteAll();

  // REQUIRES for the two below: WriteAll() since the last Put, and nothing started since.
  // Every leaf in path order; stops when fn returns false.
  Status ForEachLeaf(const std::function<bool(const state::StateLeaf&)>& fn) const;
  // The whole tree's rows in key order, one at a time.
  class RowCursor {
   public:
    // nullopt after the last row.
    Result<std::optional<state::TreeRow>> Next();

   private:
    friend class ReplayTree;
    RowCursor(ReplayStore::RowCursor first, ReplayStore::RowCursor second, state::TreeRow root);
    Status Fill(std::size_t half);
    std::optional<ReplayStore::RowCursor> m_rows[2];
    std::optional<state::TreeRow> m_head[2];  // each half's next row; nullopt once it is done
    bool m_started = false;
    state::TreeRow m_root;  // the whole tree's root row
  };
  Result<RowCursor> Rows() const;

 private:
  // What a half's worker alone touches, from the moment work is started until it is taken.
  struct Half {
    std::unique_ptr<ReplayStore> store;
    std::unique_ptr<state::StoredStateTree> tree;
    state::StoredStateTree::Page root;  // its root page as of the last StartRoot
    Status failed;                      // the first error: later work on this half is skipped
    std::unique_ptr<SerialWorker> worker;
  };
  struct Lookup {
    std::string_view ns, key;                // into the Leaves key
    std::optional<state::StateLeaf>* leaf;  // the Leaves entry, which no half moves
  };
  struct PendingFind {
    Leaves leaves;
    std::vector<Lookup> wanted[2];
    std::future<Status> done[2];
  };

  ReplayTree() = default;
  static std::size_t HalfOf(const Hash32& path) { return path[0] >> 7; }
  // Runs `work` on half i's worker after the work started before; its Status comes out of the future.
  std::future<Status> Run(std::size_t i, std::function<Status(Half&)> work);
  // Waits for both futures: the first error, else Ok.
  static Status Both(std::future<Status> (&done)[2]);
  static Status WriteHalf(Half& half);
  state::StoredStateTree::Page WholeRootPage() const;

  Half m_half[2];
  std::unique_ptr<PendingFind> m_find;
  std::optional<std::future<Status>> m_root[2];
};

}  // namespace peerdb::audit
