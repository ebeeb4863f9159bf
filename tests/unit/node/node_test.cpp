// Node, in process and for real: a temp data dir, a one-member consortium file and key written by
// the test, the node thread producing blocks, and the Service interface driven from the test
// thread (callbacks arrive on the node thread and are awaited with a timeout).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "node_fixture.h"
#include "peerdb/chain/messages.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/node/node.h"
#include "peerdb/sqlite/db.h"
#include "peerdb/sqlite/stmt.h"
#include "peerdb/state/state_tree.h"
#include "peerdb/store/store.h"

namespace peerdb::node {
namespace {

using test::Await;
using test::Del;
using test::Put;
using test::Reply;
using test::SubmitAndWait;

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::TempDir();
    m_genesis = test::OneMemberGenesis(m_key);
    m_config = test::WriteNodeFiles(m_dir, m_genesis, m_key);
  }

  // Replaces the consortium (before the first Open) by one with these params.
  void UseParams(const chain::Params& params) {
    m_genesis.config.params = params;
    m_config = test::WriteNodeFiles(m_dir, m_genesis, m_key);
  }

  std::unique_ptr<Node> OpenStarted() {
    auto node = Node::Open(m_config, m_clock);
    EXPECT_EQ(ErrcOf(node), Errc::kOk) << MessageOf(node);
    if (!node.ok()) return nullptr;
    EXPECT_TRUE((*node)->Start().ok());
    return std::move(*node);
  }

  static Result<StatusView> StatusOf(Service& s) {
    return Await<StatusView>([&](Callback<StatusView> cb) { s.GetStatus(std::move(cb)); });
  }
  static Result<ValueView> GetOf(Service& s, std::string ns, std::string key,
                                 store::BlockStatus min_status = store::BlockStatus::kProposed) {
    return Await<ValueView>(
        [&](Callback<ValueView> cb) { s.Get(std::move(ns), std::move(key), min_status, std::move(cb)); });
  }
  static Result<std::vector<store::HistoryEntry>> HistoryOf(Service& s, std::string ns, std::string key,
                                                            std::size_t limit = 100) {
    auto versions = Await<std::vector<VersionView>>(
        [&](Callback<std::vector<VersionView>> cb) { s.History(std::move(ns), std::move(key), limit, std::move(cb)); });
    if (!versions.ok()) return versions.error();
    std::vector<store::HistoryEntry> out;
    for (VersionView& v : *versions) out.push_back(std::move(v.entry));
    return out;
  }
  static Result<BlockView> BlockOf(Service& s, std::uint64_t height) {
    return Await<BlockView>([&](Callback<BlockView> cb) { s.GetBlock(height, std::move(cb)); });
  }

  util::SystemClock m_clock;
  MemberKey m_key = GenerateMemberKey();
  std::string m_dir;
  chain::Genesis m_genesis;
  NodeConfig m_config;
};

// PROTOCOL.md §4.3: a read names the lowest status it accepts and gets the newest version in a block
// of at least that status. The statuses are raised here directly in the database, as the anchoring
// executor does once an anchor is confirmed.
TEST_F(NodeTest, ReadsWithAMinimumStatusReturnTheNewestVersionThatFinal) {
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  for (const char* v : {"one", "two", "three"}) ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "k", v)})), Errc::kOk);
  auto latest = GetOf(*node, "app", "k");
  ASSERT_EQ(ErrcOf(latest), Errc::kOk) << MessageOf(latest);
  EXPECT_EQ(latest->entry.state.value, ToBytes("three"));
  EXPECT_EQ(latest->status, store::BlockStatus::kUnanimous);
  EXPECT_EQ(latest->latest_version, 3u);
  EXPECT_EQ(latest->head_height, 3u);
  EXPECT_EQ(latest->final_height, 0u);
  auto none = GetOf(*node, "app", "k", store::BlockStatus::kFinal);
  EXPECT_EQ(ErrcOf(none), Errc::kNotFound);
  EXPECT_NE(MessageOf(none).find("newest: version 3 in block 3, UNANIMOUS; final height 0"), std::string::npos)
      << MessageOf(none);
  {
    auto db = store::Store::Open(m_config.data_dir + "/peerdb.sqlite");
    ASSERT_EQ(ErrcOf(db), Errc::kOk) << MessageOf(db);
    ASSERT_EQ(ErrcOf((*db)->SetStatusHeights({2, 1}, store::BlockStatus::kUnanimous)), Errc::kOk);
  }
  auto fin = GetOf(*node, "app", "k", store::BlockStatus::kFinal);
  ASSERT_EQ(ErrcOf(fin), Errc::kOk) << MessageOf(fin);
  EXPECT_EQ(fin->entry.state.value, ToBytes("one"));
  EXPECT_EQ(fin->entry.height, 1u);
  EXPECT_EQ(fin->status, store::BlockStatus::kFinal);
  EXPECT_EQ(fin->latest_version, 3u);
  EXPECT_EQ(fin->final_height, 1u);
  auto anchored = GetOf(*node, "app", "k", store::BlockStatus::kAnchored);
  ASSERT_EQ(ErrcOf(anchored), Errc::kOk);
  EXPECT_EQ(anchored->entry.state.value, ToBytes("two"));
  EXPECT_EQ(anchored->status, store::BlockStatus::kAnchored);
  EXPECT_EQ(GetOf(*node, "app", "k", store::BlockStatus::kUnanimous)->entry.state.value, ToBytes("three"));
  auto status = StatusOf(*node);
  ASSERT_EQ(ErrcOf(status), Errc::kOk);
  EXPECT_EQ(status->anchored_height, 2u);
  EXPECT_EQ(status->final_height, 1u);
  EXPECT_EQ(ErrcOf(GetOf(*node, "app", "never", store::BlockStatus::kFinal)), Errc::kNotFound);
}

