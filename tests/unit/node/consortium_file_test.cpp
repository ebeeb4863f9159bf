// consortium.toml: encode/decode round trip against the Genesis and chain id, refusal of edited
// content, TOML syntax errors with their line, and the genesis rules applied on load.
#include <gtest/gtest.h>

#include <algorithm>

#include "node_fixture.h"
#include "peerdb/node/consortium_file.h"

namespace peerdb::node {
namespace {

using test::MemberOf;

// Three members, every rule mode, non-default params and a description that needs escaping.
Consortium SampleConsortium() {
  Consortium c;
  chain::Genesis& g = c.genesis;
  g.config.members = {MemberOf(GenerateMemberKey(), 1, "alpha"), MemberOf(GenerateMemberKey(), 2, "beta"),
                      MemberOf(GenerateMemberKey(), 7, "gamma")};
  g.config.members[2].contact = "";
  chain::Params& p = g.config.params;
  p.block_period_ms = 250;
  p.heartbeat_ms = 15'000;
  p.round_timeout_ms = 1500;
  p.max_round_timeout_ms = 30'000;
  p.max_future_drift_ms = 900;
  p.k_anchor = 3;
  p.anchor_interval_ms = 120'000;
  p.silent_alert_ms = 360'000;
  p.max_block_bytes = 4u << 20;
  p.max_batch_bytes = 512u << 10;
  p.config_ttl_heights = 5000;
  chain::Rule audit;
  audit.ns = "audit.log";
  audit.writers = {1, 2};
  audit.mode = static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly);
  chain::Rule docs;
  docs.ns = "docs";
  docs.editors = {2, 7};
  docs.readers = {1, 2, 7};
  docs.mode = static_cast<std::uint8_t>(chain::RuleMode::kEditorsEdit);
  docs.encrypted = true;
  chain::Rule kv;
  kv.ns = "kv";
  kv.mode = static_cast<std::uint8_t>(chain::RuleMode::kOwnerEdit);
  g.config.rules = {audit, docs, kv};
  g.genesis_time_ms = 1'700'000'123'456;
  g.initial_state_root.fill(0);
  g.description = "Acme \"pilot\" ledger \\ line\ttab";
  c.chain_id = chain::ChainId(g);
  c.addresses = {{1, "10.0.0.1:7100"}, {7, "gamma.example:7100"}};
  return c;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "'" << from << "' not in text";
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(ConsortiumFile, EncodeDecodeRoundTripEqualsTheGenesisAndChainId) {
  const Consortium c = SampleConsortium();
  const std::string text = EncodeConsortiumToml(c);
  EXPECT_NE(text.find(Hex(c.chain_id)), std::string::npos) << "the file states its chain id";
  auto back = DecodeConsortiumToml(text);
  ASSERT_EQ(ErrcOf(back), Errc::kOk) << MessageOf(back);
  EXPECT_EQ(back->genesis, c.genesis);
  EXPECT_EQ(back->chain_id, c.chain_id);
  EXPECT_EQ(back->chain_id, chain::ChainId(back->genesis));
  EXPECT_EQ(back->addresses, c.addresses);
  EXPECT_EQ(EncodeConsortiumToml(*back), text);
}

TEST(ConsortiumFile, LoadReadsTheFileAndNamesItInErrors) {
  const std::string dir = test::TempDir();
  const Consortium c = SampleConsortium();
  test::WriteText(dir + "/consortium.toml", EncodeConsortiumToml(c));
  auto loaded = LoadConsortium(dir + "/consortium.toml");
  ASSERT_EQ(ErrcOf(loaded), Errc::kOk) << MessageOf(loaded);
  EXPECT_EQ(loaded->chain_id, c.chain_id);

  test::WriteText(dir + "/broken.toml", "chain_id = ");
  auto broken = LoadConsortium(dir + "/broken.toml");
  EXPECT_EQ(ErrcOf(broken), Errc::kConfig);
  EXPECT_NE(MessageOf(broken).find(dir + "/broken.toml"), std::string::npos) << MessageOf(broken);
  EXPECT_EQ(ErrcOf(LoadConsortium(dir + "/absent.toml")), Errc::kNotFound);
}

TEST(ConsortiumFile, EditedContentIsRefusedNamingTheChainId) {
  const Consortium c = SampleConsortium();
  const std::string text = EncodeConsortiumToml(c);
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"block_period_ms = 250", "block_period_ms = 251"},
      {"name = 'beta'", "name = 'betb'"},
      {"genesis_time_ms = 1700000123456", "genesis_time_ms = 1700000123457"},
      {"writers = [1, 2]", "writers = [1]"},
      {"encrypted = true", "encrypted = false"},
  };
  for (const auto& [from, to] : edits) {
    auto r = DecodeConsortiumToml(Replace(text, from, to));
    EXPECT_EQ(ErrcOf(r), Errc::kConfig) << from;
    EXPECT_NE(MessageOf(r).find("chain_id"), std::string::npos) << MessageOf(r);
    EXPECT_NE(MessageOf(r).find(Hex(c.chain_id)), std::string::npos) << "states the expected id: " << MessageOf(r);
  }
  // Addresses are beside the genesis, not in it: changing one keeps the chain id valid.
  auto moved = DecodeConsortiumToml(Replace(text, "10.0.0.1:7100", "10.0.0.9:7200"));
  ASSERT_EQ(ErrcOf(moved), Errc::kOk) << MessageOf(moved);
  EXPECT_EQ(moved->chain_id, c.chain_id);
  EXPECT_EQ(moved->addresses.at(1), "10.0.0.9:7200");
  // A stated chain id that is not 64 hex digits, or none at all.
  EXPECT_EQ(ErrcOf(DecodeConsortiumToml(Replace(text, Hex(c.chain_id), "abc"))), Errc::kConfig);
  EXPECT_EQ(ErrcOf(DecodeConsortiumToml(Replace(text, "chain_id = \"" + Hex(c.chain_id) + "\"", ""))),
            Errc::kConfig);
}

