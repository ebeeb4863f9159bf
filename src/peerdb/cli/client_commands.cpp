// Client commands that write and read keys and blocks through a node's HTTP API: put, delete, get,
// history, block. Status, evidence and wait are in status_commands.cpp.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "peerdb/chain/limits.h"
#include "peerdb/cli/api_client.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/cli/node_target.h"
#include "peerdb/util/file.h"
#include "peerdb/util/time_text.h"

namespace peerdb::cli {
namespace {

constexpr std::size_t kMaxShownValue = 60;  // characters of a value in a history table

// VALUE as given: JSON text, "-" for standard input, or "@FILE" for a file's contents.
Result<std::string> ValueText(const std::string& arg) {
  const std::size_t limit = chain::kMaxValueBytes;
  if (arg == "-") {
    std::string text;
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
      text.append(buf, n);
      if (text.size() > limit) return Error{Errc::kTooLarge, "the value on standard input exceeds " + std::to_string(limit) + " bytes"};
    }
    if (std::ferror(stdin)) return Error{Errc::kIo, "cannot read the value from standard input"};
    return text;
  }
  if (arg.size() > 1 && arg.front() == '@') {
    PEERDB_TRY_ASSIGN(Bytes bytes, util::ReadFile(arg.substr(1), limit));
    return std::string(bytes.begin(), bytes.end());
  }
  return arg;
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
int Put(const std::string& api, const std::string& ns, const std::string& key, const std::string& value_text) {
  if (!nlohmann::json::accept(value_text)) return Fail(NotAValue(value_text));
  const auto quote = [](const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string body = R"({"ops":[{"op":"put","ns":)" + quote(ns) + R"(,"key":)" + quote(key) + R"(,"value":)" +
                     value_text + "}]}";
  auto r = ApiClient(api).PostText("/v1/tx", std::move(body));
  if (!r.ok()) return Fail(r.error());
  std::cout << "committed " << ns << "/" << key << " in block " << r->value("height", 0) << " ("
            << r->value("block_status", std::string()) << ")\n";
  return kExitOk;
}

int Delete(const std::string& api, const std::string& ns, const std::string& key) {
  nlohmann::json body = {{"ops", {{{"op", "delete"}, {"ns", ns}, {"key", key}}}}};
  auto r = ApiClient(api).Post("/v1/tx", body);
  if (!r.ok()) return Fail(r.error());
  std::cout << "deleted " << ns << "/" << key << " in block " << r->value("height", 0) << "\n";
  return kExitOk;
}

std::string ValueOf(const nlohmann::json& doc) {
  if (doc.contains("value_hex")) return "(not JSON) " + doc.value("value_hex", std::string());
  return doc.contains("value") ? doc["value"].dump() : std::string("null");
}

int PrintValue(const nlohmann::json& v) {
  std::cout << v.value("ns", std::string()) << "/" << v.value("key", std::string()) << " = " << ValueOf(v) << "\n"
            << "version " << v.value("version", 0) << " (newest " << v.value("latest_version", 0) << "), owner member "
            << v.value("owner", 0) << ", block " << v.value("height", 0) << " " << v.value("status", std::string())
            << ", " << v.value("state", std::string()) << " (final height " << v.value("final_height", 0) << ")\n";
  return kExitOk;
}

int PrintHistory(const nlohmann::json& h) {
  std::printf("%-8s %-8s %-24s %-7s %s\n", "version", "block", "time (UTC)", "author", "value");
  for (const auto& e : h.value("entries", nlohmann::json::array())) {
    std::string value = e.value("deleted", false) ? "(deleted)" : e.value("erased", false) ? "(erased)" : ValueOf(e);
    if (value.size() > kMaxShownValue) value = value.substr(0, kMaxShownValue - 3) + "...";
    const std::string time = util::UtcTimeText(e.value("timestamp_ms", std::uint64_t{0}) / 1000);
    std::printf("%-8llu %-8llu %-24s %-7llu %s\n", static_cast<unsigned long long>(e.value("version", std::uint64_t{0})),
                static_cast<unsigned long long>(e.value("height", std::uint64_t{0})), time.c_str(),
                static_cast<unsigned long long>(e.value("author", std::uint64_t{0})), value.c_str());
  }
  return kExitOk;
}

int PrintBlock(const nlohmann::json& b) {
  const nlohmann::json header = b.value("header", nlohmann::json::object());
  std::cout << "block     " << b.value("height", 0) << "  " << b.value("id", std::string()) << "\n"
            << "status    " << b.value("status", std::string()) << "\n"
            << "time      " << util::UtcTimeText(header.value("timestamp_ms", std::uint64_t{0}) / 1000) << "\n"
            << "author    member " << header.value("author", 0) << "\n"
            << "parent    " << header.value("parent_id", std::string()) << "\n"
            << "state     " << header.value("state_root", std::string()) << "\n";
  std::cout << "seals     ";
  for (const auto& s : b.value("seals", nlohmann::json::array())) std::cout << "member " << s.value("signer", 0) << "  ";
  std::cout << "\n";
  for (const auto& batch : b.value("batches", nlohmann::json::array())) {
    std::cout << "batch     member " << batch.value("author", 0) << " seq " << batch.value("seq", 0) << "\n";
    for (const auto& op : batch.value("ops", nlohmann::json::array())) {
      std::cout << "  " << op.value("kind", std::string()) << " " << op.value("ns", std::string()) << "/"
                << op.value("key", std::string());
      if (op.value("kind", std::string()) == "put") std::cout << " = " << ValueOf(op);
      std::cout << "\n";
    }
  }
  return kExitOk;
}

// A read: JSON (with --json or when piped) or text for people.
int Read(const NodeTarget& target, const std::string& path, bool json, int (*print_text)(const nlohmann::json&)) {
  auto api = ResolveApiUrl(target);
  if (!api.ok()) return Fail(api.error());
  auto doc = ApiClient(*api).Get(path);
  if (!doc.ok() || WantJson(json)) return PrintJson(doc);
  return print_text(*doc);
}

// A block height as typed: a whole number of 1 or more, refused as such otherwise.
Result<std::uint64_t> ParseHeight(const std::string& text) {
  std::uint64_t h = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), h);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || h == 0) {
    const bool negative = !text.empty() && text.front() == '-';
    return Error{Errc::kMalformed, "block height must be a whole number of 1 or more" +
                                       std::string(negative ? " (heights are never negative)" : "") + ", got '" +
                                       text.substr(0, 40) + "'"};
  }
  return h;
}

