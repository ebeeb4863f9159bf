#include "peerdb/api/router.h"

#include <string>

#include <gtest/gtest.h>

#include "peerdb/api/http_error.h"
#include "peerdb/api/json_parse.h"
#include "peerdb/api/json_views.h"

namespace peerdb::api {
namespace {

TEST(PercentDecode, DecodesEscapesAndKeepsPlus) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%2fd+e").value(), "a b/c/d+e");
  EXPECT_EQ(PercentDecode("").value(), "");
  EXPECT_EQ(PercentDecode("%41%7e").value(), "A~");
}

TEST(PercentDecode, RejectsBadEscapes) {
  for (const char* bad : {"%", "%4", "a%zz", "%g0", "x%"}) {
    auto r = PercentDecode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kMalformed);
  }
}

TEST(ParseTarget, SplitsPathAndQuery) {
  auto t = ParseTarget("/v1/kv/a%2Fb/key-1/history?limit=5&x&y=%41#frag");
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "kv", "a/b", "key-1", "history"}));
  ASSERT_EQ(t->query.size(), 3u);
  EXPECT_EQ(t->query[0], (std::pair<std::string, std::string>{"limit", "5"}));
  EXPECT_EQ(t->query[1].first, "x");
  EXPECT_EQ(t->query[2].second, "A");
  EXPECT_EQ(ParseTarget("/").value().segments, (std::vector<std::string>{""}));
}

TEST(ParseTarget, RejectsNonOriginFormAndBadEscapes) {
  EXPECT_EQ(ParseTarget("http://host/v1/status").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseTarget("*").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseTarget("").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseTarget("/v1/kv/%zz/k").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseTarget("/v1/x?limit=%").error().code, Errc::kMalformed);
}

TEST(HttpStatusFor, MapsEveryErrc) {
  EXPECT_EQ(HttpStatusFor(Errc::kMalformed), 400u);
  EXPECT_EQ(HttpStatusFor(Errc::kInvalid), 400u);
  EXPECT_EQ(HttpStatusFor(Errc::kBadVersion), 400u);
  EXPECT_EQ(HttpStatusFor(Errc::kForbidden), 403u);
  EXPECT_EQ(HttpStatusFor(Errc::kNotMember), 403u);
  EXPECT_EQ(HttpStatusFor(Errc::kNotFound), 404u);
  EXPECT_EQ(HttpStatusFor(Errc::kUnknownNamespace), 404u);
  EXPECT_EQ(HttpStatusFor(Errc::kConflict), 409u);
  EXPECT_EQ(HttpStatusFor(Errc::kTooLarge), 413u);
  EXPECT_EQ(HttpStatusFor(Errc::kUnavailable), 503u);
  for (Errc c : {Errc::kOk, Errc::kBadSignature, Errc::kIo, Errc::kCorrupt, Errc::kConfig, Errc::kInternal}) {
    EXPECT_EQ(HttpStatusFor(c), 500u) << ErrcName(c);
  }
}

TEST(ErrorJson, HasCodeNameAndMessage) {
  EXPECT_EQ(ErrorJson(Error{Errc::kUnknownNamespace, "no such namespace"}),
            nlohmann::json::parse(R"({"error":{"code":"unknown_namespace","message":"no such namespace"}})"));
  const ApiResponse r = ErrorResponse(Error{Errc::kConflict, "x"});
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.body, R"({"error":{"code":"conflict","message":"x"}})");
  EXPECT_EQ(ErrorResponse(Error{Errc::kInvalid, "m"}, 405).status, 405u);
}

TEST(JsonViews, ValueFallsBackToHexWhenNotJson) {
  nlohmann::json obj;
  PutValue(obj, AsBytes(R"({"a":[1,2]})"));
  EXPECT_EQ(obj["value"], nlohmann::json::parse(R"({"a":[1,2]})"));
  EXPECT_FALSE(obj.contains("value_hex"));
  nlohmann::json raw;
  const Bytes bytes{0x00, 0xff, 0x10};
  PutValue(raw, bytes);
  EXPECT_TRUE(raw["value"].is_null());
  EXPECT_EQ(raw["value_hex"], "00ff10");
  nlohmann::json deep;
  PutValue(deep, AsBytes(std::string(100, '[') + std::string(100, ']')));
  EXPECT_TRUE(deep["value"].is_null());
  EXPECT_TRUE(deep.contains("value_hex"));
}

// Stored bytes are read back digit for digit: 64-bit integers stay integers, decimals keep their text.
TEST(JsonViews, ValueReadsBackDigitForDigit) {
  for (const std::string stored : {R"({"amount_minor":18446744073709551615})", R"({"x":0.1})",
                                   R"([-9223372036854775808,-0.0,1e+20,1e-07])"}) {
    nlohmann::json obj;
    PutValue(obj, AsBytes(stored));
    EXPECT_FALSE(obj.contains("value_hex")) << stored;
    EXPECT_EQ(DumpJson(obj["value"]), stored);
  }
}

// A read names the block, its status and the §4.3 view it comes from.
TEST(JsonViews, ValueNamesItsBlockStatusAndView) {
  node::ValueView v;
  v.entry.ns = "books";
  v.entry.key = "inv-1";
  v.entry.height = 42;
  v.entry.state.value = ToBytes("1");
  const std::pair<store::BlockStatus, const char*> cases[] = {
      {store::BlockStatus::kProposed, "provisional"}, {store::BlockStatus::kMajority, "provisional"},
      {store::BlockStatus::kUnanimous, "provisional"}, {store::BlockStatus::kAnchored, "anchored"},
      {store::BlockStatus::kFinal, "anchored"}};
  for (const auto& [status, view] : cases) {
    v.status = status;
    const auto j = ValueJson(v);
    EXPECT_EQ(j["view"], view) << chain::BlockStatusName(status);
    EXPECT_EQ(j["status"], chain::BlockStatusName(status));
    EXPECT_EQ(j["height"], 42);
    EXPECT_EQ(j["up_to_date"], status == store::BlockStatus::kFinal);
  }
}

