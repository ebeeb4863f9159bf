// ErrcOf: the error code of a Status or Result, kOk on success, so tests state the specific code
// they expect: EXPECT_EQ(ErrcOf(CheckConfig(c)), Errc::kConfig). Thread-safety: pure functions.
#pragma once

#include <ostream>
#include <string>

#include "peerdb/util/result.h"

namespace peerdb {

// Lets GoogleTest print codes by name ("malformed") instead of as raw bytes.
inline void PrintTo(Errc code, std::ostream* os) { *os << ErrcName(code); }

template <class R>
Errc ErrcOf(const R& result) {
  return result.ok() ? Errc::kOk : result.error().code;
}

// The message of a failed Status or Result, empty on success; for checking which rule fired.
template <class R>
std::string MessageOf(const R& result) {
  return result.ok() ? std::string() : result.error().message;
}

}  // namespace peerdb
