// http:// and https:// URLs of the services PeerDB talks to (calendars, Bitcoin header sources, a
// node's API): parsing with strict rules, and the Host header a request to one carries.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "peerdb/util/result.h"

namespace peerdb::http {

struct Url {
  bool tls = false;    // https
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // decimal; 80 or 443 when the URL has none
  std::string target;  // path and query, "/" when empty
};

// Accepts http://host[:port][/path][?query] and https://...; no user info, no fragment, no space,
// control or non-ASCII character, a port of 1..65535. kConfig otherwise.
Result<Url> ParseUrl(std::string_view url);

// host, or host:port when the port is not the scheme's default; IPv6 literals in brackets.
std::string HostHeader(const Url& url);

}  // namespace peerdb::http