TEST(ConsortiumFile, BadTomlIsAConfigErrorWithItsLine) {
  const std::string text = EncodeConsortiumToml(SampleConsortium());
  // Line numbers count from 1; break the line holding block_period_ms.
  const auto pos = text.find("block_period_ms = 250");
  ASSERT_NE(pos, std::string::npos);
  const std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
  auto r = DecodeConsortiumToml(Replace(text, "block_period_ms = 250", "block_period_ms = = 250"));
  EXPECT_EQ(ErrcOf(r), Errc::kConfig);
  EXPECT_NE(MessageOf(r).find("line " + std::to_string(line)), std::string::npos) << MessageOf(r);

  for (const char* bad : {"[genesis", "x = \"unterminated", "a = 1\na = 2", "\x01"}) {
    EXPECT_EQ(ErrcOf(DecodeConsortiumToml(bad)), Errc::kConfig) << bad;
  }
}

TEST(ConsortiumFile, MissingPartsAreRefused) {
  const std::string text = EncodeConsortiumToml(SampleConsortium());
  const auto members = text.find("\n[[members]]");
  const auto rules = text.find("\n[[rules]]");
  ASSERT_NE(members, std::string::npos);
  ASSERT_NE(rules, std::string::npos);
  auto r = DecodeConsortiumToml(text.substr(0, members) + text.substr(rules));
  EXPECT_EQ(ErrcOf(r), Errc::kConfig);
  EXPECT_NE(MessageOf(r).find("[[members]]"), std::string::npos) << MessageOf(r);

  const auto genesis = text.find("[genesis]");
  const auto params = text.find("[params]");
  r = DecodeConsortiumToml(text.substr(0, genesis) + text.substr(params));
  EXPECT_EQ(ErrcOf(r), Errc::kConfig);
  EXPECT_NE(MessageOf(r).find("[genesis]"), std::string::npos) << MessageOf(r);

  for (const char* line : {"\npubkey = ", "\nenc_pubkey = ", "\nname = 'alpha'", "\ninitial_state_root = ",
                           "\nversion = 1", "\nns = 'docs'", "\nmode = \"editors-edit\""}) {
    const auto at = text.find(line);
    ASSERT_NE(at, std::string::npos) << line;
    const auto end = text.find('\n', at + 1);
    r = DecodeConsortiumToml(text.substr(0, at) + text.substr(end));
    EXPECT_EQ(ErrcOf(r), Errc::kConfig) << line;
    EXPECT_NE(MessageOf(r).find("missing"), std::string::npos) << line << ": " << MessageOf(r);
  }
}

TEST(ConsortiumFile, ParamsTakeTheirDefaultsWhenLeftOut) {
  Consortium c = SampleConsortium();
  c.genesis.config.params = chain::Params{};
  c.chain_id = chain::ChainId(c.genesis);
  const std::string text = EncodeConsortiumToml(c);
  const auto params = text.find("[params]");
  const auto members = text.find("\n[[members]]");
  auto r = DecodeConsortiumToml(text.substr(0, params) + text.substr(members));
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  EXPECT_EQ(r->genesis.config.params, chain::Params{});
  EXPECT_EQ(r->chain_id, c.chain_id);
}

