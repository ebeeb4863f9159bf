// The shared consensus rules (chain/rules.h): signer counting, majority and unanimity under
// exclusions ([D4], [D7], §5.2), statuses from anchors ([D5]), checkpoint unanimity, and the header
// rules C2-C4 that block_test.cpp does not cover (author, exclusions, epoch, timestamp).
#include "peerdb/chain/rules.h"

#include <gtest/gtest.h>

#include <vector>

#include "chain_samples.h"
#include "../common/errc_of.h"

namespace peerdb::chain {
namespace {

const Config& SampleConfig() {
  static const Config config = samples::MakeConfig();  // members 1..4, MAJ = 3
  return config;
}

TEST(TallySigners, CountsDistinctNonExcludedMembersAndNamesTheMissing) {
  const SignerTally t = TallySigners({2, 1, 2, 9}, SampleConfig(), {4});
  EXPECT_EQ(t.counted, 2u);  // 1 and 2; the duplicate and the non-member 9 do not count
  EXPECT_EQ(t.missing, (std::vector<MemberId>{3}));  // 4 is excluded, so not required
}

TEST(IsMajority, NeedsMoreThanHalfOfAllMembersEvenAfterExclusions) {
  EXPECT_TRUE(IsMajority(TallySigners({1, 2, 3}, SampleConfig(), {}), SampleConfig()));
  EXPECT_FALSE(IsMajority(TallySigners({1, 2}, SampleConfig(), {}), SampleConfig()));
  // An excluded signer does not count: MAJ stays 3 of 4.
  EXPECT_FALSE(IsMajority(TallySigners({1, 2, 4}, SampleConfig(), {4}), SampleConfig()));
}

TEST(IsUnanimous, MembersLeavingWithTheBlockAreNotRequiredButStillCount) {
  // T(D) (§3): the targets of a change this block completed are not required sealers.
  EXPECT_TRUE(IsUnanimous({1, 2, 3}, SampleConfig(), {}, {4}));
  const SignerTally t = TallySigners({1, 2, 4}, SampleConfig(), {}, {4});
  EXPECT_EQ(t.counted, 3u);
  EXPECT_EQ(t.missing, (std::vector<MemberId>{3}));
  // MAJ is still the epoch's: two sealers and two leavers are not unanimous.
  EXPECT_FALSE(IsUnanimous({1, 2}, SampleConfig(), {}, {3, 4}));
}

TEST(IsUnanimous, AllMembersSealed) {
  EXPECT_TRUE(IsUnanimous({1, 2, 3, 4}, SampleConfig(), {}));
  EXPECT_FALSE(IsUnanimous({1, 2, 3}, SampleConfig(), {}));
}

TEST(IsUnanimous, AnExcludedMemberIsNoLongerRequired) {
  // The defect this rule fixed: a node asked the excluded double-signer for its seal too.
  EXPECT_TRUE(IsUnanimous({1, 2, 3}, SampleConfig(), {4}));
  EXPECT_TRUE(IsUnanimous({1, 2, 3, 4}, SampleConfig(), {4}));  // its seal is ignored, not harmful
  EXPECT_FALSE(IsUnanimous({1, 2, 4}, SampleConfig(), {4}));
}

TEST(IsUnanimous, ACompromisedEpochIsNeverUnanimous) {
  // Two of four excluded: the other two cover Req but are fewer than MAJ = 3 (§5.2's floor).
  EXPECT_FALSE(IsUnanimous({1, 2}, SampleConfig(), {3, 4}));
  EXPECT_FALSE(IsUnanimous({1, 2, 3, 4}, SampleConfig(), {3, 4}));
}

TEST(CheckpointIsUnanimous, JudgesVerifiedSealsUnderTheExclusions) {
  const Checkpoint three = samples::MakeCheckpoint(2, samples::Filled(0xb1), {1, 2, 3});
  EXPECT_FALSE(CheckpointIsUnanimous(three, SampleConfig(), {}));
  EXPECT_TRUE(CheckpointIsUnanimous(three, SampleConfig(), {4}));
  Checkpoint forged = samples::MakeCheckpoint(2, samples::Filled(0xb1), {1, 2, 3, 4});
  forged.seals[3].sig[0] ^= 1;
  EXPECT_FALSE(CheckpointIsUnanimous(forged, SampleConfig(), {}));
  EXPECT_FALSE(CheckpointIsUnanimous(forged, SampleConfig(), {4}));  // a bad seal voids the checkpoint
}

TEST(HeightsFromAnchors, ADescendantsAnchorCoversItsAncestors) {
  EXPECT_EQ(HeightsFromAnchors({}), (StatusHeights{0, 0}));
  const StatusHeights h = HeightsFromAnchors({{5, true}, {9, false}, {3, true}});
  EXPECT_EQ(h.anchored_height, 9u);
  EXPECT_EQ(h.final_height, 5u);
}

TEST(StatusAt, AnchorsRaiseWhatTheSealsGive) {
  const StatusHeights h{9, 5};
  EXPECT_EQ(StatusAt(5, h, BlockStatus::kMajority), BlockStatus::kFinal);
  EXPECT_EQ(StatusAt(6, h, BlockStatus::kMajority), BlockStatus::kAnchored);
  EXPECT_EQ(StatusAt(10, h, BlockStatus::kUnanimous), BlockStatus::kUnanimous);
}

TEST(BlockStatusName, NamesEveryLevelAndNothingElse) {
  EXPECT_EQ(BlockStatusName(BlockStatus::kProposed), "PROPOSED");
  EXPECT_EQ(BlockStatusName(BlockStatus::kMajority), "MAJORITY");
  EXPECT_EQ(BlockStatusName(BlockStatus::kUnanimous), "UNANIMOUS");
  EXPECT_EQ(BlockStatusName(BlockStatus::kAnchored), "ANCHORED");
  EXPECT_EQ(BlockStatusName(BlockStatus::kFinal), "FINAL");
  EXPECT_EQ(BlockStatusName(static_cast<BlockStatus>(9)), "UNKNOWN");
}

// Block 2 of the sample chain, checked against block 1 under `rules` edited by the test.
class CheckHeaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_rules.chain_id = samples::ChainIdOfSample();
    m_rules.config = &m_config;
    m_rules.config_hash = ConfigHash(m_config);
    m_parent = ParentRef{1, BlockId(m_b1.header), m_b1.header.timestamp_ms};
  }
  Status Check() const { return CheckHeader(m_b2.header, m_b2.parent_cert, m_parent, m_rules); }

