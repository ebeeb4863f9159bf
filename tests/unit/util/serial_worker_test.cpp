#include "peerdb/util/serial_worker.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

namespace peerdb {
namespace {

TEST(SerialWorker, RunsJobsInTheOrderPostedOnAThreadOfItsOwn) {
  std::vector<int> ran;  // touched by the worker's jobs only, until the last one is waited for
  std::thread::id worker_thread;
  std::promise<void> last;
  {
    SerialWorker worker;
    for (int i = 0; i < 500; ++i) worker.Post([&ran, i] { ran.push_back(i); });
    worker.Post([&] {
      worker_thread = std::this_thread::get_id();
      last.set_value();
    });
    last.get_future().wait();
    EXPECT_NE(worker_thread, std::this_thread::get_id());
  }
  ASSERT_EQ(ran.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(ran[static_cast<std::size_t>(i)], i);
}

TEST(SerialWorker, DestructorRunsEveryJobPostedBeforeItReturns) {
  std::vector<int> ran;
  {
    SerialWorker worker;
    // More than fit in its queue: Post waits for room.
    for (int i = 0; i < static_cast<int>(SerialWorker::kMaxQueued) * 3; ++i) worker.Post([&ran, i] { ran.push_back(i); });
  }
  EXPECT_EQ(ran.size(), SerialWorker::kMaxQueued * 3);
}

}  // namespace
}  // namespace peerdb