TEST(ConsortiumFile, RuleModesParseByNameOnly) {
  EXPECT_EQ(*ParseRuleMode("append-only"), chain::RuleMode::kAppendOnly);
  EXPECT_EQ(*ParseRuleMode("owner-edit"), chain::RuleMode::kOwnerEdit);
  EXPECT_EQ(*ParseRuleMode("editors-edit"), chain::RuleMode::kEditorsEdit);
  for (const char* bad : {"", "read-only", "Append-Only", "1", "append_only"}) {
    EXPECT_EQ(ErrcOf(ParseRuleMode(bad)), Errc::kConfig) << bad;
  }
  for (std::uint8_t m = 1; m <= 3; ++m) EXPECT_EQ(static_cast<std::uint8_t>(*ParseRuleMode(RuleModeName(m))), m);
  EXPECT_EQ(RuleModeName(0), "unknown");

  const std::string text = EncodeConsortiumToml(SampleConsortium());
  auto r = DecodeConsortiumToml(Replace(text, "mode = \"owner-edit\"", "mode = \"read-only\""));
  EXPECT_EQ(ErrcOf(r), Errc::kConfig);
  EXPECT_NE(MessageOf(r).find("rule kv"), std::string::npos) << MessageOf(r);
  EXPECT_NE(MessageOf(r).find("read-only"), std::string::npos) << MessageOf(r);
  EXPECT_EQ(ErrcOf(DecodeConsortiumToml(Replace(text, "mode = \"owner-edit\"", "mode = 2"))), Errc::kConfig);
}

TEST(ConsortiumFile, WrongTypesAndRangesAreRefused) {
  const std::string text = EncodeConsortiumToml(SampleConsortium());
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"block_period_ms = 250", "block_period_ms = \"fast\""},
      {"block_period_ms = 250", "block_period_ms = -1"},
      {"k_anchor = 3", "k_anchor = 4294967296"},
      {"version = 1", "version = 2"},
      {"writers = [1, 2]", "writers = [1, 0]"},
      {"writers = [1, 2]", "writers = \"all\""},
      {"encrypted = true", "encrypted = \"yes\""},
      {"name = 'beta'", "name = '" + std::string(65, 'b') + "'"},
      {"id = 7", "id = \"seven\""},
  };
  for (const auto& [from, to] : edits) {
    auto r = DecodeConsortiumToml(Replace(text, from, to));
    EXPECT_EQ(ErrcOf(r), Errc::kConfig) << to;
    EXPECT_EQ(MessageOf(r).find("chain_id"), std::string::npos) << "fails before the chain id: " << MessageOf(r);
  }
}

// The decoder keeps the file's order and relies on chain::CheckGenesis, so members out of order,
// repeated ids and shared keys are refused rather than silently sorted.
TEST(ConsortiumFile, UnsortedOrDuplicateMembersAreRefusedByCheckGenesis) {
  const Consortium good = SampleConsortium();
  auto expect_refused = [](Consortium c, const std::string& says) {
    ASSERT_EQ(ErrcOf(chain::CheckGenesis(c.genesis)), Errc::kConfig);
    auto r = DecodeConsortiumToml(EncodeConsortiumToml(c));  // chain_id is checked last, never reached
    EXPECT_EQ(ErrcOf(r), Errc::kConfig);
    EXPECT_NE(MessageOf(r).find(says), std::string::npos) << MessageOf(r);
  };
  Consortium unsorted = good;
  std::swap(unsorted.genesis.config.members[0], unsorted.genesis.config.members[1]);
  expect_refused(unsorted, "sorted");
  Consortium duplicate = good;
  duplicate.genesis.config.members[1].id = 1;
  expect_refused(duplicate, "unique id");
  Consortium shared_key = good;
  shared_key.genesis.config.members[2].pubkey = shared_key.genesis.config.members[0].pubkey;
  expect_refused(shared_key, "public key");
  Consortium zero = good;
  zero.genesis.config.members[0].id = 0;
  expect_refused(zero, "id 0");
  Consortium unsorted_rules = good;
  std::swap(unsorted_rules.genesis.config.rules[0], unsorted_rules.genesis.config.rules[2]);
  expect_refused(unsorted_rules, "rules must be sorted");
  Consortium stranger = good;
  stranger.genesis.config.rules[0].writers = {1, 3};
  expect_refused(stranger, "unknown member 3");
}

}  // namespace
}  // namespace peerdb::node
