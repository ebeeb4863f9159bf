// OpenTimestamps operations: the edges of a timestamp tree (OTS.md §1.3). Each op maps a message
// to a result under the reference's limits: msg <= 4096 bytes, result <= 4096 bytes, append and
// prepend arguments 1..4096 bytes, hexlify input 1..2048 bytes, reverse input non-empty.
// Thread-safety: value types and pure functions.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots {

constexpr std::size_t kMaxMsgLength = 4096;
constexpr std::size_t kMaxResultLength = 4096;
constexpr std::size_t kMaxOpArgLength = 4096;
constexpr std::size_t kMaxHexlifyMsgLength = kMaxResultLength / 2;

// Tag numbers are the wire values (taken by the reference from RFC 4880).
enum class OpTag : std::uint8_t {
  kSha1 = 0x02,
  kRipemd160 = 0x03,
  kSha256 = 0x08,
  kKeccak256 = 0x67,
  kAppend = 0xf0,
  kPrepend = 0xf1,
  kReverse = 0xf2,
  kHexlify = 0xf3,
};

// The tag if `byte` names a known op.
std::optional<OpTag> OpTagFromByte(std::uint8_t byte);
// append and prepend carry an argument; every other op is unary.
bool OpHasArg(OpTag tag);
// The crypt ops that may hash the file of a detached timestamp: sha1, ripemd160, sha256, keccak256
// (keccak256 sits in the reference's CryptOp tag table). Their digest length, or 0 for other ops.
std::size_t CryptDigestLength(OpTag tag);
std::string_view OpName(OpTag tag);

struct Op {
  OpTag tag = OpTag::kSha256;
  Bytes arg;  // empty for unary ops

  // The reference order (Op.__lt__): tag byte, then argument bytes.
  friend bool operator==(const Op&, const Op&) = default;
  friend std::strong_ordering operator<=>(const Op& a, const Op& b);
};

inline Op Sha256Op() { return Op{OpTag::kSha256, {}}; }
inline Op AppendOp(Bytes arg) { return Op{OpTag::kAppend, std::move(arg)}; }
inline Op PrependOp(Bytes arg) { return Op{OpTag::kPrepend, std::move(arg)}; }

// The op's argument rule; kMalformed for an empty or unexpected argument, kTooLarge above 4096.
Status CheckOpArg(const Op& op);
// op(msg), or kTooLarge / kInvalid when msg or result break the limits above.
Result<Bytes> ApplyOp(const Op& op, ByteSpan msg);

}  // namespace peerdb::ots
