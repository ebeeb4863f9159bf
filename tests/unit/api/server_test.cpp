// The API server over real sockets on 127.0.0.1, against FakeService, through ApiClient and raw
// connections (garbage, limits, timeouts).
#include "peerdb/api/http_server.h"

#include <chrono>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "fake_service.h"
#include "peerdb/cli/api_client.h"
#include "raw_http.h"

namespace peerdb::api {
namespace {

using namespace std::chrono_literals;
using cli::ApiClient;
using nlohmann::json;
using testing::BodyOf;
using testing::FakeService;
using testing::RawConnection;
using testing::StatusOf;

// Polls pred until it holds or `timeout` passes (generous: only a failing test waits it out).
bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

ServerOptions FastOptions() {
  ServerOptions o;
  o.header_timeout = 800ms;
  o.body_timeout = 800ms;
  o.write_timeout = 2s;
  o.handler_timeout = 500ms;
  o.linger_timeout = 500ms;
  return o;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(FastOptions()); }

  void StartServer(const ServerOptions& options) {
    m_server.reset();
    auto s = ApiServer::Start(m_service, "127.0.0.1:0", options);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    m_server = std::move(s).value();
    ASSERT_NE(m_server->port(), 0);
    m_client = std::make_unique<ApiClient>(Url());
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(m_server->port()); }

  // One request on a fresh raw connection ("Connection: close"); returns the whole answer.
  std::string Raw(std::string_view method, std::string_view target, std::string_view body = {}) {
    RawConnection c(m_server->port());
    EXPECT_TRUE(c.connected());
    std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n";
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    c.Send(req + "\r\n" + std::string(body));
    return c.Read(5s);
  }

  void Put(const std::string& key, const json& value) {
    auto r = m_client->Post("/v1/tx", json{{"op", "put"}, {"ns", "books"}, {"key", key}, {"value", value}});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }

  static void ExpectErrorJson(const std::string& response, int status, std::string_view code) {
    EXPECT_EQ(StatusOf(response), status) << response.substr(0, 300);
    const json body = json::parse(BodyOf(response), nullptr, false);
    ASSERT_TRUE(body.is_object()) << response.substr(0, 300);
    EXPECT_EQ(body["error"]["code"], code) << body.dump();
    EXPECT_TRUE(body["error"]["message"].is_string());
  }

  FakeService m_service;
  std::unique_ptr<ApiServer> m_server;
  std::unique_ptr<ApiClient> m_client;
};

TEST_F(ApiServerTest, SubmitAnswersWithReceiptThenValueReadsBack) {
  auto r = m_client->Post("/v1/tx", json{{"ops", {{{"op", "put"}, {"ns", "books"}, {"key", "inv-1"},
                                                  {"value", {{"amount", 5}, {"cur", "EUR"}}}}}}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)["status"], "committed");
  EXPECT_EQ((*r)["height"], 1);
  EXPECT_EQ((*r)["block_status"], "UNANIMOUS");
  EXPECT_EQ((*r)["batch_seq"], 1);
  EXPECT_EQ((*r)["ops"], 1);
  EXPECT_EQ((*r)["block_id"].get<std::string>().size(), 64u);

  auto v = m_client->Get("/v1/kv/books/inv-1");
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ((*v)["ns"], "books");
  EXPECT_EQ((*v)["key"], "inv-1");
  EXPECT_EQ((*v)["value"], (json{{"amount", 5}, {"cur", "EUR"}}));
  EXPECT_EQ((*v)["version"], 1);
  EXPECT_EQ((*v)["owner"], 1);
  EXPECT_EQ((*v)["height"], 1);
  EXPECT_EQ((*v)["block_id"], (*r)["block_id"]);
  EXPECT_EQ((*v)["status"], "UNANIMOUS");
  EXPECT_EQ((*v)["deleted"], false);
}

TEST_F(ApiServerTest, ReadsTakeAMinimumStatusAndSayHowFinalTheValueIs) {
  Put("m", "v1");
  Put("m", "v2");
  Put("m", "v3");
  auto latest = m_client->Get("/v1/kv/books/m");
  ASSERT_TRUE(latest.ok()) << latest.error().ToString();
  EXPECT_EQ((*latest)["value"], "v3");
  EXPECT_EQ((*latest)["latest_version"], 3);
  EXPECT_EQ((*latest)["head_height"], 3);
  EXPECT_EQ((*latest)["final_height"], 0);
  EXPECT_EQ((*latest)["up_to_date"], false);
  EXPECT_EQ((*latest)["state"], "NOT-UP-TO-DATE");

  auto none = m_client->Get("/v1/kv/books/m?min_status=final");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::kNotFound);

