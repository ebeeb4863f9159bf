// A tiny HTTP/1.1 (optionally TLS) server on 127.0.0.1 with an ephemeral port for the client tests:
// one request per connection, answered by a handler from the request target (or the whole request:
// method, body, headers). It can also answer with raw bytes or hold the connection open without
// answering. Runs on its own thread and serves one connection at a time.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace peerdb::http::testing {

struct Reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "text/plain";
  std::optional<std::string> raw;  // sent instead of an HTTP response
  bool hang = false;               // read the request, never answer
};
using Handler = std::function<Reply(const std::string& target)>;

struct Request {
  std::string method;  // "GET", "POST"
  std::string target;
  std::string body;
  std::string accept, content_type, user_agent;
};
using RequestHandler = std::function<Reply(const Request& request)>;

class TestHttpServer {
 public:
  // With tls set, connections are TLS with the context's certificate.
  explicit TestHttpServer(Handler handler, boost::asio::ssl::context* tls = nullptr)
      : TestHttpServer(RequestHandler([h = std::move(handler)](const Request& r) { return h(r.target); }), tls) {}
  explicit TestHttpServer(RequestHandler handler, boost::asio::ssl::context* tls = nullptr)
      : m_handler(std::move(handler)), m_tls(tls), m_acceptor(m_ioc) {
    namespace net = boost::asio;
    const net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    m_acceptor.open(ep.protocol());
    m_acceptor.bind(ep);
    m_acceptor.listen();
    m_port = m_acceptor.local_endpoint().port();
    m_thread = std::thread([this] { Loop(); });
  }
  ~TestHttpServer() {
    m_stop = true;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket wake(m_ioc);
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), m_port}, ec);
    m_thread.join();
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::string url() const { return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port); }
  std::uint16_t port() const { return m_port; }
  std::vector<std::string> targets() const {
    std::lock_guard lock(m_mu);
    return m_targets;
  }
  std::size_t requests() const { return targets().size(); }

 private:
  void Loop() {
    while (true) {
      boost::asio::ip::tcp::socket socket(m_ioc);
      boost::system::error_code ec;
      m_acceptor.accept(socket, ec);
      if (m_stop) break;
      if (ec) continue;
      if (m_tls) {
        boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(std::move(socket), *m_tls);
        stream.handshake(boost::asio::ssl::stream_base::server, ec);
        if (!ec) Serve(stream, nullptr);
      } else {
        Serve(socket, &socket);
      }
    }
  }

  template <class Stream>
  void Serve(Stream& stream, boost::asio::ip::tcp::socket* plain) {
    namespace bhttp = boost::beast::http;
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    bhttp::read(stream, buffer, req, ec);
    if (ec) return;
    Request request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.body = req.body();
    request.accept = std::string(req[bhttp::field::accept]);
    request.content_type = std::string(req[bhttp::field::content_type]);
    request.user_agent = std::string(req[bhttp::field::user_agent]);
    {
      std::lock_guard lock(m_mu);
      m_targets.push_back(request.target);
    }
    Reply reply = m_handler(request);
    if (reply.hang && plain) {
      m_held.push_back(std::move(*plain));
      return;
    }
    if (reply.raw) {
      boost::asio::write(stream, boost::asio::buffer(*reply.raw), ec);
    } else {
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), 11};
      res.set(bhttp::field::content_type, reply.content_type);
      res.body() = reply.body;
      res.keep_alive(false);
      res.prepare_payload();
      bhttp::write(stream, res, ec);
    }
    if (plain) plain->shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }

  RequestHandler m_handler;
  boost::asio::ssl::context* m_tls;
  boost::asio::io_context m_ioc;
  boost::asio::ip::tcp::acceptor m_acceptor;
  std::uint16_t m_port = 0;
  std::atomic<bool> m_stop{false};
  std::vector<boost::asio::ip::tcp::socket> m_held;
  mutable std::mutex m_mu;
  std::vector<std::string> m_targets;
  std::thread m_thread;
};

}  // namespace peerdb::http::testing
