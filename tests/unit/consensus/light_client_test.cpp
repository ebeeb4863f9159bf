// The light client of PROTOCOL.md §6.3: header checks (step 2) with the specific Errc of each rule,
// anchored checkpoints (step 4) making a block and its ancestors FINAL, evidence (step 5) shrinking
// Req, and the conflicting-FINAL rule of §4.1 / §4.4 (3): the branch anchored earliest by
// (btc_height, digest) is kept, A8 is raised and the double-sealers are excluded with evidence.
#include <gtest/gtest.h>

#include <algorithm>

#include "../common/errc_of.h"
#include "consensus_fixture.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/light_client.h"

namespace peerdb::consensus {
namespace {

using chain::MemberId;

struct Blk {
  chain::Header hd;
  std::optional<chain::MajorityCert> pc;
  Hash32 id{};
};

class LightClientTest : public ::testing::Test {
 protected:
  chain::Genesis g = testing::MakeTestGenesis(4);
  Hash32 cid = chain::ChainId(g);
  std::vector<MemberId> all{1, 2, 3, 4};

  LightClient Client() {
    auto c = LightClient::Create(g);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  chain::MajorityCert Mc(std::uint64_t h, const Hash32& id, const std::vector<MemberId>& voters) {
    chain::MajorityCert mc;
    mc.h = h;
    mc.block_id = id;
    for (MemberId m : voters) {
      chain::Vote v;
      v.h = h; v.block_id = id; v.signer = m;
      chain::SignWith(testing::KeyOf(m), cid, v);
      mc.votes.push_back({m, v.sig});
    }
    return mc;
  }
  // n blocks above `base` (empty: from the genesis); `salt` makes the branch distinct.
  std::vector<Blk> Branch(std::vector<Blk> base, std::size_t n, std::uint8_t salt) {
    for (std::size_t i = 0; i < n; ++i) {
      Blk b;
      b.hd.chain_id = cid;
      b.hd.epoch = g.config.epoch;
      b.hd.config_hash = chain::ConfigHash(g.config);
      b.hd.height = base.size() + 1;
      b.hd.author = static_cast<MemberId>(b.hd.height % 4 + 1);
      b.hd.timestamp_ms = g.genesis_time_ms + 1000 * b.hd.height;  // C4: after the parent
      b.hd.state_root.fill(salt);
      if (base.empty()) {
        b.hd.parent_id = cid;
      } else {
        b.hd.parent_id = base.back().id;
        b.pc = Mc(base.back().hd.height, base.back().id, {1, 2, 3});
        b.hd.parent_cert_hash = chain::MajorityCertHash(*b.pc);
      }
      b.id = chain::BlockId(b.hd);
      base.push_back(b);
    }
    return base;
  }
  chain::Checkpoint Cp(const Blk& b, const std::vector<MemberId>& sealers) {
    chain::Checkpoint cp;
    cp.chain_id = cid;
    cp.h = b.hd.height;
    cp.block_id = b.id;
    for (MemberId m : sealers) {
      chain::Seal s;
      s.h = cp.h; s.block_id = b.id; s.signer = m;
      chain::SignWith(testing::KeyOf(m), cid, s);
      cp.seals.push_back({m, s.sig});
    }
    return cp;
  }
  static chain::AnchorRecord Rec(const chain::Checkpoint& cp, std::uint32_t btc_height) {
    chain::AnchorRecord r;
    r.digest = chain::CheckpointDigest(cp);
    r.btc_height = btc_height;
    return r;
  }
  static void AddAll(LightClient& lc, const std::vector<Blk>& blocks) {
    for (const Blk& b : blocks) ASSERT_EQ(ErrcOf(lc.AddHeader(b.hd, b.pc)), Errc::kOk) << b.hd.height;
  }
  static bool HasA8(const LightFinality& f) {
    return std::any_of(f.alerts.begin(), f.alerts.end(), [](const Alert& a) { return a.kind == AlertKind::kConflictingFinal; });
  }
};

TEST_F(LightClientTest, GenuineChainIsAcceptedAndFinalPropagatesToAncestors) {
  LightClient lc = Client();
  const auto chain = Branch({}, 6, 1);
  AddAll(lc, chain);
  EXPECT_EQ(lc.headers(), 6u);
  EXPECT_EQ(lc.Compute().final_height, 0u);  // headers alone make nothing FINAL
  const auto cp = Cp(chain[3], all);
  ASSERT_EQ(ErrcOf(lc.AddAnchor(cp, Rec(cp, 100))), Errc::kOk);
  const LightFinality f = lc.Compute();
  EXPECT_EQ(f.final_height, 4u);
  EXPECT_EQ(f.final_id, chain[3].id);
  ASSERT_EQ(f.final_chain.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(f.final_chain[i], chain[i].id);
  EXPECT_TRUE(f.IsFinal(chain[0].id));
  EXPECT_FALSE(f.IsFinal(chain[4].id));
  EXPECT_TRUE(f.conflicts.empty());
  EXPECT_TRUE(f.alerts.empty());
  ASSERT_EQ(f.finality_anchors.size(), 1u);
  EXPECT_EQ(f.finality_anchors[0].btc_height, 100u);
  // Re-adding a header is a no-op; an older anchor of an ancestor changes nothing above it.
  EXPECT_EQ(ErrcOf(lc.AddHeader(chain[2].hd, chain[2].pc)), Errc::kOk);
  const auto cp2 = Cp(chain[1], all);
  ASSERT_EQ(ErrcOf(lc.AddAnchor(cp2, Rec(cp2, 90))), Errc::kOk);
  EXPECT_EQ(lc.Compute().final_height, 4u);
}

TEST_F(LightClientTest, AnchorCountsOnceItsHeaderArrives) {
  LightClient lc = Client();
  const auto chain = Branch({}, 3, 1);
  const auto cp = Cp(chain[2], all);
  ASSERT_EQ(ErrcOf(lc.AddAnchor(cp, Rec(cp, 5))), Errc::kOk);
  EXPECT_EQ(lc.Compute().final_height, 0u);
  AddAll(lc, chain);
  EXPECT_EQ(lc.Compute().final_height, 3u);
}

TEST_F(LightClientTest, CheckpointMissingARequiredSealIsNotFinalUnlessTheMemberIsExcluded) {
  LightClient lc = Client();
  const auto chain = Branch({}, 4, 1);
  AddAll(lc, chain);
  const auto cp = Cp(chain[3], {1, 2, 3});
  ASSERT_EQ(ErrcOf(lc.AddAnchor(cp, Rec(cp, 50))), Errc::kOk);
  EXPECT_EQ(lc.Compute().final_height, 0u);  // ANCHORED, not FINAL: member 4 is in Req
  // Member 4 sealed two blocks at height 2 (E4): excluded, Req = {1, 2, 3}.
  chain::Seal a, b;
  a.h = b.h = 2; a.signer = b.signer = 4;
  a.block_id = chain[1].id;
  b.block_id.fill(0x77);
  chain::SignWith(testing::KeyOf(4), cid, a);
  chain::SignWith(testing::KeyOf(4), cid, b);
  ASSERT_EQ(ErrcOf(lc.AddEvidence(MakeDoubleSeal(a, b))), Errc::kOk);
  const LightFinality f = lc.Compute();
  EXPECT_EQ(f.final_height, 4u);
  EXPECT_EQ(f.excluded, std::vector<MemberId>{4});
  ASSERT_EQ(f.alerts.size(), 1u);
  EXPECT_EQ(f.alerts[0].kind, AlertKind::kEquivocation);
  EXPECT_EQ(f.alerts[0].members, std::vector<MemberId>{4});
  // Forged evidence is refused.
  chain::Evidence bad = MakeDoubleSeal(a, b);
  bad.msg_a.back() ^= 1;
  EXPECT_EQ(ErrcOf(lc.AddEvidence(bad)), Errc::kBadSignature);
}

TEST_F(LightClientTest, BrokenLinksAreRejected) {
  LightClient lc = Client();
  auto chain = Branch({}, 3, 1);
  // Parent not known yet (out of order).
  EXPECT_EQ(ErrcOf(lc.AddHeader(chain[1].hd, chain[1].pc)), Errc::kNotFound);
  // Block 1 not linked to the chain id.
  chain::Header h1 = chain[0].hd;
  h1.parent_id.fill(9);
  EXPECT_EQ(ErrcOf(lc.AddHeader(h1, std::nullopt)), Errc::kInvalid);
  AddAll(lc, {chain[0]});
  // Height that does not follow its parent's.
  chain::Header skip = chain[1].hd;
  skip.height = 3;
  EXPECT_EQ(ErrcOf(lc.AddHeader(skip, chain[1].pc)), Errc::kInvalid);
  // Height 0.
  chain::Header zero = chain[0].hd;
  zero.height = 0;
  EXPECT_EQ(ErrcOf(lc.AddHeader(zero, std::nullopt)), Errc::kInvalid);
  // Block 1 with a certificate, or a non-member author.
  EXPECT_EQ(ErrcOf(lc.AddHeader(chain[0].hd, chain[1].pc)), Errc::kOk);  // already held: no-op
  chain::Header stranger = chain[1].hd;
  stranger.author = 99;
  EXPECT_EQ(ErrcOf(lc.AddHeader(stranger, chain[1].pc)), Errc::kNotMember);
  EXPECT_EQ(ErrcOf(lc.AddHeader(chain[1].hd, chain[1].pc)), Errc::kOk);
}

TEST_F(LightClientTest, BadParentCertificatesAreRejected) {
  LightClient lc = Client();
  const auto chain = Branch({}, 2, 1);
  AddAll(lc, {chain[0]});
  const Blk& b = chain[1];
  // Missing.
  EXPECT_EQ(ErrcOf(lc.AddHeader(b.hd, std::nullopt)), Errc::kInvalid);
  // Hash mismatch (a different, valid MC).
  EXPECT_EQ(ErrcOf(lc.AddHeader(b.hd, Mc(1, chain[0].id, {2, 3, 4}))), Errc::kInvalid);
  // For another block.
  chain::Header other = b.hd;
  Hash32 elsewhere;
  elsewhere.fill(5);
  auto mc_other = Mc(1, elsewhere, {1, 2, 3});
  other.parent_cert_hash = chain::MajorityCertHash(mc_other);
  EXPECT_EQ(ErrcOf(lc.AddHeader(other, mc_other)), Errc::kInvalid);
  // Too few votes (2 < MAJ = 3).
  auto few = Mc(1, chain[0].id, {1, 2});
  chain::Header h2 = b.hd;
  h2.parent_cert_hash = chain::MajorityCertHash(few);
  EXPECT_EQ(ErrcOf(lc.AddHeader(h2, few)), Errc::kInvalid);
  // A forged vote.
  auto forged = Mc(1, chain[0].id, {1, 2, 3});
  forged.votes[1].sig[0] ^= 1;
  h2.parent_cert_hash = chain::MajorityCertHash(forged);
  EXPECT_EQ(ErrcOf(lc.AddHeader(h2, forged)), Errc::kBadSignature);
  // A non-member's vote.
  auto outsider = Mc(1, chain[0].id, {1, 2, 3});
  outsider.votes.push_back({9, outsider.votes[0].sig});
  h2.parent_cert_hash = chain::MajorityCertHash(outsider);
  EXPECT_EQ(ErrcOf(lc.AddHeader(h2, outsider)), Errc::kNotMember);
  EXPECT_EQ(ErrcOf(lc.AddHeader(b.hd, b.pc)), Errc::kOk);
}

TEST_F(LightClientTest, WrongChainEpochConfigOrVersionIsRejected) {
  LightClient lc = Client();
  const auto chain = Branch({}, 1, 1);
  chain::Header h = chain[0].hd;
  h.chain_id.fill(3);
  EXPECT_EQ(ErrcOf(lc.AddHeader(h, std::nullopt)), Errc::kInvalid);
  h = chain[0].hd;
  h.epoch = 1;
  EXPECT_EQ(ErrcOf(lc.AddHeader(h, std::nullopt)), Errc::kInvalid);
  h = chain[0].hd;
  h.config_hash.fill(1);
  EXPECT_EQ(ErrcOf(lc.AddHeader(h, std::nullopt)), Errc::kInvalid);
  h = chain[0].hd;
  h.version = 2;
  EXPECT_EQ(ErrcOf(lc.AddHeader(h, std::nullopt)), Errc::kBadVersion);
  auto cp = Cp(chain[0], all);
  cp.chain_id.fill(3);
  EXPECT_EQ(ErrcOf(lc.AddAnchor(cp, Rec(cp, 1))), Errc::kInvalid);
  chain::Genesis bad = g;
  bad.config.members.clear();
  EXPECT_EQ(ErrcOf(LightClient::Create(bad)), Errc::kConfig);
}

TEST_F(LightClientTest, ForgedSealsAndWrongDigestsAreRejected) {
  LightClient lc = Client();
  const auto chain = Branch({}, 2, 1);
  AddAll(lc, chain);
  auto cp = Cp(chain[1], all);
  auto forged = cp;
  forged.seals[2].sig[5] ^= 0x40;
  EXPECT_EQ(ErrcOf(lc.AddAnchor(forged, Rec(forged, 3))), Errc::kBadSignature);
  // A seal made with another member's key under a member's id.
  auto stolen = cp;
  chain::Seal s;
  s.h = cp.h; s.block_id = cp.block_id; s.signer = 2;
  chain::SignWith(testing::KeyOf(3), cid, s);
  stolen.seals[1].sig = s.sig;
  EXPECT_EQ(ErrcOf(lc.AddAnchor(stolen, Rec(stolen, 3))), Errc::kBadSignature);
  auto outsider = cp;
  outsider.seals.push_back({9, cp.seals[0].sig});
  EXPECT_EQ(ErrcOf(lc.AddAnchor(outsider, Rec(outsider, 3))), Errc::kNotMember);
  auto rec = Rec(cp, 3);
  rec.digest[0] ^= 1;
  EXPECT_EQ(ErrcOf(lc.AddAnchor(cp, rec)), Errc::kInvalid);
  EXPECT_EQ(lc.Compute().final_height, 0u);
  EXPECT_EQ(ErrcOf(lc.AddAnchor(cp, Rec(cp, 3))), Errc::kOk);
  EXPECT_EQ(lc.Compute().final_height, 2u);
}

// §7.2 row 15 in miniature: every key leaked, a unanimous branch forged from the genesis and
// anchored after the genuine checkpoints. The genuine branch stays FINAL, A8 names both blocks.
TEST_F(LightClientTest, ForgedUnanimousBranchAnchoredLaterLosesWithA8) {
  const auto genuine = Branch({}, 5, 1);
  const auto forged = Branch({}, 8, 2);
  const auto g3 = Cp(genuine[2], all), g5 = Cp(genuine[4], all), f8 = Cp(forged[7], all);
  for (bool forged_first : {false, true}) {
    LightClient lc = Client();
    if (forged_first) AddAll(lc, forged);
    AddAll(lc, genuine);
    if (!forged_first) AddAll(lc, forged);
    ASSERT_EQ(ErrcOf(lc.AddAnchor(f8, Rec(f8, 15))), Errc::kOk);
    ASSERT_EQ(ErrcOf(lc.AddAnchor(g5, Rec(g5, 20))), Errc::kOk);
    ASSERT_EQ(ErrcOf(lc.AddAnchor(g3, Rec(g3, 10))), Errc::kOk);
    const LightFinality f = lc.Compute();
    EXPECT_EQ(f.final_height, 5u);
    EXPECT_EQ(f.final_id, genuine[4].id);
    EXPECT_FALSE(f.IsFinal(forged[0].id));
    ASSERT_EQ(f.conflicts.size(), 1u);
    const ConflictingFinal& c = f.conflicts[0];
    EXPECT_EQ(c.kept.block_id, genuine[2].id);  // the earliest genuine anchor (btc 10) beats btc 15
    EXPECT_EQ(c.kept.btc_height, 10u);
    EXPECT_EQ(c.rejected.block_id, forged[7].id);
    EXPECT_EQ(c.fork_height, 0u);
    EXPECT_EQ(c.double_sealers, all);
    EXPECT_EQ(f.excluded, all);
    ASSERT_TRUE(HasA8(f));
    // The A8 alert names the blocks; the evidence (E5: heights 3 and 8) verifies standalone.
    const Alert& a8 = *std::find_if(f.alerts.begin(), f.alerts.end(),
                                    [](const Alert& a) { return a.kind == AlertKind::kConflictingFinal; });
    EXPECT_EQ(SeverityOf(a8.kind), Severity::kCatastrophic);
    EXPECT_NE(a8.detail.find(Hex(forged[7].id).substr(0, 12)), std::string::npos) << a8.detail;
    EXPECT_NE(a8.detail.find(Hex(genuine[2].id).substr(0, 12)), std::string::npos) << a8.detail;
    ASSERT_EQ(c.evidence.size(), 4u);
    for (const chain::Evidence& e : c.evidence) {
      EXPECT_EQ(e.kind, static_cast<std::uint8_t>(chain::EvidenceKind::kSealFork));
      EXPECT_EQ(ErrcOf(VerifyEvidence(e, cid, g.config)), Errc::kOk);
    }
  }
  // Without the genuine anchors the auditor is fooled: the limit §4.4 states.
  LightClient blind = Client();
  AddAll(blind, genuine);
  AddAll(blind, forged);
  ASSERT_EQ(ErrcOf(blind.AddAnchor(f8, Rec(f8, 15))), Errc::kOk);
  EXPECT_EQ(blind.Compute().final_id, forged[7].id);
}

TEST_F(LightClientTest, ConflictAtOneHeightYieldsDoubleSealEvidence) {
  const auto base = Branch({}, 2, 1);
  const auto a = Branch(base, 2, 3), b = Branch(base, 2, 4);
  LightClient lc = Client();
  AddAll(lc, a);
  AddAll(lc, b);
  const auto ca = Cp(a[3], all), cb = Cp(b[3], {1, 2, 3, 4});
  ASSERT_EQ(ErrcOf(lc.AddAnchor(ca, Rec(ca, 30))), Errc::kOk);
  ASSERT_EQ(ErrcOf(lc.AddAnchor(cb, Rec(cb, 31))), Errc::kOk);
  const LightFinality f = lc.Compute();
  EXPECT_EQ(f.final_id, a[3].id);
  ASSERT_EQ(f.conflicts.size(), 1u);
  EXPECT_EQ(f.conflicts[0].fork_height, 2u);
  EXPECT_EQ(f.alerts.back().from_height, 3u);
  ASSERT_EQ(f.conflicts[0].evidence.size(), 4u);
  for (const chain::Evidence& e : f.conflicts[0].evidence) {
    EXPECT_EQ(e.kind, static_cast<std::uint8_t>(chain::EvidenceKind::kDoubleSeal));
    EXPECT_EQ(ErrcOf(VerifyEvidence(e, cid, g.config)), Errc::kOk);
  }
}

TEST_F(LightClientTest, EqualBitcoinHeightsAreDecidedByTheLowerDigest) {
  const auto a = Branch({}, 3, 5), b = Branch({}, 3, 6);
  const auto ca = Cp(a[2], all), cb = Cp(b[2], all);
  const bool a_lower = chain::CheckpointDigest(ca) < chain::CheckpointDigest(cb);
  for (bool a_first : {false, true}) {
    LightClient lc = Client();
    AddAll(lc, a_first ? a : b);
    AddAll(lc, a_first ? b : a);
    ASSERT_EQ(ErrcOf(lc.AddAnchor(ca, Rec(ca, 42))), Errc::kOk);
    ASSERT_EQ(ErrcOf(lc.AddAnchor(cb, Rec(cb, 42))), Errc::kOk);
    const LightFinality f = lc.Compute();
    EXPECT_EQ(f.final_id, a_lower ? a[2].id : b[2].id);
    ASSERT_EQ(f.conflicts.size(), 1u);
    EXPECT_EQ(f.conflicts[0].rejected.block_id, a_lower ? b[2].id : a[2].id);
    EXPECT_TRUE(HasA8(f));
  }
}

}  // namespace
}  // namespace peerdb::consensus
