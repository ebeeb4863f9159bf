// SHA-256 through OpenSSL EVP (uses SHA-NI where the CPU has it).
// Thread-safety: Sha256 objects are single-thread; the free functions are thread-safe.
#pragma once

#include <memory>

#include "peerdb/util/bytes.h"

namespace peerdb::crypto {

Hash32 Sha256(ByteSpan data);
// SHA-256 of the concatenation of parts, without copying them together.
Hash32 Sha256(std::initializer_list<ByteSpan> parts);

class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  Sha256Hasher& Update(ByteSpan data);
  Hash32 Finish();  // resets the hasher for reuse

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace peerdb::crypto
