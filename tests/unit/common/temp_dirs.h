// Per-test directories under the system temp directory, named PREFIX-PID-SUITE-TEST, and their
// removal once the test binary's run has passed (a failed run keeps them for inspection). A test
// binary that uses them registers the cleanup once, at namespace scope in one of its files:
//   [[maybe_unused]] ::testing::Environment* const kCleanup =
//       ::testing::AddGlobalTestEnvironment(new peerdb::test::TempDirCleanup("peerdb-store-"));
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace peerdb::test {

// "PREFIX-PID-": this process's directories only, so parallel test processes never touch each other's.
inline std::string TempDirPrefix(const std::string& prefix) { return prefix + std::to_string(::getpid()) + "-"; }

// A fresh, empty directory for the running test.
inline std::string FreshTempDir(const std::string& prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto d = std::filesystem::temp_directory_path() /
                 (TempDirPrefix(prefix) + info->test_suite_name() + "-" + info->name());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

class TempDirCleanup final : public ::testing::Environment {
 public:
  explicit TempDirCleanup(std::string prefix) : m_prefix(std::move(prefix)) {}
  void TearDown() override {
    if (!::testing::UnitTest::GetInstance()->Passed()) return;
    const std::string mine = TempDirPrefix(m_prefix);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
      if (entry.path().filename().string().rfind(mine, 0) == 0) std::filesystem::remove_all(entry.path(), ec);
    }
  }

 private:
  std::string m_prefix;
};

}  // namespace peerdb::test
