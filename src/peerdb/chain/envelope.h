// Private records (PROTOCOL.md §1.4 Envelope): the value of a PUT into an `encrypted` namespace.
// The writing member's node encrypts the plaintext with a fresh data key (XChaCha20-Poly1305) and
// wraps that key to each reader's X25519 key and its own (crypto::KeyWrapper: one ephemeral key
// pair per request, carried in the envelope). Every member checks the envelope's shape (C5,
// CheckEnvelope) without reading it; only the readers named in it can open it.
//
// Deviations from §1.4, each so a member can check more than the shape alone:
// - the envelope carries `key_version`, the version the PUT creates, and the executor requires it
//   to be exactly the key's next version: a ciphertext cannot be replayed as a later version, and a
//   writer that raced another is refused (a conflict) instead of leaving a value nobody can open;
// - the associated data binds the chain id, the namespace, the key, `key_version` and the author
//   (§1.4 names ns and key only), so an envelope copied to another chain, key, version or author
//   does not decrypt;
// - §1.4 seals the data key to each reader in its own sealed box (two X25519 operations per value
//   and reader). Envelope version 2 wraps it under a key agreed between the request's ephemeral key
//   and the reader's key instead (crypto::KeyWrapper), which makes an encrypted write cost about
//   what a plain one does; each wrapped key is bound to its reader's slot by its associated data.
// Thread-safety: value types and pure functions (sealing draws randomness from libsodium).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/chain/tx.h"
#include "peerdb/crypto/aead.h"
#include "peerdb/util/result.h"

namespace peerdb::chain {

inline constexpr std::uint16_t kEnvelopeVersion = 2;  // 1 had a sealed box per reader

struct WrappedKey {
  MemberId reader = 0;
  crypto::WrappedKeyBytes wrapped{};  // the data key under the reader's KEK, with its tag
  template <class V> void Pce(V& v) { v.u32(reader); v.fixed(wrapped); }
  bool operator==(const WrappedKey&) const = default;
};

struct Envelope {
  std::uint16_t version = kEnvelopeVersion;
  std::uint64_t key_version = 0;  // the version of the key this PUT creates
  crypto::AeadNonce nonce{};      // random; the ciphertext's nonce and every wrapped key's
  Bytes ciphertext;               // plaintext || 16-byte tag
  Hash32 ephemeral{};             // the writer's ephemeral X25519 public key (crypto::KeyWrapper)
  std::vector<WrappedKey> keys;   // sorted by reader, one per reader
  template <class V> void Pce(V& v) {
    v.version(version, kEnvelopeVersion); v.u64(key_version); v.fixed(nonce); v.bytes(ciphertext, kMaxValueBytes);
    v.fixed(ephemeral); v.sorted_list(keys, kMaxMembers, [](const WrappedKey& k) { return k.reader; });
  }
  bool operator==(const Envelope&) const = default;
};

// The members a value written by `author` under `rule` is sealed to: the rule's readers (empty:
// every member of `config`) plus the author, sorted.
std::vector<MemberId> EnvelopeReaders(const Config& config, const Rule& rule, MemberId author);

// The associated data every envelope's ciphertext authenticates.
Bytes EnvelopeAd(const Hash32& chain_id, std::string_view ns, std::string_view key, std::uint64_t key_version,
                 MemberId author);

// H("PDB1/envelope", value): how a non-reader names the envelope it holds.
Hash32 EnvelopeHash(ByteSpan value);

// C5 for a PUT into an encrypted namespace: `value` decodes canonically as an Envelope whose
// key_version is `next_version`, whose keys name exactly EnvelopeReaders (no reader left out,
// nobody added) and whose ciphertext holds at least a tag. Errors: kMalformed, kBadVersion,
// kConflict (sealed for another version: another write to the key came first), kInvalid (one line
// naming the readers expected and found).
Result<Envelope> CheckEnvelope(const Config& config, const Rule& rule, MemberId author, std::uint64_t next_version,
                               ByteSpan value);

// The writer's side: seals `plaintext` for EnvelopeReaders and returns the encoded Envelope, its
// data key wrapped by `wrapper` (one per request: its key agreements are reused for every value).
// kInvalid if a reader has no usable encryption key in `config`.
Result<Bytes> SealValue(const Config& config, const Rule& rule, const Hash32& chain_id, std::string_view ns,
                        std::string_view key, MemberId author, std::uint64_t key_version, ByteSpan plaintext,
                        crypto::KeyWrapper& wrapper);

// A reader's side, in two steps (a disclosure hands the data key to an outsider): the data key
// wrapped for member `self` holding the X25519 pair (`enc_public`, `enc_secret`). Errors:
// kNotAReader (the envelope names no key for `self`), kBadSignature (the wrapped key does not open).
Result<crypto::DataKey> OpenEnvelopeKey(const Envelope& envelope, MemberId self, const Hash32& enc_public,
                                        const Hash32& enc_secret);
// The plaintext of `envelope` under `data_key`, its associated data rebuilt from the chain id, the
// namespace, the key, its key_version and the author. kBadSignature when it does not decrypt.
Result<Bytes> DecryptEnvelope(const Envelope& envelope, const crypto::DataKey& data_key, const Hash32& chain_id,
                              std::string_view ns, std::string_view key, MemberId author);

// Both steps: the plaintext of `envelope` (checked by CheckEnvelope when it was committed) for
// member `self` holding the X25519 pair (`enc_public`, `enc_secret`). Errors: kNotAReader (the
// envelope names no key for `self`), kBadSignature (the key or the ciphertext does not open: the
// writer's fault, or keys that do not match the config).
Result<Bytes> OpenValue(const Envelope& envelope, const Hash32& chain_id, std::string_view ns, std::string_view key,
                        MemberId author, MemberId self, const Hash32& enc_public, const Hash32& enc_secret);

}  // namespace peerdb::chain
