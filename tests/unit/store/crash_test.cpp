// Atomicity under kill -9: a child process commits large blocks and is killed with SIGKILL at a
// random moment, usually inside a commit. The file must then hold whole blocks only: every block
// present with all its rows, no row of a block that is absent, and every commit the child
// reported as returned still there (durability).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "peerdb/store/store.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

using test::TestChain;

constexpr std::size_t kWritesPerBlock = 3000;

// Progress messages from the child: the height, with the low bit saying whether CommitBlock has
// returned for it (1) or is about to be called (0).
std::uint64_t Starting(std::uint64_t h) { return h << 1; }
std::uint64_t Returned(std::uint64_t h) { return (h << 1) | 1; }

// Child: opens the store and commits blocks from head + 1 on, reporting each commit's start and
// return on `fd`. Never returns.
[[noreturn]] void CommitForever(const std::string& path, int fd) {
  TestChain chain(kWritesPerBlock);
  auto store = Store::Open(path);
  if (!store.ok()) ::_exit(2);
  auto head = (*store)->HeadHeight();
  if (!head.ok()) ::_exit(3);
  auto report = [fd](std::uint64_t msg) {
    if (::write(fd, &msg, sizeof(msg)) != static_cast<ssize_t>(sizeof(msg))) ::_exit(5);
  };
  for (std::uint64_t h = *head + 1;; ++h) {
    const BlockCommit c = chain.Make(h);
    report(Starting(h));
    if (!(*store)->CommitBlock(c).ok()) ::_exit(4);
    report(Returned(h));
  }
}

struct KillOutcome {
  std::uint64_t returned = 0;  // highest height whose CommitBlock returned
  bool mid_commit = false;     // the kill landed between a commit's start and its return
};

// Forks a committer, waits until `min_blocks` commits returned and the next one started, lets it
// run for `delay`, then kills it with SIGKILL.
KillOutcome RunAndKill(const std::string& path, std::uint64_t min_blocks, std::chrono::microseconds delay) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    CommitForever(path, fds[1]);
  }
  ::close(fds[1]);
  KillOutcome out;
  std::uint64_t msg = 0;
  std::uint64_t returned_seen = 0;
  auto next = [&]() {
    if (::read(fds[0], &msg, sizeof(msg)) != static_cast<ssize_t>(sizeof(msg))) return false;  // child died
    if (msg & 1) {
      out.returned = msg >> 1;
      ++returned_seen;
    }
    return true;
  };
  while (next() && (returned_seen < min_blocks || (msg & 1) != 0)) {
  }
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child exited early with status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  while (next()) {  // messages sent between the last read and the kill
  }
  out.mid_commit = (msg & 1) == 0;
  ::close(fds[0]);
  return out;
}

TEST(StoreCrash, KillDuringCommitsLeavesOnlyWholeBlocks) {
  const std::string path = test::TempDir() + "/node.db";
  TestChain chain(kWritesPerBlock);
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->InitGenesis(chain.genesis()).ok());
  }
  std::mt19937 rng(20240611);
  int mid_commit = 0;
  for (int round = 0; round < 5; ++round) {
    // Commits of this size take several milliseconds, so a kill soon after a start message
    // usually lands inside CommitBlock: encoding, the inserts, or the fsync of the commit.
    const auto delay = std::chrono::microseconds(rng() % 4'000);
    const KillOutcome killed = RunAndKill(path, 2, delay);
    ASSERT_GT(killed.returned, 0u);
    mid_commit += killed.mid_commit ? 1 : 0;
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    auto head = (*store)->HeadHeight();
    ASSERT_TRUE(head.ok());
    EXPECT_GE(*head, killed.returned) << "a commit that returned was lost";
    EXPECT_LE(*head, killed.returned + 1) << "at most the commit in flight may have landed";
    EXPECT_EQ(test::CheckHoldsExactly(**store, chain, *head), "") << "round " << round;
    EXPECT_EQ(test::RunSqliteCli(path, "PRAGMA integrity_check"), "ok\n");
  }
  EXPECT_GE(mid_commit, 3) << "too few kills landed inside a commit to test atomicity";
}

}  // namespace
}  // namespace peerdb::store
