#include "peerdb/api/change_request.h"

#include <algorithm>
#include <exception>
#include <initializer_list>
#include <limits>

#include <nlohmann/json.hpp>

#include "peerdb/api/json_parse.h"
#include "peerdb/chain/limits.h"
#include "peerdb/codec/pce.h"
#include "peerdb/node/consortium_file.h"

namespace peerdb::api {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxEchoed = 64;
constexpr std::uint64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

// Messages are built piece by piece: `"lit" + std::to_string(..)` trips GCC 12's -Wrestrict at -O3
// (a false positive, GCC bug 105329).
std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}
std::string Index(std::string_view base, std::size_t i) {
  std::string out(base);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}
std::string Field(std::string_view base, std::string_view name) { return Join({base, ".", name}); }
std::string Echo(std::string_view s) {
  std::string out(s.substr(0, kMaxEchoed));
  if (s.size() > kMaxEchoed) out += "...";
  return DumpJson(json(out));
}
Error Bad(std::string_view where, std::string_view what) { return Error{Errc::kMalformed, Join({where, ": ", what})}; }

// Each parameter by name, as a reference of its own width; `P` is Params or const Params.
template <class P, class F>
void ForEachParam(P& p, F&& f) {
  f("block_period_ms", p.block_period_ms);
  f("heartbeat_ms", p.heartbeat_ms);
  f("round_timeout_ms", p.round_timeout_ms);
  f("max_round_timeout_ms", p.max_round_timeout_ms);
  f("max_future_drift_ms", p.max_future_drift_ms);
  f("k_anchor", p.k_anchor);
  f("anchor_interval_ms", p.anchor_interval_ms);
  f("silent_alert_ms", p.silent_alert_ms);
  f("max_block_bytes", p.max_block_bytes);
  f("max_batch_bytes", p.max_batch_bytes);
  f("config_ttl_heights", p.config_ttl_heights);
}

std::string NameList(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

Status OnlyFields(const json& obj, std::string_view where, std::initializer_list<std::string_view> allowed) {
  for (const auto& item : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      return Bad(where, Join({"unknown field ", Echo(item.key())}));
    }
  }
  return Status::Ok();
}

Result<const json*> Required(const json& obj, std::string_view where, std::string_view name) {
  const auto it = obj.find(std::string(name));
  if (it == obj.end()) return Bad(where, Join({"missing \"", name, "\""}));
  return &*it;
}

Status ExpectObject(const json& j, std::string_view where) {
  if (!j.is_object()) return Bad(where, Join({"expected an object, got ", j.type_name()}));
  return Status::Ok();
}

Result<std::uint64_t> WholeNumber(const json& j, std::string_view where) {
  if (!j.is_number_unsigned()) return Bad(where, Join({"expected a whole number of 0 or more, got ", j.is_number() ? j.dump() : j.type_name()}));
  return j.get<std::uint64_t>();
}

Result<chain::MemberId> MemberIdOf(const json& j, std::string_view where) {
  if (!j.is_number_unsigned() || j.get<std::uint64_t>() == 0 || j.get<std::uint64_t>() > kMaxU32) {
    return Bad(where, Join({"expected a member id (1..4294967295), got ", j.is_number() ? j.dump() : j.type_name()}));
  }
  return static_cast<chain::MemberId>(j.get<std::uint64_t>());
}

Result<std::string> StringOf(const json& j, std::string_view where) {
  if (!j.is_string()) return Bad(where, Join({"expected a string, got ", j.type_name()}));
  return j.get<std::string>();
}

Result<Hash32> KeyOf(const json& j, std::string_view where) {
  PEERDB_TRY_ASSIGN(std::string text, StringOf(j, where));
  auto key = Hash32FromHex(text);
  if (!key.ok()) return Bad(where, Join({"expected 64 hex digits, got ", Echo(text)}));
  return *key;
}

