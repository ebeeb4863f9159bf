// Clock seam: code that needs time takes a Clock so tests and simulations can control it.
// Thread-safety: SystemClock is stateless and thread-safe.
#pragma once

#include <cstdint>

namespace peerdb::util {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch (block timestamps).
  virtual std::uint64_t NowMs() const = 0;
  // Monotonic milliseconds (timers); never goes backwards.
  virtual std::uint64_t MonotonicMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::uint64_t NowMs() const override;
  std::uint64_t MonotonicMs() const override;
};

}  // namespace peerdb::util
