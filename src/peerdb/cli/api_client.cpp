#include "peerdb/cli/api_client.h"

#include <array>
#include <exception>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace peerdb::cli {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxResponseDepth = 128;  // API values nest at most 64 levels inside a few more
constexpr std::size_t kMaxEchoedBody = 200;

constexpr std::array kAllErrc = {
    Errc::kOk,       Errc::kMalformed,        Errc::kBadSignature, Errc::kNotMember,   Errc::kInvalid,
    Errc::kTooLarge, Errc::kBadVersion,       Errc::kForbidden,    Errc::kUnknownNamespace,
    Errc::kNotFound, Errc::kConflict,         Errc::kUnavailable,  Errc::kIo,          Errc::kCorrupt,
    Errc::kConfig,   Errc::kInternal,
};

// For answers without a usable error body (e.g. from a proxy in between).
Errc ErrcForStatus(unsigned status) {
  switch (status) {
    case 400: case 405: case 431: return Errc::kInvalid;
    case 403: return Errc::kForbidden;
    case 404: return Errc::kNotFound;
    case 409: return Errc::kConflict;
    case 413: return Errc::kTooLarge;
    case 502: case 503: case 504: return Errc::kUnavailable;
    default: return Errc::kInternal;
  }
}

// The response is parsed only when its nesting is bounded: nlohmann's serialiser recurses.
bool DepthWithin(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::optional<nlohmann::json> ParseBody(const std::string& body) {
  if (!DepthWithin(body, kMaxResponseDepth)) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

std::string Excerpt(const std::string& body) {
  std::string out = body.substr(0, kMaxEchoedBody);
  if (body.size() > kMaxEchoedBody) out += "...";
  return out;
}

// Runs the io_context until the one pending operation has completed.
void RunOne(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

}  // namespace

std::optional<Errc> ErrcFromName(std::string_view name) {
  for (Errc code : kAllErrc) {
    if (ErrcName(code) == name) return code;
  }
  return std::nullopt;
}

std::string EncodePathSegment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : segment) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

ApiClient::ApiClient(std::string base_url, ClientOptions options)
    : m_base_url(std::move(base_url)), m_options(options) {
  while (!m_base_url.empty() && m_base_url.back() == '/') m_base_url.pop_back();
  constexpr std::string_view kScheme = "http://";
  std::string_view rest = m_base_url;
  if (rest.substr(0, kScheme.size()) != kScheme) {
    m_url_error = Error{Errc::kConfig, "node URL \"" + m_base_url + "\" must start with http://"};
    return;
  }
  rest.remove_prefix(kScheme.size());
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    m_url_error = Error{Errc::kConfig, "node URL \"" + m_base_url + "\" must be http://host[:port]"};
    return;
  }
  std::string_view host = rest;
  std::string_view port = "80";
  if (rest.front() == '[') {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      m_url_error = Error{Errc::kConfig, "node URL \"" + m_base_url + "\": unclosed '['"};
      return;
    }
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') {
        m_url_error = Error{Errc::kConfig, "node URL \"" + m_base_url + "\": expected ':' after ']'"};
        return;
      }
      port = rest.substr(close + 2);
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
    m_url_error = Error{Errc::kConfig, "node URL \"" + m_base_url + "\": bad host or port"};
    return;
  }
  m_host = host;
  m_port = port;
}

Result<nlohmann::json> ApiClient::Get(const std::string& path) { return Request(false, path, {}); }

Result<nlohmann::json> ApiClient::Post(const std::string& path, const nlohmann::json& body) {
  std::string text;
  try {
    text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception& e) {
    return Error{Errc::kMalformed, std::string("request body: ") + e.what()};
  }
  return Request(true, path, std::move(text));
}

Result<nlohmann::json> ApiClient::PostText(const std::string& path, std::string body) {
  return Request(true, path, std::move(body));
}

