// `peerdb verify-disclosure`: checks a disclosure file (chain/disclosure.h) offline against the
// genesis consortium alone, with the rules every member applies: the epochs are derived by
// chain::AdvanceEpoch from the governance items the file carries, certificates by
// chain::VerifyMajorityCert, seals by chain::VerifyCheckpointSeals and chain::IsUnanimous, the
// envelope by chain::CheckEnvelope, the anchor (when carried) by AuditAnchors. Nothing in the file is trusted: every byte is covered by a signature, a hash or
// the ciphertext's tag, so a file changed anywhere fails.
// Not carried (so a disclosure of such a chain fails closed): evidence recorded outside the blocks
// of an activated change. A change that activated because evidence excluded a missing approver is
// proven only when the evidence's block lies between the change's proposal and its activation.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/audit/anchor_audit.h"
#include "peerdb/chain/config.h"
#include "peerdb/chain/disclosure.h"

namespace peerdb::audit {

struct DisclosureReport {
  std::string ns;
  std::string key;
  std::uint64_t version = 0;          // the key's version (encrypted namespaces; 0 when not shown)
  bool encrypted = false;
  chain::Member author;
  std::vector<chain::MemberId> readers;  // the envelope's readers (encrypted only)
  Bytes plaintext;
  std::uint64_t height = 0;
  Hash32 block_id{};
  std::uint64_t timestamp_ms = 0;
  std::uint64_t epoch = 0;
  std::vector<chain::Member> members;     // of that epoch
  std::vector<chain::MemberId> voters;    // its majority certificate
  std::vector<chain::MemberId> sealers;   // seals carried, all verified
  bool unanimous = false;                 // the seals make the block UNANIMOUS (§3)
  std::vector<chain::MemberId> not_sealed;  // required members whose seal is not in the file
  std::size_t governance_blocks = 0;
  // The anchor carried, when one covers the block: what it proves and how it was checked.
  std::optional<AnchorFinding> anchor;
  bool anchor_checked_against_bitcoin = false;
  std::string bitcoin_description;  // the header source, when one was given
};

// Errors: kInvalid (one line: what failed and where); kUnavailable / kIo when `bitcoin` has a
// header source that cannot answer. The anchor, when carried, is checked as `peerdb audit` checks
// anchors (AuditAnchors): against Bitcoin headers when `bitcoin` names a source, else its shape.
Result<DisclosureReport> VerifyDisclosure(const chain::Genesis& genesis, const chain::Disclosure& disclosure,
                                          const BitcoinView& bitcoin = {});

// The report for people, one line each.
std::vector<std::string> FormatDisclosureReport(const DisclosureReport& report);

}  // namespace peerdb::audit
