// peerdb audit / peerdb export: offline verification of a chain for auditors, with its anchors
// checked against a Bitcoin header source when one is given.
#include <iostream>
#include <memory>

#include "peerdb/anchor/bitcoind_rest_header_source.h"
#include "peerdb/anchor/esplora_header_source.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/audit/report_json.h"
#include "peerdb/audit/report.h"
#include "peerdb/http/url.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/ots/headers_file.h"

namespace peerdb::cli {
namespace {

struct AuditArgs {
  std::string db, chain, consortium, esplora, bitcoind, headers, network = "mainnet";
  std::optional<std::uint32_t> min_confirmations;
  bool json = false;
};

int BadInput(const std::string& message) {
  std::cerr << "peerdb: " << message << "\n";
  return kExitBadInput;
}

// The header source named on the command line, or nullptr when none was given.
Result<std::unique_ptr<ots::HeaderSource>> HeaderSourceOf(const AuditArgs& a, std::string& description) {
  std::unique_ptr<ots::HeaderSource> source;
  if (!a.headers.empty()) {
    PEERDB_TRY_ASSIGN(ots::HeadersFile file, ots::HeadersFile::Load(a.headers));
    source = std::make_unique<ots::HeadersFile>(std::move(file));
    description = "the headers file " + a.headers;
  } else if (!a.bitcoind.empty()) {
    if (auto url = http::ParseUrl(a.bitcoind); !url.ok()) return url.error().Context("--bitcoind");
    source = std::make_unique<anchor::BitcoindRestHeaderSource>(a.bitcoind);
    description = "bitcoind " + a.bitcoind;
  } else if (!a.esplora.empty()) {
    if (auto url = http::ParseUrl(a.esplora); !url.ok()) return url.error().Context("--esplora");
    source = std::make_unique<anchor::EsploraHeaderSource>(a.esplora);
    description = "Esplora " + a.esplora;
  }
  return source;
}

int Audit(const AuditArgs& a) {
  if (a.db.empty() == a.chain.empty()) return Fail(Error{Errc::kMalformed, "give exactly one of --db FILE or --chain FILE"});
  if (!a.headers.empty() + !a.esplora.empty() + !a.bitcoind.empty() > 1) {
    return BadInput("give at most one of --headers, --esplora, --bitcoind");
  }
  audit::AuditOptions options;
  if (!a.consortium.empty()) {
    auto c = node::LoadConsortium(a.consortium);
    if (!c.ok()) return Fail(c.error());
    options.expected_chain_id = c->chain_id;
  }
  auto source = HeaderSourceOf(a, options.bitcoin.description);
  if (!source.ok()) return Fail(source.error());
  if (ots::HeaderSource* headers = source->get()) {
    options.bitcoin.headers = headers;
    options.bitcoin.tip_height = [headers] { return headers->TipHeight(); };
  }
  options.bitcoin.pow_limit_bits = a.network == "regtest" ? ots::kRegtestPowLimitBits : ots::kMainnetPowLimitBits;
  options.bitcoin.min_confirmations = a.min_confirmations.value_or(0);  // 0: the chain's own k_anchor
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
  a->add_option("--esplora", audit->esplora, "Check anchors against Bitcoin headers from this Esplora API base URL");
  a->add_option("--bitcoind", audit->bitcoind, "... or from a bitcoind started with -rest, e.g. http://127.0.0.1:8332");
  a->add_option("--headers", audit->headers, "... or from a JSON file of headers (offline)");
  a->add_option("--network", audit->network, "mainnet (default) or regtest: the proof-of-work limit headers must meet")
      ->check(CLI::IsMember({"mainnet", "regtest"}));
  a->add_option("--min-confirmations", audit->min_confirmations,
                "Confirmations an anchor needs to fix its blocks (default: the consortium's k_anchor)")
      ->check(CLI::Range(1, 1000));
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
