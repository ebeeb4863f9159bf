// The command line in-process: exit codes, file modes and refusals. (Integration tests run the
// real binary against a real node; these pin the contract of each subcommand quickly.)
#include "peerdb/cli/cli.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <vector>

#include "peerdb/node/consortium_file.h"
#include "peerdb/node/identity.h"

namespace peerdb::cli {
namespace {

int RunArgs(const std::vector<std::string>& args) {
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

TEST_F(CliTest, ConsortiumCreateStoresAccessListsAndShowPrintsThem) {
  for (const char* n : {"a", "b", "c"}) {
    ASSERT_EQ(RunArgs({"keygen", "--name", std::string("Bank ") + n, "--contact", n, "--out", P(n), "--address",
                       "127.0.0.1:7401"}),
              kExitOk);
  }
  auto create = [&](std::initializer_list<std::string> rule_flags) {
    std::vector<std::string> args{"consortium", "create", "--member", P("a/member.json"), "--member", P("b/member.json"),
                                  "--member", P("c/member.json"), "--out", P("c.toml")};
    args.insert(args.end(), rule_flags.begin(), rule_flags.end());
    return RunArgs(args);
  };
  // Unknown and repeated ids, a list for a namespace not defined, a list given twice: exit 2, no file.
  EXPECT_EQ(create({"--namespace", "books", "--writers", "books=1,4"}), kExitBadInput);
  EXPECT_EQ(create({"--namespace", "books", "--writers", "books=1,1"}), kExitBadInput);
  EXPECT_EQ(create({"--namespace", "books", "--writers", "notes=1"}), kExitBadInput);
  EXPECT_EQ(create({"--namespace", "books", "--editors", "books=1", "--editors", "books=2"}), kExitBadInput);
  EXPECT_EQ(create({"--namespace", "books:sometimes:encrypted"}), kExitBadInput);
  EXPECT_FALSE(std::filesystem::exists(P("c.toml")));

  ASSERT_EQ(create({"--namespace", "books:append-only", "--writers", "books=3,1", "--namespace", "notes:editors-edit",
                    "--editors", "notes=2", "--namespace", "hr:owner-edit:encrypted", "--readers", "hr=3,2"}),
            kExitOk);
  auto c = node::LoadConsortium(P("c.toml"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  const chain::Rule* books = c->genesis.config.FindRule("books");
  const chain::Rule* notes = c->genesis.config.FindRule("notes");
  const chain::Rule* hr = c->genesis.config.FindRule("hr");
  ASSERT_TRUE(books && notes && hr);
  EXPECT_EQ(books->writers, (std::vector<chain::MemberId>{1, 3}));
  EXPECT_EQ(notes->editors, (std::vector<chain::MemberId>{2}));
  EXPECT_EQ(notes->mode, static_cast<std::uint8_t>(chain::RuleMode::kEditorsEdit));
  EXPECT_TRUE(hr->encrypted);
  EXPECT_EQ(hr->readers, (std::vector<chain::MemberId>{2, 3}));

  ::testing::internal::CaptureStdout();
  ASSERT_EQ(RunArgs({"consortium", "show", P("c.toml")}), kExitOk);
  const std::string text = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(text.find("  books  append-only\n      writers: 1 (Bank a), 3 (Bank c)\n      editors: none\n"
                      "      readers: all members\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  hr  owner-edit  encrypted\n      writers: all members\n      editors: none\n"
                      "      readers: 2 (Bank b), 3 (Bank c)\n"),
            std::string::npos)
      << text;
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(RunArgs({"consortium", "show", "--json", P("c.toml")}), kExitOk);
  const auto doc = nlohmann::json::parse(::testing::internal::GetCapturedStdout());
  const nlohmann::json& shown = doc["namespaces"];
  ASSERT_EQ(shown.size(), 3u);
  EXPECT_EQ(shown[0], nlohmann::json::parse(R"({"name": "books", "mode": "append-only", "encrypted": false,
                                               "writers": [1, 3], "editors": [], "readers": []})"));
  EXPECT_EQ(shown[1], nlohmann::json::parse(R"({"name": "hr", "mode": "owner-edit", "encrypted": true,
                                               "writers": [], "editors": [], "readers": [2, 3]})"));
  EXPECT_EQ(shown[2], nlohmann::json::parse(R"({"name": "notes", "mode": "editors-edit", "encrypted": false,
                                               "writers": [], "editors": [2], "readers": []})"));
}

TEST_F(CliTest, ClientCommandsRejectNonJsonValueAndUnreachableNode) {
  EXPECT_EQ(RunArgs({"put", "--api", "http://127.0.0.1:1", "books", "k", "not-json"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"get", "--api", "http://127.0.0.1:1", "books", "k"}), kExitUnavailable);
  EXPECT_EQ(RunArgs({"status", "--api", "http://127.0.0.1:1"}), kExitUnavailable);
}

// Bad flags and files are refused before the node is asked (it is not even running here).
TEST_F(CliTest, ChangeCommandsCheckFlagsAndCardsBeforeAskingTheNode) {
  const std::string api = "http://127.0.0.1:1";
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--set-param", "block_period=5"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--set-param", "block_period_ms=soon"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--remove-member", "two"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--rotate-key", "2"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--writers", "1"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--set-rule", "x:sometimes"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--expires-in-blocks", "0", "--remove-member", "2"}), kExitBadInput);
  ASSERT_EQ(RunArgs({"keygen", "--name", "E", "--contact", "e", "--out", P("e")}), kExitOk);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--add-member", P("e/member.key")}), kExitBadInput)
      << "the private key is not a card";
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--add-member", P("none.json")}), kExitBadInput);
  // Well-formed: now the node is needed, and it cannot be reached.
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--add-member", P("e/member.json")}), kExitUnavailable);
  EXPECT_EQ(RunArgs({"change", "propose", "--api", api, "--set-param", "block_period_ms=0"}), kExitUnavailable);
  EXPECT_EQ(RunArgs({"change", "approve", "--api", api, "xyz"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "approve", "--api", api, "abcd"}), kExitBadInput);
  EXPECT_EQ(RunArgs({"change", "approve", "--api", api, "abcdef01"}), kExitUnavailable);
  EXPECT_EQ(RunArgs({"change", "list", "--api", api}), kExitUnavailable);
  EXPECT_EQ(RunArgs({"change"}), kExitBadInput);
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
