// Test harness for the peer transport: a PeerNetwork on its own io_context thread, with every call
// made on that thread (On) and every wait bounded (WaitFor), so a bug fails instead of hanging.
// Also raw clients (plain TCP, TLS with any key) that speak the wire by hand.
// Thread-safety: TestNode's recorded frames and events are guarded by a mutex.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "peerdb/net/frame.h"
#include "peerdb/net/peer_network.h"

namespace peerdb::net::test {

using namespace std::chrono_literals;

// A port the OS chose, held for the object's lifetime: a socket bound to it with SO_REUSEADDR but
// not listening. No other socket on the machine gets the port meanwhile (neither a bind to port 0
// nor an outgoing connection's local port), connections to it are refused until a PeerNetwork
// listens there (it binds with SO_REUSEADDR too), and a node can stop and listen there again. This
// is how a config names a peer's port before that peer starts, without the race of "find a free
// port, close it, hope nobody takes it before the node binds it".
class ReservedPort {
 public:
  ReservedPort();
  ~ReservedPort();
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;
  std::uint16_t port() const { return m_port; }

 private:
  int m_fd = -1;
  std::uint16_t m_port = 0;
};

std::string Local(std::uint16_t port);

// Limits small enough for tests to run in milliseconds.
NetworkConfig TestConfig(const Hash32& chain_id, chain::MemberId self, std::uint16_t port);

// Polls pred until it holds or the deadline passes. The default deadline is generous: a wait for
// something that should happen returns as soon as it does, so only a failing test pays for it, and a
// loaded machine (parallel tests, sanitizers) does not turn a slow success into a failure.
inline constexpr std::chrono::milliseconds kWaitTimeout = 30'000ms;
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kWaitTimeout);
// The converse, for what must not happen: polls pred for `window` and returns false as soon as it
// fails. The window bounds how long a test looks, it synchronises nothing.
bool HoldsFor(const std::function<bool()>& pred, std::chrono::milliseconds window);

struct Received {
  chain::MemberId from = 0;
  std::uint8_t type = 0;
  Bytes body;
};

class TestNode {
 public:
  TestNode(NetworkConfig config, const crypto::SigningKey& key);
  ~TestNode();

  // Runs f on the io thread and returns its result; aborts the test binary if the thread is stuck.
  template <class F>
  auto On(F f) -> decltype(f()) {
    using R = decltype(f());
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
    auto done = task->get_future();
    boost::asio::post(m_io, [task] { (*task)(); });
    if (done.wait_for(10s) != std::future_status::ready) {
      std::fprintf(stderr, "io thread stuck\n");
      std::abort();
    }
    return done.get();
  }

  // Runs f(PeerNetwork&) on the io thread.
  template <class F>
  auto OnNet(F f) -> decltype(f(std::declval<PeerNetwork&>())) {
    return On([this, &f] { return f(*m_net); });
  }
  Status Start() { return On([this] { return m_net->Start(); }); }
  void Stop() { On([this] { m_net->Stop(); }); }
  void Send(chain::MemberId to, std::uint8_t type, Bytes body) {
    On([&] { m_net->Send(to, type, std::move(body)); });
  }
  bool IsConnected(chain::MemberId peer) { return On([&] { return m_net->IsConnected(peer); }); }
  void SetMembers(std::vector<PeerEndpoint> members) {
    On([&] { m_net->SetMembers(std::move(members)); });
  }
  void SetOwnKey(const crypto::SigningKey& key) {
    On([&] { m_net->SetOwnKey(key); });
  }
  void SetMaxFrameBytes(std::size_t bytes) {
    On([&] { m_net->SetMaxFrameBytes(bytes); });
  }
  PeerInfo Info(chain::MemberId peer);
  std::uint16_t Port() { return On([this] { return m_net->ListenPort(); }); }
  // Destroys the PeerNetwork (on the io thread) but keeps the thread.
  void Destroy() { On([this] { m_net.reset(); }); }

  std::vector<Received> Frames();
  std::vector<Received> FramesFrom(chain::MemberId from);
  std::size_t ConnectedEvents();
  // on_connected / on_disconnected calls for one peer.
  std::size_t ConnectedEvents(chain::MemberId peer);
  std::size_t DisconnectedEvents(chain::MemberId peer);

  const NetworkConfig& config() const { return m_config; }

 private:
  NetworkConfig m_config;
  boost::asio::io_context m_io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> m_guard;
  std::thread m_thread;
  std::unique_ptr<PeerNetwork> m_net;
  std::mutex m_mu;
  std::vector<Received> m_frames;
  std::size_t m_connected_events = 0;
  std::map<chain::MemberId, std::size_t> m_connected_by_peer;
  std::map<chain::MemberId, std::size_t> m_disconnected_by_peer;
};

// A mesh of n members (ids 1..n) on reserved ports, each knowing every other's address.
struct Cluster {
  Hash32 chain_id{};
  std::vector<crypto::SigningKey> keys;
  std::vector<std::unique_ptr<ReservedPort>> reserved;  // held while the cluster lives
  std::vector<std::uint16_t> ports;
  std::vector<std::unique_ptr<TestNode>> nodes;

  explicit Cluster(std::size_t n, const std::function<void(NetworkConfig&)>& tweak = {});
  std::vector<PeerEndpoint> Endpoints(chain::MemberId except) const;
  NetworkConfig ConfigFor(chain::MemberId id) const;
  TestNode& node(chain::MemberId id) { return *nodes.at(id - 1); }
  bool FullMesh(std::chrono::milliseconds timeout = kWaitTimeout);
  std::function<void(NetworkConfig&)> tweak;
};

// A hand-driven client on its own io_context; every operation is bounded by `timeout`.
class RawClient {
 public:
  // Plain TCP.
  explicit RawClient(std::uint16_t port);
  // TLS with the certificate of `key` (or none), accepting any server certificate.
  RawClient(std::uint16_t port, const crypto::SigningKey* key);
  ~RawClient();

  bool connected() const { return m_connected; }
  bool Handshake(std::chrono::milliseconds timeout = kWaitTimeout);
  bool Write(ByteSpan data, std::chrono::milliseconds timeout = kWaitTimeout);
  // Reads one frame; nullopt on error, close or timeout.
  std::optional<Bytes> ReadFrame(std::chrono::milliseconds timeout = kWaitTimeout);
  // True if the server closes the connection (or resets it) within timeout.
  bool ClosedByPeer(std::chrono::milliseconds timeout = kWaitTimeout);
  // Handshake, send our Hello as member `self` of `chain_id`, read the server's Hello.
  bool JoinAs(const Hash32& chain_id, chain::MemberId self);

 private:
  bool Run(std::chrono::milliseconds timeout, const bool& done);
  boost::asio::io_context m_io;
  std::shared_ptr<boost::asio::ssl::context> m_tls;
  boost::asio::ip::tcp::socket m_plain;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> m_stream;
  bool m_connected = false;
};

}  // namespace peerdb::net::test
