// Copies a WAL database's committed frames into the database file on a thread of its own, so that
// a commit never waits for a checkpoint. SQLite's automatic checkpoint runs inside the commit that
// crosses its threshold: with the state's pages scattered over the file that commit took 100-200 ms
// longer than its neighbours (32 MiB of WAL), on the path of every write it carried.
//
// The writer's connection reports the WAL's length after each commit (sqlite3_wal_hook, which also
// turns SQLite's own automatic checkpoint off for that connection). From `pages` frames on, the
// thread runs a PASSIVE checkpoint on a connection of its own: it copies what no reader still needs
// and waits for nobody, so neither a commit nor a long read is ever held up by it. The WAL starts
// over at a commit that finds every frame copied. Under a steady stream of commits the thread may
// never quite catch up: from 4 x `pages` frames on, the writer runs the PASSIVE checkpoint itself
// after its commit, as SQLite's automatic checkpoint would (nothing else appends meanwhile), which
// bounds the file.
//
// Durability is SQLite's either way: a commit is durable in the WAL (synchronous=FULL) before any
// checkpoint copies it, and a checkpoint syncs the WAL before and the database file after copying.
// Thread-safety: Start and the destructor on the writer's thread; runs() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "peerdb/sqlite/db.h"
#include "peerdb/util/result.h"

namespace peerdb::sqlite {

class Checkpointer {
 public:
  // Opens a second connection to `path` (the file `writer` has open in kDurable mode) and attaches
  // to `writer`, which must outlive the Checkpointer. Errors: as Db::Open; kInvalid for pages < 1.
  static Result<std::unique_ptr<Checkpointer>> Start(Db& writer, const std::string& path, int pages);
  // Detaches from the writer and stops the thread (a checkpoint in progress finishes first).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints the thread attempted so far (including ones another checkpoint kept busy).
  std::uint64_t runs() const { return m_runs.load(); }
  // The WAL's length in frames after the writer's last commit (0 before the first).
  int wal_pages() const { return m_last_wal_pages.load(); }

 private:
  Checkpointer(Db& writer, std::unique_ptr<Db> own, int pages);
  static constexpr int kInlineFactor = 4;  // from kInlineFactor x pages, the writer checkpoints itself
  static int OnCommit(void* self, struct sqlite3* db, const char* name, int wal_pages);
  void Run();

  Db& m_writer;
  std::unique_ptr<Db> m_db;  // used by the thread only
  const int m_pages;
  std::mutex m_mu;
  std::condition_variable m_cv;
  bool m_due = false;   // a commit left the WAL at `pages` frames or more (guarded by m_mu)
  bool m_stop = false;  // guarded by m_mu
  std::atomic<std::uint64_t> m_runs{0};
  std::atomic<int> m_last_wal_pages{0};
  std::thread m_thread;
};

}  // namespace peerdb::sqlite
