#include "peerdb/cli/rule_flags.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <utility>

#include "peerdb/codec/pce.h"
#include "peerdb/node/consortium_file.h"

namespace peerdb::cli {
namespace {

Error Bad(std::string message) { return Error{Errc::kMalformed, std::move(message)}; }

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The same namespace syntax CheckConfig enforces, said before anything else is looked at.
Status CheckNamespaceName(std::string_view ns) {
  if (!codec::IsValidName(ns) || ns.find('/') != std::string_view::npos || ns.size() > chain::kMaxNameBytes ||
      ns.front() == '_') {
    return Bad("namespace '" + std::string(ns) + "' must be 1..64 characters of [a-z0-9._-], not starting with '_'");
  }
  return Status::Ok();
}

std::string Names(const std::map<std::string, chain::Rule>& rules) {
  std::string out;
  for (const auto& [ns, rule] : rules) out += (out.empty() ? "" : ", ") + ns;
  return out;
}

// Applies every value of one list option to the rules it names.
Status ApplyListFlags(std::string_view option, const std::vector<std::string>& flags, std::size_t member_count,
                      std::map<std::string, chain::Rule>& rules) {
  std::set<std::string> seen;
  for (const std::string& flag : flags) {
    PEERDB_TRY_ASSIGN(MemberList list, ParseMemberListFlag(option, flag, member_count));
    auto it = rules.find(list.ns);
    if (it == rules.end()) {
      return Bad(std::string(option) + " " + flag + ": no --namespace " + list.ns + " (namespaces: " + Names(rules) + ")");
    }
    if (!seen.insert(list.ns).second) {
      return Bad(std::string(option) + " is given twice for '" + list.ns + "'; list all its members in one: " +
                 std::string(option) + " " + list.ns + "=1,2");
    }
    chain::Rule& rule = it->second;
    if (option == "--writers") {
      rule.writers = std::move(list.ids);
    } else if (option == "--editors") {
      if (rule.mode == static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly)) {
        return Bad("--editors " + flag + ": '" + list.ns + "' is append-only, so nobody changes its keys");
      }
      rule.editors = std::move(list.ids);
    } else {
      // Without encryption every member's node holds every value: a readers list would promise
      // a confidentiality that does not exist.
      if (!rule.encrypted) {
        return Bad("--readers " + flag + ": '" + list.ns + "' is not encrypted, so every member reads it; "
                   "readers apply to --namespace " + list.ns + ":MODE:encrypted");
      }
      rule.readers = std::move(list.ids);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<chain::Rule> ParseNamespaceFlag(std::string_view flag) {
  const std::vector<std::string_view> parts = Split(flag, ':');
  chain::Rule r;
  r.ns = std::string(parts[0]);
  if (Status s = CheckNamespaceName(r.ns); !s.ok()) return s.take_error();
  if (parts.size() > 3) return Bad("--namespace " + std::string(flag) + ": must be NAME, NAME:MODE or NAME:MODE:encrypted");
  if (parts.size() >= 2) {
    auto mode = node::ParseRuleMode(parts[1]);
    if (!mode.ok()) return Bad("--namespace " + std::string(flag) + ": " + mode.error().message);
    r.mode = static_cast<std::uint8_t>(*mode);
  }
  if (parts.size() == 3) {
    if (parts[2] != "encrypted") {
      return Bad("--namespace " + std::string(flag) + ": the third part may only be 'encrypted', not '" +
                 std::string(parts[2]) + "'");
    }
    r.encrypted = true;
  }
  return r;
}

Result<std::vector<chain::MemberId>> ParseMemberIds(std::string_view what, std::string_view ids,
                                                    const std::function<std::string(chain::MemberId)>& check) {
  const std::string prefix(what);
  if (Trim(ids).empty()) return Bad(prefix + ": names no member; give at least one member id");
  std::vector<chain::MemberId> out;
  for (std::string_view part : Split(ids, ',')) {
    const std::string_view text = Trim(part);
    chain::MemberId id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
      return Bad(prefix + ": '" + std::string(text) + "' is not a member id (ids are whole numbers)");
    }
    if (std::string why = check(id); !why.empty()) return Bad(prefix + ": " + why);
    if (std::find(out.begin(), out.end(), id) != out.end()) {
      return Bad(prefix + ": member " + std::to_string(id) + " is listed twice");
    }
    out.push_back(id);
  }
  std::sort(out.begin(), out.end());  // configs hold sorted lists
  return out;
}

Result<MemberList> ParseMemberListFlag(std::string_view option, std::string_view flag, std::size_t member_count) {
  const std::string what = std::string(option) + " " + std::string(flag);
  const std::size_t eq = flag.find('=');
  if (eq == std::string_view::npos || eq == 0) return Bad(what + ": must be NAMESPACE=ID[,ID...], e.g. books=1,2");
  MemberList out;
  out.ns = std::string(flag.substr(0, eq));
  if (Status s = CheckNamespaceName(out.ns); !s.ok()) return Bad(what + ": " + s.error().message);
  PEERDB_TRY_ASSIGN(out.ids, ParseMemberIds(what, flag.substr(eq + 1), [member_count](chain::MemberId id) {
                      if (id != 0 && id <= member_count) return std::string();
                      return "there is no member " + std::to_string(id) + " (the " + std::to_string(member_count) +
                             " --member cards are members 1.." + std::to_string(member_count) + ", in order)";
                    }));
  return out;
}

Result<std::vector<chain::Rule>> BuildRules(const RuleFlags& flags, std::size_t member_count) {
  std::map<std::string, chain::Rule> rules;
  const std::vector<std::string> namespaces = flags.namespaces.empty() ? std::vector<std::string>{"main"} : flags.namespaces;
  for (const std::string& flag : namespaces) {
    PEERDB_TRY_ASSIGN(chain::Rule rule, ParseNamespaceFlag(flag));
    if (rules.count(rule.ns)) return Bad("--namespace " + rule.ns + " is given twice");
    rules.emplace(rule.ns, std::move(rule));
  }
  if (Status s = ApplyListFlags("--writers", flags.writers, member_count, rules); !s.ok()) return s.take_error();
  if (Status s = ApplyListFlags("--editors", flags.editors, member_count, rules); !s.ok()) return s.take_error();
  if (Status s = ApplyListFlags("--readers", flags.readers, member_count, rules); !s.ok()) return s.take_error();
  std::vector<chain::Rule> out;
  for (auto& [ns, rule] : rules) out.push_back(std::move(rule));  // the map keeps them sorted by namespace
  return out;
}

}  // namespace peerdb::cli
