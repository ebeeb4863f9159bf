// The flags of `peerdb change propose` and the CHANGE_ID of `peerdb change approve`: each accepted
// form with the body it makes, and each refusal with its one-line message.
#include "peerdb/cli/change_flags.h"

#include <gtest/gtest.h>

namespace peerdb::cli {
namespace {

using nlohmann::json;

template <class R>
std::string Refusal(const R& r, Errc want = Errc::kMalformed) {
  if (r.ok()) return "accepted";
  EXPECT_EQ(r.error().code, want) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
  return r.error().message;
}

const char* kNames =
    "block_period_ms, heartbeat_ms, round_timeout_ms, max_round_timeout_ms, max_future_drift_ms, k_anchor, "
    "anchor_interval_ms, silent_alert_ms, max_block_bytes, max_batch_bytes, config_ttl_heights";

InForce ThreeMembers() {
  InForce f;
  f.epoch = 1;
  f.next_member_id = 4;
  f.members = {chain::Member{1, {}, {}, "A", "a@x"}, chain::Member{2, {}, {}, "B", "b@x"}, chain::Member{3, {}, {}, "C", "c@x"}};
  f.rules = {chain::Rule{"books", {1, 3}, {3}, {}, 2, false}, chain::Rule{"deals", {1, 2}, {}, {}, 1, false},
             chain::Rule{"hr", {}, {}, {3}, 2, true}, chain::Rule{"open", {}, {}, {}, 2, false}};
  return f;
}

TEST(CliChangeFlags, SetParamTakesAKnownNameAndAWholeNumber) {
  auto p = ParseSetParam("block_period_ms=500");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->first, "block_period_ms");
  EXPECT_EQ(p->second, 500u);
  EXPECT_EQ(ParseSetParam("config_ttl_heights=0")->second, 0u) << "the node judges the range";
  EXPECT_EQ(Refusal(ParseSetParam("block_period=5")),
            std::string("--set-param block_period=5: unknown parameter 'block_period' (names: ") + kNames + ")");
  EXPECT_EQ(Refusal(ParseSetParam("block_period_ms=fast")),
            std::string("--set-param block_period_ms=fast: 'fast' is not a whole number (names: ") + kNames + ")");
  EXPECT_EQ(Refusal(ParseSetParam("block_period_ms")),
            std::string("--set-param block_period_ms: must be NAME=VALUE, e.g. block_period_ms=500 (names: ") + kNames + ")");
  for (const char* bad : {"k_anchor=-1", "k_anchor=1.5", "k_anchor=", "k_anchor=99999999999999999999", "k_anchor= 1"}) {
    EXPECT_NE(Refusal(ParseSetParam(bad)), "accepted") << bad;
  }
  EXPECT_EQ(ParamNames().size(), 11u);
}

TEST(CliChangeFlags, FlagsMustSayWhatTheChangeDoes) {
  ChangeFlags f;
  EXPECT_EQ(Refusal(CheckChangeFlags(f)),
            "say what the change does: --add-member, --remove-member, --rotate-key, --reset-member, --set-param, "
            "--set-rule or --delete-rule (see peerdb change propose --help)");
  f.rotate_key = "2";
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--rotate-key needs --card NEW.json (made by peerdb keygen) with the member's new keys");
  f.card = "new.json";
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "accepted");
  f.reset_member = "3";
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--rotate-key and --reset-member each take the --card given; propose them as two changes");
  f = ChangeFlags{};
  f.card = "new.json";
  f.remove_member = {"2"};
  EXPECT_EQ(Refusal(CheckChangeFlags(f)),
            "--card goes with --rotate-key ID or --reset-member ID (a new member is --add-member CARD.json)");
  f.card.clear();
  f.writers = "1";
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--writers, --editors, --readers and --encrypted describe the rule of --set-rule NS:MODE");
  f.writers.reset();
  f.remove_member = {"2", "x"};
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--remove-member x: not a member id (a whole number from 1)");
  f.remove_member = {"0"};
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--remove-member 0: not a member id (a whole number from 1)");
  f.remove_member = {"2", "2"};
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--remove-member 2 is given twice");
  f.remove_member.clear();
  f.set_param = {"k_anchor=2", "k_anchor=3"};
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--set-param k_anchor is given twice");
  f.set_param = {"k_anchor=2", "heartbeat_ms=3000"};
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "accepted");
  f.delete_rule = {"Books"};
  EXPECT_EQ(Refusal(CheckChangeFlags(f)),
            "--delete-rule Books: namespace 'Books' must be 1..64 characters of [a-z0-9._-], not starting with '_'");
  f.delete_rule = {"books:append-only"};
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--delete-rule books:append-only: give only the namespace");
  f.delete_rule = {"books"};
  f.set_rule = "books:owner-edit";
  EXPECT_EQ(Refusal(CheckChangeFlags(f)), "--set-rule and --delete-rule name the same namespace");
}

