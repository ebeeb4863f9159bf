// A first-in first-out queue of at most `capacity` items between threads: Push waits while it is
// full, Pop while it is empty. Close() wakes both: Push then drops its item and returns false, Pop
// hands out what is left and then nullopt. It lets the stages of a pipeline work on different
// cores while a fast stage runs at most `capacity` items ahead of a slow one (memory stays bounded).
// Thread-safety: every member may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace peerdb {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : m_capacity(capacity == 0 ? 1 : capacity) {}

  bool Push(T item) {
    std::unique_lock lock(m_mutex);
    m_not_full.wait(lock, [this] { return m_closed || m_items.size() < m_capacity; });
    if (m_closed) return false;
    m_items.push_back(std::move(item));
    m_not_empty.notify_one();
    return true;
  }

  std::optional<T> Pop() {
    std::unique_lock lock(m_mutex);
    m_not_empty.wait(lock, [this] { return m_closed || !m_items.empty(); });
    if (m_items.empty()) return std::nullopt;
    T item = std::move(m_items.front());
    m_items.pop_front();
    m_not_full.notify_one();
    return item;
  }

  void Close() {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_not_empty.notify_all();
    m_not_full.notify_all();
  }

 private:
  const std::size_t m_capacity;
  std::mutex m_mutex;
  std::condition_variable m_not_empty, m_not_full;
  std::deque<T> m_items;
  bool m_closed = false;
};

}  // namespace peerdb
