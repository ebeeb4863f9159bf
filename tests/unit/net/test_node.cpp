#include "test_node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "peerdb/net/internal/tls_identity.h"

namespace peerdb::net::test {

namespace asio = boost::asio;
using boost::system::error_code;

ReservedPort::ReservedPort() {
  m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (m_fd < 0 || ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      ::bind(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::fprintf(stderr, "ReservedPort: cannot bind a port on 127.0.0.1\n");
    std::abort();
  }
  m_port = ntohs(addr.sin_port);
}

ReservedPort::~ReservedPort() {
  if (m_fd >= 0) ::close(m_fd);
}

std::string Local(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

NetworkConfig TestConfig(const Hash32& chain_id, chain::MemberId self, std::uint16_t port) {
  NetworkConfig c;
  c.chain_id = chain_id;
  c.self = self;
  c.listen = Local(port);
  c.handshake_timeout_ms = 2000;
  c.idle_timeout_ms = 5000;
  c.min_backoff_ms = 20;
  c.max_backoff_ms = 200;
  c.ban_ms = 60'000;
  return c;
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

bool HoldsFor(const std::function<bool()>& pred, std::chrono::milliseconds window) {
  const auto end = std::chrono::steady_clock::now() + window;
  while (std::chrono::steady_clock::now() < end) {
    if (!pred()) return false;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

TestNode::TestNode(NetworkConfig config, const crypto::SigningKey& key)
    : m_config(std::move(config)), m_guard(asio::make_work_guard(m_io)) {
  NetworkHandler handler;
  handler.on_frame = [this](chain::MemberId from, std::uint8_t type, ByteSpan body) {
    std::lock_guard lock(m_mu);
    m_frames.push_back({from, type, Bytes(body.begin(), body.end())});
  };
  handler.on_connected = [this](chain::MemberId peer) {
    std::lock_guard lock(m_mu);
    ++m_connected_events;
    ++m_connected_by_peer[peer];
  };
  handler.on_disconnected = [this](chain::MemberId peer) {
    std::lock_guard lock(m_mu);
    ++m_disconnected_by_peer[peer];
  };
  auto net = PeerNetwork::Create(m_io, m_config, key, handler);
  if (!net.ok()) {
    ADD_FAILURE() << net.error().ToString();
    std::abort();
  }
  m_net = std::move(net).value();
  m_thread = std::thread([this] { m_io.run(); });
}

TestNode::~TestNode() {
  On([this] { m_net.reset(); });
  m_guard.reset();
  // Everything is closed: the loop must drain by itself (promptly; the deadline allows for load).
  EXPECT_TRUE(WaitFor([this] { return m_io.stopped(); }, 10'000ms))
      << "io_context still has work 10 s after the network was destroyed";
  m_io.stop();
  m_thread.join();
}

PeerInfo TestNode::Info(chain::MemberId peer) {
  return On([&] {
    for (const PeerInfo& p : m_net->Peers()) {
      if (p.id == peer) return p;
    }
    return PeerInfo{};
  });
}

std::vector<Received> TestNode::Frames() {
  std::lock_guard lock(m_mu);
  return m_frames;
}

std::vector<Received> TestNode::FramesFrom(chain::MemberId from) {
  std::lock_guard lock(m_mu);
  std::vector<Received> out;
  for (const auto& f : m_frames) {
    if (f.from == from) out.push_back(f);
  }
  return out;
}

std::size_t TestNode::ConnectedEvents() {
  std::lock_guard lock(m_mu);
  return m_connected_events;
}

std::size_t TestNode::ConnectedEvents(chain::MemberId peer) {
  std::lock_guard lock(m_mu);
  const auto it = m_connected_by_peer.find(peer);
  return it == m_connected_by_peer.end() ? 0 : it->second;
}

std::size_t TestNode::DisconnectedEvents(chain::MemberId peer) {
  std::lock_guard lock(m_mu);
  const auto it = m_disconnected_by_peer.find(peer);
  return it == m_disconnected_by_peer.end() ? 0 : it->second;
}

Cluster::Cluster(std::size_t n, const std::function<void(NetworkConfig&)>& t) : tweak(t) {
  chain_id = crypto::RandomArray<32>();
  for (std::size_t i = 0; i < n; ++i) {
    keys.push_back(crypto::SigningKey::Generate());
    reserved.push_back(std::make_unique<ReservedPort>());
    ports.push_back(reserved.back()->port());
  }
  for (std::size_t i = 0; i < n; ++i) {
    nodes.push_back(std::make_unique<TestNode>(ConfigFor(static_cast<chain::MemberId>(i + 1)), keys[i]));
  }
}

std::vector<PeerEndpoint> Cluster::Endpoints(chain::MemberId except) const {
  std::vector<PeerEndpoint> out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto id = static_cast<chain::MemberId>(i + 1);
    if (id != except) out.push_back({id, keys[i].public_key(), Local(ports[i])});
  }
  return out;
}

NetworkConfig Cluster::ConfigFor(chain::MemberId id) const {
  NetworkConfig c = TestConfig(chain_id, id, ports.at(id - 1));
  c.members = Endpoints(id);
  if (tweak) tweak(c);
  return c;
}

bool Cluster::FullMesh(std::chrono::milliseconds timeout) {
  return WaitFor(
      [&] {
        for (std::size_t i = 0; i < nodes.size(); ++i) {
          for (std::size_t j = 0; j < nodes.size(); ++j) {
            if (i != j && !nodes[i]->IsConnected(static_cast<chain::MemberId>(j + 1))) return false;
          }
        }
        return true;
      },
      timeout);
}

RawClient::RawClient(std::uint16_t port) : m_plain(m_io) {
  error_code ec;
  m_plain.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  m_connected = !ec;
}

RawClient::RawClient(std::uint16_t port, const crypto::SigningKey* key) : RawClient(port) {
  if (key != nullptr) {
    auto tls = internal::MakeTlsContext(*key);
    if (!tls.ok()) std::abort();
    m_tls = std::move(tls).value();
  } else {
    m_tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(m_tls->native_handle(), TLS1_3_VERSION);
  }
  m_stream = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(m_plain, *m_tls);
  error_code ec;
  m_stream->set_verify_mode(asio::ssl::verify_peer, ec);
  m_stream->set_verify_callback([](bool, asio::ssl::verify_context&) { return true; }, ec);
}

RawClient::~RawClient() {
  error_code ec;
  m_plain.close(ec);
}

bool RawClient::Run(std::chrono::milliseconds timeout, const bool& done) {
  m_io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    m_io.run_one_for(deadline - std::chrono::steady_clock::now());
  }
  if (!done) {  // cancel, and let the handler run before its captures go away
    error_code ec;
    m_plain.close(ec);
    m_io.restart();
    while (!done) m_io.run_one_for(1s);
    return false;
  }
  return true;
}

bool RawClient::Handshake(std::chrono::milliseconds timeout) {
  bool done = false;
  error_code result;
  m_stream->async_handshake(asio::ssl::stream_base::client, [&](const error_code& ec) {
    result = ec;
    done = true;
  });
  return Run(timeout, done) && !result;
}

bool RawClient::Write(ByteSpan data, std::chrono::milliseconds timeout) {
  bool done = false;
  error_code result;
  auto handler = [&](const error_code& ec, std::size_t) {
    result = ec;
    done = true;
  };
  if (m_stream) asio::async_write(*m_stream, asio::buffer(data.data(), data.size()), handler);
  else asio::async_write(m_plain, asio::buffer(data.data(), data.size()), handler);
  return Run(timeout, done) && !result;
}

std::optional<Bytes> RawClient::ReadFrame(std::chrono::milliseconds timeout) {
  std::array<std::uint8_t, 4> header{};
  bool done = false;
  error_code result;
  auto handler = [&](const error_code& ec, std::size_t) {
    result = ec;
    done = true;
  };
  if (m_stream) asio::async_read(*m_stream, asio::buffer(header), handler);
  else asio::async_read(m_plain, asio::buffer(header), handler);
  if (!Run(timeout, done) || result) return std::nullopt;
  const std::uint32_t len = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                            (std::uint32_t{header[2]} << 8) | header[3];
  if (len == 0 || len > (16u << 20)) return std::nullopt;
  Bytes frame(4 + len);
  std::copy(header.begin(), header.end(), frame.begin());
  done = false;
  if (m_stream) asio::async_read(*m_stream, asio::buffer(frame.data() + 4, len), handler);
  else asio::async_read(m_plain, asio::buffer(frame.data() + 4, len), handler);
  if (!Run(timeout, done) || result) return std::nullopt;
  return frame;
}

bool RawClient::ClosedByPeer(std::chrono::milliseconds timeout) {
  // Read until an error: a clean close, a reset or a TLS alert all count; a timeout does not.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<std::uint8_t, 4096> buf{};
  while (std::chrono::steady_clock::now() < deadline) {
    bool done = false;
    error_code result;
    auto handler = [&](const error_code& ec, std::size_t) {
      result = ec;
      done = true;
    };
    if (m_stream) m_stream->async_read_some(asio::buffer(buf), handler);
    else m_plain.async_read_some(asio::buffer(buf), handler);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!Run(std::max(left, 1ms), done)) return false;
    if (result) return true;
  }
  return false;
}

bool RawClient::JoinAs(const Hash32& chain_id, chain::MemberId self) {
  if (!Handshake()) return false;
  Hello hello;
  hello.chain_id = chain_id;
  hello.member_id = self;
  const Bytes frame = EncodeFrame(kTransportType, EncodeHello(hello));
  if (!Write(frame)) return false;
  auto theirs = ReadFrame();
  return theirs.has_value() && theirs->size() > 5 && (*theirs)[4] == kTransportType;
}

}  // namespace peerdb::net::test
