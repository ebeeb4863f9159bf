// The text of a `peerdb audit` report, kept apart from the checks (chain_checker.h) that produce
// its facts: the summary, each epoch activated (the change, its proposer and approvers, the config
// diff), the evidence verified, how the anchors were checked, which Bitcoin block
// fixes which block range, and the light client's FINAL; or the first failure.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerdb/audit/chain_audit.h"

namespace peerdb::audit {

// The report's lines, in the order the CLI prints them.
std::vector<std::string> FormatReport(const AuditReport& report);

}  // namespace peerdb::audit
