// The command line in-process: exit codes, file modes and refusals. (Integration tests run the
// real binary against a real node; these pin the contract of each subcommand quickly.)
#include "peerdb/cli/cli.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <initializer_list>
#include <sys/stat.h>
#include <vector>

#include "peerdb/node/consortium_file.h"
#include "peerdb/node/identity.h"

namespace peerdb::cli {
namespace {

int RunArgs(std::initializer_list<std::string> args) {
  std::vector<std::string> storage{"peerdb"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  ApiLauncher no_api = [](node::Service&, const std::string&) -> Result<std::unique_ptr<RunningApi>> {
    return Error{Errc::kUnavailable, "no API in this test"};
  };
  return Run(static_cast<int>(argv.size()), argv.data(), no_api);
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("peerdb-cli-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string P(const std::string& rel) const { return (m_dir / rel).string(); }
  std::filesystem::path m_dir;
};

TEST_F(CliTest, UnknownCommandAndMissingFlagsAreBadInput) {
  EXPECT_EQ(RunArgs({"frobnicate"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"keygen", "--name", "A"}), kExitBadInput);
  EXPECT_EQ(RunArgs({}), kExitBadInput);
}

TEST_F(CliTest, KeygenWritesPrivateKeyWithMode0600AndRefusesToOverwrite) {
  ASSERT_EQ(RunArgs({"keygen", "--name", "Bank A", "--contact", "ops@a", "--out", P("a")}), kExitOk);
  struct stat st {};
  ASSERT_EQ(::stat(P("a/member.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto card = node::LoadMemberCard(P("a/member.json"));
  ASSERT_TRUE(card.ok()) << card.error().message;
  EXPECT_EQ(card->name, "Bank A");
  auto key = node::LoadMemberKey(P("a/member.key"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->signing.public_key(), card->pubkey);
  EXPECT_EQ(key->encryption.public_key, card->enc_pubkey);
  EXPECT_EQ(RunArgs({"keygen", "--name", "Bank A", "--contact", "ops@a", "--out", P("a")}), kExitBadInput);
  EXPECT_EQ(node::LoadMemberKey(P("a/member.key"))->signing.public_key(), card->pubkey) << "key was overwritten";
}

TEST_F(CliTest, ConsortiumCreateAssignsIdsInOrderAndShowReadsIt) {
  ASSERT_EQ(RunArgs({"keygen", "--name", "A", "--contact", "a", "--out", P("a"), "--address", "127.0.0.1:7401"}), kExitOk);
  ASSERT_EQ(RunArgs({"keygen", "--name", "B", "--contact", "b", "--out", P("b"), "--address", "127.0.0.1:7402"}), kExitOk);
  ASSERT_EQ(RunArgs({"keygen", "--name", "C", "--contact", "c", "--out", P("noaddr")}), kExitOk);
  // Members of a consortium of several find each other by their cards' addresses: refused here,
  // not at node start.
  EXPECT_EQ(RunArgs({"consortium", "create", "--member", P("a/member.json"), "--member", P("noaddr/member.json"),
                     "--out", P("bad.toml")}),
            kExitBadInput);
  EXPECT_FALSE(std::filesystem::exists(P("bad.toml")));
  ASSERT_EQ(RunArgs({"consortium", "create", "--member", P("a/member.json"), "--member", P("b/member.json"),
                     "--namespace", "books:append-only", "--namespace", "notes", "--out", P("c.toml")}),
            kExitOk);
  auto c = node::LoadConsortium(P("c.toml"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->genesis.config.members.size(), 2u);
  EXPECT_EQ(c->genesis.config.members[0].name, "A");
  EXPECT_EQ(c->genesis.config.members[1].id, 2u);
  ASSERT_NE(c->genesis.config.FindRule("books"), nullptr);
  EXPECT_EQ(c->genesis.config.FindRule("books")->mode, static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly));
  EXPECT_EQ(RunArgs({"consortium", "show", P("c.toml")}), kExitOk);
  EXPECT_EQ(RunArgs({"consortium", "create", "--member", P("a/member.json"), "--out", P("c.toml")}), kExitBadInput)
      << "must not overwrite";
}

TEST_F(CliTest, ConsortiumCreateRejectsBadNamespaceAndDuplicateMember) {
  ASSERT_EQ(RunArgs({"keygen", "--name", "A", "--contact", "a", "--out", P("a"), "--address", "127.0.0.1:7401"}), kExitOk);
  EXPECT_EQ(RunArgs({"consortium", "create", "--member", P("a/member.json"), "--namespace", "Books", "--out", P("x.toml")}),
            kExitBadInput);
  EXPECT_EQ(RunArgs({"consortium", "create", "--member", P("a/member.json"), "--namespace", "b:sometimes", "--out", P("x.toml")}),
            kExitBadInput);
  EXPECT_EQ(RunArgs({"consortium", "create", "--member", P("a/member.json"), "--member", P("a/member.json"), "--out",
                     P("x.toml")}),
            kExitBadInput);
  EXPECT_FALSE(std::filesystem::exists(P("x.toml")));
}

TEST_F(CliTest, ClientCommandsRejectNonJsonValueAndUnreachableNode) {
  EXPECT_EQ(RunArgs({"put", "--api", "http://127.0.0.1:1", "books", "k", "not-json"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"get", "--api", "http://127.0.0.1:1", "books", "k"}), kExitUnavailable);
  EXPECT_EQ(RunArgs({"status", "--api", "http://127.0.0.1:1"}), kExitUnavailable);
}

TEST_F(CliTest, AuditNeedsExactlyOneSourceAndAReadableFile) {
  EXPECT_EQ(RunArgs({"audit"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"audit", "--db", P("none.sqlite")}), kExitNotFound);
  EXPECT_EQ(RunArgs({"audit", "--chain", P("none.pdbx")}), kExitNotFound);
}

TEST_F(CliTest, AuditAndGetRefuseBadAnchorOptions) {
  EXPECT_EQ(RunArgs({"audit", "--db", P("x.sqlite"), "--esplora", "http://127.0.0.1:1", "--headers", P("h.json")}),
            kExitBadInput);
  EXPECT_EQ(RunArgs({"audit", "--db", P("x.sqlite"), "--network", "testnet"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"audit", "--db", P("x.sqlite"), "--min-confirmations", "0"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"audit", "--db", P("x.sqlite"), "--esplora", "ftp://x"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"get", "--api", "http://127.0.0.1:1", "--min-status", "sealed", "books", "k"}), kExitBadInput);
}

}  // namespace
}  // namespace peerdb::cli
