// Client commands about the node itself: status (and status --check for monitoring), evidence, and
// wait (returns once the node is ready, for scripts and service managers).
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "peerdb/cli/api_client.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/cli/node_target.h"
#include "peerdb/util/time_text.h"

namespace peerdb::cli {
namespace {

constexpr std::chrono::milliseconds kWaitPoll{200};
constexpr std::chrono::milliseconds kWaitRequestTimeout{5'000};

void PrintAnchoring(const nlohmann::json& s) {
  const nlohmann::json a = s.value("anchoring", nlohmann::json::object());
  if (!a.is_object() || !a.value("enabled", false)) {
    std::cout << "anchoring off (set [anchor] enabled = true in node.toml)\n";
    return;
  }
  std::cout << "anchoring " << a.value("pending_jobs", 0) << " pending, " << a.value("anchors", 0) << " anchors, "
            << a.value("confirmations", 0) << " confirmations required";
  if (a.value("last_submission_ms", std::uint64_t{0}) > 0) {
    std::cout << "; last submitted block " << a.value("last_submitted_height", 0) << " at "
              << util::UtcTimeText(a.value("last_submission_ms", std::uint64_t{0}) / 1000);
  }
  std::cout << "\n";
  const nlohmann::json last = a.value("last_anchor", nlohmann::json());
  if (last.is_object()) {
    std::cout << "          block " << last.value("height", 0) << " fixed by Bitcoin block " << last.value("btc_height", 0)
              << " (" << util::UtcTimeText(last.value("btc_time", std::uint64_t{0})) << ")\n";
  }
  if (a.contains("last_error") && a["last_error"].is_string()) {
    std::cout << "          last error: " << a["last_error"].get<std::string>() << "\n";
  }
}

void PrintStatus(const nlohmann::json& s) {
  std::cout << "chain     " << s.value("chain_id", std::string()) << "\n"
            << "me        " << s["self"].value("id", 0) << " (" << s["self"].value("name", std::string()) << ")\n"
            << "epoch     " << s.value("epoch", 0) << " (since block " << s.value("epoch_start_height", 1) << ")\n"
            << "head      " << s.value("head_height", 0) << "  " << s.value("head_id", std::string()) << "\n"
            << "unanimous " << s.value("unanimous_height", 0) << "\n"
            << "anchored  " << s.value("anchored_height", 0) << "\n"
            << "final     " << s.value("final_height", 0)
            << (s.value("up_to_date", false) ? "" : "   (NOT-UP-TO-DATE: blocks above final are not anchored yet)") << "\n"
            << "pending   " << s.value("pending_ops", 0) << " ops\n";
  if (!s.value("self_member", true)) {
    std::cout << "NOT MEMBER this node's member " << s["self"].value("id", 0)
              << " is not in the config in force: it was removed, or has not joined yet (see peerdb change list)\n";
  }
  PrintAnchoring(s);
  const auto deciding = s.value("deciding", nlohmann::json::object());
  std::cout << "deciding  height " << deciding.value("height", 0) << ", round " << deciding.value("round", 0)
            << ", proposer " << deciding.value("proposer", 0) << "\n";
  const auto members = s.value("members", nlohmann::json::array());
  auto name_of = [&members](std::uint64_t id) {
    for (const auto& m : members) {
      if (m.value("id", std::uint64_t{0}) == id) return m.value("name", std::string()) + " <" + m.value("contact", std::string()) + ">";
    }
    return "member " + std::to_string(id);
  };
  for (const auto& alert : s.value("alerts", nlohmann::json::array())) {
    if (!alert.is_object()) continue;
    std::cout << "ALERT     " << alert.value("code", std::string()) << " (" << alert.value("severity", std::string())
              << ", blocks " << alert.value("from_height", 0) << ".." << alert.value("to_height", 0) << "): "
              << alert.value("detail", std::string()) << "\n";
    for (const auto& m : alert.value("members", nlohmann::json::array())) {
      if (m.is_number_unsigned()) std::cout << "          involves " << name_of(m.get<std::uint64_t>()) << "\n";
    }
  }
  if (s.value("evidence_count", 0) > 0) {
    std::cout << "evidence  " << s.value("evidence_count", 0) << " (see `peerdb evidence`)\n";
  }
  const std::uint64_t now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::cout << "\n";
  std::cout << std::left << std::setw(4) << "id" << std::setw(24) << "member" << std::setw(13) << "last sealed"
            << std::setw(14) << "silent since" << std::setw(11) << "link" << "contact\n";
  for (const auto& m : members) {
    const std::uint64_t seen = m.value("last_seen_ms", std::uint64_t{0});
    std::string silent = seen == 0 ? "never seen" : std::to_string((now_ms > seen ? now_ms - seen : 0) / 1000) + " s";
    std::string link = m.value("self", false) ? "self" : m.value("connected", false) ? "connected" : "down";
    if (m.value("excluded", false)) link = "EXCLUDED";
    std::cout << std::setw(4) << m.value("id", 0) << std::setw(24) << m.value("name", std::string()) << std::setw(13)
              << m.value("last_sealed_height", 0) << std::setw(14) << silent << std::setw(11) << link
              << m.value("contact", std::string()) << "\n";
  }
}

// --check: for cron and monitoring, exit 1 while any alert is open (its lines go to stderr too).
int Status(const std::string& api, bool json, bool check) {
  auto r = ApiClient(api).Get("/v1/status");
  if (!r.ok()) return Fail(r.error());
  if (json) {
    std::cout << r->dump(2) << "\n";
  } else {
    PrintStatus(*r);
  }
  if (!check) return kExitOk;
  const auto alerts = r->value("alerts", nlohmann::json::array());
  if (alerts.empty()) return kExitOk;
  std::cerr << "peerdb: " << alerts.size() << (alerts.size() == 1 ? " alert is" : " alerts are") << " open:";
  for (const auto& a : alerts) std::cerr << " " << a.value("code", std::string());
  std::cerr << "\n";
  return kExitFailed;
}

// Lists the evidence the node holds; --out writes it as JSON (each item's PCE bytes in hex, as
// docs/formats.md describes) for other members, auditors or regulators.
int Evidence(const std::string& api, bool json, const std::string& out) {
  auto r = ApiClient(api).Get("/v1/evidence");
  if (!r.ok()) return Fail(r.error());
  if (!out.empty()) {
    std::ofstream f(out, std::ios::trunc);
    f << r->dump(2) << "\n";
    if (!f.good()) return Fail(Error{Errc::kIo, "cannot write " + out});
  }
  if (json) {
    std::cout << r->dump(2) << "\n";
    return kExitOk;
  }
  const auto list = r->value("evidence", nlohmann::json::array());
  if (list.empty()) {
    std::cout << "no evidence: no member has been caught signing conflicting messages\n";
    return kExitOk;
  }
  for (const auto& e : list) {
    std::cout << e.value("kind", std::string()) << "  member " << e.value("offender", 0) << "  height "
              << e.value("height", 0) << "\n";
  }
  if (!out.empty()) std::cout << "written to " << out << "\n";
  return kExitOk;
}

// Polls GET /v1/health until the node says it is ready or the deadline passes (exit 4, with the
// last reason it gave or why it could not be reached).
// The URL is resolved again on every try: with --config, the node writes it once it listens.
int Wait(const NodeTarget& target, double timeout_s, bool json) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  ClientOptions options;
  options.connect_timeout = kWaitRequestTimeout;
  options.request_timeout = kWaitRequestTimeout;
  std::string last, api;
  while (true) {
    auto url = ResolveApiUrl(target);
    if (!url.ok()) return Fail(url.error());
    api = *url;
    auto health = ApiClient(api, options).GetAnyStatus("/v1/health");
    if (health.ok() && health->value("ready", false)) {
      if (json) std::cout << health->dump(2) << "\n";
      else std::cout << "ready: " << api << " (head height " << health->value("head_height", 0) << ")\n";
      return kExitOk;
    }
    if (!health.ok() && health.error().code != Errc::kUnavailable) return Fail(health.error());
    last = health.ok() ? health->value("reason", std::string("not ready")) : health.error().message;
    if (std::chrono::steady_clock::now() + kWaitPoll > deadline) break;
    std::this_thread::sleep_for(kWaitPoll);
  }
  return Fail(Error{Errc::kUnavailable, "node at " + api + " not ready after " + std::to_string(static_cast<long>(timeout_s)) +
                                            " s: " + last});
}

}  // namespace

void AddStatusCommands(CLI::App& app, const Bind& bind, const std::shared_ptr<NodeTarget>& target) {
  struct Args {
    bool json = false, check = false;
    std::string out;
    double timeout_s = 60;
  };
  auto args = std::make_shared<Args>();

  CLI::App* status = app.add_subcommand("status", "Chain heights and, per member, last sealed height and contact");
  status->add_flag("--json", args->json, "Print JSON");
  status->add_flag("--check", args->check, "Exit 1 while any alert is open (for cron and monitoring)");
  AddNodeTargetOptions(status, *target);
  bind(status, WithApi(target, [args](const std::string& api) { return Status(api, args->json, args->check); }));

  CLI::App* evidence = app.add_subcommand("evidence", "List the evidence of double-signing this node holds, or export it");
  evidence->add_flag("--json", args->json, "Print JSON");
  evidence->add_option("--out", args->out, "Also write the evidence (JSON, PCE bytes in hex) to this file");
  AddNodeTargetOptions(evidence, *target);
  bind(evidence, WithApi(target, [args](const std::string& api) { return Evidence(api, args->json, args->out); }));

  CLI::App* wait = app.add_subcommand("wait", "Wait until the node is ready (serves reads and reaches a majority)");
  wait->add_option("--timeout", args->timeout_s, "Give up after this many seconds (default 60; exit 4)")
      ->check(CLI::Range(0.0, 86400.0));
  wait->add_flag("--json", args->json, "Print the node's health as JSON once ready");
  AddNodeTargetOptions(wait, *target);
  bind(wait, [target, args] { return Wait(*target, args->timeout_s, args->json); });
}

}  // namespace peerdb::cli
