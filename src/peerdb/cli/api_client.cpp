#include "peerdb/cli/api_client.h"

#include <array>
#include <exception>
#include <utility>
#include <variant>

#include "peerdb/http/client.h"

namespace peerdb::cli {

namespace {

constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxResponseDepth = 128;  // API values nest at most 64 levels inside a few more
constexpr std::size_t kMaxEchoedBody = 200;

constexpr std::array kAllErrc = {
    Errc::kOk,       Errc::kMalformed,        Errc::kBadSignature, Errc::kNotMember,   Errc::kInvalid,
    Errc::kTooLarge, Errc::kBadVersion,       Errc::kForbidden,    Errc::kUnknownNamespace, Errc::kNotAReader,
    Errc::kNotFound, Errc::kConflict,         Errc::kUnavailable,  Errc::kIo,          Errc::kCorrupt,
    Errc::kConfig,   Errc::kInternal,         Errc::kErased,
};

// For answers without a usable error body (e.g. from a proxy in between).
Errc ErrcForStatus(unsigned status) {
  switch (status) {
    case 400: case 405: case 431: return Errc::kInvalid;
    case 403: return Errc::kForbidden;
    case 404: return Errc::kNotFound;
    case 409: return Errc::kConflict;
    case 410: return Errc::kErased;
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

Result<nlohmann::json> ApiClient::GetAnyStatus(const std::string& path) { return Request(false, path, {}, true); }

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

Result<nlohmann::json> ApiClient::Request(bool post, const std::string& path, std::string body, bool any_status) {
  if (m_url_error) return *m_url_error;
  const std::string where = "node at " + m_base_url;
  auto unreachable = [&](const std::string& why) { return Error{Errc::kUnavailable, "cannot reach " + where + ": " + why}; };

  const http::Url url{.tls = false, .host = m_host, .port = m_port, .target = path};
  http::ClientOptions options;
  options.connect_timeout = m_options.connect_timeout;
  options.read_timeout = m_options.request_timeout;
  options.max_body = m_options.max_response_bytes;
  options.max_header_bytes = kMaxResponseHeaderBytes;
  options.accept = "application/json";
  options.user_agent = "peerdb-cli";
  const http::ClientRequest request{post ? http::Method::kPost : http::Method::kGet, AsBytes(body),
                                    post ? "application/json" : ""};
  std::variant<http::Response, http::Failure> outcome = http::Send(url, request, options);
  if (const auto* failure = std::get_if<http::Failure>(&outcome)) {
    switch (failure->kind) {
      case http::FailureKind::kConfig: return Error{Errc::kConfig, failure->detail};
      case http::FailureKind::kTimeout:
        return Error{Errc::kUnavailable, "no answer from " + where + " within " +
                                             std::to_string(m_options.request_timeout.count()) + " ms"};
      case http::FailureKind::kTooLarge:
        return Error{Errc::kTooLarge, "answer from " + where + " exceeds " +
                                          std::to_string(m_options.max_response_bytes) + " bytes"};
      case http::FailureKind::kNotHttp:
        return Error{Errc::kMalformed, "bad HTTP answer from " + where + ": " + failure->detail};
      default: return unreachable(failure->detail);
    }
  }

  const http::Response& res = std::get<http::Response>(outcome);
  const unsigned status = res.status;
  std::optional<nlohmann::json> doc = ParseBody(res.body);
  if ((status >= 200 && status < 300) || (any_status && doc && doc->is_object() && !doc->contains("error"))) {
    if (!doc) return Error{Errc::kMalformed, "answer from " + where + " is not JSON: " + Excerpt(res.body)};
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
  return Error{ErrcForStatus(status), "HTTP " + std::to_string(status) + " from " + where + ": " + Excerpt(res.body)};
}

}  // namespace peerdb::cli
