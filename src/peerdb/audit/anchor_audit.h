// The anchor part of `peerdb audit` (PROTOCOL.md §6.3 step 4): every stored AnchorRecord must
// commit to a checkpoint of a block on the audited chain, with seals that verify, through an
// OpenTimestamps proof that reaches a Bitcoin attestation at the record's height. Given a Bitcoin
// header source, that attestation must also match the header's merkle root, the header must carry
// valid proof of work and hash to the record's block hash, and only anchors with enough
// confirmations fix blocks. The result says, per block range, which Bitcoin block fixes it.
// Thread-safety: single-thread (calls the header source).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/anchor/anchor_status.h"
#include "peerdb/ots/verify.h"

namespace peerdb::audit {

// The auditor's own view of Bitcoin. Without headers, anchors are checked only for their shape.
struct BitcoinView {
  ots::HeaderSource* headers = nullptr;
  std::function<Result<std::uint64_t>()> tip_height;  // the source's best height; required with headers
  std::string description;                             // e.g. "Esplora http://127.0.0.1:9000"
  std::uint32_t pow_limit_bits = ots::kMainnetPowLimitBits;
  std::uint32_t min_confirmations = 0;  // 0: the audited chain's k_anchor (consortium params)
};

struct AnchorInput {
  chain::AnchorRecord record;
  std::optional<chain::Checkpoint> checkpoint;
};

enum class AnchorVerdict {
  kConfirmed,    // verified against Bitcoin with enough confirmations: fixes its blocks
  kUnconfirmed,  // verified shape, but Bitcoin does not (yet) confirm it deeply enough
  kUnchecked,    // verified shape; no header source was given
  kUnsupported,  // DIRECT anchors: not checked by this version
};

struct AnchorFinding {
  AnchorVerdict verdict = AnchorVerdict::kUnchecked;
  anchor::CoveringAnchor covering;
  std::uint64_t confirmations = 0;
  std::string note;  // why it is unconfirmed or unsupported
};

struct AnchorAudit {
  std::vector<AnchorFinding> findings;  // one per input, in order (when no failure)
  // A forged or broken anchor (kInvalid): names the record and what failed. Nothing else is
  // meaningful then.
  std::optional<Error> failure;
  std::optional<std::uint64_t> failure_height;  // the block its checkpoint names, when known
  // Heights the valid anchors can account for (any verdict but kUnsupported): a stored status above
  // what these give is unsupported.
  chain::StatusHeights supported;
  std::vector<anchor::CoveringAnchor> fixing;  // confirmed, or unchecked when there are no headers
  // What the report needs to say how the anchors were checked.
  bool checked_against_bitcoin = false;
  std::uint64_t tip_height = 0;           // the header source's tip, when checked
  std::uint32_t confirmations_required = 0;
  std::size_t records = 0;                // anchor records audited
  std::size_t confirmed = 0;              // of them, confirmed by Bitcoin
};

// "anchor 3 (digest 1a2b3c4d)": how the report and failures name the anchor record at `index`.
std::string AnchorLabel(std::size_t index, const Hash32& digest);

// ids[h] is the id of block h of the audited chain (ids[0] = chain id) and `epochs` its epochs:
// a checkpoint's seals are verified under the config of its block's epoch. An Error only when the
// header source cannot answer (kUnavailable / kIo); a bad anchor is a failure in the result.
// `excluded`: members excluded by verified evidence; a checkpoint is unanimous when the seals of
// the others cover Req (chain::IsUnanimous, without the members leaving with the block). Without
// min_confirmations, the k_anchor of the config in force at the head is required.
Result<AnchorAudit> AuditAnchors(const std::vector<AnchorInput>& anchors, const chain::Genesis& genesis,
                                 const std::vector<Hash32>& ids, const chain::EpochHistory& epochs,
                                 const std::vector<chain::MemberId>& excluded, const BitcoinView& view);


}  // namespace peerdb::audit
