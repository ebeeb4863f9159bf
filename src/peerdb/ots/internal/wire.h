// The .ots primitive encodings (OTS.md §1.2): bytes, LEB128 varuint, length-prefixed varbytes.
// Private to the ots module. Reader errors name the byte offset. Thread-safety: single-thread objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots::internal {

class WireReader {
 public:
  explicit WireReader(ByteSpan in) : m_in(in) {}

  Result<std::uint8_t> U8();
  // Exactly n bytes, or kMalformed "truncated".
  Result<ByteSpan> Fixed(std::size_t n);
  // Unsigned LEB128. Rejects (kMalformed) non-minimal encodings (a trailing 0x00 group), which the
  // reference would accept but never writes, and values above 2^64-1.
  Result<std::uint64_t> VarUint();
  // varuint length then that many bytes; min/max are checked before any byte is read.
  Result<ByteSpan> VarBytes(std::size_t max_len, std::size_t min_len = 0);

  bool AtEnd() const { return m_pos == m_in.size(); }
  std::size_t Pos() const { return m_pos; }
  Error Fail(Errc code, const std::string& what) const;

 private:
  ByteSpan m_in;
  std::size_t m_pos = 0;
};

void PutVarUint(Bytes& out, std::uint64_t value);
void PutVarBytes(Bytes& out, ByteSpan data);
inline void PutBytes(Bytes& out, ByteSpan data) { out.insert(out.end(), data.begin(), data.end()); }

}  // namespace peerdb::ots::internal
