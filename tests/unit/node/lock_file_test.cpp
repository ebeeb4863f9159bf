// LockFile: one holder per path (S7), also within one process, and released on destruction.
#include <gtest/gtest.h>
#include <unistd.h>

#include "node_fixture.h"
#include "peerdb/node/lock_file.h"

namespace peerdb::node {
namespace {

TEST(LockFile, SecondAcquireOfTheSamePathConflictsUntilTheFirstIsReleased) {
  const std::string path = test::TempDir() + "/node.lock";
  auto first = LockFile::Acquire(path, "data_dir /srv/a");
  ASSERT_EQ(ErrcOf(first), Errc::kOk) << MessageOf(first);

  // flock locks belong to the open file, so a second descriptor in this process conflicts too.
  auto second = LockFile::Acquire(path, "data_dir /srv/a");
  EXPECT_EQ(ErrcOf(second), Errc::kConflict);
  EXPECT_NE(MessageOf(second).find("data_dir /srv/a is already in use"), std::string::npos) << MessageOf(second);
  EXPECT_NE(MessageOf(second).find(path), std::string::npos) << MessageOf(second);

  first->reset();
  auto third = LockFile::Acquire(path, "data_dir /srv/a");
  EXPECT_EQ(ErrcOf(third), Errc::kOk) << "released on destruction: " << MessageOf(third);
}

TEST(LockFile, RecordsTheHoldersPid) {
  const std::string path = test::TempDir() + "/member.key.lock";
  auto lock = LockFile::Acquire(path, "member key");
  ASSERT_EQ(ErrcOf(lock), Errc::kOk);
  EXPECT_EQ(test::ReadText(path), std::to_string(::getpid()) + "\n");
}

TEST(LockFile, DifferentPathsDoNotConflict) {
  const std::string dir = test::TempDir();
  auto a = LockFile::Acquire(dir + "/a.lock", "a");
  auto b = LockFile::Acquire(dir + "/b.lock", "b");
  EXPECT_EQ(ErrcOf(a), Errc::kOk);
  EXPECT_EQ(ErrcOf(b), Errc::kOk);
}

TEST(LockFile, UncreatableLockFileIsAnIoError) {
  auto lock = LockFile::Acquire(test::TempDir() + "/no/such/dir/node.lock", "data_dir");
  EXPECT_EQ(ErrcOf(lock), Errc::kIo);
}

}  // namespace
}  // namespace peerdb::node