  m_service.final_height = 2;
  auto fin = m_client->Get("/v1/kv/books/m?min_status=FINAL");
  ASSERT_TRUE(fin.ok()) << fin.error().ToString();
  EXPECT_EQ((*fin)["value"], "v2");
  EXPECT_EQ((*fin)["version"], 2);
  EXPECT_EQ((*fin)["height"], 2);
  EXPECT_EQ((*fin)["status"], "FINAL");
  EXPECT_EQ((*fin)["latest_version"], 3) << "a newer, not yet final version exists";
  EXPECT_EQ((*fin)["up_to_date"], true);
  auto unanimous = m_client->Get("/v1/kv/books/m?min_status=unanimous");
  ASSERT_TRUE(unanimous.ok());
  EXPECT_EQ((*unanimous)["value"], "v3");
  EXPECT_EQ((*m_client->Get("/v1/kv/books/m?min_status=provisional"))["value"], "v3");

  ExpectErrorJson(Raw("GET", "/v1/kv/books/m?min_status=finall"), 400, "invalid");
  ExpectErrorJson(Raw("GET", "/v1/kv/books/m?min_status="), 400, "invalid");
}

TEST_F(ApiServerTest, PercentEncodedPathSegmentsAreDecoded) {
  Put("inv-1", "x");
  auto v = m_client->Get("/v1/kv/b%6Foks/" + cli::EncodePathSegment("inv-1"));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ((*v)["value"], "x");
  ExpectErrorJson(Raw("GET", "/v1/kv/books/inv%zz"), 400, "malformed");
  ExpectErrorJson(Raw("GET", "/v1/kv/books/inv%"), 400, "malformed");
}

TEST_F(ApiServerTest, DeletedKeyIsNotFoundNamingTheVersion) {
  Put("gone", 1);
  auto d = m_client->Post("/v1/tx", json{{"op", "delete"}, {"ns", "books"}, {"key", "gone"}});
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  auto v = m_client->Get("/v1/kv/books/gone");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Errc::kNotFound);
  EXPECT_NE(v.error().message.find("deleted at version 2"), std::string::npos) << v.error().message;
  ExpectErrorJson(Raw("GET", "/v1/kv/books/gone"), 404, "not_found");
}

TEST_F(ApiServerTest, HistoryListsVersionsOldestFirst) {
  Put("h", "one");
  Put("h", json{{"two", 2}});
  ASSERT_TRUE(m_client->Post("/v1/tx", json{{"op", "delete"}, {"ns", "books"}, {"key", "h"}}).ok());
  auto h = m_client->Get("/v1/kv/books/h/history");
  ASSERT_TRUE(h.ok()) << h.error().ToString();
  EXPECT_EQ((*h)["ns"], "books");
  EXPECT_EQ((*h)["key"], "h");
  const json& e = (*h)["entries"];
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0]["version"], 1);
  EXPECT_EQ(e[0]["value"], "one");
  EXPECT_EQ(e[1]["value"]["two"], 2);
  EXPECT_EQ(e[2]["deleted"], true);
  EXPECT_TRUE(e[2]["value"].is_null());
  for (const char* field : {"owner", "height", "block_id", "author", "seq"}) EXPECT_TRUE(e[0].contains(field)) << field;

  auto limited = m_client->Get("/v1/kv/books/h/history?limit=2");
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ((*limited)["entries"].size(), 2u);
  for (const char* out_of_range : {"?limit=0", "?limit=10001"}) {
    ExpectErrorJson(Raw("GET", std::string("/v1/kv/books/h/history") + out_of_range), 400, "invalid");
  }
  for (const char* not_a_number : {"?limit=abc", "?limit=-1", "?limit=", "?limit=1x"}) {
    ExpectErrorJson(Raw("GET", std::string("/v1/kv/books/h/history") + not_a_number), 400, "malformed");
  }
  // A key never written has no history: "not found", not an empty list a script would take for one.
  ExpectErrorJson(Raw("GET", "/v1/kv/books/never/history"), 404, "not_found");
}

