// Store behaviour on real SQLite files: genesis, block commits and everything committed with them,
// the head-extension rule, atomicity of a failed commit, reopen, read-only access, seals, status,
// state and history reads, evidence and anchors.
#include "peerdb/store/store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "peerdb/codec/pce.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

using test::CheckHoldsExactly;
using test::CommitRange;
using test::TempDir;
using test::TestChain;

std::unique_ptr<Store> OpenOrDie(const std::string& path, OpenMode mode = OpenMode::kReadWrite) {
  auto s = Store::Open(path, mode);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// A store at `dir`/node.db with the test chain's genesis.
std::unique_ptr<Store> NewStore(const std::string& dir, const TestChain& chain) {
  auto store = OpenOrDie(dir + "/node.db");
  if (store) {
    Status s = store->InitGenesis(chain.genesis());
    EXPECT_TRUE(s.ok()) << s.error().ToString();
  }
  return store;
}

TEST(StoreGenesis, IsStoredOnceAndReloaded) {
  auto store = OpenOrDie(TempDir() + "/node.db");
  ASSERT_TRUE(store);
  auto none = store->LoadGenesis();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(*store->HeadHeight(), 0u);

  const chain::Genesis g = test::TestGenesis();
  ASSERT_TRUE(store->InitGenesis(g).ok());
  EXPECT_TRUE(store->InitGenesis(g).ok()) << "the same genesis again is accepted";
  auto loaded = store->LoadGenesis();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ(**loaded, g);
  EXPECT_EQ(*store->HeadHeight(), 0u);
}

TEST(StoreGenesis, DifferentGenesisIsConflict) {
  auto store = OpenOrDie(TempDir() + "/node.db");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->InitGenesis(test::TestGenesis("one")).ok());
  Status s = store->InitGenesis(test::TestGenesis("two"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kConflict);
  EXPECT_EQ((*store->LoadGenesis())->description, "one");
}

TEST(StoreCommit, BlockWithoutGenesisIsInvalid) {
  TestChain chain;
  auto store = OpenOrDie(TempDir() + "/node.db");
  ASSERT_TRUE(store);
  Status s = store->CommitBlock(chain.Make(1));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kInvalid);
}

TEST(StoreCommit, CommittedBlocksReloadWithCertsSealsStateHistoryAndSeq) {
  TestChain chain(6);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 4);
  EXPECT_EQ(CheckHoldsExactly(*store, chain, 4), "");

  const BlockCommit c3 = chain.Make(3);
  auto by_id = store->LoadBlockById(c3.id);
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  EXPECT_EQ((*by_id)->height, 3u);
  EXPECT_EQ((*by_id)->status, BlockStatus::kUnanimous);
  EXPECT_EQ((*by_id)->block, c3.block);
  auto bytes = store->LoadBlockBytes(3);
  ASSERT_TRUE(bytes.ok() && bytes->has_value());
  EXPECT_EQ(**bytes, codec::Encode(c3.block));
  EXPECT_FALSE(store->LoadBlockBytes(9)->has_value());
  EXPECT_FALSE(store->LoadBlockById(Hash32{})->has_value());

  auto cur = store->LoadCurrent("app", "k1");
  ASSERT_TRUE(cur.ok() && cur->has_value());
  EXPECT_EQ((*cur)->state.version, 4u);
  EXPECT_EQ((*cur)->state.value, TestChain::ValueOf(4, 1));
  EXPECT_EQ((*cur)->height, 4u);
  EXPECT_EQ((*cur)->block_id, chain.IdOf(4));
  EXPECT_FALSE(store->LoadCurrent("app", "absent")->has_value());
  EXPECT_EQ(*store->LastSeq(1), 4u);
  EXPECT_EQ(*store->LastSeq(2), 0u);
}

