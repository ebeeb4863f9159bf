// The flags of `peerdb change propose` and the CHANGE_ID of `peerdb change approve`, turned into
// what the node's API takes (docs/api.md "Config changes"):
//   --add-member CARD.json              (repeatable) a new member; it gets the chain's next free id
//   --remove-member ID                  (repeatable) rules naming it are rewritten without it first
//   --rotate-key ID --card NEW.json     the member's new keys
//   --reset-member ID --card NEW.json   the member continues under a new id and keys (§5.4)
//   --set-param NAME=VALUE              (repeatable) one consortium parameter (chain::Params names)
//   --set-rule NS:MODE[:encrypted] [--writers IDS] [--editors IDS] [--readers IDS] [--encrypted]
//                                       a namespace's rule, added or replaced as a whole
//   --delete-rule NS                    (repeatable)
// The ops go into the change in this order, whatever the order of the flags: parameters, the rule
// set, the rules a removal rewrites, deleted rules, added members, rotations, resets, removals
// (a rule must stop naming a member before it is removed).
// Every mistake is one kMalformed line naming the flag. Whether the change applies (members exist,
// parameters in range) is the node's check.
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "peerdb/chain/config.h"
#include "peerdb/util/result.h"

namespace peerdb::cli {

struct ChangeFlags {
  std::vector<std::string> add_member;     // card paths
  std::vector<std::string> remove_member;  // ids as typed
  std::string rotate_key;                  // id as typed, or empty
  std::string reset_member;                // id as typed, or empty
  std::string card;                        // --card, for --rotate-key or --reset-member
  std::vector<std::string> set_param;      // NAME=VALUE
  std::string set_rule;                    // NS:MODE[:encrypted], or empty
  std::optional<std::string> writers, editors, readers;  // IDS, when given
  bool encrypted = false;
  std::vector<std::string> delete_rule;
  std::uint64_t expires_in_blocks = 0;     // 0: the node's default
};

// The chain::Params field names, in encoding order.
const std::vector<std::string_view>& ParamNames();

// NAME=VALUE: a parameter name and a whole number. Errors list the names.
Result<std::pair<std::string, std::uint64_t>> ParseSetParam(std::string_view flag);

// A member id as typed for `option` (1..4294967295).
Result<chain::MemberId> ParseMemberIdFlag(std::string_view option, std::string_view text);

// Everything that can be checked without the node: at least one op; --card with exactly one of
// --rotate-key and --reset-member; the list flags and --encrypted only with --set-rule; every
// parameter, id and namespace well-formed; nothing given twice.
Status CheckChangeFlags(const ChangeFlags& flags);

// The config in force, as GET /v1/changes reports it.
struct InForce {
  std::uint64_t epoch = 0;
  chain::MemberId next_member_id = 1;
  std::vector<chain::Member> members;
  std::vector<chain::Rule> rules;
};
// Errors: kMalformed for an answer that lacks a field or has the wrong type.
Result<InForce> InForceFromJson(const nlohmann::json& changes);

// The rule of --set-rule with its lists (sorted), refusing --editors for an append-only namespace
// and --readers for one that is not encrypted, as `consortium create` does.
Result<chain::Rule> SetRuleFromFlags(const ChangeFlags& flags);

// The rules that name a member of `removed`, without them, except those in `skip` (the change
// sets or deletes them itself). Refused (kMalformed) when a writers or readers list would become
// empty, which would mean all members: the operator says what the rule becomes with --set-rule.
Result<std::vector<chain::Rule>> RulesWithout(const std::vector<chain::Rule>& rules, const std::vector<chain::MemberId>& removed,
                                              const std::vector<std::string>& skip);

// The POST /v1/changes body. `cards` maps each card path of the flags to the card's JSON.
// REQUIRES: CheckChangeFlags(flags) passed.
Result<nlohmann::json> BuildChangeBody(const ChangeFlags& flags, const InForce& in_force,
                                       const std::map<std::string, nlohmann::json>& cards);

// The change a CHANGE_ID argument names: 64 hex digits as given (lower-cased), or a prefix of at
// least 8 hex digits of the pending change's id (`pending`: GET /v1/changes "pending", an object or
// null). Errors: kMalformed (not hex, too short), kNotFound (no pending change, or another one).
Result<std::string> ResolveChangeId(std::string_view arg, const nlohmann::json& pending);

}  // namespace peerdb::cli
