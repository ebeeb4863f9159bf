// Parsing of `POST /v1/changes` bodies into a config change request (docs/api.md "Config
// changes"; PROTOCOL.md §5.3):
//
//   {"ops": [{"add_member":    {"card": {<member.json as `peerdb keygen` writes it>}, "id": 4}},
//            {"remove_member": 3},
//            {"rotate_key":    {"id": 2, "card": {...}}}   or {"id": 2, "pubkey": hex, "enc_pubkey": hex},
//            {"reset_member":  {"id": 2, "card": {...}, "new_id": 5}},
//            {"set_params":    {"block_period_ms": 500, ...}},
//            {"set_rule":      {"ns": "x", "mode": "append-only", "writers": [1], "editors": [],
//                               "readers": [], "encrypted": false}},
//            {"delete_rule":   "x"}],
//    "expires_in_blocks": 100}
//
// Each op is an object with exactly one member naming it. Optional: "id" of add_member and
// "new_id" of reset_member (default: the chain's next free ids, in op order), the lists and
// "encrypted" of set_rule (default empty and false: writers and readers of all members, editors
// none), "expires_in_blocks" (default: the node's). set_params names only the parameters it
// changes; the others keep the values in force.
//
// Parsing is in two steps because the second needs the config in force: ParseChangeRequest is
// syntactic and total (strict JSON, unknown names and wrong types refused, one line naming the
// place), ResolveChange fills in ids and parameters from node::ChangesView. Whether the change
// applies (members exist, ids unused, parameters in range, rules valid) is the node's check.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "peerdb/chain/config_change.h"
#include "peerdb/node/service.h"
#include "peerdb/util/result.h"

namespace peerdb::api {

// Largest body of POST /v1/changes (413 above it): 64 ops with member cards fit many times.
inline constexpr std::size_t kMaxChangeBodyBytes = 256 * 1024;

// A member card as member.json holds it ("peerdb_member_card": 1 is optional here).
struct CardDraft {
  std::string name;
  std::string contact;
  Hash32 pubkey{};
  Hash32 enc_pubkey{};
  std::string address;
};

struct AddMemberDraft {
  CardDraft card;
  std::optional<chain::MemberId> id;
};
struct ResetMemberDraft {
  chain::MemberId id = 0;
  CardDraft card;
  std::optional<chain::MemberId> new_id;
};
// The parameters a set_params names, in body order (names are chain::Params field names).
struct SetParamsDraft {
  std::vector<std::pair<std::string, std::uint64_t>> values;
};

using OpDraft = std::variant<AddMemberDraft, chain::RemoveMember, chain::RotateKey, ResetMemberDraft, SetParamsDraft,
                             chain::SetRule, chain::DelRule>;

struct ChangeDraft {
  std::vector<OpDraft> ops;
  std::uint64_t expires_in_blocks = 0;  // 0: the node's default
};

// Errors: kTooLarge (body over kMaxChangeBodyBytes, more than chain::kMaxConfigOps ops); kInvalid
// (no op); kMalformed (everything else: bad JSON with its position, duplicate names, wrong types,
// unknown or missing fields, unknown op or parameter name, bad hex, bad namespace or mode, an id
// of 0, a list naming a member twice). Messages name the place, e.g. "ops[2].set_rule.writers[1]".
Result<ChangeDraft> ParseChangeRequest(std::string_view body);

// The ops as the node takes them: new members get in_force.next_member_id, +1, ... in op order
// unless the draft gives their id; set_params starts from in_force.params. Errors (kInvalid): a
// parameter above its 32-bit range, a given id below next_member_id or used twice in the change.
Result<node::ChangeRequest> ResolveChange(const ChangeDraft& draft, const node::ChangesView& in_force);

// The chain::Params field names, in encoding order.
const std::vector<std::string_view>& ParamNames();
// The value of the parameter `name` (REQUIRES: one of ParamNames()).
std::uint64_t ParamValue(const chain::Params& params, std::string_view name);

// "64-hex change id" -> Hash32; kMalformed otherwise ("change id must be 64 hex digits, got ...").
Result<Hash32> ParseChangeId(std::string_view text);

}  // namespace peerdb::api