TEST(CliChangeFlags, SetRuleTakesModeListsAndEncrypted) {
  ChangeFlags f;
  f.set_rule = "restricted:append-only";
  f.writers = "2, 1";
  auto r = SetRuleFromFlags(f);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ns, "restricted");
  EXPECT_EQ(r->mode, static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly));
  EXPECT_EQ(r->writers, (std::vector<chain::MemberId>{1, 2}));
  EXPECT_TRUE(r->editors.empty() && r->readers.empty());
  EXPECT_FALSE(r->encrypted);

  f.editors = "3";
  EXPECT_EQ(Refusal(SetRuleFromFlags(f)), "--editors 3: 'restricted' is append-only, so nobody changes its keys");
  f.set_rule = "restricted:editors-edit";
  EXPECT_EQ(SetRuleFromFlags(f)->editors, (std::vector<chain::MemberId>{3}));
  f.readers = "1";
  EXPECT_EQ(Refusal(SetRuleFromFlags(f)),
            "--readers 1: 'restricted' is not encrypted, so every member reads it; readers apply with --encrypted");
  f.encrypted = true;
  EXPECT_TRUE(SetRuleFromFlags(f)->encrypted);
  f.encrypted = false;
  f.set_rule = "restricted:editors-edit:encrypted";
  EXPECT_EQ(SetRuleFromFlags(f)->readers, (std::vector<chain::MemberId>{1}));

  ChangeFlags g;
  g.set_rule = "restricted";
  EXPECT_EQ(Refusal(SetRuleFromFlags(g)), "--set-rule restricted: give the mode too, e.g. --set-rule restricted:append-only");
  g.set_rule = "restricted:sometimes";
  EXPECT_EQ(Refusal(SetRuleFromFlags(g)),
            "--set-rule restricted:sometimes: mode must be append-only, owner-edit or editors-edit, not 'sometimes'");
  g.set_rule = "_config:owner-edit";
  EXPECT_NE(Refusal(SetRuleFromFlags(g)), "accepted");
  g.set_rule = "x:owner-edit";
  g.writers = "1,1";
  EXPECT_EQ(Refusal(SetRuleFromFlags(g)), "--writers 1,1: member 1 is listed twice");
  g.writers = "0";
  EXPECT_EQ(Refusal(SetRuleFromFlags(g)), "--writers 0: member ids start at 1");
  g.writers = "";
  EXPECT_EQ(Refusal(SetRuleFromFlags(g)), "--writers : names no member; give at least one member id");
  g.writers = "one";
  EXPECT_EQ(Refusal(SetRuleFromFlags(g)), "--writers one: 'one' is not a member id (ids are whole numbers)");
}

TEST(CliChangeFlags, RemovalRefusesToEmptyAWritersOrReadersList) {
  InForce in_force = ThreeMembers();
  EXPECT_EQ(Refusal(RulesWithout(in_force.rules, {3}, {})),
            "rule 'hr' would have no readers left (readers 3), and an empty list means all members: say what the rule "
            "becomes with --set-rule hr:owner-edit --readers IDS beside --remove-member");
  // The change sets hr itself: books alone is rewritten, without 3 as writer and editor.
  auto rules = RulesWithout(in_force.rules, {3}, {"hr"});
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].ns, "books");
  EXPECT_EQ((*rules)[0].writers, (std::vector<chain::MemberId>{1}));
  EXPECT_TRUE((*rules)[0].editors.empty()) << "an empty editors list means nobody: allowed";
  EXPECT_EQ(Refusal(RulesWithout(in_force.rules, {1, 2}, {"hr"})),
            "rule 'deals' would have no writers left (writers 1,2), and an empty list means all members: say what the "
            "rule becomes with --set-rule deals:append-only --writers IDS beside --remove-member");
  EXPECT_TRUE(RulesWithout(in_force.rules, {2}, {})->size() == 1u) << "deals keeps writer 1";
}

