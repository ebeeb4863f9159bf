#include "peerdb/audit/report_json.h"

#include "peerdb/consensus/evidence.h"
#include "peerdb/util/time_text.h"

namespace peerdb::audit {

using nlohmann::json;

json ReportJson(const AuditReport& r) {
  json failure = nullptr;
  if (!r.ok) {
    failure = {{"height", r.bad_height ? json(*r.bad_height) : json(nullptr)},
               {"code", std::string(ErrcName(r.failure_code))},
               {"message", r.failure}};
  }
  json evidence = json::array();
  for (const EvidenceFinding& e : r.evidence) {
    evidence.push_back({{"kind", consensus::EvidenceKindName(e.kind)},
                        {"offender", e.offender},
                        {"offender_name", e.offender_name},
                        {"height", e.height},
                        {"where", e.where}});
  }
  json activations = json::array();
  for (const ActivationFinding& a : r.activations) {
    activations.push_back({{"epoch", a.epoch},
                           {"start_height", a.start_height},
                           {"change_id", Hex(a.change_id)},
                           {"proposer", a.proposer},
                           {"proposer_name", a.proposer_name},
                           {"proposed_height", a.proposed_height},
                           {"approvers", a.approvers},
                           {"leaving", a.leaving},
                           {"changes", a.changes},
                           {"config_hash", Hex(a.config_hash)}});
  }
  json erasures = json::array();
  for (const ErasureFinding& e : r.erasures) {
    erasures.push_back({{"height", e.height},
                        {"timestamp_ms", e.timestamp_ms},
                        {"time", util::IsoUtcTime(e.timestamp_ms)},
                        {"author", e.author},
                        {"author_name", e.author_name},
                        {"ns", e.ns},
                        {"key", e.key},
                        {"versions", e.versions}});
  }
  json anchors = nullptr;
  if (r.anchor_audit) {
    const AnchorAudit& a = *r.anchor_audit;
    anchors = {{"records", a.records},
               {"confirmed", a.confirmed},
               {"checked_against_bitcoin", a.checked_against_bitcoin},
               {"confirmations_required", a.confirmations_required},
               {"source", r.bitcoin_description.empty() ? json(nullptr) : json(r.bitcoin_description)}};
  }
  json ranges = json::array();
  for (const anchor::FixedRange& range : r.ranges) {
    json by = nullptr;
    if (range.by) {
      const anchor::CoveringAnchor& c = *range.by;
      by = {{"height", c.height},
            {"digest", Hex(c.digest)},
            {"btc_height", c.btc_height},
            {"btc_block_hash", Hex(c.btc_block_hash)},
            {"btc_time", c.btc_time},
            {"btc_time_iso", c.btc_time == 0 ? json(nullptr) : json(util::IsoUtcTime(std::uint64_t{c.btc_time} * 1000))}};
    }
    ranges.push_back({{"first", range.first}, {"last", range.last}, {"fixed_by", std::move(by)}});
  }
  return json{{"ok", r.ok},
              {"chain_id", r.chain_id_hex},
              {"blocks", r.blocks},
              {"ops", r.ops},
              {"seals", r.seals},
              {"head", r.head},
              {"state_root", Hex(r.state_root)},
              {"failure", std::move(failure)},
              {"evidence", std::move(evidence)},
              {"activations", std::move(activations)},
              {"erasures", std::move(erasures)},
              {"anchors", std::move(anchors)},
              {"ranges", std::move(ranges)},
              {"light_final_height", r.light_final_height ? json(*r.light_final_height) : json(nullptr)}};
}

}  // namespace peerdb::audit
