#include "peerdb/util/serial_worker.h"

namespace peerdb {

SerialWorker::SerialWorker()
    : m_thread([this] {
        while (auto job = m_jobs.Pop()) (*job)();
      }) {}

SerialWorker::~SerialWorker() {
  m_jobs.Close();  // Pop hands out what is queued, then nullopt
  m_thread.join();
}

void SerialWorker::Post(std::function<void()> job) { (void)m_jobs.Push(std::move(job)); }

}  // namespace peerdb
