// Replacement global operator new/delete that feed AllocProbe. Every form a program may pair with
// operator delete(void*) is replaced, so allocation and deallocation always meet in malloc/free.
#include "alloc_probe.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<bool> g_recording{false};
std::atomic<std::size_t> g_largest{0};

void* Allocate(std::size_t n) {
  if (g_recording.load(std::memory_order_relaxed)) {
    std::size_t seen = g_largest.load(std::memory_order_relaxed);
    while (n > seen && !g_largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
    }
  }
  return std::malloc(n == 0 ? 1 : n);
}

}  // namespace

namespace peerdb::codec {

AllocProbe::AllocProbe() {
  g_largest.store(0);
  g_recording.store(true);
}
AllocProbe::~AllocProbe() { g_recording.store(false); }
std::size_t AllocProbe::largest() const { return g_largest.load(); }

}  // namespace peerdb::codec

void* operator new(std::size_t n) {
  if (void* p = Allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = Allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
