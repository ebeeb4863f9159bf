#include "peerdb/api/http_server.h"

#include <array>
#include <atomic>
#include <charconv>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "peerdb/api/router.h"

namespace peerdb::api {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::size_t kDrainChunk = 64 * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kRejectTimeout = std::chrono::seconds(1);

std::string Ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// State shared by the acceptor, every session and every pending node callback.
struct Shared {
  Shared(node::Service& service, const ServerOptions& opts) : router(service), options(opts) {}
  Router router;
  const ServerOptions options;
  std::atomic<std::size_t> connections{0};
  // Closed by Stop(): node callbacks post to the io_context only while it is open, so none
  // reaches an io_context that is being destroyed.
  std::mutex gate_mu;
  bool open = true;
};

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// One client connection; requests are served one after another (no pipelining in parallel).
// All members are touched only on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : m_stream(std::move(socket)), m_shared(std::move(shared)), m_handler_timer(m_stream.get_executor()) {
    ++m_shared->connections;
  }
  ~Session() { --m_shared->connections; }

  void Run() { net::dispatch(m_stream.get_executor(), beast::bind_front_handler(&Session::ReadHeader, shared_from_this())); }

 private:
  const ServerOptions& Opts() const { return m_shared->options; }

  void ReadHeader() {
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(Opts().max_header_bytes));
    m_parser->body_limit(Opts().max_body_bytes);
    m_stream.expires_after(Opts().header_timeout);
    http::async_read_header(m_stream, m_buffer, *m_parser, beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    const auto& req = m_parser->get();
    m_version = req.version();
    // Beast checks this too, but only when the header is parsed on its own; be explicit.
    if (const auto length = m_parser->content_length(); length && *length > Opts().max_body_bytes) {
      return OnReadError(http::error::body_limit);
    }
    if (beast::iequals(req[http::field::expect], "100-continue") && !m_parser->is_done()) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      m_stream.expires_after(Opts().write_timeout);
      net::async_write(m_stream, net::buffer(kContinue), [self = shared_from_this()](beast::error_code wec, std::size_t) {
        if (wec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (m_parser->is_done()) return OnRequest();
    m_stream.expires_after(Opts().body_timeout);
    http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->OnReadError(ec);
      self->OnRequest();
    });
  }

  void OnReadError(const beast::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return Close();
    if (ec == http::error::body_limit) {
      return WriteError(413, Error{Errc::kTooLarge, "request body exceeds the limit of " +
                                                        std::to_string(Opts().max_body_bytes) + " bytes"});
    }
    if (ec == http::error::header_limit) {
      return WriteError(431, Error{Errc::kTooLarge, "request header exceeds the limit of " +
                                                        std::to_string(Opts().max_header_bytes) + " bytes"});
    }
    if (IsHttpError(ec)) return WriteError(400, Error{Errc::kMalformed, "bad HTTP request: " + ec.message()});
    Close();  // timeout (the stream is already closed), reset, or another socket error
  }

  void OnRequest() {
    http::request<http::string_body> req = m_parser->release();
    m_parser.reset();
    m_keep_alive = req.keep_alive() && req.method() != http::verb::head;
    const std::uint64_t seq = ++m_seq;
    m_responded = false;

    m_handler_timer.expires_after(Opts().handler_timeout);
    m_handler_timer.async_wait([self = shared_from_this(), seq](beast::error_code ec) {
      if (ec) return;
      const std::string wait = Ms(self->Opts().handler_timeout);
      self->Deliver(seq, [wait] {
        return ErrorResponse(Error{Errc::kUnavailable,
                                   "no answer from the node within " + wait + "; a submitted transaction may still commit"});
      });
    });

    Responder respond = [shared = m_shared, weak = weak_from_this(), seq](MakeResponse make) {
      std::lock_guard lock(shared->gate_mu);
      if (!shared->open) return;
      std::shared_ptr<Session> self = weak.lock();
      if (!self) return;
      auto executor = self->m_stream.get_executor();
      net::post(executor, [self = std::move(self), seq, make = std::move(make)]() mutable {
        self->Deliver(seq, std::move(make));
      });
    };

    const auto method = req.method_string();
    const auto target = req.target();
    try {
      m_shared->router.Handle(std::string_view(method.data(), method.size()), std::string_view(target.data(), target.size()),
                              std::move(req.body()), std::move(respond));
    } catch (const std::exception& e) {
      const std::string what = e.what();
      Deliver(seq, [what] { return ErrorResponse(Error{Errc::kInternal, "internal error: " + what}); });
    }
  }

  // Sends the answer to request `seq` unless it was answered already (by the handler timeout).
  void Deliver(std::uint64_t seq, MakeResponse make) {
    if (seq != m_seq || m_responded) return;
    m_responded = true;
    m_handler_timer.cancel();
    ApiResponse response;
    try {
      response = make();
    } catch (const std::exception& e) {
      response = ErrorResponse(Error{Errc::kInternal, std::string("internal error: ") + e.what()});
    }
    Write(std::move(response), !m_keep_alive);
  }

  void WriteError(unsigned status, Error error) {
    m_keep_alive = false;
    m_responded = true;
    Write(ErrorResponse(error, status), true);
  }

  void Write(ApiResponse r, bool close) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), m_version);
    res->set(http::field::server, "peerdb");
    res->set(http::field::content_type, "application/json");
    res->set(http::field::cache_control, "no-store");
    if (!r.allow.empty()) res->set(http::field::allow, r.allow);
    res->keep_alive(!close);
    res->body() = std::move(r.body);
    res->prepare_payload();
    m_response = std::move(res);
    m_stream.expires_after(Opts().write_timeout);
    http::async_write(m_stream, *m_response, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->Close();
      const bool keep = self->m_response->keep_alive();
      self->m_response.reset();
      if (!keep) return self->LingerClose();
      self->ReadHeader();
    });
  }

  // After an answer with "Connection: close" the client may still be sending (e.g. the body that
  // was refused with 413). Closing at once would reset the connection and the client could lose
  // the answer, so input is read and discarded for a bounded time and amount first.
  void LingerClose() {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    m_drain.resize(kDrainChunk);
    m_drained = 0;
    m_stream.expires_after(Opts().linger_timeout);
    Drain();
  }

  void Drain() {
    m_stream.async_read_some(net::buffer(m_drain), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->m_drained += n;
      if (ec || self->m_drained > 2 * self->Opts().max_body_bytes) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.close();
    m_handler_timer.cancel();
  }

  beast::tcp_stream m_stream;
  std::shared_ptr<Shared> m_shared;
  net::steady_timer m_handler_timer;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  std::shared_ptr<http::response<http::string_body>> m_response;
  std::vector<char> m_drain;
  std::size_t m_drained = 0;
  unsigned m_version = 11;
  bool m_keep_alive = false;
  bool m_responded = false;
  std::uint64_t m_seq = 0;
};

