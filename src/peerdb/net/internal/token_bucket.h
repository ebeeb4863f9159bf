// A token bucket: `rate` tokens per second, holding at most `burst`; a take that finds too few
// tokens fails (and takes nothing). Used for per-peer inbound frame and byte limits.
// Thread-safety: none; one owner.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace peerdb::net::internal {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate_per_sec, double burst, Clock::time_point now)
      : m_rate(rate_per_sec), m_burst(burst), m_tokens(burst), m_last(now) {}

  bool Take(double n, Clock::time_point now) {
    const double elapsed = std::chrono::duration<double>(now - m_last).count();
    if (elapsed > 0) {
      m_tokens = std::min(m_burst, m_tokens + elapsed * m_rate);
      m_last = now;
    }
    if (m_tokens < n) return false;
    m_tokens -= n;
    return true;
  }

  // A larger burst comes with its extra tokens, as if the bucket had been that size all along (a
  // peer that was within the old limit is within the new one); a smaller one caps the tokens.
  void SetBurst(double burst) {
    m_tokens = std::min(burst, m_tokens + std::max(0.0, burst - m_burst));
    m_burst = burst;
  }

 private:
  double m_rate;
  double m_burst;
  double m_tokens;
  Clock::time_point m_last;
};

}  // namespace peerdb::net::internal
