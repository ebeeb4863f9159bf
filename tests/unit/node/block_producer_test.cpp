// Mempool and ProduceSoloBlock (the N = 1 flow, also used to build test chains) over a real store: seq numbering, block shape, certificates, seals
// and state roots of a chain built block by block, and rejected submissions that leave no trace.
#include <gtest/gtest.h>

#include <random>

#include "node_fixture.h"
#include "peerdb/chain/block.h"
#include "peerdb/chain/messages.h"
#include "peerdb/codec/pce.h"
#include "peerdb/node/block_producer.h"
#include "peerdb/node/mempool.h"
#include "peerdb/node/tree_state_view.h"
#include "peerdb/store/store.h"

namespace peerdb::node {
namespace {

constexpr chain::MemberId kSelf = 1;
constexpr std::uint64_t kGenesisTime = 1'700'000'000'000;

// A one-member chain on a real store, driven the way the node drives it.
class SoloChainTest : public ::testing::Test {
 protected:
  void SetUp() override { Init(chain::Params{}); }

  // (Re)creates the chain with `params` (block period 10 ms) on a fresh store.
  void Init(chain::Params params) {
    m_mempool.reset();
    m_stored.reset();
    m_store.reset();
    m_tree = state::StateTree();
    m_done.clear();
    params.block_period_ms = 10;
    m_genesis = test::OneMemberGenesis(m_key);
    m_genesis.config.params = params;
    m_genesis.genesis_time_ms = kGenesisTime;
    m_chain_id = chain::ChainId(m_genesis);
    auto store = store::Store::Open(test::TempDir() + "/peerdb.sqlite");
    ASSERT_TRUE(store.ok()) << MessageOf(store);
    m_store = std::move(*store);
    ASSERT_EQ(ErrcOf(m_store->InitGenesis(m_genesis)), Errc::kOk);
    m_stored = std::make_unique<state::StoredStateTree>(m_store->TreeRows());
    m_tip = ChainTip{0, m_chain_id, kGenesisTime, std::nullopt, {}};
    m_mempool = std::make_unique<Mempool>(Rules(), m_chain_id, kSelf, m_key.signing, m_store->View());
  }

  const chain::Config& config() const { return m_genesis.config; }
  // The mempool's rules: the genesis config, nothing pending, no exclusions (one member).
  Mempool::RulesFn Rules() {
    m_epoch = chain::GenesisEpochState(m_genesis);
    return [this] { return state::ExecRules{&m_epoch, {}}; };
  }
  chain::EpochState m_epoch;

  // Queues ops as one request and seals it; the callback records the receipt's seq (or 0 on
  // failure) in m_done. The signed batch goes to m_queued, as the node hands it to the machine.
  Status Add(std::vector<chain::Op> ops) {
    auto b = m_mempool->Add(std::move(ops), m_tip.height + 1, [this](Result<SubmitReceipt> r) {
      m_done.push_back(r.ok() ? r->batch_seq : 0);
    });
    if (!b.ok()) return b.error();
    if (*b) m_queued.push_back(**b);
    // One request per batch here, as when requests arrive one at a time.
    if (auto sealed = m_mempool->Seal(m_tip.height + 1)) m_queued.push_back(*sealed);
    return Status::Ok();
  }

  // Puts everything queued into the next block, commits it and acknowledges the batches.
  ProducedBlock Step(std::uint64_t now_ms = kGenesisTime) {
    std::vector<chain::TxBatch> batches;
    batches.swap(m_queued);
    auto produced = ProduceSoloBlock(config(), m_chain_id, m_tip, std::move(batches), m_store->View(), m_tree,
                                     m_key.signing, kSelf, now_ms);
    EXPECT_TRUE(produced.ok()) << MessageOf(produced);
    if (!produced.ok()) return {};
    store::BlockCommit commit;
    commit.block = produced->block;
    commit.id = produced->id;
    commit.cert = produced->cert;
    commit.seals = {produced->seal};
    commit.writes = produced->exec.writes;
    // The tree on disk goes along, as the node keeps it: same root, rows in the block's transaction.
    for (const state::Write& w : commit.writes) EXPECT_TRUE(m_stored->Put(LeafOf(w)).ok());
    EXPECT_EQ(*m_stored->Root(), produced->block.header.state_root);
    commit.tree_rows = *m_stored->ChangedRows();
    Status s = m_store->CommitBlock(commit);
    EXPECT_TRUE(s.ok()) << MessageOf(s);
    m_stored->MarkCommitted();
    const chain::Header& h = produced->block.header;
    m_tip = ChainTip{h.height, produced->id, h.timestamp_ms, produced->cert, {produced->seal}};
    EXPECT_EQ(m_mempool->OnCommitted(produced->block, produced->id, store::BlockStatus::kUnanimous),
              OpsIn(produced->block));
    return std::move(*produced);
  }

