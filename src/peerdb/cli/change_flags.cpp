#include "peerdb/cli/change_flags.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <set>

#include "peerdb/cli/rule_flags.h"
#include "peerdb/codec/pce.h"
#include "peerdb/node/consortium_file.h"

namespace peerdb::cli {
namespace {

using nlohmann::json;

Error Bad(std::string message) { return Error{Errc::kMalformed, std::move(message)}; }

std::string Joined(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

Result<std::vector<chain::MemberId>> IdsFlag(std::string_view option, const std::string& text) {
  return ParseMemberIds(std::string(option) + " " + text, text, [](chain::MemberId id) {
    return id == 0 ? std::string("member ids start at 1") : std::string();
  });
}

json RuleJson(const chain::Rule& r) {
  return json{{"ns", r.ns},
              {"mode", node::RuleModeName(r.mode)},
              {"writers", r.writers},
              {"editors", r.editors},
              {"readers", r.readers},
              {"encrypted", r.encrypted}};
}

// Reading the node's answer: each accessor refuses a missing field or a wrong type.
Error BadAnswer(const std::string& what) {
  return Error{Errc::kMalformed, "unexpected answer from the node to GET /v1/changes: " + what};
}
Result<std::uint64_t> UIntAt(const json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || !it->is_number_unsigned()) return BadAnswer(std::string("no whole number \"") + name + "\"");
  return it->get<std::uint64_t>();
}
Result<std::string> StringAt(const json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return BadAnswer(std::string("no string \"") + name + "\"");
  return it->get<std::string>();
}
Result<std::vector<chain::MemberId>> IdsAt(const json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || !it->is_array()) return BadAnswer(std::string("no list \"") + name + "\"");
  std::vector<chain::MemberId> out;
  for (const json& id : *it) {
    if (!id.is_number_unsigned() || id.get<std::uint64_t>() > std::numeric_limits<chain::MemberId>::max()) {
      return BadAnswer(std::string("a member id in \"") + name + "\" is not one");
    }
    out.push_back(static_cast<chain::MemberId>(id.get<std::uint64_t>()));
  }
  return out;
}

bool Names(const std::vector<chain::MemberId>& list, const std::vector<chain::MemberId>& ids) {
  return std::any_of(list.begin(), list.end(), [&](chain::MemberId m) { return std::count(ids.begin(), ids.end(), m) > 0; });
}

}  // namespace

const std::vector<std::string_view>& ParamNames() {
  static const std::vector<std::string_view> names = {
      "block_period_ms", "heartbeat_ms",       "round_timeout_ms", "max_round_timeout_ms", "max_future_drift_ms",
      "k_anchor",        "anchor_interval_ms", "silent_alert_ms",  "max_block_bytes",      "max_batch_bytes",
      "config_ttl_heights"};
  return names;
}

Result<std::pair<std::string, std::uint64_t>> ParseSetParam(std::string_view flag) {
  const std::string what = "--set-param " + std::string(flag);
  const std::size_t eq = flag.find('=');
  const std::string name(flag.substr(0, eq));
  const auto& names = ParamNames();
  if (eq == std::string_view::npos) {
    return Bad(what + ": must be NAME=VALUE, e.g. block_period_ms=500 (names: " + Joined(names) + ")");
  }
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    return Bad(what + ": unknown parameter '" + name + "' (names: " + Joined(names) + ")");
  }
  const std::string_view text = flag.substr(eq + 1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return Bad(what + ": '" + std::string(text) + "' is not a whole number (names: " + Joined(names) + ")");
  }
  return std::pair<std::string, std::uint64_t>(name, value);
}

Result<chain::MemberId> ParseMemberIdFlag(std::string_view option, std::string_view text) {
  chain::MemberId id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || id == 0) {
    return Bad(std::string(option) + " " + std::string(text) + ": not a member id (a whole number from 1)");
  }
  return id;
}

