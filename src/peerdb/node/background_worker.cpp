#include "peerdb/node/background_worker.h"

namespace peerdb::node {

BackgroundWorker::BackgroundWorker() : m_thread([this] { Run(); }) {}

BackgroundWorker::~BackgroundWorker() {
  Stop();
  Join();
}

bool BackgroundWorker::Post(std::function<void()> task) {
  {
    std::lock_guard lock(m_mu);
    if (m_stopping) return false;
    m_tasks.push_back(std::move(task));
  }
  m_cv.notify_one();
  return true;
}

void BackgroundWorker::Stop() {
  {
    std::lock_guard lock(m_mu);
    m_stopping = true;
    m_tasks.clear();
  }
  m_cv.notify_one();
}

void BackgroundWorker::Join() {
  if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id()) m_thread.join();
}

void BackgroundWorker::Run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(m_mu);
      m_cv.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
      if (m_stopping) return;
      task = std::move(m_tasks.front());
      m_tasks.pop_front();
    }
    task();
  }
}

}  // namespace peerdb::node
