// A small synchronous HTTP/1.1 GET/POST client for the anchor module's external services (Bitcoin
// header sources, calendars). https URLs verify the server's certificate against the system trust
// store and check that it names the URL's host (SNI is sent); there is no switch to turn that off.
// Every call has a connect timeout, a timeout for the whole request/response exchange and a cap on
// the response body. Redirects are never followed: a 3xx comes back as an ordinary response.
// Thread-safety: free functions; each call uses its own io_context and may run on any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::anchor {

struct Url {
  bool tls = false;    // https
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // decimal; 80 or 443 when the URL has none
  std::string target;  // path and query, "/" when empty
};

// Accepts http://host[:port][/path][?query] and https://...; no user info, no fragment.
// kConfig otherwise.
Result<Url> ParseUrl(std::string_view url);

struct FetchOptions {
  std::chrono::milliseconds connect_timeout{10'000};  // TCP connect, then TLS handshake (name resolution uses the system resolver's own timeout)
  std::chrono::milliseconds read_timeout{20'000};     // sending the request and reading the reply
  std::size_t max_body = 1u << 20;                    // larger bodies: kTooLarge
  // Extra trust anchors (PEM) added to the system store, e.g. a private calendar's own CA.
  // Verification and the host name check stay on.
  std::string extra_ca_pem;
  std::string accept = "*/*";  // the Accept header
};

// Sent with every request.
inline constexpr std::string_view kUserAgent = "peerdb/0.1";

struct HttpResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

// GET url. Any HTTP status is a successful fetch (the caller interprets it). Errors: kConfig for a
// bad URL or CA; kUnavailable when the host cannot be resolved or reached, TLS fails (including a
// certificate that does not verify or does not name the host) or a timeout expires; kTooLarge
// when the body exceeds max_body; kMalformed when the reply is not HTTP.
Result<HttpResponse> HttpGet(std::string_view url, const FetchOptions& options = {});

// POST url with body as raw bytes and the given Content-Type (default: what the reference
// OpenTimestamps client sends, urllib's default). Same code path, timeouts, caps and errors as
// HttpGet; no redirects.
Result<HttpResponse> HttpPost(std::string_view url, ByteSpan body, const FetchOptions& options = {},
                              std::string_view content_type = "application/x-www-form-urlencoded");

}  // namespace peerdb::anchor
