// Seeded randomness for the simulation. std::mt19937_64 is specified bit-exactly by the standard,
// but the std distributions are not (libstdc++ and libc++ differ), so every draw goes through the
// small integer-only helpers below: the same seed gives the same run on every platform.
// Thread-safety: not thread-safe; one Rng per simulation.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace peerdb::sim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_gen(seed) {}

  std::uint64_t Next() { return m_gen(); }

  // Uniform in [lo, hi] (inclusive) by rejection sampling: unbiased and platform independent.
  std::uint64_t Uniform(std::uint64_t lo, std::uint64_t hi) {
    if (hi <= lo) return lo;
    const std::uint64_t span = hi - lo;
    if (span == UINT64_MAX) return Next();
    const std::uint64_t n = span + 1;
    // 2^64 mod n: draws below it would make the low residues more likely, so they are redrawn.
    const std::uint64_t reject_below = (0 - n) % n;
    for (;;) {
      const std::uint64_t x = Next();
      if (x >= reject_below) return lo + x % n;
    }
  }

  // True with probability ppm / 1'000'000.
  bool Chance(std::uint32_t ppm) { return ppm > 0 && Uniform(0, 999'999) < ppm; }

  template <class T>
  const T& Pick(const std::vector<T>& v) { return v[Uniform(0, v.size() - 1)]; }

  // Fisher-Yates with Uniform.
  template <class T>
  void Shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[Uniform(0, i - 1)]);
  }

  // A child generator for an independent stream (e.g. the workload), so adding draws in one part
  // does not shift every other part's draws.
  Rng Fork() { return Rng(Next() ^ 0x9e3779b97f4a7c15ULL); }

 private:
  std::mt19937_64 m_gen;
};

}  // namespace peerdb::sim
