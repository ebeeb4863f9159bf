// Synchronous HTTP client for a node's API (docs/api.md), used by the CLI commands.
//
// One connection per request, with deadlines for connecting and for the whole exchange, and a cap
// on the response size. Errors:
//   - the node cannot be reached, or does not answer in time: kUnavailable
//     ("cannot reach node at http://127.0.0.1:7070: Connection refused");
//   - a non-2xx answer: the server's {"error":{"code","message"}} turned back into an Error
//     (code from the name, e.g. "not_found" -> kNotFound; message as sent);
//   - a response over max_response_bytes: kTooLarge; a response that is not JSON: kMalformed;
//   - a base URL that is not http://host[:port]: kConfig (from every call).
// Thread-safety: an ApiClient may be used by one thread at a time; separate instances are
// independent.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "peerdb/util/result.h"

namespace peerdb::cli {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  // Sending the request and receiving the whole answer. A submit waits for the commit, which the
  // server bounds by its own handler timeout (30 s by default).
  std::chrono::milliseconds request_timeout{90'000};
  std::size_t max_response_bytes = 16 * 1024 * 1024;
};

// Maps an Errc name ("not_found") back to the code; nullopt for an unknown name.
std::optional<Errc> ErrcFromName(std::string_view name);

class ApiClient {
 public:
  // base_url: "http://host:port", e.g. "http://127.0.0.1:7070" (a trailing '/' is allowed).
  explicit ApiClient(std::string base_url, ClientOptions options = {});

  // path: origin-form with the leading '/', already percent-encoded, e.g. "/v1/kv/books/inv-1".
  Result<nlohmann::json> Get(const std::string& path);
  // The JSON body whatever the HTTP status (for /v1/health, which answers 503 while not ready).
  Result<nlohmann::json> GetAnyStatus(const std::string& path);
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);
  // Sends `body` as is (for callers that already hold JSON text).
  Result<nlohmann::json> PostText(const std::string& path, std::string body);

  const std::string& base_url() const { return m_base_url; }

 private:
  Result<nlohmann::json> Request(bool post, const std::string& path, std::string body, bool any_status = false);

  std::string m_base_url;
  ClientOptions m_options;
  std::string m_host;
  std::string m_port;
  std::optional<Error> m_url_error;
};

// Percent-encodes one path segment (namespace, key) for use in a request path.
std::string EncodePathSegment(std::string_view segment);

}  // namespace peerdb::cli
