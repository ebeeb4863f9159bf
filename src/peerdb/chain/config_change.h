// Configuration changes as data (PROTOCOL.md §5.3): the ops a ConfigChange carries, their encoding,
// and how they turn the config of epoch e into the config of epoch e+1. Whether a change may be
// proposed, who must approve it and when it activates is epoch.h's business.
//
// Deviations from §5.3's op layout, each because a member needs the field to work:
// - ADD carries the whole Member entry (its X25519 key for encrypted namespaces and its contact for
//   alerts, not only id, key and name) and the address its node accepts peers on, so the other
//   members can reach a member that joined after their consortium file was written;
// - ROTATE_KEY carries the new X25519 key beside the new signing key (both are the member's keys);
// - RESET carries the new Member entry (new id and keys) and its address, for the same reasons.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/util/result.h"

namespace peerdb::chain {

inline constexpr std::size_t kMaxAddressBytes = 256;
inline constexpr std::size_t kMaxConfigOps = 64;
// The namespace and key of a kind=3 op: the value is a PCE ConfigChange (§1.4).
inline constexpr std::string_view kConfigNamespace = "_config";
inline constexpr std::string_view kConfigKey = "change";

struct AddMember {
  Member member;
  std::string address;  // host:port where its node accepts peers (may be empty)
  template <class V> void Pce(V& v) { v.item(member); v.str(address, kMaxAddressBytes); }
  bool operator==(const AddMember&) const = default;
};
struct RemoveMember {
  MemberId id = 0;
  template <class V> void Pce(V& v) { v.u32(id); }
  bool operator==(const RemoveMember&) const = default;
};
struct RotateKey {
  MemberId id = 0;
  Hash32 pubkey{};
  Hash32 enc_pubkey{};
  template <class V> void Pce(V& v) { v.u32(id); v.fixed(pubkey); v.fixed(enc_pubkey); }
  bool operator==(const RotateKey&) const = default;
};
// §5.4: the member `id` continues as `member` (a new id and keys); rules naming `id` name the new id.
struct ResetMember {
  MemberId id = 0;
  Member member;
  std::string address;
  template <class V> void Pce(V& v) { v.u32(id); v.item(member); v.str(address, kMaxAddressBytes); }
  bool operator==(const ResetMember&) const = default;
};
struct SetParams {
  Params params;
  template <class V> void Pce(V& v) { v.item(params); }
  bool operator==(const SetParams&) const = default;
};
struct SetRule {
  Rule rule;  // replaces the rule of rule.ns, or adds it
  template <class V> void Pce(V& v) { v.item(rule); }
  bool operator==(const SetRule&) const = default;
};
struct DelRule {
  std::string ns;
  template <class V> void Pce(V& v) { v.name(ns, kMaxNameBytes); }
  bool operator==(const DelRule&) const = default;
};

// ConfigOp = union { 1: ADD | 2: REMOVE | 3: ROTATE_KEY | 4: RESET | 5: SET_PARAMS | 6: SET_RULE | 7: DEL_RULE }
struct ConfigOp {
  std::variant<AddMember, RemoveMember, RotateKey, ResetMember, SetParams, SetRule, DelRule> body;
  template <class V> void Pce(V& v) {
    if constexpr (V::kDecoding) {
      std::uint8_t t = 0;
      v.u8(t);
      if (!v.ok()) return;
      switch (t) {
        case 1: body.template emplace<AddMember>(); break;
        case 2: body.template emplace<RemoveMember>(); break;
        case 3: body.template emplace<RotateKey>(); break;
        case 4: body.template emplace<ResetMember>(); break;
        case 5: body.template emplace<SetParams>(); break;
        case 6: body.template emplace<SetRule>(); break;
        case 7: body.template emplace<DelRule>(); break;
        default: return v.Fail(Errc::kMalformed, "unknown config op " + std::to_string(t));
      }
    } else {
      v.u8(static_cast<std::uint8_t>(body.index() + 1));
    }
    std::visit([&v](auto& b) { v.item(b); }, body);
  }
  bool operator==(const ConfigOp&) const = default;
};

struct ConfigChange {
  std::uint16_t version = codec::kVersion;
  std::uint64_t epoch = 0;           // the epoch it changes
  std::vector<ConfigOp> ops;         // applied in order
  std::uint64_t expires_height = 0;  // not activated by this height: lapsed
  template <class V> void Pce(V& v) {
    v.version(version); v.u64(epoch); v.list(ops, kMaxConfigOps); v.u64(expires_height);
  }
  bool operator==(const ConfigChange&) const = default;
};

// change_id = H("PDB1/cfgchange", ConfigChange)
Hash32 ChangeId(const ConfigChange& change);

// The members a change removes from the epoch: the ids of its REMOVE and RESET ops (T, §5.3),
// sorted, without duplicates.
std::vector<MemberId> ChangeTargets(const ConfigChange& change);

// Config_{e+1}: `config` with the ops applied in order, epoch + 1 and prev_config_hash =
// H(config). `next_member_id` is the lowest id never used on this chain (ids are never reused): an
// ADD or RESET must use an id at least that high, and it is raised past every id they use.
// Errors (kInvalid, one line naming the op): an empty change, ADD of an id in use or used before, a
// key already in use, REMOVE/ROTATE_KEY/RESET of a non-member, a rotation to the same key, a rule
// that still names a removed member, DEL_RULE of an unknown namespace, and every CheckConfig
// failure of the result (parameters out of range, a bad namespace, no member left).
Result<Config> ApplyConfigChange(const Config& config, const ConfigChange& change, MemberId* next_member_id);

// Addresses a change announces (ADD, RESET): member id -> host:port, in op order.
std::vector<std::pair<MemberId, std::string>> ChangeAddresses(const ConfigChange& change);

// A one-line description of each op, for `peerdb change list` and logs ("add member 5 (Bank E)",
// "set block_period_ms 1000 -> 500", ...), against the config it changes.
std::vector<std::string> DescribeChange(const Config& config, const ConfigChange& change);

}  // namespace peerdb::chain