  // The state root of a tree rebuilt from the store's current rows.
  Hash32 RootFromStore() const {
    state::StateTree tree;
    Status s = m_store->ForEachCurrent([&tree](const store::CurrentEntry& e) {
      tree.Put(LeafOf(state::Write{e.ns, e.key, e.state, 0, 0, 0}));
      return true;
    });
    EXPECT_TRUE(s.ok());
    return tree.Root();
  }

  std::vector<std::uint64_t> QueuedSeqs() const {
    std::vector<std::uint64_t> seqs;
    for (const chain::TxBatch& b : m_queued) seqs.push_back(b.seq);
    return seqs;
  }

  static std::size_t OpsIn(const chain::Block& b) {
    std::size_t n = 0;
    for (const chain::TxBatch& batch : b.batches) n += batch.ops.size();
    return n;
  }

  MemberKey m_key = GenerateMemberKey();
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  std::unique_ptr<store::Store> m_store;
  state::StateTree m_tree;
  std::unique_ptr<state::StoredStateTree> m_stored;  // the node's tree, over m_store's rows
  ChainTip m_tip;
  std::unique_ptr<Mempool> m_mempool;
  std::vector<std::uint64_t> m_done;
  std::vector<chain::TxBatch> m_queued;
};

TEST_F(SoloChainTest, BlocksLinkCertifySealAndCommitToTheirStateRoot) {
  const chain::Member& me = config().members[0];
  std::vector<Hash32> ids = {m_chain_id};
  std::uint64_t prev_ts = kGenesisTime;
  std::vector<chain::Seal> seals;
  for (std::uint64_t h = 1; h <= 4; ++h) {
    if (h != 3) {  // block 3 is a heartbeat block without batches
      ASSERT_EQ(ErrcOf(Add({test::Put("app", "k" + std::to_string(h), "v" + std::to_string(h))})), Errc::kOk);
      ASSERT_EQ(ErrcOf(Add({test::Put("log", "entry" + std::to_string(h), "e")})), Errc::kOk);
    }
    ProducedBlock pb = Step();
    const chain::Block& b = pb.block;
    ASSERT_EQ(b.header.height, h);
    EXPECT_EQ(b.header.parent_id, ids.back());
    EXPECT_EQ(b.header.author, kSelf);
    EXPECT_EQ(b.header.config_hash, chain::ConfigHash(config()));
    EXPECT_EQ(b.header.timestamp_ms, prev_ts + config().params.block_period_ms) << "C4 holds with a stale clock";
    EXPECT_EQ(pb.id, chain::BlockId(b.header));
    EXPECT_EQ(ErrcOf(chain::CheckBlockShape(b, config().params)), Errc::kOk);
    EXPECT_EQ(b.batches.size(), h == 3 ? 0u : 2u);

    if (h == 1) {
      EXPECT_FALSE(b.parent_cert.has_value());
      EXPECT_TRUE(b.records.empty());
    } else {
      ASSERT_TRUE(b.parent_cert.has_value());
      EXPECT_EQ(b.parent_cert->block_id, ids.back());
      EXPECT_EQ(ErrcOf(chain::VerifyMajorityCert(*b.parent_cert, m_chain_id, config())), Errc::kOk);
      // The parent's seal is copied into the chain and verifies there.
      ASSERT_EQ(b.records.size(), 1u);
      const auto* seal = std::get_if<chain::Seal>(&b.records[0].body);
      ASSERT_NE(seal, nullptr);
      EXPECT_EQ(*seal, seals.back());
      EXPECT_EQ(seal->h, h - 1);
      EXPECT_TRUE(chain::VerifySignedBy(me.pubkey, m_chain_id, *seal));
    }
    EXPECT_EQ(pb.cert.h, h);
    EXPECT_EQ(pb.cert.block_id, pb.id);
    EXPECT_EQ(ErrcOf(chain::VerifyMajorityCert(pb.cert, m_chain_id, config())), Errc::kOk);
    EXPECT_EQ(pb.seal.h, h);
    EXPECT_EQ(pb.seal.block_id, pb.id);
    EXPECT_TRUE(chain::VerifySignedBy(me.pubkey, m_chain_id, pb.seal));

    EXPECT_EQ(b.header.state_root, m_tree.Root());
    EXPECT_EQ(b.header.state_root, RootFromStore()) << "height " << h;
    auto stored = m_store->LoadBlock(h);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->block, b);
    ids.push_back(pb.id);
    prev_ts = b.header.timestamp_ms;
    seals.push_back(pb.seal);
  }
  EXPECT_EQ(m_done, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6})) << "one batch per Add, seqs consecutive";
  EXPECT_EQ(*m_store->LastSeq(kSelf), 6u);
}

