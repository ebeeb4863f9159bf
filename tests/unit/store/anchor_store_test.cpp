// Anchoring in the store (schema version 2): migration of a version-1 file, anchor jobs that
// survive a reopen, anchor records with their checkpoints, anchor-derived statuses moved by height
// range in one transaction, and reads of the newest version at or above a status.
#include <gtest/gtest.h>

#include "peerdb/codec/pce.h"
#include "peerdb/sqlite/db.h"
#include "peerdb/store/internal/schema.h"
#include "peerdb/store/store.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

using test::CommitRange;
using test::RunSqliteCli;
using test::TempDir;
using test::TestChain;

std::unique_ptr<Store> OpenAnchorStore(const std::string& path, OpenMode mode = OpenMode::kReadWrite) {
  auto s = Store::Open(path, mode);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

std::unique_ptr<Store> NewStore(const std::string& path, TestChain& chain, std::uint64_t blocks) {
  auto store = OpenAnchorStore(path);
  if (!store) return nullptr;
  EXPECT_TRUE(store->InitGenesis(chain.genesis()).ok());
  CommitRange(*store, chain, 1, blocks);
  return store;
}

chain::Checkpoint CheckpointOf(TestChain& chain, std::uint64_t h) {
  const BlockCommit c = chain.Make(h);
  chain::Checkpoint cp;
  cp.chain_id = chain.chain_id();
  cp.h = h;
  cp.block_id = c.id;
  for (const chain::Seal& s : c.seals) cp.seals.push_back(chain::SigEntry{s.signer, s.sig});
  return cp;
}

AnchorJob JobOf(TestChain& chain, std::uint64_t h, std::uint64_t now) {
  AnchorJob job;
  job.checkpoint = CheckpointOf(chain, h);
  job.digest = chain::CheckpointDigest(job.checkpoint);
  job.created_ms = now;
  job.updated_ms = now;
  return job;
}

chain::AnchorRecord RecordOf(const Hash32& digest, std::uint32_t btc_height) {
  chain::AnchorRecord a;
  a.digest = digest;
  a.btc_height = btc_height;
  a.btc_block_hash.fill(static_cast<std::uint8_t>(btc_height));
  a.proof = ToBytes("ots proof bytes");
  return a;
}

std::string Statuses(const std::string& path) {
  return RunSqliteCli(path, "SELECT group_concat(status, '') FROM (SELECT status FROM blocks ORDER BY height)");
}

// A version-1 file holds chain format 1 blocks: migrations 2-4 apply (each in its own transaction,
// so the file stays what the release before chain format 2 reads), then schema 5 refuses it with a
// message saying why, and nothing of it is lost.
TEST(StoreMigration, Version1FileWithBlocksMigratesToVersion4KeepingEveryRowThenIsRefused) {
  TestChain chain;
  const std::string path = TempDir() + "/v1.db";
  {
    // A version-1 file as the previous release wrote it: only the first migration applied, then
    // rows inserted with the columns version 1 had.
    auto db = sqlite::Db::Open(path, sqlite::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(internal::Migrate(**db, internal::Migrations().first(1)).ok());
    ASSERT_EQ(*internal::ReadSchemaVersion(**db), 1);
  }
  const BlockCommit b1 = chain.Make(1);
  const chain::AnchorRecord old_anchor = RecordOf(chain::CheckpointDigest(CheckpointOf(chain, 1)), 700);
  test::ExecRawSql(path, "INSERT INTO meta(key, value) VALUES('genesis', X'" + Hex(codec::Encode(chain.genesis())) + "');"
                         "INSERT INTO blocks(height, id, body, status) VALUES(1, X'" + Hex(b1.id) + "', X'" +
                         Hex(codec::Encode(b1.block)) + "', 5);"
                         "INSERT INTO anchors(digest, method, btc_block_hash, block_height, body) VALUES(X'" +
                         Hex(old_anchor.digest) + "', 1, X'" + Hex(old_anchor.btc_block_hash) + "', 1, X'" +
                         Hex(codec::Encode(old_anchor)) + "');");
  {
    auto ro = Store::Open(path, OpenMode::kReadOnly);
    ASSERT_FALSE(ro.ok()) << "a read-only open cannot migrate";
    EXPECT_EQ(ro.error().code, Errc::kConfig);
  }
  auto refused = Store::Open(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kConfig);
  EXPECT_NE(refused.error().message.find("chain format 1"), std::string::npos) << refused.error().message;
  EXPECT_EQ(RunSqliteCli(path, "SELECT value FROM meta WHERE key = 'schema_version'"), "4\n");
  // Every row is still there; the anchor row has the version-2 column, empty for a version-1 row.
  EXPECT_EQ(RunSqliteCli(path, "SELECT height, status, lower(hex(id)) = '" + Hex(b1.id) + "' FROM blocks"), "1|5|1\n");
  EXPECT_EQ(RunSqliteCli(path, "SELECT block_height, checkpoint IS NULL, lower(hex(body)) = '" + Hex(codec::Encode(old_anchor)) +
                                   "' FROM anchors"),
            "1|1|1\n");
  EXPECT_EQ(RunSqliteCli(path, "SELECT count(*) FROM anchor_jobs"), "0\n");
  EXPECT_EQ(RunSqliteCli(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'blocks_by_status'"), "1\n");
}

TEST(StoreAnchorJobs, SurviveReopenAndKeepTheLatestTimestamp) {
  TestChain chain;
  const std::string path = TempDir() + "/node.db";
  const AnchorJob j2 = JobOf(chain, 2, 100);
  const AnchorJob j3 = JobOf(chain, 3, 200);
  {
    auto store = NewStore(path, chain, 3);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->SaveAnchorJob(j3).ok());
    ASSERT_TRUE(store->SaveAnchorJob(j2).ok());
    ASSERT_TRUE(store->SaveAnchorJob(j2).ok()) << "the same job again is a no-op";
    ASSERT_TRUE(store->UpdateAnchorJob(j2.digest, ToBytes("pending tree"), 150).ok());
    ASSERT_TRUE(store->UpdateAnchorJob(j2.digest, ToBytes("upgraded tree"), 160).ok());
  }
  auto store = OpenAnchorStore(path);
  ASSERT_TRUE(store);
  auto jobs = store->LoadAnchorJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error().ToString();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].checkpoint, j2.checkpoint);
  EXPECT_EQ((*jobs)[0].timestamp, ToBytes("upgraded tree"));
  EXPECT_EQ((*jobs)[0].created_ms, 100u);
  EXPECT_EQ((*jobs)[0].updated_ms, 160u);
  EXPECT_EQ((*jobs)[1].digest, j3.digest);
  EXPECT_FALSE((*jobs)[1].timestamp.has_value());
  ASSERT_TRUE(store->DeleteAnchorJob(j3.digest).ok());
  EXPECT_EQ(store->LoadAnchorJobs()->size(), 1u);
}

TEST(StoreAnchorJobs, RejectsJobsThatDoNotNameAStoredBlock) {
  TestChain chain;
  auto store = NewStore(TempDir() + "/node.db", chain, 2);
  ASSERT_TRUE(store);
  AnchorJob ahead = JobOf(chain, 3, 1);
  EXPECT_EQ(store->SaveAnchorJob(ahead).error().code, Errc::kInvalid) << "block 3 is not stored";
  AnchorJob wrong_digest = JobOf(chain, 2, 1);
  wrong_digest.digest[0] ^= 1;
  EXPECT_EQ(store->SaveAnchorJob(wrong_digest).error().code, Errc::kInvalid);
  AnchorJob other_block = JobOf(chain, 2, 1);
  other_block.checkpoint.block_id[0] ^= 1;
  other_block.digest = chain::CheckpointDigest(other_block.checkpoint);
  EXPECT_EQ(store->SaveAnchorJob(other_block).error().code, Errc::kInvalid);
  EXPECT_EQ(store->UpdateAnchorJob(JobOf(chain, 1, 1).digest, ToBytes("x"), 2).error().code, Errc::kNotFound);
  ASSERT_TRUE(store->SaveAnchorJob(JobOf(chain, 2, 1)).ok());
  EXPECT_EQ(store->UpdateAnchorJob(JobOf(chain, 2, 1).digest, Bytes(chain::kMaxProofBytes + 1, 1), 2).error().code,
            Errc::kInvalid);
  EXPECT_TRUE(store->LoadAnchorJobs()->at(0).timestamp == std::nullopt);
}

TEST(StoreAnchors, SavingTheRecordDropsItsJobInTheSameTransaction) {
  TestChain chain;
  const std::string path = TempDir() + "/node.db";
  auto store = NewStore(path, chain, 3);
  ASSERT_TRUE(store);
  const AnchorJob job = JobOf(chain, 3, 5);
  ASSERT_TRUE(store->SaveAnchorJob(job).ok());
  const chain::AnchorRecord rec = RecordOf(job.digest, 801);
  ASSERT_TRUE(store->SaveAnchor(rec, job.checkpoint).ok());
  ASSERT_TRUE(store->SaveAnchor(rec, job.checkpoint).ok()) << "saving again is a no-op";
  EXPECT_TRUE(store->LoadAnchorJobs()->empty());
  // A second record of another checkpoint, lower down the chain, sorts first.
  const chain::Checkpoint cp1 = CheckpointOf(chain, 1);
  ASSERT_TRUE(store->SaveAnchor(RecordOf(chain::CheckpointDigest(cp1), 805), cp1).ok());
  auto anchors = store->LoadAnchors();
  ASSERT_TRUE(anchors.ok()) << anchors.error().ToString();
  ASSERT_EQ(anchors->size(), 2u);
  EXPECT_EQ((*anchors)[0].height, 1u);
  EXPECT_EQ((*anchors)[0].checkpoint, cp1);
  EXPECT_EQ((*anchors)[1].record, rec);
  EXPECT_EQ((*anchors)[1].checkpoint, job.checkpoint);

  chain::AnchorRecord mismatched = RecordOf(job.digest, 900);
  EXPECT_EQ(store->SaveAnchor(mismatched, cp1).error().code, Errc::kInvalid) << "checkpoint of another digest";
  // A damaged checkpoint column is reported, naming the row.
  test::ExecRawSql(path, "UPDATE anchors SET checkpoint = X'00' WHERE block_height = 1");
  auto damaged = store->LoadAnchors();
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code, Errc::kCorrupt);
  EXPECT_NE(damaged.error().message.find("anchor 0"), std::string::npos) << damaged.error().message;
}