TEST_F(NodeTest, CommitsSubmissionsAndServesThemBack) {
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  Service& service = *node;
  EXPECT_EQ(service.genesis(), m_genesis);

  auto r1 = SubmitAndWait(service, {Put("app", "color", "red"), Put("log", "e1", "created")});
  ASSERT_EQ(ErrcOf(r1), Errc::kOk) << MessageOf(r1);
  EXPECT_EQ(r1->height, 1u);
  EXPECT_EQ(r1->batch_seq, 1u);
  EXPECT_EQ(r1->op_count, 2u);
  EXPECT_EQ(r1->status, store::BlockStatus::kUnanimous);
  auto r2 = SubmitAndWait(service, {Put("app", "color", "blue")});
  ASSERT_EQ(ErrcOf(r2), Errc::kOk) << MessageOf(r2);
  EXPECT_EQ(r2->height, 2u);
  EXPECT_EQ(r2->batch_seq, 2u);
  auto r3 = SubmitAndWait(service, {Del("app", "color")});
  ASSERT_EQ(ErrcOf(r3), Errc::kOk) << MessageOf(r3);
  EXPECT_EQ(r3->batch_seq, 3u);

  auto log = GetOf(service, "log", "e1");
  ASSERT_EQ(ErrcOf(log), Errc::kOk) << MessageOf(log);
  EXPECT_EQ(log->entry.state.value, ToBytes("created"));
  EXPECT_EQ(log->entry.state.owner, 1u);
  EXPECT_EQ(log->entry.height, 1u);
  EXPECT_EQ(log->entry.block_id, r1->block_id);
  EXPECT_EQ(log->status, store::BlockStatus::kUnanimous);
  auto color = GetOf(service, "app", "color");
  ASSERT_EQ(ErrcOf(color), Errc::kOk);
  EXPECT_TRUE(color->entry.state.deleted);
  EXPECT_EQ(color->entry.state.version, 3u);

  auto history = HistoryOf(service, "app", "color");
  ASSERT_EQ(ErrcOf(history), Errc::kOk) << MessageOf(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].state.value, ToBytes("red"));
  EXPECT_EQ((*history)[1].state.value, ToBytes("blue"));
  EXPECT_TRUE((*history)[2].state.deleted);
  EXPECT_EQ((*history)[1].height, r2->height);
  EXPECT_EQ((*history)[1].seq, 2u);
  auto limited = HistoryOf(service, "app", "color", 1);
  ASSERT_EQ(ErrcOf(limited), Errc::kOk);
  EXPECT_EQ(limited->size(), 1u);

  auto block = BlockOf(service, r2->height);
  ASSERT_EQ(ErrcOf(block), Errc::kOk) << MessageOf(block);
  EXPECT_EQ(block->block.id, r2->block_id);
  EXPECT_EQ(block->block.block.header.height, r2->height);
  ASSERT_TRUE(block->cert.has_value());
  EXPECT_EQ(ErrcOf(chain::VerifyMajorityCert(*block->cert, chain::ChainId(m_genesis), m_genesis.config)), Errc::kOk);
  ASSERT_EQ(block->seals.size(), 1u);
  EXPECT_TRUE(chain::VerifySignedBy(m_key.signing.public_key(), chain::ChainId(m_genesis), block->seals[0]));

  auto status = StatusOf(service);
  ASSERT_EQ(ErrcOf(status), Errc::kOk);
  EXPECT_EQ(status->chain_id, chain::ChainId(m_genesis));
  EXPECT_EQ(status->self, 1u);
  EXPECT_EQ(status->self_name, "alpha");
  EXPECT_EQ(status->head_height, r3->height);
  EXPECT_EQ(status->head_id, r3->block_id);
  EXPECT_EQ(status->unanimous_height, r3->height);
  EXPECT_EQ(status->pending_ops, 0u);
  EXPECT_EQ(status->committed_ops, 4u);
  ASSERT_EQ(status->members.size(), 1u);
  EXPECT_EQ(status->members[0].last_sealed_height, r3->height);
  node->Stop();
}

