#include "bench/raw_sha256.h"

#include <openssl/evp.h>

#include "peerdb/util/assert.h"

namespace peerdb::bench {

RawSha256::RawSha256(EvpMd md)
    : m_ctx(EVP_MD_CTX_new()), m_fetched(md == EvpMd::kFetched ? EVP_MD_fetch(nullptr, "SHA256", nullptr) : nullptr) {
  PEERDB_ASSERT(m_ctx != nullptr);
  PEERDB_ASSERT(md == EvpMd::kLegacy || m_fetched != nullptr);
}

RawSha256::~RawSha256() {
  EVP_MD_CTX_free(m_ctx);
  EVP_MD_free(m_fetched);
}

void RawSha256::Begin() {
  if (m_fetched != nullptr) {
    PEERDB_ASSERT(EVP_DigestInit_ex2(m_ctx, m_fetched, nullptr) == 1);
  } else {
    PEERDB_ASSERT(EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr) == 1);
  }
}

void RawSha256::Update(const void* data, std::size_t size) {
  PEERDB_ASSERT(EVP_DigestUpdate(m_ctx, data, size) == 1);
}

Hash32 RawSha256::End() {
  Hash32 out;
  unsigned int len = 0;
  PEERDB_ASSERT(EVP_DigestFinal_ex(m_ctx, out.data(), &len) == 1 && len == out.size());
  return out;
}

Hash32 RawSha256::Hash(ByteSpan data) {
  Begin();
  Update(data.data(), data.size());
  return End();
}

Hash32 RawLeafHash(RawSha256& hasher, ByteSpan item) {
  const std::uint8_t prefix = 0x00;
  hasher.Begin();
  hasher.Update(&prefix, 1);
  hasher.Update(item.data(), item.size());
  return hasher.End();
}

Hash32 RawNodeHash(RawSha256& hasher, const Hash32& left, const Hash32& right) {
  const std::uint8_t prefix = 0x01;
  hasher.Begin();
  hasher.Update(&prefix, 1);
  hasher.Update(left.data(), left.size());
  hasher.Update(right.data(), right.size());
  return hasher.End();
}

}  // namespace peerdb::bench