TEST(StoreStatusHeights, RaiseAndLowerWholeRangesInOneStep) {
  TestChain chain;
  const std::string path = TempDir() + "/node.db";
  auto store = NewStore(path, chain, 8);
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->LoadStatusHeights(), (StatusHeights{0, 0}));
  EXPECT_EQ(Statuses(path), "33333333\n");

  ASSERT_TRUE(store->SetStatusHeights({5, 3}, BlockStatus::kUnanimous).ok());
  EXPECT_EQ(Statuses(path), "55544333\n");
  EXPECT_EQ(*store->LoadStatusHeights(), (StatusHeights{5, 3}));

  ASSERT_TRUE(store->SetStatusHeights({7, 7}, BlockStatus::kUnanimous).ok());
  EXPECT_EQ(Statuses(path), "55555553\n");

  // A Bitcoin reorg un-confirms the newest anchor: the statuses fall back to an older one.
  ASSERT_TRUE(store->SetStatusHeights({6, 2}, BlockStatus::kUnanimous).ok());
  EXPECT_EQ(Statuses(path), "55444433\n");
  ASSERT_TRUE(store->SetStatusHeights({0, 0}, BlockStatus::kUnanimous).ok());
  EXPECT_EQ(Statuses(path), "33333333\n");
  ASSERT_TRUE(store->SetStatusHeights({8, 8}, BlockStatus::kUnanimous).ok());
  EXPECT_EQ(Statuses(path), "55555555\n");
  EXPECT_EQ(*store->LoadStatusHeights(), (StatusHeights{8, 8}));
  // New blocks arrive above the anchored height with their own status.
  CommitRange(*store, chain, 9, 9);
  EXPECT_EQ(*store->LoadStatusHeights(), (StatusHeights{8, 8}));
  EXPECT_EQ((*store->LoadBlock(9))->status, BlockStatus::kUnanimous);
}