Result<std::string> NamespaceOf(const json& j, std::string_view where) {
  PEERDB_TRY_ASSIGN(std::string ns, StringOf(j, where));
  if (ns.empty() || ns.size() > chain::kMaxNameBytes || !codec::IsValidName(ns) || ns.find('/') != std::string::npos ||
      ns.front() == '_') {
    return Bad(where, Join({"namespace ", Echo(ns), " must be 1..64 characters of [a-z0-9._-], not starting with '_'"}));
  }
  return ns;
}

Result<CardDraft> CardOf(const json& j, std::string_view where) {
  PEERDB_TRY(ExpectObject(j, where));
  PEERDB_TRY(OnlyFields(j, where, {"peerdb_member_card", "name", "contact", "pubkey", "enc_pubkey", "address"}));
  if (const auto v = j.find("peerdb_member_card"); v != j.end() && !(v->is_number_unsigned() && v->get<std::uint64_t>() == 1)) {
    return Bad(Field(where, "peerdb_member_card"), "only version 1 member cards are known");
  }
  CardDraft card;
  PEERDB_TRY_ASSIGN(const json* name, Required(j, where, "name"));
  PEERDB_TRY_ASSIGN(card.name, StringOf(*name, Field(where, "name")));
  if (card.name.empty() || card.name.size() > chain::kMaxNameBytes) return Bad(Field(where, "name"), "must be 1..64 bytes");
  PEERDB_TRY_ASSIGN(const json* contact, Required(j, where, "contact"));
  PEERDB_TRY_ASSIGN(card.contact, StringOf(*contact, Field(where, "contact")));
  if (card.contact.size() > chain::kMaxContactBytes) return Bad(Field(where, "contact"), "must be at most 256 bytes");
  PEERDB_TRY_ASSIGN(const json* pubkey, Required(j, where, "pubkey"));
  PEERDB_TRY_ASSIGN(card.pubkey, KeyOf(*pubkey, Field(where, "pubkey")));
  PEERDB_TRY_ASSIGN(const json* enc_pubkey, Required(j, where, "enc_pubkey"));
  PEERDB_TRY_ASSIGN(card.enc_pubkey, KeyOf(*enc_pubkey, Field(where, "enc_pubkey")));
  if (const auto a = j.find("address"); a != j.end()) {
    PEERDB_TRY_ASSIGN(card.address, StringOf(*a, Field(where, "address")));
    if (card.address.size() > chain::kMaxAddressBytes) return Bad(Field(where, "address"), "must be at most 256 bytes");
  }
  return card;
}

