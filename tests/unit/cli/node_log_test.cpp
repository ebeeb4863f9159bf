// The node's log settings: JSON lines that any JSON parser reads whatever the message holds, a
// log file created with mode 0640 and appended to, and a check that creates nothing.
#include "peerdb/cli/node_log.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace peerdb::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::system_clock;

fs::path TempDir() {
  fs::path dir = fs::temp_directory_path() / ("peerdb-node-log-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(JsonLogLine, HoldsIsoUtcTimeLevelAndMessageOnOneLine) {
  const system_clock::time_point t{milliseconds(1'767'225'600'123)};  // 2026-01-01T00:00:00.123Z
  const std::string line = JsonLogLine(t, spdlog::level::warn, "node: stopped (member 1, head height 7)");
  EXPECT_EQ(line,
            "{\"time\":\"2026-01-01T00:00:00.123Z\",\"level\":\"warn\","
            "\"message\":\"node: stopped (member 1, head height 7)\"}\n");
}

TEST(JsonLogLine, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string message = "name \"Q\" \\ path\nsecond line\ttab \x01 é";
  const std::string line = JsonLogLine(system_clock::time_point{}, spdlog::level::err, message);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per record";
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["message"], message);
  EXPECT_EQ(parsed["level"], "error");
  EXPECT_EQ(parsed["time"], "1970-01-01T00:00:00.000Z");
}

TEST(JsonLogLine, ReplacesInvalidUtf8SoTheLineStaysJson) {
  const std::string line = JsonLogLine(system_clock::time_point{}, spdlog::level::info, "bad \xff\xfe bytes");
  const auto parsed = nlohmann::json::parse(line);  // throws on invalid JSON
  EXPECT_EQ(parsed["message"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

TEST(NodeLogger, CreatesTheFileWithMode0640AndAppends) {
  const fs::path dir = TempDir();
  node::NodeConfig config;
  config.log_file = (dir / "node.log").string();
  config.log_format = node::LogFormat::kJson;
  const mode_t old = ::umask(0);
  auto logger = MakeNodeLogger(config);
  ::umask(old);
  ASSERT_TRUE(logger.ok()) << logger.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(config.log_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  (*logger)->info("first {}", 1);
  logger = MakeNodeLogger(config);  // a restart appends
  ASSERT_TRUE(logger.ok());
  (*logger)->warn("second");
  const std::string text = ReadAll(config.log_file);
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  const auto second = nlohmann::json::parse(text.substr(text.find('\n') + 1));
  EXPECT_EQ(second["message"], "second");
  EXPECT_EQ(second["level"], "warn");
  fs::remove_all(dir);
}

TEST(NodeLogger, UnopenableFileIsAnErrorNamingIt) {
  const fs::path dir = TempDir();
  node::NodeConfig config;
  config.log_file = (dir / "missing-dir" / "node.log").string();
  auto logger = MakeNodeLogger(config);
  ASSERT_FALSE(logger.ok());
  EXPECT_EQ(logger.error().message, "cannot open log_file " + config.log_file + ": No such file or directory");
  const Status checked = CheckNodeLog(config);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().message, logger.error().message) << "--check says what the start would";
  config.log_file = dir.string();
  EXPECT_NE(CheckNodeLog(config).error().message.find("Is a directory"), std::string::npos);
  EXPECT_NE(MakeNodeLogger(config).error().message.find("Is a directory"), std::string::npos);
  fs::remove_all(dir);
}

TEST(NodeLogger, CheckCreatesNoFile) {
  const fs::path dir = TempDir();
  node::NodeConfig config;
  config.log_file = (dir / "node.log").string();
  EXPECT_TRUE(CheckNodeLog(config).ok());
  EXPECT_FALSE(fs::exists(config.log_file));
  config.log_file.clear();
  EXPECT_TRUE(CheckNodeLog(config).ok()) << "stderr needs no check";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace peerdb::cli