TEST(StoreStatusHeights, RefusesImpossibleHeightsWithoutWriting) {
  TestChain chain;
  const std::string path = TempDir() + "/node.db";
  auto store = NewStore(path, chain, 4);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SetStatusHeights({2, 1}, BlockStatus::kUnanimous).ok());
  EXPECT_EQ(store->SetStatusHeights({2, 3}, BlockStatus::kUnanimous).error().code, Errc::kInvalid) << "final above anchored";
  EXPECT_EQ(store->SetStatusHeights({5, 5}, BlockStatus::kUnanimous).error().code, Errc::kInvalid) << "above the head";
  EXPECT_EQ(store->SetStatusHeights({1, 1}, BlockStatus::kFinal).error().code, Errc::kInvalid);
  EXPECT_EQ(Statuses(path), "5433\n");
  auto ro = OpenAnchorStore(path, OpenMode::kReadOnly);
  ASSERT_TRUE(ro);
  EXPECT_EQ(ro->SetStatusHeights({1, 1}, BlockStatus::kUnanimous).error().code, Errc::kInvalid);
  EXPECT_EQ(ro->SaveAnchorJob(JobOf(chain, 1, 1)).error().code, Errc::kInvalid);
  EXPECT_EQ(Statuses(path), "5433\n");
}

