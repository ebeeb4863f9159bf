// Bitcoin block headers (80 bytes: version, prev hash, merkle root, time, bits, nonce; integers
// little-endian, hashes in internal byte order) and their proof of work. Only what verifying an
// OpenTimestamps Bitcoin attestation needs: the header is checked on its own, not against a chain.
// Thread-safety: value types and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots {

constexpr std::size_t kBlockHeaderSize = 80;
// The easiest target a network allows, in compact form (Bitcoin's powLimit).
constexpr std::uint32_t kMainnetPowLimitBits = 0x1d00ffff;
constexpr std::uint32_t kRegtestPowLimitBits = 0x207fffff;

struct BlockHeader {
  std::int32_t version = 0;
  Hash32 prev_block{};   // internal byte order
  Hash32 merkle_root{};  // internal byte order: what an OTS proof's leaf message equals
  std::uint32_t time = 0;
  std::uint32_t bits = 0;
  std::uint32_t nonce = 0;
};

// Exactly 80 bytes, else kMalformed.
Result<BlockHeader> DecodeBlockHeader(ByteSpan in);
std::array<std::uint8_t, kBlockHeaderSize> EncodeBlockHeader(const BlockHeader& h);

// sha256d of the 80 bytes, internal order; BlockHashHex gives the usual reversed display form.
Hash32 BlockHash(const BlockHeader& h);
std::string BlockHashHex(const BlockHeader& h);
// Hex of the reversed bytes, as explorers and bitcoind print hashes and merkle roots.
std::string DisplayHex(ByteSpan internal_order);

// The 256-bit target for compact bits, big-endian. kInvalid for a negative, zero or overflowing
// encoding (Bitcoin's arith_uint256::SetCompact rules).
Result<Hash32> TargetFromBits(std::uint32_t bits);

// The header's hash is at most the target its own bits claim, and that target is no easier than
// pow_limit_bits. kInvalid otherwise.
Status CheckProofOfWork(const BlockHeader& h, std::uint32_t pow_limit_bits = kMainnetPowLimitBits);

}  // namespace peerdb::ots
