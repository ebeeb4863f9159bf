// Consensus messages and certificates (PROTOCOL.md §1.6, §5.2): VerifyMajorityCert counts distinct,
// valid, non-excluded member votes against MAJ_e; VerifyCheckpointSeals checks every seal.
#include "peerdb/chain/messages.h"
#include "peerdb/chain/rules.h"

#include <gtest/gtest.h>

#include <vector>

#include "chain_samples.h"
#include "../common/errc_of.h"

namespace peerdb::chain {
namespace {

using samples::Filled;
using samples::MakeMajorityCert;

const Hash32 kBlock = Filled(0xb1);

Status Verify(const MajorityCert& mc, const std::vector<MemberId>& excluded = {}) {
  return VerifyMajorityCert(mc, samples::ChainIdOfSample(), samples::MakeConfig(), excluded);
}

TEST(VerifyMajorityCert, AcceptsAStrictMajorityOfVotes) {
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {1, 2, 3}))), Errc::kOk);
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {2, 3, 4}))), Errc::kOk);
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(9, 3, kBlock, {1, 2, 3, 4}))), Errc::kOk);
}

TEST(VerifyMajorityCert, RejectsHalfOfTheMembersAsTooFew) {
  // N = 4: MAJ = 3. Two votes are exactly half, which is not a majority [D7].
  const Status s = Verify(MakeMajorityCert(1, 0, kBlock, {1, 2}));
  EXPECT_EQ(ErrcOf(s), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {}))), Errc::kInvalid);
}

TEST(VerifyMajorityCert, RejectsAForgedSignature) {
  MajorityCert mc = MakeMajorityCert(1, 0, kBlock, {1, 2, 3});
  mc.votes[1].sig[5] ^= 0x01;
  EXPECT_EQ(ErrcOf(Verify(mc)), Errc::kBadSignature);
}

TEST(VerifyMajorityCert, RejectsAVoteSignedForAnotherBlockRoundOrHeight) {
  MajorityCert mc = MakeMajorityCert(1, 0, kBlock, {1, 2, 3});
  mc.votes[2].sig = samples::MakeVote(3, 1, 0, Filled(0xb2)).sig;
  EXPECT_EQ(ErrcOf(Verify(mc)), Errc::kBadSignature);
  mc = MakeMajorityCert(1, 0, kBlock, {1, 2, 3});
  mc.votes[2].sig = samples::MakeVote(3, 1, 1, kBlock).sig;
  EXPECT_EQ(ErrcOf(Verify(mc)), Errc::kBadSignature);
  mc = MakeMajorityCert(1, 0, kBlock, {1, 2, 3});
  mc.votes[2].sig = samples::MakeVote(3, 2, 0, kBlock).sig;
  EXPECT_EQ(ErrcOf(Verify(mc)), Errc::kBadSignature);
}

TEST(VerifyMajorityCert, RejectsAVoteMovedToAnotherSigner) {
  MajorityCert mc = MakeMajorityCert(1, 0, kBlock, {1, 2, 3});
  mc.votes[2].sig = mc.votes[1].sig;  // member 2's signature presented as member 3's
  EXPECT_EQ(ErrcOf(Verify(mc)), Errc::kBadSignature);
}

TEST(VerifyMajorityCert, RejectsACertificateFromAnotherChain) {
  const MajorityCert mc = MakeMajorityCert(1, 0, kBlock, {1, 2, 3});
  EXPECT_EQ(ErrcOf(VerifyMajorityCert(mc, Filled(0xcb), samples::MakeConfig())), Errc::kBadSignature);
}

TEST(VerifyMajorityCert, RejectsAVoteFromANonMember) {
  MajorityCert mc = MakeMajorityCert(1, 0, kBlock, {1, 2, 3});
  // Member 5 holds a real key and signs correctly, but is not in the config.
  mc.votes.push_back(SigEntry{5, samples::MakeVote(5, 1, 0, kBlock).sig});
  EXPECT_EQ(ErrcOf(Verify(mc)), Errc::kNotMember);
}

