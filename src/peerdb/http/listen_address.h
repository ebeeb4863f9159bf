// The listen address of an HTTP server: "host:port" with an IP address ("[...]" for IPv6) or
// "localhost" (127.0.0.1) as host; port 0 lets the system pick a free port.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "peerdb/util/result.h"

namespace peerdb::http {

enum class IpVersions { kV4Only, kV4AndV6 };

struct ListenAddress {
  std::string text;   // as given, for messages
  std::string host;   // the IP address, without brackets
  std::uint16_t port = 0;
  bool loopback = false;     // 127.0.0.0/8 or ::1
  bool unspecified = false;  // 0.0.0.0 or ::, i.e. every interface
};

// kConfig for anything but host:port with an IP address of the allowed versions (or localhost)
// and a port of 0..65535.
Result<ListenAddress> ParseListenAddress(const std::string& listen, IpVersions versions);

}  // namespace peerdb::http
