#include "peerdb/api/json_parse.h"

#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "peerdb/api/json_number.h"

namespace peerdb::api {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxErrorDetail = 200;
constexpr std::size_t kMaxNameInError = 64;
constexpr std::size_t kMaxNumberInError = 64;
constexpr int kNumberOverflow = 406;  // nlohmann's out_of_range id for a number beyond a double's range

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

std::string Cut(std::string_view text, std::size_t max) {
  std::string out(text.substr(0, max));
  if (text.size() > max) out += "...";
  return out;
}

// Builds the document as nlohmann's DOM parser does, but refuses instead of silently changing the
// value: a second member of the same name (nlohmann keeps the last) and a number that its double
// does not hold exactly. Each open array or object is a frame; pointers into a parent stay valid
// because nothing is added to the parent while the child is open.
class ExactDomBuilder final : public nlohmann::json_sax<json> {
 public:
  bool null() override { return Add(json(nullptr)); }
  bool boolean(bool value) override { return Add(json(value)); }
  bool number_integer(number_integer_t value) override { return Add(json(value)); }
  bool number_unsigned(number_unsigned_t value) override { return Add(json(value)); }
  bool number_float(number_float_t value, const string_t& text) override {
    if (!DoubleKeepsValue(text, value)) return Refuse(NotExact(text));
    return Add(json(value));
  }
  bool string(string_t& value) override { return Add(json(std::move(value))); }
  bool binary(binary_t& value) override { return Add(json::binary(std::move(value))); }  // not in JSON text
  bool start_object(std::size_t /*elements*/) override { return Open(json::object()); }
  bool key(string_t& name) override {
    Frame& top = m_stack.back();
    if (top.node->contains(name)) {
      const std::string where = PathTo(false);
      return Refuse("duplicate member name " + DumpJson(json(Cut(name, kMaxNameInError))) +
                    (where.empty() ? " in the top-level object" : " in " + where));
    }
    top.name = std::move(name);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t /*elements*/) override { return Open(json::array()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string& last_token, const json::exception& ex) override {
    if (ex.id == kNumberOverflow) return Refuse(NotExact(last_token));  // 1e400 is infinite as a double
    if (dynamic_cast<const json::parse_error*>(&ex) != nullptr) {
      return Refuse("invalid JSON at byte " + std::to_string(position) + ": " + CleanMessage(ex.what()));
    }
    return Refuse("invalid JSON: " + CleanMessage(ex.what()));
  }

  // parsed: what sax_parse returned.
  Result<json> Take(bool parsed) && {
    if (m_error) return std::move(*m_error);
    if (!parsed) return Error{Errc::kMalformed, "invalid JSON"};
    return std::move(m_root);
  }

 private:
  struct Frame {
    json* node;
    std::string name;  // objects: the member whose value comes next
  };

  json* Place(json&& value) {
    if (m_stack.empty()) {
      m_root = std::move(value);
      return &m_root;
    }
    Frame& top = m_stack.back();
    if (top.node->is_array()) {
      top.node->push_back(std::move(value));
      return &top.node->back();
    }
    json& slot = (*top.node)[top.name];
    slot = std::move(value);
    return &slot;
  }
  bool Add(json&& value) {
    Place(std::move(value));
    return true;
  }
  bool Open(json&& empty) {
    m_stack.push_back(Frame{Place(std::move(empty)), {}});
    return true;
  }
  bool Close() {
    m_stack.pop_back();
    return true;
  }
  bool Refuse(std::string message) {
    m_error = Error{Errc::kMalformed, std::move(message)};
    return false;
  }

  // Where the value being read sits ("ops[0].value.amount"), or, with pending = false, the
  // innermost open array or object; empty for the top level. Cut to kMaxErrorDetail.
  std::string PathTo(bool pending) const {
    std::string path;
    for (std::size_t i = 0; i < m_stack.size(); ++i) {
      const bool innermost = i + 1 == m_stack.size();
      if (innermost && !pending) break;
      const Frame& frame = m_stack[i];
      if (frame.node->is_array()) {
        // An open child has already been appended to its array; a pending value has not.
        // Appended piece by piece: `"[" + std::to_string(...)` trips GCC 12's -Wrestrict at -O3
        // (a false positive, GCC bug 105329).
        path += '[';
        path += std::to_string(frame.node->size() - (innermost ? 0 : 1));
        path += ']';
      } else {
        if (!path.empty()) path += ".";
        path += Cut(frame.name, kMaxNameInError);
      }
    }
    return Cut(path, kMaxErrorDetail);
  }

  std::string NotExact(std::string_view text) const {
    const std::string number = Cut(text, kMaxNumberInError);
    const std::string where = PathTo(true);
    return "number " + number + (where.empty() ? "" : " at " + where) +
           " cannot be kept exactly; send it as a JSON string instead, e.g. \"" + number + "\"";
  }

  json m_root;
  std::vector<Frame> m_stack;
  std::optional<Error> m_error;
};

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
    ExactDomBuilder builder;
    const bool parsed = json::sax_parse(text.begin(), text.end(), &builder);
    return std::move(builder).Take(parsed);
  } catch (const std::exception& e) {
    // Not expected (the handler reports every parse error); allocation failure, for one.
    return Error{Errc::kMalformed, "invalid JSON: " + CleanMessage(e.what())};
  }
}

std::string DumpJson(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace peerdb::api
