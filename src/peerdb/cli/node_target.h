// Which node a client command talks to, and how it prints what it reads.
//
// The node's API URL comes from, in this order: --api URL; --config node.toml (the URL the running
// node wrote to data_dir/api.url, else its api_listen); $PEERDB_API; http://127.0.0.1:7070.
// Read commands print JSON with --json, and also when their output is not a terminal (scripts keep
// getting JSON), text for people otherwise; `status` and `evidence` print text unless --json.
// Thread-safety: used by the CLI's one thread.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "peerdb/cli/api_client.h"
#include "peerdb/util/result.h"

namespace peerdb::cli {

inline constexpr const char* kDefaultApiUrl = "http://127.0.0.1:7070";

struct NodeTarget {
  std::string api;     // --api
  std::string config;  // --config
};

// Adds --api and --config to a client subcommand.
void AddNodeTargetOptions(CLI::App* sub, NodeTarget& target);
// The API URL by the order above; an error only for an unreadable --config.
Result<std::string> ResolveApiUrl(const NodeTarget& target);

// A subcommand's action that runs `run(api_url)` once the URL is resolved, or fails with why not.
std::function<int()> WithApi(std::shared_ptr<NodeTarget> target, std::function<int(const std::string&)> run);

// True when a read command should print JSON: --json, or standard output is not a terminal.
bool WantJson(bool json_flag);
// Prints the document indented, or the error (returning its exit code).
int PrintJson(const Result<nlohmann::json>& doc);

}  // namespace peerdb::cli