TEST(CliChangeFlags, BodyPutsOpsInApplyingOrder) {
  ChangeFlags f;
  f.remove_member = {"3"};
  f.set_rule = "hr:owner-edit:encrypted";
  f.readers = "1";
  f.set_param = {"block_period_ms=500", "heartbeat_ms=9000"};
  f.add_member = {"e.json"};
  f.delete_rule = {"open"};
  f.expires_in_blocks = 50;
  ASSERT_TRUE(CheckChangeFlags(f).ok());
  const json card{{"name", "E"}, {"contact", "e@x"}};
  auto body = BuildChangeBody(f, ThreeMembers(), {{"e.json", card}});
  ASSERT_TRUE(body.ok()) << body.error().message;
  const json want = json::parse(R"({"ops":[
    {"set_params":{"block_period_ms":500,"heartbeat_ms":9000}},
    {"set_rule":{"ns":"hr","mode":"owner-edit","writers":[],"editors":[],"readers":[1],"encrypted":true}},
    {"set_rule":{"ns":"books","mode":"owner-edit","writers":[1],"editors":[],"readers":[],"encrypted":false}},
    {"delete_rule":"open"},
    {"add_member":{"card":{"name":"E","contact":"e@x"}}},
    {"remove_member":3}],
    "expires_in_blocks":50})");
  EXPECT_EQ(*body, want) << body->dump(2);

  ChangeFlags rot;
  rot.rotate_key = "2";
  rot.card = "new.json";
  body = BuildChangeBody(rot, ThreeMembers(), {{"new.json", card}});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, json::parse(R"({"ops":[{"rotate_key":{"id":2,"card":{"name":"E","contact":"e@x"}}}]})"));
  ChangeFlags reset;
  reset.reset_member = "2";
  reset.card = "new.json";
  body = BuildChangeBody(reset, ThreeMembers(), {{"new.json", card}});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, json::parse(R"({"ops":[{"reset_member":{"id":2,"card":{"name":"E","contact":"e@x"}}}]})"));

  ChangeFlags remove;
  remove.remove_member = {"3"};
  EXPECT_NE(Refusal(BuildChangeBody(remove, ThreeMembers(), {})), "accepted") << "hr would lose its only reader";
}

TEST(CliChangeFlags, InForceReadsTheNodesAnswer) {
  const json answer = json::parse(R"({"epoch":2,"epoch_start_height":10,"deciding_height":14,"next_member_id":5,
    "members":[{"id":1,"name":"A","contact":"a@x","pubkey":"00"},{"id":4,"name":"D","contact":"d@x","pubkey":"00"}],
    "params":{},"rules":[{"ns":"books","mode":"append-only","encrypted":false,"writers":[1],"editors":[],"readers":[]}],
    "pending":null})");
  auto f = InForceFromJson(answer);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->epoch, 2u);
  EXPECT_EQ(f->next_member_id, 5u);
  ASSERT_EQ(f->members.size(), 2u);
  EXPECT_EQ(f->members[1].contact, "d@x");
  ASSERT_EQ(f->rules.size(), 1u);
  EXPECT_EQ(f->rules[0].mode, static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly));
  EXPECT_EQ(f->rules[0].writers, (std::vector<chain::MemberId>{1}));
  json bad = answer;
  bad.erase("rules");
  EXPECT_NE(Refusal(InForceFromJson(bad)), "accepted");
  bad = answer;
  bad["rules"][0]["writers"] = json::array({"1"});
  EXPECT_NE(Refusal(InForceFromJson(bad)), "accepted");
  bad = answer;
  bad["members"][0]["id"] = -1;
  EXPECT_NE(Refusal(InForceFromJson(bad)), "accepted");
  EXPECT_NE(Refusal(InForceFromJson(json::array())), "accepted");
}

TEST(CliChangeFlags, ChangeIdIsFullOrAPrefixOfThePendingOne) {
  const std::string full = "3f2a9c0011223344556677889900aabbccddeeff00112233445566778899aabb";
  const json pending{{"change_id", full}};
  EXPECT_EQ(*ResolveChangeId(full, json()), full) << "a full id goes to the node as it is";
  std::string upper = full;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*ResolveChangeId(upper, json()), full);
  EXPECT_EQ(*ResolveChangeId("3f2a9c00", pending), full);
  EXPECT_EQ(*ResolveChangeId("3F2A9C0011", pending), full);
  EXPECT_EQ(Refusal(ResolveChangeId("3f2a9c0", pending)),
            "CHANGE_ID '3f2a9c0' must be the change id (64 hex digits) or its first 8 or more (see peerdb change list)");
  EXPECT_NE(Refusal(ResolveChangeId("3f2a9c0g", pending)), "accepted");
  EXPECT_NE(Refusal(ResolveChangeId(full + "00", pending)), "accepted");
  EXPECT_EQ(Refusal(ResolveChangeId("deadbeef", pending), Errc::kNotFound),
            "the pending change is " + full + "; 'deadbeef' is not a prefix of it");
  EXPECT_EQ(Refusal(ResolveChangeId("deadbeef", json()), Errc::kNotFound), "no change is pending, so 'deadbeef' names none");
}

}  // namespace
}  // namespace peerdb::cli
