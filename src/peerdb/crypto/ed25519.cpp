#include "peerdb/crypto/ed25519.h"

#include <sodium.h>

#include "peerdb/util/assert.h"

namespace peerdb::crypto {

void InitCrypto() {
  static const bool initialised = [] { return sodium_init() >= 0; }();
  PEERDB_ASSERT(initialised);
}

SigningKey SigningKey::Generate() {
  InitCrypto();
  SecretSeed seed;
  randombytes_buf(seed.data(), seed.size());
  SigningKey k = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

SigningKey SigningKey::FromSeed(const SecretSeed& seed) {
  InitCrypto();
  SigningKey k;
  k.m_seed = seed;
  PEERDB_ASSERT(crypto_sign_seed_keypair(k.m_pk.data(), k.m_sk.data(), seed.data()) == 0);
  return k;
}

SigningKey::~SigningKey() {
  sodium_memzero(m_seed.data(), m_seed.size());
  sodium_memzero(m_sk.data(), m_sk.size());
}

Sig64 SigningKey::Sign(ByteSpan message) const {
  Sig64 sig;
  PEERDB_ASSERT(crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), m_sk.data()) == 0);
  return sig;
}

bool VerifySignature(const PublicKey& pk, ByteSpan message, const Sig64& sig) {
  InitCrypto();
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), pk.data()) == 0;
}

EncryptionKeyPair EncryptionKeyPair::Generate() {
  InitCrypto();
  EncryptionKeyPair kp;
  PEERDB_ASSERT(crypto_box_keypair(kp.public_key.data(), kp.secret_key.data()) == 0);
  return kp;
}

Hash32 X25519PublicFromSecret(const Hash32& secret_key) {
  InitCrypto();
  Hash32 pk;
  PEERDB_ASSERT(crypto_scalarmult_base(pk.data(), secret_key.data()) == 0);
  return pk;
}

void RandomBytes(std::uint8_t* out, std::size_t n) {
  InitCrypto();
  randombytes_buf(out, n);
}

}  // namespace peerdb::crypto
