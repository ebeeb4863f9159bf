// The `peerdb` command line (CLI11). Exit codes (docs/errors.md), each failure printed as one line
// "peerdb: <reason>": 0 success; 1 verification failed (an audit, a proof, a check that found a
// problem); 2 bad input (usage, unreadable or invalid files and flags); 3 not found (key, block,
// namespace, file); 4 unavailable (the node or a service it needs cannot be reached, or is not
// ready); 5 rejected (the node refused the operation under the consortium's rules).
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
inline constexpr int kExitFailed = 1;       // verification failed, or a check found a problem
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitNotFound = 3;
inline constexpr int kExitUnavailable = 4;
inline constexpr int kExitRejected = 5;

// The exit code for a failure of this kind (the table in docs/errors.md).
int ExitCodeFor(Errc code);

int Run(int argc, char** argv, ApiLauncher api_launcher);

}  // namespace peerdb::cli
