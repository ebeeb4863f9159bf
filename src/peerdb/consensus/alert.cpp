#include "peerdb/consensus/alert.h"

namespace peerdb::consensus {

std::string_view AlertCode(AlertKind k) {
  switch (k) {
    case AlertKind::kMajorityWithoutMe: return "A1a MAJORITY_WITHOUT_ME";
    case AlertKind::kMajorityRejected: return "A1b MAJORITY_REJECTED";
    case AlertKind::kLostVote: return "A2a LOST_VOTE";
    case AlertKind::kOrphanedSeal: return "A2b ORPHANED_SEAL";
    case AlertKind::kPartitioned: return "A2c PARTITIONED";
    case AlertKind::kEquivocation: return "A3 EQUIVOCATION";
    case AlertKind::kSilentMember: return "A4 SILENT_MEMBER";
    case AlertKind::kAnchorLag: return "A5 ANCHOR_LAG";
    case AlertKind::kCensoredBatch: return "A6 CENSORED_BATCH";
    case AlertKind::kClockSkew: return "A7 CLOCK_SKEW";
    case AlertKind::kConflictingFinal: return "A8 CONFLICTING_FINAL";
    case AlertKind::kUnreadableRecord: return "A9 UNREADABLE_RECORD";
  }
  return "A? UNKNOWN";
}

Severity SeverityOf(AlertKind k) {
  switch (k) {
    case AlertKind::kLostVote: return Severity::kInfo;
    case AlertKind::kMajorityWithoutMe:
    case AlertKind::kPartitioned:
    case AlertKind::kSilentMember:
    case AlertKind::kAnchorLag:
    case AlertKind::kCensoredBatch:
    case AlertKind::kClockSkew:
    case AlertKind::kUnreadableRecord: return Severity::kWarn;
    case AlertKind::kMajorityRejected:
    case AlertKind::kOrphanedSeal:
    case AlertKind::kEquivocation: return Severity::kCritical;
    case AlertKind::kConflictingFinal: return Severity::kCatastrophic;
  }
  return Severity::kWarn;
}

}  // namespace peerdb::consensus
