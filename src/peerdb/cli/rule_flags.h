// The namespace rules of `peerdb consortium create`, from its flags:
//   --namespace NAME[:MODE[:encrypted]]   MODE append-only, owner-edit (default) or editors-edit
//   --writers NAME=ID[,ID...]             who may write (default: all members)
//   --editors NAME=ID[,ID...]             who may change existing keys (default: nobody)
//   --readers NAME=ID[,ID...]             who can decrypt an encrypted namespace (default: all members)
// Member ids are 1..N in --member order. Every mistake is one kMalformed line naming the flag.
// Thread-safety: free functions.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/util/result.h"

namespace peerdb::cli {

struct RuleFlags {
  std::vector<std::string> namespaces;  // empty: one owner-edit namespace "main"
  std::vector<std::string> writers;
  std::vector<std::string> editors;
  std::vector<std::string> readers;
};

// One --namespace value: the rule with its mode and encrypted flag, lists empty.
Result<chain::Rule> ParseNamespaceFlag(std::string_view flag);

// One NAME=ID[,ID...] value of `option` ("--writers"): the namespace and the ids, sorted. Each id
// must be one of the member_count members, and appear once.
struct MemberList {
  std::string ns;
  std::vector<chain::MemberId> ids;
};
Result<MemberList> ParseMemberListFlag(std::string_view option, std::string_view flag, std::size_t member_count);

// "ID[,ID...]" (spaces allowed around ids) as sorted ids; each must pass `check` (which returns why
// not, or an empty string) and appear once. Errors (kMalformed) start with `what`, e.g.
// "--writers books=1,x: 'x' is not a member id (ids are whole numbers)".
Result<std::vector<chain::MemberId>> ParseMemberIds(std::string_view what, std::string_view ids,
                                                    const std::function<std::string(chain::MemberId)>& check);

// All rules, sorted by namespace. A list flag must name a namespace given by --namespace, at most
// once per namespace and option; --editors not an append-only one, --readers only an encrypted one
// (every member's node holds the values of the others): a list that would change nothing is refused.
Result<std::vector<chain::Rule>> BuildRules(const RuleFlags& flags, std::size_t member_count);

}  // namespace peerdb::cli
