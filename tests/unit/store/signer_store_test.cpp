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

}  // namespace
}  // namespace peerdb::store
