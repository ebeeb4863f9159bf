// Records the largest heap allocation made through global operator new while a probe is active,
// so decoder tests can show that hostile length prefixes are rejected before anything is reserved.
// alloc_probe.cpp replaces the global operator new/delete of the test binary that links it.
// Thread-safety: the probe is global; use it from one test thread at a time.
#pragma once

#include <cstddef>

namespace peerdb::codec {

class AllocProbe {
 public:
  AllocProbe();   // starts recording; the largest size seen so far is reset to 0
  ~AllocProbe();  // stops recording
  AllocProbe(const AllocProbe&) = delete;
  AllocProbe& operator=(const AllocProbe&) = delete;

  std::size_t largest() const;
};

}  // namespace peerdb::codec
