// Evidence E1-E6 (§1.7): VerifyEvidence accepts each offence and rejects wrong signers, the same
// block, bad signatures and bad paths; builders are canonical and dedup keys ignore signature bytes.
#include <gtest/gtest.h>

#include "../common/errc_of.h"
#include "consensus_fixture.h"
#include "peerdb/consensus/evidence.h"

namespace peerdb::consensus {
namespace {

class EvidenceTest : public ::testing::Test {
 protected:
  chain::Genesis g = testing::MakeTestGenesis(4);
  Hash32 cid = chain::ChainId(g);
  const chain::Config& cfg = g.config;

  static Hash32 Id(std::uint8_t b) { Hash32 h; h.fill(b); return h; }
  template <class M>
  M Signed(M m) {
    chain::SignWith(testing::KeyOf(m.signer), cid, m);
    return m;
  }
  chain::ProposalCore Core(chain::MemberId s, std::uint64_t h, std::uint32_t r, std::uint8_t b) {
    chain::ProposalCore c; c.h = h; c.r = r; c.block_id = Id(b); c.signer = s;
    c.justification_hash = chain::JustificationHash({});
    return Signed(c);
  }
  chain::Vote VoteOf(chain::MemberId s, std::uint64_t h, std::uint32_t r, std::uint8_t b) {
    chain::Vote v; v.h = h; v.r = r; v.block_id = Id(b); v.signer = s;
    return Signed(v);
  }
  chain::Seal SealOf(chain::MemberId s, std::uint64_t h, const Hash32& id) {
    chain::Seal x; x.h = h; x.block_id = id; x.signer = s;
    return Signed(x);
  }
  chain::RoundChange Rc(chain::MemberId s, std::uint64_t h, std::uint32_t r, std::optional<chain::LastVote> lv = {}) {
    chain::RoundChange rc; rc.h = h; rc.r = r; rc.signer = s; rc.last_vote = std::move(lv);
    return Signed(rc);
  }
  // Headers of a little chain: heights 1..n linked from the chain id.
  std::vector<chain::Header> Chain(std::size_t n, std::uint8_t salt) {
    std::vector<chain::Header> out;
    Hash32 parent = cid;
    for (std::uint64_t h = 1; h <= n; ++h) {
      chain::Header hdr;
      hdr.chain_id = cid; hdr.height = h; hdr.parent_id = parent; hdr.state_root = Id(salt);
      parent = chain::BlockId(hdr);
      out.push_back(hdr);
    }
    return out;
  }
};

TEST_F(EvidenceTest, DoubleProposalIsAcceptedAndNamesTheProposer) {
  const auto e = MakeDoubleProposal(Core(2, 5, 1, 0xa1), Core(2, 5, 1, 0xa2));
  EXPECT_EQ(ErrcOf(VerifyEvidence(e, cid, cfg)), Errc::kOk);
  EXPECT_EQ(*EvidenceOffender(e), 2u);
  EXPECT_EQ(*EvidenceHeight(e), 5u);
}

TEST_F(EvidenceTest, DoubleProposalForTheSameBlockOrAnotherRoundIsRejected) {
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleProposal(Core(2, 5, 1, 0xa1), Core(2, 5, 1, 0xa1)), cid, cfg)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleProposal(Core(2, 5, 1, 0xa1), Core(2, 5, 2, 0xa2)), cid, cfg)), Errc::kInvalid);
}

TEST_F(EvidenceTest, DoubleVoteIsAcceptedOnlyForOneSignerAndOneRound) {
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleVote(VoteOf(3, 4, 0, 1), VoteOf(3, 4, 0, 2)), cid, cfg)), Errc::kOk);
  // Wrong signer: two members' votes are no offence.
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleVote(VoteOf(3, 4, 0, 1), VoteOf(2, 4, 0, 2)), cid, cfg)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleVote(VoteOf(3, 4, 0, 1), VoteOf(3, 4, 1, 2)), cid, cfg)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleVote(VoteOf(3, 4, 0, 1), VoteOf(3, 4, 0, 1)), cid, cfg)), Errc::kInvalid);
}

TEST_F(EvidenceTest, BadSignatureOrOtherChainIsRejected) {
  chain::Vote b = VoteOf(3, 4, 0, 2);
  b.sig[0] ^= 1;
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleVote(VoteOf(3, 4, 0, 1), b), cid, cfg)), Errc::kBadSignature);
  const auto e = MakeDoubleVote(VoteOf(3, 4, 0, 1), VoteOf(3, 4, 0, 2));
  EXPECT_EQ(ErrcOf(VerifyEvidence(e, Id(0x77), cfg)), Errc::kBadSignature);
  chain::Vote stranger = VoteOf(3, 4, 0, 2);
  stranger.signer = 9;
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleVote(stranger, stranger), cid, cfg)), Errc::kNotMember);
}

TEST_F(EvidenceTest, PromiseBreakNeedsAVoteBelowThePromiseThatTheRoundChangeHides) {
  const chain::Vote v = VoteOf(2, 7, 1, 0xb1);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakePromiseBreak(Rc(2, 7, 3), v), cid, cfg)), Errc::kOk);
  // Reporting the vote (or a later one) is honest.
  chain::LastVote lv{v, Core(1, 7, 1, 0xb1)};
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakePromiseBreak(Rc(2, 7, 3, lv), v), cid, cfg)), Errc::kInvalid);
  // A vote at or above the promised round is no offence.
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakePromiseBreak(Rc(2, 7, 1), v), cid, cfg)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakePromiseBreak(Rc(2, 8, 3), v), cid, cfg)), Errc::kInvalid);
}