TEST_F(ApiServerTest, NodeErrorsMapToStatusCodes) {
  ExpectErrorJson(Raw("GET", "/v1/kv/books/missing"), 404, "not_found");
  ExpectErrorJson(Raw("GET", "/v1/kv/nope/k"), 404, "unknown_namespace");
  ExpectErrorJson(Raw("POST", "/v1/tx", R"({"op":"put","ns":"nope","key":"k","value":1})"), 404, "unknown_namespace");
  ExpectErrorJson(Raw("POST", "/v1/tx", R"({"op":"put","ns":"locked","key":"k","value":1})"), 403, "forbidden");
  auto f = m_client->Post("/v1/tx", json{{"op", "put"}, {"ns", "locked"}, {"key", "k"}, {"value", 1}});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Errc::kForbidden);
  EXPECT_EQ(f.error().message, "member 1 may not write to locked");
}

TEST_F(ApiServerTest, BadRequestsAreRejectedWithJsonErrors) {
  ExpectErrorJson(Raw("GET", "/v1/kv/Books/k"), 400, "malformed");
  ExpectErrorJson(Raw("GET", "/v1/kv/books/a%20b"), 400, "malformed");
  ExpectErrorJson(Raw("POST", "/v1/tx", R"({"ops":[{"op":"put",}]})"), 400, "malformed");
  auto m = m_client->PostText("/v1/tx", R"({"ops": [}})");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::kMalformed);
  EXPECT_NE(m.error().message.find("invalid JSON at byte"), std::string::npos) << m.error().message;
  ExpectErrorJson(Raw("POST", "/v1/tx", std::string(200, '[')), 400, "malformed");
  ExpectErrorJson(Raw("POST", "/v1/tx", R"({"op":"put","ns":"books","key":"k","value":")" + std::string(300'000, 'v') + "\"}"),
                  413, "too_large");
  ExpectErrorJson(Raw("POST", "/v1/tx", R"({"ops":[]})"), 400, "invalid");
}

// docs/api.md "Values: kept exactly or refused", over the wire: the refusal commits nothing, and
// what is accepted comes back in the same digits from the value and history routes.
TEST_F(ApiServerTest, ValuesAreKeptExactlyOrRefused) {
  const auto put = [](std::string_view value) {
    return R"({"op":"put","ns":"books","key":"exact","value":)" + std::string(value) + "}";
  };
  const std::string dup = Raw("POST", "/v1/tx", put(R"({"a":1,"a":2})"));
  ExpectErrorJson(dup, 400, "malformed");
  EXPECT_NE(dup.find(R"(duplicate member name \"a\" in value)"), std::string::npos) << dup;
  const std::string big = Raw("POST", "/v1/tx", put(R"({"amount_minor":18446744073709551616})"));
  ExpectErrorJson(big, 400, "malformed");
  EXPECT_NE(big.find("number 18446744073709551616 at value.amount_minor cannot be kept exactly"), std::string::npos)
      << big;
  ExpectErrorJson(Raw("GET", "/v1/kv/books/exact"), 404, "not_found");

  const std::string exact = R"({"amount_minor":18446744073709551615,"x":0.1})";
  ASSERT_TRUE(m_client->PostText("/v1/tx", put(exact)).ok());
  const std::string value = Raw("GET", "/v1/kv/books/exact");
  EXPECT_EQ(StatusOf(value), 200) << value;
  EXPECT_NE(value.find(R"("value":)" + exact), std::string::npos) << value;
  const std::string history = Raw("GET", "/v1/kv/books/exact/history");
  EXPECT_NE(history.find(R"("value":)" + exact), std::string::npos) << history;
  auto via_client = m_client->Get("/v1/kv/books/exact");
  ASSERT_TRUE(via_client.ok()) << via_client.error().ToString();
  EXPECT_EQ((*via_client)["value"].dump(), exact);
}

