// peerdb change propose / list / approve: config changes through a node's API (PROTOCOL.md §5.3,
// docs/user-guide.md "Changing the consortium"). The flags are change_flags.h's.
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "peerdb/cli/api_client.h"
#include "peerdb/cli/change_flags.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/cli/node_target.h"
#include "peerdb/node/identity.h"

namespace peerdb::cli {
namespace {

using nlohmann::json;

std::uint64_t UInt(const json& obj, const char* name) {
  const auto it = obj.find(name);
  return it != obj.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

std::string Str(const json& obj, const char* name) {
  const auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "2 (Bank B)" from the members list of GET /v1/changes (ids not in it: "member 7").
std::string MemberText(const json& members, std::uint64_t id, bool with_contact = false) {
  for (const json& m : members) {
    if (!m.is_object() || UInt(m, "id") != id) continue;
    std::string out = std::to_string(id) + " (" + Str(m, "name") + ")";
    if (with_contact) out += " <" + Str(m, "contact") + ">";
    return out;
  }
  return "member " + std::to_string(id);
}

std::string IdsText(const json& members, const json& ids) {
  std::string out;
  if (!ids.is_array()) return out;
  for (const json& id : ids) {
    if (!id.is_number_unsigned()) continue;
    if (!out.empty()) out += ", ";
    out += MemberText(members, id.get<std::uint64_t>());
  }
  return out;
}

// The required approvers still missing, one per line with their contact (whom to call).
void PrintMissing(const json& change) {
  const json missing = change.value("missing", json::array());
  if (missing.empty()) {
    std::cout << "missing      none: every required member has approved; the next epoch starts after the block "
                 "that records the last approval\n";
    return;
  }
  bool first = true;
  for (const json& m : missing) {
    if (!m.is_object()) continue;
    std::cout << (first ? "missing      " : "             ") << UInt(m, "id") << " (" << Str(m, "name") << ")  contact: "
              << Str(m, "contact") << "\n";
    first = false;
  }
}

void PrintDiff(const json& change) {
  for (const json& line : change.value("diff", json::array())) {
    if (line.is_string()) std::cout << "  " << line.get<std::string>() << "\n";
  }
}

void PrintLapse(const json& change, std::uint64_t deciding) {
  const std::uint64_t expires = UInt(change, "expires_height");
  std::cout << "lapses at    height " << expires;
  if (deciding != 0 && expires > deciding) std::cout << " (in " << (expires - deciding) << " blocks)";
  std::cout << " unless every missing member approves before\n";
}

Result<json> GetChanges(const std::string& api) { return ApiClient(api).Get("/v1/changes"); }

// Loads each card the flags name, as member.json holds it (checked as `consortium create` does).
Result<std::map<std::string, json>> LoadCards(const ChangeFlags& f) {
  std::vector<std::string> paths = f.add_member;
  if (!f.card.empty()) paths.push_back(f.card);
  std::map<std::string, json> out;
  for (const std::string& path : paths) {
    auto card = node::LoadMemberCard(path);
    if (!card.ok()) return Error{Errc::kMalformed, card.error().message};
    out[path] = json::parse(node::EncodeMemberCard(*card));
  }
  return out;
}

int Propose(const std::string& api, const ChangeFlags& flags, bool json_out) {
  if (Status s = CheckChangeFlags(flags); !s.ok()) return Fail(s.error());
  auto cards = LoadCards(flags);
  if (!cards.ok()) return Fail(cards.error());
  auto changes = GetChanges(api);
  if (!changes.ok()) return Fail(changes.error());
  auto in_force = InForceFromJson(*changes);
  if (!in_force.ok()) return Fail(in_force.error());
  auto body = BuildChangeBody(flags, *in_force, *cards);
  if (!body.ok()) return Fail(body.error());
  auto r = ApiClient(api).Post("/v1/changes", *body);
  if (!r.ok()) return Fail(r.error());
  if (json_out) {
    std::cout << r->dump(2) << "\n";
    return kExitOk;
  }
  const std::string id = Str(*r, "change_id");
  const std::uint64_t epoch = UInt(*r, "epoch");
  std::cout << "proposed     change " << id << "\n"
            << "changes      epoch " << epoch << " (epoch " << epoch + 1 << " starts once every required member approves)\n"
            << "committed    in block " << UInt(r->value("committed", json::object()), "height") << "\n"
            << "diff\n";
  PrintDiff(*r);
  PrintMissing(*r);
  PrintLapse(*r, UInt(r->value("committed", json::object()), "height") + 1);
  for (const json& op : r->value("ops", json::array())) {
    if (!op.is_object() || !op.contains("add_member")) continue;
    const json& add = op["add_member"];
    if (!add.is_object()) continue;
    std::cout << "new member   " << UInt(add, "id") << " (" << Str(add.value("card", json::object()), "name")
              << "): its node.toml needs `member_id = " << UInt(add, "id") << "`\n";
  }
  for (const json& op : r->value("ops", json::array())) {
    if (!op.is_object() || !op.contains("reset_member")) continue;
    const json& reset = op["reset_member"];
    if (!reset.is_object()) continue;
    std::cout << "reset member " << UInt(reset, "id") << " continues as " << UInt(reset, "new_id")
              << ": its node.toml needs the new key and `member_id = " << UInt(reset, "new_id") << "`\n";
  }
  std::cout << "next         each member listed as missing runs: peerdb change approve " << id.substr(0, 16) << "\n";
  return kExitOk;
}

int List(const std::string& api, bool json_out) {
  auto r = GetChanges(api);
  if (!r.ok() || json_out) return PrintJson(r);
  const json& c = *r;
  const json members = c.value("members", json::array());
  std::cout << "epoch        " << UInt(c, "epoch") << " in force since block " << UInt(c, "epoch_start_height")
            << "; deciding block " << UInt(c, "deciding_height") << "\n"
            << "members\n";
  for (const json& m : members) {
    if (!m.is_object()) continue;
    std::cout << "  " << UInt(m, "id") << "  " << Str(m, "name") << "  <" << Str(m, "contact") << ">\n";
  }
  const json pending = c.value("pending", json());
  if (!pending.is_object()) {
    std::cout << "no change pending\n";
    return kExitOk;
  }
  const std::uint64_t epoch = UInt(pending, "epoch");
  std::cout << "pending      change " << Str(pending, "change_id") << "\n"
            << "changes      epoch " << epoch << " -> " << epoch + 1 << "\n"
            << "proposed by  " << MemberText(members, UInt(pending, "proposer")) << " in block " << UInt(pending, "height")
            << "\n"
            << "diff\n";
  PrintDiff(pending);
  const std::string approved = IdsText(members, pending.value("approved", json::array()));
  const std::string heard = IdsText(members, pending.value("heard", json::array()));
  const std::string targets = IdsText(members, pending.value("targets", json::array()));
  std::cout << "approved     " << (approved.empty() ? "nobody yet" : approved) << "\n";
  if (!heard.empty()) std::cout << "approving    " << heard << " (signed, not yet in a block)\n";
  if (!targets.empty()) std::cout << "targets      " << targets << " (removed or reset by it: they do not approve)\n";
  PrintMissing(pending);
  PrintLapse(pending, UInt(c, "deciding_height"));
  return kExitOk;
}

int Approve(const std::string& api, const std::string& arg, bool json_out) {
  json pending;
  if (auto syntax = ResolveChangeId(arg, pending); !syntax.ok() && syntax.error().code == Errc::kMalformed) {
    return Fail(syntax.error());
  }
  if (arg.size() != 64) {
    // A prefix: resolved against the pending change.
    auto changes = GetChanges(api);
    if (!changes.ok()) return Fail(changes.error());
    pending = changes->value("pending", json());
  }
  auto id = ResolveChangeId(arg, pending);
  if (!id.ok()) return Fail(id.error());
  auto r = ApiClient(api).Post("/v1/changes/" + *id + "/approve", json::object());
  if (!r.ok() || json_out) return PrintJson(r);
  std::cout << "approved     change " << *id << "\n";
  PrintMissing(*r);
  return kExitOk;
}

}  // namespace

void AddChangeCommands(CLI::App& app, const Bind& bind, const std::shared_ptr<NodeTarget>& target) {
  CLI::App* change = app.add_subcommand("change", "Propose, list and approve changes of the consortium (members, keys, "
                                                  "parameters, rules)");
  change->require_subcommand(1);

  struct ProposeArgs {
    ChangeFlags flags;
    std::string writers, editors, readers;
    bool json = false;
  };
  auto p = std::make_shared<ProposeArgs>();
  CLI::App* propose = change->add_subcommand(
      "propose", "Propose a change from this member; every member it does not remove must approve it");
  propose->add_option("--add-member", p->flags.add_member,
                      "A new member's card (member.json from peerdb keygen); it gets the next free id (repeatable)");
  propose->add_option("--remove-member", p->flags.remove_member,
                      "Remove member ID; rules naming it are rewritten without it (repeatable)");
  propose->add_option("--rotate-key", p->flags.rotate_key, "Member ID takes the keys of --card");
  propose->add_option("--reset-member", p->flags.reset_member,
                      "Member ID continues under a new id with the keys of --card (PROTOCOL.md §5.4)");
  propose->add_option("--card", p->flags.card, "The new card (peerdb keygen) for --rotate-key or --reset-member");
  propose->add_option("--set-param", p->flags.set_param,
                      "NAME=VALUE, a consortium parameter, e.g. block_period_ms=500 (repeatable; the others stay)");
  propose->add_option("--set-rule", p->flags.set_rule,
                      "NS:MODE: add or replace the rule of namespace NS; MODE append-only, owner-edit or editors-edit");
  CLI::Option* writers = propose->add_option("--writers", p->writers, "IDS (1,2): who may write to --set-rule's NS (default: all members)");
  CLI::Option* editors = propose->add_option("--editors", p->editors, "IDS: who may change or delete others' keys (default: nobody)");
  CLI::Option* readers = propose->add_option("--readers", p->readers, "IDS: who can decrypt an --encrypted NS (default: all members)");
  propose->add_flag("--encrypted", p->flags.encrypted, "--set-rule's namespace is encrypted");
  propose->add_option("--delete-rule", p->flags.delete_rule, "Delete the rule of namespace NS (repeatable)");
  propose->add_option("--expires-in-blocks", p->flags.expires_in_blocks,
                      "The change lapses unless approved within this many blocks (default: the node's, at most "
                      "config_ttl_heights)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  propose->add_flag("--json", p->json, "Print the node's answer as JSON");
  AddNodeTargetOptions(propose, *target);
  bind(propose, WithApi(target, [p, writers, editors, readers](const std::string& api) {
         ChangeFlags flags = p->flags;
         if (writers->count() > 0) flags.writers = p->writers;
         if (editors->count() > 0) flags.editors = p->editors;
         if (readers->count() > 0) flags.readers = p->readers;
         return Propose(api, flags, p->json);
       }));

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = change->add_subcommand("list", "The epoch in force, its members, and the pending change: its diff, who "
                                                  "approved, who is missing (with contacts), when it lapses");
  list->add_flag("--json", *list_json, "Print JSON");
  AddNodeTargetOptions(list, *target);
  bind(list, WithApi(target, [list_json](const std::string& api) { return List(api, *list_json); }));

  struct ApproveArgs {
    std::string id;
    bool json = false;
  };
  auto a = std::make_shared<ApproveArgs>();
  CLI::App* approve = change->add_subcommand("approve", "Approve the pending change as this node's member");
  approve->add_option("change_id", a->id, "CHANGE_ID: the full id, or its first 8 or more hex digits")->required();
  approve->add_flag("--json", a->json, "Print the change as JSON");
  AddNodeTargetOptions(approve, *target);
  bind(approve, WithApi(target, [a](const std::string& api) { return Approve(api, a->id, a->json); }));
}

}  // namespace peerdb::cli
