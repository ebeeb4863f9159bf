// The transport's limits over real TLS sockets: frame lengths, floods, penalties, stalled readers,
// idleness, restarts and shutdown.
#include <gtest/gtest.h>

#include "test_node.h"

namespace peerdb::net::test {
namespace {

// Node 1 listens and dials nobody; the test plays member 2 by hand.
Cluster ListeningOnly(std::size_t n, const std::function<void(NetworkConfig&)>& more = {}) {
  return Cluster(n, [more](NetworkConfig& cfg) {
    for (auto& m : cfg.members) m.address.clear();
    if (more) more(cfg);
  });
}

Bytes Header(std::uint32_t len) {
  return {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 8),
          static_cast<std::uint8_t>(len)};
}

TEST(PeerLimits, ZeroLengthFrameClosesSessionAndCountsAPenalty) {
  Cluster c = ListeningOnly(2);
  ASSERT_TRUE(c.node(1).Start().ok());
  RawClient member2(c.node(1).Port(), &c.keys[1]);
  ASSERT_TRUE(member2.JoinAs(c.chain_id, 2));
  ASSERT_TRUE(WaitFor([&] { return c.node(1).IsConnected(2); }));
  ASSERT_TRUE(member2.Write(Header(0)));
  EXPECT_TRUE(member2.ClosedByPeer());
  ASSERT_TRUE(WaitFor([&] { return !c.node(1).IsConnected(2); }));
  const PeerInfo info = c.node(1).Info(2);
  EXPECT_EQ(info.penalties, 1u);
  EXPECT_NE(info.last_error.find("zero-length"), std::string::npos) << info.last_error;
}

TEST(PeerLimits, FrameAtMaxIsDeliveredFrameAboveMaxClosesSession) {
  Cluster c = ListeningOnly(2, [](NetworkConfig& cfg) { cfg.max_frame_bytes = 1024; });
  ASSERT_TRUE(c.node(1).Start().ok());
  RawClient member2(c.node(1).Port(), &c.keys[1]);
  ASSERT_TRUE(member2.JoinAs(c.chain_id, 2));
  const Bytes at_max(1023, 0x77);  // len = type + body = 1024
  ASSERT_TRUE(member2.Write(EncodeFrame(8, at_max)));
  ASSERT_TRUE(WaitFor([&] { return c.node(1).Frames().size() == 1; }));
  EXPECT_EQ(c.node(1).Frames()[0].body, at_max);
  Bytes over = EncodeFrame(8, Bytes(1024, 0x77));  // len 1025
  ASSERT_TRUE(member2.Write(over));
  EXPECT_TRUE(member2.ClosedByPeer());
  ASSERT_TRUE(WaitFor([&] { return !c.node(1).IsConnected(2); }));
  EXPECT_NE(c.node(1).Info(2).last_error.find("exceeds 1024"), std::string::npos) << c.node(1).Info(2).last_error;
  EXPECT_EQ(c.node(1).Frames().size(), 1u);
}

TEST(PeerLimits, FloodingPeerIsDisconnectedAndBanned) {
  Cluster c(2, [](NetworkConfig& cfg) {
    if (cfg.self == 2) cfg.max_frames_per_sec = 200;
  });
  ASSERT_TRUE(c.node(1).Start().ok());
  ASSERT_TRUE(c.node(2).Start().ok());
  ASSERT_TRUE(c.FullMesh());
  c.node(1).OnNet([](PeerNetwork& net) {
    for (int i = 0; i < 2000; ++i) net.Send(2, 3, Bytes{1, 2, 3, 4});
    return 0;
  });
  ASSERT_TRUE(WaitFor([&] { return c.node(2).Info(1).banned; }));
  ASSERT_TRUE(WaitFor([&] { return !c.node(1).IsConnected(2) && !c.node(2).IsConnected(1); }));
  EXPECT_NE(c.node(2).Info(1).last_error.find("frames/s"), std::string::npos) << c.node(2).Info(1).last_error;
  EXPECT_LT(c.node(2).Frames().size(), 2000u);
  // Member 1 keeps redialling (backoff 20..200 ms), and is turned away for the whole ban.
  std::this_thread::sleep_for(400ms);
  EXPECT_FALSE(c.node(2).IsConnected(1));
  EXPECT_FALSE(c.node(1).IsConnected(2));
  EXPECT_EQ(c.node(1).ConnectedEvents(), 1u);
}

TEST(PeerLimits, PenaltiesBelowLimitKeepPeerAtLimitBan) {
  Cluster c(2, [](NetworkConfig& cfg) { cfg.penalty_limit = 3; });
  ASSERT_TRUE(c.node(1).Start().ok());
  ASSERT_TRUE(c.node(2).Start().ok());
  ASSERT_TRUE(c.FullMesh());
  for (int i = 0; i < 2; ++i) c.node(1).OnNet([](PeerNetwork& net) { net.Penalise(2, "invalid vote"); return 0; });
  EXPECT_EQ(c.node(1).Info(2).penalties, 2u);
  EXPECT_TRUE(c.node(1).IsConnected(2));
  EXPECT_FALSE(c.node(1).Info(2).banned);
  c.node(1).OnNet([](PeerNetwork& net) { net.Penalise(2, "invalid vote"); return 0; });
  EXPECT_TRUE(c.node(1).Info(2).banned);
  EXPECT_FALSE(c.node(1).IsConnected(2));
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(c.node(1).IsConnected(2)) << "a banned member is neither dialled nor accepted";
  EXPECT_FALSE(c.node(2).IsConnected(1));
}

TEST(PeerLimits, PeerThatNeverReadsDoesNotGrowSendQueueBeyondBound) {
  constexpr std::size_t kBound = 1u << 20;
  Cluster c = ListeningOnly(2, [](NetworkConfig& cfg) { cfg.max_queue_bytes = kBound; });
  ASSERT_TRUE(c.node(1).Start().ok());
  RawClient member2(c.node(1).Port(), &c.keys[1]);
  ASSERT_TRUE(member2.JoinAs(c.chain_id, 2));  // and then never reads again
  ASSERT_TRUE(WaitFor([&] { return c.node(1).IsConnected(2); }));
  std::size_t max_seen = 0;
  for (int batch = 0; batch < 40; ++batch) {  // 40 x 16 x 64 KiB = 40 MiB, far beyond socket buffers
    c.node(1).OnNet([](PeerNetwork& net) {
      for (int i = 0; i < 16; ++i) net.Send(2, 7, Bytes(64u << 10, 0x33));
      return 0;
    });
    max_seen = std::max(max_seen, c.node(1).Info(2).queued_bytes);
  }
  const PeerInfo info = c.node(1).Info(2);
  EXPECT_LE(max_seen, kBound);
  EXPECT_GT(info.frames_dropped, 0u);
  EXPECT_GT(max_seen, kBound / 2) << "the queue did fill";
  EXPECT_TRUE(info.connected);
}

TEST(PeerLimits, SilentPeerIsClosedAfterIdleTimeoutKeepalivesKeepMembersConnected) {
  // Keepalives go out every idle_timeout / 4: long enough that a loaded machine's scheduling delays
  // do not look like a silent member.
  Cluster c(3, [](NetworkConfig& cfg) {
    cfg.idle_timeout_ms = 1000;
    if (cfg.self == 1) {
      for (auto& m : cfg.members) m.address.clear();
    }
    if (cfg.self == 2) cfg.members = {};  // only the hand-driven client plays member 2
  });
  ASSERT_TRUE(c.node(1).Start().ok());
  ASSERT_TRUE(c.node(3).Start().ok());
  RawClient member2(c.node(1).Port(), &c.keys[1]);
  ASSERT_TRUE(member2.JoinAs(c.chain_id, 2));
  ASSERT_TRUE(WaitFor([&] { return c.node(1).IsConnected(2) && c.node(1).IsConnected(3); }));
  ASSERT_TRUE(WaitFor([&] { return !c.node(1).IsConnected(2); }));
  EXPECT_NE(c.node(1).Info(2).last_error.find("no frame for 1000 ms"), std::string::npos) << c.node(1).Info(2).last_error;
  // Members 1 and 3 exchange nothing but keepalives and stay connected well past the idle timeout.
  std::this_thread::sleep_for(2500ms);
  EXPECT_TRUE(c.node(1).IsConnected(3));
  EXPECT_EQ(c.node(3).ConnectedEvents(), 1u);
}

TEST(PeerLimits, MeshReformsAfterPeerRestartsOnSamePort) {
  Cluster c(3);
  for (auto& n : c.nodes) ASSERT_TRUE(n->Start().ok());
  ASSERT_TRUE(c.FullMesh());
  for (chain::MemberId restarted : {2u, 1u}) {
    c.nodes[restarted - 1].reset();
    ASSERT_TRUE(WaitFor([&] {
      for (chain::MemberId id = 1; id <= 3; ++id) {
        if (id != restarted && c.node(id).IsConnected(restarted)) return false;
      }
      return true;
    }));
    std::this_thread::sleep_for(300ms);  // let the others back off a few times
    c.nodes[restarted - 1] = std::make_unique<TestNode>(c.ConfigFor(restarted), c.keys[restarted - 1]);
    ASSERT_TRUE(c.node(restarted).Start().ok());
    ASSERT_TRUE(c.FullMesh()) << "after restarting member " << restarted;
    // Each of the others reaches the restarted member. Resent until it arrives: while the pair's
    // crossing dials settle (the restarted member dials, the others redial it), a frame written on
    // the session the other end has just replaced is dropped, which the transport allows.
    ASSERT_TRUE(WaitFor([&] {
      bool all = true;
      for (chain::MemberId id = 1; id <= 3; ++id) {
        if (id == restarted || !c.node(restarted).FramesFrom(id).empty()) continue;
        c.node(id).Send(restarted, 2, Bytes{static_cast<std::uint8_t>(id)});
        all = false;
      }
      return all;
    }));
    for (const Received& f : c.node(restarted).Frames()) EXPECT_EQ(f.body, Bytes{static_cast<std::uint8_t>(f.from)});
  }
}

TEST(PeerLimits, StopReturnsPromptlyWithSessionsOpen) {
  Cluster c(3);
  for (auto& n : c.nodes) ASSERT_TRUE(n->Start().ok());
  ASSERT_TRUE(c.FullMesh());
  // Leave writes in flight too.
  c.node(1).OnNet([](PeerNetwork& net) {
    for (int i = 0; i < 64; ++i) net.Broadcast(2, Bytes(32u << 10, 1));
    return 0;
  });
  const auto t0 = std::chrono::steady_clock::now();
  c.node(1).Stop();
  c.node(1).Destroy();
  // Promptly: without waiting for any write, read or timeout (the shortest here is 2 s). The bound
  // leaves room for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
  ASSERT_TRUE(WaitFor([&] { return !c.node(2).IsConnected(1) && !c.node(3).IsConnected(1); }));
  EXPECT_TRUE(c.node(2).IsConnected(3));
  // ~TestNode then checks that node 1's io_context runs out of work by itself.
}

}  // namespace
}  // namespace peerdb::net::test
