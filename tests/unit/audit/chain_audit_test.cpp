// Offline audit of a chain produced by a real Node: the database and its export pass; a flipped
// byte in a stored block, another chain id, or a truncated export fail and name the block.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "../node/node_fixture.h"
#include "peerdb/node/block_producer.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/audit/report.h"
#include "peerdb/audit/chain_export.h"
#include "peerdb/node/node.h"
#include "peerdb/store/store.h"

namespace peerdb::audit {
using namespace peerdb::node;  // the node test fixture and identities
namespace {

using node::test::Del;
using node::test::Put;
using node::test::SubmitAndWait;

// Blocks 1..4 of a chain built through a Node (puts, an overwrite, a delete, an append-only
// entry), left closed in `dir`/data/peerdb.sqlite.
class AuditTest : public ::testing::Test {
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
    const std::vector<std::vector<chain::Op>> submissions = {
        {Put("app", "a", "1"), Put("log", "e1", "x")},
        {Put("app", "a", "2"), Put("app", "b", "1")},
        {Del("app", "b")},
        {Put("log", "e2", "y")},
    };
    for (const auto& ops : submissions) {
      auto r = SubmitAndWait(**node, ops);
      ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
      m_head = r->height;
    }
    ASSERT_EQ(m_head, submissions.size()) << "one block per awaited submission";
  }

  MemberKey m_key = GenerateMemberKey();
  std::string m_dir;
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  std::string m_db;
  std::uint64_t m_head = 0;
};

// Flips one bit of the stored body of block `height`, through the SQLite C API.
void FlipBodyByte(const std::string& db_path, std::uint64_t height, std::size_t offset) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_blob* blob = nullptr;
  ASSERT_EQ(sqlite3_blob_open(db, "main", "blocks", "body", static_cast<sqlite3_int64>(height), 1, &blob), SQLITE_OK)
      << sqlite3_errmsg(db);
  const int size = sqlite3_blob_bytes(blob);
  ASSERT_LT(offset, static_cast<std::size_t>(size));
  unsigned char byte = 0;
  ASSERT_EQ(sqlite3_blob_read(blob, &byte, 1, static_cast<int>(offset)), SQLITE_OK);
  byte ^= 0x01;
  ASSERT_EQ(sqlite3_blob_write(blob, &byte, 1, static_cast<int>(offset)), SQLITE_OK);
  sqlite3_blob_close(blob);
  sqlite3_close_v2(db);
}

std::size_t BodySize(const std::string& db_path, std::uint64_t height) {
  auto store = store::Store::Open(db_path, store::OpenMode::kReadOnly);
  EXPECT_TRUE(store.ok());
  auto bytes = (*store)->LoadBlockBytes(height);
  EXPECT_TRUE(bytes.ok() && bytes->has_value());
  return (*bytes)->size();
}

// A block made by ProduceSoloBlock into `store`, with its certificate and seal (no writes: the
// blocks made this way carry no batches).
Status CommitProduced(store::Store& store, const ProducedBlock& pb) {
  store::BlockCommit c;
  c.block = pb.block;
  c.id = pb.id;
  c.cert = pb.cert;
  c.seals = {pb.seal};
  return store.CommitBlock(c);
}

TEST_F(AuditTest, ChainProducedByTheNodePassesAuditOfDatabaseAndExport) {
  auto report = AuditDatabase(m_db, m_chain_id);
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_TRUE(report->ok) << report->failure;
  EXPECT_EQ(report->chain_id_hex, Hex(m_chain_id));
  EXPECT_EQ(report->blocks, m_head);
  EXPECT_EQ(report->ops, 6u);
  EXPECT_EQ(report->seals, m_head + (m_head - 1)) << "stored seals plus the seals copied into later blocks";
  EXPECT_FALSE(report->bad_height.has_value());
  EXPECT_TRUE(report->failure.empty());
  EXPECT_TRUE(AuditDatabase(m_db, std::nullopt)->ok) << "the chain id is optional";

  const std::string out = m_dir + "/chain.pdbx";
  auto written = ExportDatabase(m_db, out);
  ASSERT_EQ(ErrcOf(written), Errc::kOk) << MessageOf(written);
  EXPECT_EQ(*written, m_head);
  auto exported = AuditExport(out, m_chain_id);
  ASSERT_EQ(ErrcOf(exported), Errc::kOk) << MessageOf(exported);
  EXPECT_TRUE(exported->ok) << exported->failure;
  EXPECT_EQ(exported->blocks, m_head);
  EXPECT_EQ(exported->ops, report->ops);
  EXPECT_EQ(FormatReport(*exported), FormatReport(*report)) << "both sources describe the same chain";
  EXPECT_EQ(ErrcOf(ExportDatabase(m_db, out)), Errc::kConflict) << "an export is never overwritten";
}