TEST(StoreReads, NewestVersionAtOrAboveAStatus) {
  TestChain chain;
  auto store = NewStore(TempDir() + "/node.db", chain, 6);
  ASSERT_TRUE(store);
  // k1 is written by every block at version = height.
  auto read = [&](BlockStatus s) { return store->LoadNewestWithStatus("app", TestChain::KeyName(1), s); };
  auto any = read(BlockStatus::kProposed);
  ASSERT_TRUE(any.ok() && any->has_value());
  EXPECT_EQ((*any)->entry.state.version, 6u);
  EXPECT_EQ((*any)->status, BlockStatus::kUnanimous);
  EXPECT_FALSE(read(BlockStatus::kAnchored)->has_value()) << "nothing is anchored yet";

  ASSERT_TRUE(store->SetStatusHeights({4, 2}, BlockStatus::kUnanimous).ok());
  auto fin = read(BlockStatus::kFinal);
  ASSERT_TRUE(fin.ok() && fin->has_value());
  EXPECT_EQ((*fin)->entry.state.version, 2u);
  EXPECT_EQ((*fin)->entry.height, 2u);
  EXPECT_EQ((*fin)->entry.block_id, chain.IdOf(2));
  EXPECT_EQ((*fin)->status, BlockStatus::kFinal);
  auto anchored = read(BlockStatus::kAnchored);
  ASSERT_TRUE(anchored.ok() && anchored->has_value());
  EXPECT_EQ((*anchored)->entry.state.version, 4u);
  EXPECT_EQ((*anchored)->status, BlockStatus::kAnchored);
  EXPECT_EQ((*read(BlockStatus::kUnanimous))->entry.state.version, 6u);
  // A key written only by block 5 has no FINAL version.
  EXPECT_FALSE(store->LoadNewestWithStatus("app", "only5", BlockStatus::kFinal)->has_value());
  EXPECT_TRUE(store->LoadNewestWithStatus("app", "only5", BlockStatus::kUnanimous)->has_value());
  EXPECT_FALSE(store->LoadNewestWithStatus("app", "never", BlockStatus::kProposed)->has_value());
}

}  // namespace
}  // namespace peerdb::store
