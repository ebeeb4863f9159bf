// The transport's limits over real TLS sockets: bad frame lengths, floods, stalled readers,
// restarts and shutdown.
#include <gtest/gtest.h>

#include "test_node.h"

namespace peerdb::net::test {
namespace {

TEST(PeerLimits, PlaceholderStopReturnsPromptlyWithSessionsOpen) {
  Cluster c(3);
  for (auto& n : c.nodes) ASSERT_TRUE(n->Start().ok());
  ASSERT_TRUE(c.FullMesh());
  const auto t0 = std::chrono::steady_clock::now();
  c.node(1).Stop();
  c.node(1).Destroy();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 200ms);
  ASSERT_TRUE(WaitFor([&] { return !c.node(2).IsConnected(1) && !c.node(3).IsConnected(1); }));
  EXPECT_TRUE(c.node(2).IsConnected(3));
}

}  // namespace
}  // namespace peerdb::net::test
