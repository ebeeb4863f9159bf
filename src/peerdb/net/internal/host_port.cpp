#include "peerdb/net/internal/host_port.h"

namespace peerdb::net::internal {

Result<HostPort> ParseHostPort(std::string_view text) {
  const auto bad = [&] { return Error{Errc::kConfig, "address '" + std::string(text) + "' is not host:port"}; };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return bad();
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad();  // a bare IPv6 address needs brackets
  }
  if (port.size() > 5) return bad();
  std::uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return bad();
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > 65535) return bad();
  return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace peerdb::net::internal