TEST_F(NodeTest, ReadsAndSubmissionsReportTheSpecificError) {
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("log", "once", "1")})), Errc::kOk);

  EXPECT_EQ(ErrcOf(SubmitAndWait(*node, {Put("nope", "k", "v")})), Errc::kUnknownNamespace);
  EXPECT_EQ(ErrcOf(SubmitAndWait(*node, {Put("log", "once", "2")})), Errc::kForbidden);
  EXPECT_EQ(ErrcOf(SubmitAndWait(*node, {Del("app", "ghost")})), Errc::kInvalid);
  EXPECT_EQ(ErrcOf(SubmitAndWait(*node, {})), Errc::kMalformed);
  EXPECT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "big", std::string(kMaxValueBytes + 1, 'x'))})), Errc::kTooLarge);
  EXPECT_EQ(ErrcOf(GetOf(*node, "app", "never")), Errc::kNotFound);
  EXPECT_EQ(ErrcOf(GetOf(*node, "nope", "k")), Errc::kUnknownNamespace);
  EXPECT_EQ(ErrcOf(HistoryOf(*node, "nope", "k")), Errc::kUnknownNamespace);
  EXPECT_EQ(ErrcOf(HistoryOf(*node, "app", "never")), Errc::kNotFound) << "never written: not an empty history";
  EXPECT_EQ(ErrcOf(BlockOf(*node, 99)), Errc::kNotFound);

  // After the rejections the next submission still takes the next seq.
  auto ok = SubmitAndWait(*node, {Put("app", "k", "v")});
  ASSERT_EQ(ErrcOf(ok), Errc::kOk) << MessageOf(ok);
  EXPECT_EQ(ok->batch_seq, 2u);
}

TEST_F(NodeTest, ConcurrentSubmissionsCommitInOrderInConsecutiveBatches) {
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  std::vector<Reply<SubmitReceipt>> replies(20);
  for (std::size_t i = 0; i < replies.size(); ++i) node->Submit({Put("app", "k" + std::to_string(i), "v")}, replies[i].Sink());
  std::uint64_t last_seq = 1;
  std::uint64_t last_height = 0;
  for (auto& reply : replies) {
    auto r = reply.Wait();
    ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
    EXPECT_EQ(r->op_count, 1u) << "each request is answered for itself";
    EXPECT_TRUE(r->batch_seq == last_seq || r->batch_seq == last_seq + 1) << "seq " << r->batch_seq << " after " << last_seq;
    last_seq = r->batch_seq;
    EXPECT_GE(r->height, last_height) << "committed in submission order";
    last_height = r->height;
  }
}

// Requests that queue up while the node is busy (as under load) share one signed batch; each is
// still atomic and answered on its own, and a bad one among them fails alone.
TEST_F(NodeTest, RequestsQueuedTogetherShareOneBatchAndEachGetsItsOwnAnswer) {
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Reply<StatusView> held;
  node->GetStatus([released, sink = held.Sink()](Result<StatusView> r) {
    released.wait();  // keeps the node thread busy until every request below is queued
    sink(std::move(r));
  });
  std::vector<Reply<SubmitReceipt>> replies(50);
  Reply<SubmitReceipt> bad;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    node->Submit({Put("app", "q" + std::to_string(i), "v"), Put("log", "q" + std::to_string(i), "w")}, replies[i].Sink());
    if (i == 10) node->Submit({Put("app", "fine", "v"), Del("app", "missing")}, bad.Sink());
  }
  release.set_value();
  ASSERT_EQ(ErrcOf(held.Wait()), Errc::kOk);

  auto refused = bad.Wait();
  EXPECT_EQ(ErrcOf(refused), Errc::kInvalid) << MessageOf(refused);
  std::optional<std::uint64_t> height;
  for (auto& reply : replies) {
    auto r = reply.Wait();
    ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
    EXPECT_EQ(r->batch_seq, 1u) << "one batch, one signature";
    EXPECT_EQ(r->op_count, 2u);
    if (!height) height = r->height;
    EXPECT_EQ(r->height, *height);
  }
  EXPECT_EQ(ErrcOf(GetOf(*node, "app", "fine")), Errc::kNotFound) << "the bad request is atomic: nothing of it was written";
  auto alone = SubmitAndWait(*node, {Put("app", "after", "v")});
  ASSERT_EQ(ErrcOf(alone), Errc::kOk) << MessageOf(alone);
  EXPECT_EQ(alone->batch_seq, 2u);
  EXPECT_EQ(alone->op_count, 1u);
}

