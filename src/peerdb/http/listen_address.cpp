#include "peerdb/http/listen_address.h"

#include <charconv>

#include <boost/asio/ip/address.hpp>

namespace peerdb::http {

Result<ListenAddress> ParseListenAddress(const std::string& listen, IpVersions versions) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error{Errc::kConfig, "listen address \"" + listen + "\" must be host:port"};
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  const char* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    return Error{Errc::kConfig, "listen address \"" + listen + "\": bad port"};
  }
  boost::system::error_code aec;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, aec);
  if (versions == IpVersions::kV4Only && (aec || !address.is_v4())) {
    return Error{Errc::kConfig, "listen address \"" + listen + "\": host must be an IPv4 address or localhost"};
  }
  if (aec) return Error{Errc::kConfig, "listen address \"" + listen + "\": host must be an IP address or localhost"};
  return ListenAddress{listen, host, static_cast<std::uint16_t>(port), address.is_loopback(), address.is_unspecified()};
}

}  // namespace peerdb::http
