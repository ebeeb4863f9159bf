// One client connection of http::Server, and the state every connection shares. Private to the
// http module.
// Thread-safety: a session runs on its connection's strand of the server's single-threaded
// io_context; Shared's counters and gate may be touched from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "peerdb/http/server.h"

namespace peerdb::http::internal {

// State shared by the acceptor, every session and every pending Responder.
struct Shared {
  Shared(Handler& h, const ServerOptions& o, std::string busy) : handler(h), options(o), busy_answer(std::move(busy)) {}
  Handler& handler;
  const ServerOptions options;
  const std::string busy_answer;  // the raw answer to a connection over max_connections
  std::atomic<std::size_t> connections{0};
  // Closed by Server::Stop(): Responders post to the io_context only while it is open, so none
  // reaches an io_context that is being destroyed.
  std::mutex gate_mu;
  bool open = true;
};

// Serves requests on `socket` until the client or a deadline ends the connection.
void Serve(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<Shared> shared);

// Sends the busy answer to a connection over the cap and closes it, without reading its request.
void Reject(boost::asio::ip::tcp::socket&& socket, const std::shared_ptr<Shared>& shared);

// The raw HTTP/1.1 bytes of `response` with "Connection: close", for answers sent unparsed.
std::string RawClosingAnswer(const ServerResponse& response, const std::string& server_header);

}  // namespace peerdb::http::internal
