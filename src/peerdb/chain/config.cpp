#include "peerdb/chain/config.h"

#include <algorithm>
#include <set>

#include "peerdb/chain/hashing.h"

namespace peerdb::chain {

const Member* Config::FindMember(MemberId id) const {
  auto it = std::lower_bound(members.begin(), members.end(), id,
                             [](const Member& m, MemberId v) { return m.id < v; });
  return it != members.end() && it->id == id ? &*it : nullptr;
}

const Member* Config::FindMemberByKey(const Hash32& pubkey) const {
  for (const Member& m : members) {
    if (m.pubkey == pubkey) return &m;
  }
  return nullptr;
}

const Rule* Config::FindRule(std::string_view ns) const {
  auto it = std::lower_bound(rules.begin(), rules.end(), ns,
                             [](const Rule& r, std::string_view v) { return r.ns < v; });
  return it != rules.end() && it->ns == ns ? &*it : nullptr;
}

Result<const Rule*> Config::RuleOf(std::string_view ns) const {
  if (const Rule* rule = FindRule(ns)) return rule;
  std::string names;
  for (const Rule& r : rules) names += (names.empty() ? "" : ", ") + r.ns;
  return Error{Errc::kUnknownNamespace, "unknown namespace '" + std::string(ns) + "' (this consortium has: " +
                                            (names.empty() ? "none" : names) + ")"};
}

Hash32 ChainId(const Genesis& genesis) { return TaggedHash(tag::kGenesis, genesis); }
Hash32 ConfigHash(const Config& config) { return TaggedHash(tag::kConfig, config); }

Status CheckConfig(const Config& config) {
  if (config.members.empty()) return Error{Errc::kConfig, "a consortium needs at least one member"};
  std::set<Hash32> keys;
  for (std::size_t i = 0; i < config.members.size(); ++i) {
    const Member& m = config.members[i];
    if (m.id == 0) return Error{Errc::kConfig, "member id 0 is reserved"};
    if (i > 0 && config.members[i - 1].id >= m.id) return Error{Errc::kConfig, "members must be sorted by unique id"};
    if (!keys.insert(m.pubkey).second) return Error{Errc::kConfig, "two members share a public key"};
    if (m.name.empty()) return Error{Errc::kConfig, "member " + std::to_string(m.id) + " has no name"};
  }
  const Params& p = config.params;
  if (p.block_period_ms == 0 || p.block_period_ms > 3'600'000) return Error{Errc::kConfig, "block_period_ms must be 1..3600000"};
  if (p.heartbeat_ms < p.block_period_ms) return Error{Errc::kConfig, "heartbeat_ms must be >= block_period_ms"};
  if (p.round_timeout_ms == 0 || p.max_round_timeout_ms < p.round_timeout_ms) {
    return Error{Errc::kConfig, "round timeouts must satisfy 0 < round_timeout_ms <= max_round_timeout_ms"};
  }
  if (p.max_batch_bytes < 1024 || p.max_batch_bytes > kMaxValueBytes) return Error{Errc::kConfig, "max_batch_bytes must be 1 KiB..1 MiB"};
  if (p.max_block_bytes < p.max_batch_bytes || p.max_block_bytes > kMaxBlockBytesHardCap) {
    return Error{Errc::kConfig, "max_block_bytes must be >= max_batch_bytes and <= 64 MiB"};
  }
  if (p.k_anchor == 0) return Error{Errc::kConfig, "k_anchor must be >= 1"};
  for (std::size_t i = 0; i < config.rules.size(); ++i) {
    const Rule& r = config.rules[i];
    // Deviation from §1.1 item 7 ([a-z0-9._/-]): no '/' so that /v1/kv/{ns}/{key} routes without
    // ambiguity, and no leading '_', reserved for system namespaces such as _config (§1.4).
    if (!codec::IsValidName(r.ns) || r.ns.find('/') != std::string::npos || r.ns.front() == '_') {
      return Error{Errc::kConfig, "namespace '" + r.ns + "' must be [a-z0-9._-] and not start with '_'"};
    }
    if (i > 0 && config.rules[i - 1].ns >= r.ns) return Error{Errc::kConfig, "rules must be sorted by unique namespace"};
    if (r.mode < 1 || r.mode > 3) return Error{Errc::kConfig, "rule " + r.ns + ": mode must be 1, 2 or 3"};
    for (const auto* list : {&r.writers, &r.editors, &r.readers}) {
      for (std::size_t j = 0; j < list->size(); ++j) {
        if (!config.FindMember((*list)[j])) return Error{Errc::kConfig, "rule " + r.ns + " names unknown member " + std::to_string((*list)[j])};
        if (j > 0 && (*list)[j - 1] >= (*list)[j]) return Error{Errc::kConfig, "rule " + r.ns + ": member lists must be sorted"};
      }
    }
  }
  return Status::Ok();
}

Status CheckGenesis(const Genesis& genesis) {
  if (genesis.config.epoch != 0) return Error{Errc::kConfig, "genesis config must be epoch 0"};
  if (genesis.config.prev_config_hash != Hash32{}) return Error{Errc::kConfig, "genesis prev_config_hash must be zero"};
  return CheckConfig(genesis.config);
}

}  // namespace peerdb::chain
