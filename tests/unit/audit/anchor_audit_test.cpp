// `peerdb audit` and anchors: a chain built by a real Node, anchor records written into its real
// database, and an in-memory regtest Bitcoin header chain (0x207fffff proof of work, mined here) as
// the auditor's view of Bitcoin. A good anchor fixes its block and every ancestor; forged ones (wrong
// merkle root, bad proof of work, digest of another block, wrong block hash) fail naming the record;
// too few confirmations leave blocks unanchored without failing; statuses must be supported.
#include <gtest/gtest.h>

#include <map>

#include "../node/node_fixture.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/audit/anchor_audit.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/audit/report.h"
#include "peerdb/util/time_text.h"
#include "peerdb/audit/chain_export.h"
#include "peerdb/node/node.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/store/store.h"

namespace peerdb::audit {
using namespace peerdb::node;  // the node test fixture and identities
using anchor::CoveringAnchor;
using anchor::FixedRanges;
using anchor::HeightsOf;
namespace {

using node::test::Put;
using node::test::SubmitAndWait;

// A regtest header chain held in memory: the auditor's view of Bitcoin.
class RegtestChain final : public ots::HeaderSource {
 public:
  // Mines blocks 0..tip; block `at` (if given) gets merkle root `root`.
  void Extend(std::uint64_t tip, std::map<std::uint64_t, Hash32> roots = {}) {
    for (std::uint64_t h = m_headers.size(); h <= tip; ++h) {
      ots::BlockHeader hdr;
      hdr.version = 0x20000000;
      if (h > 0) hdr.prev_block = ots::BlockHash(m_headers.back());
      if (auto it = roots.find(h); it != roots.end()) {
        hdr.merkle_root = it->second;
      } else {
        hdr.merkle_root = crypto::Sha256(ToBytes("coinbase " + std::to_string(h)));
      }
      hdr.time = 1'790'000'000 + static_cast<std::uint32_t>(h) * 600;
      hdr.bits = ots::kRegtestPowLimitBits;
      Mine(hdr, true);
      m_headers.push_back(hdr);
    }
  }
  // Replaces block h by one whose hash does NOT meet its target.
  void BreakProofOfWork(std::uint64_t h) { Mine(m_headers.at(h), false); }

  Result<ots::BlockHeader> HeaderAt(std::uint64_t height) override {
    if (height >= m_headers.size()) return Error{Errc::kNotFound, "no block at height " + std::to_string(height)};
    return m_headers[height];
  }
  Result<std::uint64_t> TipHeight() override { return m_headers.size() - 1; }
  const ots::BlockHeader& at(std::uint64_t h) const { return m_headers.at(h); }

 private:
  static void Mine(ots::BlockHeader& hdr, bool valid) {
    for (hdr.nonce = 0;; ++hdr.nonce) {
      if (ots::CheckProofOfWork(hdr, ots::kRegtestPowLimitBits).ok() == valid) return;
    }
  }
  std::vector<ots::BlockHeader> m_headers;
};

// A proof as a calendar path would give it, kept short: digest -> append nonce -> sha256 ->
// Bitcoin attestation; the leaf message is the merkle root the header must carry.
struct Proof {
  Bytes bytes;
  Hash32 root{};
};
Proof MakeProof(const Hash32& digest, std::uint64_t btc_height) {
  ots::Timestamp t(Bytes(digest.begin(), digest.end()));
  ots::Timestamp* appended = *t.AddOp(ots::AppendOp(ToBytes("nonce")));
  ots::Timestamp* hashed = *appended->AddOp(ots::Sha256Op());
  hashed->AddAttestation(ots::Attestation::Bitcoin(btc_height));
  hashed->AddAttestation(ots::Attestation::Pending("https://a.calendar.example"));
  Proof p;
  std::copy(hashed->msg().begin(), hashed->msg().end(), p.root.begin());
  p.bytes = *ots::EncodeTimestamp(t);
  return p;
}

class AnchorAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = node::test::TempDir();
    m_genesis = node::test::OneMemberGenesis(m_key);
    m_chain_id = chain::ChainId(m_genesis);
    const NodeConfig config = node::test::WriteNodeFiles(m_dir, m_genesis, m_key);
    m_db = config.data_dir + "/peerdb.sqlite";
    util::SystemClock clock;
    auto node = Node::Open(config, clock);
    ASSERT_EQ(ErrcOf(node), Errc::kOk) << MessageOf(node);
    EXPECT_TRUE((*node)->Start().ok());
    for (int i = 1; i <= 5; ++i) {
      auto r = SubmitAndWait(**node, {Put("app", "k", std::to_string(i))});
      ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
    }
    (*node)->Stop();
    auto store = store::Store::Open(m_db);
    ASSERT_EQ(ErrcOf(store), Errc::kOk);
    m_store = std::move(*store);
  }

