// Config changes and epochs (chain/config_change.h, chain/epoch.h, PROTOCOL.md §5.3): how each op
// changes a config, when a change may be proposed and approved, activation at the block that
// completes the approvals, lapse at expires_height, and the history of epochs by height.
#include "peerdb/chain/epoch.h"

#include <gtest/gtest.h>

#include "chain_samples.h"
#include "../common/errc_of.h"

namespace peerdb::chain {
namespace {

using samples::ChainIdOfSample;
using samples::Key;

Member NewMember(MemberId id) {
  Member m = samples::MakeMember(id);
  m.name = "Bank " + std::to_string(id);
  return m;
}

ConfigChange Change(std::vector<ConfigOp> ops, std::uint64_t expires = 100, std::uint64_t epoch = 0) {
  ConfigChange c;
  c.epoch = epoch;
  c.ops = std::move(ops);
  c.expires_height = expires;
  return c;
}

Op AsOp(const ConfigChange& c) {
  Op op;
  op.kind = static_cast<std::uint8_t>(OpKind::kConfig);
  op.ns = std::string(kConfigNamespace);
  op.key = std::string(kConfigKey);
  op.value = codec::Encode(c);
  return op;
}

EpochState Genesis() { return GenesisEpochState(samples::MakeGenesis()); }  // members 1..4, MAJ 3

Block BlockWith(std::uint64_t height, std::vector<TxBatch> batches, std::vector<Record> records = {}) {
  Block b;
  b.header.height = height;
  b.batches = std::move(batches);
  b.records = std::move(records);
  return b;
}

TxBatch BatchWith(MemberId author, const ConfigChange& c) {
  TxBatch b;
  b.author = author;
  b.seq = 1;
  b.ops.push_back(AsOp(c));
  return b;
}

Record Approve(MemberId signer, const PendingChange& p, std::uint64_t epoch = 0) {
  ConfigApprove a;
  a.epoch = epoch;
  a.change_id = p.change_id;
  a.containing_block_id = p.block_id;
  a.signer = signer;
  SignWith(Key(signer), ChainIdOfSample(), a);
  return Record{a};
}

// The state after block `h` proposing `c` (by member 1) with id `id`.
EpochState Proposed(const ConfigChange& c, std::uint64_t h = 5, const Hash32& id = samples::Filled(0x55)) {
  auto step = AdvanceEpoch(Genesis(), BlockWith(h, {BatchWith(1, c)}), id, ChainIdOfSample(), {});
  EXPECT_TRUE(step.ok()) << step.error().message;
  EXPECT_TRUE(step->proposed);
  return step->state;
}

// ---- ApplyConfigChange ----

TEST(ApplyConfigChange, AddsAMemberWithAFreshIdAndBumpsTheEpoch) {
  const Config before = samples::MakeConfig();
  MemberId next = 5;
  auto after = ApplyConfigChange(before, Change({ConfigOp{AddMember{NewMember(5), "e:1"}}}), &next);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->members.size(), 5u);
  EXPECT_EQ(after->epoch, 1u);
  EXPECT_EQ(after->prev_config_hash, ConfigHash(before));
  EXPECT_EQ(next, 6u);
}

TEST(ApplyConfigChange, RefusesAReusedIdOrKey) {
  const Config before = samples::MakeConfig();
  MemberId next = 7;  // ids 5 and 6 were used by members since removed
  EXPECT_EQ(ErrcOf(ApplyConfigChange(before, Change({ConfigOp{AddMember{NewMember(6), ""}}}), &next)), Errc::kInvalid);
  Member dup = NewMember(7);
  dup.pubkey = before.members[0].pubkey;
  auto r = ApplyConfigChange(before, Change({ConfigOp{AddMember{dup, ""}}}), &next);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("already in use"), std::string::npos);
  EXPECT_EQ(next, 7u);  // untouched on failure
}

TEST(ApplyConfigChange, RemovalOfAMemberARuleStillNamesIsRefusedUnlessTheRuleChangesFirst) {
  Config before = samples::MakeConfig();
  Rule r = before.rules[0];
  r.writers = {2, 4};
  before.rules[0] = r;
  MemberId next = 5;
  auto refused = ApplyConfigChange(before, Change({ConfigOp{RemoveMember{4}}}), &next);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("still names member 4"), std::string::npos) << refused.error().message;
  Rule fixed = r;
  fixed.writers = {2};
  auto ok = ApplyConfigChange(before, Change({ConfigOp{SetRule{fixed}}, ConfigOp{RemoveMember{4}}}), &next);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->members.size(), 3u);
  EXPECT_EQ(ok->rules[0].writers, (std::vector<MemberId>{2}));
}