// The private-record routes reach the service with the key and version parsed, and answer its
// errors as every route does; the disclosure file comes back in hex.
TEST_F(ApiServerTest, ReshareAndDisclosureRoutes) {
  const std::string reshare = Raw("POST", "/v1/kv/books/k/reshare", "{}");
  ExpectErrorJson(reshare, 400, "invalid");
  EXPECT_NE(reshare.find("not an encrypted namespace"), std::string::npos) << reshare;
  ExpectErrorJson(Raw("POST", "/v1/kv/nope/k/reshare", "{}"), 404, "unknown_namespace");
  ExpectErrorJson(Raw("GET", "/v1/kv/books/k/reshare"), 405, "invalid");
  ExpectErrorJson(Raw("POST", "/v1/kv/Books/k/reshare", "{}"), 400, "malformed");

  auto file = m_client->Get("/v1/kv/books/k/disclosure");
  ASSERT_TRUE(file.ok()) << file.error().ToString();
  EXPECT_EQ((*file)["file_hex"], "50444200ff");
  EXPECT_EQ((*file)["bytes"], 5);
  EXPECT_EQ((*file)["ns"], "books");
  ASSERT_TRUE(m_client->Get("/v1/kv/books/k/disclosure?version=1").ok());
  ExpectErrorJson(Raw("GET", "/v1/kv/books/k/disclosure?version=2"), 404, "not_found");
  ExpectErrorJson(Raw("GET", "/v1/kv/books/k/disclosure?version=0"), 400, "invalid");
  ExpectErrorJson(Raw("GET", "/v1/kv/books/k/disclosure?version=x"), 400, "malformed");
  ExpectErrorJson(Raw("POST", "/v1/kv/books/k/disclosure", "{}"), 405, "invalid");
}

// Erasure: the route submits one erase op (every version without a body); afterwards a read of an
// erased version is 410 `erased` and history shows it without its value.
TEST_F(ApiServerTest, EraseRouteAndErasedReads) {
  ASSERT_TRUE(m_client->Post("/v1/tx", nlohmann::json::parse(R"({"op":"put","ns":"books","key":"k","value":"v1"})")).ok());
  ASSERT_TRUE(m_client->Post("/v1/tx", nlohmann::json::parse(R"({"op":"put","ns":"books","key":"k","value":"v2"})")).ok());
  const std::string one = Raw("POST", "/v1/kv/books/k/erase", R"({"versions":[1]})");
  EXPECT_EQ(StatusOf(one), 200) << one;
  EXPECT_NE(one.find(R"("status":"committed")"), std::string::npos) << one;
  const std::string history = Raw("GET", "/v1/kv/books/k/history");
  EXPECT_NE(history.find(R"("erased":true)"), std::string::npos) << history;
  EXPECT_NE(history.find(R"("value":"v2")"), std::string::npos) << history;
  EXPECT_EQ(StatusOf(Raw("GET", "/v1/kv/books/k")), 200);
  EXPECT_EQ(StatusOf(Raw("POST", "/v1/kv/books/k/erase", "")), 200);  // no body: every version
  const std::string gone = Raw("GET", "/v1/kv/books/k");
  ExpectErrorJson(gone, 410, "erased");
  EXPECT_NE(gone.find("version 2 was erased"), std::string::npos) << gone;
  ExpectErrorJson(Raw("POST", "/v1/kv/books/k/erase", R"({"versions":[]})"), 400, "invalid");
  ExpectErrorJson(Raw("POST", "/v1/kv/books/k/erase", R"({"versions":[0]})"), 400, "malformed");
  ExpectErrorJson(Raw("POST", "/v1/kv/books/k/erase", R"({"versions":[1,1]})"), 400, "malformed");
  ExpectErrorJson(Raw("POST", "/v1/kv/books/k/erase", R"({"versions":"all"})"), 400, "malformed");
  ExpectErrorJson(Raw("POST", "/v1/kv/books/k/erase", R"({"version":[1]})"), 400, "malformed");
  ExpectErrorJson(Raw("POST", "/v1/kv/books/k/erase", "[1]"), 400, "malformed");
  ExpectErrorJson(Raw("POST", "/v1/kv/nope/k/erase", "{}"), 404, "unknown_namespace");
  ExpectErrorJson(Raw("GET", "/v1/kv/books/k/erase"), 405, "invalid");
}

