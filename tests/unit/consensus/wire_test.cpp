// Wire messages: every type round-trips through its type byte; unknown types, trailing bytes and
// another type's bytes are rejected (kMalformed).
#include <gtest/gtest.h>

#include "../common/errc_of.h"
#include "consensus_fixture.h"
#include "peerdb/consensus/wire.h"

namespace peerdb::consensus {
namespace {

std::vector<PeerMessage> Samples() {
  const chain::Genesis g = testing::MakeTestGenesis(4);
  const Hash32 cid = chain::ChainId(g);
  chain::Vote v;
  v.h = 3; v.r = 1; v.block_id.fill(7); v.signer = 2;
  chain::SignWith(testing::KeyOf(2), cid, v);
  chain::Seal s;
  s.h = 3; s.block_id.fill(7); s.signer = 2;
  chain::SignWith(testing::KeyOf(2), cid, s);
  chain::RoundChange rc;
  rc.h = 3; rc.r = 2; rc.signer = 2;
  chain::SignWith(testing::KeyOf(2), cid, rc);
  chain::MajorityCert mc;
  mc.h = 3; mc.block_id.fill(7); mc.votes = {{1, {}}, {2, v.sig}};
  chain::Proposal p;
  p.core.h = 1;
  p.block.header.height = 1;
  SyncResponse resp;
  resp.head_h = 9;
  resp.blocks.push_back(SyncBlock{p.block, mc, {s}});
  chain::Evidence e;
  e.kind = 2;
  e.msg_a = codec::Encode(v);
  e.msg_b = codec::Encode(v);
  return {p, v, rc, s, mc, testing::MakeSignedBatch(cid, 1, 1), e, SyncRequest{codec::kVersion, 5, 10}, resp,
          StatusMsg{codec::kVersion, 4, Hash32{}, 4, 5, 1}};
}

TEST(Wire, EveryMessageTypeRoundTripsThroughItsTypeByte) {
  for (const PeerMessage& m : Samples()) {
    const Bytes body = EncodeMessage(m);
    auto back = DecodeMessage(static_cast<std::uint8_t>(TypeOf(m)), body);
    ASSERT_TRUE(back.ok()) << MsgTypeName(TypeOf(m)) << ": " << back.error().message;
    EXPECT_EQ(*back, m);
    EXPECT_EQ(EncodeMessage(*back), body);
  }
}

TEST(Wire, TypeNumbersArePinned) {
  const auto s = Samples();
  const std::uint8_t expected[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(static_cast<std::uint8_t>(TypeOf(s[i])), expected[i]);
}

TEST(Wire, UnknownTypeIsMalformed) {
  EXPECT_EQ(ErrcOf(DecodeMessage(0, {})), Errc::kMalformed);
  EXPECT_EQ(ErrcOf(DecodeMessage(11, {})), Errc::kMalformed);
  EXPECT_EQ(ErrcOf(DecodeMessage(255, {})), Errc::kMalformed);
}

TEST(Wire, TrailingBytesAreMalformed) {
  Bytes body = EncodeMessage(Samples()[1]);
  body.push_back(0);
  EXPECT_EQ(ErrcOf(DecodeMessage(2, body)), Errc::kMalformed);
}

TEST(Wire, BytesOfAnotherTypeAreRejected) {
  const Bytes vote = EncodeMessage(Samples()[1]);
  EXPECT_EQ(ErrcOf(DecodeMessage(static_cast<std::uint8_t>(MsgType::kSeal), vote)), Errc::kMalformed);
  EXPECT_EQ(ErrcOf(DecodeMessage(static_cast<std::uint8_t>(MsgType::kStatus), vote)), Errc::kMalformed);
}

TEST(Wire, SyncBlockSealsMustBeSorted) {
  SyncResponse resp = std::get<SyncResponse>(Samples()[8]);
  chain::Seal s2 = resp.blocks[0].seals[0];
  s2.signer = 1;
  resp.blocks[0].seals.push_back(s2);  // 2 then 1: not sorted
  EXPECT_EQ(ErrcOf(DecodeMessage(9, EncodeMessage(resp))), Errc::kMalformed);
}

TEST(Alert, CodesAndSeveritiesArePinned) {
  EXPECT_EQ(AlertCode(AlertKind::kSilentMember), "A4 SILENT_MEMBER");
  EXPECT_EQ(AlertCode(AlertKind::kMajorityRejected), "A1b MAJORITY_REJECTED");
  EXPECT_EQ(SeverityOf(AlertKind::kEquivocation), Severity::kCritical);
  EXPECT_EQ(SeverityOf(AlertKind::kLostVote), Severity::kInfo);
  EXPECT_EQ(SeverityOf(AlertKind::kConflictingFinal), Severity::kCatastrophic);
}

}  // namespace
}  // namespace peerdb::consensus
