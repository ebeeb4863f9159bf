// http::Server, the session loop shared by the API and the devchain, driven through a fake Handler
// over raw sockets: the Handler's early answer and refusals are what the client sees, keep-alive,
// the handler timeout with a late answer dropped, the connection cap, the tick, and Stop with a
// Responder still held.
#include "peerdb/http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "../api/raw_http.h"
#include "peerdb/http/listen_address.h"

namespace peerdb::http {
namespace {

using api::testing::RawConnection;
using namespace std::chrono_literals;

int StatusOf(const std::string& raw) {
  if (raw.size() < 12 || !raw.starts_with("HTTP/1.1 ")) return 0;
  return std::stoi(raw.substr(9, 3));
}

std::string BodyOf(const std::string& raw) {
  const auto end = raw.find("\r\n\r\n");
  return end == std::string::npos ? "" : raw.substr(end + 4);
}

class FakeHandler final : public Handler {
 public:
  std::optional<ServerResponse> Screen(std::string_view method, std::string_view target,
                                       std::optional<std::uint64_t> length) override {
    if (method == "POST" && target == "/small" && length && *length > 3) return ServerResponse{400, "text/plain", "", "", "early"};
    return std::nullopt;
  }

  void Handle(ServerRequest request, Responder respond) override {
    if (request.target == "/hold") {
      std::lock_guard lock(m_mu);
      m_held = std::move(respond);
      return;
    }
    if (request.target == "/throw") throw std::runtime_error("boom");
    const std::string body = std::string(request.method) + " " + std::string(request.target) + " " + request.body +
                             (request.from_loopback ? " loopback" : "");
    respond([body] { return ServerResponse{200, "text/plain", "no-store", "", body}; });
  }

  ServerResponse Refuse(Refusal why, std::string_view detail) override {
    return ServerResponse{500 + static_cast<unsigned>(why), "text/plain", "", "", "refused " + std::string(detail)};
  }

  void OnTick() override { ++ticks; }

  void ReleaseHeld() {
    Responder held;
    {
      std::lock_guard lock(m_mu);
      held = std::move(m_held);
    }
    if (held) held([] { return ServerResponse{200, "text/plain", "", "", "late"}; });
  }

  std::atomic<int> ticks{0};

 private:
  std::mutex m_mu;
  Responder m_held;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = Fast()) {
    auto listen = ParseListenAddress("127.0.0.1:0", IpVersions::kV4Only);
    ASSERT_TRUE(listen.ok());
    auto server = Server::Start(m_handler, *listen, options);
    ASSERT_TRUE(server.ok()) << server.error().message;
    m_server = std::move(*server);
  }
  static ServerOptions Fast() {
    ServerOptions o;
    o.limits = ServerLimits{.max_body_bytes = 100, .max_header_bytes = 1024, .header_timeout = 1s, .body_timeout = 1s,
                            .write_timeout = 1s, .linger_timeout = 200ms};
    return o;
  }
  std::string Exchange(const std::string& raw) {
    RawConnection c(m_server->port());
    c.Send(raw);
    return c.Read(3s);
  }