Result<std::vector<chain::MemberId>> IdListOf(const json& j, std::string_view where) {
  if (!j.is_array()) return Bad(where, Join({"expected an array of member ids, got ", j.type_name()}));
  if (j.size() > chain::kMaxMembers) return Bad(where, "names more members than a consortium can have");
  std::vector<chain::MemberId> ids;
  for (std::size_t i = 0; i < j.size(); ++i) {
    PEERDB_TRY_ASSIGN(chain::MemberId id, MemberIdOf(j[i], Index(where, i)));
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      return Bad(Index(where, i), Join({"member ", std::to_string(id), " is listed twice"}));
    }
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<AddMemberDraft> AddMemberOf(const json& j, std::string_view where) {
  PEERDB_TRY(ExpectObject(j, where));
  PEERDB_TRY(OnlyFields(j, where, {"card", "id"}));
  AddMemberDraft out;
  PEERDB_TRY_ASSIGN(const json* card, Required(j, where, "card"));
  PEERDB_TRY_ASSIGN(out.card, CardOf(*card, Field(where, "card")));
  if (const auto id = j.find("id"); id != j.end()) {
    PEERDB_TRY_ASSIGN(out.id, MemberIdOf(*id, Field(where, "id")));
  }
  return out;
}

Result<chain::RotateKey> RotateKeyOf(const json& j, std::string_view where) {
  PEERDB_TRY(ExpectObject(j, where));
  PEERDB_TRY(OnlyFields(j, where, {"id", "card", "pubkey", "enc_pubkey"}));
  chain::RotateKey out;
  PEERDB_TRY_ASSIGN(const json* id, Required(j, where, "id"));
  PEERDB_TRY_ASSIGN(out.id, MemberIdOf(*id, Field(where, "id")));
  const bool has_card = j.contains("card");
  const bool has_keys = j.contains("pubkey") || j.contains("enc_pubkey");
  if (has_card == has_keys) return Bad(where, "give the new keys either as \"card\" or as \"pubkey\" and \"enc_pubkey\"");
  if (has_card) {
    PEERDB_TRY_ASSIGN(CardDraft card, CardOf(j["card"], Field(where, "card")));
    out.pubkey = card.pubkey;
    out.enc_pubkey = card.enc_pubkey;
    return out;
  }
  PEERDB_TRY_ASSIGN(const json* pubkey, Required(j, where, "pubkey"));
  PEERDB_TRY_ASSIGN(out.pubkey, KeyOf(*pubkey, Field(where, "pubkey")));
  PEERDB_TRY_ASSIGN(const json* enc_pubkey, Required(j, where, "enc_pubkey"));
  PEERDB_TRY_ASSIGN(out.enc_pubkey, KeyOf(*enc_pubkey, Field(where, "enc_pubkey")));
  return out;
}

Result<ResetMemberDraft> ResetMemberOf(const json& j, std::string_view where) {
  PEERDB_TRY(ExpectObject(j, where));
  PEERDB_TRY(OnlyFields(j, where, {"id", "card", "new_id"}));
  ResetMemberDraft out;
  PEERDB_TRY_ASSIGN(const json* id, Required(j, where, "id"));
  PEERDB_TRY_ASSIGN(out.id, MemberIdOf(*id, Field(where, "id")));
  PEERDB_TRY_ASSIGN(const json* card, Required(j, where, "card"));
  PEERDB_TRY_ASSIGN(out.card, CardOf(*card, Field(where, "card")));
  if (const auto new_id = j.find("new_id"); new_id != j.end()) {
    PEERDB_TRY_ASSIGN(out.new_id, MemberIdOf(*new_id, Field(where, "new_id")));
  }
  return out;
}

Result<SetParamsDraft> SetParamsOf(const json& j, std::string_view where) {
  PEERDB_TRY(ExpectObject(j, where));
  if (j.empty()) return Bad(where, "names no parameter");
  SetParamsDraft out;
  for (const auto& item : j.items()) {
    const std::vector<std::string_view>& names = ParamNames();
    if (std::find(names.begin(), names.end(), item.key()) == names.end()) {
      return Bad(where, Join({"unknown parameter ", Echo(item.key()), " (parameters: ", NameList(names), ")"}));
    }
    PEERDB_TRY_ASSIGN(std::uint64_t value, WholeNumber(item.value(), Field(where, item.key())));
    out.values.emplace_back(item.key(), value);
  }
  return out;
}

Result<chain::SetRule> SetRuleOf(const json& j, std::string_view where) {
  PEERDB_TRY(ExpectObject(j, where));
  PEERDB_TRY(OnlyFields(j, where, {"ns", "mode", "writers", "editors", "readers", "encrypted"}));
  chain::SetRule out;
  chain::Rule& r = out.rule;
  PEERDB_TRY_ASSIGN(const json* ns, Required(j, where, "ns"));
  PEERDB_TRY_ASSIGN(r.ns, NamespaceOf(*ns, Field(where, "ns")));
  PEERDB_TRY_ASSIGN(const json* mode_json, Required(j, where, "mode"));
  PEERDB_TRY_ASSIGN(std::string mode_text, StringOf(*mode_json, Field(where, "mode")));
  auto mode = node::ParseRuleMode(mode_text);
  if (!mode.ok()) return Bad(Field(where, "mode"), "must be append-only, owner-edit or editors-edit");
  r.mode = static_cast<std::uint8_t>(*mode);
  for (auto [name, list] : {std::pair<const char*, std::vector<chain::MemberId>*>{"writers", &r.writers},
                            {"editors", &r.editors},
                            {"readers", &r.readers}}) {
    if (const auto it = j.find(name); it != j.end()) {
      PEERDB_TRY_ASSIGN(*list, IdListOf(*it, Field(where, name)));
    }
  }
  if (const auto e = j.find("encrypted"); e != j.end()) {
    if (!e->is_boolean()) return Bad(Field(where, "encrypted"), Join({"expected true or false, got ", e->type_name()}));
    r.encrypted = e->get<bool>();
  }
  return out;
}

template <class T>
Result<OpDraft> AsOp(Result<T> r) {
  if (!r.ok()) return r.take_error();
  return OpDraft(std::move(r).value());
}

const std::vector<std::string_view> kOpNames = {"add_member", "remove_member", "rotate_key", "reset_member",
                                                "set_params", "set_rule", "delete_rule"};

Result<OpDraft> OpOf(const json& j, const std::string& where) {
  PEERDB_TRY(ExpectObject(j, where));
  if (j.size() != 1) {
    return Bad(where, Join({"an op is an object with exactly one member naming it (",
                            NameList(kOpNames), ")"}));
  }
  const std::string& name = j.begin().key();
  const json& body = j.begin().value();
  const std::string at = Field(where, name);
  if (name == "add_member") return AsOp(AddMemberOf(body, at));
  if (name == "remove_member") {
    PEERDB_TRY_ASSIGN(chain::MemberId id, MemberIdOf(body, at));
    return OpDraft(chain::RemoveMember{id});
  }
  if (name == "rotate_key") return AsOp(RotateKeyOf(body, at));
  if (name == "reset_member") return AsOp(ResetMemberOf(body, at));
  if (name == "set_params") return AsOp(SetParamsOf(body, at));
  if (name == "set_rule") return AsOp(SetRuleOf(body, at));
  if (name == "delete_rule") {
    PEERDB_TRY_ASSIGN(std::string ns, NamespaceOf(body, at));
    return OpDraft(chain::DelRule{std::move(ns)});
  }
  return Bad(where, Join({"unknown op ", Echo(name), " (expected one of ", NameList(kOpNames), ")"}));
}

Result<ChangeDraft> DraftOf(const json& doc) {
  if (!doc.is_object()) return Bad("body", Join({"expected a JSON object, got ", doc.type_name()}));
  PEERDB_TRY(OnlyFields(doc, "body", {"ops", "expires_in_blocks"}));
  ChangeDraft out;
  if (const auto e = doc.find("expires_in_blocks"); e != doc.end()) {
    PEERDB_TRY_ASSIGN(out.expires_in_blocks, WholeNumber(*e, "expires_in_blocks"));
  }
  PEERDB_TRY_ASSIGN(const json* ops, Required(doc, "body", "ops"));
  if (!ops->is_array()) return Bad("ops", Join({"expected an array, got ", ops->type_name()}));
  if (ops->empty()) return Error{Errc::kInvalid, "ops: a config change needs at least one op"};
  if (ops->size() > chain::kMaxConfigOps) {
    return Error{Errc::kTooLarge, Join({"ops: ", std::to_string(ops->size()), " ops exceed the limit of ",
                                        std::to_string(chain::kMaxConfigOps), " per change"})};
  }
  for (std::size_t i = 0; i < ops->size(); ++i) {
    PEERDB_TRY_ASSIGN(OpDraft op, OpOf((*ops)[i], Index("ops", i)));
    out.ops.push_back(std::move(op));
  }
  return out;
}

chain::Member MemberOf(chain::MemberId id, const CardDraft& card) {
  return chain::Member{id, card.pubkey, card.enc_pubkey, card.name, card.contact};
}

}  // namespace