TEST_F(SoloChainTest, CertificatesAndSealsFailOnTheWrongChainOrWhenAltered) {
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "k", "v")})), Errc::kOk);
  ProducedBlock pb = Step();
  const chain::Member& me = config().members[0];
  const Hash32 other_chain = chain::ChainId(test::OneMemberGenesis(m_key, 10, 60'000, "another chain"));
  EXPECT_EQ(ErrcOf(chain::VerifyMajorityCert(pb.cert, other_chain, config())), Errc::kBadSignature);
  EXPECT_FALSE(chain::VerifySignedBy(me.pubkey, other_chain, pb.seal));
  chain::MajorityCert moved = pb.cert;
  moved.h += 1;
  EXPECT_EQ(ErrcOf(chain::VerifyMajorityCert(moved, m_chain_id, config())), Errc::kBadSignature);
  chain::Seal forged = pb.seal;
  forged.block_id[0] ^= 1;
  EXPECT_FALSE(chain::VerifySignedBy(me.pubkey, m_chain_id, forged));
  chain::Block edited = pb.block;
  edited.header.batches_root[5] ^= 1;
  EXPECT_EQ(ErrcOf(chain::CheckBlockShape(edited, config().params)), Errc::kInvalid);
}

TEST_F(SoloChainTest, TimestampFollowsTheClockWhenItIsAhead) {
  ProducedBlock pb = Step(kGenesisTime + 5000);
  EXPECT_EQ(pb.block.header.timestamp_ms, kGenesisTime + 5000);
  pb = Step(kGenesisTime + 5001);
  EXPECT_EQ(pb.block.header.timestamp_ms, kGenesisTime + 5000 + config().params.block_period_ms);
}

TEST_F(SoloChainTest, RejectedSubmissionsQueueNothingAndKeepSeqsConsecutive) {
  ASSERT_EQ(ErrcOf(Add({test::Put("log", "first", "1")})), Errc::kOk);
  const std::size_t ops = m_mempool->size_ops();

  struct Case {
    const char* name;
    std::vector<chain::Op> ops;
    Errc want;
  };
  std::vector<Case> cases;
  cases.push_back({"unknown namespace", {test::Put("nope", "k", "v")}, Errc::kUnknownNamespace});
  cases.push_back({"append-only overwrite of a pending key", {test::Put("log", "first", "2")}, Errc::kForbidden});
  cases.push_back({"delete in append-only", {test::Del("log", "first")}, Errc::kForbidden});
  cases.push_back({"delete of a missing key", {test::Del("app", "ghost")}, Errc::kInvalid});
  cases.push_back({"no operations", {}, Errc::kMalformed});
  cases.push_back({"bad key", {test::Put("app", "has space", "v")}, Errc::kMalformed});
  cases.push_back({"good op then bad op", {test::Put("app", "fine", "v"), test::Put("nope", "k", "v")}, Errc::kUnknownNamespace});
  cases.push_back({"oversize value", {test::Put("app", "big", std::string(kMaxValueBytes + 1, 'x'))}, Errc::kTooLarge});
  std::vector<chain::Op> many(kMaxOpsPerSubmit + 1, test::Put("app", "k", "v"));
  cases.push_back({"too many ops", many, Errc::kTooLarge});
  std::vector<chain::Op> heavy;
  for (int i = 0; i < 5; ++i) heavy.push_back(test::Put("app", "h" + std::to_string(i), std::string(kMaxValueBytes, 'x')));
  cases.push_back({"batch above max_batch_bytes", heavy, Errc::kTooLarge});

  for (Case& c : cases) {
    EXPECT_EQ(ErrcOf(Add(std::move(c.ops))), c.want) << c.name;
    EXPECT_EQ(m_mempool->size_ops(), ops) << c.name;
  }
  EXPECT_EQ(QueuedSeqs(), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(m_done.empty()) << "rejected submissions never call back";

  // "fine" from the rejected batch was never applied, so it can still be written; the later
  // submissions take seqs 2 and 3.
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "fine", "v")})), Errc::kOk);
  ASSERT_EQ(ErrcOf(Add({test::Del("app", "fine")})), Errc::kOk) << "a pending put can be deleted";
  EXPECT_EQ(QueuedSeqs(), (std::vector<std::uint64_t>{1, 2, 3}));
  ProducedBlock pb = Step();
  EXPECT_EQ(pb.block.batches.size(), 3u);
  EXPECT_EQ(m_done, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(m_mempool->empty());

  // Rules are checked against the committed state too.
  EXPECT_EQ(ErrcOf(Add({test::Put("log", "first", "again")})), Errc::kForbidden);
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "fine", "back")})), Errc::kOk);
  EXPECT_EQ(QueuedSeqs(), (std::vector<std::uint64_t>{4}));
}