TEST_F(NodeTest, ReopenSeesTheCommittedChainAndContinuesIt) {
  Hash32 head_id{};
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "k", "v1")})), Errc::kOk);
    auto r = SubmitAndWait(*node, {Put("app", "k", "v2")});
    ASSERT_EQ(ErrcOf(r), Errc::kOk);
    head_id = r->block_id;
    node->Stop();
    node->Stop();  // idempotent
  }
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  auto status = StatusOf(*node);
  ASSERT_EQ(ErrcOf(status), Errc::kOk);
  EXPECT_EQ(status->head_height, 2u);
  EXPECT_EQ(status->head_id, head_id);
  EXPECT_EQ(status->committed_ops, 0u) << "counted since start";
  auto v = GetOf(*node, "app", "k");
  ASSERT_EQ(ErrcOf(v), Errc::kOk);
  EXPECT_EQ(v->entry.state.value, ToBytes("v2"));
  auto r = SubmitAndWait(*node, {Put("app", "k", "v3")});
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  EXPECT_EQ(r->height, 3u);
  EXPECT_EQ(r->batch_seq, 3u);
  auto b3 = BlockOf(*node, 3);
  ASSERT_EQ(ErrcOf(b3), Errc::kOk);
  EXPECT_EQ(b3->block.block.header.parent_id, head_id);
}

// Runs `sql` on the node's database file while no node has it open.
void ExecOnStore(const std::string& path, const std::string& sql) {
  auto db = sqlite::Db::Open(path, sqlite::OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << MessageOf(db);
  ASSERT_EQ(ErrcOf((*db)->Exec(sql)), Errc::kOk);
}

std::uint64_t TreeRowCount(const std::string& path) {
  auto store = store::Store::Open(path, store::OpenMode::kReadOnly);
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return 0;
  std::uint64_t rows = 0;
  for (std::uint8_t depth = 0; depth < 2; ++depth) {  // the root page and the pages below it
    Bytes key{depth};
    if (depth == 1) key.push_back(0);
    for (unsigned nibble = 0; nibble < (depth == 0 ? 1u : 16u); ++nibble) {
      if (depth == 1) key[1] = static_cast<std::uint8_t>(nibble << 4);
      auto row = (*store)->TreeRows().LoadTreeRow(key);
      EXPECT_TRUE(row.ok());
      rows += row.ok() && row->has_value();
    }
  }
  return rows;
}

// Flips one bit of byte `index` of the state tree row `key`, while no node has the file open.
void FlipTreeRowByte(const std::string& path, const Bytes& key, std::size_t index) {
  auto raw = sqlite::Db::Open(path, sqlite::OpenMode::kReadWrite);
  ASSERT_TRUE(raw.ok());
  auto get = sqlite::Stmt::Prepare(**raw, "SELECT v FROM state_tree WHERE k = ?1", false);
  ASSERT_TRUE(get.ok());
  (*get)->BindBlob(1, key);
  ASSERT_TRUE(*(*get)->Step());
  const ByteSpan row = (*get)->ColumnBlob(0);
  Bytes damaged(row.begin(), row.end());
  ASSERT_LT(index, damaged.size());
  damaged[index] ^= 0x01;
  get->reset();
  auto put = sqlite::Stmt::Prepare(**raw, "UPDATE state_tree SET v = ?1 WHERE k = ?2", false);
  ASSERT_TRUE(put.ok());
  (*put)->BindBlob(1, damaged);
  (*put)->BindBlob(2, key);
  ASSERT_EQ(ErrcOf((*put)->Run()), Errc::kOk);
}

// The state tree lives in the store (state::StoredStateTree): a restart reads its root and checks
// it against the head's state_root instead of rebuilding the tree, so a damaged root page stops the
// node at start with a pointer to the audit.
TEST_F(NodeTest, TheStateTreeIsReadFromTheStoreAtRestartNotRebuilt) {
  const std::string db = m_config.data_dir + "/peerdb.sqlite";
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    std::vector<chain::Op> ops;
    for (int i = 0; i < 300; ++i) ops.push_back(Put("app", "k" + std::to_string(i), "v"));
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, ops)), Errc::kOk);
    node->Stop();
  }
  EXPECT_EQ(TreeRowCount(db), 17u);  // 300 keys fill the root page and all 16 pages below it
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    auto r = SubmitAndWait(*node, {Put("app", "k1", "v2")});
    ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
    node->Stop();
  }
  // One slot hash of the root page changed: the state table still holds every key, but the root
  // no longer matches, and nothing rebuilds it silently.
  FlipTreeRowByte(db, Bytes{0x00}, 4);  // the root page's first slot hash
  auto reopened = Node::Open(m_config, m_clock);
  ASSERT_EQ(ErrcOf(reopened), Errc::kCorrupt);
  EXPECT_NE(MessageOf(reopened).find("does not match the state_root of block 2"), std::string::npos) << MessageOf(reopened);
}

