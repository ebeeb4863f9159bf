// CheckNodeSetup (`peerdb node --check`): it accepts what Node::Open accepts, refuses what Node::Open
// refuses with the same message, and leaves no trace: no data_dir, lock file or store is created.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "node_fixture.h"
#include "peerdb/node/node.h"
#include "peerdb/node/node_setup.h"

namespace peerdb::node {
namespace {

namespace fs = std::filesystem;

class NodeSetupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::TempDir();
    m_genesis = test::OneMemberGenesis(m_key);
    m_config = test::WriteNodeFiles(m_dir, m_genesis, m_key);
  }

  util::SystemClock m_clock;
  MemberKey m_key = GenerateMemberKey();
  std::string m_dir;
  chain::Genesis m_genesis;
  NodeConfig m_config;
};

TEST_F(NodeSetupTest, AcceptsAFreshSetupAndCreatesNothing) {
  auto r = CheckNodeSetup(m_config);
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  EXPECT_EQ(r->self, 1u);
  EXPECT_EQ(r->name, "alpha");
  EXPECT_EQ(r->chain_id, chain::ChainId(m_genesis));
  EXPECT_FALSE(r->stored_chain);
  EXPECT_TRUE(r->peer_listen.empty()) << "a consortium of one has no peer transport";
  EXPECT_FALSE(fs::exists(m_config.data_dir));
  EXPECT_FALSE(fs::exists(m_config.key_path + ".lock"));
}

TEST_F(NodeSetupTest, AcceptsTheDataDirOfARunningNodeWithoutTakingItsLocks) {
  auto node = Node::Open(m_config, m_clock);
  ASSERT_EQ(ErrcOf(node), Errc::kOk) << MessageOf(node);
  ASSERT_TRUE((*node)->Start().ok());
  auto r = CheckNodeSetup(m_config);
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  EXPECT_TRUE(r->stored_chain);
  (*node)->Stop();
}

TEST_F(NodeSetupTest, RefusesADataDirOfAnotherChainAsOpenDoes) {
  { ASSERT_EQ(ErrcOf(Node::Open(m_config, m_clock)), Errc::kOk); }
  const chain::Genesis other = test::OneMemberGenesis(m_key, 5, 60'000, "another chain");
  NodeConfig config = m_config;
  config.consortium_path = m_dir + "/other.toml";
  test::WriteText(config.consortium_path, EncodeConsortiumToml(Consortium{other, chain::ChainId(other), {}}));
  auto checked = CheckNodeSetup(config);
  auto opened = Node::Open(config, m_clock);
  EXPECT_EQ(ErrcOf(checked), Errc::kConfig);
  EXPECT_EQ(ErrcOf(opened), Errc::kConfig);
  EXPECT_EQ(MessageOf(checked), MessageOf(opened));
}

TEST_F(NodeSetupTest, RefusesAStrangersKeyAsOpenDoes) {
  NodeConfig config = m_config;
  config.key_path = m_dir + "/stranger.key";
  ASSERT_EQ(ErrcOf(SaveMemberKey(GenerateMemberKey(), config.key_path)), Errc::kOk);
  auto checked = CheckNodeSetup(config);
  EXPECT_EQ(ErrcOf(checked), Errc::kNotMember);
  EXPECT_EQ(MessageOf(checked), MessageOf(Node::Open(config, m_clock)));
}

TEST_F(NodeSetupTest, RefusesADataDirUnderAFile) {
  test::WriteText(m_dir + "/plain", "not a directory");
  NodeConfig config = m_config;
  config.data_dir = m_dir + "/plain/data";
  auto checked = CheckNodeSetup(config);
  EXPECT_EQ(ErrcOf(checked), Errc::kConfig);
  EXPECT_NE(MessageOf(checked).find("is not a directory"), std::string::npos) << MessageOf(checked);
  EXPECT_EQ(MessageOf(checked), MessageOf(Node::Open(config, m_clock)));
}

TEST_F(NodeSetupTest, RefusesAKeyDirectoryWhereTheLockCannotBeCreated) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write in any directory";
  const std::string keys = m_dir + "/keys";
  fs::create_directories(keys);
  NodeConfig config = m_config;
  config.key_path = keys + "/member.key";
  fs::copy_file(m_config.key_path, config.key_path);
  fs::permissions(keys, fs::perms::owner_read | fs::perms::owner_exec);
  auto checked = CheckNodeSetup(config);
  fs::permissions(keys, fs::perms::owner_all);
  EXPECT_EQ(ErrcOf(checked), Errc::kIo);
  EXPECT_NE(MessageOf(checked).find("lock file"), std::string::npos) << MessageOf(checked);
}

TEST_F(NodeSetupTest, RefusesAMemberWithoutAPeerAddressAsStartDoes) {
  const MemberKey other = GenerateMemberKey();
  chain::Genesis two = m_genesis;
  two.config.members.push_back(test::MemberOf(other, 2, "beta"));
  const NodeConfig config = test::WriteNodeFiles(m_dir, two, m_key);
  auto checked = CheckNodeSetup(config);
  EXPECT_EQ(ErrcOf(checked), Errc::kConfig);
  EXPECT_NE(MessageOf(checked).find("has no address in the consortium file"), std::string::npos) << MessageOf(checked);
  auto node = Node::Open(config, m_clock);
  ASSERT_EQ(ErrcOf(node), Errc::kOk) << MessageOf(node);
  EXPECT_EQ(MessageOf((*node)->Start()), MessageOf(checked));
  (*node)->Stop();
}

TEST_F(NodeSetupTest, ChecksThePeerTransportWithoutBindingIt) {
  const MemberKey other = GenerateMemberKey();
  chain::Genesis two = m_genesis;
  two.config.members.push_back(test::MemberOf(other, 2, "beta"));
  NodeConfig config = test::WriteNodeFiles(m_dir, two, m_key);
  config.peer_listen = "127.0.0.1:1";  // a privileged port: binding it would fail for a non-root user
  auto checked = CheckNodeSetup(config);
  ASSERT_EQ(ErrcOf(checked), Errc::kOk) << MessageOf(checked);
  EXPECT_EQ(checked->peer_listen, "127.0.0.1:1");
  config.peer_listen = "peers.example:7400";
  checked = CheckNodeSetup(config);
  EXPECT_EQ(ErrcOf(checked), Errc::kConfig);
  EXPECT_NE(MessageOf(checked).find("not an IP address"), std::string::npos) << MessageOf(checked);
}

}  // namespace
}  // namespace peerdb::node