Result<nlohmann::json> ApiClient::Request(bool post, const std::string& path, std::string body) {
  if (m_url_error) return *m_url_error;
  const std::string where = "node at " + m_base_url;
  auto unreachable = [&](const std::string& why) { return Error{Errc::kUnavailable, "cannot reach " + where + ": " + why}; };
  try {
    net::io_context ioc;
    beast::error_code ec;

    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(m_host, m_port, ec);
    if (ec) return unreachable(ec.message());

    beast::tcp_stream stream(ioc);
    stream.expires_after(m_options.connect_timeout);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    RunOne(ioc);
    if (ec == beast::error::timeout) {
      return unreachable("no connection within " + std::to_string(m_options.connect_timeout.count()) + " ms");
    }
    if (ec) return unreachable(ec.message());

    http::request<http::string_body> req{post ? http::verb::post : http::verb::get, path, 11};
    req.set(http::field::host, m_host + ":" + m_port);
    req.set(http::field::user_agent, "peerdb-cli");
    req.set(http::field::accept, "application/json");
    if (post) req.set(http::field::content_type, "application/json");
    req.keep_alive(false);
    req.body() = std::move(body);
    req.prepare_payload();

    stream.expires_after(m_options.request_timeout);
    beast::error_code write_ec;
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) { write_ec = e; });
    RunOne(ioc);
    // A server that refuses the request early (413) answers before it has read all of it, so a
    // failed write is reported only if no answer can be read either.
    http::response_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kMaxResponseHeaderBytes));
    parser.body_limit(m_options.max_response_bytes);
    beast::flat_buffer buffer;
    beast::error_code read_ec;
    if (write_ec != beast::error::timeout) {
      // The header is read on its own: Beast 1.74 loses the body_limit error when the body
      // arrives in the same read as a header that declares too long a Content-Length.
      http::async_read_header(stream, buffer, parser, [&](beast::error_code e, std::size_t) { read_ec = e; });
      RunOne(ioc);
      if (!read_ec && !parser.is_done()) {
        http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { read_ec = e; });
        RunOne(ioc);
      }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    if (write_ec == beast::error::timeout || read_ec == beast::error::timeout) {
      return Error{Errc::kUnavailable, "no answer from " + where + " within " +
                                           std::to_string(m_options.request_timeout.count()) + " ms"};
    }
    if (read_ec == http::error::body_limit) {
      return Error{Errc::kTooLarge, "answer from " + where + " exceeds " +
                                        std::to_string(m_options.max_response_bytes) + " bytes"};
    }
    if (read_ec && write_ec) return unreachable(write_ec.message());
    if (read_ec) {
      if (read_ec.category() == http::make_error_code(http::error::bad_version).category() &&
          read_ec != http::error::end_of_stream && read_ec != http::error::partial_message) {
        return Error{Errc::kMalformed, "bad HTTP answer from " + where + ": " + read_ec.message()};
      }
      return unreachable(read_ec.message());
    }

    const http::response<http::string_body>& res = parser.get();
    const unsigned status = res.result_int();
    std::optional<nlohmann::json> doc = ParseBody(res.body());
    if (status >= 200 && status < 300) {
      if (!doc) return Error{Errc::kMalformed, "answer from " + where + " is not JSON: " + Excerpt(res.body())};
      return std::move(*doc);
    }
    if (doc && doc->is_object() && doc->contains("error")) {
      const nlohmann::json& e = (*doc)["error"];
      if (e.is_object() && e.contains("code") && e["code"].is_string() && e.contains("message") &&
          e["message"].is_string()) {
        const std::optional<Errc> code = ErrcFromName(e["code"].get<std::string>());
        return Error{code.value_or(ErrcForStatus(status)), e["message"].get<std::string>()};
      }
    }
    return Error{ErrcForStatus(status), "HTTP " + std::to_string(status) + " from " + where + ": " + Excerpt(res.body())};
  } catch (const std::exception& e) {
    return unreachable(e.what());
  }
}

}  // namespace peerdb::cli
