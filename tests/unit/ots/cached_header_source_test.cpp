#include "peerdb/ots/cached_header_source.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace peerdb::ots {
namespace {

// Counts the lookups that reach it; knows only height 7 and tip 9.
class CountingSource final : public HeaderSource {
 public:
  Result<BlockHeader> HeaderAt(std::uint64_t height) override {
    ++header_calls;
    if (height != 7) return Error{Errc::kNotFound, "no block " + std::to_string(height)};
    BlockHeader h;
    h.time = 1234;
    return h;
  }
  Result<std::uint64_t> TipHeight() override {
    ++tip_calls;
    return std::uint64_t{9};
  }
  std::atomic<int> header_calls{0};
  std::atomic<int> tip_calls{0};
};

TEST(CachedHeaderSource, AsksTheInnerSourceOncePerHeightAndOnceForTheTip) {
  CountingSource inner;
  CachedHeaderSource cached(inner);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto h = cached.HeaderAt(7);
        ASSERT_TRUE(h.ok());
        EXPECT_EQ(h->time, 1234u);
        EXPECT_EQ(*cached.TipHeight(), 9u);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner.header_calls, 1);
  EXPECT_EQ(inner.tip_calls, 1);
}

TEST(CachedHeaderSource, RemembersFailuresWithTheirError) {
  CountingSource inner;
  CachedHeaderSource cached(inner);
  for (int i = 0; i < 3; ++i) {
    auto h = cached.HeaderAt(8);
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.error().code, Errc::kNotFound);
    EXPECT_EQ(h.error().message, "no block 8");
  }
  EXPECT_EQ(inner.header_calls, 1);
}

}  // namespace
}  // namespace peerdb::ots