TEST(JsonViews, StatusLabelsAndUpToDate) {
  EXPECT_EQ(chain::BlockStatusName(store::BlockStatus::kProposed), "PROPOSED");
  EXPECT_EQ(chain::BlockStatusName(store::BlockStatus::kMajority), "MAJORITY");
  EXPECT_EQ(chain::BlockStatusName(store::BlockStatus::kUnanimous), "UNANIMOUS");
  EXPECT_EQ(chain::BlockStatusName(store::BlockStatus::kAnchored), "ANCHORED");
  EXPECT_EQ(chain::BlockStatusName(store::BlockStatus::kFinal), "FINAL");
  node::StatusView s;
  s.head_height = 7;
  s.final_height = 7;
  EXPECT_EQ(StatusJson(s)["up_to_date"], true);
  EXPECT_EQ(StatusJson(s)["state"], "UP-TO-DATE");
  s.final_height = 5;
  EXPECT_EQ(StatusJson(s)["up_to_date"], false);
  EXPECT_EQ(StatusJson(s)["not_up_to_date"], true);
  EXPECT_EQ(StatusJson(s)["state"], "NOT-UP-TO-DATE");
  s.anchoring.enabled = true;
  s.anchoring.planner.last_anchor_height = 5;
  s.anchoring.planner.last_anchor_btc_height = 812;
  s.anchoring.planner.last_anchor_btc_time = 1'790'000'000;
  s.anchoring.anchor_lag = true;
  s.alerts = {node::AlertView{"A4 SILENT_MEMBER", "warn", {4}, 7, 9, 123, "member 4 has not sealed"}};
  const auto j = StatusJson(s);
  EXPECT_EQ(j["anchoring"]["last_anchor"]["height"], 5);
  EXPECT_EQ(j["anchoring"]["last_anchor"]["btc_height"], 812);
  EXPECT_EQ(j["anchoring"]["anchor_lag"], true);
  EXPECT_EQ(j["alerts"][0]["code"], "A4 SILENT_MEMBER");
  EXPECT_EQ(j["alerts"][0]["members"][0], 4);
  EXPECT_EQ(j["alerts"][0]["from_height"], 7);
  EXPECT_EQ(j["alerts"][0]["to_height"], 9);
}

TEST(Router, MinStatusNamesEveryLevelAndRefusesOthers) {
  EXPECT_EQ(*ParseMinStatus("final"), store::BlockStatus::kFinal);
  EXPECT_EQ(*ParseMinStatus("Anchored"), store::BlockStatus::kAnchored);
  EXPECT_EQ(*ParseMinStatus("UNANIMOUS"), store::BlockStatus::kUnanimous);
  EXPECT_EQ(*ParseMinStatus("majority"), store::BlockStatus::kMajority);
  EXPECT_EQ(*ParseMinStatus("provisional"), store::BlockStatus::kProposed);
  for (const char* bad : {"", "proposed", "fin", "final "}) {
    auto r = ParseMinStatus(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalid);
  }
}

TEST(JsonViews, BlockShowsHeaderCertsBatchesAndSeals) {
  node::BlockView v;
  v.block.height = 3;
  v.block.id.fill(0xab);
  v.block.status = store::BlockStatus::kMajority;
  v.block.block.header.height = 3;
  v.block.block.header.author = 2;
  chain::MajorityCert mc;
  mc.h = 2;
  mc.r = 1;
  mc.votes = {chain::SigEntry{1, {}}, chain::SigEntry{2, {}}};
  v.block.block.parent_cert = mc;
  chain::TxBatch batch;
  batch.author = 2;
  batch.seq = 9;
  batch.ops.push_back(chain::Op{static_cast<std::uint8_t>(chain::OpKind::kPut), "books", "k", ToBytes(R"({"x":1})")});
  batch.ops.push_back(chain::Op{static_cast<std::uint8_t>(chain::OpKind::kDel), "books", "j", {}});
  v.block.block.batches.push_back(batch);
  v.seals.push_back(chain::Seal{1, 3, v.block.id, 2, {}});
  const nlohmann::json j = BlockJson(v);
  EXPECT_EQ(j["height"], 3);
  std::string id_hex;
  for (int i = 0; i < 32; ++i) id_hex += "ab";
  EXPECT_EQ(j["id"], id_hex);
  EXPECT_EQ(j["status"], "MAJORITY");
  EXPECT_EQ(j["header"]["author"], 2);
  EXPECT_EQ(j["parent_cert"]["round"], 1);
  EXPECT_EQ(j["parent_cert"]["signers"].size(), 2u);
  EXPECT_TRUE(j["cert"].is_null());
  EXPECT_EQ(j["batches"][0]["seq"], 9);
  EXPECT_EQ(j["batches"][0]["ops"][0]["kind"], "put");
  EXPECT_EQ(j["batches"][0]["ops"][0]["value"]["x"], 1);
  EXPECT_EQ(j["batches"][0]["ops"][1]["kind"], "delete");
  EXPECT_EQ(j["records_count"], 0);
  EXPECT_EQ(j["seals"][0]["signer"], 2);
  EXPECT_EQ(j["seals"][0]["sig"].get<std::string>().size(), 128u);
}

}  // namespace
}  // namespace peerdb::api
