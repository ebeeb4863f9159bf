#include "peerdb/ots/verify.h"

#include <algorithm>
#include <optional>
#include <string>

namespace peerdb::ots {

Result<std::uint32_t> VerifyAgainstBlockHeader(ByteSpan digest, const BlockHeader& header,
                                               const VerifyOptions& options) {
  if (digest.size() != 32) {
    return Error{Errc::kInvalid, "expected a 32-byte digest, got " + std::to_string(digest.size()) + " bytes"};
  }
  if (!std::equal(digest.begin(), digest.end(), header.merkle_root.begin())) {
    return Error{Errc::kInvalid, "digest does not match the merkle root"};
  }
  PEERDB_TRY(CheckProofOfWork(header, options.pow_limit_bits));
  return header.time;
}

Result<BitcoinVerification> VerifyBitcoin(const Timestamp& timestamp, HeaderSource& source,
                                          const VerifyOptions& options) {
  std::vector<LeafAttestation> leaves = timestamp.AllAttestations();
  std::erase_if(leaves, [](const LeafAttestation& l) { return l.attestation.kind != AttestationKind::kBitcoin; });
  if (leaves.empty()) return Error{Errc::kNotFound, "the timestamp has no Bitcoin attestation"};
  std::stable_sort(leaves.begin(), leaves.end(), [](const LeafAttestation& a, const LeafAttestation& b) {
    return a.attestation.height < b.attestation.height;
  });
  std::optional<Error> first_error;
  for (const LeafAttestation& leaf : leaves) {
    const std::uint64_t height = leaf.attestation.height;
    auto header = source.HeaderAt(height);
    Result<std::uint32_t> time = header.ok() ? VerifyAgainstBlockHeader(leaf.msg, *header, options)
                                             : Result<std::uint32_t>(header.error());
    if (time.ok()) {
      BitcoinVerification out{height, *time, BlockHash(*header)};
      auto tip = source.TipHeight();
      if (!tip.ok()) {
        out.tip_error = tip.error();
      } else if (*tip >= height) {
        out.confirmations = *tip - height + 1;
      }
      return out;
    }
    if (!first_error) first_error = time.error().Context("Bitcoin block " + std::to_string(height));
  }
  return *first_error;
}

}  // namespace peerdb::ots