// A store written before the tree was kept on disk (schema 5, no tree rows) gets its tree built
// once at the next start, from the state table, and goes on from there.
TEST_F(NodeTest, AStoreWithoutTreeRowsGetsItsTreeBuiltOnceAtStart) {
  const std::string db = m_config.data_dir + "/peerdb.sqlite";
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "a", "1"), Put("app", "b", "2")})), Errc::kOk);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Del("app", "a")})), Errc::kOk);
    node->Stop();
  }
  ExecOnStore(db, "DELETE FROM state_tree");
  ASSERT_EQ(TreeRowCount(db), 0u);
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(TreeRowCount(db), 1u);
  auto r = SubmitAndWait(*node, {Put("app", "a", "3")});
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  EXPECT_EQ(r->height, 3u);
  node->Stop();
  auto report = audit::AuditDatabase(db, chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(report), Errc::kOk);
  EXPECT_TRUE(report->ok) << report->failure;
}

// peerdb audit checks the tree a node keeps on disk against its replay: a leaf row changed (the
// node would execute over it; its root, held in the pages, is unchanged) and a root page changed.
TEST_F(NodeTest, AuditFindsADamagedStateTreeRow) {
  const std::string db = m_config.data_dir + "/peerdb.sqlite";
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "a", "1"), Put("app", "b", "2"), Put("app", "c", "3")})), Errc::kOk);
    node->Stop();
  }
  const auto audit = [&] { return audit::AuditDatabase(db, chain::ChainId(m_genesis)); };
  ASSERT_TRUE(audit()->ok) << audit()->failure;
  const Hash32 path = state::StatePath("app", "b");
  Bytes leaf_key{0xFF};
  leaf_key.insert(leaf_key.end(), path.begin(), path.end());
  const std::size_t version_low_byte = 4 + 3 + 4 + 1 + 32 + 4 + 7;  // PCE(ns, key, commit, owner, version)
  FlipTreeRowByte(db, leaf_key, version_low_byte);
  auto leaf_report = audit();
  ASSERT_EQ(ErrcOf(leaf_report), Errc::kOk);
  EXPECT_FALSE(leaf_report->ok);
  EXPECT_NE(leaf_report->failure.find("the state tree's leaf of app/b differs from the replay"), std::string::npos)
      << leaf_report->failure;
  FlipTreeRowByte(db, leaf_key, version_low_byte);  // back as it was
  ASSERT_TRUE(audit()->ok);
  FlipTreeRowByte(db, Bytes{0x00}, 4);
  auto root_report = audit();
  ASSERT_EQ(ErrcOf(root_report), Errc::kOk);
  EXPECT_FALSE(root_report->ok);
  EXPECT_NE(root_report->failure.find("does not give the replayed state_root"), std::string::npos) << root_report->failure;
}

// The tree's rows go to disk every state_tree_flush_blocks blocks and at a clean stop; what a crash
// loses of them is replayed at the next start from the blocks after the last flush. The crash is
// made here by putting back the tree rows of an earlier stop (block 2) under a later head (block 5):
// what a node killed after block 5 leaves when it last flushed at block 2. The audit passes on that
// store too, and a store claiming its rows stand at a block they do not is refused at start.
TEST_F(NodeTest, TreeRowsLostInACrashAreReplayedFromTheBlocksAtStart) {
  const std::string db = m_config.data_dir + "/peerdb.sqlite";
  const std::string at_block_2 = m_config.data_dir + "/tree-at-2.sqlite";
  m_config.state_tree_flush_blocks = 1000;
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "a", "1"), Put("app", "b", "2")})), Errc::kOk);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "c", "3")})), Errc::kOk);
    node->Stop();  // a clean stop writes the rows: the tree on disk stands at block 2
  }
  ExecOnStore(db, "VACUUM INTO '" + at_block_2 + "'");
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "a", std::to_string(10 + i)), Put("app", "n" + std::to_string(i), "x")})),
                Errc::kOk);
    }
    node->Stop();
  }
  const auto crash_after_5 = [&](const std::string& tree_height) {
    ExecOnStore(db, "ATTACH '" + at_block_2 + "' AS old; DELETE FROM state_tree; "
                    "INSERT INTO state_tree SELECT * FROM old.state_tree; UPDATE meta SET value = " + tree_height +
                    " WHERE key = 'tree_height';");
  };
  crash_after_5("2");
  auto report = audit::AuditDatabase(db, chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(report), Errc::kOk);
  EXPECT_TRUE(report->ok) << report->failure;
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    auto r = SubmitAndWait(*node, {Put("app", "b", "20")});
    ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
    EXPECT_EQ(r->height, 6u);
    node->Stop();
  }
  report = audit::AuditDatabase(db, chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(report), Errc::kOk);
  EXPECT_TRUE(report->ok) << report->failure;
  // Block 2's rows said to stand at block 6: the replay starts too late and the root shows it.
  crash_after_5("6");
  auto refused = Node::Open(m_config, m_clock);
  ASSERT_EQ(ErrcOf(refused), Errc::kCorrupt);
  EXPECT_NE(MessageOf(refused).find("does not match the state_root of block 6"), std::string::npos) << MessageOf(refused);
}

