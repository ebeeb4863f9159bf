// Fuzz target for the peer transport's decoders (net::DecodeFrameLength, net::DecodeFrame,
// net::DecodeHello): the input as one frame, header included, with max_frame_bytes = 64 KiB.
// For every input: no crash, hang or sanitizer finding; a rejection carries a decoder error code;
// an accepted frame re-encodes to the input, and an accepted hello re-encodes to its body. The
// length check alone must agree with the whole-frame decoder. Any breach aborts.
#include <cstddef>
#include <cstdint>

#include "peerdb/net/frame.h"
#include "peerdb/util/assert.h"

namespace {

using namespace peerdb;

constexpr std::size_t kMaxFrame = 64u << 10;

bool IsDecoderError(Errc code) {
  return code == Errc::kMalformed || code == Errc::kTooLarge || code == Errc::kBadVersion;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan in(data, size);
  auto frame = net::DecodeFrame(in, kMaxFrame);
  if (!frame.ok()) {
    PEERDB_ASSERT(IsDecoderError(frame.error().code));
  } else {
    PEERDB_ASSERT(net::DecodeFrameLength(in.first(net::kFrameHeaderBytes), kMaxFrame).ok());
    const Bytes again = net::EncodeFrame(frame->type, frame->body);
    PEERDB_ASSERT(Bytes(in.begin(), in.end()) == again);
  }
  if (size >= net::kFrameHeaderBytes) {
    auto len = net::DecodeFrameLength(in.first(net::kFrameHeaderBytes), kMaxFrame);
    if (len.ok()) PEERDB_ASSERT(*len >= 1 && *len <= kMaxFrame);
  }
  // The body as a hello, whatever the frame said.
  const ByteSpan body = frame.ok() ? frame->body : in;
  auto hello = net::DecodeHello(body);
  if (!hello.ok()) {
    PEERDB_ASSERT(IsDecoderError(hello.error().code));
  } else {
    const Bytes again = net::EncodeHello(*hello);
    PEERDB_ASSERT(Bytes(body.begin(), body.end()) == again);
  }
  return 0;
}
