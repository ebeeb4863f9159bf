// peerdb devchain: the local stand-in for Bitcoin and an OpenTimestamps calendar (tests, demo),
// and its admin wrappers `peerdb devchain mine` and `peerdb devchain reorg`.
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "peerdb/devchain/calendar.h"
#include "peerdb/devchain/server.h"
#include "peerdb/cli/api_client.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/util/file.h"

namespace peerdb::cli {
namespace {

struct ServeArgs {
  std::string data;
  std::string listen = "127.0.0.1:0";
  std::uint64_t block_interval_ms = 1000;
  std::uint64_t min_confirmations = 1;
  unsigned filler_txs = 2;
  std::string port_file;
  std::string public_url;
  bool allow_remote = false;
};

struct AdminArgs {
  std::string url;
  std::uint64_t count = 1;
};

int Serve(const ServeArgs& a) {
  if (a.data.empty()) return Fail(Error{Errc::kConfig, "devchain: --data DIR is required"});
  std::error_code fs_error;
  std::filesystem::create_directories(a.data, fs_error);
  if (fs_error) return Fail(Error{Errc::kIo, "devchain: cannot create " + a.data + ": " + fs_error.message()});
  spdlog::set_default_logger(spdlog::stderr_color_mt("devchain"));
  spdlog::set_level(spdlog::level::warn);

  // Block the signals before any thread starts, so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  util::SystemClock clock;
  devchain::CalendarOptions options{.min_confirmations = a.min_confirmations, .filler_txs = a.filler_txs};
  auto calendar = devchain::Calendar::Open(a.data, options, clock);
  if (!calendar.ok()) return Fail(calendar.error());
  if (!a.public_url.empty()) {
    if (auto set = (*calendar)->SetPublicUrl(a.public_url); !set.ok()) return Fail(set.error().Context("--public-url"));
  }
  devchain::ServerOptions server_options;
  server_options.listen = a.listen;
  server_options.allow_remote = a.allow_remote;
  server_options.block_interval = std::chrono::milliseconds(a.block_interval_ms);
  auto server = devchain::Server::Start(**calendar, server_options);
  if (!server.ok()) return Fail(server.error());
  if (!a.port_file.empty()) {
    const std::string port = std::to_string((*server)->port()) + "\n";
    if (auto w = util::WriteFileDurable(a.port_file, AsBytes(port), 0644); !w.ok()) {
      (*server)->Stop();
      return Fail(w.error().Context("--port-file " + a.port_file));
    }
  }
  std::cout << "devchain: calendar and Esplora API at " << (*server)->url() << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Stop();
  return kExitOk;
}

int Mine(const AdminArgs& a) {
  auto r = ApiClient(a.url).Post("/admin/mine", nlohmann::json{{"blocks", a.count}});
  if (!r.ok()) return Fail(r.error());
  std::cout << "mined " << (*r)["blocks"].size() << " block(s); tip height " << (*r)["height"].dump() << ", hash "
            << (*r)["hash"].get<std::string>() << "\n";
  return kExitOk;
}

int Reorg(const AdminArgs& a) {
  auto r = ApiClient(a.url).Post("/admin/reorg", nlohmann::json{{"depth", a.count}});
  if (!r.ok()) return Fail(r.error());
  std::cout << "reorg: replaced " << (*r)["dropped_blocks"].dump() << " block(s) with " << (*r)["blocks"].size()
            << "; " << (*r)["returned_commitments"].dump() << " commitment(s) back to pending; tip height "
            << (*r)["height"].dump() << ", hash " << (*r)["hash"].get<std::string>() << "\n";
  return kExitOk;
}

}  // namespace

void AddDevchainCommand(CLI::App& app, const Bind& bind) {
  auto serve = std::make_shared<ServeArgs>();
  CLI::App* d = app.add_subcommand(
      "devchain", "Run a local regtest-format chain with an OpenTimestamps calendar and Esplora API (tests, demo)");
  d->require_subcommand(0, 1);
  d->add_option("--data", serve->data, "Directory for devchain.sqlite (created if missing)");
  d->add_option("--listen", serve->listen, "IPv4 host:port, port 0 picks a free one (default 127.0.0.1:0)");
  d->add_option("--block-interval-ms", serve->block_interval_ms, "Mine a block this often (default 1000); 0: only on request")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{86'400'000}));
  d->add_option("--min-confirmations", serve->min_confirmations, "Serve a proof once its block has this many confirmations (default 1)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000}));
  d->add_option("--filler-txs", serve->filler_txs, "Extra transactions per block (default 2)")
      ->check(CLI::Range(0u, devchain::kMaxFillerTxs));
  d->add_option("--port-file", serve->port_file, "Write the bound port to this file");
  d->add_option("--public-url", serve->public_url, "Calendar URL put into pending attestations (default http://HOST:PORT)");
  d->add_flag("--allow-remote", serve->allow_remote, "Permit a non-loopback --listen address");

  auto mine = std::make_shared<AdminArgs>();
  CLI::App* m = d->add_subcommand("mine", "Ask a running devchain to mine blocks now");
  m->add_option("--url", mine->url, "The devchain, e.g. http://127.0.0.1:8080")->required();
  m->add_option("--blocks", mine->count, "How many (default 1)")->check(CLI::Range(std::uint64_t{1}, devchain::kMaxMinePerCall));

  auto reorg = std::make_shared<AdminArgs>();
  CLI::App* r = d->add_subcommand("reorg", "Replace a running devchain's top N blocks by N+1 without their commitments");
  r->add_option("--url", reorg->url, "The devchain, e.g. http://127.0.0.1:8080")->required();
  r->add_option("--depth", reorg->count, "How many blocks to replace")->required()
      ->check(CLI::Range(std::uint64_t{1}, devchain::kMaxReorgDepth));

  // CLI11 runs the parent's callback after a subcommand's, so one action dispatches all three.
  bind(d, [serve, mine, reorg, m, r] {
    if (m->parsed()) return Mine(*mine);
    if (r->parsed()) return Reorg(*reorg);
    return Serve(*serve);
  });
}

}  // namespace peerdb::cli
