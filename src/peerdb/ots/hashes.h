// The digest functions behind the OpenTimestamps crypt ops: SHA-1, RIPEMD-160 (OpenSSL) and the
// original Keccak-256 (as Ethereum uses it; NOT FIPS-202 SHA3-256, which pads differently).
// SHA-256 is peerdb::crypto::Sha256. Thread-safety: free functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "peerdb/util/bytes.h"

namespace peerdb::ots {

using Hash20 = std::array<std::uint8_t, 20>;

Hash20 Sha1(ByteSpan data);
Hash20 Ripemd160(ByteSpan data);
// Keccak[r=1088, c=512] with the original 0x01 domain padding, 32-byte output.
Hash32 Keccak256(ByteSpan data);

}  // namespace peerdb::ots
