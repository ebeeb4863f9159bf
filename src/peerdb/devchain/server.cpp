#include "peerdb/devchain/server.h"

#include <utility>

#include <spdlog/spdlog.h>

#include "peerdb/devchain/routes.h"

namespace peerdb::devchain {

namespace {

http::ServerResponse ToHttp(Reply r) {
  return http::ServerResponse{r.status, std::move(r.content_type), std::move(r.cache_control), "", std::move(r.body)};
}

http::ServerResponse Text(unsigned status, std::string body) { return ToHttp(Reply{status, "text/plain", "no-store", std::move(body)}); }

// The devchain's routes, wording and block timer on top of the shared session loop.
class DevchainHandler final : public http::Handler {
 public:
  DevchainHandler(Calendar& calendar, const ServerOptions& options) : m_calendar(calendar), m_options(options) {}

  // As the reference calendar: the announced length of a digest is checked before any body byte is
  // read (and before the general body limit, which is larger).
  std::optional<http::ServerResponse> Screen(std::string_view method, std::string_view target,
                                             std::optional<std::uint64_t> content_length) override {
    if (method == "POST" && target == "/digest" && content_length && *content_length > kMaxCalendarDigest) {
      return ToHttp(DigestTooLongReply());
    }
    return std::nullopt;
  }

  void Handle(http::ServerRequest request, http::Responder respond) override {
    Reply reply = HandleRequest(m_calendar, Request{request.method, request.target, request.body, request.from_loopback});
    respond([reply = std::move(reply)] { return ToHttp(reply); });
  }

  http::ServerResponse Refuse(http::Refusal why, std::string_view detail) override {
    switch (why) {
      case http::Refusal::kBodyTooLarge:
        return Text(413, "request body exceeds " + std::to_string(m_options.limits.max_body_bytes) + " bytes");
      case http::Refusal::kHeaderTooLarge:
        return Text(431, "request header exceeds " + std::to_string(m_options.limits.max_header_bytes) + " bytes");
      case http::Refusal::kBadContentLength: return Text(400, "invalid Content-Length");
      case http::Refusal::kBadRequest: return Text(400, "bad HTTP request: " + std::string(detail));
      case http::Refusal::kHandlerFailed: return Text(500, "internal error: " + std::string(detail));
      case http::Refusal::kHandlerTimeout: return Text(503, "no answer in time");
      case http::Refusal::kTooManyConnections: return ToHttp(Reply{503, "text/plain", "", "too many connections\n"});
    }
    return Text(500, "internal error: unknown refusal");
  }

  void OnTick() override {
    auto mined = m_calendar.Mine(1);
    if (!mined.ok()) spdlog::error("devchain: mining failed: {}", mined.error().message);
  }

 private:
  Calendar& m_calendar;
  const ServerOptions m_options;
};

http::ServerOptions LoopOptions(const ServerOptions& o) {
  return http::ServerOptions{.limits = o.limits, .server_header = "peerdb-devchain", .log_name = "devchain",
                             .max_drain_bytes = 64 * o.limits.max_body_bytes, .tick_interval = o.block_interval};
}

}  // namespace

struct Server::Impl {
  Impl(Calendar& calendar, const ServerOptions& options) : handler(calendar, options) {}
  DevchainHandler handler;
  std::unique_ptr<http::Server> server;  // declared after the handler it uses, so destroyed first
  std::string url;
};

Result<std::unique_ptr<Server>> Server::Start(Calendar& calendar, const ServerOptions& options) {
  PEERDB_TRY_ASSIGN(const http::ListenAddress listen, http::ParseListenAddress(options.listen, http::IpVersions::kV4Only));
  if (!listen.loopback && !options.allow_remote) {
    return Error{Errc::kConfig, "listen address " + options.listen +
                                    " is not a loopback address; the devchain is a test tool (use --allow-remote to insist)"};
  }
  auto impl = std::make_unique<Impl>(calendar, options);
  PEERDB_TRY_ASSIGN(impl->server, http::Server::Bind(impl->handler, listen, LoopOptions(options)));
  const std::string host = listen.unspecified ? "127.0.0.1" : listen.host;
  impl->url = "http://" + host + ":" + std::to_string(impl->server->port());
  // Before the first request, so every pending attestation names the calendar.
  if (calendar.public_url().empty()) PEERDB_TRY(calendar.SetPublicUrl(impl->url));
  impl->server->Run();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Server::~Server() { Stop(); }

std::uint16_t Server::port() const { return m_impl->server->port(); }

std::string Server::url() const { return m_impl->url; }

void Server::Stop() { m_impl->server->Stop(); }

}  // namespace peerdb::devchain
