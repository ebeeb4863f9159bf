#include "peerdb/ots/internal/wire.h"

namespace peerdb::ots::internal {

Error WireReader::Fail(Errc code, const std::string& what) const {
  return Error{code, what + " at offset " + std::to_string(m_pos)};
}

Result<std::uint8_t> WireReader::U8() {
  if (m_pos >= m_in.size()) return Fail(Errc::kMalformed, "truncated: expected 1 more byte");
  return m_in[m_pos++];
}

Result<ByteSpan> WireReader::Fixed(std::size_t n) {
  if (m_in.size() - m_pos < n) {
    return Fail(Errc::kMalformed, "truncated: expected " + std::to_string(n) + " bytes, " +
                                      std::to_string(m_in.size() - m_pos) + " left");
  }
  const ByteSpan out = m_in.subspan(m_pos, n);
  m_pos += n;
  return out;
}

Result<std::uint64_t> WireReader::VarUint() {
  std::uint64_t value = 0;
  for (unsigned shift = 0;; shift += 7) {
    PEERDB_TRY_ASSIGN(const std::uint8_t b, U8());
    const std::uint64_t group = b & 0x7f;
    if (shift == 63 && group > 1) return Fail(Errc::kTooLarge, "varuint exceeds 64 bits");
    value |= group << shift;
    if ((b & 0x80) == 0) {
      if (b == 0 && shift != 0) return Fail(Errc::kMalformed, "non-minimal varuint");
      return value;
    }
    if (shift == 63) return Fail(Errc::kTooLarge, "varuint exceeds 64 bits");
  }
}

Result<ByteSpan> WireReader::VarBytes(std::size_t max_len, std::size_t min_len) {
  PEERDB_TRY_ASSIGN(const std::uint64_t len, VarUint());
  if (len > max_len) {
    return Fail(Errc::kTooLarge, "varbytes max length exceeded: " + std::to_string(len) + " > " +
                                     std::to_string(max_len));
  }
  if (len < min_len) {
    return Fail(Errc::kMalformed, "varbytes min length not met: " + std::to_string(len) + " < " +
                                      std::to_string(min_len));
  }
  return Fixed(static_cast<std::size_t>(len));
}

void PutVarUint(Bytes& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

void PutVarBytes(Bytes& out, ByteSpan data) {
  PutVarUint(out, data.size());
  PutBytes(out, data);
}

}  // namespace peerdb::ots::internal
