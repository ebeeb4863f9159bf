// The `peerdb` command line (CLI11). Exit codes: 0 success; 1 the command ran and found a problem
// (an audit that fails, an operation the node rejected); 2 bad input (usage, unreadable or invalid
// files, unreachable node), printed as one line "peerdb: <reason>".
// Thread-safety: Run is called once from main.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "peerdb/node/service.h"
#include "peerdb/util/result.h"

namespace peerdb::cli {

// The HTTP API sits at the same level as cli, so cli cannot include it; main() (the level above
// both) injects a launcher instead.
class RunningApi {
 public:
  virtual ~RunningApi() = default;
  virtual std::uint16_t port() const = 0;
  virtual void Stop() = 0;
};
using ApiLauncher =
    std::function<Result<std::unique_ptr<RunningApi>>(node::Service& service, const std::string& listen)>;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;

int Run(int argc, char** argv, ApiLauncher api_launcher);

}  // namespace peerdb::cli