TEST(VerifyMajorityCert, DoesNotCountExcludedSigners) {
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {1, 2, 3}), {3})), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {1, 2, 3, 4}), {3})), Errc::kOk);
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {1, 2, 3, 4}), {1, 4})), Errc::kInvalid);
}

TEST(VerifyMajorityCert, MajorityIsOverAllMembersEvenWhenSomeAreExcluded) {
  // Excluding member 4 leaves three members, but MAJ stays floor(4/2)+1 = 3, not 2 [D4][D7].
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {1, 2}), {4})), Errc::kInvalid);
}

TEST(VerifyMajorityCert, RejectsUnsortedOrDuplicateVotes) {
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {2, 1, 3}))), Errc::kMalformed);
  // The same valid vote three times must not count as three members.
  EXPECT_EQ(ErrcOf(Verify(MakeMajorityCert(1, 0, kBlock, {1, 1, 1}))), Errc::kMalformed);
}

TEST(VerifyMajorityCert, RejectsUnknownVersion) {
  MajorityCert mc = MakeMajorityCert(1, 0, kBlock, {1, 2, 3});
  mc.version = 2;
  EXPECT_EQ(ErrcOf(Verify(mc)), Errc::kBadVersion);
}

TEST(MajorityCertDecode, RejectsUnsortedOrDuplicateVotes) {
  EXPECT_EQ(ErrcOf(codec::Decode<MajorityCert>(codec::Encode(MakeMajorityCert(1, 0, kBlock, {1, 3, 2})))),
            Errc::kMalformed);
  EXPECT_EQ(ErrcOf(codec::Decode<MajorityCert>(codec::Encode(MakeMajorityCert(1, 0, kBlock, {1, 1})))),
            Errc::kMalformed);
}

TEST(VerifyCheckpointSeals, ReturnsEverySignerWhenAllSealsVerify) {
  auto signers = VerifyCheckpointSeals(samples::MakeCheckpoint(2, kBlock, {1, 2, 3, 4}), samples::MakeConfig());
  ASSERT_TRUE(signers.ok()) << signers.error().ToString();
  EXPECT_EQ(*signers, (std::vector<MemberId>{1, 2, 3, 4}));
  signers = VerifyCheckpointSeals(samples::MakeCheckpoint(2, kBlock, {2, 4}), samples::MakeConfig());
  ASSERT_TRUE(signers.ok());
  EXPECT_EQ(*signers, (std::vector<MemberId>{2, 4}));
}

TEST(VerifyCheckpointSeals, RejectsAForgedSeal) {
  Checkpoint cp = samples::MakeCheckpoint(2, kBlock, {1, 2, 3});
  cp.seals[0].sig[63] ^= 0x10;
  EXPECT_EQ(ErrcOf(VerifyCheckpointSeals(cp, samples::MakeConfig())), Errc::kBadSignature);
}

TEST(VerifyCheckpointSeals, RejectsSealsOfAnotherBlockOrHeight) {
  Checkpoint cp = samples::MakeCheckpoint(2, kBlock, {1, 2});
  cp.block_id = Filled(0xb2);
  EXPECT_EQ(ErrcOf(VerifyCheckpointSeals(cp, samples::MakeConfig())), Errc::kBadSignature);
  cp = samples::MakeCheckpoint(2, kBlock, {1, 2});
  cp.h = 3;
  EXPECT_EQ(ErrcOf(VerifyCheckpointSeals(cp, samples::MakeConfig())), Errc::kBadSignature);
}

TEST(VerifyCheckpointSeals, RejectsSealsOfAnotherChain) {
  Checkpoint cp = samples::MakeCheckpoint(2, kBlock, {1, 2});
  cp.chain_id = Filled(0xcb);
  EXPECT_EQ(ErrcOf(VerifyCheckpointSeals(cp, samples::MakeConfig())), Errc::kBadSignature);
}

TEST(VerifyCheckpointSeals, RejectsASealByANonMember) {
  Checkpoint cp = samples::MakeCheckpoint(2, kBlock, {1, 2, 7});
  EXPECT_EQ(ErrcOf(VerifyCheckpointSeals(cp, samples::MakeConfig())), Errc::kNotMember);
}

