// Genesis and configuration (PROTOCOL.md §1.3): CheckConfig and CheckGenesis accept the sample and
// reject each broken rule with kConfig; decoders reject unsorted members and rules, and bad rule modes.
#include "peerdb/chain/config.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "chain_samples.h"
#include "../common/errc_of.h"

namespace peerdb::chain {
namespace {

using samples::MakeConfig;

// Applies `edit` to the sample config and returns the CheckConfig error code.
Errc CheckEdited(const std::function<void(Config&)>& edit) {
  Config c = MakeConfig();
  edit(c);
  return ErrcOf(CheckConfig(c));
}

TEST(CheckConfig, AcceptsTheSampleConfig) {
  EXPECT_EQ(ErrcOf(CheckConfig(MakeConfig())), Errc::kOk);
}

TEST(CheckConfig, AcceptsASingleMemberWithoutRules) {
  Config c = MakeConfig();
  c.members.resize(1);
  c.rules.clear();
  EXPECT_EQ(ErrcOf(CheckConfig(c)), Errc::kOk);
}

TEST(CheckConfig, RejectsAnEmptyConsortium) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.members.clear(); c.rules.clear(); }), Errc::kConfig);
}

TEST(CheckConfig, RejectsReservedMemberIdZero) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.members[0].id = 0; }), Errc::kConfig);
}

TEST(CheckConfig, RejectsUnsortedOrDuplicateMemberIds) {
  EXPECT_EQ(CheckEdited([](Config& c) { std::swap(c.members[0], c.members[1]); }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.members[1].id = c.members[0].id; }), Errc::kConfig);
}

TEST(CheckConfig, RejectsTwoMembersSharingAPublicKey) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.members[3].pubkey = c.members[0].pubkey; }), Errc::kConfig);
}

TEST(CheckConfig, RejectsAMemberWithoutName) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.members[2].name.clear(); }), Errc::kConfig);
}

TEST(CheckConfig, RejectsBlockPeriodOutsideOneMsToOneHour) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.block_period_ms = 0; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.block_period_ms = 3'600'001; c.params.heartbeat_ms = 4'000'000; }),
            Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.block_period_ms = 3'600'000; c.params.heartbeat_ms = 3'600'000; }),
            Errc::kOk);
}

TEST(CheckConfig, RejectsHeartbeatShorterThanBlockPeriod) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.heartbeat_ms = c.params.block_period_ms - 1; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.heartbeat_ms = c.params.block_period_ms; }), Errc::kOk);
}

TEST(CheckConfig, RejectsZeroOrInvertedRoundTimeouts) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.round_timeout_ms = 0; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_round_timeout_ms = c.params.round_timeout_ms - 1; }),
            Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_round_timeout_ms = c.params.round_timeout_ms; }), Errc::kOk);
}

TEST(CheckConfig, RejectsBatchLimitOutsideOneKibToOneMib) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_batch_bytes = 1023; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_batch_bytes = 1024; }), Errc::kOk);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_batch_bytes = (1u << 20) + 1; }), Errc::kConfig);
}

TEST(CheckConfig, RejectsBlockLimitBelowBatchLimitOrAboveHardCap) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_block_bytes = c.params.max_batch_bytes - 1; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_block_bytes = c.params.max_batch_bytes; }), Errc::kOk);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_block_bytes = (64u << 20) + 1; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.max_block_bytes = 64u << 20; }), Errc::kOk);
}

TEST(CheckConfig, RejectsZeroAnchorConfirmations) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.params.k_anchor = 0; }), Errc::kConfig);
}

TEST(CheckConfig, RejectsNamespacesOutsideTheRuleAlphabet) {
  for (const char* ns : {"Ledger", "", "led/ger", "_private", "l\xc3\xa9" "dger", "a b"}) {
    EXPECT_EQ(CheckEdited([&](Config& c) { c.rules[0].ns = ns; }), Errc::kConfig) << ns;
  }
  for (const char* ns : {"ledger.v2", "a-b_c", "0"}) {
    EXPECT_EQ(CheckEdited([&](Config& c) { c.rules[0].ns = ns; }), Errc::kOk) << ns;
  }
}