// A batch whose ops fit max_batch_bytes by their shape but whose encoding is just over it is
// refused after it was applied to the overlay; the overlay must then hold the pending batches only.
TEST_F(SoloChainTest, EncodedSizeRejectionRestoresTheOverlay) {
  ASSERT_EQ(ErrcOf(Add({test::Put("log", "pending", "1")})), Errc::kOk);
  const std::size_t max = config().params.max_batch_bytes;
  std::vector<chain::Op> ops;
  for (int i = 0; i < 5; ++i) ops.push_back(test::Put("app", "p" + std::to_string(i), std::string(200'000, 'x')));
  chain::TxBatch probe;
  probe.author = kSelf;
  probe.seq = 2;
  probe.ops = ops;
  const std::size_t encoded = codec::Encode(probe).size();
  ops.back().value.resize(ops.back().value.size() + (max + 1 - encoded));
  probe.ops = ops;
  ASSERT_EQ(codec::Encode(probe).size(), max + 1);
  ASSERT_EQ(ErrcOf(chain::CheckBatchShape(probe, config().params)), Errc::kOk) << "passes the shape limit";

  Status s = Add(ops);
  EXPECT_EQ(ErrcOf(s), Errc::kTooLarge);
  EXPECT_NE(MessageOf(s).find("max_batch_bytes"), std::string::npos) << MessageOf(s);
  EXPECT_EQ(QueuedSeqs(), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(ErrcOf(Add({test::Put("log", "pending", "2")})), Errc::kForbidden) << "pending batch still counts";
  EXPECT_EQ(ErrcOf(Add({test::Del("app", "p0")})), Errc::kInvalid) << "rejected batch left no key behind";
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "p0", "small")})), Errc::kOk);
  EXPECT_EQ(QueuedSeqs(), (std::vector<std::uint64_t>{1, 2}));
}

// SoloBlockBatchBytes is exact: a batch of that size fills a block with a parent certificate and
// seal to max_block_bytes, and the mempool refuses one byte more even when max_batch_bytes allows it.
TEST_F(SoloChainTest, BatchBudgetFillsABlockExactlyToMaxBlockBytes) {
  chain::Params params;
  params.max_batch_bytes = 4096;
  params.max_block_bytes = 4096;
  Init(params);
  const std::size_t budget = SoloBlockBatchBytes(config().params);
  ASSERT_LT(budget, params.max_batch_bytes);
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "first", "v")})), Errc::kOk);
  Step();  // from block 2 on, a block carries the parent certificate and seal

  // A one-op batch encodes to a fixed size plus its value: size the value to hit `budget`.
  auto batch_bytes = [this](std::size_t value_size) {
    chain::TxBatch b;
    b.author = kSelf;
    b.seq = 2;
    b.ops = {test::Put("app", "fill", std::string(value_size, 'x'))};
    return codec::Encode(b).size();
  };
  const std::size_t value_size = budget - batch_bytes(0);
  ASSERT_EQ(batch_bytes(value_size), budget);
  Status over = Add({test::Put("app", "fill", std::string(value_size + 1, 'x'))});
  EXPECT_EQ(ErrcOf(over), Errc::kTooLarge);
  EXPECT_NE(MessageOf(over).find("max_block_bytes"), std::string::npos) << MessageOf(over);
  EXPECT_TRUE(m_mempool->empty());

  ASSERT_EQ(ErrcOf(Add({test::Put("app", "fill", std::string(value_size, 'x'))})), Errc::kOk);
  ProducedBlock pb = Step();
  ASSERT_EQ(pb.block.batches.size(), 1u);
  EXPECT_EQ(codec::Encode(pb.block).size(), params.max_block_bytes);
  EXPECT_EQ(ErrcOf(chain::CheckBlockShape(pb.block, config().params)), Errc::kOk);
}

