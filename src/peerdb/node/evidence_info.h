// Reading an Evidence object (PROTOCOL.md §1.7) for people: its kind's name and the member and
// height it concerns. Verification is consensus::VerifyEvidence's job; this only decodes.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "peerdb/chain/block.h"

namespace peerdb::node {

struct EvidenceSubject {
  chain::MemberId offender = 0;
  std::uint64_t height = 0;
};

// "E4 DOUBLE_SEAL" etc.; "E? UNKNOWN" for kinds outside 1..6.
std::string EvidenceKindName(std::uint8_t kind);
// The signer and height of the offending messages; nullopt when msg_a does not decode.
std::optional<EvidenceSubject> SubjectOf(const chain::Evidence& evidence);

}  // namespace peerdb::node
