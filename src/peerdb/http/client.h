// The one HTTP/1.1 client of PeerDB, for the anchor module's services (calendars, Esplora,
// bitcoind) and the command line's node API client. One connection per request, GET or POST.
// https URLs verify the server's certificate against the system trust store (plus optional extra
// CAs) and check that it names the URL's host (SNI is sent); there is no switch to turn that off.
// Every request has a connect timeout (TCP, then the TLS handshake), one deadline for sending the
// request and reading the whole response, and caps on the response header and body. Redirects are
// never followed: a 3xx comes back as an ordinary response.
// Thread-safety: free functions; each call uses its own io_context and may run on any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "peerdb/http/url.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::http {

// Sent with every request unless ClientOptions::user_agent says otherwise.
inline constexpr std::string_view kUserAgent = "peerdb/0.1";

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};  // TCP connect, then TLS handshake (name resolution uses the system resolver's own timeout)
  std::chrono::milliseconds read_timeout{20'000};     // sending the request and reading the reply
  std::size_t max_body = 1u << 20;                    // larger bodies: kTooLarge
  // Extra trust anchors (PEM) added to the system store, e.g. a private calendar's own CA.
  // Verification and the host name check stay on.
  std::string extra_ca_pem;
  std::string accept = "*/*";  // the Accept header
  std::string user_agent = std::string(kUserAgent);
  std::size_t max_header_bytes = 16 * 1024;  // a larger response header is kNotHttp
};

struct Response {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

enum class Method { kGet, kPost };

struct ClientRequest {
  Method method = Method::kGet;
  ByteSpan body;                  // POST only; must outlive the call
  std::string_view content_type;  // POST only
};

// What went wrong in an exchange, for callers that word errors for their own users.
enum class FailureKind {
  kConfig,            // a bad header value, CA or TLS setting; detail is the whole message
  kResolve,           // the host name does not resolve
  kConnect,           // no TCP connection (refused, unreachable, or connect_timeout passed)
  kHandshake,         // TLS failed, including a certificate that does not verify or name the host
  kHandshakeTimeout,  // no TLS handshake within connect_timeout
  kTimeout,           // read_timeout passed while sending the request or reading the response
  kTooLarge,          // the response body exceeds max_body
  kClosed,            // the server closed the connection without a reply
  kTruncated,         // the server closed the connection in the middle of a reply
  kNotHttp,           // the reply is not HTTP (or its header exceeds max_header_bytes)
  kNetwork,           // another socket error, e.g. a reset; also a failed send with no reply
};

struct Failure {
  FailureKind kind = FailureKind::kNetwork;
  std::string detail;  // the system's, OpenSSL's or Beast's message
};

// One request to `url` and its response, whatever its status, or what failed. Never throws.
std::variant<Response, Failure> Send(const Url& url, const ClientRequest& request, const ClientOptions& options);

// A failure of Send worded for a service at `url`: kConfig for kConfig, kTooLarge for kTooLarge,
// kMalformed when the reply is not HTTP, kUnavailable otherwise (the host cannot be resolved or
// reached, TLS fails, a timeout expires, the connection breaks).
Error ServiceError(const Failure& failure, const Url& url, const ClientOptions& options);

// GET url. Any HTTP status is a successful fetch (the caller interprets it). Errors: kConfig for a
// bad URL, header or CA; otherwise as ServiceError.
Result<Response> Get(std::string_view url, const ClientOptions& options = {});

// POST url with body as raw bytes and the given Content-Type (default: what the reference
// OpenTimestamps client sends, urllib's default). Same code path, timeouts, caps and errors as Get.
Result<Response> Post(std::string_view url, ByteSpan body, const ClientOptions& options = {},
                      std::string_view content_type = "application/x-www-form-urlencoded");

}  // namespace peerdb::http
