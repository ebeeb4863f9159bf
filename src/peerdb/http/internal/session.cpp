#include "peerdb/http/internal/session.h"

#include <exception>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace peerdb::http::internal {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::size_t kDrainChunk = 16 * 1024;
constexpr auto kRejectTimeout = std::chrono::seconds(1);

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// One client connection; requests are served one after another (no pipelining in parallel).
// All members are touched only on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : m_stream(std::move(socket)), m_shared(std::move(shared)), m_handler_timer(m_stream.get_executor()) {
    ++m_shared->connections;
    beast::error_code ec;
    const auto remote = m_stream.socket().remote_endpoint(ec);
    m_loopback = !ec && remote.address().is_loopback();
  }
  ~Session() { --m_shared->connections; }

  void Run() { net::dispatch(m_stream.get_executor(), beast::bind_front_handler(&Session::ReadHeader, shared_from_this())); }

 private:
  const ServerOptions& Opts() const { return m_shared->options; }
  const ServerLimits& Limits() const { return m_shared->options.limits; }
  Handler& TheHandler() const { return m_shared->handler; }

  void ReadHeader() {
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(Limits().max_header_bytes));
    // The body limit is set once the header is in: Beast would otherwise fail an oversize
    // Content-Length while parsing the header, before the Handler can Screen it. (Beast 1.74
    // compares the length with an empty optional as "too large", so no boost::none.)
    m_parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    m_stream.expires_after(Limits().header_timeout);
    bhttp::async_read_header(m_stream, m_buffer, *m_parser, beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    const auto& req = m_parser->get();
    m_version = req.version();
    const auto length = m_parser->content_length();
    const auto method = req.method_string();
    const auto target = req.target();
    std::optional<ServerResponse> early;
    try {
      early = TheHandler().Screen(std::string_view(method.data(), method.size()),
                                  std::string_view(target.data(), target.size()),
                                  length ? std::optional<std::uint64_t>(*length) : std::nullopt);
    } catch (const std::exception& e) {
      early = TheHandler().Refuse(Refusal::kHandlerFailed, e.what());
    }
    if (early) return WriteClosing(std::move(*early));
    if (length && *length > Limits().max_body_bytes) return OnReadError(bhttp::error::body_limit);
    m_parser->body_limit(Limits().max_body_bytes);
    if (beast::iequals(req[bhttp::field::expect], "100-continue") && !m_parser->is_done()) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      m_stream.expires_after(Limits().write_timeout);
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
    m_stream.expires_after(Limits().body_timeout);
    bhttp::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->OnReadError(ec);
      self->OnRequest();
    });
  }

  void OnReadError(const beast::error_code& ec) {
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return Close();
    if (ec == bhttp::error::body_limit) return Refuse(Refusal::kBodyTooLarge, ec.message());
    if (ec == bhttp::error::header_limit) return Refuse(Refusal::kHeaderTooLarge, ec.message());
    if (ec == bhttp::error::bad_content_length) return Refuse(Refusal::kBadContentLength, ec.message());
    if (IsHttpError(ec)) return Refuse(Refusal::kBadRequest, ec.message());
    Close();  // timeout (the stream is already closed), reset, or another socket error
  }

  void OnRequest() {
    bhttp::request<bhttp::string_body> req = m_parser->release();
    m_parser.reset();
    // A HEAD answer carries no body on the wire; closing after it keeps client and server in step.
    m_keep_alive = req.keep_alive() && req.method() != bhttp::verb::head;
    const std::uint64_t seq = ++m_seq;
    m_responded = false;

    if (Opts().handler_timeout.count() > 0) {
      m_handler_timer.expires_after(Opts().handler_timeout);
      m_handler_timer.async_wait([self = shared_from_this(), seq](beast::error_code ec) {
        if (ec) return;
        self->Deliver(seq, [self] { return self->TheHandler().Refuse(Refusal::kHandlerTimeout, ""); });
      });
    }

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
      TheHandler().Handle(ServerRequest{std::string_view(method.data(), method.size()),
                                        std::string_view(target.data(), target.size()), std::move(req.body()),
                                        m_loopback},
                          std::move(respond));
    } catch (const std::exception& e) {
      const std::string what = e.what();
      Deliver(seq, [self = shared_from_this(), what] { return self->TheHandler().Refuse(Refusal::kHandlerFailed, what); });
    }
  }

  // Sends the answer to request `seq` unless it was answered already (by the handler timeout).
  void Deliver(std::uint64_t seq, MakeResponse make) {
    if (seq != m_seq || m_responded) return;
    m_responded = true;
    m_handler_timer.cancel();
    ServerResponse response;
    try {
      response = make();
    } catch (const std::exception& e) {
      response = TheHandler().Refuse(Refusal::kHandlerFailed, e.what());
    }
    Write(std::move(response), !m_keep_alive);
  }

  void Refuse(Refusal why, const std::string& detail) { WriteClosing(TheHandler().Refuse(why, detail)); }

  void WriteClosing(ServerResponse response) {
    m_keep_alive = false;
    m_responded = true;
    Write(std::move(response), true);
  }

  void Write(ServerResponse r, bool close) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(r.status), m_version);
    res->set(bhttp::field::server, Opts().server_header);
    if (!r.content_type.empty()) res->set(bhttp::field::content_type, r.content_type);
    if (!r.cache_control.empty()) res->set(bhttp::field::cache_control, r.cache_control);
    if (!r.allow.empty()) res->set(bhttp::field::allow, r.allow);
    res->keep_alive(!close);
    res->body() = std::move(r.body);
    res->prepare_payload();
    m_response = std::move(res);
    m_stream.expires_after(Limits().write_timeout);
    bhttp::async_write(m_stream, *m_response, [self = shared_from_this()](beast::error_code ec, std::size_t) {
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
    m_stream.expires_after(Limits().linger_timeout);
    Drain();
  }

  void Drain() {
    m_stream.async_read_some(net::buffer(m_drain), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->m_drained += n;
      if (ec || self->m_drained > self->Opts().max_drain_bytes) return self->Close();
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
  std::optional<bhttp::request_parser<bhttp::string_body>> m_parser;
  std::shared_ptr<bhttp::response<bhttp::string_body>> m_response;
  std::vector<char> m_drain;
  std::size_t m_drained = 0;
  unsigned m_version = 11;
  bool m_loopback = false;
  bool m_keep_alive = false;
  bool m_responded = false;
  std::uint64_t m_seq = 0;
};

}  // namespace

void Serve(tcp::socket&& socket, std::shared_ptr<Shared> shared) {
  std::make_shared<Session>(std::move(socket), std::move(shared))->Run();
}

void Reject(tcp::socket&& socket, const std::shared_ptr<Shared>& shared) {
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  stream->expires_after(kRejectTimeout);
  // The answer lives in Shared, which the completion handler keeps alive.
  net::async_write(*stream, net::buffer(shared->busy_answer), [stream, shared](beast::error_code, std::size_t) {
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->close();
  });
}

std::string RawClosingAnswer(const ServerResponse& response, const std::string& server_header) {
  const auto status = static_cast<bhttp::status>(response.status);
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(bhttp::obsolete_reason(status)) +
                    "\r\nServer: " + server_header + "\r\n";
  if (!response.content_type.empty()) out += "Content-Type: " + response.content_type + "\r\n";
  out += "Connection: close\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
  return out;
}

}  // namespace peerdb::http::internal