TEST_F(SoloChainTest, FailAllCallsEveryCallbackAndRestartsSeqsFromTheCommittedState) {
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "a", "1")})), Errc::kOk);
  Step();
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "b", "1")})), Errc::kOk);
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "c", "1")})), Errc::kOk);
  m_mempool->FailAll(Error{Errc::kUnavailable, "stopping"});
  m_queued.clear();
  EXPECT_EQ(m_done, (std::vector<std::uint64_t>{1, 0, 0}));
  EXPECT_TRUE(m_mempool->empty());
  EXPECT_EQ(m_mempool->size_ops(), 0u);
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "b", "2")})), Errc::kOk) << "the failed put of b is forgotten";
  EXPECT_EQ(QueuedSeqs(), (std::vector<std::uint64_t>{2}));
}

// After a restart the node takes back its own batches of a block it signed before the crash: a new
// submission gets the next seq instead of colliding with them, and when that block commits the
// restored batches are acknowledged with nobody to tell (their clients saw the connection drop).
TEST_F(SoloChainTest, RestoredOwnBatchesKeepTheirSeqsAcrossARestart) {
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "a", "1")})), Errc::kOk);
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "b", "1")})), Errc::kOk);
  const std::vector<chain::TxBatch> signed_before = m_queued;
  m_mempool = std::make_unique<Mempool>(Rules(), m_chain_id, kSelf, m_key.signing, m_store->View());  // restart
  m_done.clear();

  chain::TxBatch foreign = signed_before[0];
  foreign.author = kSelf + 1;
  EXPECT_FALSE(m_mempool->Restore(foreign, 1)) << "another member's batch";
  EXPECT_FALSE(m_mempool->Restore(signed_before[1], 1)) << "seq 2 before seq 1 leaves a gap";
  EXPECT_TRUE(m_mempool->Restore(signed_before[0], 1));
  EXPECT_FALSE(m_mempool->Restore(signed_before[0], 1)) << "already pending";
  EXPECT_TRUE(m_mempool->Restore(signed_before[1], 1));
  EXPECT_EQ(m_mempool->size_ops(), 2u);
  EXPECT_EQ(ErrcOf(Add({test::Del("app", "a")})), Errc::kOk) << "checked over the restored writes";
  EXPECT_EQ(QueuedSeqs(), (std::vector<std::uint64_t>{1, 2, 3})) << "the new batch follows the restored ones";

  ProducedBlock pb = Step();
  EXPECT_EQ(pb.block.batches.size(), 3u);
  EXPECT_EQ(m_done, (std::vector<std::uint64_t>{3})) << "only the new submission has a caller";
  EXPECT_TRUE(m_mempool->empty());
}

// The consensus machine gives up on a batch (expired, no longer executes): its client hears
// kConflict and its writes leave the overlay; its seq is reused so that the later batch still
// pending (seq 2, whose client has heard nothing) can follow the replacement and commit.
// (A batch of several requests retries those that still execute: MempoolTest.ADroppedBatch...)
TEST_F(SoloChainTest, DroppedBatchFailsItsClientAndLeavesTheOverlay) {
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "dropped", "1")})), Errc::kOk);
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "kept", "1")})), Errc::kOk);
  const chain::TxBatch dropped = m_queued[0];
  m_queued.erase(m_queued.begin());
  EXPECT_TRUE(m_mempool->OnDropped(dropped, "expired").empty());
  EXPECT_EQ(m_done, (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(m_mempool->size_ops(), 1u);
  EXPECT_EQ(ErrcOf(Add({test::Del("app", "dropped")})), Errc::kInvalid) << "the dropped put is gone";
  EXPECT_TRUE(m_mempool->OnDropped(dropped, "again").empty());
  EXPECT_EQ(m_done.size(), 1u) << "a second drop of the same batch is ignored";
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "other", "1")})), Errc::kOk);
  EXPECT_EQ(QueuedSeqs(), (std::vector<std::uint64_t>{2, 1}));
  std::swap(m_queued[0], m_queued[1]);  // proposers order an author's batches by seq
  ProducedBlock pb = Step();
  EXPECT_EQ(pb.block.batches.size(), 2u);
  EXPECT_EQ(m_done, (std::vector<std::uint64_t>{0, 1, 2})) << "both pending clients get their receipts";
}

