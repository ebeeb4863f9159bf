// Authenticated encryption for private records (PROTOCOL.md §1.4 Envelope) through libsodium:
// XChaCha20-Poly1305 (IETF) for a value under a one-time data key, and a KeyWrapper that wraps such
// data keys to each reader's X25519 key. Secrets are wiped when destroyed.
// Thread-safety: functions are thread-safe once libsodium is initialised (InitCrypto); a KeyWrapper
// is a single-thread object.
#pragma once

#include <array>
#include <cstdint>
#include <map>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::crypto {

inline constexpr std::size_t kDataKeyBytes = 32;
inline constexpr std::size_t kAeadNonceBytes = 24;
inline constexpr std::size_t kAeadTagBytes = 16;
inline constexpr std::size_t kWrappedKeyBytes = kDataKeyBytes + kAeadTagBytes;  // 48

using AeadNonce = std::array<std::uint8_t, kAeadNonceBytes>;
using WrappedKeyBytes = std::array<std::uint8_t, kWrappedKeyBytes>;

// A 32-byte secret (a data key) that zeroes itself on destruction and on move.
class DataKey {
 public:
  static DataKey Generate();
  static DataKey FromBytes(ByteSpan b);  // REQUIRES b.size() == kDataKeyBytes
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;
  DataKey(DataKey&& other) noexcept;
  DataKey& operator=(DataKey&& other) noexcept;
  ~DataKey();
  const std::array<std::uint8_t, kDataKeyBytes>& bytes() const { return m_key; }

 private:
  DataKey() = default;
  std::array<std::uint8_t, kDataKeyBytes> m_key{};
};

// ciphertext || 16-byte tag of `plaintext` under `key` and `nonce`, authenticating `ad`.
Bytes AeadEncrypt(const DataKey& key, const AeadNonce& nonce, ByteSpan ad, ByteSpan plaintext);
// The plaintext, or kBadSignature when the tag does not verify (wrong key, nonce, ad or bytes).
Result<Bytes> AeadDecrypt(const DataKey& key, const AeadNonce& nonce, ByteSpan ad, ByteSpan ciphertext);

// Wraps data keys to X25519 public keys, as a sealed box does (an anonymous sender, an ephemeral key
// pair), but with one ephemeral pair for many data keys: the writer's node makes one wrapper per
// request, so a request of n values to r readers costs r key agreements instead of 2·n·r. Each
// recipient's key-encryption key is KEK = BLAKE2b-256("PDB1/kek" || X25519(esk, pk) || epk || pk),
// derived once; a data key is wrapped with XChaCha20-Poly1305 under the KEK with the caller's
// nonce (unique per value: the value's own random nonce) and associated data.
class KeyWrapper {
 public:
  KeyWrapper();  // draws the ephemeral key pair
  ~KeyWrapper();
  KeyWrapper(const KeyWrapper&) = delete;
  KeyWrapper& operator=(const KeyWrapper&) = delete;

  const Hash32& ephemeral_public() const { return m_public; }
  // kInvalid if `recipient` is not a usable X25519 key (a low-order point).
  Result<WrappedKeyBytes> Wrap(const Hash32& recipient, const AeadNonce& nonce, ByteSpan ad, const DataKey& key);

 private:
  Hash32 m_public{};
  Hash32 m_secret{};
  std::map<Hash32, DataKey> m_keks;  // by recipient
};

// The data key wrapped by a KeyWrapper whose ephemeral public key is `ephemeral`, opened with the
// recipient's key pair. kBadSignature if it does not open (another recipient, a changed byte, other
// nonce or ad).
Result<DataKey> UnwrapDataKey(const Hash32& public_key, const Hash32& secret_key, const Hash32& ephemeral,
                              const AeadNonce& nonce, ByteSpan ad, const WrappedKeyBytes& wrapped);

}  // namespace peerdb::crypto
