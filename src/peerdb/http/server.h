// The one HTTP/1.1 server loop (Boost.Beast) behind PeerDB's servers, the node API and the devchain:
// accept with a cap on open connections, read each request with header and body limits and
// deadlines, hand it to a Handler, write the answer, keep the connection alive or close it
// gracefully, and stop cleanly. The servers differ only in their Handler (routes and wording).
//
// Bounds (ServerLimits): request header and body sizes (the Handler words the refusal, e.g. 431,
// 413), time to receive a header (also the keep-alive idle time) and a body, time to write an
// answer, time to wait for the Handler's answer, a cap on open connections (further ones get the
// Handler's kTooManyConnections answer and are closed unread), and how much a client may still
// send after an answer that closes the connection. A client that stalls mid-request is cut off
// when its deadline passes. "Expect: 100-continue" is answered before the body is read.
//
// Thread-safety: the server runs one io_context on a thread of its own; every connection is served
// on it, one request after another. Start, port and Stop may be called from any thread except the
// server's own (Stop joins it); Stop is idempotent and also called by the destructor. A Responder
// may be called from any thread; after Stop its answer is dropped.
// REQUIRES: the Handler outlives the Server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "peerdb/http/listen_address.h"
#include "peerdb/util/result.h"

namespace peerdb::http {

// The bounds a server puts on its clients. Each server (api, devchain) has its own values.
struct ServerLimits {
  std::size_t max_connections = 1024;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{30'000};  // idle keep-alive wait + receiving the header
  std::chrono::milliseconds body_timeout{60'000};    // receiving the body, from the end of the header
  std::chrono::milliseconds write_timeout{30'000};   // sending one answer
  std::chrono::milliseconds linger_timeout{2'000};   // draining input after an answer that closes
};

struct ServerOptions {
  ServerLimits limits;
  std::string server_header = "peerdb";          // the Server header of every answer
  std::string log_name = "http";                 // prefix of the server's log lines
  std::chrono::milliseconds handler_timeout{0};  // waiting for the Handler's answer; 0: no limit
  std::size_t max_drain_bytes = 2 << 20;         // read at most this much while lingering
  std::chrono::milliseconds tick_interval{0};    // Handler::OnTick period; 0: never
};

struct ServerRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // origin-form as sent, e.g. "/v1/status?x=1"
  std::string body;
  bool from_loopback = false;  // the client connected from 127.0.0.0/8 or ::1
};

struct ServerResponse {
  unsigned status = 200;
  std::string content_type;   // no header when empty
  std::string cache_control;  // no header when empty
  std::string allow;          // the Allow header (with 405); no header when empty
  std::string body;
};

// An answer is built by a function run on the server thread, so the Handler's work (e.g. JSON)
// stays off the thread that produced the result, and an exception while building it is caught.
using MakeResponse = std::function<ServerResponse()>;
using Responder = std::function<void(MakeResponse)>;

// Requests the server loop answers itself; the Handler words the answer.
enum class Refusal {
  kBodyTooLarge,         // Content-Length or the body read so far exceeds max_body_bytes
  kHeaderTooLarge,       // the header exceeds max_header_bytes
  kBadContentLength,     // a Content-Length that is not a number
  kBadRequest,           // any other request that is not HTTP/1.x
  kHandlerFailed,        // Handle or a MakeResponse threw; detail is the exception's text
  kHandlerTimeout,       // no answer within handler_timeout
  kTooManyConnections,   // max_connections reached; the answer is built once, at Start
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Called once a request's header is in, before its body is read. An answer returned here is
  // sent at once and the connection closed (e.g. a refusal that depends on the route).
  virtual std::optional<ServerResponse> Screen(std::string_view /*method*/, std::string_view /*target*/,
                                               std::optional<std::uint64_t> /*content_length*/) {
    return std::nullopt;
  }
  // REQUIRES: calls respond exactly once, from any thread, possibly before returning.
  virtual void Handle(ServerRequest request, Responder respond) = 0;
  // The answer to a request the loop refuses; detail is Beast's or the exception's message.
  virtual ServerResponse Refuse(Refusal why, std::string_view detail) = 0;
  // Called on the server thread every ServerOptions::tick_interval.
  virtual void OnTick() {}
};

class Server {
 public:
  // Binds and starts serving. kIo when it cannot listen.
  static Result<std::unique_ptr<Server>> Start(Handler& handler, const ListenAddress& listen,
                                               const ServerOptions& options);
  // Binds without serving yet, so the owner can learn the port (e.g. to set a URL the Handler
  // hands out) before the first request; Run() starts serving. kIo when it cannot listen.
  static Result<std::unique_ptr<Server>> Bind(Handler& handler, const ListenAddress& listen,
                                              const ServerOptions& options);
  // REQUIRES: the server came from Bind, and Run is called once.
  void Run();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace peerdb::http