// Runs `sql` on the file while no node has it open.
void RunSql(const std::string& path, const std::string& sql) {
  auto raw = sqlite::Db::Open(path, sqlite::OpenMode::kReadWrite);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(ErrcOf((*raw)->Exec(sql)), Errc::kOk) << sql;
}

// The audit keeps neither the state nor the history it replays in memory: it checks each write
// against its history row block by block, then each state row against the replayed leaf and its
// version's row, and counts both tables. Every row missing, added or changed is still caught,
// and named.
TEST_F(NodeTest, AuditFindsEveryStateOrHistoryRowMissingAddedOrChanged) {
  const std::string db = m_config.data_dir + "/peerdb.sqlite";
  std::uint64_t second = 0;
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "a", "1"), Put("app", "b", "2")})), Errc::kOk);
    auto w = SubmitAndWait(*node, {Put("app", "a", "3")});
    ASSERT_EQ(ErrcOf(w), Errc::kOk);
    second = w->height;
    node->Stop();
  }
  const auto expect_failure = [&](const std::string& damage, const std::string& repair, const std::string& what) {
    RunSql(db, damage);
    auto report = audit::AuditDatabase(db, chain::ChainId(m_genesis));
    ASSERT_EQ(ErrcOf(report), Errc::kOk);
    EXPECT_FALSE(report->ok) << damage;
    EXPECT_NE(report->failure.find(what), std::string::npos) << damage << ": " << report->failure;
    RunSql(db, repair);
    auto repaired = audit::AuditDatabase(db, chain::ChainId(m_genesis));
    ASSERT_TRUE(repaired.ok() && repaired->ok) << repair << ": " << repaired->failure;
  };
  auto clean = audit::AuditDatabase(db, chain::ChainId(m_genesis));
  ASSERT_TRUE(clean.ok() && clean->ok) << clean->failure;
  EXPECT_EQ(clean->ops, 3u);
  expect_failure("CREATE TABLE saved AS SELECT * FROM state WHERE key = 'b'; DELETE FROM state WHERE key = 'b'",
                 "INSERT INTO state SELECT * FROM saved; DROP TABLE saved", "state row app/b written by block");
  expect_failure("CREATE TABLE saved AS SELECT * FROM state WHERE key = 'b'; UPDATE saved SET key = 'z';"
                 "INSERT INTO state SELECT * FROM saved; DROP TABLE saved",
                 "DELETE FROM state WHERE key = 'z'", "state row app/z: names version 1, which no history row holds");
  expect_failure("UPDATE state SET owner = owner + 1 WHERE key = 'a'", "UPDATE state SET owner = owner - 1 WHERE key = 'a'",
                 "state row app/a differs from the replay (owner); last written by block " + std::to_string(second));
  expect_failure("CREATE TABLE saved AS SELECT * FROM history WHERE key = 'a' AND version = 1;"
                 "DELETE FROM history WHERE key = 'a' AND version = 1",
                 "INSERT INTO history SELECT * FROM saved; DROP TABLE saved", "history row app/a v1 from block");
  expect_failure("CREATE TABLE saved AS SELECT * FROM history WHERE key = 'a' AND version = 2; UPDATE saved SET version = 3;"
                 "INSERT INTO history SELECT * FROM saved; DROP TABLE saved",
                 "DELETE FROM history WHERE key = 'a' AND version = 3", "history row app/a v3 has no block behind it");
  expect_failure("UPDATE history SET seq = seq + 1 WHERE key = 'a' AND version = 2",
                 "UPDATE history SET seq = seq - 1 WHERE key = 'a' AND version = 2",
                 "history row app/a v2 differs from block " + std::to_string(second));
}

// X_chain (members named by evidence recorded in blocks) is stored, so that a restart does not read
// every block to re-derive it: the first start stores the set it derived (here empty), and a later
// start takes the stored set as it is. Storing member 1 by hand (no block names it) shows that the
// restart read it rather than the blocks.
TEST_F(NodeTest, ARestartTakesTheChainExclusionsFromTheStoreNotFromEveryBlock) {
  const std::string db = m_config.data_dir + "/peerdb.sqlite";
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "a", "1")})), Errc::kOk);
    auto status = StatusOf(*node);
    ASSERT_EQ(ErrcOf(status), Errc::kOk);
    ASSERT_EQ(status->members.size(), 1u);
    EXPECT_FALSE(status->members[0].excluded);
    node->Stop();
  }
  {
    auto store = store::Store::Open(db);
    ASSERT_EQ(ErrcOf(store), Errc::kOk);
    auto stored = (*store)->LoadChainExcluded();
    ASSERT_EQ(ErrcOf(stored), Errc::kOk);
    ASSERT_TRUE(stored->has_value()) << "the first start stores the set it derived";
    EXPECT_TRUE((*stored)->empty());
    ASSERT_EQ(ErrcOf((*store)->SaveChainExcluded({1})), Errc::kOk);
  }
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  auto status = StatusOf(*node);
  ASSERT_EQ(ErrcOf(status), Errc::kOk);
  ASSERT_EQ(status->members.size(), 1u);
  EXPECT_TRUE(status->members[0].excluded);
  node->Stop();
}

