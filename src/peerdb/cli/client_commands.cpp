// Client commands that talk to a node's HTTP API: put, delete, get, history, block, status.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <ctime>
#include <exception>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "peerdb/cli/api_client.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/util/time_text.h"

namespace peerdb::cli {
namespace {

struct Common {
  std::string api;
};

std::string DefaultApi() {
  const char* env = std::getenv("PEERDB_API");
  return env ? env : "http://127.0.0.1:7070";
}

// Percent-encodes a path segment (keys may hold characters such as ':' or '+').
std::string Segment(std::string_view s) {
  std::ostringstream o;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      o << c;
    } else {
      o << '%' << std::uppercase << std::hex << std::setw(2) << std::setfill('0') << int(c) << std::nouppercase << std::dec;
    }
  }
  return o.str();
}

int Print(const Result<nlohmann::json>& r) {
  if (!r.ok()) return Fail(r.error());
  std::cout << r->dump(2) << "\n";
  return kExitOk;
}

// Why nlohmann refuses VALUE. A number beyond a double's range (1e400) is valid JSON, but cannot be
// kept exactly, so the advice is the node's for such numbers: send it as a string.
Error NotAValue(const std::string& value_text) {
  try {
    [[maybe_unused]] const nlohmann::json parsed = nlohmann::json::parse(value_text);
  } catch (const nlohmann::json::out_of_range&) {
    return Error{Errc::kMalformed, "VALUE holds a number that cannot be kept exactly; send it as a JSON string"};
  } catch (const std::exception&) {
  }
  return Error{Errc::kMalformed, "VALUE must be JSON; quote text like '\"paid\"'"};
}

