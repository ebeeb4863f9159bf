#include "peerdb/cli/node_target.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "peerdb/cli/commands.h"
#include "peerdb/node/node_config.h"
#include "peerdb/util/file.h"

namespace peerdb::cli {

namespace {
constexpr std::size_t kMaxApiUrlFile = 1024;
}  // namespace

void AddNodeTargetOptions(CLI::App* sub, NodeTarget& target) {
  sub->add_option("--api", target.api, std::string("Node API URL (default: from --config, else $PEERDB_API, else ") +
                                           kDefaultApiUrl + ")");
  sub->add_option("--config", target.config, "The node's node.toml: talk to the API that node runs");
}

Result<std::string> ResolveApiUrl(const NodeTarget& target) {
  if (!target.api.empty()) return target.api;
  if (!target.config.empty()) {
    PEERDB_TRY_ASSIGN(node::NodeConfig config, node::LoadNodeConfig(target.config));
    // The running node writes the URL it listens on (useful with port 0); before it ever ran,
    // api_listen says where it will.
    auto written = util::ReadFile(config.data_dir + "/api.url", kMaxApiUrlFile);
    if (written.ok()) {
      std::string url(written->begin(), written->end());
      while (!url.empty() && (url.back() == '\n' || url.back() == '\r' || url.back() == ' ')) url.pop_back();
      if (!url.empty()) return url;
    }
    return "http://" + config.api_listen;
  }
  if (const char* env = std::getenv("PEERDB_API"); env != nullptr && *env != '\0') return std::string(env);
  return std::string(kDefaultApiUrl);
}

std::function<int()> WithApi(std::shared_ptr<NodeTarget> target, std::function<int(const std::string&)> run) {
  return [target = std::move(target), run = std::move(run)] {
    auto api = ResolveApiUrl(*target);
    return api.ok() ? run(*api) : Fail(api.error());
  };
}

bool WantJson(bool json_flag) { return json_flag || isatty(STDOUT_FILENO) == 0; }

int PrintJson(const Result<nlohmann::json>& doc) {
  if (!doc.ok()) return Fail(doc.error());
  std::cout << doc->dump(2) << "\n";
  return kExitOk;
}

}  // namespace peerdb::cli
