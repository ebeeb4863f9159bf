#include "peerdb/api/json_parse.h"

#include <exception>

namespace peerdb::api {

namespace {

constexpr std::size_t kMaxErrorDetail = 200;

// nlohmann's messages start with "[json.exception.parse_error.101] "; the id says nothing to a
// client, so it is dropped. Long messages ("last read: '...'" echoes input) are cut.
std::string CleanMessage(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    if (auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  std::string out(what.substr(0, kMaxErrorDetail));
  if (what.size() > kMaxErrorDetail) out += "...";
  return out;
}

}  // namespace

std::size_t JsonNestingDepth(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        ++depth;
        if (depth > deepest) deepest = depth;
        if (deepest > max_depth) return max_depth + 1;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return deepest;
}

Result<nlohmann::json> ParseJsonBounded(std::string_view text, std::size_t max_depth) {
  if (JsonNestingDepth(text, max_depth) > max_depth) {
    return Error{Errc::kMalformed, "JSON nested deeper than " + std::to_string(max_depth) + " levels"};
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return Error{Errc::kMalformed, "invalid JSON at byte " + std::to_string(e.byte) + ": " + CleanMessage(e.what())};
  } catch (const std::exception& e) {
    // out_of_range for numbers such as 1e400, or allocation failure.
    return Error{Errc::kMalformed, "invalid JSON: " + CleanMessage(e.what())};
  }
}

std::string DumpJson(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace peerdb::api
