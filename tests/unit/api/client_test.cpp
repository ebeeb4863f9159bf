#include "peerdb/cli/api_client.h"

#include <gtest/gtest.h>

#include "fake_service.h"
#include "peerdb/api/http_server.h"

namespace peerdb::cli {
namespace {

// A port that nothing listens on: bind, read the port, close.
std::uint16_t FreePort() {
  api::testing::FakeService service;
  auto s = api::ApiServer::Start(service, "127.0.0.1:0");
  EXPECT_TRUE(s.ok());
  return (*s)->port();
}

TEST(ApiClient, UnreachableNodeIsUnavailable) {
  const std::string url = "http://127.0.0.1:" + std::to_string(FreePort());
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
