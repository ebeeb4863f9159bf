#include "peerdb/ots/bitcoin_header.h"

#include <algorithm>

#include "peerdb/crypto/sha256.h"

namespace peerdb::ots {

namespace {
std::uint32_t LoadLe32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
void StoreLe32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
}  // namespace

Result<BlockHeader> DecodeBlockHeader(ByteSpan in) {
  if (in.size() != kBlockHeaderSize) {
    return Error{Errc::kMalformed, "block header must be 80 bytes, got " + std::to_string(in.size())};
  }
  BlockHeader h;
  h.version = static_cast<std::int32_t>(LoadLe32(in.data()));
  std::copy_n(in.data() + 4, 32, h.prev_block.begin());
  std::copy_n(in.data() + 36, 32, h.merkle_root.begin());
  h.time = LoadLe32(in.data() + 68);
  h.bits = LoadLe32(in.data() + 72);
  h.nonce = LoadLe32(in.data() + 76);
  return h;
}

std::array<std::uint8_t, kBlockHeaderSize> EncodeBlockHeader(const BlockHeader& h) {
  std::array<std::uint8_t, kBlockHeaderSize> out{};
  StoreLe32(out.data(), static_cast<std::uint32_t>(h.version));
  std::copy(h.prev_block.begin(), h.prev_block.end(), out.data() + 4);
  std::copy(h.merkle_root.begin(), h.merkle_root.end(), out.data() + 36);
  StoreLe32(out.data() + 68, h.time);
  StoreLe32(out.data() + 72, h.bits);
  StoreLe32(out.data() + 76, h.nonce);
  return out;
}

Hash32 BlockHash(const BlockHeader& h) {
  const auto bytes = EncodeBlockHeader(h);
  const Hash32 once = crypto::Sha256(ByteSpan(bytes));
  return crypto::Sha256(ByteSpan(once));
}

std::string DisplayHex(ByteSpan internal_order) {
  Bytes reversed(internal_order.rbegin(), internal_order.rend());
  return Hex(reversed);
}

std::string BlockHashHex(const BlockHeader& h) { return DisplayHex(BlockHash(h)); }

Result<Hash32> TargetFromBits(std::uint32_t bits) {
  const std::uint32_t exponent = bits >> 24;
  std::uint32_t mantissa = bits & 0x007fffff;
  if ((bits & 0x00800000) != 0 && mantissa != 0) return Error{Errc::kInvalid, "negative compact target"};
  if (mantissa != 0 && (exponent > 34 || (mantissa > 0xff && exponent > 33) || (mantissa > 0xffff && exponent > 32))) {
    return Error{Errc::kInvalid, "compact target overflows 256 bits"};
  }
  Hash32 target{};  // big-endian
  if (exponent <= 3) {
    mantissa >>= 8 * (3 - exponent);
    for (int i = 0; i < 3; ++i) target[31 - i] = static_cast<std::uint8_t>(mantissa >> (8 * i));
  } else {
    // mantissa * 256^(exponent-3): its least significant byte lands at index 31-(exponent-3).
    for (std::uint32_t i = 0; i < 3; ++i) {
      const std::uint32_t pos = exponent - 3 + i;  // byte significance
      const auto byte = static_cast<std::uint8_t>(mantissa >> (8 * i));
      if (pos < 32) target[31 - pos] = byte;  // higher bytes are zero when the overflow check passed
    }
  }
  if (std::all_of(target.begin(), target.end(), [](std::uint8_t b) { return b == 0; })) {
    return Error{Errc::kInvalid, "zero compact target"};
  }
  return target;
}

Status CheckProofOfWork(const BlockHeader& h, std::uint32_t pow_limit_bits) {
  PEERDB_TRY_ASSIGN(const Hash32 target, TargetFromBits(h.bits));
  PEERDB_TRY_ASSIGN(const Hash32 limit, TargetFromBits(pow_limit_bits));
  if (target > limit) {
    // The usual cause is a regtest chain (the devchain) checked as mainnet: say so, not "forged".
    PEERDB_TRY_ASSIGN(const Hash32 regtest, TargetFromBits(kRegtestPowLimitBits));
    if (pow_limit_bits != kRegtestPowLimitBits && target <= regtest) {
      return Error{Errc::kInvalid, "header claims a target easier than the proof-of-work limit: it looks like a regtest "
                                   "header (the devchain's); for a regtest chain pass --network regtest (network = "
                                   "\"regtest\" under [anchor] in node.toml)"};
    }
    return Error{Errc::kInvalid, "header claims a target easier than the proof-of-work limit"};
  }
  const Hash32 hash = BlockHash(h);
  Hash32 hash_big_endian;
  std::copy(hash.rbegin(), hash.rend(), hash_big_endian.begin());
  if (hash_big_endian > target) return Error{Errc::kInvalid, "block hash does not meet its target"};
  return Status::Ok();
}

}  // namespace peerdb::ots
