// The light client across epochs (PROTOCOL.md §6.3 step 3, §5.3): a 4-member chain removes member
// 4 (epoch 1 from height 5), then adds member 5 and changes a parameter (epoch 2 from height 8).
// Given the bodies of the governance blocks, the client follows both activations, judges each
// header and parent certificate under the config of its own height, and FINAL under the config of
// the checkpoint block's epoch (the leaving member is not required by the block that removed it);
// it refuses a header that switches epoch a block early or carries a config_hash not derived
// exactly, and, without the approving block's body, it refuses the new epoch rather than guess.
#include <gtest/gtest.h>

#include <set>

#include "../common/errc_of.h"
#include "consensus_fixture.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/light_client.h"

namespace peerdb::consensus {
namespace {

using chain::MemberId;

struct Built {
  chain::Block block;
  Hash32 id{};
};

class LightClientEpochTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_force = {chain::GenesisEpochState(g), chain::GenesisEpochState(g)};
    Append({}, {});                                                    // 1
    remove4 = Change(0, {chain::ConfigOp{chain::RemoveMember{4}}}, 100);
    Append({ChangeBatch(1, remove4)}, {});                             // 2: proposed
    Append({}, {Approve(1, remove4, 2), Approve(2, remove4, 2)});      // 3
    Append({}, {Approve(3, remove4, 2)});                              // 4: completes; epoch 1 from 5
    Append({}, {});                                                    // 5
    chain::Member five;
    five.id = 5;
    five.pubkey = testing::KeyOf(5).public_key();
    five.name = "member-5";
    chain::Params params = g.config.params;
    params.k_anchor = 3;
    add5 = Change(1, {chain::ConfigOp{chain::AddMember{five, "10.0.0.5:7400"}}, chain::ConfigOp{chain::SetParams{params}}}, 200);
    Append({ChangeBatch(2, add5)}, {});                                // 6: proposed
    Append({}, {Approve(1, add5, 6), Approve(2, add5, 6), Approve(3, add5, 6)});  // 7: completes; epoch 2 from 8
    Append({}, {});                                                    // 8
    Append({}, {});                                                    // 9
  }

