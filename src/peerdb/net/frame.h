// The peer transport's wire format (PROTOCOL.md §1.1 item 8): frames `u32 len || u8 type || body`,
// big-endian len counting type + body, and the Hello that opens every session (type 0).
// Type 0 belongs to the transport: the first frame each way is a Hello; after it, a type-0 frame
// with an empty body is a keepalive. Node message types start at 1 (consensus/wire.h).
// Thread-safety: value types and pure functions. Decoders never throw.
#pragma once

#include <cstddef>
#include <cstdint>

#include "peerdb/chain/config.h"
#include "peerdb/codec/pce.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::net {

inline constexpr std::uint8_t kTransportType = 0;     // Hello first, then keepalives
inline constexpr std::size_t kFrameHeaderBytes = 4;    // the u32 len
inline constexpr std::uint16_t kHelloVersion = 1;

// {u16 version; B32 chain_id; u32 member_id}: who the sender says it is, checked against its
// certificate's key.
struct Hello {
  std::uint16_t version = kHelloVersion;
  Hash32 chain_id{};
  chain::MemberId member_id = 0;
  template <class V> void Pce(V& v) { v.version(version); v.fixed(chain_id); v.u32(member_id); }
  bool operator==(const Hello&) const = default;
};

// `u32 len || u8 type || body` with len = 1 + body.size().
Bytes EncodeFrame(std::uint8_t type, ByteSpan body);

// The frame's len (type + body) from its 4-byte header. kMalformed for 0, kTooLarge above max.
Result<std::uint32_t> DecodeFrameLength(ByteSpan header, std::size_t max_frame_bytes);

struct FrameView {
  std::uint8_t type = 0;
  ByteSpan body;
};
// Splits one whole frame (header included) into type and body; the input must be exactly one frame.
Result<FrameView> DecodeFrame(ByteSpan frame, std::size_t max_frame_bytes);

Bytes EncodeHello(const Hello& hello);
// Strict PCE decode of a Hello body (kMalformed, kBadVersion).
Result<Hello> DecodeHello(ByteSpan body);

// The peer's hello must name our chain and the member whose key its certificate carries:
// kInvalid "other chain ..." or kNotMember "hello names member X but the certificate is member Y's".
Status CheckHello(const Hello& hello, const Hash32& chain_id, chain::MemberId certified_member);

}  // namespace peerdb::net
