// Offline verification of Bitcoin attestations (OTS.md §2.1): a leaf message must equal the
// merkle root of the header at the attested height (internal byte order) and that header must
// carry valid proof of work for its own bits. Headers come from a HeaderSource, the seam where
// Esplora, bitcoind and headers-file sources plug in.
// Thread-safety: the functions are pure apart from calling the source; a HeaderSource states its own.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerdb/ots/bitcoin_header.h"
#include "peerdb/ots/timestamp.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots {

class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  // The header at `height` of the source's chain: kNotFound when it has none, kUnavailable or
  // kIo when it cannot answer now.
  virtual Result<BlockHeader> HeaderAt(std::uint64_t height) = 0;
  // The height of the source's best chain tip (for confirmations); errors as HeaderAt.
  virtual Result<std::uint64_t> TipHeight() = 0;
};

struct VerifyOptions {
  std::uint32_t pow_limit_bits = kMainnetPowLimitBits;  // kRegtestPowLimitBits for the devchain
};

// The reference's verify_against_blockheader plus the proof-of-work check: digest is 32 bytes and
// equals header.merkle_root, and CheckProofOfWork passes. Returns the header's time. kInvalid.
Result<std::uint32_t> VerifyAgainstBlockHeader(ByteSpan digest, const BlockHeader& header,
                                               const VerifyOptions& options = {});

struct BitcoinVerification {
  std::uint64_t height = 0;
  std::uint32_t time = 0;  // header nTime, seconds since the epoch
  Hash32 block_hash{};     // internal order
  // tip - height + 1 by the source's TipHeight; 0 when the tip is below the block or unknown.
  std::uint64_t confirmations = 0;
  std::optional<Error> tip_error;  // why the tip is unknown
};

// Tries every Bitcoin attestation of the tree by ascending height; the first that verifies wins
// ("one Bitcoin attestation is enough", as the reference client), then asks the source for its tip
// to count confirmations (the lowest attestation has the most). kNotFound if the tree has no
// Bitcoin attestation; otherwise, if none verifies, the error of the lowest one tried.
// Pending, Litecoin, Ethereum and unknown attestations are not verified.
Result<BitcoinVerification> VerifyBitcoin(const Timestamp& timestamp, HeaderSource& source,
                                          const VerifyOptions& options = {});

}  // namespace peerdb::ots
