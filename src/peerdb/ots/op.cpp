#include "peerdb/ots/op.h"

#include <algorithm>
#include <string>

#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/hashes.h"

namespace peerdb::ots {

std::optional<OpTag> OpTagFromByte(std::uint8_t byte) {
  switch (byte) {
    case 0x02: case 0x03: case 0x08: case 0x67: case 0xf0: case 0xf1: case 0xf2: case 0xf3:
      return static_cast<OpTag>(byte);
    default:
      return std::nullopt;
  }
}

bool OpHasArg(OpTag tag) { return tag == OpTag::kAppend || tag == OpTag::kPrepend; }

std::size_t CryptDigestLength(OpTag tag) {
  switch (tag) {
    case OpTag::kSha1: case OpTag::kRipemd160: return 20;
    case OpTag::kSha256: case OpTag::kKeccak256: return 32;
    default: return 0;
  }
}

std::string_view OpName(OpTag tag) {
  switch (tag) {
    case OpTag::kSha1: return "sha1";
    case OpTag::kRipemd160: return "ripemd160";
    case OpTag::kSha256: return "sha256";
    case OpTag::kKeccak256: return "keccak256";
    case OpTag::kAppend: return "append";
    case OpTag::kPrepend: return "prepend";
    case OpTag::kReverse: return "reverse";
    case OpTag::kHexlify: return "hexlify";
  }
  return "unknown";
}

std::strong_ordering operator<=>(const Op& a, const Op& b) {
  if (a.tag != b.tag) return static_cast<std::uint8_t>(a.tag) <=> static_cast<std::uint8_t>(b.tag);
  return std::lexicographical_compare_three_way(a.arg.begin(), a.arg.end(), b.arg.begin(), b.arg.end());
}

Status CheckOpArg(const Op& op) {
  if (!OpHasArg(op.tag)) {
    if (!op.arg.empty()) return Error{Errc::kMalformed, std::string(OpName(op.tag)) + " takes no argument"};
    return Status::Ok();
  }
  if (op.arg.empty()) return Error{Errc::kMalformed, std::string(OpName(op.tag)) + " argument is empty"};
  if (op.arg.size() > kMaxOpArgLength) {
    return Error{Errc::kTooLarge, std::string(OpName(op.tag)) + " argument exceeds 4096 bytes"};
  }
  return Status::Ok();
}

namespace {
template <std::size_t N>
Bytes ToVec(const std::array<std::uint8_t, N>& a) { return Bytes(a.begin(), a.end()); }
}  // namespace

Result<Bytes> ApplyOp(const Op& op, ByteSpan msg) {
  PEERDB_TRY(CheckOpArg(op));
  if (msg.size() > kMaxMsgLength) {
    return Error{Errc::kTooLarge, "message too long for " + std::string(OpName(op.tag)) + ": " +
                                      std::to_string(msg.size()) + " > 4096"};
  }
  Bytes out;
  switch (op.tag) {
    case OpTag::kSha1: out = ToVec(Sha1(msg)); break;
    case OpTag::kRipemd160: out = ToVec(Ripemd160(msg)); break;
    case OpTag::kSha256: out = ToVec(crypto::Sha256(msg)); break;
    case OpTag::kKeccak256: out = ToVec(Keccak256(msg)); break;
    case OpTag::kAppend:
    case OpTag::kPrepend: {
      if (msg.size() + op.arg.size() > kMaxResultLength) {
        return Error{Errc::kTooLarge, "result of " + std::string(OpName(op.tag)) + " too long: " +
                                          std::to_string(msg.size() + op.arg.size()) + " > 4096"};
      }
      const ByteSpan first = op.tag == OpTag::kAppend ? msg : ByteSpan(op.arg);
      const ByteSpan second = op.tag == OpTag::kAppend ? ByteSpan(op.arg) : msg;
      out.reserve(first.size() + second.size());
      out.insert(out.end(), first.begin(), first.end());
      out.insert(out.end(), second.begin(), second.end());
      break;
    }
    case OpTag::kReverse:
      if (msg.empty()) return Error{Errc::kInvalid, "cannot reverse an empty message"};
      out.assign(msg.rbegin(), msg.rend());
      break;
    case OpTag::kHexlify: {
      if (msg.empty()) return Error{Errc::kInvalid, "cannot hexlify an empty message"};
      if (msg.size() > kMaxHexlifyMsgLength) {
        return Error{Errc::kTooLarge, "message too long for hexlify: " + std::to_string(msg.size()) + " > 2048"};
      }
      const std::string hex = Hex(msg);
      out.assign(hex.begin(), hex.end());
      break;
    }
  }
  return out;
}

}  // namespace peerdb::ots