  chain::Checkpoint CheckpointOf(std::uint64_t h) {
    auto b = m_store->LoadBlock(h);
    auto seals = m_store->LoadSeals(h);
    chain::Checkpoint cp;
    cp.chain_id = m_chain_id;
    cp.h = h;
    cp.block_id = (*b)->id;
    for (const chain::Seal& s : *seals) cp.seals.push_back(chain::SigEntry{s.signer, s.sig});
    return cp;
  }

  // Anchors block h's checkpoint in Bitcoin block btc_height (mined into m_bitcoin up to `tip`).
  chain::AnchorRecord Anchor(std::uint64_t h, std::uint64_t btc_height, std::uint64_t tip) {
    const chain::Checkpoint cp = CheckpointOf(h);
    chain::AnchorRecord rec;
    rec.digest = chain::CheckpointDigest(cp);
    const Proof proof = MakeProof(rec.digest, btc_height);
    m_bitcoin.Extend(tip, {{btc_height, proof.root}});
    rec.btc_height = static_cast<std::uint32_t>(btc_height);
    rec.btc_block_hash = ots::BlockHash(m_bitcoin.at(btc_height));
    rec.proof = proof.bytes;
    EXPECT_EQ(ErrcOf(m_store->SaveAnchor(rec, cp)), Errc::kOk);
    return rec;
  }

  AuditOptions WithBitcoin(std::uint32_t k = 6) {
    AuditOptions o;
    o.expected_chain_id = m_chain_id;
    o.bitcoin.headers = &m_bitcoin;
    o.bitcoin.tip_height = [this] { return m_bitcoin.TipHeight(); };
    o.bitcoin.description = "a test chain";
    o.bitcoin.pow_limit_bits = ots::kRegtestPowLimitBits;
    o.bitcoin.min_confirmations = k;
    return o;
  }

  static std::string Notes(const AuditReport& r) {
    std::string out;
    for (const std::string& n : FormatReport(r)) out += n + "\n";
    return out;
  }

  MemberKey m_key = GenerateMemberKey();
  std::string m_dir;
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  std::string m_db;
  std::unique_ptr<store::Store> m_store;
  RegtestChain m_bitcoin;
};

TEST_F(AnchorAuditTest, ConfirmedAnchorsFixTheirBlocksAndAncestorsNamingTheBitcoinBlock) {
  Anchor(2, 100, 103);
  const chain::AnchorRecord rec4 = Anchor(4, 104, 110);
  ASSERT_EQ(ErrcOf(m_store->SetStatusHeights({4, 4}, store::BlockStatus::kUnanimous)), Errc::kOk);
  auto report = AuditDatabase(m_db, WithBitcoin());
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_TRUE(report->ok) << report->failure;
  EXPECT_EQ(report->anchor_audit->records, 2u);
  const std::string notes = Notes(*report);
  EXPECT_NE(notes.find("anchors: 2 records, 2 confirmed by Bitcoin headers from a test chain (6 confirmations required)"),
            std::string::npos) << notes;
  EXPECT_NE(notes.find("blocks 1-2: fixed by Bitcoin block 100 (" + util::UtcTimeText(m_bitcoin.at(100).time) + "), anchored digest"),
            std::string::npos) << notes;
  EXPECT_NE(notes.find("blocks 3-4: fixed by Bitcoin block 104 (2026-09-22 07:33:20 UTC), anchored digest " +
                       Hex(rec4.digest).substr(0, 8) + " (checkpoint of block 4, sealed by every required member)"),
            std::string::npos) << notes;
  EXPECT_NE(notes.find("block 5: not anchored yet"), std::string::npos) << notes;
  ASSERT_EQ(report->ranges.size(), 3u);
  EXPECT_EQ(report->ranges[1].by->btc_height, 104u);

  // The export carries the anchors with their checkpoints: the same answer from the file.
  const std::string out = m_dir + "/chain.pdbx";
  ASSERT_EQ(ErrcOf(ExportDatabase(m_db, out)), Errc::kOk);
  auto exported = AuditExport(out, WithBitcoin());
  ASSERT_EQ(ErrcOf(exported), Errc::kOk) << MessageOf(exported);
  ASSERT_TRUE(exported->ok) << exported->failure;
  EXPECT_EQ(exported->anchor_audit->records, 2u);
  EXPECT_NE(Notes(*exported).find("blocks 3-4: fixed by Bitcoin block 104"), std::string::npos) << Notes(*exported);
}

