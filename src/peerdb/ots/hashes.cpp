#include "peerdb/ots/hashes.h"

#include <mutex>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "peerdb/util/assert.h"

namespace peerdb::ots {

namespace {

// RIPEMD-160 is in the default provider from OpenSSL 3.0.7 on; older 3.0 builds only have it in
// the legacy provider, which is then loaded once (with the default provider kept available).
const EVP_MD* FetchMd(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) {
    static std::once_flag once;
    std::call_once(once, [] {
      (void)OSSL_PROVIDER_load(nullptr, "default");
      (void)OSSL_PROVIDER_load(nullptr, "legacy");
    });
    md = EVP_MD_fetch(nullptr, name, nullptr);
  }
  PEERDB_ASSERT(md != nullptr);
  return md;  // fetched once per name and kept for the process
}

template <std::size_t N>
std::array<std::uint8_t, N> Digest(const EVP_MD* md, ByteSpan data) {
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  PEERDB_ASSERT(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) == 1);
  PEERDB_ASSERT(len == N);
  return out;
}

}  // namespace

Hash20 Sha1(ByteSpan data) {
  static const EVP_MD* md = FetchMd("SHA1");
  return Digest<20>(md, data);
}

Hash20 Ripemd160(ByteSpan data) {
  static const EVP_MD* md = FetchMd("RIPEMD160");
  return Digest<20>(md, data);
}

}  // namespace peerdb::ots
