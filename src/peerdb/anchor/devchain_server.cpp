#include "peerdb/anchor/devchain_server.h"

#include <atomic>
#include <charconv>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "peerdb/anchor/devchain_routes.h"

namespace peerdb::anchor {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::size_t kDrainChunk = 16 * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kRejectTimeout = std::chrono::seconds(1);

struct Shared {
  Shared(DevchainCalendar& cal, const DevchainServerOptions& opts) : calendar(cal), options(opts) {}
  DevchainCalendar& calendar;
  const DevchainServerOptions options;
  std::atomic<std::size_t> connections{0};
};

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// One client connection, requests answered one after another. Runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared) : m_stream(std::move(socket)), m_shared(std::move(shared)) {
    ++m_shared->connections;
    beast::error_code ec;
    const auto remote = m_stream.socket().remote_endpoint(ec);
    m_loopback = !ec && remote.address().is_loopback();
  }
  ~Session() { --m_shared->connections; }

  void Run() { net::dispatch(m_stream.get_executor(), beast::bind_front_handler(&Session::ReadHeader, shared_from_this())); }

 private:
  const DevchainServerOptions& Opts() const { return m_shared->options; }

  void ReadHeader() {
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(Opts().max_header_bytes));
    // The body limit is set once the header is in: Beast would otherwise fail an oversize
    // Content-Length while parsing the header, before OnHeader can answer "digest too long".
    // (Beast 1.74 compares the length with an empty optional as "too large", so no boost::none.)
    m_parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    m_stream.expires_after(Opts().header_timeout);
    http::async_read_header(m_stream, m_buffer, *m_parser, beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    const auto& req = m_parser->get();
    m_version = req.version();
    const auto length = m_parser->content_length();
    // As the reference calendar: the announced length is checked before any body byte is read.
    if (req.method() == http::verb::post && req.target() == "/digest" && length && *length > kMaxCalendarDigest) {
      return WriteReply(DigestTooLongReply(), true);
    }
    if (length && *length > Opts().max_body_bytes) return OnReadError(http::error::body_limit);
    m_parser->body_limit(Opts().max_body_bytes);
    if (m_parser->is_done()) return OnRequest();
    m_stream.expires_after(Opts().body_timeout);
    http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code rec, std::size_t) {
      if (rec) return self->OnReadError(rec);
      self->OnRequest();
    });
  }

  void OnReadError(const beast::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return Close();
    if (ec == http::error::body_limit) {
      return WriteReply({413, "text/plain", "no-store", "request body exceeds " + std::to_string(Opts().max_body_bytes) + " bytes"}, true);
    }
    if (ec == http::error::header_limit) {
      return WriteReply({431, "text/plain", "no-store", "request header exceeds " + std::to_string(Opts().max_header_bytes) + " bytes"}, true);
    }
    if (ec == http::error::bad_content_length) return WriteReply({400, "text/plain", "no-store", "invalid Content-Length"}, true);
    if (IsHttpError(ec)) return WriteReply({400, "text/plain", "no-store", "bad HTTP request: " + ec.message()}, true);
    Close();  // timeout (the stream is closed already), reset, or another socket error
  }

  void OnRequest() {
    http::request<http::string_body> req = m_parser->release();
    m_parser.reset();
    const bool keep_alive = req.keep_alive();
    DevchainReply reply;
    try {
      const auto method = req.method_string();
      const auto target = req.target();
      reply = HandleDevchainRequest(m_shared->calendar,
                                    DevchainRequest{std::string_view(method.data(), method.size()),
                                                    std::string_view(target.data(), target.size()), req.body(), m_loopback});
    } catch (const std::exception& e) {
      reply = DevchainReply{500, "text/plain", "no-store", std::string("internal error: ") + e.what()};
    }
    WriteReply(std::move(reply), !keep_alive);
  }

  void WriteReply(DevchainReply r, bool close) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), m_version);
    res->set(http::field::server, "peerdb-devchain");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, r.cache_control);
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

  // Reads and discards what the client still sends (e.g. a refused body) for a bounded time, so
  // closing does not reset the connection before the client has read the answer.
  void LingerClose() {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    m_drain.resize(kDrainChunk);
    m_stream.expires_after(Opts().linger_timeout);
    Drain();
  }

  void Drain() {
    m_stream.async_read_some(net::buffer(m_drain), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->m_drained += n;
      if (ec || self->m_drained > 64 * self->Opts().max_body_bytes) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.close();
  }

  beast::tcp_stream m_stream;
  std::shared_ptr<Shared> m_shared;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  std::shared_ptr<http::response<http::string_body>> m_response;
  std::vector<char> m_drain;
  std::size_t m_drained = 0;
  unsigned m_version = 11;
  bool m_loopback = false;
};

