// The baselines' hashing: SHA-256 straight through OpenSSL EVP with one reused EVP_MD_CTX, and
// the raw RFC 6962 leaf and node hashes on top of it. Thread-safety: a RawSha256 is single-thread.
#pragma once

#include <openssl/types.h>

#include <cstddef>

#include "peerdb/util/bytes.h"

namespace peerdb::bench {

// Where the EVP_MD comes from. OpenSSL 3 resolves the legacy EVP_sha256() to a provider
// implementation on every EVP_DigestInit_ex; a digest fetched once (EVP_MD_fetch) skips that,
// which is most of the cost of hashing a short message.
enum class EvpMd { kLegacy, kFetched };

class RawSha256 {
 public:
  explicit RawSha256(EvpMd md = EvpMd::kLegacy);
  ~RawSha256();
  RawSha256(const RawSha256&) = delete;
  RawSha256& operator=(const RawSha256&) = delete;

  void Begin();
  void Update(const void* data, std::size_t size);
  Hash32 End();
  Hash32 Hash(ByteSpan data);

 private:
  EVP_MD_CTX* m_ctx;
  EVP_MD* m_fetched;  // null for kLegacy
};

// RFC 6962 §2.1: leaf = SHA-256(0x00 || item), node = SHA-256(0x01 || left || right).
Hash32 RawLeafHash(RawSha256& hasher, ByteSpan item);
Hash32 RawNodeHash(RawSha256& hasher, const Hash32& left, const Hash32& right);

}  // namespace peerdb::bench
