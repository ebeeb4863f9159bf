// POST /v1/changes bodies: every op form, the ids and parameters filled in from the config in
// force, and each refusal with the place it names; the JSON views of changes.
#include "peerdb/api/change_request.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "peerdb/api/json_views.h"

namespace peerdb::api {
namespace {

using nlohmann::json;

std::string HexOf(std::uint8_t byte) {
  std::string out;
  for (int i = 0; i < 32; ++i) out += Hex(ByteSpan(&byte, 1));
  return out;
}

json Card(std::uint8_t key, const std::string& name = "Bank E") {
  return json{{"peerdb_member_card", 1}, {"name", name}, {"contact", "ops@e.example"}, {"pubkey", HexOf(key)},
              {"enc_pubkey", HexOf(static_cast<std::uint8_t>(key + 1))}, {"address", "127.0.0.1:7405"}};
}

node::ChangesView InForce() {
  node::ChangesView v;
  v.epoch = 2;
  v.next_member_id = 7;
  v.members = {chain::Member{1, {}, {}, "alpha", "a@x"}, chain::Member{2, {}, {}, "beta", "b@x"}};
  v.params.block_period_ms = 250;
  return v;
}

Result<node::ChangeRequest> Resolve(const json& body) {
  auto draft = ParseChangeRequest(body.dump());
  if (!draft.ok()) return draft.error();
  return ResolveChange(*draft, InForce());
}

// The refusal's code and one-line message, or "accepted".
std::string Refusal(std::string_view body, Errc want = Errc::kMalformed) {
  auto r = ParseChangeRequest(body);
  if (r.ok()) return "accepted";
  EXPECT_EQ(r.error().code, want) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  return r.error().message;
}

TEST(ChangeRequest, EveryOpFormParsesAndResolves) {
  const json body = {
      {"ops",
       {{{"add_member", {{"card", Card(0x10)}}}},
        {{"remove_member", 2}},
        {{"rotate_key", {{"id", 1}, {"card", Card(0x20)}}}},
        {{"rotate_key", {{"id", 1}, {"pubkey", HexOf(0x30)}, {"enc_pubkey", HexOf(0x31)}}}},
        {{"reset_member", {{"id", 1}, {"card", Card(0x40, "alpha again")}}}},
        {{"set_params", {{"heartbeat_ms", 9000}, {"k_anchor", 3}}}},
        {{"set_rule", {{"ns", "deals"}, {"mode", "append-only"}, {"writers", {2, 1}}, {"encrypted", true}, {"readers", {1}}}}},
        {{"delete_rule", "old"}}}},
      {"expires_in_blocks", 40}};
  auto r = Resolve(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->expires_in_blocks, 40u);
  ASSERT_EQ(r->ops.size(), 8u);
  const auto& add = std::get<chain::AddMember>(r->ops[0].body);
  EXPECT_EQ(add.member.id, 7u) << "an added member gets next_member_id";
  EXPECT_EQ(add.member.name, "Bank E");
  EXPECT_EQ(add.member.contact, "ops@e.example");
  EXPECT_EQ(Hex(add.member.pubkey), HexOf(0x10));
  EXPECT_EQ(Hex(add.member.enc_pubkey), HexOf(0x11));
  EXPECT_EQ(add.address, "127.0.0.1:7405");
  EXPECT_EQ(std::get<chain::RemoveMember>(r->ops[1].body).id, 2u);
  EXPECT_EQ(Hex(std::get<chain::RotateKey>(r->ops[2].body).pubkey), HexOf(0x20));
  EXPECT_EQ(Hex(std::get<chain::RotateKey>(r->ops[3].body).enc_pubkey), HexOf(0x31));
  const auto& reset = std::get<chain::ResetMember>(r->ops[4].body);
  EXPECT_EQ(reset.id, 1u);
  EXPECT_EQ(reset.member.id, 8u) << "the next id after the added member";
  EXPECT_EQ(reset.member.name, "alpha again");
  const auto& params = std::get<chain::SetParams>(r->ops[5].body).params;
  EXPECT_EQ(params.heartbeat_ms, 9000u);
  EXPECT_EQ(params.k_anchor, 3u);
  EXPECT_EQ(params.block_period_ms, 250u) << "parameters not named keep the values in force";
  const auto& rule = std::get<chain::SetRule>(r->ops[6].body).rule;
  EXPECT_EQ(rule.ns, "deals");
  EXPECT_EQ(rule.mode, static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly));
  EXPECT_EQ(rule.writers, (std::vector<chain::MemberId>{1, 2})) << "lists are sorted";
  EXPECT_TRUE(rule.editors.empty());
  EXPECT_EQ(rule.readers, (std::vector<chain::MemberId>{1}));
  EXPECT_TRUE(rule.encrypted);
  EXPECT_EQ(std::get<chain::DelRule>(r->ops[7].body).ns, "old");
}

TEST(ChangeRequest, GivenIdsAreKeptAndMoveTheNextOneOn) {
  auto r = Resolve({{"ops",
                     {{{"add_member", {{"card", Card(1)}, {"id", 20}}}},
                      {{"add_member", {{"card", Card(3, "F")}}}},
                      {{"reset_member", {{"id", 2}, {"card", Card(5, "G")}, {"new_id", 30}}}}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(std::get<chain::AddMember>(r->ops[0].body).member.id, 20u);
  EXPECT_EQ(std::get<chain::AddMember>(r->ops[1].body).member.id, 21u);
  EXPECT_EQ(std::get<chain::ResetMember>(r->ops[2].body).member.id, 30u);
  EXPECT_EQ(r->expires_in_blocks, 0u) << "the node's default";
}

TEST(ChangeRequest, SetParamsAppliesInOrderAndChecksWidth) {
  auto r = Resolve({{"ops", {{{"set_params", {{"block_period_ms", 500}}}}, {{"set_params", {{"heartbeat_ms", 600}}}}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& second = std::get<chain::SetParams>(r->ops[1].body).params;
  EXPECT_EQ(second.block_period_ms, 500u) << "a second set_params starts from the first";
  EXPECT_EQ(second.heartbeat_ms, 600u);
  auto wide = Resolve({{"ops", {{{"set_params", {{"k_anchor", 4294967296ull}}}}}}});
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.error().code, Errc::kInvalid);
  EXPECT_EQ(wide.error().message, "ops[0].set_params.k_anchor: 4294967296 is above the largest value, 4294967295");
  // Values the node judges (0 is out of range for block_period_ms) pass through unchanged.
  EXPECT_TRUE(Resolve({{"ops", {{{"set_params", {{"block_period_ms", 0}}}}}}}).ok());
}

TEST(ChangeRequest, RefusesUnknownNamesWrongTypesAndDuplicates) {
  EXPECT_EQ(Refusal(R"({"ops":[{"frobnicate":1}]})"),
            "ops[0]: unknown op \"frobnicate\" (expected one of add_member, remove_member, rotate_key, reset_member, "
            "set_params, set_rule, delete_rule)");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":1,"delete_rule":"x"}]})"),
            "ops[0]: an op is an object with exactly one member naming it (add_member, remove_member, rotate_key, "
            "reset_member, set_params, set_rule, delete_rule)");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":"3"}]})"), "ops[0].remove_member: expected a member id (1..4294967295), got string");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":0}]})"), "ops[0].remove_member: expected a member id (1..4294967295), got 0");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":-1}]})"), "ops[0].remove_member: expected a member id (1..4294967295), got -1");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":1.5}]})"), "ops[0].remove_member: expected a member id (1..4294967295), got 1.5");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":4294967296}]})"),
            "ops[0].remove_member: expected a member id (1..4294967295), got 4294967296");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_params":{"block_period":5}}]})"),
            "ops[0].set_params: unknown parameter \"block_period\" (parameters: block_period_ms, heartbeat_ms, "
            "round_timeout_ms, max_round_timeout_ms, max_future_drift_ms, k_anchor, anchor_interval_ms, silent_alert_ms, "
            "max_block_bytes, max_batch_bytes, config_ttl_heights)");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_params":{"block_period_ms":"500"}}]})"),
            "ops[0].set_params.block_period_ms: expected a whole number of 0 or more, got string");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_params":{}}]})"), "ops[0].set_params: names no parameter");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_params":{"k_anchor":1,"k_anchor":2}}]})"),
            "duplicate member name \"k_anchor\" in ops[0].set_params");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":1}],"ops":[]})"), "duplicate member name \"ops\" in the top-level object");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_rule":{"ns":"x","mode":"sometimes"}}]})"),
            "ops[0].set_rule.mode: must be append-only, owner-edit or editors-edit");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_rule":{"ns":"X","mode":"owner-edit"}}]})"),
            "ops[0].set_rule.ns: namespace \"X\" must be 1..64 characters of [a-z0-9._-], not starting with '_'");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_rule":{"ns":"_config","mode":"owner-edit"}}]})").find("not starting with '_'") !=
                std::string::npos,
            true);
  EXPECT_EQ(Refusal(R"({"ops":[{"set_rule":{"ns":"x","mode":"owner-edit","writers":[1,1]}}]})"),
            "ops[0].set_rule.writers[1]: member 1 is listed twice");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_rule":{"ns":"x","mode":"owner-edit","writers":"1"}}]})"),
            "ops[0].set_rule.writers: expected an array of member ids, got string");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_rule":{"ns":"x","mode":"owner-edit","encrypted":"yes"}}]})"),
            "ops[0].set_rule.encrypted: expected true or false, got string");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_rule":{"ns":"x","mode":"owner-edit","owner":1}}]})"),
            "ops[0].set_rule: unknown field \"owner\"");
  EXPECT_EQ(Refusal(R"({"ops":[{"set_rule":{"mode":"owner-edit"}}]})"), "ops[0].set_rule: missing \"ns\"");
  EXPECT_EQ(Refusal(R"({"ops":[{"delete_rule":5}]})"), "ops[0].delete_rule: expected a string, got number");
  EXPECT_EQ(Refusal(R"({"ops":[{"rotate_key":{"id":2}}]})"),
            "ops[0].rotate_key: give the new keys either as \"card\" or as \"pubkey\" and \"enc_pubkey\"");
  EXPECT_EQ(Refusal(R"({"ops":[{"rotate_key":{"id":2,"pubkey":"abcd","enc_pubkey":"abcd"}}]})"),
            "ops[0].rotate_key.pubkey: expected 64 hex digits, got \"abcd\"");
  EXPECT_EQ(Refusal(R"({"ops":[{"reset_member":{"card":{}}}]})"), "ops[0].reset_member: missing \"id\"");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":1}],"expires_in_blocks":-5})"),
            "expires_in_blocks: expected a whole number of 0 or more, got -5");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":1}],"expires":5})"), "body: unknown field \"expires\"");
  EXPECT_EQ(Refusal(R"({"expires_in_blocks":5})"), "body: missing \"ops\"");
  EXPECT_EQ(Refusal(R"({"ops":{}})"), "ops: expected an array, got object");
  EXPECT_EQ(Refusal(R"([1])"), "body: expected a JSON object, got array");
  EXPECT_EQ(Refusal(R"({"ops":[{"remove_member":1}]} x)").rfind("invalid JSON at byte", 0), 0u);
  EXPECT_EQ(Refusal(std::string(100, '[')), "JSON nested deeper than 64 levels");
  EXPECT_EQ(Refusal(R"({"ops":[]})", Errc::kInvalid), "ops: a config change needs at least one op");
}

