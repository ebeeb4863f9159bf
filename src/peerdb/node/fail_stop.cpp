#include "peerdb/node/fail_stop.h"

#include <cstdio>
#include <cstdlib>
#include <spdlog/spdlog.h>

namespace peerdb::node {

void StopOnStoreFailure(const std::string& what, const Error& e) {
  spdlog::critical("node: cannot {}: {}; stopping", what, e.ToString());
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  std::_Exit(70);
}

}  // namespace peerdb::node