TEST_F(AuditTest, FlippedByteInABlockBodyFailsAtThatBlock) {
  const std::uint64_t victim = 2;
  const std::size_t size = BodySize(m_db, victim);
  // Header, parent certificate, batches and the seal record each get a turn.
  for (std::size_t offset : {std::size_t{10}, std::size_t{100}, size / 3, size / 2, size - 70, size - 1}) {
    SCOPED_TRACE("offset " + std::to_string(offset) + " of " + std::to_string(size));
    FlipBodyByte(m_db, victim, offset);
    auto report = AuditDatabase(m_db, m_chain_id);
    ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
    EXPECT_FALSE(report->ok);
    ASSERT_TRUE(report->bad_height.has_value()) << report->failure;
    EXPECT_EQ(*report->bad_height, victim) << report->failure;
    EXPECT_EQ(report->blocks, victim - 1) << "blocks before it verified";
    ASSERT_FALSE(FormatReport(*report).empty());
    EXPECT_NE(FormatReport(*report).back().find("block " + std::to_string(victim)), std::string::npos) << FormatReport(*report).back();
    FlipBodyByte(m_db, victim, offset);  // restore
  }
  EXPECT_TRUE(AuditDatabase(m_db, m_chain_id)->ok) << "restored";
}

TEST_F(AuditTest, ExpectedChainIdMismatchFails) {
  Hash32 other = m_chain_id;
  other[0] ^= 0xff;
  auto report = AuditDatabase(m_db, other);
  ASSERT_EQ(ErrcOf(report), Errc::kOk);
  EXPECT_FALSE(report->ok);
  EXPECT_NE(report->failure.find("chain id"), std::string::npos) << report->failure;
  EXPECT_EQ(report->blocks, 0u);

  const std::string out = m_dir + "/chain.pdbx";
  ASSERT_EQ(ErrcOf(ExportDatabase(m_db, out)), Errc::kOk);
  auto exported = AuditExport(out, other);
  ASSERT_EQ(ErrcOf(exported), Errc::kOk);
  EXPECT_FALSE(exported->ok);
  EXPECT_NE(exported->failure.find(Hex(other)), std::string::npos) << exported->failure;
}

TEST_F(AuditTest, TruncatedExportFailsNamingTheBlock) {
  const std::string out = m_dir + "/chain.pdbx";
  ASSERT_EQ(ErrcOf(ExportDatabase(m_db, out)), Errc::kOk);
  const auto full = std::filesystem::file_size(out);
  for (std::uintmax_t cut : {std::uintmax_t{1}, std::uintmax_t{50}}) {
    const std::string cut_path = m_dir + "/cut" + std::to_string(cut) + ".pdbx";
    std::filesystem::copy_file(out, cut_path);
    std::filesystem::resize_file(cut_path, full - cut);
    auto report = AuditExport(cut_path, m_chain_id);
    ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
    EXPECT_FALSE(report->ok);
    ASSERT_TRUE(report->bad_height.has_value());
    EXPECT_EQ(*report->bad_height, m_head) << report->failure;
    EXPECT_NE(report->failure.find("truncated"), std::string::npos) << report->failure;
    EXPECT_NE(FormatReport(*report).back().find("block " + std::to_string(m_head)), std::string::npos) << FormatReport(*report).back();
    EXPECT_EQ(report->blocks, m_head - 1);
  }
  // Cut inside the magic: not an export at all.
  std::filesystem::resize_file(out, 5);
  EXPECT_EQ(ErrcOf(AuditExport(out, m_chain_id)), Errc::kMalformed);
  EXPECT_EQ(ErrcOf(AuditExport(m_dir + "/absent.pdbx", m_chain_id)), Errc::kNotFound);
}