TEST_F(NodeTest, HeartbeatProducesEmptyBlocksWhileIdle) {
  chain::Params params = m_genesis.config.params;
  params.block_period_ms = 2;
  params.heartbeat_ms = 10;
  UseParams(params);
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  std::uint64_t head = 0;
  for (int i = 0; i < 500 && head < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto s = StatusOf(*node);
    ASSERT_TRUE(s.ok());
    head = s->head_height;
  }
  EXPECT_GE(head, 2u);
  auto b = BlockOf(*node, 1);
  ASSERT_EQ(ErrcOf(b), Errc::kOk);
  EXPECT_TRUE(b->block.block.batches.empty());
}

TEST_F(NodeTest, OpenWithAKeyThatIsNotAMemberIsRefused) {
  NodeConfig config = m_config;
  config.key_path = m_dir + "/stranger.key";
  ASSERT_EQ(ErrcOf(SaveMemberKey(GenerateMemberKey(), config.key_path)), Errc::kOk);
  auto node = Node::Open(config, m_clock);
  EXPECT_EQ(ErrcOf(node), Errc::kNotMember);
  EXPECT_NE(MessageOf(node).find(config.key_path), std::string::npos) << MessageOf(node);
  EXPECT_FALSE(std::filesystem::exists(config.data_dir)) << "nothing is created for a stranger";
}

TEST_F(NodeTest, OpenOnADataDirOfAnotherChainIsRefused) {
  {
    auto node = OpenStarted();
    ASSERT_NE(node, nullptr);
    ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "k", "v")})), Errc::kOk);
  }
  const chain::Genesis other = test::OneMemberGenesis(m_key, 5, 60'000, "another chain");
  NodeConfig config = m_config;
  config.consortium_path = m_dir + "/other.toml";
  test::WriteText(config.consortium_path, EncodeConsortiumToml(Consortium{other, chain::ChainId(other), {}}));
  auto node = Node::Open(config, m_clock);
  EXPECT_EQ(ErrcOf(node), Errc::kConfig);
  EXPECT_NE(MessageOf(node).find(Hex(chain::ChainId(other))), std::string::npos) << MessageOf(node);
  EXPECT_NE(MessageOf(node).find(Hex(chain::ChainId(m_genesis))), std::string::npos) << MessageOf(node);
  // The refusal released the locks: the right consortium still opens the data dir.
  auto again = Node::Open(m_config, m_clock);
  EXPECT_EQ(ErrcOf(again), Errc::kOk) << MessageOf(again);
}

TEST_F(NodeTest, SecondOpenOfTheSameDataDirOrKeyConflicts) {
  auto first = Node::Open(m_config, m_clock);
  ASSERT_EQ(ErrcOf(first), Errc::kOk) << MessageOf(first);
  auto second = Node::Open(m_config, m_clock);
  EXPECT_EQ(ErrcOf(second), Errc::kConflict);
  EXPECT_NE(MessageOf(second).find("data_dir"), std::string::npos) << MessageOf(second);

  NodeConfig same_key = m_config;
  same_key.data_dir = m_dir + "/data2";
  auto third = Node::Open(same_key, m_clock);
  EXPECT_EQ(ErrcOf(third), Errc::kConflict) << "one signer per key (S7)";
  EXPECT_NE(MessageOf(third).find("member key"), std::string::npos) << MessageOf(third);

  first->reset();
  EXPECT_EQ(ErrcOf(Node::Open(m_config, m_clock)), Errc::kOk) << "the locks go with the node";
}

TEST_F(NodeTest, StopFailsPendingSubmissionsWithUnavailable) {
  chain::Params params = m_genesis.config.params;
  params.block_period_ms = 60'000;
  params.heartbeat_ms = 60'000;
  UseParams(params);
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  Reply<SubmitReceipt> a, b;
  node->Submit({Put("app", "a", "1")}, a.Sink());
  node->Submit({Put("app", "b", "1")}, b.Sink());
  auto status = StatusOf(*node);  // runs after both submissions on the node thread
  ASSERT_EQ(ErrcOf(status), Errc::kOk);
  EXPECT_EQ(status->pending_ops, 2u);
  EXPECT_EQ(status->head_height, 0u);
  EXPECT_FALSE(a.ready());

  const auto start = std::chrono::steady_clock::now();
  node->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << "Stop does not wait for a tick";
  auto ra = a.Wait(std::chrono::milliseconds(0));
  auto rb = b.Wait(std::chrono::milliseconds(0));
  EXPECT_EQ(ErrcOf(ra), Errc::kUnavailable) << MessageOf(ra);
  EXPECT_EQ(ErrcOf(rb), Errc::kUnavailable) << MessageOf(rb);
  node.reset();

  // Nothing of the failed submissions reached the store.
  auto reopened = OpenStarted();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(ErrcOf(GetOf(*reopened, "app", "a")), Errc::kNotFound);
}

