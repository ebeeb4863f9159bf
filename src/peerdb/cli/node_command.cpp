// peerdb node --config node.toml: runs a member's node and its HTTP API until SIGINT/SIGTERM.
#include <csignal>
#include <iostream>
#include <memory>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/node/node.h"
#include "peerdb/util/file.h"

namespace peerdb::cli {
namespace {

int RunNode(const std::string& config_path, const ApiLauncher& launcher) {
  auto config = node::LoadNodeConfig(config_path);
  if (!config.ok()) return Fail(config.error());
  auto level = spdlog::level::from_str(config->log_level);
  if (level == spdlog::level::off && config->log_level != "off") {
    return Fail(Error{Errc::kConfig, "node config: log_level must be trace, debug, info, warn, error or off"});
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("peerdb"));
  spdlog::set_level(level);

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
  (*node)->Stop();
  return kExitOk;
}

}  // namespace

void AddNodeCommand(CLI::App& app, const Bind& bind, ApiLauncher launcher) {
  auto path = std::make_shared<std::string>();
  CLI::App* n = app.add_subcommand("node", "Run a member's node and its HTTP API");
  n->add_option("--config", *path, "node.toml")->required();
  bind(n, [path, launcher] { return RunNode(*path, launcher); });
}

}  // namespace peerdb::cli