TEST(CheckConfig, RejectsUnsortedOrDuplicateRules) {
  Rule second = samples::MakeRule();
  second.ns = "archive";  // sorts before "ledger"
  EXPECT_EQ(CheckEdited([&](Config& c) { c.rules.push_back(second); }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([&](Config& c) { c.rules.insert(c.rules.begin(), second); }), Errc::kOk);
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules.push_back(c.rules[0]); }), Errc::kConfig);
}

TEST(CheckConfig, RejectsRuleModesOtherThanOneToThree) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules[0].mode = 0; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules[0].mode = 4; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules[0].mode = 3; }), Errc::kOk);
}

TEST(CheckConfig, RejectsRulesNamingUnknownMembers) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules[0].writers = {1, 9}; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules[0].editors = {9}; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules[0].readers = {0}; }), Errc::kConfig);
}

TEST(CheckConfig, RejectsUnsortedRuleMemberLists) {
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules[0].writers = {2, 1}; }), Errc::kConfig);
  EXPECT_EQ(CheckEdited([](Config& c) { c.rules[0].readers = {1, 1}; }), Errc::kConfig);
}

TEST(CheckGenesis, AcceptsTheSampleGenesis) {
  EXPECT_EQ(ErrcOf(CheckGenesis(samples::MakeGenesis())), Errc::kOk);
}

TEST(CheckGenesis, RejectsAConfigPastEpochZero) {
  Genesis g = samples::MakeGenesis();
  g.config.epoch = 1;
  EXPECT_EQ(ErrcOf(CheckGenesis(g)), Errc::kConfig);
}

TEST(CheckGenesis, RejectsANonZeroPreviousConfigHash) {
  Genesis g = samples::MakeGenesis();
  g.config.prev_config_hash = samples::Filled(1);
  EXPECT_EQ(ErrcOf(CheckGenesis(g)), Errc::kConfig);
}

TEST(CheckGenesis, AppliesTheConfigChecks) {
  Genesis g = samples::MakeGenesis();
  g.config.params.k_anchor = 0;
  EXPECT_EQ(ErrcOf(CheckGenesis(g)), Errc::kConfig);
}

TEST(ConfigMajority, IsStrictlyMoreThanHalfOfAllMembers) {
  Config c = MakeConfig();
  const std::size_t expected[] = {0, 1, 2, 2, 3, 3, 4, 4};
  for (std::size_t n = 1; n <= 7; ++n) {
    c.members.clear();
    for (MemberId id = 1; id <= n; ++id) c.members.push_back(samples::MakeMember(id));
    EXPECT_EQ(c.Majority(), expected[n]) << "N = " << n;
  }
}

TEST(ConfigLookup, FindsMembersByIdAndKeyAndRulesByNamespace) {
  const Config c = MakeConfig();
  ASSERT_NE(c.FindMember(3), nullptr);
  EXPECT_EQ(c.FindMember(3)->name, "carol");
  EXPECT_EQ(c.FindMember(0), nullptr);
  EXPECT_EQ(c.FindMember(5), nullptr);
  ASSERT_NE(c.FindMemberByKey(samples::Key(2).public_key()), nullptr);
  EXPECT_EQ(c.FindMemberByKey(samples::Key(2).public_key())->id, 2u);
  EXPECT_EQ(c.FindMemberByKey(samples::Key(9).public_key()), nullptr);
  ASSERT_NE(c.FindRule("ledger"), nullptr);
  EXPECT_EQ(c.FindRule("ledge"), nullptr);
  EXPECT_EQ(c.FindRule("ledgers"), nullptr);
}

TEST(ConfigDecode, RejectsMembersNotSortedById) {
  Config c = MakeConfig();
  std::swap(c.members[1], c.members[2]);
  EXPECT_EQ(ErrcOf(codec::Decode<Config>(codec::Encode(c))), Errc::kMalformed);
  c = MakeConfig();
  c.members[1].id = 1;
  EXPECT_EQ(ErrcOf(codec::Decode<Config>(codec::Encode(c))), Errc::kMalformed);
}

