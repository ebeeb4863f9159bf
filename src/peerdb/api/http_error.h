// Errc -> HTTP status and the error body. The API is the only place that maps Errc to HTTP
// (STYLE.md "Errors"); docs/api.md lists the table.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "peerdb/util/result.h"

namespace peerdb::api {

// kMalformed, kInvalid, kBadVersion -> 400; kForbidden, kNotMember -> 403; kNotFound,
// kUnknownNamespace -> 404; kConflict -> 409; kTooLarge -> 413; kUnavailable -> 503; others -> 500.
unsigned HttpStatusFor(Errc code);

// {"error":{"code":"<ErrcName>","message":"..."}}
nlohmann::json ErrorJson(const Error& error);

}  // namespace peerdb::api