TEST(StoreCommit, TombstonesAndEmptyValuesKeepTheirFlags) {
  TestChain chain(6);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 2);
  auto tomb = store->LoadCurrent("app", "k0");  // deleted in even blocks
  ASSERT_TRUE(tomb.ok() && tomb->has_value());
  EXPECT_TRUE((*tomb)->state.deleted);
  EXPECT_TRUE((*tomb)->state.value.empty());
  EXPECT_EQ((*tomb)->state.version, 2u);

  BlockCommit c = chain.Make(3);
  c.writes[1].state.value.clear();  // an empty but live value is not a tombstone
  ASSERT_TRUE(store->CommitBlock(c).ok());
  auto empty = store->LoadCurrent("app", "k1");
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_FALSE((*empty)->state.deleted);
  EXPECT_TRUE((*empty)->state.value.empty());
}

TEST(StoreCommit, HeightGapIsInvalidAndWritesNothing) {
  TestChain chain(5);
  const std::string dir = TempDir();
  auto store = NewStore(dir, chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 1);
  for (std::uint64_t h : {3u, 1u}) {  // a gap, and a height already stored
    Status s = store->CommitBlock(chain.Make(h));
    ASSERT_FALSE(s.ok()) << h;
    EXPECT_EQ(s.error().code, Errc::kInvalid) << s.error().ToString();
  }
  EXPECT_EQ(CheckHoldsExactly(*store, chain, 1), "");
  EXPECT_EQ(test::RunSqliteCli(dir + "/node.db", "SELECT count(*) FROM blocks; SELECT count(*) FROM history;"),
            "1\n6\n");
}

TEST(StoreCommit, InconsistentCommitIsInvalid) {
  TestChain chain(3);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 1);

  BlockCommit wrong_id = chain.Make(2);
  wrong_id.id[0] ^= 1;
  BlockCommit wrong_parent = chain.Make(2);
  wrong_parent.block.header.parent_id[0] ^= 1;
  wrong_parent.id = chain::BlockId(wrong_parent.block.header);
  BlockCommit other_chain = chain.Make(2);
  other_chain.block.header.chain_id[0] ^= 1;
  other_chain.id = chain::BlockId(other_chain.block.header);
  BlockCommit foreign_cert = chain.Make(2);
  foreign_cert.cert->block_id = chain.IdOf(1);
  BlockCommit foreign_seal = chain.Make(2);
  foreign_seal.seals[1].h = 1;
  BlockCommit twice_sealed = chain.Make(2);
  twice_sealed.seals[1].signer = twice_sealed.seals[0].signer;
  BlockCommit bad_status = chain.Make(2);
  bad_status.status = static_cast<BlockStatus>(9);
  BlockCommit empty_key = chain.Make(2);
  empty_key.writes[0].key.clear();

  for (const BlockCommit* c : {&wrong_id, &wrong_parent, &other_chain, &foreign_cert, &foreign_seal, &twice_sealed,
                               &bad_status, &empty_key}) {
    Status s = store->CommitBlock(*c);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::kInvalid) << s.error().ToString();
  }
  EXPECT_EQ(CheckHoldsExactly(*store, chain, 1), "");
}

TEST(StoreCommit, FailureInsideTransactionRollsBackEverything) {
  TestChain chain(5);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 2);

  // The last write repeats the version of an earlier one: history rejects it after the block,
  // cert, seals, batch and most writes were already inserted in the transaction.
  BlockCommit dup = chain.Make(3);
  dup.writes.push_back(dup.writes[0]);
  Status s = store->CommitBlock(dup);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kConflict) << s.error().ToString();
  EXPECT_NE(s.error().message.find("block 3"), std::string::npos) << s.error().message;
  EXPECT_EQ(CheckHoldsExactly(*store, chain, 2), "");

  // A batch seq that was already used by an earlier block.
  BlockCommit replay = chain.Make(3);
  replay.block.batches[0].seq = 2;
  s = store->CommitBlock(replay);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kConflict) << s.error().ToString();
  EXPECT_EQ(CheckHoldsExactly(*store, chain, 2), "");

  // The store is still usable afterwards.
  CommitRange(*store, chain, 3, 3);
  EXPECT_EQ(CheckHoldsExactly(*store, chain, 3), "");
}