TEST(ChangeRequest, RefusesMalformedCards) {
  auto with_card = [](const json& card) { return json{{"ops", {{{"add_member", {{"card", card}}}}}}}.dump(); };
  json card = Card(1);
  card.erase("pubkey");
  EXPECT_EQ(Refusal(with_card(card)), "ops[0].add_member.card: missing \"pubkey\"");
  card = Card(1);
  card["pubkey"] = "zz";
  EXPECT_EQ(Refusal(with_card(card)), "ops[0].add_member.card.pubkey: expected 64 hex digits, got \"zz\"");
  card = Card(1);
  card["name"] = "";
  EXPECT_EQ(Refusal(with_card(card)), "ops[0].add_member.card.name: must be 1..64 bytes");
  card = Card(1);
  card["contact"] = std::string(257, 'c');
  EXPECT_EQ(Refusal(with_card(card)), "ops[0].add_member.card.contact: must be at most 256 bytes");
  card = Card(1);
  card["peerdb_member_card"] = 2;
  EXPECT_EQ(Refusal(with_card(card)), "ops[0].add_member.card.peerdb_member_card: only version 1 member cards are known");
  card = Card(1);
  card["key"] = "secret";
  EXPECT_EQ(Refusal(with_card(card)), "ops[0].add_member.card: unknown field \"key\"");
  EXPECT_EQ(Refusal(with_card("member.json")), "ops[0].add_member.card: expected an object, got string");
  card = Card(1);
  card.erase("peerdb_member_card");
  card.erase("address");
  EXPECT_EQ(Refusal(with_card(card)), "accepted") << "the version and the address are optional";
}

