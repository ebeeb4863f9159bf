// Offline audit of a 4-member chain that records evidence (PROTOCOL.md §5.2, §6.3 step 2): the
// votes that decided a block count for its certificate wherever the certificate appears, even if
// the block itself records evidence against one of the voters; from the next height on they do not.
#include <gtest/gtest.h>

#include "../node/node_fixture.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/node/block_producer.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/audit/report.h"
#include "peerdb/audit/chain_export.h"

namespace peerdb::audit {
using namespace peerdb::node;  // the node test fixture and identities
namespace {

class ExclusionAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (chain::MemberId id = 1; id <= 4; ++id) {
      m_keys.push_back(GenerateMemberKey());
      m_genesis.config.members.push_back(node::test::MemberOf(m_keys.back(), id, "member-" + std::to_string(id)));
    }
    m_genesis.genesis_time_ms = 1'700'000'000'000;
    m_chain_id = chain::ChainId(m_genesis);
    m_dir = node::test::TempDir();
  }

  const crypto::SigningKey& Key(chain::MemberId id) const { return m_keys.at(id - 1).signing; }

  chain::MajorityCert Cert(std::uint64_t h, const Hash32& id, std::initializer_list<chain::MemberId> voters) const {
    chain::MajorityCert mc;
    mc.h = h;
    mc.r = 0;
    mc.block_id = id;
    for (chain::MemberId m : voters) {
      chain::Vote v;
      v.h = h;
      v.r = 0;
      v.block_id = id;
      v.signer = m;
      chain::SignWith(Key(m), m_chain_id, v);
      mc.votes.push_back(chain::SigEntry{m, v.sig});
    }
    return mc;
  }

  std::vector<chain::Seal> Seals(std::uint64_t h, const Hash32& id) const {
    std::vector<chain::Seal> out;
    for (chain::MemberId m : {1u, 2u, 3u}) {
      chain::Seal s;
      s.h = h;
      s.block_id = id;
      s.signer = m;
      chain::SignWith(Key(m), m_chain_id, s);
      out.push_back(s);
    }
    return out;
  }

  // An empty block on top of `blocks`, carrying `extra` records and the parent's certificate.
  // `author` 0: members 1, 2, 3 in turn.
  ExportedBlock NextBlock(const std::vector<ExportedBlock>& blocks, std::vector<chain::Record> extra,
                          chain::MemberId author = 0) const {
    ExportedBlock out;
    chain::Header& h = out.block.header;
    h.chain_id = m_chain_id;
    h.height = blocks.size() + 1;
    h.author = author != 0 ? author : static_cast<chain::MemberId>((blocks.size() % 3) + 1);
    h.config_hash = chain::ConfigHash(m_genesis.config);
    h.timestamp_ms = m_genesis.genesis_time_ms + 1000 * h.height;
    if (blocks.empty()) {
      h.parent_id = m_chain_id;
    } else {
      const ExportedBlock& parent = blocks.back();
      h.parent_id = chain::BlockId(parent.block.header);
      out.block.parent_cert = parent.cert;
      h.parent_cert_hash = chain::MajorityCertHash(*parent.cert);
      for (const chain::Seal& s : parent.seals) out.block.records.push_back(chain::Record{s});
    }
    for (chain::Record& r : extra) out.block.records.push_back(std::move(r));
    chain::SortRecords(out.block.records);
    h.batches_root = chain::BatchesRoot(out.block.batches);
    h.records_root = chain::RecordsRoot(out.block.records);
    h.state_root = state::StateTree().Root();
    return out;
  }

  void Certify(ExportedBlock& b, std::initializer_list<chain::MemberId> voters) const {
    const Hash32 id = chain::BlockId(b.block.header);
    b.cert = Cert(b.block.header.height, id, voters);
    b.seals = Seals(b.block.header.height, id);
  }

  chain::Evidence DoubleVoteBy4() const {
    chain::Vote a, b;
    a.h = b.h = 1;
    a.r = b.r = 0;
    a.block_id.fill(0x11);
    b.block_id.fill(0x22);
    a.signer = b.signer = 4;
    chain::SignWith(Key(4), m_chain_id, a);
    chain::SignWith(Key(4), m_chain_id, b);
    return consensus::MakeDoubleVote(a, b);
  }

