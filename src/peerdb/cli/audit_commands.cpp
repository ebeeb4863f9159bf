// peerdb audit / peerdb export: offline verification of a chain for auditors.
#include <iostream>
#include <memory>

#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/node/chain_auditor.h"
#include "peerdb/node/consortium_file.h"

namespace peerdb::cli {
namespace {

struct AuditArgs {
  std::string db, chain, consortium;
};

int Audit(const AuditArgs& a) {
  if (a.db.empty() == a.chain.empty()) return Fail(Error{Errc::kMalformed, "give exactly one of --db FILE or --chain FILE"});
  std::optional<Hash32> expected;
  if (!a.consortium.empty()) {
    auto c = node::LoadConsortium(a.consortium);
    if (!c.ok()) return Fail(c.error());
    expected = c->chain_id;
  }
  auto report = a.db.empty() ? node::AuditExport(a.chain, expected) : node::AuditDatabase(a.db, expected);
  if (!report.ok()) return Fail(report.error());
  for (const std::string& line : report->notes) std::cout << line << "\n";
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
  bind(a, [audit] { return Audit(*audit); });

  auto db = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* e = app.add_subcommand("export", "Write a node's chain to a file an auditor can verify");
  e->add_option("--db", *db, "The node's database file")->required();
  e->add_option("--out", *out, "Output file (never overwritten)")->required();
  bind(e, [db, out] {
    auto n = node::ExportDatabase(*db, *out);
    if (!n.ok()) return Fail(n.error());
    std::cout << "exported " << *n << " blocks to " << *out << "\n";
    return kExitOk;
  });
}

}  // namespace peerdb::cli
