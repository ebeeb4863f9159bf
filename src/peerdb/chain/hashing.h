// Tagged hashing and sign-bytes (PROTOCOL.md §1.2). Tags are never renumbered or renamed:
// changing one changes every id. Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "peerdb/codec/pce.h"
#include "peerdb/crypto/ed25519.h"
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

// H(tag, x) = SHA-256(u8 len(tag) || tag || bytes)
Hash32 TaggedHashBytes(std::string_view tag, ByteSpan pce_bytes);

template <class T>
Hash32 TaggedHash(std::string_view tag, const T& x) {
  return TaggedHashBytes(tag, codec::Encode(x));
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