TEST_F(ApiServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  ExpectErrorJson(Raw("GET", "/v2/status"), 404, "not_found");
  ExpectErrorJson(Raw("GET", "/v1/status/"), 404, "not_found");
  ExpectErrorJson(Raw("GET", "/"), 404, "not_found");
  ExpectErrorJson(Raw("GET", "/v1/kv/books"), 404, "not_found");
  const std::string wrong = Raw("GET", "/v1/tx");
  ExpectErrorJson(wrong, 405, "invalid");
  EXPECT_NE(wrong.find("Allow: POST"), std::string::npos);
  const std::string del = Raw("DELETE", "/v1/kv/books/k");
  ExpectErrorJson(del, 405, "invalid");
  EXPECT_NE(del.find("Allow: GET"), std::string::npos);
  auto viaClient = m_client->Post("/v1/status", json::object());
  ASSERT_FALSE(viaClient.ok());
  EXPECT_EQ(viaClient.error().code, Errc::kInvalid);
}

TEST_F(ApiServerTest, BlockShowsBatchesAndSeals) {
  Put("b", json{{"n", 1}});
  auto b = m_client->Get("/v1/blocks/1");
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ((*b)["height"], 1);
  EXPECT_EQ((*b)["status"], "UNANIMOUS");
  EXPECT_EQ((*b)["header"]["height"], 1);
  EXPECT_EQ((*b)["batches"][0]["author"], 1);
  EXPECT_EQ((*b)["batches"][0]["ops"][0]["ns"], "books");
  EXPECT_EQ((*b)["batches"][0]["ops"][0]["kind"], "put");
  EXPECT_EQ((*b)["batches"][0]["ops"][0]["value"]["n"], 1);
  EXPECT_EQ((*b)["seals"][0]["signer"], 1);
  EXPECT_EQ((*b)["records_count"], 0);
  ExpectErrorJson(Raw("GET", "/v1/blocks/99"), 404, "not_found");
  ExpectErrorJson(Raw("GET", "/v1/blocks/abc"), 400, "malformed");
  ExpectErrorJson(Raw("GET", "/v1/blocks/99999999999999999999999"), 400, "malformed");
}

TEST_F(ApiServerTest, StatusReportsHeightsMembersAndUpToDate) {
  Put("s", 1);
  auto s = m_client->Get("/v1/status");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  std::string chain_id;
  for (int i = 0; i < 32; ++i) chain_id += "c1";
  EXPECT_EQ((*s)["chain_id"], chain_id);
  EXPECT_EQ((*s)["self"]["id"], 1);
  EXPECT_EQ((*s)["self"]["name"], "alpha");
  EXPECT_EQ((*s)["head_height"], 1);
  EXPECT_EQ((*s)["unanimous_height"], 1);
  EXPECT_EQ((*s)["final_height"], 0);
  EXPECT_EQ((*s)["anchored_height"], 0);
  EXPECT_EQ((*s)["not_up_to_date"], true);
  EXPECT_EQ((*s)["anchoring"]["enabled"], false);
  EXPECT_EQ((*s)["anchoring"]["last_anchor"], nullptr);
  EXPECT_EQ((*s)["alerts"], json::array());
  EXPECT_EQ((*s)["committed_ops"], 1);
  EXPECT_EQ((*s)["pending_ops"], 0);
  EXPECT_EQ((*s)["up_to_date"], false);
  EXPECT_EQ((*s)["state"], "NOT-UP-TO-DATE");
  ASSERT_EQ((*s)["members"].size(), 2u);
  EXPECT_EQ((*s)["members"][1]["name"], "beta");
  EXPECT_EQ((*s)["members"][1]["contact"], "ops@beta.example");
  EXPECT_EQ((*s)["members"][1]["last_sealed_height"], 1);
}

