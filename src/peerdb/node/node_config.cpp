#include "peerdb/node/node_config.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <spdlog/common.h>
#include <toml++/toml.h>

#include "peerdb/http/listen_address.h"
#include "peerdb/http/url.h"
#include "peerdb/util/file.h"

namespace peerdb::node {
namespace {
Error Bad(const std::string& what) { return Error{Errc::kConfig, "node config: " + what}; }

std::string Resolve(const std::string& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(base) / p).lexically_normal().string();
}

constexpr std::size_t kMaxCalendars = 16;
constexpr std::size_t kMaxWhitelist = 64;
constexpr std::uint64_t kMaxIntervalMs = 30ull * 24 * 3'600'000;  // 30 days

Error BadAnchor(const std::string& what) { return Bad("[anchor] " + what); }

Result<std::uint64_t> GetInt(const toml::table& t, const char* key, std::uint64_t lo, std::uint64_t hi, std::uint64_t def) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  const auto v = n->value<std::int64_t>();
  if (!n->is_integer() || !v || *v < 0 || static_cast<std::uint64_t>(*v) < lo || static_cast<std::uint64_t>(*v) > hi) {
    return BadAnchor(std::string(key) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<std::uint64_t>(*v);
}

Result<std::vector<std::string>> GetStrings(const toml::table& t, const char* key, std::size_t max) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const toml::array* a = n->as_array();
  if (!a) return BadAnchor(std::string(key) + " must be a list of strings");
  if (a->size() > max) return BadAnchor(std::string(key) + " lists more than " + std::to_string(max) + " entries");
  for (const toml::node& item : *a) {
    const auto v = item.value<std::string>();
    if (!item.is_string() || !v) return BadAnchor(std::string(key) + " must be a list of strings");
    out.push_back(*v);
  }
  return out;
}

Result<std::string> GetUrl(const toml::table& t, const char* key) {
  const toml::node* n = t.get(key);
  if (!n) return std::string();
  if (!n->is_string()) return BadAnchor(std::string(key) + " must be a string (a URL)");
  std::string url = *n->value<std::string>();
  if (auto parsed = http::ParseUrl(url); !parsed.ok()) return BadAnchor(std::string(key) + ": " + parsed.error().message);
  return url;
}

Result<AnchorConfig> DecodeAnchorSection(const toml::table& t) {
  static const std::string_view kKnown[] = {"enabled",  "calendars",     "min_calendars", "interval_ms",
                                            "upgrade_interval_ms", "esplora", "bitcoind_rest", "confirmations",
                                            "network", "whitelist", "timeout_ms"};
  for (const auto& [k, v] : t) {
    if (std::find(std::begin(kKnown), std::end(kKnown), k.str()) == std::end(kKnown)) {
      return BadAnchor("unknown setting '" + std::string(k.str()) + "'");
    }
  }
  AnchorConfig a;
  if (const toml::node* n = t.get("enabled")) {
    if (!n->is_boolean()) return BadAnchor("enabled must be true or false");
    a.enabled = *n->value<bool>();
  }
  PEERDB_TRY_ASSIGN(a.calendars, GetStrings(t, "calendars", kMaxCalendars));
  for (std::size_t i = 0; i < a.calendars.size(); ++i) {
    if (auto u = http::ParseUrl(a.calendars[i]); !u.ok()) return BadAnchor("calendars: " + u.error().message);
    for (std::size_t j = 0; j < i; ++j) {
      if (a.calendars[j] == a.calendars[i]) return BadAnchor("calendars lists " + a.calendars[i] + " twice");
    }
  }
  PEERDB_TRY_ASSIGN(a.whitelist, GetStrings(t, "whitelist", kMaxWhitelist));
  PEERDB_TRY_ASSIGN(a.min_calendars, GetInt(t, "min_calendars", 1, kMaxCalendars, 2));
  PEERDB_TRY_ASSIGN(a.interval_ms, GetInt(t, "interval_ms", 1, kMaxIntervalMs, a.interval_ms));
  PEERDB_TRY_ASSIGN(a.upgrade_interval_ms, GetInt(t, "upgrade_interval_ms", 1, kMaxIntervalMs, a.upgrade_interval_ms));
  PEERDB_TRY_ASSIGN(a.timeout_ms, GetInt(t, "timeout_ms", 100, 600'000, a.timeout_ms));
  if (t.get("confirmations")) {
    PEERDB_TRY_ASSIGN(const std::uint64_t k, GetInt(t, "confirmations", 1, 1000, 6));
    a.confirmations = static_cast<std::uint32_t>(k);
  }
  if (const toml::node* n = t.get("network")) {
    const auto v = n->value<std::string>();
    if (!n->is_string() || !v || (*v != "mainnet" && *v != "regtest")) {
      return BadAnchor("network must be \"mainnet\" or \"regtest\"");
    }
    a.network = *v == "regtest" ? BitcoinNetwork::kRegtest : BitcoinNetwork::kMainnet;
  }
  PEERDB_TRY_ASSIGN(a.esplora, GetUrl(t, "esplora"));
  PEERDB_TRY_ASSIGN(a.bitcoind_rest, GetUrl(t, "bitcoind_rest"));
  if (!a.esplora.empty() && !a.bitcoind_rest.empty()) return BadAnchor("give only one of esplora and bitcoind_rest");
  if (a.enabled) {
    if (a.calendars.empty()) return BadAnchor("anchoring is enabled but calendars lists no calendar");
    if (a.min_calendars > a.calendars.size()) {
      return BadAnchor("min_calendars " + std::to_string(a.min_calendars) + " exceeds the " +
                       std::to_string(a.calendars.size()) + " calendars listed");
    }
    if (a.esplora.empty() && a.bitcoind_rest.empty()) {
      return BadAnchor("anchoring is enabled but no Bitcoin header source is set (esplora or bitcoind_rest)");
    }
  }
  return a;
}
}  // namespace

// GCC 12 with optimisation reports a bogus -Wrestrict inside std::string for the `"text" + std::string(key)` messages below
// (GCC bug 105329; also 105651). Silenced for this code only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
Result<NodeConfig> DecodeNodeConfig(std::string_view text, const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << e.description() << " at line " << e.source().begin.line;
    return Bad(msg.str());
  }
  static const std::string_view kKnown[] = {"consortium", "key",       "data_dir",   "api_listen",       "log_level",
                                            "log_file",   "log_format", "peer_listen", "testing_byzantine",
                                            "next_key"};
  NodeConfig c;
  for (const auto& [k, v] : root) {
    if (k.str() == "member_id") {
      const auto id = v.value<std::int64_t>();
      if (!v.is_integer() || !id || *id < 1 || *id > 0xffffffffLL) return Bad("member_id must be a member id (1..4294967295)");
      c.member_id = static_cast<chain::MemberId>(*id);
      continue;
    }
    if (k.str() == "state_tree_flush_blocks") {
      const auto n = v.value<std::int64_t>();
      if (!v.is_integer() || !n || *n < 1 || *n > kMaxTreeFlushBlocks) {
        return Bad("state_tree_flush_blocks must be a number of blocks (1.." + std::to_string(kMaxTreeFlushBlocks) + ")");
      }
      c.state_tree_flush_blocks = static_cast<std::uint64_t>(*n);
      continue;
    }
    if (k.str() == "anchor") {
      if (!v.is_table()) return Bad("'anchor' must be a table ([anchor] section)");
      PEERDB_TRY_ASSIGN(c.anchor, DecodeAnchorSection(*v.as_table()));
      continue;
    }
    if (std::find(std::begin(kKnown), std::end(kKnown), k.str()) == std::end(kKnown)) {
      return Bad("unknown setting '" + std::string(k.str()) + "'");
    }
    if (!v.is_string()) return Bad("'" + std::string(k.str()) + "' must be a string");
  }
  auto get = [&](const char* k) { return root[k].value<std::string>(); };
  if (!get("consortium")) return Bad("missing 'consortium' (path to consortium.toml)");
  if (!get("key")) return Bad("missing 'key' (path to the member key file)");
  if (!get("data_dir")) return Bad("missing 'data_dir'");
  c.consortium_path = Resolve(base_dir, *get("consortium"));
  c.key_path = Resolve(base_dir, *get("key"));
  if (auto v = get("next_key")) c.next_key_path = Resolve(base_dir, *v);
  c.data_dir = Resolve(base_dir, *get("data_dir"));
  if (auto v = get("api_listen")) c.api_listen = *v;
  // Parsed here as the API will parse it, so that `node --check` finds a bad one without binding.
  if (auto a = http::ParseListenAddress(c.api_listen, http::IpVersions::kV4AndV6); !a.ok()) {
    return Bad("api_listen: " + a.error().message);
  }
  if (auto v = get("log_level")) c.log_level = *v;
  if (spdlog::level::from_str(c.log_level) == spdlog::level::off && c.log_level != "off") {
    return Bad("log_level must be trace, debug, info, warn, error or off");
  }
  if (auto v = get("log_file")) c.log_file = Resolve(base_dir, *v);
  if (auto v = get("log_format")) {
    if (*v != "text" && *v != "json") return Bad("log_format must be \"text\" or \"json\"");
    c.log_format = *v == "json" ? LogFormat::kJson : LogFormat::kText;
  }
  if (auto v = get("peer_listen")) c.peer_listen = *v;
  if (auto v = get("testing_byzantine")) {
    if (*v != "" && *v != "double-seal" && *v != "omit-reader" && *v != "bad-ciphertext") {
      return Bad("testing_byzantine must be \"double-seal\", \"omit-reader\" or \"bad-ciphertext\" (test networks only)");
    }
    c.testing_byzantine = *v;
  }
  return c;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

Result<NodeConfig> LoadNodeConfig(const std::string& path) {
  PEERDB_TRY_ASSIGN(std::string text, util::ReadTextFile(path, 64 * 1024));
  std::filesystem::path p(path);
  return DecodeNodeConfig(text, p.has_parent_path() ? p.parent_path().string() : ".");
}

}  // namespace peerdb::node