TEST_F(EvidenceTest, DoubleSealAtOneHeightIsAccepted) {
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleSeal(SealOf(4, 3, Id(1)), SealOf(4, 3, Id(2))), cid, cfg)), Errc::kOk);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleSeal(SealOf(4, 3, Id(1)), SealOf(4, 3, Id(1))), cid, cfg)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeDoubleSeal(SealOf(4, 3, Id(1)), SealOf(4, 4, Id(2))), cid, cfg)), Errc::kInvalid);
}

TEST_F(EvidenceTest, SealForkChecksTheHeaderPath) {
  const auto chain = Chain(4, 1);
  const Hash32 other = Id(0x99);  // a height-1 block that is not chain[0]
  const chain::Seal low = SealOf(2, 1, other);
  const chain::Seal high = SealOf(2, 4, chain::BlockId(chain[3]));
  std::vector<chain::Header> path = {chain[3], chain[2], chain[1]};  // heights 4, 3, 2
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeSealFork(low, high, path), cid, cfg)), Errc::kOk);
  // The high block does extend the low one: no fork.
  const chain::Seal honest_low = SealOf(2, 1, chain::BlockId(chain[0]));
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeSealFork(honest_low, high, path), cid, cfg)), Errc::kInvalid);
  // Broken link, missing header, wrong order.
  auto broken = path;
  broken[1].timestamp_ms = 5;
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeSealFork(low, high, broken), cid, cfg)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeSealFork(low, high, {chain[3], chain[2]}), cid, cfg)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeSealFork(low, high, {chain[1], chain[2], chain[3]}), cid, cfg)), Errc::kInvalid);
  // Seals out of order (h1 >= h2).
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeSealFork(high, low, path), cid, cfg)), Errc::kInvalid);
}

TEST_F(EvidenceTest, BadProposalWithTooFewRoundChangesIsAccepted) {
  // Round 2 proposal justified by a single round change (MAJ = 3).
  std::vector<chain::RoundChange> j = {Rc(1, 6, 2)};
  chain::ProposalCore core = Core(3, 6, 2, 0xc1);
  core.justification_hash = chain::JustificationHash(j);
  core = Signed(core);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeBadProposal(core, j), cid, cfg)), Errc::kOk);
  EXPECT_EQ(*EvidenceOffender(MakeBadProposal(core, j)), 3u);
}

TEST_F(EvidenceTest, BadProposalIgnoringTheHighestLastVoteIsAcceptedAndAValidOneRejected) {
  const chain::Vote v = VoteOf(2, 6, 1, 0xd1);
  chain::LastVote lv{v, Core(1, 6, 1, 0xd1)};
  std::vector<chain::RoundChange> j = {Rc(1, 6, 2), Rc(2, 6, 2, lv), Rc(4, 6, 2)};
  chain::ProposalCore wrong = Core(3, 6, 2, 0xd2);
  wrong.justification_hash = chain::JustificationHash(j);
  wrong = Signed(wrong);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeBadProposal(wrong, j), cid, cfg)), Errc::kOk);
  chain::ProposalCore right = Core(3, 6, 2, 0xd1);
  right.justification_hash = chain::JustificationHash(j);
  right = Signed(right);
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeBadProposal(right, j), cid, cfg)), Errc::kInvalid);
  // A justification that does not hash to the core's is no evidence.
  EXPECT_EQ(ErrcOf(VerifyEvidence(MakeBadProposal(wrong, {Rc(1, 6, 2)}), cid, cfg)), Errc::kInvalid);
}

TEST_F(EvidenceTest, BuildersAreCanonicalAndDedupIgnoresSignatureBytes) {
  const chain::Vote a = VoteOf(3, 4, 0, 1), b = VoteOf(3, 4, 0, 2);
  EXPECT_EQ(MakeDoubleVote(a, b), MakeDoubleVote(b, a));
  chain::Evidence e = MakeDoubleVote(a, b);
  chain::Evidence f = e;
  chain::Vote a2 = a;
  a2.sig[5] ^= 0x10;  // same signed content, other signature bytes
  f.msg_a = codec::Encode(a2);
  EXPECT_EQ(EvidenceKey(e), EvidenceKey(f));
  EXPECT_NE(EvidenceKey(e), EvidenceKey(MakeDoubleVote(a, VoteOf(3, 4, 0, 3))));
}

TEST_F(EvidenceTest, UnknownKindAndStrayPathAreRejected) {
  chain::Evidence e = MakeDoubleVote(VoteOf(3, 4, 0, 1), VoteOf(3, 4, 0, 2));
  e.path = Chain(1, 1);
  EXPECT_EQ(ErrcOf(VerifyEvidence(e, cid, cfg)), Errc::kInvalid);
  e.path.clear();
  e.kind = 9;
  EXPECT_EQ(ErrcOf(VerifyEvidence(e, cid, cfg)), Errc::kMalformed);
}

}  // namespace
}  // namespace peerdb::consensus
