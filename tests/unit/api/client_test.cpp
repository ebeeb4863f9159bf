#include "peerdb/cli/api_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fake_service.h"
#include "peerdb/api/http_server.h"

namespace peerdb::cli {
namespace {

// A port that nothing listens on for the object's lifetime: bound (so no other socket gets it)
// but not listening, so a connection to it is refused.
class UnusedPort {
 public:
  UnusedPort() : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    m_port = ntohs(addr.sin_port);
  }
  ~UnusedPort() { ::close(m_fd); }
  UnusedPort(const UnusedPort&) = delete;
  UnusedPort& operator=(const UnusedPort&) = delete;
  std::uint16_t port() const { return m_port; }

 private:
  int m_fd;
  std::uint16_t m_port = 0;
};

TEST(ApiClient, UnreachableNodeIsUnavailable) {
  const UnusedPort unused;
  const std::string url = "http://127.0.0.1:" + std::to_string(unused.port());
  ApiClient client(url);
  auto r = client.Get("/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_EQ(r.error().message.rfind("cannot reach node at " + url + ": ", 0), 0u) << r.error().message;
}

TEST(ApiClient, BadBaseUrlIsConfigError) {
  for (const char* bad : {"127.0.0.1:7070", "https://127.0.0.1:7070", "http://", "http://h:port", "http://h:1/x", "http://[::1"}) {
    auto r = ApiClient(bad).Get("/v1/status");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kConfig) << bad;
  }
}

TEST(ApiClient, ResponseOverCapIsTooLarge) {
  api::testing::FakeService service;
  auto s = api::ApiServer::Start(service, "127.0.0.1:0");
  ASSERT_TRUE(s.ok());
  ClientOptions o;
  o.max_response_bytes = 50;
  ApiClient small("http://127.0.0.1:" + std::to_string((*s)->port()) + "/", o);
  auto r = small.Get("/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);
  ApiClient normal("http://localhost:" + std::to_string((*s)->port()));
  EXPECT_TRUE(normal.Get("/v1/status").ok());
}

TEST(ApiClient, ErrcNamesMapBack) {
  for (Errc c : {Errc::kMalformed, Errc::kNotFound, Errc::kUnknownNamespace, Errc::kUnavailable, Errc::kInternal}) {
    EXPECT_EQ(ErrcFromName(ErrcName(c)), c);
  }
  EXPECT_EQ(ErrcFromName("no_such_code"), std::nullopt);
}

TEST(ApiClient, EncodePathSegmentEscapesReservedBytes) {
  EXPECT_EQ(EncodePathSegment("inv-1.x_y~"), "inv-1.x_y~");
  EXPECT_EQ(EncodePathSegment("a/b c%"), "a%2Fb%20c%25");
}

}  // namespace
}  // namespace peerdb::cli
