// Bounded JSON parsing for request bodies and stored values.
//
// nlohmann::json accepts any nesting depth, and serialising or walking a deeply nested document
// recurses, so untrusted text is pre-scanned and rejected past kMaxJsonDepth before it is parsed.
// Parse errors become kMalformed with the byte position; nothing here throws.
//
// Values are kept exactly as sent, or refused (docs/api.md): nlohmann's own parser keeps the last
// of two members with the same name and rounds numbers it cannot hold, which would silently change
// a value before it is committed for good. The document is therefore built here with a SAX
// handler that refuses both.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "peerdb/util/result.h"

namespace peerdb::api {

inline constexpr std::size_t kMaxJsonDepth = 64;

// Deepest array/object nesting in `text` (0 for a scalar), counted outside strings. Stops counting
// and returns max_depth + 1 as soon as the limit is passed, so the scan is O(n) and bounded.
// Does not validate the text; the parser does that.
std::size_t JsonNestingDepth(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// Parses `text` as one JSON document. Errors (kMalformed): nesting deeper than max_depth, syntax
// errors ("invalid JSON at byte N: ... at line L, column C: ..."), invalid UTF-8, an object with two
// members of the same name ("duplicate member name \"a\" in ops[0].value"), a number that does not
// fit int64/uint64 and whose double does not keep its decimal value (json_number.h; "number 1e400
// at ops[0].value cannot be kept exactly; send it as a JSON string, ...").
Result<nlohmann::json> ParseJsonBounded(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// Compact serialisation; invalid UTF-8 (e.g. in a member name read from the chain) is replaced by
// U+FFFD instead of throwing.
std::string DumpJson(const nlohmann::json& doc);

}  // namespace peerdb::api