Status CheckChangeFlags(const ChangeFlags& f) {
  if (f.set_rule.empty() && (f.writers || f.editors || f.readers || f.encrypted)) {
    return Bad("--writers, --editors, --readers and --encrypted describe the rule of --set-rule NS:MODE");
  }
  const bool any = !f.add_member.empty() || !f.remove_member.empty() || !f.rotate_key.empty() || !f.reset_member.empty() ||
                   !f.set_param.empty() || !f.set_rule.empty() || !f.delete_rule.empty();
  if (!any) {
    return Bad("say what the change does: --add-member, --remove-member, --rotate-key, --reset-member, --set-param, "
               "--set-rule or --delete-rule (see peerdb change propose --help)");
  }
  if (!f.rotate_key.empty() && !f.reset_member.empty()) {
    return Bad("--rotate-key and --reset-member each take the --card given; propose them as two changes");
  }
  if ((!f.rotate_key.empty() || !f.reset_member.empty()) && f.card.empty()) {
    return Bad(std::string(f.rotate_key.empty() ? "--reset-member" : "--rotate-key") +
               " needs --card NEW.json (made by peerdb keygen) with the member's new keys");
  }
  if (!f.card.empty() && f.rotate_key.empty() && f.reset_member.empty()) {
    return Bad("--card goes with --rotate-key ID or --reset-member ID (a new member is --add-member CARD.json)");
  }
  if (!f.rotate_key.empty()) {
    PEERDB_TRY(ParseMemberIdFlag("--rotate-key", f.rotate_key));
  }
  if (!f.reset_member.empty()) {
    PEERDB_TRY(ParseMemberIdFlag("--reset-member", f.reset_member));
  }
  std::set<chain::MemberId> removed;
  for (const std::string& text : f.remove_member) {
    PEERDB_TRY_ASSIGN(chain::MemberId id, ParseMemberIdFlag("--remove-member", text));
    if (!removed.insert(id).second) return Bad("--remove-member " + text + " is given twice");
  }
  std::set<std::string> params;
  for (const std::string& flag : f.set_param) {
    PEERDB_TRY_ASSIGN(auto param, ParseSetParam(flag));
    if (!params.insert(param.first).second) return Bad("--set-param " + param.first + " is given twice");
  }
  if (!f.set_rule.empty()) {
    PEERDB_TRY(SetRuleFromFlags(f));
  }
  std::set<std::string> deleted;
  for (const std::string& ns : f.delete_rule) {
    if (ns.find(':') != std::string::npos) return Bad("--delete-rule " + ns + ": give only the namespace");
    if (auto rule = ParseNamespaceFlag(ns); !rule.ok()) return Bad("--delete-rule " + ns + ": " + rule.error().message);
    if (!deleted.insert(ns).second) return Bad("--delete-rule " + ns + " is given twice");
  }
  if (!f.set_rule.empty() && deleted.count(SetRuleFromFlags(f)->ns)) {
    return Bad("--set-rule and --delete-rule name the same namespace");
  }
  return Status::Ok();
}

Result<InForce> InForceFromJson(const json& doc) {
  if (!doc.is_object()) return BadAnswer("not an object");
  InForce out;
  PEERDB_TRY_ASSIGN(out.epoch, UIntAt(doc, "epoch"));
  PEERDB_TRY_ASSIGN(std::uint64_t next, UIntAt(doc, "next_member_id"));
  out.next_member_id = static_cast<chain::MemberId>(std::min<std::uint64_t>(next, std::numeric_limits<chain::MemberId>::max()));
  const auto members = doc.find("members");
  const auto rules = doc.find("rules");
  if (members == doc.end() || !members->is_array()) return BadAnswer("no list \"members\"");
  if (rules == doc.end() || !rules->is_array()) return BadAnswer("no list \"rules\" (is the node older than this peerdb?)");
  for (const json& m : *members) {
    if (!m.is_object()) return BadAnswer("a member is not an object");
    chain::Member member;
    PEERDB_TRY_ASSIGN(std::uint64_t id, UIntAt(m, "id"));
    member.id = static_cast<chain::MemberId>(id);
    PEERDB_TRY_ASSIGN(member.name, StringAt(m, "name"));
    PEERDB_TRY_ASSIGN(member.contact, StringAt(m, "contact"));
    out.members.push_back(std::move(member));
  }
  for (const json& r : *rules) {
    if (!r.is_object()) return BadAnswer("a rule is not an object");
    chain::Rule rule;
    PEERDB_TRY_ASSIGN(rule.ns, StringAt(r, "ns"));
    PEERDB_TRY_ASSIGN(std::string mode_text, StringAt(r, "mode"));
    auto mode = node::ParseRuleMode(mode_text);
    if (!mode.ok()) return BadAnswer("rule " + rule.ns + ": " + mode.error().message);
    rule.mode = static_cast<std::uint8_t>(*mode);
    const auto encrypted = r.find("encrypted");
    if (encrypted == r.end() || !encrypted->is_boolean()) return BadAnswer("rule " + rule.ns + ": no \"encrypted\"");
    rule.encrypted = encrypted->get<bool>();
    PEERDB_TRY_ASSIGN(rule.writers, IdsAt(r, "writers"));
    PEERDB_TRY_ASSIGN(rule.editors, IdsAt(r, "editors"));
    PEERDB_TRY_ASSIGN(rule.readers, IdsAt(r, "readers"));
    out.rules.push_back(std::move(rule));
  }
  return out;
}