  static chain::ConfigChange Change(std::uint64_t epoch, std::vector<chain::ConfigOp> ops, std::uint64_t expires) {
    chain::ConfigChange c;
    c.epoch = epoch;
    c.ops = std::move(ops);
    c.expires_height = expires;
    return c;
  }
  chain::TxBatch ChangeBatch(MemberId author, const chain::ConfigChange& c) const {
    chain::TxBatch b;
    b.author = author;
    b.seq = 1;
    b.valid_until_height = 1000;
    chain::Op op;
    op.kind = static_cast<std::uint8_t>(chain::OpKind::kConfig);
    op.ns = std::string(chain::kConfigNamespace);
    op.key = std::string(chain::kConfigKey);
    op.value = codec::Encode(c);
    b.ops.push_back(op);
    chain::SignWith(testing::KeyOf(author), cid, b);
    return b;
  }
  // Approval by `signer` of change `c`, contained in block `height` of the chain.
  chain::Record Approve(MemberId signer, const chain::ConfigChange& c, std::uint64_t height) const {
    chain::ConfigApprove a;
    a.epoch = c.epoch;
    a.change_id = chain::ChangeId(c);
    a.containing_block_id = chain.at(height - 1).id;
    a.signer = signer;
    chain::SignWith(testing::KeyOf(signer), cid, a);
    return chain::Record{a};
  }
  chain::MajorityCert Mc(std::uint64_t h, const Hash32& id, const std::vector<MemberId>& voters) const {
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
  static std::vector<MemberId> Ids(const chain::Config& c) {
    std::vector<MemberId> out;
    for (const chain::Member& m : c.members) out.push_back(m.id);
    return out;
  }
  // The block at the next height as an honest proposer builds it: epoch and config_hash of the
  // config in force, an MC for the parent by every member of the parent's config.
  Built Next(std::vector<chain::TxBatch> batches, std::vector<chain::Record> records) const {
    Built b;
    chain::Header& h = b.block.header;
    const chain::Config& config = in_force.back().config;
    h.chain_id = cid;
    h.height = chain.size() + 1;
    h.epoch = config.epoch;
    h.config_hash = chain::ConfigHash(config);
    h.author = config.members[h.height % config.members.size()].id;
    h.timestamp_ms = g.genesis_time_ms + 1000 * h.height;
    if (chain.empty()) {
      h.parent_id = cid;
    } else {
      h.parent_id = chain.back().id;
      b.block.parent_cert = Mc(h.height - 1, chain.back().id, Ids(in_force[h.height - 1].config));
      h.parent_cert_hash = chain::MajorityCertHash(*b.block.parent_cert);
    }
    b.block.batches = std::move(batches);
    b.block.records = std::move(records);
    chain::SortRecords(b.block.records);
    Seal(b);
    return b;
  }
  static void Seal(Built& b) {
    b.block.header.batches_root = chain::BatchesRoot(b.block.batches);
    b.block.header.records_root = chain::RecordsRoot(b.block.records);
    b.id = chain::BlockId(b.block.header);
  }
  void Append(std::vector<chain::TxBatch> batches, std::vector<chain::Record> records) {
    Built b = Next(std::move(batches), std::move(records));
    auto step = chain::AdvanceEpoch(in_force.back(), b.block, b.id, cid, recorded);  // X_chain: recorded below
    ASSERT_TRUE(step.ok()) << step.error().message;
    for (const chain::Record& r : b.block.records) {
      if (const auto* e = std::get_if<chain::Evidence>(&r.body)) recorded.push_back(*EvidenceOffender(*e));
    }
    chain.push_back(std::move(b));
    in_force.push_back(std::move(step->state));
  }
  LightClient Client() const {
    auto c = LightClient::Create(g);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  // Blocks 1..upto: governance blocks whole (unless withheld), the others as headers.
  void Feed(LightClient& lc, std::uint64_t upto, const std::set<std::uint64_t>& withheld = {}) const {
    for (std::uint64_t h = 1; h <= upto; ++h) {
      const chain::Block& b = chain[h - 1].block;
      const Status s = BodyMatters(b) && !withheld.count(h) ? lc.AddBlock(b) : lc.AddHeader(b.header, b.parent_cert);
      ASSERT_EQ(ErrcOf(s), Errc::kOk) << "height " << h << ": " << MessageOf(s);
    }
  }
  chain::Checkpoint Cp(std::uint64_t h, const std::vector<MemberId>& sealers) const {
    chain::Checkpoint cp;
    cp.chain_id = cid;
    cp.h = h;
    cp.block_id = chain[h - 1].id;
    for (MemberId m : sealers) {
      chain::Seal s;
      s.h = h; s.block_id = cp.block_id; s.signer = m;
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
  static std::uint64_t FinalWith(LightClient lc, const chain::Checkpoint& cp) {
    EXPECT_EQ(ErrcOf(lc.AddAnchor(cp, Rec(cp, 100))), Errc::kOk);
    return lc.Compute().final_height;
  }

  chain::Genesis g = testing::MakeTestGenesis(4);
  Hash32 cid = chain::ChainId(g);
  chain::ConfigChange remove4, add5;
  std::vector<Built> chain;
  std::vector<chain::EpochState> in_force;  // [h]: the state in force at height h ([0]: the genesis)
  std::vector<MemberId> recorded;           // offenders of the evidence recorded so far
};

TEST_F(LightClientEpochTest, TheScenarioActivatesTwoEpochsWhereTheProtocolSays) {
  // The fixture's own chain, pinned independently of the client.
  EXPECT_EQ(chain[3].block.header.epoch, 0u);
  EXPECT_EQ(chain[4].block.header.epoch, 1u);
  EXPECT_EQ(Ids(in_force[5].config), (std::vector<MemberId>{1, 2, 3}));
  EXPECT_EQ(chain[6].block.header.epoch, 1u);
  EXPECT_EQ(chain[7].block.header.epoch, 2u);
  EXPECT_EQ(Ids(in_force[8].config), (std::vector<MemberId>{1, 2, 3, 5}));
  EXPECT_EQ(in_force[8].config.params.k_anchor, 3u);
}

TEST_F(LightClientEpochTest, FollowsEveryActivationGivenTheGovernanceBodies) {
  LightClient lc = Client();
  Feed(lc, 9);
  EXPECT_EQ(lc.headers(), 9u);
  const chain::EpochState* after3 = lc.EpochAfter(chain[2].id);
  ASSERT_NE(after3, nullptr);
  EXPECT_EQ(after3->config.epoch, 0u);
  ASSERT_TRUE(after3->pending.has_value());
  EXPECT_EQ(after3->pending->approvals, (std::vector<MemberId>{1, 2}));
  const chain::EpochState* after4 = lc.EpochAfter(chain[3].id);
  ASSERT_NE(after4, nullptr);
  EXPECT_EQ(after4->config.epoch, 1u);
  EXPECT_EQ(after4->start_height, 5u);
  EXPECT_EQ(Ids(after4->config), (std::vector<MemberId>{1, 2, 3}));
  const chain::EpochState* after9 = lc.EpochAfter(chain[8].id);
  ASSERT_NE(after9, nullptr);
  EXPECT_EQ(after9->config, in_force[9].config);
  EXPECT_EQ(lc.EpochAfter(cid)->config, g.config);
  EXPECT_EQ(lc.EpochAfter(Hash32{}), nullptr);
}

TEST_F(LightClientEpochTest, FinalAcrossTheBoundaryNeedsTheSealersOfTheCheckpointBlocksEpoch) {
  LightClient lc = Client();
  Feed(lc, 9);
  // Epoch 2 (members 1, 2, 3, 5): the new member's seal is required, the removed member's is void.
  EXPECT_EQ(FinalWith(lc, Cp(9, {1, 2, 3, 5})), 9u);
  EXPECT_EQ(FinalWith(lc, Cp(9, {1, 2, 3})), 0u) << "member 5 is required from height 8";
  EXPECT_EQ(FinalWith(lc, Cp(8, {1, 2, 3, 5})), 8u);
  EXPECT_EQ(ErrcOf(lc.AddAnchor(Cp(9, {1, 2, 3, 4}), Rec(Cp(9, {1, 2, 3, 4}), 7))), Errc::kNotMember);
  // Epoch 1 (members 1, 2, 3): block 5 is FINAL without member 4.
  EXPECT_EQ(FinalWith(lc, Cp(5, {1, 2, 3})), 5u);
  EXPECT_EQ(FinalWith(lc, Cp(7, {1, 2, 3})), 7u) << "member 5 joins after block 7, which completed its addition";
  // Block 4 completed the removal of member 4: it leaves Req there (T(D)); block 3 still needs it.
  EXPECT_EQ(FinalWith(lc, Cp(4, {1, 2, 3})), 4u);
  EXPECT_EQ(FinalWith(lc, Cp(3, {1, 2, 3})), 0u);
  EXPECT_EQ(FinalWith(lc, Cp(3, {1, 2, 3, 4})), 3u);
  // An anchor given before its block's header is judged once the header arrives, under its epoch.
  LightClient early = Client();
  const auto cp = Cp(9, {1, 2, 3, 5});
  ASSERT_EQ(ErrcOf(early.AddAnchor(cp, Rec(cp, 50))), Errc::kOk);
  EXPECT_EQ(early.Compute().final_height, 0u);
  Feed(early, 9);
  EXPECT_EQ(early.Compute().final_height, 9u);
}

TEST_F(LightClientEpochTest, AHeaderSwitchingEpochABlockEarlyIsRefused) {
  LightClient lc = Client();
  Feed(lc, 3);
  // Block 4 completes the approvals: it still belongs to epoch 0.
  Built early = chain[3];
  early.block.header.epoch = 1;
  early.block.header.config_hash = chain::ConfigHash(in_force[5].config);
  Seal(early);
  const Status s = lc.AddBlock(early.block);
  EXPECT_EQ(ErrcOf(s), Errc::kInvalid);
  EXPECT_NE(MessageOf(s).find("height 4"), std::string::npos) << MessageOf(s);
  EXPECT_NE(MessageOf(s).find("not the config in force"), std::string::npos) << MessageOf(s);
  EXPECT_EQ(ErrcOf(lc.AddHeader(early.block.header, early.block.parent_cert)), Errc::kInvalid);
  // Nor may the first block of the new epoch keep the old one.
  Feed(lc, 4);
  Built late = chain[4];
  late.block.header.epoch = 0;
  late.block.header.config_hash = chain::ConfigHash(g.config);
  Seal(late);
  EXPECT_EQ(ErrcOf(lc.AddHeader(late.block.header, late.block.parent_cert)), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(lc.AddHeader(chain[4].block.header, chain[4].block.parent_cert)), Errc::kOk);
}

TEST_F(LightClientEpochTest, AConfigHashNotDerivedExactlyIsRefused) {
  LightClient lc = Client();
  Feed(lc, 4);
  // Epoch 1 as derived, but with one parameter different, or without prev_config_hash.
  for (int variant = 0; variant < 2; ++variant) {
    chain::Config near = in_force[5].config;
    if (variant == 0) {
      near.params.k_anchor += 1;
    } else {
      near.prev_config_hash = Hash32{};
    }
    Built b = chain[4];
    b.block.header.config_hash = chain::ConfigHash(near);
    Seal(b);
    const Status s = lc.AddHeader(b.block.header, b.block.parent_cert);
    EXPECT_EQ(ErrcOf(s), Errc::kInvalid) << variant;
    EXPECT_NE(MessageOf(s).find("is not that config's hash"), std::string::npos) << MessageOf(s);
  }
  EXPECT_EQ(ErrcOf(lc.AddHeader(chain[4].block.header, chain[4].block.parent_cert)), Errc::kOk);
}

TEST_F(LightClientEpochTest, WithoutTheApprovingBodyTheNewEpochIsRefusedNotGuessed) {
  LightClient lc = Client();
  Feed(lc, 4, /*withheld=*/{4});
  EXPECT_EQ(lc.EpochAfter(chain[3].id)->config.epoch, 0u) << "a header alone activates nothing";
  const Status s = lc.AddHeader(chain[4].block.header, chain[4].block.parent_cert);
  EXPECT_EQ(ErrcOf(s), Errc::kInvalid);
  EXPECT_NE(MessageOf(s).find("claims epoch 1, whose config is unknown here"), std::string::npos) << MessageOf(s);
  EXPECT_NE(MessageOf(s).find("bodies"), std::string::npos) << MessageOf(s);
  EXPECT_NE(MessageOf(s).find("approvals missing from members 3"), std::string::npos) << MessageOf(s);
  // The body given later, while nothing above it is held, is enough.
  ASSERT_EQ(ErrcOf(lc.AddBlock(chain[3].block)), Errc::kOk);
  EXPECT_EQ(lc.EpochAfter(chain[3].id)->config.epoch, 1u);
  EXPECT_EQ(ErrcOf(lc.AddHeader(chain[4].block.header, chain[4].block.parent_cert)), Errc::kOk);
  // Withholding the proposal instead: the approvals name a change the client never saw.
  LightClient blind = Client();
  Feed(blind, 2, /*withheld=*/{2});
  EXPECT_EQ(ErrcOf(blind.AddBlock(chain[2].block)), Errc::kInvalid);
}

TEST_F(LightClientEpochTest, ABodyThatWouldChangeEpochsUnderHeldHeadersIsAConflict) {
  LightClient lc = Client();
  Feed(lc, 3, /*withheld=*/{3});  // approvals of 1 and 2 not seen
  ASSERT_EQ(ErrcOf(lc.AddBlock(chain[3].block)), Errc::kOk);  // approval of 3: not complete here
  EXPECT_EQ(lc.EpochAfter(chain[3].id)->config.epoch, 0u);
  EXPECT_EQ(ErrcOf(lc.AddBlock(chain[2].block)), Errc::kConflict);
  EXPECT_EQ(ErrcOf(lc.AddBlock(chain[0].block)), Errc::kOk) << "an empty body changes nothing";
}

TEST_F(LightClientEpochTest, ForgedApprovalsAndBodiesNotMatchingTheHeaderAreRefused) {
  LightClient lc = Client();
  Feed(lc, 3);
  // Member 3's approval signed with member 4's key.
  Built forged = chain[3];
  auto& a = std::get<chain::ConfigApprove>(forged.block.records[0].body);
  chain::SignWith(testing::KeyOf(4), cid, a);
  Seal(forged);
  const Status s = lc.AddBlock(forged.block);
  EXPECT_EQ(ErrcOf(s), Errc::kBadSignature);
  EXPECT_NE(MessageOf(s).find("C6"), std::string::npos) << MessageOf(s);
  // The genuine header with another body.
  chain::Block swapped = chain[3].block;
  swapped.records = chain[2].block.records;
  EXPECT_EQ(ErrcOf(lc.AddBlock(swapped)), Errc::kInvalid);
  // The target approving its own removal is not a required approver.
  Built target = chain[3];
  target.block.records = {Approve(4, remove4, 2)};
  Seal(target);
  EXPECT_EQ(ErrcOf(lc.AddBlock(target.block)), Errc::kInvalid);
  EXPECT_FALSE(lc.HasHeader(forged.id));
  EXPECT_FALSE(lc.HasHeader(target.id));
  EXPECT_EQ(ErrcOf(lc.AddBlock(chain[3].block)), Errc::kOk);
}

TEST_F(LightClientEpochTest, EachParentCertificateIsJudgedUnderTheParentsConfig) {
  LightClient lc = Client();
  Feed(lc, 5);
  // Block 6's parent (5) is in epoch 1: members 1, 2, 3, MAJ 2. Member 4's vote no longer counts.
  Built b = chain[5];
  b.block.parent_cert = Mc(5, chain[4].id, {1, 4});
  b.block.header.parent_cert_hash = chain::MajorityCertHash(*b.block.parent_cert);
  Seal(b);
  EXPECT_EQ(ErrcOf(lc.AddBlock(b.block)), Errc::kNotMember);
  b.block.parent_cert = Mc(5, chain[4].id, {1, 2});  // MAJ of epoch 1
  b.block.header.parent_cert_hash = chain::MajorityCertHash(*b.block.parent_cert);
  Seal(b);
  EXPECT_EQ(ErrcOf(lc.AddHeader(b.block.header, b.block.parent_cert)), Errc::kOk);
  // Block 5's parent (4) is the last of epoch 0: member 4's vote counts there (the fixture's MC
  // holds all four votes), and 2 votes are not a majority of 4.
  LightClient fresh = Client();
  Feed(fresh, 4);
  Built five = chain[4];
  five.block.parent_cert = Mc(4, chain[3].id, {1, 2});
  five.block.header.parent_cert_hash = chain::MajorityCertHash(*five.block.parent_cert);
  Seal(five);
  EXPECT_EQ(ErrcOf(fresh.AddHeader(five.block.header, five.block.parent_cert)), Errc::kInvalid);
}

TEST_F(LightClientEpochTest, EvidenceInABodyExcludesItsOffenderFromTheApprovers) {
  // Member 3 double-votes; the evidence is recorded in block 3, so from height 4 on Req_c is {1, 2}
  // and their approvals in block 4 complete the change. Without that body the client cannot know.
  chain::Vote x, y;
  x.h = y.h = 1;
  x.block_id.fill(0x11);
  y.block_id.fill(0x22);
  x.signer = y.signer = 3;
  chain::SignWith(testing::KeyOf(3), cid, x);
  chain::SignWith(testing::KeyOf(3), cid, y);
  chain.resize(2);
  in_force.resize(4);  // heights 0..3: block 3 comes next
  Append({}, {chain::Record{MakeDoubleVote(x, y)}});                // 3
  Append({}, {Approve(1, remove4, 2), Approve(2, remove4, 2)});    // 4: completes with 3 excluded
  ASSERT_EQ(in_force[5].config.epoch, 1u);
  Append({}, {});                                                  // 5
  LightClient lc = Client();
  Feed(lc, 5);
  EXPECT_EQ(lc.EpochAfter(chain[3].id)->config.epoch, 1u);
  EXPECT_EQ(lc.Compute().excluded, (std::vector<MemberId>{3}));
  LightClient blind = Client();
  Feed(blind, 4, /*withheld=*/{3});
  EXPECT_EQ(blind.EpochAfter(chain[3].id)->config.epoch, 0u);
  EXPECT_EQ(ErrcOf(blind.AddHeader(chain[4].block.header, chain[4].block.parent_cert)), Errc::kInvalid);
}

}  // namespace
}  // namespace peerdb::consensus
