#include "peerdb/api/http_server.h"

#include <utility>

#include "peerdb/api/router.h"

namespace peerdb::api {

namespace {

std::string Ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

http::ServerResponse ToHttp(ApiResponse r) {
  return http::ServerResponse{r.status, "application/json", "no-store", std::move(r.allow), std::move(r.body)};
}

// The API's routes and wording on top of the shared session loop.
class ApiHandler final : public http::Handler {
 public:
  ApiHandler(node::Service& service, const ServerOptions& options) : m_router(service), m_options(options) {}

  void Handle(http::ServerRequest request, http::Responder respond) override {
    m_router.Handle(request.method, request.target, std::move(request.body),
                    [respond = std::move(respond)](MakeResponse make) {
                      respond([make = std::move(make)] { return ToHttp(make()); });
                    });
  }

  http::ServerResponse Refuse(http::Refusal why, std::string_view detail) override {
    switch (why) {
      case http::Refusal::kBodyTooLarge:
        return ToHttp(ErrorResponse(Error{Errc::kTooLarge, "request body exceeds the limit of " +
                                                               std::to_string(m_options.max_body_bytes) + " bytes"},
                                    413));
      case http::Refusal::kHeaderTooLarge:
        return ToHttp(ErrorResponse(Error{Errc::kTooLarge, "request header exceeds the limit of " +
                                                               std::to_string(m_options.max_header_bytes) + " bytes"},
                                    431));
      case http::Refusal::kBadContentLength:
      case http::Refusal::kBadRequest:
        return ToHttp(ErrorResponse(Error{Errc::kMalformed, "bad HTTP request: " + std::string(detail)}, 400));
      case http::Refusal::kHandlerFailed:
        return ToHttp(ErrorResponse(Error{Errc::kInternal, "internal error: " + std::string(detail)}));
      case http::Refusal::kHandlerTimeout:
        return ToHttp(ErrorResponse(Error{Errc::kUnavailable, "no answer from the node within " +
                                                                  Ms(m_options.handler_timeout) +
                                                                  "; a submitted transaction may still commit"}));
      case http::Refusal::kTooManyConnections:
        return ToHttp(ErrorResponse(Error{Errc::kUnavailable, "too many open connections; retry later"}));
    }
    return ToHttp(ErrorResponse(Error{Errc::kInternal, "internal error: unknown refusal"}));
  }

 private:
  Router m_router;
  const ServerOptions m_options;
};

http::ServerOptions LoopOptions(const ServerOptions& o) {
  return http::ServerOptions{.limits = o, .server_header = "peerdb", .log_name = "api",
                             .handler_timeout = o.handler_timeout, .max_drain_bytes = 2 * o.max_body_bytes};
}

}  // namespace

struct ApiServer::Impl {
  Impl(node::Service& service, const ServerOptions& options) : handler(service, options) {}
  ApiHandler handler;
  std::unique_ptr<http::Server> server;  // declared after the handler it uses, so destroyed first
};

Result<std::unique_ptr<ApiServer>> ApiServer::Start(node::Service& service, const std::string& listen,
                                                    const ServerOptions& options) {
  PEERDB_TRY_ASSIGN(const http::ListenAddress address, http::ParseListenAddress(listen, http::IpVersions::kV4AndV6));
  auto impl = std::make_unique<Impl>(service, options);
  PEERDB_TRY_ASSIGN(impl->server, http::Server::Start(impl->handler, address, LoopOptions(options)));
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

ApiServer::~ApiServer() { Stop(); }

std::uint16_t ApiServer::port() const { return m_impl->server->port(); }

void ApiServer::Stop() { m_impl->server->Stop(); }

}  // namespace peerdb::api
