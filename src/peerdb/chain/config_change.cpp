#include "peerdb/chain/config_change.h"

#include <algorithm>

#include "peerdb/chain/hashing.h"

namespace peerdb::chain {
namespace {

std::string Id(MemberId id) { return "member " + std::to_string(id); }

Error Bad(std::size_t op, const std::string& what) {
  return Error{Errc::kInvalid, "config op " + std::to_string(op + 1) + ": " + what};
}

template <class List>
bool Contains(const List& list, MemberId id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

// A rule's lists after `from` became `to` (RESET): the same party under its new id.
void RenameInRules(std::vector<Rule>& rules, MemberId from, MemberId to) {
  for (Rule& r : rules) {
    for (auto* list : {&r.writers, &r.editors, &r.readers}) {
      std::replace(list->begin(), list->end(), from, to);
      std::sort(list->begin(), list->end());
    }
  }
}

// A removed member must not stay in a rule: dropping it silently could turn a one-member list into
// "all members", so the change has to say what the rule becomes (a SET_RULE before the REMOVE).
const Rule* RuleNaming(const std::vector<Rule>& rules, MemberId id) {
  for (const Rule& r : rules) {
    if (Contains(r.writers, id) || Contains(r.editors, id) || Contains(r.readers, id)) return &r;
  }
  return nullptr;
}

void InsertMember(std::vector<Member>& members, Member m) {
  auto at = std::lower_bound(members.begin(), members.end(), m.id, [](const Member& x, MemberId v) { return x.id < v; });
  members.insert(at, std::move(m));
}

struct Applier {
  Config& cfg;
  MemberId& next_id;
  std::size_t i = 0;

  Status NewMember(const Member& m) {
    if (m.id < next_id) return Bad(i, Id(m.id) + " is or was in use: ids are never reused (next free id " + std::to_string(next_id) + ")");
    if (cfg.FindMemberByKey(m.pubkey)) return Bad(i, "the new member's key is already in use");
    return Status::Ok();
  }
  Status operator()(const AddMember& op) {
    PEERDB_TRY(NewMember(op.member));
    next_id = op.member.id + 1;
    InsertMember(cfg.members, op.member);
    return Status::Ok();
  }
  Status operator()(const RemoveMember& op) {
    if (!cfg.FindMember(op.id)) return Bad(i, "cannot remove " + Id(op.id) + ": not a member");
    if (const Rule* r = RuleNaming(cfg.rules, op.id)) {
      return Bad(i, "rule '" + r->ns + "' still names " + Id(op.id) + "; change the rule in the same change, before the removal");
    }
    std::erase_if(cfg.members, [&](const Member& m) { return m.id == op.id; });
    return Status::Ok();
  }
  Status operator()(const RotateKey& op) {
    Member* m = nullptr;
    for (Member& x : cfg.members) m = x.id == op.id ? &x : m;
    if (!m) return Bad(i, "cannot rotate the key of " + Id(op.id) + ": not a member");
    if (m->pubkey == op.pubkey) return Bad(i, "the new key of " + Id(op.id) + " is its current key");
    if (cfg.FindMemberByKey(op.pubkey)) return Bad(i, "the new key of " + Id(op.id) + " is already in use");
    m->pubkey = op.pubkey;
    m->enc_pubkey = op.enc_pubkey;
    return Status::Ok();
  }
  Status operator()(const ResetMember& op) {
    if (!cfg.FindMember(op.id)) return Bad(i, "cannot reset " + Id(op.id) + ": not a member");
    PEERDB_TRY(NewMember(op.member));
    next_id = op.member.id + 1;
    std::erase_if(cfg.members, [&](const Member& m) { return m.id == op.id; });
    InsertMember(cfg.members, op.member);
    RenameInRules(cfg.rules, op.id, op.member.id);
    return Status::Ok();
  }
  Status operator()(const SetParams& op) {
    cfg.params = op.params;
    return Status::Ok();
  }
  Status operator()(const SetRule& op) {
    auto at = std::lower_bound(cfg.rules.begin(), cfg.rules.end(), op.rule.ns,
                               [](const Rule& r, const std::string& ns) { return r.ns < ns; });
    if (at != cfg.rules.end() && at->ns == op.rule.ns) {
      *at = op.rule;
    } else {
      cfg.rules.insert(at, op.rule);
    }
    return Status::Ok();
  }
  Status operator()(const DelRule& op) {
    if (!cfg.FindRule(op.ns)) return Bad(i, "cannot delete the rule of '" + op.ns + "': no such namespace");
    std::erase_if(cfg.rules, [&](const Rule& r) { return r.ns == op.ns; });
    return Status::Ok();
  }
};

std::string IdList(const std::vector<MemberId>& ids) {
  if (ids.empty()) return "all";
  std::string s;
  for (MemberId id : ids) {  // piece by piece: GCC 12 -O3 -Wrestrict false positive on "lit" + to_string (bug 105329)
    if (!s.empty()) s += ',';
    s += std::to_string(id);
  }
  return s;
}

const char* ModeName(std::uint8_t mode) {
  switch (mode) {
    case 1: return "append-only";
    case 2: return "owner-edit";
    case 3: return "editors-edit";
    default: return "unknown-mode";
  }
}

std::string DescribeRule(const Rule& r) {
  return std::string(ModeName(r.mode)) + (r.encrypted ? ", encrypted" : "") + ", writers " + IdList(r.writers) +
         ", editors " + (r.editors.empty() ? std::string("none") : IdList(r.editors)) + ", readers " + IdList(r.readers);
}

std::string MemberText(const Member& m) { return Id(m.id) + " (" + m.name + ")"; }

void DescribeParams(const Params& a, const Params& b, std::vector<std::string>& out) {
  auto one = [&](const char* name, std::uint64_t x, std::uint64_t y) {
    if (x != y) out.push_back("set " + std::string(name) + " " + std::to_string(x) + " -> " + std::to_string(y));
  };
  one("block_period_ms", a.block_period_ms, b.block_period_ms);
  one("heartbeat_ms", a.heartbeat_ms, b.heartbeat_ms);
  one("round_timeout_ms", a.round_timeout_ms, b.round_timeout_ms);
  one("max_round_timeout_ms", a.max_round_timeout_ms, b.max_round_timeout_ms);
  one("max_future_drift_ms", a.max_future_drift_ms, b.max_future_drift_ms);
  one("k_anchor", a.k_anchor, b.k_anchor);
  one("anchor_interval_ms", a.anchor_interval_ms, b.anchor_interval_ms);
  one("silent_alert_ms", a.silent_alert_ms, b.silent_alert_ms);
  one("max_block_bytes", a.max_block_bytes, b.max_block_bytes);
  one("max_batch_bytes", a.max_batch_bytes, b.max_batch_bytes);
  one("config_ttl_heights", a.config_ttl_heights, b.config_ttl_heights);
}

}  // namespace

Hash32 ChangeId(const ConfigChange& change) { return TaggedHash(tag::kConfigChange, change); }

std::vector<MemberId> ChangeTargets(const ConfigChange& change) {
  std::vector<MemberId> out;
  for (const ConfigOp& op : change.ops) {
    if (const auto* r = std::get_if<RemoveMember>(&op.body)) out.push_back(r->id);
    if (const auto* r = std::get_if<ResetMember>(&op.body)) out.push_back(r->id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<Config> ApplyConfigChange(const Config& config, const ConfigChange& change, MemberId* next_member_id) {
  if (change.version != codec::kVersion) return Error{Errc::kBadVersion, "config change version"};
  if (change.ops.empty()) return Error{Errc::kInvalid, "a config change needs at least one op"};
  if (change.epoch != config.epoch) {
    return Error{Errc::kInvalid, "the change is for epoch " + std::to_string(change.epoch) + " but epoch " +
                                     std::to_string(config.epoch) + " is in force"};
  }
  Config next = config;
  MemberId next_id = *next_member_id;
  Applier applier{next, next_id};
  for (; applier.i < change.ops.size(); ++applier.i) {
    PEERDB_TRY(std::visit(applier, change.ops[applier.i].body));
  }
  next.epoch = config.epoch + 1;
  next.prev_config_hash = ConfigHash(config);
  if (Status s = CheckConfig(next); !s.ok()) {
    return Error{Errc::kInvalid, "the new config would be invalid: " + s.error().message};
  }
  *next_member_id = next_id;
  return next;
}

std::vector<std::pair<MemberId, std::string>> ChangeAddresses(const ConfigChange& change) {
  std::vector<std::pair<MemberId, std::string>> out;
  for (const ConfigOp& op : change.ops) {
    if (const auto* a = std::get_if<AddMember>(&op.body); a && !a->address.empty()) out.emplace_back(a->member.id, a->address);
    if (const auto* r = std::get_if<ResetMember>(&op.body); r && !r->address.empty()) out.emplace_back(r->member.id, r->address);
  }
  return out;
}

std::vector<std::string> DescribeChange(const Config& config, const ConfigChange& change) {
  std::vector<std::string> out;
  for (const ConfigOp& op : change.ops) {
    std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, AddMember>) {
            out.push_back("add " + MemberText(o.member) + ", contact " + o.member.contact +
                          (o.address.empty() ? "" : ", address " + o.address));
          } else if constexpr (std::is_same_v<T, RemoveMember>) {
            const Member* m = config.FindMember(o.id);
            out.push_back("remove " + (m ? MemberText(*m) : Id(o.id)));
          } else if constexpr (std::is_same_v<T, RotateKey>) {
            out.push_back("rotate the key of " + Id(o.id) + " to " + Hex(o.pubkey).substr(0, 16) + "...");
          } else if constexpr (std::is_same_v<T, ResetMember>) {
            out.push_back("reset " + Id(o.id) + " as " + MemberText(o.member));
          } else if constexpr (std::is_same_v<T, SetParams>) {
            const std::size_t before = out.size();
            DescribeParams(config.params, o.params, out);
            if (out.size() == before) out.push_back("set params (unchanged)");
          } else if constexpr (std::is_same_v<T, SetRule>) {
            const Rule* old = config.FindRule(o.rule.ns);
            out.push_back((old ? "change rule '" : "add rule '") + o.rule.ns + "': " +
                          (old ? DescribeRule(*old) + " -> " : std::string()) + DescribeRule(o.rule));
          } else {
            out.push_back("delete rule '" + o.ns + "'");
          }
        },
        op.body);
  }
  return out;
}

}  // namespace peerdb::chain