TEST_F(AnchorAuditTest, AnEarlierAnchorOfADescendantFixesTheRange) {
  Anchor(4, 100, 101);
  Anchor(2, 102, 110);  // anchored later than block 4's anchor: it fixes nothing new
  auto report = AuditDatabase(m_db, WithBitcoin());
  ASSERT_TRUE(report.ok() && report->ok) << (report.ok() ? report->failure : MessageOf(report));
  ASSERT_EQ(report->ranges.size(), 2u);
  EXPECT_EQ(report->ranges[0].first, 1u);
  EXPECT_EQ(report->ranges[0].last, 4u);
  EXPECT_EQ(report->ranges[0].by->btc_height, 100u);
  EXPECT_FALSE(report->ranges[1].by.has_value());
}

TEST_F(AnchorAuditTest, TooFewConfirmationsLeaveBlocksUnanchoredWithoutFailing) {
  Anchor(3, 100, 102);  // 3 confirmations
  auto report = AuditDatabase(m_db, WithBitcoin(6));
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_TRUE(report->ok) << report->failure;
  const std::string notes = Notes(*report);
  EXPECT_NE(notes.find("blocks 1-5: not anchored yet"), std::string::npos) << notes;
  EXPECT_NE(notes.find("Bitcoin block 100 has 3 of 6 confirmations; not counted yet"), std::string::npos) << notes;
  auto enough = AuditDatabase(m_db, WithBitcoin(3));
  ASSERT_TRUE(enough.ok() && enough->ok);
  EXPECT_NE(Notes(*enough).find("blocks 1-3: fixed by Bitcoin block 100"), std::string::npos) << Notes(*enough);
}

TEST_F(AnchorAuditTest, WithoutAHeaderSourceAnchorsAreCheckedForShapeOnlyAndSaidSo) {
  Anchor(3, 100, 110);
  ASSERT_EQ(ErrcOf(m_store->SetStatusHeights({3, 3}, store::BlockStatus::kUnanimous)), Errc::kOk);
  auto report = AuditDatabase(m_db, m_chain_id);
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_TRUE(report->ok) << report->failure;
  const std::string notes = Notes(*report);
  EXPECT_NE(notes.find("NOT checked against Bitcoin"), std::string::npos) << notes;
  EXPECT_NE(notes.find("blocks 1-3: anchored in Bitcoin block 100 (not checked against Bitcoin)"), std::string::npos) << notes;
}

TEST_F(AnchorAuditTest, ForgedAnchorsFailNamingTheRecord) {
  struct Case {
    const char* name;
    std::function<void(chain::AnchorRecord&, chain::Checkpoint&)> forge;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"wrong merkle root",
       [](chain::AnchorRecord& r, chain::Checkpoint&) {
         ots::Timestamp t(Bytes(r.digest.begin(), r.digest.end()));
         (*t.AddOp(ots::Sha256Op()))->AddAttestation(ots::Attestation::Bitcoin(r.btc_height));
         r.proof = *ots::EncodeTimestamp(t);
       },
       "does not verify against Bitcoin block 100: digest does not match the merkle root"},
      {"digest of another block",
       [this](chain::AnchorRecord& r, chain::Checkpoint& cp) {
         cp = CheckpointOf(2);
         cp.h = 3;  // block 2's id presented as block 3
         r.digest = chain::CheckpointDigest(cp);
       },
       "that is not block 3 of this chain"},
      {"digest not of its checkpoint",
       [](chain::AnchorRecord& r, chain::Checkpoint&) { r.digest[5] ^= 0x40; },
       "its digest is not the hash of its checkpoint"},
      {"bad seal",
       [](chain::AnchorRecord& r, chain::Checkpoint& cp) {
         cp.seals[0].sig[3] ^= 1;
         r.digest = chain::CheckpointDigest(cp);
       },
       "does not verify"},
      {"no attestation at the named height",
       [](chain::AnchorRecord& r, chain::Checkpoint&) { r.btc_height = 101; },
       "no Bitcoin attestation at the height it names (101)"},
      {"wrong block hash",
       [](chain::AnchorRecord& r, chain::Checkpoint&) { r.btc_block_hash[0] ^= 1; },
       "names Bitcoin block hash"},
  };
  Anchor(3, 100, 110);
  const chain::AnchorRecord good = m_store->LoadAnchors()->at(0).record;
  const chain::Checkpoint good_cp = CheckpointOf(3);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AnchorInput in{good, good_cp};
    c.forge(in.record, *in.checkpoint);
    std::vector<Hash32> ids = {m_chain_id};
    for (std::uint64_t h = 1; h <= 5; ++h) ids.push_back((*m_store->LoadBlock(h))->id);
    auto audit = AuditAnchors({AnchorInput{good, good_cp}, in}, m_genesis, ids, chain::EpochHistory(m_genesis), {}, WithBitcoin().bitcoin);
    ASSERT_EQ(ErrcOf(audit), Errc::kOk) << MessageOf(audit);
    ASSERT_TRUE(audit->failure.has_value());
    EXPECT_EQ(audit->failure->code, Errc::kInvalid);
    const std::string& what = audit->failure->message;
    EXPECT_NE(what.find("anchor 2 (digest " + Hex(in.record.digest).substr(0, 8) + ")"), std::string::npos) << what;
    EXPECT_NE(what.find(c.needle), std::string::npos) << what;
  }
}