TEST_F(NodeTest, SubmitAndReadsAfterStopFailWithUnavailable) {
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  ASSERT_EQ(ErrcOf(SubmitAndWait(*node, {Put("app", "k", "v")})), Errc::kOk);
  node->Stop();
  const auto quick = std::chrono::milliseconds(2000);
  EXPECT_EQ(ErrcOf(Await<SubmitReceipt>([&](Callback<SubmitReceipt> cb) { node->Submit({Put("app", "x", "1")}, std::move(cb)); },
                                        quick)),
            Errc::kUnavailable);
  EXPECT_EQ(ErrcOf(Await<ValueView>([&](Callback<ValueView> cb) { node->Get("app", "k", store::BlockStatus::kProposed, std::move(cb)); }, quick)),
            Errc::kUnavailable);
  EXPECT_EQ(ErrcOf(Await<StatusView>([&](Callback<StatusView> cb) { node->GetStatus(std::move(cb)); }, quick)),
            Errc::kUnavailable);
  EXPECT_EQ(ErrcOf(Await<BlockView>([&](Callback<BlockView> cb) { node->GetBlock(1, std::move(cb)); }, quick)),
            Errc::kUnavailable);
  EXPECT_EQ(ErrcOf(Await<std::vector<VersionView>>(
                [&](Callback<std::vector<VersionView>> cb) { node->History("app", "k", 10, std::move(cb)); }, quick)),
            Errc::kUnavailable);
}

TEST_F(NodeTest, SubmissionToANodeStoppedBeforeStartFailsWithUnavailable) {
  auto node = Node::Open(m_config, m_clock);
  ASSERT_EQ(ErrcOf(node), Errc::kOk) << MessageOf(node);
  Reply<SubmitReceipt> early;
  (*node)->Submit({Put("app", "k", "v")}, early.Sink());
  (*node)->Stop();
  EXPECT_EQ(ErrcOf(early.Wait(std::chrono::milliseconds(2000))), Errc::kUnavailable);
}

// Every block the node builds must pass its own size rule (C7), also when max_block_bytes is
// small: batches are spread over blocks, and a batch that fits no block is refused up front.
TEST_F(NodeTest, BlocksStayWithinASmallMaxBlockBytes) {
  chain::Params params = m_genesis.config.params;
  params.max_batch_bytes = 2048;
  params.max_block_bytes = 2048;
  UseParams(params);
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  std::vector<Reply<SubmitReceipt>> replies(4);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    node->Submit({Put("app", "k" + std::to_string(i), std::string(800, 'v'))}, replies[i].Sink());
  }
  for (auto& reply : replies) EXPECT_EQ(ErrcOf(reply.Wait()), Errc::kOk);
  auto big = SubmitAndWait(*node, {Put("app", "big", std::string(1900, 'v'))});
  EXPECT_EQ(ErrcOf(big), Errc::kTooLarge) << "fits max_batch_bytes but no block: " << MessageOf(big);
  auto after = SubmitAndWait(*node, {Put("app", "after", "v")});
  ASSERT_EQ(ErrcOf(after), Errc::kOk) << MessageOf(after);
  node.reset();

  const std::string db = m_config.data_dir + "/peerdb.sqlite";
  {
    auto store = store::Store::Open(db, store::OpenMode::kReadOnly);
    ASSERT_TRUE(store.ok());
    for (std::uint64_t h = 1; h <= after->height; ++h) {
      auto bytes = (*store)->LoadBlockBytes(h);
      ASSERT_TRUE(bytes.ok() && bytes->has_value());
      EXPECT_LE((*bytes)->size(), params.max_block_bytes) << "block " << h;
    }
  }
  auto report = audit::AuditDatabase(db, chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(report), Errc::kOk);
  EXPECT_TRUE(report->ok) << report->failure;
}

// A batch larger than max_block_bytes minus a fixed 64 KiB allowance used to stay pending for
// ever, and every later submission behind it.
TEST_F(NodeTest, BatchNearMaxBlockBytesIsCommittedNotLeftPending) {
  chain::Params params = m_genesis.config.params;
  params.max_batch_bytes = 100 * 1024;
  params.max_block_bytes = 100 * 1024;
  UseParams(params);
  auto node = OpenStarted();
  ASSERT_NE(node, nullptr);
  auto r = SubmitAndWait(*node, {Put("app", "big", std::string(60'000, 'v'))}, std::chrono::milliseconds(5000));
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  auto next = SubmitAndWait(*node, {Put("app", "next", "v")}, std::chrono::milliseconds(5000));
  ASSERT_EQ(ErrcOf(next), Errc::kOk) << MessageOf(next);
  EXPECT_EQ(next->batch_seq, 2u);
}

}  // namespace
}  // namespace peerdb::node