const std::vector<std::string_view>& ParamNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    const chain::Params p;
    ForEachParam(p, [&](std::string_view name, const auto&) { out.push_back(name); });
    return out;
  }();
  return names;
}

std::uint64_t ParamValue(const chain::Params& params, std::string_view name) {
  std::uint64_t out = 0;
  ForEachParam(params, [&](std::string_view n, const auto& v) {
    if (n == name) out = v;
  });
  return out;
}

Result<ChangeDraft> ParseChangeRequest(std::string_view body) {
  if (body.size() > kMaxChangeBodyBytes) {
    return Error{Errc::kTooLarge, Join({"body of ", std::to_string(body.size()), " bytes exceeds the limit of ",
                                        std::to_string(kMaxChangeBodyBytes), " for a config change"})};
  }
  PEERDB_TRY_ASSIGN(json doc, ParseJsonBounded(body));
  try {
    return DraftOf(doc);
  } catch (const std::exception& e) {
    // Not expected (types are checked before every access); kept so that no input can throw.
    return Error{Errc::kMalformed, Join({"body: ", e.what()})};
  }
}

Result<node::ChangeRequest> ResolveChange(const ChangeDraft& draft, const node::ChangesView& in_force) {
  node::ChangeRequest out;
  out.expires_in_blocks = draft.expires_in_blocks;
  std::uint64_t next_id = in_force.next_member_id;
  // A new member's id: the one given, else the next free one; ids given or taken move it on.
  auto take_id = [&](std::optional<chain::MemberId> given, std::string_view where) -> Result<chain::MemberId> {
    const std::uint64_t id = given ? *given : next_id;
    if (id > kMaxU32) return Error{Errc::kInvalid, Join({where, ": no member id is left"})};
    next_id = std::max(next_id, id + 1);
    return static_cast<chain::MemberId>(id);
  };
  chain::Params params = in_force.params;
  for (std::size_t i = 0; i < draft.ops.size(); ++i) {
    const std::string where = Index("ops", i);
    const OpDraft& op = draft.ops[i];
    chain::ConfigOp resolved;
    if (const auto* add = std::get_if<AddMemberDraft>(&op)) {
      PEERDB_TRY_ASSIGN(chain::MemberId id, take_id(add->id, where));
      resolved.body = chain::AddMember{MemberOf(id, add->card), add->card.address};
    } else if (const auto* reset = std::get_if<ResetMemberDraft>(&op)) {
      PEERDB_TRY_ASSIGN(chain::MemberId id, take_id(reset->new_id, where));
      resolved.body = chain::ResetMember{reset->id, MemberOf(id, reset->card), reset->card.address};
    } else if (const auto* set = std::get_if<SetParamsDraft>(&op)) {
      for (const auto& entry : set->values) {
        // Named copies, not structured bindings: clang 14 cannot capture those in a lambda.
        const auto& name = entry.first;
        const auto value = entry.second;
        Status status = Status::Ok();
        ForEachParam(params, [&](std::string_view n, auto& field) {
          if (n != name) return;
          using Field = std::decay_t<decltype(field)>;
          if (value > std::numeric_limits<Field>::max()) {
            status = Error{Errc::kInvalid, Join({where, ".set_params.", name, ": ", std::to_string(value),
                                                 " is above the largest value, ", std::to_string(std::numeric_limits<Field>::max())})};
            return;
          }
          field = static_cast<Field>(value);
        });
        PEERDB_TRY(status);
      }
      resolved.body = chain::SetParams{params};
    } else {
      std::visit(
          [&](const auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (!std::is_same_v<T, AddMemberDraft> && !std::is_same_v<T, ResetMemberDraft> &&
                          !std::is_same_v<T, SetParamsDraft>) {
              resolved.body = o;
            }
          },
          op);
    }
    out.ops.push_back(std::move(resolved));
  }
  return out;
}

Result<Hash32> ParseChangeId(std::string_view text) {
  auto id = Hash32FromHex(text);
  if (!id.ok()) return Error{Errc::kMalformed, Join({"change id must be 64 hex digits, got ", Echo(text)})};
  return *id;
}

}  // namespace peerdb::api
