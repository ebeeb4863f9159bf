#include "peerdb/crypto/aead.h"

#include <sodium.h>

#include <cstring>

#include "peerdb/crypto/ed25519.h"

namespace peerdb::crypto {

static_assert(kAeadNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kDataKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kSealedKeyBytes == crypto_box_SEALBYTES + kDataKeyBytes);

DataKey DataKey::Generate() {
  InitCrypto();
  DataKey k;
  crypto_aead_xchacha20poly1305_ietf_keygen(k.m_key.data());
  return k;
}

DataKey DataKey::FromBytes(ByteSpan b) {
  DataKey k;
  std::memcpy(k.m_key.data(), b.data(), kDataKeyBytes);
  return k;
}

DataKey::DataKey(DataKey&& other) noexcept : m_key(other.m_key) { sodium_memzero(other.m_key.data(), kDataKeyBytes); }

DataKey& DataKey::operator=(DataKey&& other) noexcept {
  if (this != &other) {
    m_key = other.m_key;
    sodium_memzero(other.m_key.data(), kDataKeyBytes);
  }
  return *this;
}

DataKey::~DataKey() { sodium_memzero(m_key.data(), kDataKeyBytes); }

Bytes AeadEncrypt(const DataKey& key, const AeadNonce& nonce, ByteSpan ad, ByteSpan plaintext) {
  Bytes out(plaintext.size() + kAeadTagBytes);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &len, plaintext.data(), plaintext.size(), ad.data(), ad.size(),
                                             nullptr, nonce.data(), key.bytes().data());
  out.resize(static_cast<std::size_t>(len));
  return out;
}

Result<Bytes> AeadDecrypt(const DataKey& key, const AeadNonce& nonce, ByteSpan ad, ByteSpan ciphertext) {
  if (ciphertext.size() < kAeadTagBytes) return Error{Errc::kMalformed, "ciphertext shorter than its tag"};
  Bytes out(ciphertext.size() - kAeadTagBytes);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, ciphertext.data(), ciphertext.size(), ad.data(),
                                                 ad.size(), nonce.data(), key.bytes().data()) != 0) {
    return Error{Errc::kBadSignature, "ciphertext does not decrypt under its data key"};
  }
  out.resize(static_cast<std::size_t>(len));
  return out;
}

Result<Bytes> SealDataKey(const Hash32& recipient, const DataKey& key) {
  InitCrypto();
  Bytes out(kSealedKeyBytes);
  if (crypto_box_seal(out.data(), key.bytes().data(), kDataKeyBytes, recipient.data()) != 0) {
    return Error{Errc::kInvalid, "not a usable X25519 public key"};
  }
  return out;
}

Result<DataKey> OpenDataKey(const Hash32& public_key, const Hash32& secret_key, ByteSpan sealed) {
  if (sealed.size() != kSealedKeyBytes) {
    return Error{Errc::kMalformed, "a sealed data key has " + std::to_string(kSealedKeyBytes) + " bytes, not " +
                                       std::to_string(sealed.size())};
  }
  std::array<std::uint8_t, kDataKeyBytes> raw{};
  if (crypto_box_seal_open(raw.data(), sealed.data(), sealed.size(), public_key.data(), secret_key.data()) != 0) {
    return Error{Errc::kBadSignature, "the sealed data key does not open with this member's key"};
  }
  DataKey k = DataKey::FromBytes(ByteSpan(raw));
  sodium_memzero(raw.data(), raw.size());
  return k;
}

}  // namespace peerdb::crypto