TEST_F(ApiServerTest, ExceptionInHandlerIs500AndServerKeepsServing) {
  m_service.throw_on_status = true;
  ExpectErrorJson(Raw("GET", "/v1/status"), 500, "internal");
  m_service.throw_on_status = false;
  EXPECT_TRUE(m_client->Get("/v1/status").ok());
}

TEST_F(ApiServerTest, KeepAliveServesPipelinedRequestsOnOneConnection) {
  RawConnection c(m_server->port());
  const std::string one = "GET /v1/status HTTP/1.1\r\nHost: t\r\n\r\n";
  c.Send(one + one + "GET /v1/status HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string all = c.Read(5s);
  EXPECT_TRUE(c.closed_by_peer());
  std::size_t count = 0;
  for (std::size_t p = all.find("HTTP/1.1 200"); p != std::string::npos; p = all.find("HTTP/1.1 200", p + 1)) ++count;
  EXPECT_EQ(count, 3u) << all.substr(0, 500);
}

TEST_F(ApiServerTest, GarbageBytesGet400AndClose) {
  RawConnection c(m_server->port());
  static constexpr char kTlsHello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n";
  c.Send(std::string(kTlsHello, sizeof kTlsHello - 1));
  const std::string r = c.Read(3s);
  ExpectErrorJson(r, 400, "malformed");
  EXPECT_TRUE(c.closed_by_peer());
  RawConnection c2(m_server->port());
  c2.Send("GET /v1/status HTTP/9.9\r\n\r\n");
  EXPECT_EQ(StatusOf(c2.Read(3s)), 400);
}

TEST_F(ApiServerTest, HugeHeaderGets431) {
  RawConnection c(m_server->port());
  c.Send("GET /v1/status HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(64 * 1024, 'x') + "\r\n\r\n");
  const std::string r = c.Read(3s);
  ExpectErrorJson(r, 431, "too_large");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ApiServerTest, OversizeBodyGets413BeforeItIsSent) {
  RawConnection c(m_server->port());
  c.Send("POST /v1/tx HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(kMaxTxBodyBytes + 1) + "\r\n\r\n");
  ExpectErrorJson(c.Read(3s), 413, "too_large");
}

TEST_F(ApiServerTest, OversizeBodyFromClientIs413NotAConnectionError) {
  auto r = m_client->PostText("/v1/tx", std::string(9 * 1024 * 1024, ' '));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge) << r.error().ToString();
}

TEST_F(ApiServerTest, ChunkedBodyOverLimitIs413) {
  RawConnection c(m_server->port());
  c.Send("POST /v1/tx HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk(1024 * 1024, ' ');
  bool ok = true;
  for (int i = 0; i < 9 && ok; ++i) ok = c.Send("100000\r\n" + chunk + "\r\n");
  ExpectErrorJson(c.Read(3s), 413, "too_large");
}

TEST_F(ApiServerTest, ExpectContinueIsHonoured) {
  RawConnection c(m_server->port());
  const std::string body = R"({"op":"put","ns":"books","key":"c","value":1})";
  c.Send("POST /v1/tx HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(StatusOf(c.Read(3s, "\r\n\r\n")), 100);
  c.Send(body);
  EXPECT_EQ(StatusOf(c.Read(3s)), 200);
}

TEST_F(ApiServerTest, SlowClientIsCutOffByHeaderTimeout) {
  RawConnection c(m_server->port());
  const auto start = std::chrono::steady_clock::now();
  c.Send("GET /v1/status HTTP/1.1\r\nHost: t\r\n");  // never finishes the header
  const std::string r = c.Read(5s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(r.empty()) << r;
  EXPECT_GE(elapsed, 700ms);
  EXPECT_LT(elapsed, 4s);
}

TEST_F(ApiServerTest, SlowBodyIsCutOffByBodyTimeout) {
  RawConnection c(m_server->port());
  c.Send("POST /v1/tx HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"op\":");
  c.Read(5s);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ApiServerTest, IdleKeepAliveConnectionIsClosed) {
  RawConnection c(m_server->port());
  c.Send("GET /v1/status HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string r = c.Read(5s);
  EXPECT_EQ(StatusOf(r), 200);
  EXPECT_TRUE(c.closed_by_peer());  // header_timeout also bounds the wait for the next request
}

TEST_F(ApiServerTest, NodeThatNeverAnswersGives503AndLateAnswerIsDropped) {
  m_service.hold_submits = true;
  auto r = m_client->Post("/v1/tx", json{{"op", "put"}, {"ns", "books"}, {"key", "k"}, {"value", 1}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("no answer from the node"), std::string::npos) << r.error().message;
  m_service.ReleaseHeld();  // the late callback must not reach the finished request
  m_service.hold_submits = false;
  EXPECT_TRUE(m_client->Get("/v1/status").ok());
}

TEST_F(ApiServerTest, StopWithAPendingCallbackIsSafe) {
  m_service.hold_submits = true;
  std::thread t([port = m_server->port()] {
    RawConnection c(port);
    c.Send("POST /v1/tx HTTP/1.1\r\nHost: t\r\nContent-Length: 45\r\n\r\n{\"op\":\"put\",\"ns\":\"books\",\"key\":\"k\",\"value\":1}");
    c.Read(2s);
  });
  // Stop once the request is inside the node (its callback held), however long that takes.
  ASSERT_TRUE(WaitUntil([&] { return m_service.HeldCount() == 1; }));
  m_server->Stop();
  m_service.ReleaseHeld();
  t.join();
  m_server.reset();
  m_service.ReleaseHeld();
}

TEST_F(ApiServerTest, ConnectionsOverTheLimitGet503) {
  ServerOptions o = FastOptions();
  o.max_connections = 2;
  o.header_timeout = 30s;  // a and b stay open however slow the machine is
  StartServer(o);
  RawConnection a(m_server->port());
  RawConnection b(m_server->port());
  // No wait needed: the server accepts in order and counts a and b before it accepts c.
  RawConnection c(m_server->port());
  const std::string r = c.Read(10s);
  ExpectErrorJson(r, 503, "unavailable");
  EXPECT_TRUE(c.closed_by_peer());
  // The held connections still work, and closing one frees its slot.
  a.Send("GET /v1/status HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(a.Read(10s)), 200);
  a.Close();
  // The slot is free once the server has seen a close; until then a request may still get 503.
  EXPECT_TRUE(WaitUntil([&] { return m_client->Get("/v1/status").ok(); }));
}

TEST(ApiServer, RejectsBadListenAddresses) {
  FakeService service;
  for (const char* bad : {"7070", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", "example.org:80", ":80"}) {
    auto s = ApiServer::Start(service, bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, Errc::kConfig) << bad;
  }
  auto first = ApiServer::Start(service, "127.0.0.1:0");
  ASSERT_TRUE(first.ok());
  auto again = ApiServer::Start(service, "127.0.0.1:" + std::to_string((*first)->port()));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kIo);
  auto v6 = ApiServer::Start(service, "localhost:0");
  EXPECT_TRUE(v6.ok());
}

}  // namespace
}  // namespace peerdb::api
