#include "peerdb/audit/report.h"

#include "peerdb/consensus/evidence.h"
#include "peerdb/util/time_text.h"

namespace peerdb::audit {
namespace {

std::string Short(const Hash32& h) { return Hex(h).substr(0, 8); }

std::string RangeText(const anchor::FixedRange& r) {
  return r.first == r.last ? "block " + std::to_string(r.first)
                           : "blocks " + std::to_string(r.first) + "-" + std::to_string(r.last);
}

void AnchorLines(const AuditReport& r, std::vector<std::string>& out) {
  const AnchorAudit& a = *r.anchor_audit;
  if (a.checked_against_bitcoin) {
    out.push_back("Bitcoin: headers from " + r.bitcoin_description + ", tip at height " + std::to_string(a.tip_height));
    out.push_back("anchors: " + std::to_string(a.records) + " records, " + std::to_string(a.confirmed) +
                  " confirmed by Bitcoin headers from " + r.bitcoin_description + " (" +
                  std::to_string(a.confirmations_required) + " confirmations required)");
  } else {
    out.push_back("anchors: " + std::to_string(a.records) +
                  " records; NOT checked against Bitcoin (no header source: give --esplora, --bitcoind or --headers)");
  }
  for (const anchor::FixedRange& range : r.ranges) {
    if (!range.by) {
      out.push_back("  " + RangeText(range) + ": not anchored yet");
      continue;
    }
    const anchor::CoveringAnchor& c = *range.by;
    std::string line = "  " + RangeText(range) + ": ";
    if (a.checked_against_bitcoin) {
      line += "fixed by Bitcoin block " + std::to_string(c.btc_height) + " (" + util::UtcTimeText(c.btc_time) + ")";
    } else {
      line += "anchored in Bitcoin block " + std::to_string(c.btc_height) + " (not checked against Bitcoin)";
    }
    line += ", anchored digest " + Short(c.digest) + " (checkpoint of block " + std::to_string(c.height) +
            (c.unanimous ? ", sealed by every required member" : ", not sealed by every required member") + ")";
    out.push_back(std::move(line));
  }
  for (std::size_t i = 0; i < a.findings.size(); ++i) {
    const AnchorFinding& f = a.findings[i];
    if (f.note.empty()) continue;
    out.push_back("  note: " + AnchorLabel(i, f.covering.digest) + " of block " + std::to_string(f.covering.height) + ": " +
                  f.note);
  }
}

std::string MemberList(const std::vector<chain::MemberId>& ids) {
  std::string out;
  for (chain::MemberId id : ids) {
    if (!out.empty()) out += ", ";
    out += std::to_string(id);
  }
  return out;
}

void ActivationLines(const AuditReport& r, std::vector<std::string>& out) {
  for (const ActivationFinding& a : r.activations) {
    std::string line = "epoch " + std::to_string(a.epoch) + " from block " + std::to_string(a.start_height) + ": change " +
                       Short(a.change_id) + " proposed by member " + std::to_string(a.proposer) + " (" + a.proposer_name +
                       ") in block " + std::to_string(a.proposed_height) + ", approved by members " + MemberList(a.approvers) +
                       " (completed in block " + std::to_string(a.start_height - 1) + ")";
    if (!a.leaving.empty()) line += ", members leaving: " + MemberList(a.leaving);
    line += "; config " + Short(a.config_hash);
    line += a.start_height <= r.head ? ", carried by the headers from block " + std::to_string(a.start_height)
                                     : ", no block of the epoch yet";
    out.push_back(std::move(line));
    for (const std::string& change : a.changes) out.push_back("  " + change);
  }
}

}  // namespace

std::vector<std::string> FormatReport(const AuditReport& r) {
  std::vector<std::string> out;
  if (!r.ok) {
    out.push_back(r.bad_height ? "FAILED at block " + std::to_string(*r.bad_height) + ": " + r.failure
                               : "FAILED: " + r.failure);
    return out;
  }
  out.push_back("chain " + r.chain_id_hex + ": " + std::to_string(r.blocks) + " blocks, " + std::to_string(r.ops) +
                " operations, " + std::to_string(r.seals) + " seal signatures verified");
  out.push_back("state root at height " + std::to_string(r.head) + ": " + Hex(r.state_root));
  ActivationLines(r, out);
  for (const ErasureFinding& e : r.erasures) {
    std::string versions;
    for (std::uint64_t v : e.versions) versions += (versions.empty() ? "" : ", ") + std::to_string(v);
    out.push_back("erasure: block " + std::to_string(e.height) + " (" + util::IsoUtcTime(e.timestamp_ms) + "): member " +
                  std::to_string(e.author) + " (" + e.author_name + ") erased the values of " + e.ns + "/" + e.key +
                  (e.versions.size() == 1 ? " version " : " versions ") + versions + "; their commitments verify");
  }
  for (const EvidenceFinding& e : r.evidence) {
    out.push_back("evidence: " + consensus::EvidenceKindName(e.kind) + " by member " + std::to_string(e.offender) + " (" +
                  e.offender_name + ") at height " + std::to_string(e.height) + ", " + e.where + ": verified");
  }
  if (r.anchor_audit) AnchorLines(r, out);
  if (r.light_final_height) {
    out.push_back("FINAL up to block " + std::to_string(*r.light_final_height) +
                  " (light client of PROTOCOL.md §6.3 over these headers, anchors and evidence)");
  }
  return out;
}

}  // namespace peerdb::audit
