// `peerdb audit` and `peerdb export`: offline re-verification of a chain from genesis, for an
// outside auditor, from a node's SQLite file (read-only) or a chain export file. Every encoding,
// link, rule, certificate, Merkle root, batch and seal signature; every config change, approval
// and activation (each block judged under the config of its epoch); a full state replay compared with
// the state roots and a node's stored state and history; evidence; stored statuses; every anchor
// record (anchor_audit.h), against Bitcoin headers when a source is given; FINAL as the light
// client computes it. The first failure is reported with the block (or anchor) it concerns.
// The checks are chain_checker.h's; the report's text is report.h's.
// Thread-safety: single-thread; opens its own read-only handles.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "peerdb/anchor/anchor_status.h"
#include "peerdb/audit/anchor_audit.h"
#include "peerdb/audit/chain_checker.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::audit {

struct AuditReport {
  bool ok = false;
  std::string chain_id_hex;
  std::uint64_t blocks = 0;        // blocks verified
  std::uint64_t ops = 0;           // operations replayed
  std::uint64_t seals = 0;         // seal signatures verified
  std::uint64_t head = 0;          // the last block verified
  Hash32 state_root{};             // the replayed state's root at `head`
  std::optional<std::uint64_t> bad_height;  // first bad block, when the failure concerns one
  std::string failure;             // what failed (empty when ok)
  Errc failure_code = Errc::kOk;   // its kind (chain_checker.h, AuditFailure)
  std::vector<EvidenceFinding> evidence;     // verified evidence, when ok
  std::vector<ActivationFinding> activations;  // config changes activated, in order, when ok
  std::vector<ErasureFinding> erasures;        // erase ops executed, in order, when ok
  std::optional<AnchorAudit> anchor_audit;   // when ok
  std::string bitcoin_description;           // the header source, e.g. "Esplora http://..."
  std::vector<anchor::FixedRange> ranges;    // per block range, the anchor fixing it (when ok)
  // FINAL as consensus::LightClient computes it from the chain's headers, evidence and the anchors
  // that fix blocks (when ok). A node's final_height over the same chain and anchors equals it.
  std::optional<std::uint64_t> light_final_height;
};

struct AuditOptions {
  std::optional<Hash32> expected_chain_id;  // from the consortium file: the source must be that chain
  BitcoinView bitcoin;                      // no headers: anchors are not checked against Bitcoin
};

// An Error means the source could not be read at all (missing file, not a database) or the header
// source could not answer; a readable source with bad content gives ok=false in the report.
Result<AuditReport> AuditDatabase(const std::string& db_path, const AuditOptions& options);
Result<AuditReport> AuditExport(const std::string& export_path, const AuditOptions& options);
inline Result<AuditReport> AuditDatabase(const std::string& db_path, const std::optional<Hash32>& expected_chain_id) {
  return AuditDatabase(db_path, AuditOptions{expected_chain_id, {}});
}
inline Result<AuditReport> AuditExport(const std::string& export_path, const std::optional<Hash32>& expected_chain_id) {
  return AuditExport(export_path, AuditOptions{expected_chain_id, {}});
}

// Writes the chain in `db_path` to an export file; returns the number of blocks written.
Result<std::uint64_t> ExportDatabase(const std::string& db_path, const std::string& out_path);

}  // namespace peerdb::audit
