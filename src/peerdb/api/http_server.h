// The node's HTTP/1.1 API server: http::Server's session loop (keep-alive connections on one
// io_context run by one thread of its own) with requests routed to node::Service by Router and
// every answer, refusals included, as JSON.
//
// Resource bounds (ServerOptions): request body and header sizes (413, 431), time to receive a
// request header (which is also the keep-alive idle time) and its body, time to write a response,
// time to wait for the node's answer (503), and a cap on open connections (further connections
// get 503 and are closed). A client that stalls mid-request is disconnected when its deadline
// passes. Exceptions thrown while handling a request become a 500 JSON answer.
//
// Node callbacks arriving after Stop() are dropped; Stop() waits for the server thread.
// Thread-safety: Start, port and Stop may be called from any thread except the server's own (Stop
// joins it, so never call it from a Service callback that runs on the server thread); Stop is
// idempotent and is also called by the destructor. REQUIRES: the Service outlives the server.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "peerdb/api/tx_request.h"
#include "peerdb/http/server.h"
#include "peerdb/node/service.h"
#include "peerdb/util/result.h"

namespace peerdb::api {

// http::ServerLimits (1,024 connections, 16 KiB headers, 30 s / 60 s / 30 s to receive a header,
// a body, to write; 2 s lingering) with the body limit of a transaction, and the node's deadline.
struct ServerOptions : http::ServerLimits {
  ServerOptions() { max_body_bytes = kMaxTxBodyBytes; }
  std::chrono::milliseconds handler_timeout{30'000};  // waiting for the node (e.g. a commit)
};

class ApiServer {
 public:
  // listen is "host:port" with an IPv4 address, "[IPv6]", or "localhost" as host; port 0 picks a
  // free port (see port()). Errors: kConfig for a bad address, kIo when it cannot listen.
  static Result<std::unique_ptr<ApiServer>> Start(node::Service& service, const std::string& listen,
                                                  const ServerOptions& options = {});
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  std::uint16_t port() const;
  void Stop();

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace peerdb::api