Result<chain::Rule> SetRuleFromFlags(const ChangeFlags& f) {
  auto parsed = ParseNamespaceFlag(f.set_rule);
  if (!parsed.ok()) {
    // ParseNamespaceFlag speaks of --namespace; the same syntax is --set-rule's here.
    std::string message = parsed.error().message;
    if (message.rfind("--namespace ", 0) == 0) message.replace(0, 11, "--set-rule");
    return Bad(message);
  }
  chain::Rule rule = std::move(parsed).value();
  if (f.set_rule.find(':') == std::string::npos) {
    return Bad("--set-rule " + f.set_rule + ": give the mode too, e.g. --set-rule " + f.set_rule + ":append-only");
  }
  if (f.encrypted) rule.encrypted = true;
  if (f.writers) {
    PEERDB_TRY_ASSIGN(rule.writers, IdsFlag("--writers", *f.writers));
  }
  if (f.editors) {
    if (rule.mode == static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly)) {
      return Bad("--editors " + *f.editors + ": '" + rule.ns + "' is append-only, so nobody changes its keys");
    }
    PEERDB_TRY_ASSIGN(rule.editors, IdsFlag("--editors", *f.editors));
  }
  if (f.readers) {
    if (!rule.encrypted) {
      return Bad("--readers " + *f.readers + ": '" + rule.ns + "' is not encrypted, so every member reads it; readers "
                 "apply with --encrypted");
    }
    PEERDB_TRY_ASSIGN(rule.readers, IdsFlag("--readers", *f.readers));
  }
  return rule;
}

Result<std::vector<chain::Rule>> RulesWithout(const std::vector<chain::Rule>& rules, const std::vector<chain::MemberId>& removed,
                                              const std::vector<std::string>& skip) {
  std::vector<chain::Rule> out;
  for (const chain::Rule& rule : rules) {
    if (std::find(skip.begin(), skip.end(), rule.ns) != skip.end()) continue;
    if (!Names(rule.writers, removed) && !Names(rule.editors, removed) && !Names(rule.readers, removed)) continue;
    chain::Rule next = rule;
    for (auto* list : {&next.writers, &next.editors, &next.readers}) {
      std::erase_if(*list, [&](chain::MemberId m) { return std::count(removed.begin(), removed.end(), m) > 0; });
    }
    struct List {
      const char* name;
      const std::vector<chain::MemberId>& before;
      const std::vector<chain::MemberId>& after;
    };
    for (const List& list : {List{"writers", rule.writers, next.writers}, List{"readers", rule.readers, next.readers}}) {
      if (list.before.empty() || !list.after.empty()) continue;
      std::string ids;
      for (chain::MemberId m : list.before) {
        if (!ids.empty()) ids += ',';
        ids += std::to_string(m);
      }
      std::string message = "rule '";
      message += rule.ns;
      message += "' would have no ";
      message += list.name;
      message += " left (";
      message += list.name;
      message += " ";
      message += ids;
      message += "), and an empty list means all members: say what the rule becomes with --set-rule ";
      message += rule.ns;
      message += ":";
      message += node::RuleModeName(rule.mode);
      message += " --";
      message += list.name;
      message += " IDS beside --remove-member";
      return Bad(std::move(message));
    }
    out.push_back(std::move(next));
  }
  return out;
}

