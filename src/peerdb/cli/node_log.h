// The node's log: spdlog's default logger for `peerdb node`, writing to stderr (the default) or
// appending to node.toml's log_file, as spdlog's text lines or, with log_format = "json", as one
// JSON object per line: {"time":"2026-01-31T09:00:00.123Z","level":"info","message":"..."}.
// Thread-safety: MakeNodeLogger and CheckNodeLog run before the node's threads start; the logger
// returned is thread-safe (a mutex per sink), and each line reaches the file in one write(2).
#pragma once

#include <chrono>
#include <memory>
#include <spdlog/logger.h>
#include <string>
#include <string_view>

#include "peerdb/node/node_config.h"
#include "peerdb/util/result.h"

namespace peerdb::cli {

// Opens log_file for appending (created with mode 0640: logs name members and chains, not for
// everyone) or takes stderr. kIo "cannot open log_file PATH: reason".
Result<std::shared_ptr<spdlog::logger>> MakeNodeLogger(const node::NodeConfig& config);

// Whether MakeNodeLogger would succeed, without creating the file: `node --check` may run as
// another user (root) than the node, and a log file it created would then not be the node's.
Status CheckNodeLog(const node::NodeConfig& config);

// One log_format = "json" line, ending in '\n'. The level is named as log_level names it (warn,
// not warning); the message is escaped, and invalid UTF-8 in it replaced by U+FFFD, so every line
// is valid JSON.
std::string JsonLogLine(std::chrono::system_clock::time_point time, spdlog::level::level_enum level,
                        std::string_view message);

}  // namespace peerdb::cli