  FakeHandler m_handler;
  std::unique_ptr<Server> m_server;
};

TEST_F(HttpServerTest, HandlesRequestsAndKeepsTheConnectionAlive) {
  Start();
  RawConnection c(m_server->port());
  c.Send("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string all = c.Read(3s);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_NE(all.find("POST /a hi loopback"), std::string::npos) << all;
  EXPECT_NE(all.find("GET /b  loopback"), std::string::npos) << all;
  EXPECT_NE(all.find("Server: peerdb\r\n"), std::string::npos) << all;
}

TEST_F(HttpServerTest, TheHandlerWordsEveryRefusal) {
  Start();
  EXPECT_EQ(BodyOf(Exchange("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nabcd")), "early");
  EXPECT_EQ(StatusOf(Exchange("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n")),
            500 + static_cast<int>(Refusal::kBodyTooLarge));
  EXPECT_EQ(StatusOf(Exchange("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n" +
                              std::string(101, 'x') + "\r\n0\r\n\r\n")),
            500 + static_cast<int>(Refusal::kBodyTooLarge));
  EXPECT_EQ(StatusOf(Exchange("GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n")),
            500 + static_cast<int>(Refusal::kHeaderTooLarge));
  EXPECT_EQ(StatusOf(Exchange("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n")),
            500 + static_cast<int>(Refusal::kBadContentLength));
  EXPECT_EQ(StatusOf(Exchange("GARBAGE\r\n\r\n")), 500 + static_cast<int>(Refusal::kBadRequest));
  const std::string thrown = Exchange("GET /throw HTTP/1.1\r\n\r\n");
  EXPECT_EQ(StatusOf(thrown), 500 + static_cast<int>(Refusal::kHandlerFailed));
  EXPECT_EQ(BodyOf(thrown), "refused boom");
}

TEST_F(HttpServerTest, HandlerTimeoutAnswersAndTheLateAnswerIsDropped) {
  ServerOptions o = Fast();
  o.handler_timeout = 200ms;
  Start(o);
  RawConnection c(m_server->port());
  c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(StatusOf(c.Read(3s, "refused ")), 500 + static_cast<int>(Refusal::kHandlerTimeout));
  m_handler.ReleaseHeld();
  c.Send("GET /next HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string next = c.Read(3s);
  EXPECT_EQ(next.find("late"), std::string::npos) << next;
  EXPECT_NE(next.find("GET /next"), std::string::npos) << next;
}

TEST_F(HttpServerTest, ConnectionsOverTheCapGetTheBusyAnswerUnread) {
  ServerOptions o = Fast();
  o.limits.max_connections = 1;
  o.limits.header_timeout = 3s;
  Start(o);
  RawConnection held(m_server->port());
  std::this_thread::sleep_for(200ms);
  RawConnection c(m_server->port());
  const std::string r = c.Read(3s);
  EXPECT_EQ(StatusOf(r), 500 + static_cast<int>(Refusal::kTooManyConnections));
  EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos) << r;
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, TicksRunOnTheServerThreadUntilStop) {
  ServerOptions o = Fast();
  o.tick_interval = 20ms;
  Start(o);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (m_handler.ticks < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_GE(m_handler.ticks, 3);
  m_server->Stop();
  const int after_stop = m_handler.ticks;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(m_handler.ticks, after_stop);
}

TEST_F(HttpServerTest, StopWithAHeldResponderIsSafe) {
  Start();
  std::thread client([port = m_server->port()] {
    RawConnection c(port);
    c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
    c.Read(1s);
  });
  std::this_thread::sleep_for(200ms);
  m_server->Stop();
  m_server->Stop();  // idempotent
  m_handler.ReleaseHeld();
  client.join();
  m_server.reset();
}

TEST(HttpServer, BindLetsTheOwnerLearnThePortBeforeServing) {
  FakeHandler handler;
  auto listen = ParseListenAddress("localhost:0", IpVersions::kV4Only);
  ASSERT_TRUE(listen.ok());
  auto server = Server::Bind(handler, *listen, ServerOptions{});
  ASSERT_TRUE(server.ok());
  EXPECT_NE((*server)->port(), 0);
  (*server)->Run();
  RawConnection c((*server)->port());
  c.Send("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(c.Read(3s)), 200);
  auto taken = ParseListenAddress("127.0.0.1:" + std::to_string((*server)->port()), IpVersions::kV4Only);
  ASSERT_TRUE(taken.ok());
  auto again = Server::Start(handler, *taken, ServerOptions{});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kIo);
}

TEST(HttpListenAddress, ParsesHostAndPortAndRefusesTheRest) {
  auto a = ParseListenAddress("localhost:8080", IpVersions::kV4Only);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  EXPECT_TRUE(a->loopback);
  auto any = ParseListenAddress("0.0.0.0:0", IpVersions::kV4Only);
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(any->unspecified);
  EXPECT_FALSE(any->loopback);
  auto v6 = ParseListenAddress("[::1]:0", IpVersions::kV4AndV6);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(v6->loopback);
  auto v4_only = ParseListenAddress("[::1]:0", IpVersions::kV4Only);
  ASSERT_FALSE(v4_only.ok());
  EXPECT_EQ(v4_only.error().code, Errc::kConfig);
  EXPECT_EQ(v4_only.error().message, "listen address \"[::1]:0\": host must be an IPv4 address or localhost");
  for (const char* bad : {"7070", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", "example.org:80", ":80"}) {
    auto r = ParseListenAddress(bad, IpVersions::kV4AndV6);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kConfig) << bad;
  }
}

}  // namespace
}  // namespace peerdb::http
