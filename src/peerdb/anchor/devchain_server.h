// The devchain's HTTP/1.1 server (Boost.Beast) and block timer: serves devchain_routes.h on one
// port from one thread of its own, and mines a block every block_interval (0: only on request).
//
// It is a test tool, so it listens on loopback addresses unless allow_remote is set, and admin
// routes always require a loopback client. Resource bounds as the node's API: request header and
// body sizes (431, 413; a POST /digest announcing more than 64 bytes gets the calendar's 400
// "digest too long" without its body being read), time to receive a header (also the keep-alive
// idle time) and a body, time to write a response, a cap on open connections (503 and close).
// Thread-safety: Start, port, url and Stop may be called from any thread; Stop is idempotent and
// called by the destructor. REQUIRES: the calendar outlives the server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "peerdb/anchor/devchain_calendar.h"
#include "peerdb/util/result.h"

namespace peerdb::anchor {

struct DevchainServerOptions {
  std::string listen = "127.0.0.1:0";  // IPv4 address or "localhost", and a port (0: any free one)
  bool allow_remote = false;           // permit a non-loopback listen address
  std::chrono::milliseconds block_interval{1000};
  std::size_t max_connections = 256;
  std::size_t max_body_bytes = 4096;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds linger_timeout{1'000};
};

class DevchainServer {
 public:
  // Binds, sets the calendar's public URL to http://<listen host>:<port> unless it has one
  // (0.0.0.0 becomes 127.0.0.1), starts serving and the block timer. kConfig for a bad or
  // non-loopback (without allow_remote) address, kIo when it cannot listen.
  static Result<std::unique_ptr<DevchainServer>> Start(DevchainCalendar& calendar, const DevchainServerOptions& options);
  ~DevchainServer();
  DevchainServer(const DevchainServer&) = delete;
  DevchainServer& operator=(const DevchainServer&) = delete;

  std::uint16_t port() const;
  std::string url() const;  // http://host:port as bound
  void Stop();

 private:
  struct Impl;
  explicit DevchainServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace peerdb::anchor
