// Ed25519 signatures (RFC 8032) and X25519 encryption keys through libsodium.
// Verification is strict (libsodium rejects non-canonical S and small-order keys), PROTOCOL.md §1.2.
// Thread-safety: all functions are thread-safe once libsodium is initialised (done on first use).
#pragma once

#include <array>

#include "peerdb/util/bytes.h"

namespace peerdb::crypto {

using PublicKey = Hash32;                               // 32-byte Ed25519 public key
using SecretSeed = std::array<std::uint8_t, 32>;        // RFC 8032 private key (seed)

// Initialises libsodium; aborts if it cannot (no safe way to continue without randomness).
void InitCrypto();

class SigningKey {
 public:
  static SigningKey Generate();
  static SigningKey FromSeed(const SecretSeed& seed);
  SigningKey(const SigningKey&) = default;
  SigningKey& operator=(const SigningKey&) = default;
  ~SigningKey();

  const PublicKey& public_key() const { return m_pk; }
  const SecretSeed& seed() const { return m_seed; }
  Sig64 Sign(ByteSpan message) const;

 private:
  SigningKey() = default;
  SecretSeed m_seed{};
  std::array<std::uint8_t, 64> m_sk{};  // libsodium's seed || pk form
  PublicKey m_pk{};
};

[[nodiscard]] bool VerifySignature(const PublicKey& pk, ByteSpan message, const Sig64& sig);

// X25519 key pair for sealed-box encryption envelopes.
struct EncryptionKeyPair {
  Hash32 public_key{};
  Hash32 secret_key{};
  static EncryptionKeyPair Generate();
};
Hash32 X25519PublicFromSecret(const Hash32& secret_key);

void RandomBytes(std::uint8_t* out, std::size_t n);
template <std::size_t N>
std::array<std::uint8_t, N> RandomArray() {
  std::array<std::uint8_t, N> a;
  RandomBytes(a.data(), N);
  return a;
}

}  // namespace peerdb::crypto