  Result<AuditReport> Audit(const std::vector<ExportedBlock>& blocks, const std::string& name) const {
    const std::string path = m_dir + "/" + name + ".pdbx";
    auto w = ExportWriter::Create(path, m_genesis);
    EXPECT_TRUE(w.ok());
    for (const ExportedBlock& b : blocks) EXPECT_TRUE((*w)->Append(b).ok());
    EXPECT_TRUE((*w)->Finish().ok());
    return AuditExport(path, m_chain_id);
  }

  std::vector<MemberKey> m_keys;
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  std::string m_dir;
};

TEST_F(ExclusionAuditTest, CertificateOfTheBlockThatRecordsTheEvidenceStillCountsTheOffendersVote) {
  std::vector<ExportedBlock> blocks;
  blocks.push_back(NextBlock(blocks, {chain::Record{DoubleVoteBy4()}}));
  Certify(blocks.back(), {1, 2, 4});  // 4 was not excluded when height 1 was decided
  blocks.push_back(NextBlock(blocks, {}));  // parent_cert {1, 2, 4}
  Certify(blocks.back(), {1, 2, 3});
  blocks.push_back(NextBlock(blocks, {}));
  Certify(blocks.back(), {1, 2, 3});
  auto report = Audit(blocks, "ok");
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_TRUE(report->ok) << report->failure;
  EXPECT_EQ(report->blocks, 3u);
}

TEST_F(ExclusionAuditTest, FromTheNextHeightTheOffendersVoteNoLongerCounts) {
  std::vector<ExportedBlock> blocks;
  blocks.push_back(NextBlock(blocks, {chain::Record{DoubleVoteBy4()}}));
  Certify(blocks.back(), {1, 2, 4});
  blocks.push_back(NextBlock(blocks, {}));
  Certify(blocks.back(), {1, 2, 4});  // height 2 is decided with 4 excluded: 2 valid votes of 3
  blocks.push_back(NextBlock(blocks, {}));
  auto report = Audit(blocks, "bad");
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_FALSE(report->ok);
  ASSERT_TRUE(report->bad_height.has_value());
  EXPECT_EQ(*report->bad_height, 2u) << report->failure;  // its own certificate already fails
  EXPECT_EQ(report->failure_code, Errc::kInvalid);
  EXPECT_NE(report->failure.find("2 valid votes"), std::string::npos) << report->failure;
}

// C2: author ∈ active(h). Member 4 is excluded by the evidence recorded in block 1, so a block 2
// it authors breaks the rule every member applies, however many members certified it; the audit
// (which once checked only that the author is a member) names that block.
TEST_F(ExclusionAuditTest, ABlockAuthoredByAnExcludedMemberFailsTheAuditNamingIt) {
  std::vector<ExportedBlock> blocks;
  blocks.push_back(NextBlock(blocks, {chain::Record{DoubleVoteBy4()}}));
  Certify(blocks.back(), {1, 2, 3});
  blocks.push_back(NextBlock(blocks, {}, /*author=*/4));
  Certify(blocks.back(), {1, 2, 3});
  blocks.push_back(NextBlock(blocks, {}));
  Certify(blocks.back(), {1, 2, 3});
  auto report = Audit(blocks, "excluded-author");
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_FALSE(report->ok);
  ASSERT_TRUE(report->bad_height.has_value());
  EXPECT_EQ(*report->bad_height, 2u) << report->failure;
  EXPECT_EQ(report->failure_code, Errc::kInvalid);
  EXPECT_NE(report->failure.find("C2: author 4 is excluded"), std::string::npos) << report->failure;
}

TEST_F(ExclusionAuditTest, TheExcludedMembersBlockBeforeItsExclusionIsRecordedStaysValid) {
  std::vector<ExportedBlock> blocks;
  blocks.push_back(NextBlock(blocks, {chain::Record{DoubleVoteBy4()}}, /*author=*/4));  // not excluded yet at 1
  Certify(blocks.back(), {1, 2, 3});
  blocks.push_back(NextBlock(blocks, {}));
  Certify(blocks.back(), {1, 2, 3});
  auto report = Audit(blocks, "author-before-exclusion");
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_TRUE(report->ok) << report->failure;
}

}  // namespace
}  // namespace peerdb::audit