void Reject(tcp::socket&& socket) {
  static const std::string kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nServer: peerdb-devchain\r\nContent-Type: text/plain\r\n"
      "Connection: close\r\nContent-Length: 21\r\n\r\ntoo many connections\n";
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  stream->expires_after(kRejectTimeout);
  net::async_write(*stream, net::buffer(kBusy), [stream](beast::error_code, std::size_t) {
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->close();
  });
}

struct Listen {
  tcp::endpoint endpoint;
  std::string host;  // as written, "localhost" mapped to 127.0.0.1
};

Result<Listen> ParseListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Error{Errc::kConfig, "listen address \"" + listen + "\" must be host:port"};
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  const char* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    return Error{Errc::kConfig, "listen address \"" + listen + "\": bad port"};
  }
  beast::error_code aec;
  const net::ip::address_v4 address = net::ip::make_address_v4(host, aec);
  if (aec) return Error{Errc::kConfig, "listen address \"" + listen + "\": host must be an IPv4 address or localhost"};
  return Listen{tcp::endpoint(address, static_cast<std::uint16_t>(port)), host};
}

}  // namespace

struct DevchainServer::Impl {
  Impl(DevchainCalendar& calendar, const DevchainServerOptions& options)
      : shared(std::make_shared<Shared>(calendar, options)) {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        spdlog::warn("devchain: accept failed: {}", ec.message());
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

  void ScheduleBlock() {
    block_timer.expires_after(shared->options.block_interval);
    block_timer.async_wait([this](beast::error_code ec) {
      if (ec) return;
      auto mined = shared->calendar.Mine(1);
      if (!mined.ok()) spdlog::error("devchain: mining failed: {}", mined.error().message);
      ScheduleBlock();
    });
  }

  void RunLoop() {
    while (true) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("devchain: unexpected exception in the server loop: {}", e.what());
      }
    }
  }

  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry_timer{ioc};
  net::steady_timer block_timer{ioc};
  std::shared_ptr<Shared> shared;
  std::thread thread;
  std::uint16_t port = 0;
  std::string url;
  std::mutex stop_mu;
  bool stopped = false;
};

Result<std::unique_ptr<DevchainServer>> DevchainServer::Start(DevchainCalendar& calendar,
                                                              const DevchainServerOptions& options) {
  PEERDB_TRY_ASSIGN(const Listen listen, ParseListen(options.listen));
  if (!listen.endpoint.address().is_loopback() && !options.allow_remote) {
    return Error{Errc::kConfig, "listen address " + options.listen +
                                    " is not a loopback address; the devchain is a test tool (use --allow-remote to insist)"};
  }
  auto impl = std::make_unique<Impl>(calendar, options);
  beast::error_code ec;
  auto fail = [&](const char* step) {
    return Error{Errc::kIo, "cannot listen on " + options.listen + " (" + step + "): " + ec.message()};
  };
  impl->acceptor.open(listen.endpoint.protocol(), ec);
  if (ec) return fail("open");
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("reuse_address");
  impl->acceptor.bind(listen.endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl->port = impl->acceptor.local_endpoint(ec).port();
  if (ec) return fail("local_endpoint");
  const std::string host = listen.endpoint.address().is_unspecified() ? "127.0.0.1" : listen.host;
  impl->url = "http://" + host + ":" + std::to_string(impl->port);
  if (calendar.public_url().empty()) PEERDB_TRY(calendar.SetPublicUrl(impl->url));
  impl->Accept();
  if (options.block_interval.count() > 0) impl->ScheduleBlock();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->RunLoop(); });
  return std::unique_ptr<DevchainServer>(new DevchainServer(std::move(impl)));
}

DevchainServer::DevchainServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

DevchainServer::~DevchainServer() { Stop(); }

std::uint16_t DevchainServer::port() const { return m_impl->port; }

std::string DevchainServer::url() const { return m_impl->url; }

void DevchainServer::Stop() {
  {
    std::lock_guard lock(m_impl->stop_mu);
    if (m_impl->stopped) return;
    m_impl->stopped = true;
  }
  m_impl->ioc.stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
  beast::error_code ignored;
  m_impl->acceptor.close(ignored);
}

}  // namespace peerdb::anchor
