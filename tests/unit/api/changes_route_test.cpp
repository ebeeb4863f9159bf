// The /v1/changes routes over real sockets against FakeService: what reaches the Service (ids and
// parameters filled in from the config in force), what comes back, and that bad input is a 4xx
// JSON error that never reaches the node.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "fake_service.h"
#include "peerdb/api/change_request.h"
#include "peerdb/api/http_server.h"
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

std::string ByteHex(std::uint8_t byte) {
  std::string out;
  for (int i = 0; i < 32; ++i) out += Hex(ByteSpan(&byte, 1));
  return out;
}

json GammaCard(std::uint8_t key) {
  return json{{"peerdb_member_card", 1}, {"name", "gamma"}, {"contact", "ops@gamma.example"}, {"pubkey", ByteHex(key)},
              {"enc_pubkey", ByteHex(static_cast<std::uint8_t>(key + 1))}, {"address", "127.0.0.1:7403"}};
}

class ChangesRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = ApiServer::Start(m_service, "127.0.0.1:0");
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    m_server = std::move(s).value();
    m_client = std::make_unique<ApiClient>("http://127.0.0.1:" + std::to_string(m_server->port()));
  }

  std::string Raw(std::string_view method, std::string_view target, std::string_view body = {}) {
    RawConnection c(m_server->port());
    EXPECT_TRUE(c.connected());
    std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n";
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    c.Send(req + "\r\n" + std::string(body));
    return c.Read(5s);
  }

  // A refusal: the status, the code, and the message (one line).
  std::string Refused(const std::string& response, int status, std::string_view code) {
    EXPECT_EQ(StatusOf(response), status) << response.substr(0, 400);
    const json body = json::parse(BodyOf(response), nullptr, false);
    if (!body.is_object() || !body.contains("error")) {
      ADD_FAILURE() << "not a JSON error: " << response.substr(0, 400);
      return {};
    }
    EXPECT_EQ(body["error"]["code"], code) << body.dump();
    const std::string message = body["error"]["message"].get<std::string>();
    EXPECT_EQ(message.find('\n'), std::string::npos);
    return message;
  }

  FakeService m_service;
  std::unique_ptr<ApiServer> m_server;
  std::unique_ptr<ApiClient> m_client;
};

TEST_F(ChangesRouteTest, GetShowsTheEpochMembersParamsRulesAndNoPendingChange) {
  auto r = m_client->Get("/v1/changes");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)["epoch"], 0);
  EXPECT_EQ((*r)["next_member_id"], 3);
  ASSERT_EQ((*r)["members"].size(), 2u);
  EXPECT_EQ((*r)["members"][0]["contact"], "ops@alpha.example");
  EXPECT_EQ((*r)["params"]["block_period_ms"], 1000);
  EXPECT_EQ((*r)["rules"][0]["ns"], "books");
  EXPECT_TRUE((*r)["pending"].is_null());
}