TEST(ChangeRequest, RefusesOversizedBodiesAndTooManyOps) {
  EXPECT_EQ(Refusal(std::string(kMaxChangeBodyBytes + 1, ' '), Errc::kTooLarge),
            "body of 262145 bytes exceeds the limit of 262144 for a config change");
  json ops = json::array();
  for (int i = 0; i < 65; ++i) ops.push_back({{"remove_member", 1}});
  EXPECT_EQ(Refusal(json{{"ops", ops}}.dump(), Errc::kTooLarge), "ops: 65 ops exceed the limit of 64 per change");
}

TEST(ChangeRequest, ChangeIdIs64HexDigits) {
  EXPECT_EQ(Hex(*ParseChangeId(HexOf(0xab))), HexOf(0xab));
  EXPECT_TRUE(ParseChangeId(std::string(64, 'A')).ok());
  for (const std::string& bad : {std::string("abc"), std::string(63, 'a'), std::string(65, 'a'), std::string(64, 'g'), std::string()}) {
    auto r = ParseChangeId(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kMalformed);
    EXPECT_EQ(r.error().message.rfind("change id must be 64 hex digits, got ", 0), 0u) << r.error().message;
  }
}

TEST(ChangeRequest, ParamNamesAreTheParamsFields) {
  const auto& names = ParamNames();
  ASSERT_EQ(names.size(), 11u);
  EXPECT_EQ(names.front(), "block_period_ms");
  EXPECT_EQ(names.back(), "config_ttl_heights");
  chain::Params p;
  p.max_batch_bytes = 4096;
  EXPECT_EQ(ParamValue(p, "max_batch_bytes"), 4096u);
  EXPECT_EQ(ParamValue(p, "block_period_ms"), p.block_period_ms);
}