TEST(StoreCommit, DataSurvivesReopen) {
  TestChain chain(4);
  const std::string dir = TempDir();
  {
    auto store = NewStore(dir, chain);
    ASSERT_TRUE(store);
    CommitRange(*store, chain, 1, 3);
    ASSERT_TRUE(store->UpdateBlockStatus(2, BlockStatus::kFinal).ok());
  }
  auto store = OpenOrDie(dir + "/node.db");
  ASSERT_TRUE(store);
  EXPECT_EQ(CheckHoldsExactly(*store, chain, 3), "");
  EXPECT_EQ((*store->LoadBlock(2))->status, BlockStatus::kFinal);
  EXPECT_EQ(**store->LoadGenesis(), chain.genesis());
  CommitRange(*store, chain, 4, 5);
  EXPECT_EQ(CheckHoldsExactly(*store, chain, 5), "");
}

TEST(StoreReadOnly, ReadsWhileWriterCommitsAndRefusesWrites) {
  TestChain chain(4);
  const std::string dir = TempDir();
  auto writer = NewStore(dir, chain);
  ASSERT_TRUE(writer);
  CommitRange(*writer, chain, 1, 2);

  auto reader = OpenOrDie(dir + "/node.db", OpenMode::kReadOnly);
  ASSERT_TRUE(reader);
  EXPECT_EQ(CheckHoldsExactly(*reader, chain, 2), "");
  CommitRange(*writer, chain, 3, 3);
  EXPECT_EQ(CheckHoldsExactly(*reader, chain, 3), "") << "a reader sees later commits";

  for (Status s : {reader->CommitBlock(chain.Make(4)), reader->InitGenesis(chain.genesis()),
                   reader->UpdateBlockStatus(1, BlockStatus::kFinal), reader->AddSeal(chain.Make(1).seals[0]),
                   reader->SaveAnchor(chain::AnchorRecord{}, chain::Checkpoint{})}) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::kInvalid);
  }
  EXPECT_EQ(CheckHoldsExactly(*writer, chain, 3), "");
}

// A ReadScope is one read transaction: every read inside it sees one snapshot (a commit by another
// connection meanwhile stays invisible until the scope ends), a nested scope changes nothing, and
// the same store writes normally once the scope is gone.
TEST(StoreReadScope, ReadsShareOneSnapshotUntilTheScopeEnds) {
  TestChain chain(4);
  const std::string dir = TempDir();
  auto writer = NewStore(dir, chain);
  ASSERT_TRUE(writer);
  CommitRange(*writer, chain, 1, 2);
  auto reader = OpenOrDie(dir + "/node.db", OpenMode::kReadOnly);
  ASSERT_TRUE(reader);
  const chain::MemberId author = chain.Make(3).block.batches.at(0).author;
  const std::uint64_t seq_before = *reader->View().LastSeq(author);
  {
    const auto outer = reader->BeginRead();
    EXPECT_EQ(*reader->HeadHeight(), 2u);
    CommitRange(*writer, chain, 3, 3);
    {
      const auto nested = reader->BeginRead();
      EXPECT_EQ(*reader->HeadHeight(), 2u);
    }
    EXPECT_EQ(*reader->HeadHeight(), 2u) << "the nested scope did not end the snapshot";
    EXPECT_EQ(*reader->View().LastSeq(author), seq_before) << "state reads come from the same snapshot";
  }
  EXPECT_EQ(*reader->HeadHeight(), 3u) << "the next read sees the commit";
  EXPECT_GT(*reader->View().LastSeq(author), seq_before);
  {
    const auto scope = writer->BeginRead();
    EXPECT_EQ(*writer->HeadHeight(), 3u);
  }
  CommitRange(*writer, chain, 4, 4);
  EXPECT_EQ(CheckHoldsExactly(*writer, chain, 4), "");
}

TEST(StoreReadOnly, MissingFileIsNotFound) {
  auto s = Store::Open(TempDir() + "/absent.db", OpenMode::kReadOnly);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kNotFound);
}

