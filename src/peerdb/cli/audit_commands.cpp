// peerdb audit / peerdb export: offline verification of a chain for auditors, with its anchors
// checked against a Bitcoin header source when one is given.
#include <iostream>
#include <memory>

#include "peerdb/cli/bitcoin_flags.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/audit/report_json.h"
#include "peerdb/audit/report.h"
#include "peerdb/node/consortium_file.h"

namespace peerdb::cli {
namespace {

struct AuditArgs {
  std::string db, chain, consortium;
  BitcoinFlags bitcoin;
  bool json = false;
};

int BadInput(const std::string& message) {
  std::cerr << "peerdb: " << message << "\n";
  return kExitBadInput;
}

int Audit(const AuditArgs& a) {
  if (a.db.empty() == a.chain.empty()) return Fail(Error{Errc::kMalformed, "give exactly one of --db FILE or --chain FILE"});
  auto bitcoin = OpenBitcoinSource(a.bitcoin);
  if (!bitcoin.ok()) {
    return bitcoin.error().code == Errc::kMalformed ? BadInput(bitcoin.error().message) : Fail(bitcoin.error());
  }
  audit::AuditOptions options;
  if (!a.consortium.empty()) {
    auto c = node::LoadConsortium(a.consortium);
    if (!c.ok()) return Fail(c.error());
    options.expected_chain_id = c->chain_id;
  }
  options.bitcoin = (*bitcoin)->view;
  auto report = a.db.empty() ? audit::AuditExport(a.chain, options) : audit::AuditDatabase(a.db, options);
  if (!report.ok()) {
    const Error& e = report.error();
    if (e.code == Errc::kUnavailable || e.code == Errc::kIo) return Fail(e.Context("cannot get Bitcoin block headers"));
    // A source that cannot be read at all (not a database, not an export) is bad input; a chain
    // that reads but fails verification is reported below with exit 1.
    if (e.code == Errc::kCorrupt || e.code == Errc::kMalformed) return BadInput(e.message);
    return Fail(e);
  }
  if (a.json) {
    std::cout << audit::ReportJson(*report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return report->ok ? kExitOk : kExitFailed;
  }
  for (const std::string& line : audit::FormatReport(*report)) std::cout << line << "\n";
  if (!report->ok) {
    std::cerr << "peerdb: audit failed" << (report->bad_height ? " at block " + std::to_string(*report->bad_height) : "")
              << ": " << report->failure << "\n";
    return kExitFailed;
  }
  std::cout << "audit passed\n";
  return kExitOk;
}

}  // namespace

void AddAuditCommands(CLI::App& app, const Bind& bind) {
  auto audit = std::make_shared<AuditArgs>();
  CLI::App* a = app.add_subcommand("audit", "Re-verify a chain from genesis, offline");
  a->add_option("--db", audit->db, "A node's database file (opened read-only)");
  a->add_option("--chain", audit->chain, "A chain export file (peerdb export)");
  a->add_option("--consortium", audit->consortium, "consortium.toml: require this chain id");
  AddBitcoinFlags(a, audit->bitcoin);
  a->add_flag("--json", audit->json, "Print the report as JSON (exit codes unchanged)");
  bind(a, [audit] { return Audit(*audit); });

  auto db = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* e = app.add_subcommand("export", "Write a node's chain to a file an auditor can verify");
  e->add_option("--db", *db, "The node's database file")->required();
  e->add_option("--out", *out, "Output file (never overwritten)")->required();
  bind(e, [db, out] {
    auto n = audit::ExportDatabase(*db, *out);
    if (!n.ok()) return Fail(n.error());
    std::cout << "exported " << *n << " blocks to " << *out << "\n";
    return kExitOk;
  });
}

}  // namespace peerdb::cli
