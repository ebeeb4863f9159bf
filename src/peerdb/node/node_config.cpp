#include "peerdb/node/node_config.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <toml++/toml.h>

#include "peerdb/util/file.h"

namespace peerdb::node {
namespace {
Error Bad(const std::string& what) { return Error{Errc::kConfig, "node config: " + what}; }

std::string Resolve(const std::string& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(base) / p).lexically_normal().string();
}
}  // namespace

Result<NodeConfig> DecodeNodeConfig(std::string_view text, const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << e.description() << " at line " << e.source().begin.line;
    return Bad(msg.str());
  }
  static const std::string_view kKnown[] = {"consortium", "key", "data_dir", "api_listen", "log_level"};
  for (const auto& [k, v] : root) {
    if (std::find(std::begin(kKnown), std::end(kKnown), k.str()) == std::end(kKnown)) {
      return Bad("unknown setting '" + std::string(k.str()) + "'");
    }
    if (!v.is_string()) return Bad("'" + std::string(k.str()) + "' must be a string");
  }
  NodeConfig c;
  auto get = [&](const char* k) { return root[k].value<std::string>(); };
  if (!get("consortium")) return Bad("missing 'consortium' (path to consortium.toml)");
  if (!get("key")) return Bad("missing 'key' (path to the member key file)");
  if (!get("data_dir")) return Bad("missing 'data_dir'");
  c.consortium_path = Resolve(base_dir, *get("consortium"));
  c.key_path = Resolve(base_dir, *get("key"));
  c.data_dir = Resolve(base_dir, *get("data_dir"));
  if (auto v = get("api_listen")) c.api_listen = *v;
  if (auto v = get("log_level")) c.log_level = *v;
  return c;
}

Result<NodeConfig> LoadNodeConfig(const std::string& path) {
  PEERDB_TRY_ASSIGN(std::string text, util::ReadTextFile(path, 64 * 1024));
  std::filesystem::path p(path);
  return DecodeNodeConfig(text, p.has_parent_path() ? p.parent_path().string() : ".");
}

}  // namespace peerdb::node
