// Genesis and configuration (PROTOCOL.md §1.3): members, parameters and namespace rules.
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/limits.h"
#include "peerdb/codec/pce.h"
#include "peerdb/util/bytes.h"

namespace peerdb::chain {

using MemberId = std::uint32_t;

struct Member {
  MemberId id = 0;
  Hash32 pubkey{};
  Hash32 enc_pubkey{};
  std::string name;     // display name, bytes<64>
  std::string contact;  // shown in alerts, bytes<256>

  template <class V> void Pce(V& v) {
    v.u32(id); v.fixed(pubkey); v.fixed(enc_pubkey); v.str(name, kMaxNameBytes); v.str(contact, kMaxContactBytes);
  }
  bool operator==(const Member&) const = default;
};

enum class RuleMode : std::uint8_t { kAppendOnly = 1, kOwnerEdit = 2, kEditorsEdit = 3 };

struct Rule {
  std::string ns;
  std::vector<MemberId> writers;  // sorted; empty = all members
  std::vector<MemberId> editors;  // sorted
  std::vector<MemberId> readers;  // sorted; empty = all members
  std::uint8_t mode = static_cast<std::uint8_t>(RuleMode::kOwnerEdit);
  bool encrypted = false;

  template <class V> void Pce(V& v) {
    auto id = [](MemberId m) { return m; };
    v.name(ns, kMaxNameBytes);
    v.sorted_list(writers, kMaxMembers, id);
    v.sorted_list(editors, kMaxMembers, id);
    v.sorted_list(readers, kMaxMembers, id);
    v.u8(mode);
    if constexpr (V::kDecoding) {
      if (v.ok() && (mode < 1 || mode > 3)) v.Fail(Errc::kMalformed, "rule mode must be 1, 2 or 3");
    }
    v.boolean(encrypted);
  }
  bool operator==(const Rule&) const = default;
};

struct Params {
  std::uint64_t block_period_ms = 1000;
  std::uint64_t heartbeat_ms = 30000;
  std::uint64_t round_timeout_ms = 2000;
  std::uint64_t max_round_timeout_ms = 60000;
  std::uint64_t max_future_drift_ms = 2000;
  std::uint32_t k_anchor = 6;
  std::uint64_t anchor_interval_ms = 600000;
  std::uint64_t silent_alert_ms = 600000;
  std::uint32_t max_block_bytes = 8u << 20;
  std::uint32_t max_batch_bytes = 1u << 20;
  std::uint64_t config_ttl_heights = 100000;

  template <class V> void Pce(V& v) {
    v.u64(block_period_ms); v.u64(heartbeat_ms); v.u64(round_timeout_ms); v.u64(max_round_timeout_ms);
    v.u64(max_future_drift_ms); v.u32(k_anchor); v.u64(anchor_interval_ms); v.u64(silent_alert_ms);
    v.u32(max_block_bytes); v.u32(max_batch_bytes); v.u64(config_ttl_heights);
  }
  bool operator==(const Params&) const = default;
};

struct Config {
  std::uint16_t version = codec::kVersion;
  std::uint64_t epoch = 0;
  std::vector<Member> members;  // sorted by id
  Params params;
  std::vector<Rule> rules;      // sorted by ns
  Hash32 prev_config_hash{};

  template <class V> void Pce(V& v) {
    v.version(version); v.u64(epoch);
    v.sorted_list(members, kMaxMembers, [](const Member& m) { return m.id; });
    v.item(params);
    v.sorted_list(rules, kMaxRules, [](const Rule& r) { return r.ns; });
    v.fixed(prev_config_hash);
  }
  bool operator==(const Config&) const = default;

  const Member* FindMember(MemberId id) const;
  const Member* FindMemberByKey(const Hash32& pubkey) const;
  const Rule* FindRule(std::string_view ns) const;
  // The rule of `ns`, or kUnknownNamespace worded the one way every caller uses:
  // unknown namespace 'x' (this consortium has: a, b).
  Result<const Rule*> RuleOf(std::string_view ns) const;
  // MAJ_e = floor(N_e / 2) + 1: strictly more than half of all members [D7].
  std::size_t Majority() const { return members.size() / 2 + 1; }
};

struct Genesis {
  std::uint16_t version = codec::kVersion;
  Config config;
  std::uint64_t genesis_time_ms = 0;
  Hash32 initial_state_root{};
  std::string description;

  template <class V> void Pce(V& v) {
    v.version(version); v.item(config); v.u64(genesis_time_ms); v.fixed(initial_state_root);
    v.str(description, kMaxDescriptionBytes);
  }
  bool operator==(const Genesis&) const = default;
};

Hash32 ChainId(const Genesis& genesis);     // H("PDB1/genesis", Genesis)
Hash32 ConfigHash(const Config& config);    // H("PDB1/config", Config)

// Stateless checks of a configuration: unique non-zero ids and keys, sane params, rule members exist.
Status CheckConfig(const Config& config);
Status CheckGenesis(const Genesis& genesis);

}  // namespace peerdb::chain