TEST(StoreStatus, UpdatesStoredBlockAndRejectsUnknownHeight) {
  TestChain chain(2);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 2);
  ASSERT_TRUE(store->UpdateBlockStatus(1, BlockStatus::kAnchored).ok());
  EXPECT_EQ((*store->LoadBlock(1))->status, BlockStatus::kAnchored);
  EXPECT_EQ((*store->LoadBlock(2))->status, BlockStatus::kUnanimous);
  EXPECT_EQ(*store->LoadBlockStatus(1), BlockStatus::kAnchored);
  EXPECT_EQ(*store->LoadBlockStatus(2), BlockStatus::kUnanimous);
  EXPECT_FALSE(store->LoadBlockStatus(3)->has_value());
  EXPECT_EQ(store->UpdateBlockStatus(3, BlockStatus::kFinal).error().code, Errc::kNotFound);
  EXPECT_EQ(store->UpdateBlockStatus(1, static_cast<BlockStatus>(0)).error().code, Errc::kInvalid);
  EXPECT_EQ(BlockStatusName(BlockStatus::kFinal), "FINAL");
}

TEST(StoreSeals, LateSealIsAddedOnceAndConflictsAreRejected) {
  TestChain chain(2);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  BlockCommit c = chain.Make(1);
  c.seals.resize(1);
  ASSERT_TRUE(store->CommitBlock(c).ok());

  chain::Seal late = chain.Make(1).seals[2];
  ASSERT_TRUE(store->AddSeal(late).ok());
  ASSERT_TRUE(store->AddSeal(late).ok()) << "the same seal again is a no-op";
  auto seals = store->LoadSeals(1);
  ASSERT_TRUE(seals.ok());
  ASSERT_EQ(seals->size(), 2u);
  EXPECT_EQ((*seals)[0], c.seals[0]);
  EXPECT_EQ((*seals)[1], late);

  chain::Seal other_sig = late;
  other_sig.sig[0] ^= 1;
  EXPECT_EQ(store->AddSeal(other_sig).error().code, Errc::kConflict);
  chain::Seal other_block = late;
  other_block.block_id[0] ^= 1;
  EXPECT_EQ(store->AddSeal(other_block).error().code, Errc::kInvalid);
  chain::Seal unknown_height = late;
  unknown_height.h = 5;
  EXPECT_EQ(store->AddSeal(unknown_height).error().code, Errc::kNotFound);
  EXPECT_EQ(store->LoadSeals(1)->size(), 2u);
}

TEST(StoreState, HistoryIsOldestFirstAndHonoursLimit) {
  TestChain chain(3);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 5);
  auto all = store->LoadHistory("app", "k2", 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].state.version, i + 1);
    EXPECT_EQ((*all)[i].height, i + 1);
    EXPECT_EQ((*all)[i].block_id, chain.IdOf(i + 1));
    EXPECT_EQ((*all)[i].author, 1u);
    EXPECT_EQ((*all)[i].seq, i + 1);
    EXPECT_EQ((*all)[i].op_index, 2u);
  }
  auto two = store->LoadHistory("app", "k2", 2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].state.version, 2u);
  EXPECT_TRUE(store->LoadHistory("app", "k2", 0)->empty());
  EXPECT_EQ(store->LoadHistory("app", "k2", SIZE_MAX)->size(), 5u);
  EXPECT_TRUE(store->LoadHistory("app", "none", 10)->empty());
}

TEST(StoreState, ForEachCurrentVisitsInKeyOrderAndStopsEarly) {
  TestChain chain(3);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 2);
  std::vector<std::string> keys;
  ASSERT_TRUE(store->ForEachCurrent([&](const CurrentEntry& e) { keys.push_back(e.key); return true; }).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"k0", "k1", "k2", "only1", "only2"}));
  keys.clear();
  ASSERT_TRUE(store->ForEachCurrent([&](const CurrentEntry& e) { keys.push_back(e.key); return keys.size() < 2; }).ok());
  EXPECT_EQ(keys.size(), 2u);
  std::size_t history = 0;
  ASSERT_TRUE(store->ForEachHistory([&](const HistoryEntry&) { return ++history < 3; }).ok());
  EXPECT_EQ(history, 3u);
}