TEST_F(ChangesRouteTest, ProposeFillsInTheNewIdAndTheParamsInForceThenGetShowsItPending) {
  auto r = m_client->Post("/v1/changes", json{{"ops", {{{"add_member", {{"card", GammaCard(0x77)}}}},
                                                       {{"set_params", {{"block_period_ms", 500}}}}}},
                                              {"expires_in_blocks", 20}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const auto proposed = m_service.Proposed();
  ASSERT_EQ(proposed.size(), 1u);
  EXPECT_EQ(proposed[0].expires_in_blocks, 20u);
  ASSERT_EQ(proposed[0].ops.size(), 2u);
  const auto& add = std::get<chain::AddMember>(proposed[0].ops[0].body);
  EXPECT_EQ(add.member.id, 3u);
  EXPECT_EQ(add.member.name, "gamma");
  EXPECT_EQ(add.address, "127.0.0.1:7403");
  const auto& params = std::get<chain::SetParams>(proposed[0].ops[1].body).params;
  EXPECT_EQ(params.block_period_ms, 500u);
  EXPECT_EQ(params.heartbeat_ms, chain::Params{}.heartbeat_ms);

  // The answer: the change id, its diff, its ops and the block that carries it.
  EXPECT_EQ((*r)["change_id"].get<std::string>().size(), 64u);
  EXPECT_EQ((*r)["diff"], json({"add member 3 (gamma), contact ops@gamma.example, address 127.0.0.1:7403",
                                "set block_period_ms 1000 -> 500"}));
  EXPECT_EQ((*r)["ops"][0]["add_member"]["id"], 3);
  EXPECT_EQ((*r)["committed"]["height"], 1);
  EXPECT_EQ((*r)["height"], 1);
  EXPECT_EQ((*r)["missing"].size(), 2u);

  auto list = m_client->Get("/v1/changes");
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  EXPECT_EQ((*list)["pending"]["change_id"], (*r)["change_id"]);
  EXPECT_EQ((*list)["pending"]["missing"][1]["contact"], "ops@beta.example");

  // A second proposal while one is pending: 409 conflict, from the node.
  EXPECT_EQ(Refused(Raw("POST", "/v1/changes", R"({"ops":[{"remove_member":2}]})"), 409, "conflict"),
            "a config change is pending");
}

TEST_F(ChangesRouteTest, ApproveAnswersTheChangeAndRefusesUnknownTwiceAndBadIds) {
  auto r = m_client->Post("/v1/changes", json{{"ops", {{{"remove_member", 2}}}}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const std::string id = (*r)["change_id"];
  auto a = m_client->Post("/v1/changes/" + id + "/approve", json::object());
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ((*a)["approved"], json({1}));
  EXPECT_EQ((*a)["targets"], json({2}));
  ASSERT_EQ(m_service.Approved().size(), 1u);
  EXPECT_EQ(Hex(m_service.Approved()[0]), id);

  EXPECT_EQ(Refused(Raw("POST", "/v1/changes/" + id + "/approve"), 409, "conflict"), "member 1 approved this change already");
  EXPECT_EQ(Refused(Raw("POST", "/v1/changes/" + ByteHex(0x01) + "/approve"), 404, "not_found"),
            "change 0101010101010101 is not pending");
  // Bad ids never reach the node.
  for (const std::string& bad : {std::string("abc"), ByteHex(0x01) + "00", std::string(64, 'z'), std::string("%zz")}) {
    const std::string response = Raw("POST", "/v1/changes/" + bad + "/approve");
    EXPECT_EQ(StatusOf(response), 400) << bad << ": " << response.substr(0, 300);
  }
  EXPECT_EQ(m_service.Approved().size(), 3u);
  EXPECT_EQ(Refused(Raw("POST", "/v1/changes/abc/approve"), 400, "malformed"), "change id must be 64 hex digits, got \"abc\"");
}

TEST_F(ChangesRouteTest, BadBodiesAre4xxAndReachNoService) {
  const std::pair<std::string, int> cases[] = {
      {R"({"ops":[{"frobnicate":1}]})", 400},
      {R"({"ops":[{"remove_member":"two"}]})", 400},
      {R"({"ops":[{"remove_member":2}],"ops":[{"remove_member":1}]})", 400},
      {R"({"ops":[{"set_params":{"block_period_ms":1.5}}]})", 400},
      {R"({"ops":[{"add_member":{"card":{"name":"x"}}}]})", 400},
      {R"({"ops":[{"set_rule":{"ns":"x","mode":"owner-edit","writers":[0]}}]})", 400},
      {R"({"ops":[]})", 400},
      {R"(not json)", 400},
      {R"({"ops":[{"remove_member":2}]})" + std::string(kMaxChangeBodyBytes, ' '), 413},
  };
  for (const auto& [body, status] : cases) {
    const std::string response = Raw("POST", "/v1/changes", body);
    EXPECT_EQ(StatusOf(response), status) << body.substr(0, 100) << ": " << response.substr(0, 300);
    const json parsed = json::parse(BodyOf(response), nullptr, false);
    EXPECT_TRUE(parsed.is_object() && parsed.contains("error")) << response.substr(0, 300);
  }
  EXPECT_TRUE(m_service.Proposed().empty());
  EXPECT_EQ(Refused(Raw("POST", "/v1/changes", R"({"ops":[{"remove_member":"two"}]})"), 400, "malformed"),
            "ops[0].remove_member: expected a member id (1..4294967295), got string");
}

TEST_F(ChangesRouteTest, NodeRefusalsMapToTheirStatus) {
  m_service.propose_error = Error{Errc::kInvalid, "config op 1: cannot remove member 9: not a member"};
  EXPECT_EQ(Refused(Raw("POST", "/v1/changes", R"({"ops":[{"remove_member":9}]})"), 400, "invalid"),
            "config op 1: cannot remove member 9: not a member");
  m_service.propose_error = Error{Errc::kForbidden, "this node's member is not in the config in force"};
  Refused(Raw("POST", "/v1/changes", R"({"ops":[{"remove_member":2}]})"), 403, "forbidden");
}

TEST_F(ChangesRouteTest, WrongMethodsAndPathsAre405And404) {
  const std::string put = Raw("PUT", "/v1/changes", "{}");
  Refused(put, 405, "invalid");
  EXPECT_NE(put.find("Allow: GET, POST"), std::string::npos) << put;
  const std::string get = Raw("GET", "/v1/changes/" + ByteHex(1) + "/approve");
  Refused(get, 405, "invalid");
  EXPECT_NE(get.find("Allow: POST"), std::string::npos) << get;
  Refused(Raw("GET", "/v1/changes/" + ByteHex(1)), 404, "not_found");
  Refused(Raw("POST", "/v1/changes/" + ByteHex(1) + "/reject"), 404, "not_found");
}

}  // namespace
}  // namespace peerdb::api