TEST(VerifyCheckpointSeals, RejectsUnsortedOrDuplicateSeals) {
  EXPECT_EQ(ErrcOf(VerifyCheckpointSeals(samples::MakeCheckpoint(2, kBlock, {2, 1}), samples::MakeConfig())),
            Errc::kMalformed);
  EXPECT_EQ(ErrcOf(VerifyCheckpointSeals(samples::MakeCheckpoint(2, kBlock, {2, 2}), samples::MakeConfig())),
            Errc::kMalformed);
}

TEST(CheckpointDigest, CommitsToTheSealsCollected) {
  const Hash32 three = CheckpointDigest(samples::MakeCheckpoint(2, kBlock, {1, 2, 3}));
  const Hash32 four = CheckpointDigest(samples::MakeCheckpoint(2, kBlock, {1, 2, 3, 4}));
  EXPECT_NE(three, four);
}

TEST(RoundChangeDecode, RejectsLastVoteOptionTagsOtherThanZeroAndOne) {
  Bytes b = codec::Encode(samples::MakeRoundChange(3, 2, 1, /*with_last_vote=*/false));
  const std::size_t tag_at = 2 + 8 + 4;  // after version, h, r
  ASSERT_EQ(b[tag_at], 0);
  EXPECT_EQ(ErrcOf(codec::Decode<RoundChange>(b)), Errc::kOk);
  b[tag_at] = 2;
  EXPECT_EQ(ErrcOf(codec::Decode<RoundChange>(b)), Errc::kMalformed);
  b[tag_at] = 0xff;
  EXPECT_EQ(ErrcOf(codec::Decode<RoundChange>(b)), Errc::kMalformed);
  b[tag_at] = 1;  // claims a last vote: the signer's zero high bytes are then read as its version
  EXPECT_EQ(ErrcOf(codec::Decode<RoundChange>(b)), Errc::kBadVersion);
}

TEST(RoundChangeDecode, RejectsUnknownVersionsInsideTheLastVote) {
  RoundChange rc = samples::MakeRoundChange();
  rc.last_vote->vote.version = 2;
  EXPECT_EQ(ErrcOf(codec::Decode<RoundChange>(codec::Encode(rc))), Errc::kBadVersion);
  rc = samples::MakeRoundChange();
  rc.last_vote->core.version = 0;
  EXPECT_EQ(ErrcOf(codec::Decode<RoundChange>(codec::Encode(rc))), Errc::kBadVersion);
}

TEST(SignedMessageDecode, RejectsUnknownVersionsOfEachSignedType) {
  auto bumped = [](Bytes b) {
    b[1] = 2;
    return b;
  };
  EXPECT_EQ(ErrcOf(codec::Decode<Vote>(bumped(codec::Encode(samples::MakeVote())))), Errc::kBadVersion);
  EXPECT_EQ(ErrcOf(codec::Decode<Seal>(bumped(codec::Encode(samples::MakeSeal())))), Errc::kBadVersion);
  EXPECT_EQ(ErrcOf(codec::Decode<ProposalCore>(bumped(codec::Encode(samples::MakeProposalCore())))),
            Errc::kBadVersion);
  EXPECT_EQ(ErrcOf(codec::Decode<ConfigApprove>(bumped(codec::Encode(samples::MakeConfigApprove())))),
            Errc::kBadVersion);
  EXPECT_EQ(ErrcOf(codec::Decode<TxBatch>(bumped(codec::Encode(samples::MakeBatch())))), Errc::kOk);  // batch version 2
  auto batch_version = [](Bytes b, std::uint8_t v) {
    b[1] = v;
    return b;
  };
  for (std::uint8_t v : {1, 3}) {  // chain format 1, and a future one
    EXPECT_EQ(ErrcOf(codec::Decode<TxBatch>(batch_version(codec::Encode(samples::MakeBatch()), v))), Errc::kBadVersion);
  }
  EXPECT_EQ(ErrcOf(codec::Decode<Checkpoint>(bumped(codec::Encode(samples::MakeCheckpoint(1, kBlock, {1}))))),
            Errc::kBadVersion);
}

}  // namespace
}  // namespace peerdb::chain
