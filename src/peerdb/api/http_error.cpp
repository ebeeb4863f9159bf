#include "peerdb/api/http_error.h"

namespace peerdb::api {

unsigned HttpStatusFor(Errc code) {
  switch (code) {
    case Errc::kMalformed:
    case Errc::kInvalid:
    case Errc::kBadVersion: return 400;
    case Errc::kForbidden:
    case Errc::kNotAReader:
    case Errc::kNotMember: return 403;
    case Errc::kNotFound:
    case Errc::kUnknownNamespace: return 404;
    case Errc::kConflict: return 409;
    case Errc::kErased: return 410;
    case Errc::kTooLarge: return 413;
    case Errc::kUnavailable: return 503;
    case Errc::kOk:
    case Errc::kBadSignature:
    case Errc::kIo:
    case Errc::kCorrupt:
    case Errc::kConfig:
    case Errc::kInternal: return 500;
  }
  return 500;
}

nlohmann::json ErrorJson(const Error& error) {
  return nlohmann::json{{"error", {{"code", ErrcName(error.code)}, {"message", error.message}}}};
}

}  // namespace peerdb::api
