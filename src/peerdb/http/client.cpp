#include "peerdb/http/client.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <optional>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace peerdb::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::size_t kReadBufferBytes = 64 * 1024;

using Outcome = std::variant<Response, Failure>;

// Runs the io_context until its pending operations have completed (each has a deadline).
void RunAll(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

bool IsHeaderValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category();
}

template <class Stream>
Outcome Exchange(Stream& stream, net::io_context& ioc, const Url& url, const ClientRequest& request,
                 const ClientOptions& options) {
  const bool post = request.method == Method::kPost;
  bhttp::request<bhttp::string_body> req{post ? bhttp::verb::post : bhttp::verb::get, url.target, 11};
  req.set(bhttp::field::host, HostHeader(url));
  req.set(bhttp::field::user_agent, options.user_agent);
  req.set(bhttp::field::accept, options.accept);
  if (post) {
    req.set(bhttp::field::content_type, std::string(request.content_type));
    req.body().assign(request.body.begin(), request.body.end());
    req.prepare_payload();  // Content-Length, also for an empty body
  }
  req.keep_alive(false);

  beast::error_code write_ec;
  beast::get_lowest_layer(stream).expires_after(options.read_timeout);
  bhttp::async_write(stream, req, [&](beast::error_code e, std::size_t) { write_ec = e; });
  RunAll(ioc);
  if (write_ec == beast::error::timeout) return Failure{FailureKind::kTimeout, write_ec.message()};

  // A server that refuses a request early (e.g. 413) answers before it has read all of it, so a
  // failed send is reported only if no answer can be read either.
  // The body cap is enforced here, between reads: a declared Content-Length above it fails at once,
  // a chunked or close-delimited body fails as soon as it grows past it (the read buffer is capped
  // too, so memory stays within max_body + the buffer).
  beast::flat_buffer buffer(kReadBufferBytes + options.max_header_bytes);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(options.max_header_bytes, UINT32_MAX)));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // capped below instead
  beast::error_code ec;
  while (!parser.is_done()) {
    bhttp::async_read_some(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    RunAll(ioc);
    if (parser.is_header_done()) {
      const auto length = parser.content_length();
      if ((length && *length > options.max_body) || parser.get().body().size() > options.max_body) {
        return Failure{FailureKind::kTooLarge, ""};
      }
    }
    if (ec) break;
  }
  // A TLS peer that closes without close_notify after a complete message is harmless.
  if (ec == ssl::error::stream_truncated && parser.is_done()) ec = {};
  if (ec == beast::error::timeout) return Failure{FailureKind::kTimeout, ec.message()};
  if (ec && write_ec) return Failure{FailureKind::kNetwork, write_ec.message()};
  if (ec == bhttp::error::end_of_stream) return Failure{FailureKind::kClosed, ec.message()};
  if (ec == bhttp::error::partial_message) return Failure{FailureKind::kTruncated, ec.message()};
  if (ec && IsHttpError(ec)) return Failure{FailureKind::kNotHttp, ec.message()};
  if (ec) return Failure{FailureKind::kNetwork, ec.message()};

  const auto& res = parser.get();
  Response out;
  out.status = res.result_int();
  out.content_type = std::string(res[bhttp::field::content_type]);
  out.body = res.body();
  return out;
}