Result<json> BuildChangeBody(const ChangeFlags& f, const InForce& in_force, const std::map<std::string, json>& cards) {
  auto card = [&](const std::string& path) -> Result<json> {
    const auto it = cards.find(path);
    if (it == cards.end()) return Error{Errc::kInternal, "card " + path + " was not loaded"};
    return it->second;
  };
  json ops = json::array();
  if (!f.set_param.empty()) {
    json params = json::object();
    for (const std::string& flag : f.set_param) {
      PEERDB_TRY_ASSIGN(auto param, ParseSetParam(flag));
      params[param.first] = param.second;
    }
    ops.push_back({{"set_params", std::move(params)}});
  }
  std::vector<std::string> ruled(f.delete_rule.begin(), f.delete_rule.end());
  if (!f.set_rule.empty()) {
    PEERDB_TRY_ASSIGN(chain::Rule rule, SetRuleFromFlags(f));
    ruled.push_back(rule.ns);
    ops.push_back({{"set_rule", RuleJson(rule)}});
  }
  std::vector<chain::MemberId> removed;
  for (const std::string& text : f.remove_member) {
    PEERDB_TRY_ASSIGN(chain::MemberId id, ParseMemberIdFlag("--remove-member", text));
    removed.push_back(id);
  }
  PEERDB_TRY_ASSIGN(std::vector<chain::Rule> rewritten, RulesWithout(in_force.rules, removed, ruled));
  for (const chain::Rule& rule : rewritten) ops.push_back({{"set_rule", RuleJson(rule)}});
  for (const std::string& ns : f.delete_rule) ops.push_back({{"delete_rule", ns}});
  for (const std::string& path : f.add_member) {
    PEERDB_TRY_ASSIGN(json c, card(path));
    ops.push_back({{"add_member", {{"card", std::move(c)}}}});
  }
  if (!f.rotate_key.empty()) {
    PEERDB_TRY_ASSIGN(chain::MemberId id, ParseMemberIdFlag("--rotate-key", f.rotate_key));
    PEERDB_TRY_ASSIGN(json c, card(f.card));
    ops.push_back({{"rotate_key", {{"id", id}, {"card", std::move(c)}}}});
  }
  if (!f.reset_member.empty()) {
    PEERDB_TRY_ASSIGN(chain::MemberId id, ParseMemberIdFlag("--reset-member", f.reset_member));
    PEERDB_TRY_ASSIGN(json c, card(f.card));
    ops.push_back({{"reset_member", {{"id", id}, {"card", std::move(c)}}}});
  }
  for (chain::MemberId id : removed) ops.push_back({{"remove_member", id}});
  json body{{"ops", std::move(ops)}};
  if (f.expires_in_blocks != 0) body["expires_in_blocks"] = f.expires_in_blocks;
  return body;
}

Result<std::string> ResolveChangeId(std::string_view arg, const json& pending) {
  std::string id(arg);
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool hex = !id.empty() && id.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex || id.size() < 8 || id.size() > 64) {
    return Bad("CHANGE_ID '" + std::string(arg.substr(0, 80)) +
               "' must be the change id (64 hex digits) or its first 8 or more (see peerdb change list)");
  }
  if (id.size() == 64) return id;
  if (!pending.is_object() || !pending.contains("change_id") || !pending["change_id"].is_string()) {
    return Error{Errc::kNotFound, "no change is pending, so '" + id + "' names none"};
  }
  const std::string full = pending["change_id"].get<std::string>();
  if (full.rfind(id, 0) != 0) {
    return Error{Errc::kNotFound, "the pending change is " + full + "; '" + id + "' is not a prefix of it"};
  }
  return full;
}

}  // namespace peerdb::cli