std::string KeyPath(const std::string& ns, const std::string& key) {
  return "/v1/kv/" + EncodePathSegment(ns) + "/" + EncodePathSegment(key);
}

}  // namespace

void AddClientCommands(CLI::App& app, const Bind& bind) {
  auto target = std::make_shared<NodeTarget>();
  struct KeyArgs {
    std::string ns, key, value, min_status;
    std::size_t limit = 100;
    std::string height;
    bool json = false;
  };
  auto args = std::make_shared<KeyArgs>();

  CLI::App* put = app.add_subcommand("put", "Write a JSON value; returns once committed");
  put->add_option("namespace", args->ns)->required();
  put->add_option("key", args->key)->required();
  put->add_option("value", args->value,
                  "JSON value, e.g. '{\"amount\": 12}' or '\"text\"'; - reads it from standard input, @FILE from a file")
      ->required();
  AddNodeTargetOptions(put, *target);
  bind(put, WithApi(target, [args](const std::string& api) {
         auto text = ValueText(args->value);
         return text.ok() ? Put(api, args->ns, args->key, *text) : Fail(text.error());
       }));

  CLI::App* del = app.add_subcommand("delete", "Delete a key (its history is kept)");
  del->add_option("namespace", args->ns)->required();
  del->add_option("key", args->key)->required();
  AddNodeTargetOptions(del, *target);
  bind(del, WithApi(target, [args](const std::string& api) { return Delete(api, args->ns, args->key); }));

  CLI::App* get = app.add_subcommand("get", "Read a key's value and the block it comes from, with that block's status");
  get->add_option("namespace", args->ns)->required();
  get->add_option("key", args->key)->required();
  get->add_option("--min-status", args->min_status,
                  "Newest version in a block at least this final: final, anchored, unanimous, majority or "
                  "provisional (default: provisional, the newest committed version)")
      ->check(CLI::IsMember({"final", "anchored", "unanimous", "majority", "provisional"}, CLI::ignore_case));
  get->add_flag("--json", args->json, "Print JSON (the default when the output is not a terminal)");
  AddNodeTargetOptions(get, *target);
  bind(get, [target, args] {
    std::string path = KeyPath(args->ns, args->key);
    if (!args->min_status.empty()) path += "?min_status=" + EncodePathSegment(args->min_status);
    return Read(*target, path, args->json, PrintValue);
  });

  CLI::App* hist = app.add_subcommand("history", "Every version of a key, oldest first");
  hist->add_option("namespace", args->ns)->required();
  hist->add_option("key", args->key)->required();
  hist->add_option("--limit", args->limit, "At most this many entries")->check(CLI::Range(1, 10000));
  hist->add_flag("--json", args->json, "Print JSON (the default when the output is not a terminal)");
  AddNodeTargetOptions(hist, *target);
  bind(hist, [target, args] {
    return Read(*target, KeyPath(args->ns, args->key) + "/history?limit=" + std::to_string(args->limit), args->json,
                PrintHistory);
  });

  CLI::App* block = app.add_subcommand("block", "Show a block");
  block->add_option("height", args->height, "Block height (1 or more)")->required();
  block->add_flag("--json", args->json, "Print JSON (the default when the output is not a terminal)");
  AddNodeTargetOptions(block, *target);
  bind(block, [target, args] {
    auto height = ParseHeight(args->height);
    if (!height.ok()) return Fail(height.error());
    return Read(*target, "/v1/blocks/" + std::to_string(*height), args->json, PrintBlock);
  });

  AddStatusCommands(app, bind, target);
  AddChangeCommands(app, bind, target);
}

}  // namespace peerdb::cli
