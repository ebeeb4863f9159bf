// The signer's durable rows (PROTOCOL.md §2.5): the signer state and the proposals it refers to
// survive a reopen, are replaced whole, are bounded, and are never written through a read-only store.
#include <gtest/gtest.h>

#include "peerdb/store/store.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

std::unique_ptr<Store> Open(const std::string& path, OpenMode mode = OpenMode::kReadWrite) {
  auto s = Store::Open(path, mode);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(SignerStore, StateAndCandidatesSurviveAReopenAndAreReplacedWhole) {
  const std::string path = test::TempDir() + "/signer.db";
  {
    auto store = Open(path);
    ASSERT_TRUE(store);
    EXPECT_FALSE(store->LoadSignerState()->has_value()) << "a new store has no signer state";
    EXPECT_FALSE(store->LoadSignerCandidates()->has_value());
    ASSERT_TRUE(store->SaveSignerState(ToBytes("state one")).ok());
    ASSERT_TRUE(store->SaveSignerCandidates(Bytes(300'000, 7)).ok());
    ASSERT_TRUE(store->SaveSignerCandidates(ToBytes("candidates two")).ok());
  }
  auto store = Open(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(**store->LoadSignerState(), ToBytes("state one"));
  EXPECT_EQ(**store->LoadSignerCandidates(), ToBytes("candidates two")) << "the last list replaces the first";
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT count(*) FROM signer_candidates"), "1\n");
}

TEST(SignerStore, OversizeRowsAreRefusedAndReadOnlyStoresWriteNothing) {
  const std::string path = test::TempDir() + "/signer.db";
  {
    auto store = Open(path);
    ASSERT_TRUE(store);
    EXPECT_EQ(store->SaveSignerState(Bytes(64 * 1024 + 1, 1)).error().code, Errc::kTooLarge);
    EXPECT_EQ(store->SaveSignerCandidates(Bytes(2 * (std::size_t{64} << 20) + 2 * 65536 + 1, 1)).error().code, Errc::kTooLarge);
    EXPECT_FALSE(store->LoadSignerCandidates()->has_value()) << "a refused list leaves nothing";
  }
  auto ro = Open(path, OpenMode::kReadOnly);
  ASSERT_TRUE(ro);
  EXPECT_NE(ro->SaveSignerCandidates(ToBytes("x")).error().code, Errc::kOk);
  EXPECT_NE(ro->SaveSignerState(ToBytes("x")).error().code, Errc::kOk);
}

// X_chain is stored so that a restart need not read every block: absent until saved, replaced
// whole, readable with sqlite3, and a damaged value is corrupt, not silently an empty set.
TEST(SignerStore, ChainExclusionsAreStoredReplacedAndCheckedWhenRead) {
  const std::string path = test::TempDir() + "/excluded.db";
  {
    auto store = Open(path);
    ASSERT_TRUE(store);
    EXPECT_FALSE(store->LoadChainExcluded()->has_value()) << "never stored: the node derives it once";
    ASSERT_TRUE(store->SaveChainExcluded({}).ok());
    EXPECT_EQ(**store->LoadChainExcluded(), std::vector<chain::MemberId>{});
    ASSERT_TRUE(store->SaveChainExcluded({2, 5}).ok());
  }
  EXPECT_EQ(test::RunSqliteCli(path, "SELECT value FROM meta WHERE key = 'chain_excluded'"), "2,5\n");
  {
    auto store = Open(path);
    ASSERT_TRUE(store);
    EXPECT_EQ(**store->LoadChainExcluded(), (std::vector<chain::MemberId>{2, 5}));
    // A block that records evidence stores the grown set in its own transaction; one that does not
    // leaves it as it was.
    test::TestChain chain(2);
    ASSERT_TRUE(store->InitGenesis(chain.genesis()).ok());
    BlockCommit first = chain.Make(1);
    first.chain_excluded = std::vector<chain::MemberId>{2, 3, 5};
    ASSERT_TRUE(store->CommitBlock(first).ok());
    ASSERT_TRUE(store->CommitBlock(chain.Make(2)).ok());
    EXPECT_EQ(**store->LoadChainExcluded(), (std::vector<chain::MemberId>{2, 3, 5}));
  }
  for (const std::string bad : {"2,x", "5,2", "2,2", "2,", ",2", "99999999999"}) {
    test::ExecRawSql(path, "UPDATE meta SET value = '" + bad + "' WHERE key = 'chain_excluded'");
    auto store = Open(path);
    ASSERT_TRUE(store);
    auto loaded = store->LoadChainExcluded();
    ASSERT_FALSE(loaded.ok()) << bad;
    EXPECT_EQ(loaded.error().code, Errc::kCorrupt) << bad;
  }
}

}  // namespace
}  // namespace peerdb::store