TEST(StoreState, ViewServesCommittedStateToTheExecutor) {
  TestChain chain(3);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  CommitRange(*store, chain, 1, 2);
  const state::StateView& view = store->View();
  auto k1 = view.GetKey("app", "k1");
  ASSERT_TRUE(k1.ok() && k1->has_value());
  EXPECT_EQ((*k1)->version, 2u);
  EXPECT_EQ((*k1)->owner, 1u);
  EXPECT_TRUE((*view.GetKey("app", "k0"))->deleted);
  EXPECT_FALSE(view.GetKey("app", "zz")->has_value());
  EXPECT_EQ(*view.LastSeq(1), 2u);
  EXPECT_EQ(*view.LastSeq(7), 0u);
}

TEST(StoreRecords, EvidenceAndAnchorsAreDeduplicatedAndReloaded) {
  TestChain chain(1);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  chain::Evidence e;
  e.kind = static_cast<std::uint8_t>(chain::EvidenceKind::kDoubleSeal);
  e.msg_a = ToBytes("seal a");
  e.msg_b = ToBytes("seal b");
  ASSERT_TRUE(store->SaveEvidence(e, 3).ok());
  ASSERT_TRUE(store->SaveEvidence(e, 4).ok());
  chain::Evidence e2 = e;
  e2.msg_b = ToBytes("seal c");
  ASSERT_TRUE(store->SaveEvidence(e2, 2).ok());
  auto ev = store->LoadEvidence();
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(*ev, (std::vector<chain::Evidence>{e2, e}));

  // Anchors: keyed by (digest, method, Bitcoin block); more in anchor_store_test.cpp.
  CommitRange(*store, chain, 1, 1);
  const BlockCommit b1 = chain.Make(1);
  chain::Checkpoint cp;
  cp.chain_id = chain.chain_id();
  cp.h = 1;
  cp.block_id = b1.id;
  chain::AnchorRecord a;
  a.digest = chain::CheckpointDigest(cp);
  a.btc_height = 800'000;
  a.btc_block_hash.fill(9);
  a.proof = ToBytes("ots proof");
  chain::AnchorRecord b = a;
  b.method = static_cast<std::uint8_t>(chain::AnchorMethod::kDirect);
  ASSERT_TRUE(store->SaveAnchor(a, cp).ok());
  ASSERT_TRUE(store->SaveAnchor(a, cp).ok());
  ASSERT_TRUE(store->SaveAnchor(b, cp).ok());
  auto anchors = store->LoadAnchors();
  ASSERT_TRUE(anchors.ok());
  ASSERT_EQ(anchors->size(), 2u);
  EXPECT_EQ((*anchors)[0].record, a);
  EXPECT_EQ((*anchors)[1].record, b);
}

TEST(StoreRecords, SignerStateIsAbsentUntilCommittedAndKeepsTheLatest) {
  TestChain chain(1);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->LoadSignerState()->has_value());
  CommitRange(*store, chain, 1, 2);
  BlockCommit without = chain.Make(3);
  without.signer_state.reset();
  ASSERT_TRUE(store->CommitBlock(without).ok());
  EXPECT_EQ(**store->LoadSignerState(), TestChain::SignerStateOf(2));
}

// Not a benchmark (bench/ has those); logs the rate so a regression in the hot path is visible.
TEST(StoreCommit, CommitsABlockOfManyWritesInOneTransaction) {
  constexpr std::size_t kWrites = 20'000;
  TestChain chain(kWrites);
  auto store = NewStore(TempDir(), chain);
  ASSERT_TRUE(store);
  const BlockCommit c1 = chain.Make(1);
  const BlockCommit c2 = chain.Make(2);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store->CommitBlock(c1).ok());
  ASSERT_TRUE(store->CommitBlock(c2).ok());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ rate     ] " << static_cast<long>(2 * kWrites / secs) << " state writes/s\n";
  EXPECT_EQ(store->LoadHistory("app", "k19999", 10)->size(), 2u);
}

}  // namespace
}  // namespace peerdb::store
