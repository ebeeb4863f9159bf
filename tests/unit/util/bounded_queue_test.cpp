#include "peerdb/util/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace peerdb {
namespace {

TEST(BoundedQueue, HandsItemsOnInOrderWhileTheProducerWaitsForRoom) {
  BoundedQueue<int> q(2);
  std::thread producer([&q] {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.Push(i));
    q.Close();
  });
  std::vector<int> got;
  while (auto item = q.Pop()) got.push_back(*item);
  producer.join();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
}

TEST(BoundedQueue, CloseHandsOutWhatIsLeftThenNothingAndRefusesMore) {
  BoundedQueue<int> q(4);
  ASSERT_TRUE(q.Push(1));
  ASSERT_TRUE(q.Push(2));
  q.Close();
  EXPECT_FALSE(q.Push(3));
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_EQ(q.Pop(), 2);
  EXPECT_EQ(q.Pop(), std::nullopt);
}

TEST(BoundedQueue, CloseWakesAProducerBlockedOnAFullQueue) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.Push(1));
  bool pushed = true;
  std::thread producer([&] { pushed = q.Push(2); });  // blocks: the queue is full
  q.Close();
  producer.join();
  EXPECT_FALSE(pushed);
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_EQ(q.Pop(), std::nullopt);
}

}  // namespace
}  // namespace peerdb
