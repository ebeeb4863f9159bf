#include "peerdb/anchor/http_fetch.h"

#include <charconv>
#include <exception>
#include <limits>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace peerdb::anchor {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::size_t kMaxResponseHeaderBytes = 16 * 1024;
constexpr std::size_t kReadBufferBytes = 64 * 1024;

Error BadUrl(std::string_view url, std::string_view why) {
  return Error{Errc::kConfig, "URL \"" + std::string(url) + "\": " + std::string(why)};
}

std::string HostHeader(const Url& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  std::string out = v6 ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? "443" : "80")) out += ":" + url.port;
  return out;
}

// Runs the io_context until its pending operations have completed (each has a deadline).
void RunAll(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// What to send: GET without a body, or POST with one.
struct Outgoing {
  http::verb method = http::verb::get;
  ByteSpan body;
  std::string_view content_type;
};

template <class Stream>
Result<HttpResponse> Exchange(Stream& stream, net::io_context& ioc, const Url& url, const std::string& where,
                              const Outgoing& outgoing, const FetchOptions& options) {
  http::request<http::string_body> req{outgoing.method, url.target, 11};
  req.set(http::field::host, HostHeader(url));
  req.set(http::field::user_agent, std::string(kUserAgent));
  req.set(http::field::accept, options.accept);
  if (outgoing.method == http::verb::post) {
    req.set(http::field::content_type, std::string(outgoing.content_type));
    req.body().assign(outgoing.body.begin(), outgoing.body.end());
    req.prepare_payload();  // Content-Length, also for an empty body
  }
  req.keep_alive(false);

  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(options.read_timeout);
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
  RunAll(ioc);
  if (ec == beast::error::timeout) return Error{Errc::kUnavailable, where + ": no reply within " + Millis(options.read_timeout)};
  if (ec) return Error{Errc::kUnavailable, where + ": " + ec.message()};

  // The body cap is enforced here, between reads: a declared Content-Length above it fails at once,
  // a chunked or close-delimited body fails as soon as it grows past it (the read buffer is capped
  // too, so memory stays within max_body + kReadBufferBytes).
  beast::flat_buffer buffer(kReadBufferBytes);
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // capped below instead
  const Error too_large{Errc::kTooLarge, where + ": response body larger than " + std::to_string(options.max_body) + " bytes"};
  while (!parser.is_done()) {
    http::async_read_some(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    RunAll(ioc);
    if (parser.is_header_done()) {
      const auto length = parser.content_length();
      if ((length && *length > options.max_body) || parser.get().body().size() > options.max_body) return too_large;
    }
    if (ec) break;
  }
  // A TLS peer that closes without close_notify after a complete message is harmless.
  if (ec == ssl::error::stream_truncated && parser.is_done()) ec = {};
  if (ec == beast::error::timeout) return Error{Errc::kUnavailable, where + ": no reply within " + Millis(options.read_timeout)};
  if (ec && ec.category() == http::make_error_code(http::error::end_of_stream).category()) {  // beast's HTTP parse errors
    if (ec == http::error::end_of_stream) return Error{Errc::kUnavailable, where + ": connection closed without a reply"};
    return Error{Errc::kMalformed, where + ": not an HTTP response (" + ec.message() + ")"};
  }
  if (ec) return Error{Errc::kUnavailable, where + ": " + ec.message()};

  const auto& res = parser.get();
  HttpResponse out;
  out.status = res.result_int();
  out.content_type = std::string(res[http::field::content_type]);
  out.body = res.body();
  return out;
}

}  // namespace

Result<Url> ParseUrl(std::string_view url) {
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return BadUrl(url, "contains a space, control or non-ASCII character");
  }
  Url out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return BadUrl(url, "must start with http:// or https://");
  }
  if (rest.find('#') != std::string_view::npos) return BadUrl(url, "fragments are not allowed");
  const std::size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  out.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  if (authority.find('@') != std::string_view::npos) return BadUrl(url, "user info is not allowed");
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unclosed '['");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadUrl(url, "expected ':' after ']'");
      port = after.substr(1);
      if (port.empty()) return BadUrl(url, "empty port");
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return BadUrl(url, "empty port");
  }
  if (host.empty()) return BadUrl(url, "no host");
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return BadUrl(url, "bad port");
    }
  }
  out.host = std::string(host);
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  return out;
}

namespace {

Result<HttpResponse> Fetch(std::string_view url_text, const Outgoing& out, const FetchOptions& options) {
  PEERDB_TRY_ASSIGN(const Url url, ParseUrl(url_text));
  for (const char c : options.accept) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error{Errc::kConfig, "bad Accept header"};
  }
  for (const char c : out.content_type) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error{Errc::kConfig, "bad Content-Type header"};
  }
  const std::string where = (url.tls ? "https://" : "http://") + HostHeader(url);
  try {
    net::io_context ioc;
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) return Error{Errc::kUnavailable, "cannot resolve " + url.host + ": " + ec.message()};

    auto connect = [&](beast::tcp_stream& tcp_stream) -> Status {
      tcp_stream.expires_after(options.connect_timeout);
      tcp_stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
      RunAll(ioc);
      if (ec == beast::error::timeout) {
        return Error{Errc::kUnavailable, "cannot connect to " + where + ": no connection within " + Millis(options.connect_timeout)};
      }
      if (ec) return Error{Errc::kUnavailable, "cannot connect to " + where + ": " + ec.message()};
      return Status::Ok();
    };

    if (!url.tls) {
      beast::tcp_stream stream(ioc);
      PEERDB_TRY(connect(stream));
      return Exchange(stream, ioc, url, where, out, options);
    }

    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.set_default_verify_paths(ec);
    if (ec) return Error{Errc::kConfig, "cannot load the system certificate store: " + ec.message()};
    if (!options.extra_ca_pem.empty()) {
      ctx.add_certificate_authority(net::buffer(options.extra_ca_pem), ec);
      if (ec) return Error{Errc::kConfig, "bad extra CA certificate: " + ec.message()};
    }
    ctx.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    stream.set_verify_callback(ssl::host_name_verification(url.host));
    beast::error_code ip_ec;
    net::ip::make_address(url.host, ip_ec);
    if (ip_ec && !SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {  // SNI: names only
      return Error{Errc::kConfig, "cannot set the TLS server name " + url.host};
    }
    PEERDB_TRY(connect(beast::get_lowest_layer(stream)));
    beast::get_lowest_layer(stream).expires_after(options.connect_timeout);
    stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    RunAll(ioc);
    if (ec == beast::error::timeout) {
      return Error{Errc::kUnavailable, "TLS handshake with " + where + ": no answer within " + Millis(options.connect_timeout)};
    }
    if (ec) {
      const long verify = SSL_get_verify_result(stream.native_handle());
      std::string why = ec.message();
      if (verify != X509_V_OK) why += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
      return Error{Errc::kUnavailable, "TLS handshake with " + where + " failed: " + why};
    }
    return Exchange(stream, ioc, url, where, out, options);
  } catch (const std::exception& e) {
    return Error{Errc::kUnavailable, where + ": " + e.what()};
  }
}

}  // namespace

Result<HttpResponse> HttpGet(std::string_view url, const FetchOptions& options) {
  return Fetch(url, Outgoing{}, options);
}

Result<HttpResponse> HttpPost(std::string_view url, ByteSpan body, const FetchOptions& options,
                              std::string_view content_type) {
  return Fetch(url, Outgoing{http::verb::post, body, content_type}, options);
}

}  // namespace peerdb::anchor
