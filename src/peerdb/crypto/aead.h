// Authenticated encryption for private records (PROTOCOL.md §1.4 Envelope) through libsodium:
// XChaCha20-Poly1305 (IETF) for a value under a one-time data key, and X25519 sealed boxes that wrap
// that data key to each reader's encryption key. Secrets live in SecretBytes, wiped when destroyed.
// Thread-safety: all functions are thread-safe once libsodium is initialised (InitCrypto).
#pragma once

#include <array>
#include <cstdint>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::crypto {

inline constexpr std::size_t kDataKeyBytes = 32;
inline constexpr std::size_t kAeadNonceBytes = 24;
inline constexpr std::size_t kAeadTagBytes = 16;
inline constexpr std::size_t kSealedKeyBytes = 48 + kDataKeyBytes;  // crypto_box_SEALBYTES + data key = 80

using AeadNonce = std::array<std::uint8_t, kAeadNonceBytes>;

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

// The data key sealed to an X25519 public key (an anonymous sender: an ephemeral key per box).
// kInvalid if `recipient` is not a usable X25519 key (libsodium refuses it).
Result<Bytes> SealDataKey(const Hash32& recipient, const DataKey& key);
// Opens a sealed data key with the recipient's key pair. kBadSignature if it does not open,
// kMalformed if it has the wrong size.
Result<DataKey> OpenDataKey(const Hash32& public_key, const Hash32& secret_key, ByteSpan sealed);

}  // namespace peerdb::crypto