TEST(ApplyConfigChange, ResetRenamesTheMemberInRules) {
  Config before = samples::MakeConfig();
  before.rules[0].editors = {3};
  MemberId next = 5;
  auto after = ApplyConfigChange(before, Change({ConfigOp{ResetMember{3, NewMember(9), ""}}}), &next);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->FindMember(3), nullptr);
  ASSERT_NE(after->FindMember(9), nullptr);
  EXPECT_EQ(after->rules[0].editors, (std::vector<MemberId>{9}));
  EXPECT_EQ(next, 10u);
}

TEST(ApplyConfigChange, RotationNeedsANewUnusedKey) {
  const Config before = samples::MakeConfig();
  MemberId next = 5;
  EXPECT_EQ(ErrcOf(ApplyConfigChange(before, Change({ConfigOp{RotateKey{2, before.members[1].pubkey, {}}}}), &next)),
            Errc::kInvalid);
  EXPECT_EQ(ErrcOf(ApplyConfigChange(before, Change({ConfigOp{RotateKey{2, before.members[2].pubkey, {}}}}), &next)),
            Errc::kInvalid);
  const Hash32 fresh = Key(42).public_key();
  auto after = ApplyConfigChange(before, Change({ConfigOp{RotateKey{2, fresh, samples::Filled(7)}}}), &next);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->FindMember(2)->pubkey, fresh);
}

TEST(ApplyConfigChange, ParametersOutOfRangeAndUnknownRulesAreRefused) {
  const Config before = samples::MakeConfig();
  MemberId next = 5;
  Params p = before.params;
  p.block_period_ms = 0;
  auto bad = ApplyConfigChange(before, Change({ConfigOp{SetParams{p}}}), &next);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("block_period_ms"), std::string::npos);
  EXPECT_EQ(ErrcOf(ApplyConfigChange(before, Change({ConfigOp{DelRule{"nope"}}}), &next)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(ApplyConfigChange(before, Change({}), &next)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(ApplyConfigChange(before, Change({ConfigOp{RemoveMember{1}}}, 100, 3), &next)), Errc::kInvalid);
}

TEST(ConfigChange, RoundTripsThroughPceAndItsIdCoversEveryOp) {
  const ConfigChange c = Change({ConfigOp{AddMember{NewMember(5), "host:1"}}, ConfigOp{RemoveMember{2}},
                                 ConfigOp{RotateKey{3, samples::Filled(1), samples::Filled(2)}},
                                 ConfigOp{ResetMember{4, NewMember(6), ""}}, ConfigOp{SetParams{samples::MakeParams()}},
                                 ConfigOp{SetRule{samples::MakeRule()}}, ConfigOp{DelRule{"x"}}});
  auto back = codec::Decode<ConfigChange>(codec::Encode(c));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, c);
  ConfigChange other = c;
  std::get<RemoveMember>(other.ops[1].body).id = 3;
  EXPECT_NE(ChangeId(other), ChangeId(c));
  EXPECT_EQ(ChangeTargets(c), (std::vector<MemberId>{2, 4}));
  Bytes bad = codec::Encode(c);
  bad[2 + 8 + 4] = 9;  // the first op's tag
  EXPECT_EQ(ErrcOf(codec::Decode<ConfigChange>(bad)), Errc::kMalformed);
}

// ---- Proposing ----

