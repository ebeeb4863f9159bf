// peerdb node --config node.toml: runs a member's node and its HTTP API until SIGINT/SIGTERM.
// peerdb node --check --config node.toml: makes the checks a start makes and exits (0 with
// "ok: ..."), writing, locking and binding nothing, so it is safe beside a running node and as a
// service manager's pre-start step.
#include <csignal>
#include <iostream>
#include <memory>
#include <sstream>
#include <spdlog/spdlog.h>

#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/cli/node_log.h"
#include "peerdb/node/node.h"
#include "peerdb/node/node_setup.h"
#include "peerdb/util/file.h"

namespace peerdb::cli {
namespace {

int RunNode(const std::string& config_path, const ApiLauncher& launcher) {
  auto config = node::LoadNodeConfig(config_path);
  if (!config.ok()) return Fail(config.error());
  auto logger = MakeNodeLogger(*config);
  if (!logger.ok()) return Fail(logger.error());
  spdlog::set_default_logger(*logger);
  spdlog::set_level(spdlog::level::from_str(config->log_level));  // checked by LoadNodeConfig

  // Block the signals before any thread starts, so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  util::SystemClock clock;
  auto node = node::Node::Open(*config, clock);
  if (!node.ok()) return Fail(node.error());
  if (Status started = (*node)->Start(); !started.ok()) {
    (*node)->Stop();
    return Fail(started.error());
  }
  auto api = launcher(**node, config->api_listen);
  if (!api.ok()) {
    (*node)->Stop();
    return Fail(api.error().Context("api_listen " + config->api_listen));
  }
  const std::string host = config->api_listen.substr(0, config->api_listen.rfind(':'));
  const std::string url = "http://" + host + ":" + std::to_string((*api)->port());
  // Tests and scripts find the API here (useful with port 0).
  (void)util::WriteFileDurable(config->data_dir + "/api.url", AsBytes(url + "\n"), 0644);
  std::cout << "peerdb node running; API at " << url << std::endl;
  spdlog::info("api: listening on {}", url);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("node: signal {} received, shutting down", sig);
  (*api)->Stop();
  (*node)->Stop();  // logs "node: stopped (member N, head height H)"
  return kExitOk;
}

int CheckNode(const std::string& config_path) {
  auto config = node::LoadNodeConfig(config_path);
  if (!config.ok()) return Fail(config.error());
  if (Status log = CheckNodeLog(*config); !log.ok()) return Fail(log.error());
  auto report = node::CheckNodeSetup(*config);
  if (!report.ok()) return Fail(report.error());
  const node::SetupReport& r = *report;
  std::ostringstream out;
  out << "ok: member " << r.self << " (" << r.name << ") of chain " << Hex(r.chain_id) << " (" << r.members
      << " members); data_dir " << config->data_dir << (r.stored_chain ? " (holds this chain)" : " (new)") << "; api "
      << config->api_listen << "; peers "
      << (r.peer_listen.empty() ? std::string("none (one member)") : "on " + r.peer_listen) << "; anchoring "
      << (r.anchoring ? "on" : "off") << "; log "
      << (config->log_file.empty() ? std::string("stderr") : config->log_file)
      << (config->log_format == node::LogFormat::kJson ? " (json)" : " (text)");
  std::cout << out.str() << std::endl;
  return kExitOk;
}

}  // namespace

void AddNodeCommand(CLI::App& app, const Bind& bind, ApiLauncher launcher) {
  auto path = std::make_shared<std::string>();
  auto check = std::make_shared<bool>(false);
  CLI::App* n = app.add_subcommand("node", "Run a member's node and its HTTP API");
  n->add_option("--config", *path, "node.toml")->required();
  n->add_flag("--check", *check,
              "Check node.toml and the files it names as a start would, print \"ok: ...\" and exit "
              "(writes nothing, binds no port)");
  bind(n, [path, check, launcher] { return *check ? CheckNode(*path) : RunNode(*path, launcher); });
}

}  // namespace peerdb::cli
