#include "peerdb/sqlite/checkpointer.h"

#include <sqlite3.h>

namespace peerdb::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(Db& writer, const std::string& path, int pages) {
  if (pages < 1) return Error{Errc::kInvalid, "checkpoint threshold must be at least one page"};
  PEERDB_TRY_ASSIGN(std::unique_ptr<Db> own, Db::Open(path, OpenMode::kDurable));
  return std::unique_ptr<Checkpointer>(new Checkpointer(writer, std::move(own), pages));
}

Checkpointer::Checkpointer(Db& writer, std::unique_ptr<Db> own, int pages)
    : m_writer(writer), m_db(std::move(own)), m_pages(pages) {
  m_thread = std::thread([this] { Run(); });
  sqlite3_wal_hook(m_writer.get(), &Checkpointer::OnCommit, this);
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(m_writer.get(), nullptr, nullptr);
  {
    std::lock_guard<std::mutex> lock(m_mu);
    m_stop = true;
  }
  m_cv.notify_one();
  m_thread.join();
}

int Checkpointer::OnCommit(void* self, sqlite3* db, const char* name, int wal_pages) {
  auto* c = static_cast<Checkpointer*>(self);
  c->m_last_wal_pages.store(wal_pages);
  if (wal_pages >= kInlineFactor * c->m_pages) {
    // The thread has fallen behind: copy inline, as SQLite's own automatic checkpoint does from
    // its hook. SQLITE_BUSY while the thread holds the checkpoint: the next commit tries again.
    (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  if (wal_pages < c->m_pages) return SQLITE_OK;
  {
    std::lock_guard<std::mutex> lock(c->m_mu);
    c->m_due = true;
  }
  c->m_cv.notify_one();
  return SQLITE_OK;
}

void Checkpointer::Run() {
  std::unique_lock<std::mutex> lock(m_mu);
  for (;;) {
    m_cv.wait(lock, [this] { return m_stop || m_due; });
    if (m_stop) return;
    m_due = false;  // a commit during the checkpoint asks again
    lock.unlock();
    // SQLITE_BUSY (another checkpoint holds the lock, e.g. an erasure's TRUNCATE) and I/O errors
    // leave the WAL as it was: the next commit asks again, and a failing disk fails the writer's
    // own commits, which stop the node.
    (void)sqlite3_wal_checkpoint_v2(m_db->get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    m_runs.fetch_add(1);
    lock.lock();
  }
}

}  // namespace peerdb::sqlite
