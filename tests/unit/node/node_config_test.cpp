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

}  // namespace
}  // namespace peerdb::node