TEST(ConfigDecode, RejectsRulesNotSortedByNamespace) {
  Config c = MakeConfig();
  Rule early = samples::MakeRule();
  early.ns = "archive";
  c.rules.push_back(early);
  EXPECT_EQ(ErrcOf(codec::Decode<Config>(codec::Encode(c))), Errc::kMalformed);
  std::swap(c.rules[0], c.rules[1]);
  EXPECT_EQ(ErrcOf(codec::Decode<Config>(codec::Encode(c))), Errc::kOk);
}

TEST(ConfigDecode, RejectsMoreMembersThanTheDecoderBound) {
  Config c = MakeConfig();
  c.members.clear();
  for (MemberId id = 1; id <= kMaxMembers + 1; ++id) {
    Member m = samples::MakeMember(id);
    m.pubkey = samples::Filled(static_cast<std::uint8_t>(id));
    c.members.push_back(m);
  }
  c.rules.clear();
  EXPECT_EQ(ErrcOf(codec::Decode<Config>(codec::Encode(c))), Errc::kTooLarge);
  c.members.pop_back();
  EXPECT_EQ(ErrcOf(codec::Decode<Config>(codec::Encode(c))), Errc::kOk);
}

TEST(RuleDecode, RejectsModesOtherThanOneToThree) {
  Rule r = samples::MakeRule();
  for (std::uint8_t mode : {0, 4, 0xff}) {
    r.mode = mode;
    EXPECT_EQ(ErrcOf(codec::Decode<Rule>(codec::Encode(r))), Errc::kMalformed) << int{mode};
  }
}

TEST(RuleDecode, RejectsNonCanonicalNamespacesAndUnsortedLists) {
  Rule r = samples::MakeRule();
  r.ns = "Ledger";
  EXPECT_EQ(ErrcOf(codec::Decode<Rule>(codec::Encode(r))), Errc::kMalformed);
  r = samples::MakeRule();
  r.writers = {2, 1};
  EXPECT_EQ(ErrcOf(codec::Decode<Rule>(codec::Encode(r))), Errc::kMalformed);
  r = samples::MakeRule();
  r.readers = {3, 3};
  EXPECT_EQ(ErrcOf(codec::Decode<Rule>(codec::Encode(r))), Errc::kMalformed);
}

TEST(RuleDecode, RejectsEncryptedFlagOtherThanZeroOrOne) {
  Bytes b = codec::Encode(samples::MakeRule());
  b.back() = 2;  // `encrypted` is the last byte
  EXPECT_EQ(ErrcOf(codec::Decode<Rule>(b)), Errc::kMalformed);
}

TEST(GenesisDecode, RejectsUnknownVersionsOfGenesisAndItsConfig) {
  Bytes b = codec::Encode(samples::MakeGenesis());
  b[1] = 2;  // Genesis.version
  EXPECT_EQ(ErrcOf(codec::Decode<Genesis>(b)), Errc::kBadVersion);
  b[1] = 1;
  b[3] = 0;  // Config.version, right after
  EXPECT_EQ(ErrcOf(codec::Decode<Genesis>(b)), Errc::kBadVersion);
}

TEST(ChainId, ChangesWithAnyGenesisField) {
  const Hash32 base = ChainId(samples::MakeGenesis());
  Genesis g = samples::MakeGenesis();
  g.genesis_time_ms += 1;
  EXPECT_NE(ChainId(g), base);
  g = samples::MakeGenesis();
  g.description += ".";
  EXPECT_NE(ChainId(g), base);
  g = samples::MakeGenesis();
  g.config.params.k_anchor = 7;
  EXPECT_NE(ChainId(g), base);
  EXPECT_NE(ChainId(samples::MakeGenesis()), ConfigHash(samples::MakeConfig()));
}

}  // namespace
}  // namespace peerdb::chain
