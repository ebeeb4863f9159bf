// One background thread running queued tasks in order, for blocking work the node thread must not
// wait for (anchoring's calendar and header-source requests).
// Thread-safety: Post and Stop may be called from any thread; Join from any thread but the worker.
// Stop() lets the running task finish (each bounds its own network time with timeouts) and drops
// the tasks not yet started.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace peerdb::node {

class BackgroundWorker {
 public:
  BackgroundWorker();
  ~BackgroundWorker();  // Stop() + Join()
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // Queues `task`; returns false (and drops it) once Stop() was called.
  bool Post(std::function<void()> task);
  void Stop();
  void Join();

 private:
  void Run();
  std::mutex m_mu;
  std::condition_variable m_cv;
  std::deque<std::function<void()>> m_tasks;  // guarded by m_mu
  bool m_stopping = false;                    // guarded by m_mu
  std::thread m_thread;
};

}  // namespace peerdb::node
