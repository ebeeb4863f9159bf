#include "peerdb/crypto/aead.h"

#include <sodium.h>

#include <cstring>

#include "peerdb/crypto/ed25519.h"

namespace peerdb::crypto {

static_assert(kAeadNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kDataKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(sizeof(Hash32) == crypto_scalarmult_BYTES && sizeof(Hash32) == crypto_box_SECRETKEYBYTES);

namespace {

constexpr std::string_view kKekTag = "PDB1/kek";

// KEK = BLAKE2b-256(tag || X25519(secret, peer) || ephemeral || recipient). kBadSignature when the
// agreement gives the all-zero point (a low-order key): libsodium refuses it.
Result<DataKey> DeriveKek(const Hash32& secret, const Hash32& peer, const Hash32& ephemeral, const Hash32& recipient) {
  std::array<std::uint8_t, crypto_scalarmult_BYTES> shared{};
  if (crypto_scalarmult(shared.data(), secret.data(), peer.data()) != 0) {
    return Error{Errc::kBadSignature, "not a usable X25519 key"};
  }
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kDataKeyBytes);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(kKekTag.data()), kKekTag.size());
  crypto_generichash_update(&state, shared.data(), shared.size());
  crypto_generichash_update(&state, ephemeral.data(), ephemeral.size());
  crypto_generichash_update(&state, recipient.data(), recipient.size());
  std::array<std::uint8_t, kDataKeyBytes> kek{};
  crypto_generichash_final(&state, kek.data(), kek.size());
  sodium_memzero(shared.data(), shared.size());
  DataKey out = DataKey::FromBytes(ByteSpan(kek));
  sodium_memzero(kek.data(), kek.size());
  return out;
}

}  // namespace

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

KeyWrapper::KeyWrapper() {
  InitCrypto();
  crypto_box_keypair(m_public.data(), m_secret.data());
}

KeyWrapper::~KeyWrapper() { sodium_memzero(m_secret.data(), m_secret.size()); }

Result<WrappedKeyBytes> KeyWrapper::Wrap(const Hash32& recipient, const AeadNonce& nonce, ByteSpan ad, const DataKey& key) {
  auto it = m_keks.find(recipient);
  if (it == m_keks.end()) {
    auto kek = DeriveKek(m_secret, recipient, m_public, recipient);
    if (!kek.ok()) return Error{Errc::kInvalid, "not a usable X25519 public key"};
    it = m_keks.emplace(recipient, std::move(kek).value()).first;
  }
  WrappedKeyBytes out{};
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &len, key.bytes().data(), kDataKeyBytes, ad.data(), ad.size(),
                                             nullptr, nonce.data(), it->second.bytes().data());
  return out;
}

Result<DataKey> UnwrapDataKey(const Hash32& public_key, const Hash32& secret_key, const Hash32& ephemeral,
                              const AeadNonce& nonce, ByteSpan ad, const WrappedKeyBytes& wrapped) {
  InitCrypto();
  PEERDB_TRY_ASSIGN(const DataKey kek, DeriveKek(secret_key, ephemeral, ephemeral, public_key));
  std::array<std::uint8_t, kDataKeyBytes> raw{};
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(raw.data(), &len, nullptr, wrapped.data(), wrapped.size(), ad.data(),
                                                 ad.size(), nonce.data(), kek.bytes().data()) != 0) {
    return Error{Errc::kBadSignature, "the wrapped data key does not open with this member's key"};
  }
  DataKey k = DataKey::FromBytes(ByteSpan(raw));
  sodium_memzero(raw.data(), raw.size());
  return k;
}

}  // namespace peerdb::crypto
