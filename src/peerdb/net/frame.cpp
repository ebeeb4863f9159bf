#include "peerdb/net/frame.h"

#include <string>

namespace peerdb::net {

Bytes EncodeFrame(std::uint8_t type, ByteSpan body) {
  const std::uint64_t len = 1 + static_cast<std::uint64_t>(body.size());
  Bytes out;
  out.reserve(kFrameHeaderBytes + len);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  out.push_back(type);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<std::uint32_t> DecodeFrameLength(ByteSpan header, std::size_t max_frame_bytes) {
  if (header.size() != kFrameHeaderBytes) return Error{Errc::kMalformed, "frame header must be 4 bytes"};
  std::uint32_t len = 0;
  for (std::uint8_t b : header) len = (len << 8) | b;
  if (len == 0) return Error{Errc::kMalformed, "zero-length frame"};
  if (len > max_frame_bytes) {
    return Error{Errc::kTooLarge, "frame of " + std::to_string(len) + " bytes exceeds " + std::to_string(max_frame_bytes)};
  }
  return len;
}

Result<FrameView> DecodeFrame(ByteSpan frame, std::size_t max_frame_bytes) {
  if (frame.size() < kFrameHeaderBytes) return Error{Errc::kMalformed, "truncated frame header"};
  PEERDB_TRY_ASSIGN(std::uint32_t len, DecodeFrameLength(frame.first(kFrameHeaderBytes), max_frame_bytes));
  if (frame.size() - kFrameHeaderBytes != len) {
    return Error{Errc::kMalformed, "frame length " + std::to_string(len) + " does not match " +
                                       std::to_string(frame.size() - kFrameHeaderBytes) + " bytes"};
  }
  return FrameView{frame[kFrameHeaderBytes], frame.subspan(kFrameHeaderBytes + 1)};
}

Bytes EncodeHello(const Hello& hello) { return codec::Encode(hello); }

Result<Hello> DecodeHello(ByteSpan body) {
  auto hello = codec::Decode<Hello>(body);
  if (!hello.ok()) return hello.error().Context("hello");
  return hello;
}

Status CheckHello(const Hello& hello, const Hash32& chain_id, chain::MemberId certified_member) {
  if (hello.chain_id != chain_id) {
    return Error{Errc::kInvalid, "other chain " + Hex(hello.chain_id) + " (ours is " + Hex(chain_id) + ")"};
  }
  if (hello.member_id != certified_member) {
    return Error{Errc::kNotMember, "hello names member " + std::to_string(hello.member_id) +
                                       " but the certificate is member " + std::to_string(certified_member) + "'s"};
  }
  return Status::Ok();
}

}  // namespace peerdb::net
