// Alerts of PROTOCOL.md §3 as the machine raises them: which, about whom, about which blocks.
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "peerdb/chain/config.h"

namespace peerdb::consensus {

// Numbers are stable (they appear in logs and the API): append, never renumber.
enum class AlertKind : std::uint8_t {
  kMajorityWithoutMe = 1,   // A1a: a majority chose a block I never received
  kMajorityRejected = 2,    // A1b: a majority chose a block I validated and rejected (critical)
  kLostVote = 3,            // A2a: my last vote is not on the best chain (info)
  kOrphanedSeal = 4,        // A2b: my sealed block is not on the best chain (critical)
  kPartitioned = 5,         // A2c: no MC at my height for > 3 timeouts and I reach < MAJ peers
  kEquivocation = 6,        // A3: valid evidence E1-E6 learned (critical)
  kSilentMember = 7,        // A4: a required member has not sealed the best head for > silent_alert_ms
  kAnchorLag = 8,           // A5: best UNANIMOUS block not FINAL after 8 h (raised by the node's anchoring)
  kCensoredBatch = 9,       // A6: my batch not included within |A| heights
  kClockSkew = 10,          // A7: a peer's proposals deferred by C4 in 3 consecutive turns
  kConflictingFinal = 11,   // A8: two conflicting FINAL blocks (catastrophic)
  kUnreadableRecord = 12,   // A9: a private record sealed to me does not open (the writer's fault; raised by the node)
};

enum class Severity : std::uint8_t { kInfo = 1, kWarn = 2, kCritical = 3, kCatastrophic = 4 };

std::string_view AlertCode(AlertKind k);  // "A4 SILENT_MEMBER"
Severity SeverityOf(AlertKind k);

struct Alert {
  AlertKind kind{};
  std::vector<chain::MemberId> members;  // who is involved (the silent member, the equivocator, ...)
  std::uint64_t from_height = 0;         // the blocks involved
  std::uint64_t to_height = 0;
  std::uint64_t since_ms = 0;            // when it was first raised (wall time of that Step)
  std::string detail;                    // one line for operators: what, who, which block, which check
  bool operator==(const Alert&) const = default;
};

}  // namespace peerdb::consensus
