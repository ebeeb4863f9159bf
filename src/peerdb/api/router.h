// Routing of API requests to node::Service (docs/api.md lists the routes).
//
//   POST /v1/tx                         submit operations, answer once committed
//   GET  /v1/kv/{ns}/{key}              newest value (?min_status=final|anchored|unanimous|majority|provisional)
//   GET  /v1/kv/{ns}/{key}/history      versions, oldest first (?limit=1..10000, default 100)
//   POST /v1/kv/{ns}/{key}/reshare      seal the newest version again for the readers in force
//   GET  /v1/kv/{ns}/{key}/disclosure   a disclosure file of a version (?version=N; default newest)
//   GET  /v1/blocks/{height}            one block with its certificate and seals
//   GET  /v1/status                     chain head, heights, members
//   GET  /v1/changes                    the epoch in force and the pending config change
//   POST /v1/changes                    propose a config change (change_request.h), answer once committed
//   POST /v1/changes/{id}/approve       this member approves the pending change
//
// "provisional" (the default) reads the newest committed version; see docs/api.md.
// Path segments are percent-decoded after splitting on '/', so a namespace containing '/' is
// written %2F. Unknown paths are 404, a known path with another method 405.
// Thread-safety: Handle may be called from one thread at a time; the Responder it is given is
// called exactly once, possibly on another thread (the node's) and possibly before Handle returns.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "peerdb/node/service.h"
#include "peerdb/util/result.h"

namespace peerdb::api {

inline constexpr std::size_t kDefaultHistoryLimit = 100;
inline constexpr std::size_t kMaxHistoryLimit = 10'000;

struct ApiResponse {
  unsigned status = 200;
  std::string body;   // JSON text
  std::string allow;  // Allow header value, set with 405
};

ApiResponse JsonResponse(unsigned status, const nlohmann::json& doc);
// Status from HttpStatusFor(error.code) unless `status` is given (405, 431).
ApiResponse ErrorResponse(const Error& error, unsigned status = 0);

// The response is built by the server on its own thread, so JSON work stays off the node thread
// and an exception while building it is caught at the handler edge.
using MakeResponse = std::function<ApiResponse()>;
using Responder = std::function<void(MakeResponse)>;

// Decodes %XX escapes; a '%' not followed by two hex digits is kMalformed. '+' stays '+'.
Result<std::string> PercentDecode(std::string_view in);

struct Target {
  std::vector<std::string> segments;                         // decoded, without the leading ""
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
};
// Origin-form targets only ("/v1/status?x=1"); kMalformed otherwise or on a bad escape.
Result<Target> ParseTarget(std::string_view target);

// "final", "anchored", "unanimous", "majority" or "provisional" (any committed block), in any case.
// kInvalid otherwise.
Result<store::BlockStatus> ParseMinStatus(std::string_view text);

class Router {
 public:
  explicit Router(node::Service& service) : m_service(service) {}
  // REQUIRES: respond is callable from any thread.
  void Handle(std::string_view method, std::string_view target, std::string body, Responder respond);

 private:
  void Submit(std::string body, Responder respond);
  void GetValue(std::string ns, std::string key, const Target& target, Responder respond);
  void History(std::string ns, std::string key, const Target& target, Responder respond);
  void Reshare(std::string ns, std::string key, Responder respond);
  void Erase(std::string ns, std::string key, std::string body, Responder respond);
  void Disclose(std::string ns, std::string key, const Target& target, Responder respond);
  void GetBlock(const std::string& height, Responder respond);
  void GetStatus(Responder respond);
  void GetHealth(Responder respond);
  void GetEvidence(Responder respond);
  void GetChanges(Responder respond);
  void ProposeChange(std::string body, Responder respond);
  void ApproveChange(const std::string& change_id, Responder respond);

  node::Service& m_service;
};

}  // namespace peerdb::api
