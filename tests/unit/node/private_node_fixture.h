// A started one-member node (node_fixture.h's OneMemberGenesis) with an encrypted namespace
// "secrets" beside "app" and "log": the fixture of the private-record and erasure tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "node_fixture.h"
#include "peerdb/node/node.h"

namespace peerdb::node::test {

class PrivateNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = TempDir();
    m_genesis = OneMemberGenesis(m_key);
    chain::Rule secrets;
    secrets.ns = "secrets";
    secrets.encrypted = true;
    m_genesis.config.rules.push_back(secrets);
    std::sort(m_genesis.config.rules.begin(), m_genesis.config.rules.end(),
              [](const chain::Rule& a, const chain::Rule& b) { return a.ns < b.ns; });
    m_config = WriteNodeFiles(m_dir, m_genesis, m_key);
    auto node = Node::Open(m_config, m_clock);
    ASSERT_EQ(ErrcOf(node), Errc::kOk) << MessageOf(node);
    m_node = std::move(*node);
    ASSERT_TRUE(m_node->Start().ok());
  }
  void TearDown() override {
    if (m_node) m_node->Stop();
  }

  util::SystemClock m_clock;
  MemberKey m_key = GenerateMemberKey();
  std::string m_dir;
  chain::Genesis m_genesis;
  NodeConfig m_config;
  std::unique_ptr<Node> m_node;
};

}  // namespace peerdb::node::test