// What GET /v1/changes and POST /v1/changes answer, and that an op's view is again a valid op.
TEST(ChangeJson, ViewsRoundTripAsRequests) {
  node::ChangeView c;
  c.change.epoch = 2;
  c.change.expires_height = 90;
  auto request = Resolve({{"ops",
                           {{{"add_member", {{"card", Card(0x10)}}}},
                            {{"set_params", {{"block_period_ms", 500}}}},
                            {{"set_rule", {{"ns", "x"}, {"mode", "owner-edit"}, {"writers", {1}}}}},
                            {{"reset_member", {{"id", 2}, {"card", Card(0x50, "H")}}}},
                            {{"rotate_key", {{"id", 1}, {"card", Card(0x60)}}}},
                            {{"remove_member", 1}},
                            {{"delete_rule", "y"}}}}});
  ASSERT_TRUE(request.ok()) << request.error().message;
  c.change.ops = request->ops;
  c.change_id.fill(0xcd);
  c.proposer = 1;
  c.height = 12;
  c.targets = {1, 2};
  c.approved = {3};
  c.heard = {4};
  c.missing = {chain::Member{5, {}, {}, "epsilon", "e@x"}};
  c.diff = {"line one", "line two"};
  const json j = ChangeViewJson(c);
  EXPECT_EQ(j["change_id"], HexOf(0xcd));
  EXPECT_EQ(j["epoch"], 2);
  EXPECT_EQ(j["proposer"], 1);
  EXPECT_EQ(j["height"], 12);
  EXPECT_EQ(j["expires_height"], 90);
  EXPECT_EQ(j["targets"], json({1, 2}));
  EXPECT_EQ(j["approved"], json({3}));
  EXPECT_EQ(j["heard"], json({4}));
  EXPECT_EQ(j["missing"], json::parse(R"([{"id":5,"name":"epsilon","contact":"e@x"}])"));
  EXPECT_EQ(j["diff"], json({"line one", "line two"}));
  EXPECT_EQ(j["ops"][0]["add_member"]["id"], 7);
  EXPECT_EQ(j["ops"][0]["add_member"]["card"]["address"], "127.0.0.1:7405");
  EXPECT_EQ(j["ops"][1]["set_params"]["block_period_ms"], 500);
  EXPECT_EQ(j["ops"][1]["set_params"]["heartbeat_ms"], 30000);
  EXPECT_EQ(j["ops"][2]["set_rule"], json::parse(R"({"ns":"x","mode":"owner-edit","encrypted":false,"writers":[1],"editors":[],"readers":[]})"));
  EXPECT_EQ(j["ops"][3]["reset_member"]["new_id"], 8);
  EXPECT_EQ(j["ops"][4]["rotate_key"]["pubkey"], HexOf(0x60));
  EXPECT_EQ(j["ops"][5]["remove_member"], 1);
  EXPECT_EQ(j["ops"][6]["delete_rule"], "y");
  // Posted back, the ops are the same ops.
  auto again = Resolve({{"ops", j["ops"]}});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->ops, request->ops);

  node::ChangesView v = InForce();
  v.rules = {chain::Rule{"books", {1}, {}, {}, 1, false}};
  json all = ChangesJson(v);
  EXPECT_EQ(all["epoch"], 2);
  EXPECT_EQ(all["next_member_id"], 7);
  EXPECT_EQ(all["members"][1]["name"], "beta");
  EXPECT_EQ(all["members"][1]["pubkey"].get<std::string>().size(), 64u);
  EXPECT_EQ(all["params"]["block_period_ms"], 250);
  EXPECT_EQ(all["rules"][0]["mode"], "append-only");
  EXPECT_TRUE(all["pending"].is_null());
  v.pending = c;
  EXPECT_EQ(ChangesJson(v)["pending"]["change_id"], HexOf(0xcd));

  node::ChangeReceipt receipt;
  receipt.change = c;
  receipt.committed.height = 12;
  const json r = ChangeReceiptJson(receipt);
  EXPECT_EQ(r["committed"]["height"], 12);
  EXPECT_EQ(r["committed"]["status"], "committed");
  EXPECT_EQ(r["diff"], json({"line one", "line two"}));
}

TEST(ChangeJson, StatusNamesTheEpochAndWhetherThisNodeIsAMember) {
  node::StatusView s;
  s.epoch = 3;
  s.epoch_start_height = 120;
  s.self_member = false;
  const json j = StatusJson(s);
  EXPECT_EQ(j["epoch"], 3);
  EXPECT_EQ(j["epoch_start_height"], 120);
  EXPECT_EQ(j["self_member"], false);
}

}  // namespace
}  // namespace peerdb::api
