// The devchain's HTTP/1.1 server and block timer: http::Server's session loop serving routes.h on
// one port from one thread of its own, mining a block every block_interval (0: only on request).
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
#include <cstdint>
#include <memory>
#include <string>

#include "peerdb/devchain/calendar.h"
#include "peerdb/http/server.h"
#include "peerdb/util/result.h"

namespace peerdb::devchain {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // IPv4 address or "localhost", and a port (0: any free one)
  bool allow_remote = false;           // permit a non-loopback listen address
  std::chrono::milliseconds block_interval{1000};
  http::ServerLimits limits{.max_connections = 256, .max_body_bytes = 4096, .max_header_bytes = 8 * 1024,
                            .header_timeout = std::chrono::seconds(10), .body_timeout = std::chrono::seconds(10),
                            .write_timeout = std::chrono::seconds(10), .linger_timeout = std::chrono::seconds(1)};
};

class Server {
 public:
  // Binds, sets the calendar's public URL to http://<listen host>:<port> unless it has one
  // (0.0.0.0 becomes 127.0.0.1), starts serving and the block timer. kConfig for a bad or
  // non-loopback (without allow_remote) address, kIo when it cannot listen.
  static Result<std::unique_ptr<Server>> Start(Calendar& calendar, const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  std::string url() const;  // http://host:port as bound
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace peerdb::devchain
