// A thread of its own that runs the jobs posted to it one after another, in the order posted: a
// single-thread object (one that is not thread-safe) can then work beside its owner, as long as
// only the worker's jobs touch it until the owner has waited for the last job it posted. A job
// hands its result back through what it captures (a std::promise, say). Jobs must not throw.
// Thread-safety: Post may be called from any thread; the destructor from the owner's.
#pragma once

#include <functional>
#include <thread>

#include "peerdb/util/bounded_queue.h"

namespace peerdb {

class SerialWorker {
 public:
  SerialWorker();
  ~SerialWorker();  // runs every job posted, then stops the thread
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  // Waits while kMaxQueued jobs are waiting already.
  void Post(std::function<void()> job);

  static constexpr std::size_t kMaxQueued = 64;

 private:
  BoundedQueue<std::function<void()>> m_jobs{kMaxQueued};
  std::thread m_thread;  // last: started once the queue exists
};

}  // namespace peerdb