TEST_F(SoloChainTest, ProduceFailureLeavesTheTreeUnchanged) {
  ASSERT_EQ(ErrcOf(Add({test::Put("app", "a", "1")})), Errc::kOk);
  Step();
  const Hash32 root = m_tree.Root();
  chain::TxBatch gap;
  gap.author = kSelf;
  gap.seq = 5;  // the next seq is 2
  gap.valid_until_height = 10;
  gap.ops = {test::Put("app", "z", "1")};
  chain::SignWith(m_key.signing, m_chain_id, gap);
  auto r = ProduceSoloBlock(config(), m_chain_id, m_tip, {gap}, m_store->View(), m_tree, m_key.signing, kSelf,
                            kGenesisTime);
  EXPECT_EQ(ErrcOf(r), Errc::kInvalid) << MessageOf(r);
  EXPECT_EQ(m_tree.Root(), root);
  gap.seq = 2;
  r = ProduceSoloBlock(config(), m_chain_id, m_tip, {gap}, m_store->View(), m_tree, m_key.signing, kSelf, kGenesisTime);
  EXPECT_EQ(ErrcOf(r), Errc::kBadSignature) << "seq is signed: " << MessageOf(r);
  EXPECT_EQ(m_tree.Root(), root);
}

// Blocks execute over the state tree (TreeStateView) instead of the store's rows: after every block
// of random puts, overwrites, deletes and re-puts, both answer every key alike (the old value
// aside, which execution never reads), and executing the next batches over either gives the same
// writes and the same refusals.
TEST_F(SoloChainTest, TreeViewAnswersExecutionExactlyLikeTheStore) {
  std::mt19937 rng(20261124);
  auto key = [](unsigned i) { return "k" + std::to_string(i); };
  for (int block = 0; block < 40; ++block) {
    for (int n = std::uniform_int_distribution<int>(1, 3)(rng); n > 0; --n) {
      std::vector<chain::Op> ops;
      for (int j = std::uniform_int_distribution<int>(1, 4)(rng); j > 0; --j) {
        const std::string k = key(std::uniform_int_distribution<unsigned>(0, 11)(rng));
        ops.push_back(rng() % 3 == 0 ? test::Del("app", k) : test::Put("app", k, std::to_string(rng())));
      }
      (void)Add(std::move(ops));  // refused submissions (a delete of nothing) queue nothing
    }
    const TreeStateView tree_view(*m_stored, m_store->View());
    for (unsigned i = 0; i <= 12; ++i) {  // key 12 is never written
      auto from_store = m_store->View().GetKey("app", key(i));
      auto from_tree = tree_view.GetKey("app", key(i));
      ASSERT_TRUE(from_store.ok() && from_tree.ok());
      ASSERT_EQ(from_store->has_value(), from_tree->has_value()) << key(i) << " at block " << block;
      if (!from_store->has_value()) continue;
      EXPECT_EQ((*from_store)->deleted, (*from_tree)->deleted) << key(i);
      EXPECT_EQ((*from_store)->owner, (*from_tree)->owner) << key(i);
      EXPECT_EQ((*from_store)->version, (*from_tree)->version) << key(i);
    }
    // The batches about to be committed, and each of them alone (a later one alone can be refused).
    std::vector<std::vector<chain::TxBatch>> runs = {m_queued};
    for (const chain::TxBatch& b : m_queued) runs.push_back({b});
    for (const auto& batches : runs) {
      auto over_store = state::ExecuteBatches(config(), m_chain_id, m_store->View(), batches, m_tip.height + 1);
      auto over_tree = state::ExecuteBatches(config(), m_chain_id, tree_view, batches, m_tip.height + 1);
      ASSERT_EQ(over_store.ok(), over_tree.ok()) << MessageOf(over_store) << " / " << MessageOf(over_tree);
      if (!over_store.ok()) {
        EXPECT_EQ(over_store.error().message, over_tree.error().message);
        continue;
      }
      ASSERT_EQ(over_store->writes.size(), over_tree->writes.size());
      for (std::size_t w = 0; w < over_store->writes.size(); ++w) {
        EXPECT_EQ(over_store->writes[w].key, over_tree->writes[w].key);
        EXPECT_EQ(over_store->writes[w].state, over_tree->writes[w].state) << over_store->writes[w].key;
      }
    }
    Step();
  }
  EXPECT_GT(m_tip.height, 30u);
}

}  // namespace
}  // namespace peerdb::node