TEST(CheckProposedChange, AMinorityCannotExpelAMajority) {
  // 4 members, MAJ 3: removing two leaves 2 approvers.
  const ConfigChange c = Change({ConfigOp{RemoveMember{3}}, ConfigOp{RemoveMember{4}}});
  auto r = CheckProposedChange(Genesis(), 1, AsOp(c), 5, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fewer than a majority"), std::string::npos) << r.error().message;
  // One removal leaves 3: allowed, even when the target is silent.
  EXPECT_TRUE(CheckProposedChange(Genesis(), 1, AsOp(Change({ConfigOp{RemoveMember{4}}})), 5, {}).ok());
  // With member 2 excluded by evidence, removing 4 leaves 2 in good standing: refused.
  EXPECT_FALSE(CheckProposedChange(Genesis(), 1, AsOp(Change({ConfigOp{RemoveMember{4}}})), 5, {2}).ok());
}

TEST(CheckProposedChange, RefusesNonMembersBadExpiryAndASecondPendingChange) {
  const ConfigChange c = Change({ConfigOp{DelRule{samples::MakeRule().ns}}});
  EXPECT_EQ(ErrcOf(CheckProposedChange(Genesis(), 9, AsOp(c), 5, {})), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(CheckProposedChange(Genesis(), 4, AsOp(c), 5, {4})), Errc::kInvalid);  // excluded
  EXPECT_EQ(ErrcOf(CheckProposedChange(Genesis(), 1, AsOp(Change(c.ops, 5)), 5, {})), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(CheckProposedChange(Genesis(), 1, AsOp(Change(c.ops, 5 + 100001)), 5, {})), Errc::kInvalid);
  Op garbage = AsOp(c);
  garbage.value.push_back(0);
  EXPECT_EQ(ErrcOf(CheckProposedChange(Genesis(), 1, garbage, 5, {})), Errc::kMalformed);
  const EpochState pending = Proposed(c);
  EXPECT_EQ(ErrcOf(CheckProposedChange(pending, 2, AsOp(Change(c.ops, 200)), 6, {})), Errc::kConflict);
  // Once it lapsed (height >= expires_height), a new change may be proposed.
  EXPECT_TRUE(CheckProposedChange(pending, 2, AsOp(Change(c.ops, 200)), 100, {}).ok());
}

TEST(AdvanceEpoch, TwoChangesInOneBlockAreRefused) {
  const ConfigChange c = Change({ConfigOp{DelRule{samples::MakeRule().ns}}});
  auto r = AdvanceEpoch(Genesis(), BlockWith(5, {BatchWith(1, c), BatchWith(2, c)}), samples::Filled(1), ChainIdOfSample(), {});
  EXPECT_EQ(ErrcOf(r), Errc::kConflict);
}

// ---- Approving and activating ----

TEST(AdvanceEpoch, ActivatesAtTheBlockThatCompletesTheApprovalsOfNonTargets) {
  const ConfigChange c = Change({ConfigOp{RemoveMember{4}}});
  EpochState s = Proposed(c);
  const PendingChange p = *s.pending;
  EXPECT_EQ(MissingApprovers(s, p, {}), (std::vector<MemberId>{1, 2, 3}));  // the target never has to
  auto step = AdvanceEpoch(s, BlockWith(6, {}, {Approve(1, p), Approve(2, p)}), samples::Filled(6), ChainIdOfSample(), {});
  ASSERT_TRUE(step.ok()) << step.error().message;
  EXPECT_FALSE(step->activated);
  EXPECT_EQ(step->approvals, 2u);
  EXPECT_EQ(step->state.pending->approvals, (std::vector<MemberId>{1, 2}));
  auto done = AdvanceEpoch(step->state, BlockWith(7, {}, {Approve(3, p)}), samples::Filled(7), ChainIdOfSample(), {});
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(done->activated);
  EXPECT_EQ(done->leaving, (std::vector<MemberId>{4}));
  EXPECT_EQ(done->state.config.epoch, 1u);
  EXPECT_EQ(done->state.start_height, 8u);
  EXPECT_EQ(done->state.config.members.size(), 3u);
  EXPECT_FALSE(done->state.pending);
}

TEST(CheckApproval, RefusesTargetsDuplicatesOtherBranchesForgeriesAndLapsedChanges) {
  const ConfigChange c = Change({ConfigOp{RemoveMember{4}}}, 20);
  const EpochState s = Proposed(c);
  const PendingChange& p = *s.pending;
  auto approval = [&](MemberId signer) { return std::get<ConfigApprove>(Approve(signer, p).body); };
  EXPECT_TRUE(CheckApproval(s, approval(1), 6, ChainIdOfSample(), {}).ok());
  EXPECT_EQ(ErrcOf(CheckApproval(s, approval(4), 6, ChainIdOfSample(), {})), Errc::kInvalid);  // the target
  EXPECT_EQ(ErrcOf(CheckApproval(s, approval(2), 6, ChainIdOfSample(), {2})), Errc::kInvalid);  // excluded
  ConfigApprove other_branch = approval(1);
  other_branch.containing_block_id = samples::Filled(0x66);
  SignWith(Key(1), ChainIdOfSample(), other_branch);
  EXPECT_EQ(ErrcOf(CheckApproval(s, other_branch, 6, ChainIdOfSample(), {})), Errc::kInvalid);
  ConfigApprove forged = approval(2);
  forged.signer = 3;
  EXPECT_EQ(ErrcOf(CheckApproval(s, forged, 6, ChainIdOfSample(), {})), Errc::kBadSignature);
  EXPECT_EQ(ErrcOf(CheckApproval(s, approval(9), 6, ChainIdOfSample(), {})), Errc::kNotMember);
  EXPECT_EQ(ErrcOf(CheckApproval(s, approval(1), 20, ChainIdOfSample(), {})), Errc::kInvalid);  // lapsed
  ConfigApprove unknown = approval(1);
  unknown.change_id = samples::Filled(0x77);
  SignWith(Key(1), ChainIdOfSample(), unknown);
  EXPECT_EQ(ErrcOf(CheckApproval(s, unknown, 6, ChainIdOfSample(), {})), Errc::kInvalid);
  // Counted once: a second approval by member 1 is refused.
  auto step = AdvanceEpoch(s, BlockWith(6, {}, {Approve(1, p)}), samples::Filled(6), ChainIdOfSample(), {});
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(ErrcOf(CheckApproval(step->state, approval(1), 7, ChainIdOfSample(), {})), Errc::kInvalid);
}

TEST(AdvanceEpoch, AChangeLapsesAtItsExpiryHeight) {
  const ConfigChange c = Change({ConfigOp{RemoveMember{4}}}, 10);
  const EpochState s = Proposed(c);
  auto step = AdvanceEpoch(s, BlockWith(10, {}), samples::Filled(10), ChainIdOfSample(), {});
  ASSERT_TRUE(step.ok());
  EXPECT_TRUE(step->lapsed);
  EXPECT_FALSE(step->state.pending);
  EXPECT_EQ(step->state.config.epoch, 0u);
}

TEST(AdvanceEpoch, AnAddedMemberIsAnnouncedWithItsAddressAndApprovesNothingOfItsOwnAddition) {
  const ConfigChange c = Change({ConfigOp{AddMember{NewMember(5), "10.0.0.5:7400"}}});
  EpochState s = Proposed(c);
  const PendingChange p = *s.pending;
  // Req_c is the epoch's members: the newcomer is not one yet.
  EXPECT_EQ(ErrcOf(CheckApproval(s, std::get<ConfigApprove>(Approve(5, p).body), 6, ChainIdOfSample(), {})), Errc::kNotMember);
  auto done = AdvanceEpoch(s, BlockWith(6, {}, {Approve(1, p), Approve(2, p), Approve(3, p), Approve(4, p)}),
                           samples::Filled(6), ChainIdOfSample(), {});
  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_TRUE(done->activated);
  EXPECT_EQ(done->state.config.Majority(), 3u);  // 5 members
  ASSERT_EQ(done->state.addresses.size(), 1u);
  EXPECT_EQ(done->state.addresses[0].address, "10.0.0.5:7400");
  EXPECT_EQ(done->state.next_member_id, 6u);
}

// ---- History ----

TEST(EpochHistory, AnswersTheConfigAndLeaversByHeightAndCutsBack) {
  EpochHistory history(samples::MakeGenesis());
  const ConfigChange c = Change({ConfigOp{RemoveMember{4}}});
  EpochState s = Proposed(c);
  const PendingChange p = *s.pending;
  auto done = AdvanceEpoch(s, BlockWith(7, {}, {Approve(1, p), Approve(2, p), Approve(3, p)}), samples::Filled(7),
                           ChainIdOfSample(), {});
  ASSERT_TRUE(done.ok());
  history.Note(7, *done);
  EXPECT_EQ(history.ConfigAt(0).epoch, 0u);
  EXPECT_EQ(history.ConfigAt(7).epoch, 0u);
  EXPECT_EQ(history.ConfigAt(8).epoch, 1u);
  EXPECT_EQ(history.ConfigAt(1000).epoch, 1u);
  EXPECT_EQ(history.LeavingAt(7), (std::vector<MemberId>{4}));
  EXPECT_TRUE(history.LeavingAt(6).empty());
  history.TruncateAbove(7);  // the activating block stays: so does the new epoch
  EXPECT_EQ(history.all().size(), 2u);
  history.TruncateAbove(6);
  ASSERT_EQ(history.all().size(), 1u);
  EXPECT_EQ(history.current().end_height, 0u);
  EXPECT_TRUE(history.LeavingAt(7).empty());
}

}  // namespace
}  // namespace peerdb::chain