// Answers 503 to a connection over the limit and closes it, without reading its request.
void Reject(tcp::socket&& socket) {
  static const std::string kBusy = [] {
    const std::string body =
        ErrorResponse(Error{Errc::kUnavailable, "too many open connections; retry later"}).body;
    return "HTTP/1.1 503 Service Unavailable\r\nServer: peerdb\r\nContent-Type: application/json\r\n"
           "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  stream->expires_after(kRejectTimeout);
  net::async_write(*stream, net::buffer(kBusy), [stream](beast::error_code, std::size_t) {
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->close();
  });
}

Result<tcp::endpoint> ParseListen(const std::string& listen) {
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
  auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    return Error{Errc::kConfig, "listen address \"" + listen + "\": bad port"};
  }
  beast::error_code aec;
  const net::ip::address address = net::ip::make_address(host, aec);
  if (aec) return Error{Errc::kConfig, "listen address \"" + listen + "\": host must be an IP address or localhost"};
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

}  // namespace

struct ApiServer::Impl {
  Impl(node::Service& service, const ServerOptions& options)
      : shared(std::make_shared<Shared>(service, options)) {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // E.g. out of file descriptors: try again shortly instead of spinning.
        spdlog::warn("api: accept failed: {}", ec.message());
        retry_timer.expires_after(kAcceptRetryDelay);
        retry_timer.async_wait([this](beast::error_code wec) {
          if (!wec) Accept();
        });
        return;
      }
      if (shared->connections.load() >= shared->options.max_connections) {
        Reject(std::move(socket));
      } else {
        std::make_shared<Session>(std::move(socket), shared)->Run();
      }
      Accept();
    });
  }

  void RunLoop() {
    while (true) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("api: unexpected exception in the server loop: {}", e.what());
      }
    }
  }

  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry_timer{ioc};
  std::shared_ptr<Shared> shared;
  std::thread thread;
  std::uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;
};

Result<std::unique_ptr<ApiServer>> ApiServer::Start(node::Service& service, const std::string& listen,
                                                    const ServerOptions& options) {
  PEERDB_TRY_ASSIGN(const tcp::endpoint endpoint, ParseListen(listen));
  auto impl = std::make_unique<Impl>(service, options);
  beast::error_code ec;
  auto fail = [&](const char* step) {
    return Error{Errc::kIo, "cannot listen on " + listen + " (" + step + "): " + ec.message()};
  };
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("reuse_address");
  impl->acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl->port = impl->acceptor.local_endpoint(ec).port();
  if (ec) return fail("local_endpoint");
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->RunLoop(); });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

ApiServer::~ApiServer() { Stop(); }

std::uint16_t ApiServer::port() const { return m_impl->port; }

void ApiServer::Stop() {
  {
    std::lock_guard lock(m_impl->stop_mu);
    if (m_impl->stopped) return;
    m_impl->stopped = true;
  }
  {
    std::lock_guard lock(m_impl->shared->gate_mu);
    m_impl->shared->open = false;
  }
  m_impl->ioc.stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
  beast::error_code ignored;
  m_impl->acceptor.close(ignored);
  // Sessions still queued in the io_context are destroyed with it, in ~Impl.
}

}  // namespace peerdb::api
