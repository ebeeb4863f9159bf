// "host:port" and "[v6]:port" parsing for listen and member addresses.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "peerdb/util/result.h"

namespace peerdb::net::internal {

struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;
};

// kConfig unless `text` is host:port with a non-empty host and a decimal port 0..65535.
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace peerdb::net::internal
