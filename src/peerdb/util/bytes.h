// Byte strings, fixed-size digests and hex. Thread-safety: value types.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "peerdb/util/result.h"

namespace peerdb {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
using Hash32 = std::array<std::uint8_t, 32>;
using Sig64 = std::array<std::uint8_t, 64>;

inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string AsString(ByteSpan b) { return {b.begin(), b.end()}; }
inline Bytes ToBytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string Hex(ByteSpan data);
template <std::size_t N>
std::string Hex(const std::array<std::uint8_t, N>& a) { return Hex(ByteSpan(a)); }

// Accepts lower- or upper-case hex of even length; anything else is kMalformed.
Result<Bytes> FromHex(std::string_view hex);
// Exactly N bytes of hex.
Result<Hash32> Hash32FromHex(std::string_view hex);

// Constant-time comparison for secrets and MACs.
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);

}  // namespace peerdb