  Config m_config = samples::MakeConfig();
  Block m_b1 = samples::MakeBlock1();
  Block m_b2 = samples::MakeBlock2(m_b1);  // author 2, MC of members 1..3 for block 1
  HeaderRules m_rules;
  ParentRef m_parent;
};

TEST_F(CheckHeaderTest, AcceptsTheSampleBlock) { EXPECT_EQ(ErrcOf(Check()), Errc::kOk) << MessageOf(Check()); }

TEST_F(CheckHeaderTest, RejectsAnAuthorWhoIsNotAMember) {
  m_b2.header.author = 7;
  EXPECT_EQ(ErrcOf(Check()), Errc::kNotMember);
  EXPECT_NE(MessageOf(Check()).find("C2: author 7"), std::string::npos) << MessageOf(Check());
}

TEST_F(CheckHeaderTest, RejectsAnAuthorExcludedByEvidence) {
  m_rules.author_excluded = {2};
  EXPECT_EQ(ErrcOf(Check()), Errc::kInvalid);
  EXPECT_NE(MessageOf(Check()).find("C2: author 2 is excluded"), std::string::npos) << MessageOf(Check());
}

TEST_F(CheckHeaderTest, RejectsAnotherEpochOrConfig) {
  m_b2.header.epoch = 1;
  EXPECT_EQ(ErrcOf(Check()), Errc::kInvalid);
  m_b2.header.epoch = 0;
  m_b2.header.config_hash = samples::Filled(0x42);
  EXPECT_EQ(ErrcOf(Check()), Errc::kInvalid);
  EXPECT_NE(MessageOf(Check()).find("C2: epoch or config_hash"), std::string::npos) << MessageOf(Check());
}

TEST_F(CheckHeaderTest, RejectsAHeightThatDoesNotFollowTheParent) {
  m_parent.height = 2;
  EXPECT_EQ(ErrcOf(Check()), Errc::kInvalid);
  EXPECT_NE(MessageOf(Check()).find("C2: height"), std::string::npos) << MessageOf(Check());
}

TEST_F(CheckHeaderTest, RejectsALinkToAnotherParent) {
  m_parent.id = samples::Filled(0x77);
  EXPECT_EQ(ErrcOf(Check()), Errc::kInvalid);
  EXPECT_NE(MessageOf(Check()).find("C3: parent_id"), std::string::npos) << MessageOf(Check());
}

TEST_F(CheckHeaderTest, JudgesTheParentCertificateUnderTheParentsExclusions) {
  m_rules.author_excluded = {3};  // excluded by evidence recorded in the parent: the author rule sees it
  EXPECT_EQ(ErrcOf(Check()), Errc::kOk) << MessageOf(Check());
  m_rules.parent_cert_excluded = {3};  // excluded below the parent: its vote no longer counts (2 of 3)
  EXPECT_EQ(ErrcOf(Check()), Errc::kInvalid);
  EXPECT_NE(MessageOf(Check()).find("C3: parent certificate"), std::string::npos) << MessageOf(Check());
}

TEST_F(CheckHeaderTest, RejectsATimestampBeforeParentPlusBlockPeriod) {
  m_parent.timestamp_ms = m_b2.header.timestamp_ms - m_config.params.block_period_ms;
  EXPECT_EQ(ErrcOf(Check()), Errc::kOk) << MessageOf(Check());
  m_parent.timestamp_ms += 1;
  EXPECT_EQ(ErrcOf(Check()), Errc::kInvalid);
  EXPECT_NE(MessageOf(Check()).find("C4: timestamp"), std::string::npos) << MessageOf(Check());
}

}  // namespace
}  // namespace peerdb::chain
