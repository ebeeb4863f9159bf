// Offline re-verification of a chain from genesis (`peerdb audit`), for an outside auditor:
// every encoding, link, certificate, Merkle root, batch and seal signature, and a full state replay
// compared against the stored state and history. The first failure is reported with the block it
// concerns and what failed. Sources: a node's SQLite file (read-only) or a chain export file.
// Thread-safety: single-thread; opens its own read-only handles.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::node {

struct AuditReport {
  bool ok = false;
  std::string chain_id_hex;
  std::uint64_t blocks = 0;        // blocks verified
  std::uint64_t ops = 0;           // operations replayed
  std::uint64_t seals = 0;         // seal signatures verified
  std::optional<std::uint64_t> bad_height;  // first bad block, when the failure concerns one
  std::string failure;             // what failed (empty when ok)
  std::vector<std::string> notes;  // human-readable summary lines
};

// expected_chain_id: when set (from the consortium file), the source must be that chain.
// An Error means the source could not be read at all (missing file, not a database); a readable
// source with bad content gives ok=false in the report.
Result<AuditReport> AuditDatabase(const std::string& db_path, const std::optional<Hash32>& expected_chain_id);
Result<AuditReport> AuditExport(const std::string& export_path, const std::optional<Hash32>& expected_chain_id);

// Writes the chain in `db_path` to an export file; returns the number of blocks written.
Result<std::uint64_t> ExportDatabase(const std::string& db_path, const std::string& out_path);

}  // namespace peerdb::node