// Block 1 must be at least block_period_ms after the genesis time (C4 with the genesis as the
// parent); a producer that started from timestamp 0 is caught.
TEST_F(AuditTest, BlockOneTimestampedBeforeTheGenesisFails) {
  const std::string path = m_dir + "/early.sqlite";
  {
    auto store = store::Store::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_EQ(ErrcOf((*store)->InitGenesis(m_genesis)), Errc::kOk);
    state::StateTree tree;
    const ChainTip wrong{0, m_chain_id, /*timestamp_ms=*/0, std::nullopt, {}};
    auto pb = ProduceSoloBlock(m_genesis.config, m_chain_id, wrong, {}, (*store)->View(), tree, m_key.signing, 1,
                               m_genesis.genesis_time_ms - 60'000);
    ASSERT_TRUE(pb.ok());
    ASSERT_EQ(ErrcOf(CommitProduced(**store, *pb)), Errc::kOk);
  }
  auto report = AuditDatabase(path, m_chain_id);
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->bad_height, std::optional<std::uint64_t>(1)) << report->failure;
  EXPECT_NE(report->failure.find("timestamp"), std::string::npos) << report->failure;
}

// A block's state_root is checked while the next block is already under way (the replayed tree
// hashes it meanwhile): a wrong root still fails at its own block, before a fault of the next
// block's header, and when it is the last block.
TEST_F(AuditTest, WrongStateRootFailsAtItsBlockEvenWhenTheNextBlockIsBadToo) {
  for (const bool with_bad_next : {true, false}) {
    SCOPED_TRACE(with_bad_next ? "a bad block follows" : "the last block");
    const std::string path = m_dir + (with_bad_next ? "/root2.sqlite" : "/root1.sqlite");
    {
      auto store = store::Store::Open(path);
      ASSERT_TRUE(store.ok());
      ASSERT_EQ(ErrcOf((*store)->InitGenesis(m_genesis)), Errc::kOk);
      // A tree holding a key no block wrote: block 1 (no batches) carries its root.
      state::StateTree tree;
      tree.Put(state::StateLeaf{"app", "ghost", state::ValueHash(AsBytes("boo")), 1, 1});
      ChainTip tip{0, m_chain_id, m_genesis.genesis_time_ms, std::nullopt, {}};
      for (std::uint64_t h = 1; h <= (with_bad_next ? 2u : 1u); ++h) {
        // Block 2 is timestamped before block 1 (C4), a fault of its header.
        std::uint64_t now = m_genesis.genesis_time_ms + 600'000;
        if (h == 2) {
          tip.timestamp_ms = m_genesis.genesis_time_ms;
          now = m_genesis.genesis_time_ms + 1;
        }
        auto pb = ProduceSoloBlock(m_genesis.config, m_chain_id, tip, {}, (*store)->View(), tree, m_key.signing, 1, now);
        ASSERT_TRUE(pb.ok()) << MessageOf(pb);
        ASSERT_EQ(ErrcOf(CommitProduced(**store, *pb)), Errc::kOk);
        tip = ChainTip{h, pb->id, pb->block.header.timestamp_ms, pb->cert, {pb->seal}};
      }
    }
    auto report = AuditDatabase(path, m_chain_id);
    ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->bad_height, std::optional<std::uint64_t>(1)) << report->failure;
    EXPECT_NE(report->failure.find("state_root does not match the replayed state"), std::string::npos) << report->failure;
    EXPECT_EQ(report->blocks, 0u) << "no block passed every check";
  }
}

TEST_F(AuditTest, UnreadableSourceIsAnErrorNotAReport) {
  EXPECT_EQ(ErrcOf(AuditDatabase(m_dir + "/absent.sqlite", m_chain_id)), Errc::kNotFound);
  node::test::WriteText(m_dir + "/junk.sqlite", std::string(4096, 'j'));
  EXPECT_EQ(ErrcOf(AuditDatabase(m_dir + "/junk.sqlite", m_chain_id)), Errc::kCorrupt);
}

}  // namespace
}  // namespace peerdb::audit
