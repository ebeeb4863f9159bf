// A `peerdb audit` report as JSON (`peerdb audit --json`), for scripts and monitoring: the same facts
// as the text (report.h), with times in Unix seconds and ISO 8601 UTC. The checks are elsewhere.
// Thread-safety: a pure function.
#pragma once

#include <nlohmann/json.hpp>

#include "peerdb/audit/chain_audit.h"

namespace peerdb::audit {

// {"ok", "chain_id", "blocks", "ops", "seals", "head", "state_root",
//  "failure": null | {"height", "code", "message"}, "evidence": [...],
//  "activations": [{"epoch", "start_height", "change_id", "proposer", "proposer_name", "proposed_height",
//                   "approvers", "leaving", "changes", "config_hash"}],
//  "anchors": null | {"records", "confirmed", "checked_against_bitcoin", "confirmations_required", "source"},
//  "ranges": [{"first", "last", "fixed_by": null | {"btc_height", "btc_block_hash", "btc_time", "btc_time_iso", "digest", "height"}}],
//  "light_final_height": null | N}
nlohmann::json ReportJson(const AuditReport& report);

}  // namespace peerdb::audit
