#include "peerdb/util/file.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "../common/temp_dirs.h"

namespace peerdb::util {
namespace {

[[maybe_unused]] ::testing::Environment* const kCleanup =
    ::testing::AddGlobalTestEnvironment(new peerdb::test::TempDirCleanup("peerdb-file-"));

std::string TempDir() { return peerdb::test::FreshTempDir("peerdb-file-"); }

TEST(File, DurableWriteSetsModeAndExclusiveRefusesOverwrite) {
  const std::string path = TempDir() + "/key";
  ASSERT_TRUE(WriteFileDurable(path, AsBytes("secret"), 0600, true).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Status again = WriteFileDurable(path, AsBytes("other"), 0600, true);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kConflict);
  EXPECT_EQ(*ReadTextFile(path, 100), "secret");
}

TEST(File, ReadEnforcesSizeLimitAndReportsMissing) {
  const std::string path = TempDir() + "/f";
  ASSERT_TRUE(WriteFileDurable(path, AsBytes("0123456789"), 0644).ok());
  EXPECT_EQ(ReadFile(path, 9).error().code, Errc::kTooLarge);
  EXPECT_EQ(ReadFile(path, 10)->size(), 10u);
  EXPECT_EQ(ReadFile(path + "x", 10).error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace peerdb::util
