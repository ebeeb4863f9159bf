// Tagged hashing and sign-bytes (PROTOCOL.md §1.2). Tags are never renumbered or renamed:
// changing one changes every id. Thread-safety: free functions are thread-safe (one hasher pool per thread).
#pragma once

#include <cstring>
#include <string_view>

#include "peerdb/codec/pce.h"
#include "peerdb/crypto/ed25519.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/util/bytes.h"

namespace peerdb::chain {

namespace tag {
inline constexpr std::string_view kGenesis = "PDB1/genesis";
inline constexpr std::string_view kConfig = "PDB1/config";
inline constexpr std::string_view kHeader = "PDB1/header";
inline constexpr std::string_view kCheckpoint = "PDB1/checkpoint";
inline constexpr std::string_view kConfigChange = "PDB1/cfgchange";
inline constexpr std::string_view kRecord = "PDB1/record";
inline constexpr std::string_view kJustification = "PDB1/just";
// PROTOCOL.md §1.2 lists its tags with "…"; these two fill gaps it leaves: the hash of a majority
// certificate (Header.parent_cert_hash, "H(parent's MC)") and a batch's id for lookups and dedup.
inline constexpr std::string_view kMajorityCert = "PDB1/mc";
inline constexpr std::string_view kBatchId = "PDB1/batchid";
// Batch format 2: an op's value commitment (chain::ValueCommitment).
inline constexpr std::string_view kValue = "PDB1/value";
// Sign tags.
inline constexpr std::string_view kSignBatch = "PDB1/batch";
inline constexpr std::string_view kSignProposal = "PDB1/proposal";
inline constexpr std::string_view kSignVote = "PDB1/vote";
inline constexpr std::string_view kSignRoundChange = "PDB1/rc";
inline constexpr std::string_view kSignSeal = "PDB1/seal";
inline constexpr std::string_view kSignApprove = "PDB1/approve";
}  // namespace tag

// A hasher for H(tag, ·), already fed the framing u8 len(tag) || tag. Each lease takes its own
// hasher from a per-thread pool (hashes nest: an Op's committed form hashes its value while the
// batch around it is being hashed), so no EVP context is created per hash.
class TaggedHasher {
 public:
  explicit TaggedHasher(std::string_view tag);
  ~TaggedHasher();
  TaggedHasher(const TaggedHasher&) = delete;
  TaggedHasher& operator=(const TaggedHasher&) = delete;
  void Update(ByteSpan bytes) { m_hasher->Update(bytes); }
  Hash32 Finish() {
    m_finished = true;
    return m_hasher->Finish();
  }

 private:
  crypto::Sha256Hasher* m_hasher;
  bool m_finished = false;
};

// A codec sink that feeds a TaggedHasher through a small buffer: a PCE form is hashed as it is
// written, without building it, and without one hasher call per field.
class HashSink {
 public:
  explicit HashSink(TaggedHasher& hasher) : m_hasher(&hasher) {}
  void put(const std::uint8_t* p, std::size_t n) {
    if (n == 0) return;  // an empty value's data() may be null, which memcpy must not see
    if (n > sizeof(m_buf) - m_len) {
      Flush();
      if (n >= sizeof(m_buf)) return m_hasher->Update(ByteSpan(p, n));
    }
    std::memcpy(m_buf + m_len, p, n);
    m_len += n;
  }
  void Flush() {
    m_hasher->Update(ByteSpan(m_buf, m_len));
    m_len = 0;
  }

 private:
  TaggedHasher* m_hasher;
  std::uint8_t m_buf[512];
  std::size_t m_len = 0;
};

// H(tag, b) where `write(w)` writes b into a codec writer `w` of the given form: the one place the
// tagged framing meets the codec's encoding, so a hash never needs its input built first.
template <class Write>
Hash32 TaggedHashWritten(std::string_view tag, codec::WriteForm form, Write&& write) {
  TaggedHasher hasher(tag);
  codec::BasicWriter<HashSink> w(form, HashSink(hasher));
  write(w);
  w.sink().Flush();
  return hasher.Finish();
}

// H(tag, x) = SHA-256(u8 len(tag) || tag || bytes)
Hash32 TaggedHashBytes(std::string_view tag, ByteSpan pce_bytes);

// H(tag, PCE(x)) for the full form; TaggedHashCommitted for the committed form (values replaced by
// their commitments, codec::WriteForm::kCommitted).
template <class T>
Hash32 TaggedHash(std::string_view tag, const T& x) {
  return TaggedHashWritten(tag, codec::WriteForm::kFull, [&](auto& w) { w.item(x); });
}
template <class T>
Hash32 TaggedHashCommitted(std::string_view tag, const T& x) {
  return TaggedHashWritten(tag, codec::WriteForm::kCommitted, [&](auto& w) { w.item(x); });
}

// SB(tag, m) = u8 len(tag) || tag || chain_id || PCE(m without its sig field)
Bytes SignBytesRaw(std::string_view tag, const Hash32& chain_id, ByteSpan pce_without_sig);

// Signed message types declare `static constexpr std::string_view kSignTag`, `sig` and a signer.
template <class M>
Bytes SignBytes(const Hash32& chain_id, const M& m) {
  return SignBytesRaw(M::kSignTag, chain_id, codec::EncodeForSigning(m));
}

template <class M>
void SignWith(const crypto::SigningKey& key, const Hash32& chain_id, M& m) {
  m.sig = key.Sign(SignBytes(chain_id, m));
}

template <class M>
[[nodiscard]] bool VerifySignedBy(const crypto::PublicKey& pk, const Hash32& chain_id, const M& m) {
  return crypto::VerifySignature(pk, SignBytes(chain_id, m), m.sig);
}

}  // namespace peerdb::chain
