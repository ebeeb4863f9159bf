// node.toml: paths relative to the file's directory, defaults, and refusal of unknown, missing or
// mistyped settings.
#include <gtest/gtest.h>

#include <filesystem>

#include "node_fixture.h"
#include "peerdb/node/node_config.h"

namespace peerdb::node {
namespace {

TEST(NodeConfig, RelativePathsAreResolvedAgainstTheFilesDirectory) {
  const std::string dir = test::TempDir();
  std::filesystem::create_directories(dir + "/etc");
  test::WriteText(dir + "/etc/node.toml",
                  "consortium = \"consortium.toml\"\n"
                  "key = \"../keys/./member.key\"\n"
                  "data_dir = \"/var/lib/peerdb\"\n");
  auto c = LoadNodeConfig(dir + "/etc/node.toml");
  ASSERT_EQ(ErrcOf(c), Errc::kOk) << MessageOf(c);
  EXPECT_EQ(c->consortium_path, dir + "/etc/consortium.toml");
  EXPECT_EQ(c->key_path, dir + "/keys/member.key");
  EXPECT_EQ(c->data_dir, "/var/lib/peerdb") << "absolute paths are kept";
  EXPECT_EQ(c->api_listen, "127.0.0.1:7070");
  EXPECT_EQ(c->log_level, "info");
}

TEST(NodeConfig, DecodeUsesTheGivenBaseAndOptionalSettings) {
  auto c = DecodeNodeConfig(
      "consortium = \"c.toml\"\nkey = \"k\"\ndata_dir = \"data/\"\napi_listen = \"0.0.0.0:8080\"\nlog_level = \"debug\"\n",
      "/srv/peerdb");
  ASSERT_EQ(ErrcOf(c), Errc::kOk) << MessageOf(c);
  EXPECT_EQ(c->consortium_path, "/srv/peerdb/c.toml");
  EXPECT_EQ(c->key_path, "/srv/peerdb/k");
  EXPECT_EQ(c->data_dir, "/srv/peerdb/data/");
  EXPECT_EQ(c->api_listen, "0.0.0.0:8080");
  EXPECT_EQ(c->log_level, "debug");
}

TEST(NodeConfig, StateTreeFlushBlocksIsANumberOfBlocksWithADefault) {
  const std::string base = "consortium = \"c.toml\"\nkey = \"k\"\ndata_dir = \"d\"\n";
  auto defaults = DecodeNodeConfig(base, "/x");
  ASSERT_EQ(ErrcOf(defaults), Errc::kOk);
  EXPECT_EQ(defaults->state_tree_flush_blocks, 64u);
  auto set = DecodeNodeConfig(base + "state_tree_flush_blocks = 8\n", "/x");
  ASSERT_EQ(ErrcOf(set), Errc::kOk) << MessageOf(set);
  EXPECT_EQ(set->state_tree_flush_blocks, 8u);
  for (const char* bad : {"0", "-3", "100001", "\"64\"", "6.5"}) {
    auto c = DecodeNodeConfig(base + "state_tree_flush_blocks = " + bad + "\n", "/x");
    ASSERT_EQ(ErrcOf(c), Errc::kConfig) << bad;
    EXPECT_NE(MessageOf(c).find("state_tree_flush_blocks must be a number of blocks (1..100000)"), std::string::npos)
        << MessageOf(c);
  }
}

TEST(NodeConfig, UnknownSettingIsRefusedByName) {
  auto c = DecodeNodeConfig("consortium = \"c\"\nkey = \"k\"\ndata_dir = \"d\"\ndatadir = \"typo\"\n", "/x");
  EXPECT_EQ(ErrcOf(c), Errc::kConfig);
  EXPECT_NE(MessageOf(c).find("'datadir'"), std::string::npos) << MessageOf(c);
  c = DecodeNodeConfig("consortium = \"c\"\nkey = \"k\"\ndata_dir = \"d\"\n[api]\nlisten = \"x\"\n", "/x");
  EXPECT_EQ(ErrcOf(c), Errc::kConfig) << "tables are unknown settings too";
}

TEST(NodeConfig, MissingRequiredSettingsAreRefused) {
  const std::string all = "consortium = \"c\"\nkey = \"k\"\ndata_dir = \"d\"\n";
  ASSERT_EQ(ErrcOf(DecodeNodeConfig(all, "/x")), Errc::kOk);
  for (const char* key : {"consortium", "key", "data_dir"}) {
    std::string text;
    for (const char* k : {"consortium", "key", "data_dir"}) {
      if (std::string(k) != key) text += std::string(k) + " = \"v\"\n";
    }
    auto c = DecodeNodeConfig(text, "/x");
    EXPECT_EQ(ErrcOf(c), Errc::kConfig) << key;
    EXPECT_NE(MessageOf(c).find(std::string("missing '") + key + "'"), std::string::npos) << MessageOf(c);
  }
}

TEST(NodeConfig, NonStringValuesAndBadTomlAreRefused) {
  auto c = DecodeNodeConfig("consortium = \"c\"\nkey = \"k\"\ndata_dir = 5\n", "/x");
  EXPECT_EQ(ErrcOf(c), Errc::kConfig);
  EXPECT_NE(MessageOf(c).find("'data_dir' must be a string"), std::string::npos) << MessageOf(c);
  c = DecodeNodeConfig("consortium = \"c\"\nkey = \"k\"\ndata_dir \"d\"\n", "/x");
  EXPECT_EQ(ErrcOf(c), Errc::kConfig);
  EXPECT_NE(MessageOf(c).find("line 3"), std::string::npos) << MessageOf(c);
  EXPECT_EQ(ErrcOf(LoadNodeConfig(test::TempDir() + "/absent.toml")), Errc::kNotFound);
}

constexpr char kBase[] = "consortium = \"c\"\nkey = \"k\"\ndata_dir = \"d\"\n";

TEST(NodeConfigLog, DefaultsToTextOnStderr) {
  auto c = DecodeNodeConfig(kBase, "/x");
  ASSERT_EQ(ErrcOf(c), Errc::kOk) << MessageOf(c);
  EXPECT_EQ(c->log_file, "");
  EXPECT_EQ(c->log_format, LogFormat::kText);
}

TEST(NodeConfigLog, LogFileIsResolvedLikeTheOtherPaths) {
  auto c = DecodeNodeConfig(std::string(kBase) + "log_file = \"log/node.log\"\nlog_format = \"json\"\n", "/srv/peerdb");
  ASSERT_EQ(ErrcOf(c), Errc::kOk) << MessageOf(c);
  EXPECT_EQ(c->log_file, "/srv/peerdb/log/node.log");
  EXPECT_EQ(c->log_format, LogFormat::kJson);
  c = DecodeNodeConfig(std::string(kBase) + "log_file = \"/var/log/peerdb/node.log\"\nlog_format = \"text\"\n", "/srv");
  ASSERT_EQ(ErrcOf(c), Errc::kOk) << MessageOf(c);
  EXPECT_EQ(c->log_file, "/var/log/peerdb/node.log");
  EXPECT_EQ(c->log_format, LogFormat::kText);
}

TEST(NodeConfigLog, BadValuesAreRefusedNamingTheSetting) {
  const std::pair<std::string, std::string> cases[] = {
      {"log_format = \"yaml\"\n", "log_format must be \"text\" or \"json\""},
      {"log_format = \"JSON\"\n", "log_format must be"},
      {"log_format = 1\n", "'log_format' must be a string"},
      {"log_file = true\n", "'log_file' must be a string"},
      {"log_level = \"loud\"\n", "log_level must be trace, debug, info, warn, error or off"},
      {"api_listen = \"7070\"\n", "api_listen: listen address"},
      {"api_listen = \"api.example:7070\"\n", "api_listen: listen address"},
  };
  for (const auto& [line, needle] : cases) {
    auto c = DecodeNodeConfig(std::string(kBase) + line, "/x");
    EXPECT_EQ(ErrcOf(c), Errc::kConfig) << line;
    EXPECT_NE(MessageOf(c).find(needle), std::string::npos) << needle << " / " << MessageOf(c);
  }
  EXPECT_EQ(ErrcOf(DecodeNodeConfig(std::string(kBase) + "log_level = \"off\"\n", "/x")), Errc::kOk);
}

TEST(NodeConfigAnchor, OffByDefaultWithDocumentedDefaults) {
  auto c = DecodeNodeConfig(kBase, "/x");
  ASSERT_EQ(ErrcOf(c), Errc::kOk) << MessageOf(c);
  EXPECT_FALSE(c->anchor.enabled);
  EXPECT_EQ(c->anchor.min_calendars, 2u);
  EXPECT_EQ(c->anchor.interval_ms, 3'600'000u);
  EXPECT_EQ(c->anchor.upgrade_interval_ms, 600'000u);
  EXPECT_FALSE(c->anchor.confirmations.has_value()) << "the consortium's k_anchor applies";
  EXPECT_EQ(c->anchor.network, BitcoinNetwork::kMainnet);
}

TEST(NodeConfigAnchor, FullSectionIsRead) {
  auto c = DecodeNodeConfig(std::string(kBase) +
                                "[anchor]\nenabled = true\ncalendars = [\"http://127.0.0.1:9000\", \"https://b.example/cal\"]\n"
                                "min_calendars = 1\ninterval_ms = 200\nupgrade_interval_ms = 100\n"
                                "esplora = \"http://127.0.0.1:9000/esplora\"\nconfirmations = 2\nnetwork = \"regtest\"\n"
                                "whitelist = [\"https://*.calendar.example\"]\ntimeout_ms = 1500\n",
                            "/x");
  ASSERT_EQ(ErrcOf(c), Errc::kOk) << MessageOf(c);
  const AnchorConfig& a = c->anchor;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.calendars, (std::vector<std::string>{"http://127.0.0.1:9000", "https://b.example/cal"}));
  EXPECT_EQ(a.min_calendars, 1u);
  EXPECT_EQ(a.interval_ms, 200u);
  EXPECT_EQ(a.upgrade_interval_ms, 100u);
  EXPECT_EQ(a.esplora, "http://127.0.0.1:9000/esplora");
  EXPECT_EQ(a.confirmations, 2u);
  EXPECT_EQ(a.network, BitcoinNetwork::kRegtest);
  EXPECT_EQ(a.whitelist, (std::vector<std::string>{"https://*.calendar.example"}));
  EXPECT_EQ(a.timeout_ms, 1500u);
}

TEST(NodeConfigAnchor, EachBadSettingIsRefusedWithItsName) {
  const std::string on = std::string(kBase) +
                         "[anchor]\nenabled = true\ncalendars = [\"http://127.0.0.1:1\", \"http://127.0.0.1:2\"]\n"
                         "esplora = \"http://127.0.0.1:3\"\n";
  ASSERT_EQ(ErrcOf(DecodeNodeConfig(on, "/x")), Errc::kOk) << MessageOf(DecodeNodeConfig(on, "/x"));
  const std::pair<std::string, std::string> cases[] = {
      {on + "min_calendars = 3\n", "min_calendars 3 exceeds the 2 calendars"},
      {on + "min_calendars = 0\n", "min_calendars must be an integer from 1"},
      {on + "interval_ms = -5\n", "interval_ms must be an integer"},
      {on + "upgrade_interval_ms = \"10\"\n", "upgrade_interval_ms must be an integer"},
      {on + "confirmations = 0\n", "confirmations must be an integer from 1"},
      {on + "network = \"testnet\"\n", "network must be"},
      {on + "bitcoind_rest = \"http://127.0.0.1:4\"\n", "only one of esplora and bitcoind_rest"},
      {on + "calender = []\n", "unknown setting 'calender'"},
      {on + "whitelist = [1]\n", "whitelist must be a list of strings"},
      {on + "timeout_ms = 5\n", "timeout_ms must be"},
      {std::string(kBase) + "[anchor]\nenabled = \"yes\"\n", "enabled must be true or false"},
      {std::string(kBase) + "[anchor]\nenabled = true\nesplora = \"http://h\"\n", "calendars lists no calendar"},
      {std::string(kBase) + "[anchor]\nenabled = true\ncalendars = [\"http://h\"]\nmin_calendars = 1\n", "no Bitcoin header source"},
      {std::string(kBase) + "[anchor]\ncalendars = [\"ftp://h\"]\n", "calendars: URL"},
      {std::string(kBase) + "[anchor]\ncalendars = [\"http://h\", \"http://h\"]\n", "twice"},
      {std::string(kBase) + "[anchor]\nesplora = \"h:1\"\n", "esplora: URL"},
      {std::string(kBase) + "anchor = \"on\"\n", "must be a table"},
  };
  for (const auto& [text, needle] : cases) {
    auto c = DecodeNodeConfig(text, "/x");
    EXPECT_EQ(ErrcOf(c), Errc::kConfig) << text;
    EXPECT_NE(MessageOf(c).find(needle), std::string::npos) << needle << " / " << MessageOf(c);
  }
  // Off: settings are still checked, but calendars and a header source are not required.
  EXPECT_EQ(ErrcOf(DecodeNodeConfig(std::string(kBase) + "[anchor]\nenabled = false\n", "/x")), Errc::kOk);
}

}  // namespace
}  // namespace peerdb::node
