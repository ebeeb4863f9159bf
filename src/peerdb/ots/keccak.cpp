// Keccak-256 (original submission padding), a straightforward Keccak-f[1600] sponge.
#include <cstring>

#include "peerdb/ots/hashes.h"

namespace peerdb::ots {

namespace {

constexpr std::uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
constexpr int kRotations[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
constexpr std::size_t kRate = 136;  // bytes: 1600 - 2*256 bits

std::uint64_t Rotl(std::uint64_t x, int n) { return n == 0 ? x : (x << n) | (x >> (64 - n)); }

// State lane (x, y) is a[x + 5y].
void KeccakF(std::uint64_t a[25]) {
  for (std::uint64_t rc : kRoundConstants) {
    std::uint64_t c[5];
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    for (int x = 0; x < 5; ++x) {
      const std::uint64_t d = c[(x + 4) % 5] ^ Rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) a[x + y] ^= d;
    }
    std::uint64_t b[25];
    for (int x = 0; x < 5; ++x) {
      for (int y = 0; y < 5; ++y) {
        b[y + 5 * ((2 * x + 3 * y) % 5)] = Rotl(a[x + 5 * y], kRotations[x + 5 * y]);
      }
    }
    for (int y = 0; y < 25; y += 5) {
      for (int x = 0; x < 5; ++x) a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
    }
    a[0] ^= rc;
  }
}

void AbsorbBlock(std::uint64_t a[25], const std::uint8_t* block) {
  for (std::size_t i = 0; i < kRate / 8; ++i) {
    std::uint64_t lane = 0;
    for (int j = 7; j >= 0; --j) lane = (lane << 8) | block[8 * i + static_cast<std::size_t>(j)];
    a[i] ^= lane;
  }
  KeccakF(a);
}

}  // namespace

Hash32 Keccak256(ByteSpan data) {
  std::uint64_t a[25] = {};
  std::size_t off = 0;
  for (; data.size() - off >= kRate; off += kRate) AbsorbBlock(a, data.data() + off);
  std::uint8_t last[kRate] = {};
  const std::size_t rest = data.size() - off;
  if (rest > 0) std::memcpy(last, data.data() + off, rest);
  last[rest] ^= 0x01;  // Keccak padding (SHA3 would use 0x06)
  last[kRate - 1] ^= 0x80;
  AbsorbBlock(a, last);
  Hash32 out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(a[i / 8] >> (8 * (i % 8)));
  }
  return out;
}

}  // namespace peerdb::ots