std::optional<Failure> Connect(beast::tcp_stream& stream, net::io_context& ioc,
                               const tcp::resolver::results_type& endpoints, const ClientOptions& options) {
  beast::error_code ec;
  stream.expires_after(options.connect_timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  RunAll(ioc);
  if (ec == beast::error::timeout) {
    return Failure{FailureKind::kConnect, "no connection within " + Millis(options.connect_timeout)};
  }
  if (ec) return Failure{FailureKind::kConnect, ec.message()};
  return std::nullopt;
}

Outcome SendTls(net::io_context& ioc, const Url& url, const tcp::resolver::results_type& endpoints,
                const ClientRequest& request, const ClientOptions& options) {
  beast::error_code ec;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.set_default_verify_paths(ec);
  if (ec) return Failure{FailureKind::kConfig, "cannot load the system certificate store: " + ec.message()};
  if (!options.extra_ca_pem.empty()) {
    ctx.add_certificate_authority(net::buffer(options.extra_ca_pem), ec);
    if (ec) return Failure{FailureKind::kConfig, "bad extra CA certificate: " + ec.message()};
  }
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  beast::error_code ip_ec;
  net::ip::make_address(url.host, ip_ec);
  if (ip_ec && !SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {  // SNI: names only
    return Failure{FailureKind::kConfig, "cannot set the TLS server name " + url.host};
  }
  if (auto failed = Connect(beast::get_lowest_layer(stream), ioc, endpoints, options)) return *failed;
  beast::get_lowest_layer(stream).expires_after(options.connect_timeout);
  stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  RunAll(ioc);
  if (ec == beast::error::timeout) return Failure{FailureKind::kHandshakeTimeout, ec.message()};
  if (ec) {
    const long verify = SSL_get_verify_result(stream.native_handle());
    std::string why = ec.message();
    if (verify != X509_V_OK) why += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    return Failure{FailureKind::kHandshake, why};
  }
  return Exchange(stream, ioc, url, request, options);
}

}  // namespace

std::variant<Response, Failure> Send(const Url& url, const ClientRequest& request, const ClientOptions& options) {
  if (!IsHeaderValue(options.accept)) return Failure{FailureKind::kConfig, "bad Accept header"};
  if (!IsHeaderValue(request.content_type)) return Failure{FailureKind::kConfig, "bad Content-Type header"};
  if (!IsHeaderValue(options.user_agent)) return Failure{FailureKind::kConfig, "bad User-Agent header"};
  try {
    net::io_context ioc;
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) return Failure{FailureKind::kResolve, ec.message()};
    if (url.tls) return SendTls(ioc, url, endpoints, request, options);
    beast::tcp_stream stream(ioc);
    if (auto failed = Connect(stream, ioc, endpoints, options)) return *failed;
    return Exchange(stream, ioc, url, request, options);
  } catch (const std::exception& e) {
    return Failure{FailureKind::kNetwork, e.what()};
  }
}

Error ServiceError(const Failure& failure, const Url& url, const ClientOptions& options) {
  const std::string where = (url.tls ? "https://" : "http://") + HostHeader(url);
  const std::string& detail = failure.detail;
  switch (failure.kind) {
    case FailureKind::kConfig: return Error{Errc::kConfig, detail};
    case FailureKind::kResolve: return Error{Errc::kUnavailable, "cannot resolve " + url.host + ": " + detail};
    case FailureKind::kConnect: return Error{Errc::kUnavailable, "cannot connect to " + where + ": " + detail};
    case FailureKind::kHandshake: return Error{Errc::kUnavailable, "TLS handshake with " + where + " failed: " + detail};
    case FailureKind::kHandshakeTimeout:
      return Error{Errc::kUnavailable, "TLS handshake with " + where + ": no answer within " + Millis(options.connect_timeout)};
    case FailureKind::kTimeout: return Error{Errc::kUnavailable, where + ": no reply within " + Millis(options.read_timeout)};
    case FailureKind::kTooLarge:
      return Error{Errc::kTooLarge, where + ": response body larger than " + std::to_string(options.max_body) + " bytes"};
    case FailureKind::kClosed: return Error{Errc::kUnavailable, where + ": connection closed without a reply"};
    case FailureKind::kTruncated:
    case FailureKind::kNotHttp: return Error{Errc::kMalformed, where + ": not an HTTP response (" + detail + ")"};
    case FailureKind::kNetwork: break;
  }
  return Error{Errc::kUnavailable, where + ": " + detail};
}

namespace {

Result<Response> Fetch(std::string_view url_text, const ClientRequest& request, const ClientOptions& options) {
  PEERDB_TRY_ASSIGN(const Url url, ParseUrl(url_text));
  Outcome out = Send(url, request, options);
  if (auto* failure = std::get_if<Failure>(&out)) return ServiceError(*failure, url, options);
  return std::get<Response>(std::move(out));
}

}  // namespace

Result<Response> Get(std::string_view url, const ClientOptions& options) {
  return Fetch(url, ClientRequest{}, options);
}

Result<Response> Post(std::string_view url, ByteSpan body, const ClientOptions& options, std::string_view content_type) {
  return Fetch(url, ClientRequest{Method::kPost, body, content_type}, options);
}

}  // namespace peerdb::http
