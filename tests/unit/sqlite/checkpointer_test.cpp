// Checkpointer: commits leave the checkpoint to its thread, the WAL stays bounded under a stream of
// commits, nothing committed is lost, and a reader's open snapshot holds up no commit (the WAL then
// grows, and starts over once the reader is done). Real files in a temporary directory.
#include "peerdb/sqlite/checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "peerdb/sqlite/stmt.h"
#include "temp_db.h"

namespace peerdb::sqlite {
namespace {

constexpr int kPages = 64;

std::uintmax_t WalBytes(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path + "-wal", ec);
  return ec ? 0 : size;
}

std::uint64_t CountRows(Db& db) {
  auto q = Stmt::Prepare(db, "SELECT count(*) FROM t", false);
  EXPECT_TRUE(q.ok());
  auto row = (*q)->Step();
  EXPECT_TRUE(row.ok() && *row);
  return *(*q)->ColumnU64(0);
}

// Waits (deadline, not a fixed sleep) until `done` holds.
template <class F>
bool WaitFor(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A durable file with table t, its writer's connection and a Checkpointer attached to it.
struct Writer {
  explicit Writer(const std::string& path) {
    auto opened = Db::Open(path, OpenMode::kDurable);
    EXPECT_TRUE(opened.ok());
    db = std::move(opened).value();
    EXPECT_TRUE(db->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB NOT NULL)").ok());
    auto started = Checkpointer::Start(*db, path, kPages);
    EXPECT_TRUE(started.ok()) << started.error().ToString();
    checkpointer = std::move(started).value();
  }
  std::unique_ptr<Db> db;
  std::unique_ptr<Checkpointer> checkpointer;  // after db: stops first
};

TEST(Checkpointer, TheThreadCheckpointsTheWalStaysBoundedAndEveryCommitSurvives) {
  testing::TempDb tmp;
  {
    Writer w(tmp.path());
    std::uintmax_t largest = 0;
    for (int i = 0; i < 1000; ++i) {  // ~5 frames each: 16 MB in all, 4,000 pages' worth
      ASSERT_TRUE(w.db->Exec("INSERT INTO t(v) VALUES(randomblob(16000))").ok());
      largest = std::max(largest, WalBytes(tmp.path()));
    }
    EXPECT_TRUE(WaitFor([&] { return w.checkpointer->runs() >= 1; }));
    // Without checkpoints the WAL would hold every commit (16 MB); the writer itself steps in at
    // 4 x kPages, so a slow thread cannot let it run away either.
    EXPECT_LT(largest, std::uintmax_t{16} * kPages * 4096);
  }
  auto reopened = Db::Open(tmp.path(), OpenMode::kDurable);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(CountRows(**reopened), 1000u);
  auto check = Stmt::Prepare(**reopened, "PRAGMA integrity_check", false);
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(*(*check)->Step());
  EXPECT_EQ((*check)->ColumnText(0), "ok");
}

TEST(Checkpointer, AReadersSnapshotHoldsUpNoCommitAndTheWalStartsOverAfterIt) {
  testing::TempDb tmp;
  Writer w(tmp.path());
  auto reader = Db::Open(tmp.path(), OpenMode::kReadOnly);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Exec("BEGIN").ok());
  EXPECT_EQ(CountRows(**reader), 0u);  // the snapshot is taken here
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(w.db->Exec("INSERT INTO t(v) VALUES(randomblob(16000))").ok()) << "commit " << i;
  }
  EXPECT_GT(w.checkpointer->wal_pages(), 4 * kPages);  // nothing could be copied past the snapshot
  EXPECT_EQ(CountRows(**reader), 0u);
  ASSERT_TRUE((*reader)->Exec("COMMIT").ok());
  // Reader gone: the frames are copied, and a later commit starts the WAL over.
  int commits = 0;
  EXPECT_TRUE(WaitFor([&] {
    EXPECT_TRUE(w.db->Exec("INSERT INTO t(v) VALUES(randomblob(100))").ok());
    ++commits;
    return w.checkpointer->wal_pages() < kPages;
  })) << "WAL still at " << w.checkpointer->wal_pages() << " frames after " << commits << " commits";
  EXPECT_EQ(CountRows(*w.db), 200u + static_cast<unsigned>(commits));
}

}  // namespace
}  // namespace peerdb::sqlite