// VALUE is checked here only for syntax, so that a shell quoting slip gets a hint, and is then
// sent as typed: parsing and re-serialising it would round a number the node must keep exactly or
// refuse (docs/api.md). A complete JSON value cannot close the body it is spliced into.
int Put(const Common& c, const std::string& ns, const std::string& key, const std::string& value_text) {
  if (!nlohmann::json::accept(value_text)) return Fail(NotAValue(value_text));
  const auto quote = [](const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string body = R"({"ops":[{"op":"put","ns":)" + quote(ns) + R"(,"key":)" + quote(key) + R"(,"value":)" +
                     value_text + "}]}";
  auto r = ApiClient(c.api).PostText("/v1/tx", std::move(body));
  if (!r.ok()) return Fail(r.error());
  std::cout << "committed " << ns << "/" << key << " in block " << r->value("height", 0) << " ("
            << r->value("block_status", std::string()) << ")\n";
  return kExitOk;
}

int Delete(const Common& c, const std::string& ns, const std::string& key) {
  nlohmann::json body = {{"ops", {{{"op", "delete"}, {"ns", ns}, {"key", key}}}}};
  auto r = ApiClient(c.api).Post("/v1/tx", body);
  if (!r.ok()) return Fail(r.error());
  std::cout << "deleted " << ns << "/" << key << " in block " << r->value("height", 0) << "\n";
  return kExitOk;
}

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

int Status(const Common& c, bool json) {
  auto r = ApiClient(c.api).Get("/v1/status");
  if (!r.ok()) return Fail(r.error());
  if (json) return Print(r);
  const nlohmann::json& s = *r;
  std::cout << "chain     " << s.value("chain_id", std::string()) << "\n"
            << "me        " << s["self"].value("id", 0) << " (" << s["self"].value("name", std::string()) << ")\n"
            << "head      " << s.value("head_height", 0) << "  " << s.value("head_id", std::string()) << "\n"
            << "unanimous " << s.value("unanimous_height", 0) << "\n"
            << "anchored  " << s.value("anchored_height", 0) << "\n"
            << "final     " << s.value("final_height", 0)
            << (s.value("up_to_date", false) ? "" : "   (NOT-UP-TO-DATE: blocks above final are not anchored yet)") << "\n"
            << "pending   " << s.value("pending_ops", 0) << " ops\n";
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
  return kExitOk;
}

// Lists the evidence the node holds; --out writes it as JSON (each item's PCE bytes in hex, as
// docs/formats.md describes) for other members, auditors or regulators.
int EvidenceCmd(const Common& c, bool json, const std::string& out) {
  auto r = ApiClient(c.api).Get("/v1/evidence");
  if (!r.ok()) return Fail(r.error());
  if (!out.empty()) {
    std::ofstream f(out, std::ios::trunc);
    f << r->dump(2) << "\n";
    if (!f.good()) return Fail(Error{Errc::kIo, "cannot write " + out});
  }
  if (json) return Print(r);
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

}  // namespace

void AddClientCommands(CLI::App& app, const Bind& bind) {
  auto common = std::make_shared<Common>();
  common->api = DefaultApi();
  auto add_api = [common](CLI::App* sub) {
    sub->add_option("--api", common->api, "Node API URL (default $PEERDB_API or http://127.0.0.1:7070)");
  };
  struct KeyArgs {
    std::string ns, key, value, min_status;
    std::size_t limit = 100;
    std::uint64_t height = 0;
    bool json = false;
  };
  auto args = std::make_shared<KeyArgs>();

  CLI::App* put = app.add_subcommand("put", "Write a JSON value; returns once committed");
  put->add_option("namespace", args->ns)->required();
  put->add_option("key", args->key)->required();
  put->add_option("value", args->value, "JSON value, e.g. '{\"amount\": 12}' or '\"text\"'")->required();
  add_api(put);
  bind(put, [common, args] { return Put(*common, args->ns, args->key, args->value); });

  CLI::App* del = app.add_subcommand("delete", "Delete a key (its history is kept)");
  del->add_option("namespace", args->ns)->required();
  del->add_option("key", args->key)->required();
  add_api(del);
  bind(del, [common, args] { return Delete(*common, args->ns, args->key); });

  CLI::App* get = app.add_subcommand("get", "Read a key's value and the block it comes from, with that block's status");
  get->add_option("namespace", args->ns)->required();
  get->add_option("key", args->key)->required();
  get->add_option("--min-status", args->min_status,
                  "Newest version in a block at least this final: final, anchored, unanimous, majority or "
                  "provisional (default: provisional, the newest committed version)")
      ->check(CLI::IsMember({"final", "anchored", "unanimous", "majority", "provisional"}, CLI::ignore_case));
  add_api(get);
  bind(get, [common, args] {
    std::string path = "/v1/kv/" + Segment(args->ns) + "/" + Segment(args->key);
    if (!args->min_status.empty()) path += "?min_status=" + Segment(args->min_status);
    return Print(ApiClient(common->api).Get(path));
  });

  CLI::App* hist = app.add_subcommand("history", "Every version of a key, oldest first");
  hist->add_option("namespace", args->ns)->required();
  hist->add_option("key", args->key)->required();
  hist->add_option("--limit", args->limit, "At most this many entries")->check(CLI::Range(1, 10000));
  add_api(hist);
  bind(hist, [common, args] {
    return Print(ApiClient(common->api).Get("/v1/kv/" + Segment(args->ns) + "/" + Segment(args->key) +
                                            "/history?limit=" + std::to_string(args->limit)));
  });

  CLI::App* block = app.add_subcommand("block", "Show a block");
  block->add_option("height", args->height)->required();
  add_api(block);
  bind(block, [common, args] { return Print(ApiClient(common->api).Get("/v1/blocks/" + std::to_string(args->height))); });

  CLI::App* status = app.add_subcommand("status", "Chain heights and, per member, last sealed height and contact");
  status->add_flag("--json", args->json, "Print the raw JSON");
  add_api(status);
  bind(status, [common, args] { return Status(*common, args->json); });

  auto evidence_out = std::make_shared<std::string>();
  CLI::App* evidence = app.add_subcommand("evidence", "List the evidence of double-signing this node holds, or export it");
  evidence->add_flag("--json", args->json, "Print the raw JSON");
  evidence->add_option("--out", *evidence_out, "Also write the evidence (JSON, PCE bytes in hex) to this file");
  add_api(evidence);
  bind(evidence, [common, args, evidence_out] { return EvidenceCmd(*common, args->json, *evidence_out); });
}

}  // namespace peerdb::cli
