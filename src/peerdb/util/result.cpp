#include "peerdb/util/result.h"

namespace peerdb {

std::string_view ErrcName(Errc code) {
  switch (code) {
    case Errc::kOk: return "ok";
    case Errc::kMalformed: return "malformed";
    case Errc::kBadSignature: return "bad_signature";
    case Errc::kNotMember: return "not_member";
    case Errc::kInvalid: return "invalid";
    case Errc::kTooLarge: return "too_large";
    case Errc::kBadVersion: return "bad_version";
    case Errc::kForbidden: return "forbidden";
    case Errc::kUnknownNamespace: return "unknown_namespace";
    case Errc::kNotAReader: return "not_a_reader";
    case Errc::kErased: return "erased";
    case Errc::kNotFound: return "not_found";
    case Errc::kConflict: return "conflict";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kIo: return "io";
    case Errc::kCorrupt: return "corrupt";
    case Errc::kConfig: return "config";
    case Errc::kInternal: return "internal";
  }
  return "unknown";
}

Error Error::Context(std::string_view what) const {
  return Error{code, std::string(what) + ": " + message};
}

std::string Error::ToString() const {
  return std::string(ErrcName(code)) + ": " + message;
}

}  // namespace peerdb