TEST_F(AnchorAuditTest, BadProofOfWorkInTheSourcesHeaderFails) {
  Anchor(3, 100, 110);
  m_bitcoin.BreakProofOfWork(100);
  auto report = AuditDatabase(m_db, WithBitcoin());
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_FALSE(report->ok);
  EXPECT_EQ(report->bad_height, 3u);
  EXPECT_NE(report->failure.find("anchor 1"), std::string::npos) << report->failure;
  EXPECT_NE(report->failure.find("block hash does not meet its target"), std::string::npos) << report->failure;
}

TEST_F(AnchorAuditTest, AStoredDatabaseAnchorThatIsForgedFailsTheAudit) {
  const chain::Checkpoint cp = CheckpointOf(4);
  chain::AnchorRecord rec;
  rec.digest = chain::CheckpointDigest(cp);
  ots::Timestamp t(Bytes(rec.digest.begin(), rec.digest.end()));
  (*t.AddOp(ots::Sha256Op()))->AddAttestation(ots::Attestation::Bitcoin(100));
  rec.proof = *ots::EncodeTimestamp(t);
  rec.btc_height = 100;
  m_bitcoin.Extend(110);
  rec.btc_block_hash = ots::BlockHash(m_bitcoin.at(100));
  ASSERT_EQ(ErrcOf(m_store->SaveAnchor(rec, cp)), Errc::kOk);
  auto report = AuditDatabase(m_db, WithBitcoin());
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_FALSE(report->ok);
  EXPECT_EQ(report->bad_height, 4u);
  EXPECT_NE(FormatReport(*report).back().find("FAILED at block 4: anchor 1"), std::string::npos) << FormatReport(*report).back();
  // Without a header source the same record has a valid shape.
  EXPECT_TRUE(AuditDatabase(m_db, m_chain_id)->ok);
}

TEST_F(AnchorAuditTest, StoredStatusesMustBeSupportedByAnchors) {
  ASSERT_EQ(ErrcOf(m_store->SetStatusHeights({2, 2}, store::BlockStatus::kUnanimous)), Errc::kOk);
  auto none = AuditDatabase(m_db, m_chain_id);
  ASSERT_EQ(ErrcOf(none), Errc::kOk);
  ASSERT_FALSE(none->ok);
  EXPECT_EQ(none->bad_height, 1u);
  EXPECT_NE(none->failure.find("stored status FINAL but no anchor supports it"), std::string::npos) << none->failure;

  Anchor(2, 100, 110);
  EXPECT_TRUE(AuditDatabase(m_db, WithBitcoin())->ok);
  ASSERT_EQ(ErrcOf(m_store->SetStatusHeights({3, 2}, store::BlockStatus::kUnanimous)), Errc::kOk);
  auto above = AuditDatabase(m_db, WithBitcoin());
  ASSERT_FALSE(above->ok);
  EXPECT_EQ(above->bad_height, 3u);
  EXPECT_NE(above->failure.find("stored status ANCHORED but no anchor supports it"), std::string::npos) << above->failure;
  // Lower statuses than the anchors allow are fine: the node raises them once it sees enough
  // confirmations in its own view of Bitcoin.
  ASSERT_EQ(ErrcOf(m_store->SetStatusHeights({1, 0}, store::BlockStatus::kUnanimous)), Errc::kOk);
  EXPECT_TRUE(AuditDatabase(m_db, WithBitcoin())->ok);
}

TEST_F(AnchorAuditTest, AnchorBeyondTheSourcesTipIsUnconfirmed) {
  Anchor(3, 100, 110);
  RegtestChain shorter;
  shorter.Extend(90);
  AuditOptions o = WithBitcoin();
  o.bitcoin.headers = &shorter;
  o.bitcoin.tip_height = [&shorter] { return shorter.TipHeight(); };
  auto report = AuditDatabase(m_db, o);
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  ASSERT_TRUE(report->ok) << report->failure;
  EXPECT_NE(Notes(*report).find("not in this header source's chain (yet)"), std::string::npos) << Notes(*report);
}

}  // namespace
}  // namespace peerdb::audit
