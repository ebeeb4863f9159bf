// peerdb keygen / consortium create / consortium show.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/cli/rule_flags.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/node/identity.h"
#include "peerdb/state/state_tree.h"
#include "peerdb/util/clock.h"
#include "peerdb/util/file.h"
#include "peerdb/util/time_text.h"

namespace peerdb::cli {
namespace {

struct KeygenArgs {
  std::string name, contact, out, address;
};

int Keygen(const KeygenArgs& a) {
  if (a.name.empty() || a.name.size() > chain::kMaxNameBytes) return Fail(Error{Errc::kMalformed, "--name must be 1..64 bytes"});
  if (a.contact.size() > chain::kMaxContactBytes) return Fail(Error{Errc::kMalformed, "--contact must be at most 256 bytes"});
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec) return Fail(Error{Errc::kIo, "cannot create " + a.out + ": " + ec.message()});
  const std::string key_path = a.out + "/member.key";
  const std::string card_path = a.out + "/member.json";
  if (std::filesystem::exists(key_path) || std::filesystem::exists(card_path)) {
    return Fail(Error{Errc::kConflict, a.out + " already holds a member key; refusing to overwrite it"});
  }
  node::MemberKey key = node::GenerateMemberKey();
  node::MemberCard card{a.name, a.contact, key.signing.public_key(), key.encryption.public_key, a.address};
  if (Status s = node::SaveMemberKey(key, key_path); !s.ok()) return Fail(s.error());
  if (Status s = util::WriteFileDurable(card_path, AsBytes(node::EncodeMemberCard(card)), 0644, true); !s.ok()) {
    return Fail(s.error());
  }
  std::cout << "private key: " << key_path << " (mode 0600; keep it secret, back it up)\n"
            << "member card: " << card_path << " (send this to the other members)\n"
            << "public key:  " << Hex(card.pubkey) << "\n";
  return kExitOk;
}

struct CreateArgs {
  std::vector<std::string> cards;
  RuleFlags rules;
  std::string out, description;
  std::uint64_t block_period_ms = 1000;
  std::uint64_t heartbeat_ms = 30000;
  std::uint64_t round_timeout_ms = 2000;
  std::uint64_t silent_alert_ms = 600000;
  std::uint64_t genesis_time_ms = 0;
};

int Create(const CreateArgs& a) {
  node::Consortium c;
  chain::Genesis& g = c.genesis;
  g.genesis_time_ms = a.genesis_time_ms ? a.genesis_time_ms : util::SystemClock().NowMs();
  g.description = a.description;
  g.initial_state_root = state::StateTree().Root();
  g.config.params.block_period_ms = a.block_period_ms;
  g.config.params.heartbeat_ms = a.heartbeat_ms;
  g.config.params.round_timeout_ms = a.round_timeout_ms;
  g.config.params.max_round_timeout_ms = std::max(g.config.params.max_round_timeout_ms, a.round_timeout_ms);
  g.config.params.silent_alert_ms = a.silent_alert_ms;
  chain::MemberId next_id = 1;
  for (const std::string& path : a.cards) {
    auto card = node::LoadMemberCard(path);
    if (!card.ok()) return Fail(card.error());
    // Members find each other by these addresses: without one, the node would refuse to start later.
    if (a.cards.size() > 1 && card->address.empty()) {
      return Fail(Error{Errc::kConfig, path + " has no address, which every member of a consortium of several needs; "
                                              "make the card again with `peerdb keygen ... --address HOST:PORT`"});
    }
    chain::Member m{next_id, card->pubkey, card->enc_pubkey, card->name, card->contact};
    if (!card->address.empty()) c.addresses[next_id] = card->address;
    g.config.members.push_back(m);
    ++next_id;
  }
  auto rules = BuildRules(a.rules, g.config.members.size());
  if (!rules.ok()) return Fail(rules.error());
  g.config.rules = std::move(*rules);
  if (a.description.size() > chain::kMaxDescriptionBytes) return Fail(Error{Errc::kMalformed, "--description is limited to 256 bytes"});
  if (Status s = chain::CheckGenesis(g); !s.ok()) return Fail(s.error());
  c.chain_id = chain::ChainId(g);
  if (Status s = util::WriteFileDurable(a.out, AsBytes(node::EncodeConsortiumToml(c)), 0644, true); !s.ok()) {
    return Fail(s.error());
  }
  std::cout << "consortium: " << a.out << "\nchain id:   " << Hex(c.chain_id) << "\nmembers:    "
            << g.config.members.size() << "\n";
  return kExitOk;
}

// "1 (Bank A), 3 (Bank C)", or `empty` for an empty list (its meaning differs by list).
std::string MembersText(const chain::Config& config, const std::vector<chain::MemberId>& ids, const char* empty) {
  if (ids.empty()) return empty;
  std::string out;
  for (chain::MemberId id : ids) {
    const chain::Member* m = config.FindMember(id);
    out += (out.empty() ? "" : ", ") + std::to_string(id) + (m ? " (" + m->name + ")" : "");
  }
  return out;
}

// The consortium as JSON, for scripts: what the text below shows, with the genesis time in both forms.
void ShowJson(const node::Consortium& c) {
  const chain::Genesis& g = c.genesis;
  nlohmann::json members = nlohmann::json::array();
  for (const chain::Member& m : g.config.members) {
    auto address = c.addresses.find(m.id);
    members.push_back({{"id", m.id}, {"name", m.name}, {"contact", m.contact}, {"pubkey", Hex(m.pubkey)},
                       {"address", address == c.addresses.end() ? nlohmann::json(nullptr) : nlohmann::json(address->second)}});
  }
  nlohmann::json namespaces = nlohmann::json::array();
  for (const chain::Rule& r : g.config.rules) {
    // The lists as the genesis holds them: empty writers or readers = all members, empty editors = nobody.
    namespaces.push_back({{"name", r.ns}, {"mode", node::RuleModeName(r.mode)}, {"encrypted", r.encrypted},
                          {"writers", r.writers}, {"editors", r.editors}, {"readers", r.readers}});
  }
  const nlohmann::json doc = {{"chain_id", Hex(c.chain_id)},
                              {"description", g.description},
                              {"genesis_time_ms", g.genesis_time_ms},
                              {"genesis_time", util::IsoUtcTime(g.genesis_time_ms)},
                              {"majority", g.config.Majority()},
                              {"members", std::move(members)},
                              {"namespaces", std::move(namespaces)}};
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

int Show(const std::string& path, bool json) {
  auto c = node::LoadConsortium(path);
  if (!c.ok()) return Fail(c.error());
  if (json) {
    ShowJson(*c);
    return kExitOk;
  }
  const chain::Genesis& g = c->genesis;
  std::cout << "chain id: " << Hex(c->chain_id) << "\n";
  if (!g.description.empty()) std::cout << "description: " << g.description << "\n";
  std::cout << "created: " << util::UtcTimeText(g.genesis_time_ms / 1000) << " (" << g.genesis_time_ms << " ms)\n"
            << "majority: " << g.config.Majority() << " of " << g.config.members.size() << " members\n\nmembers:\n";
  for (const chain::Member& m : g.config.members) {
    std::cout << "  " << m.id << "  " << m.name << "  <" << m.contact << ">\n      key " << Hex(m.pubkey);
    if (auto it = c->addresses.find(m.id); it != c->addresses.end()) std::cout << "  at " << it->second;
    std::cout << "\n";
  }
  std::cout << "\nnamespaces:\n";
  for (const chain::Rule& r : g.config.rules) {
    std::cout << "  " << r.ns << "  " << node::RuleModeName(r.mode) << (r.encrypted ? "  encrypted" : "") << "\n"
              << "      writers: " << MembersText(g.config, r.writers, "all members") << "\n"
              << "      editors: " << MembersText(g.config, r.editors, "none") << "\n"
              << "      readers: " << MembersText(g.config, r.readers, "all members") << "\n";
  }
  std::cout << "\nRead the chain id to every other member by phone: all must hold the same.\n";
  return kExitOk;
}

}  // namespace

void AddIdentityCommands(CLI::App& app, const Bind& bind) {
  auto keygen = std::make_shared<KeygenArgs>();
  CLI::App* k = app.add_subcommand("keygen", "Create a member key (private) and member card (public)");
  k->add_option("--name", keygen->name, "Member display name, e.g. \"Bank A\"")->required();
  k->add_option("--contact", keygen->contact, "Who to call when this member is silent (shown in alerts)")->required();
  k->add_option("--out", keygen->out, "Directory for member.key and member.json")->required();
  k->add_option("--address", keygen->address, "host:port where this member's node accepts peers");
  bind(k, [keygen] { return Keygen(*keygen); });

  CLI::App* cons = app.add_subcommand("consortium", "Create or inspect the consortium definition (genesis)");
  cons->require_subcommand(1);
  auto create = std::make_shared<CreateArgs>();
  CLI::App* c = cons->add_subcommand("create", "Build consortium.toml from member cards");
  c->add_option("--member", create->cards, "A member card (member.json); repeat for each member, in id order")
      ->required()->check(CLI::ExistingFile);
  c->add_option("--namespace", create->rules.namespaces,
                "NAME[:MODE[:encrypted]]; MODE append-only, owner-edit (default) or editors-edit; repeatable "
                "(default: one namespace, main)");
  c->add_option("--writers", create->rules.writers,
                "NAME=ID[,ID...]: only these members may write to NAME (default: all members); ids are 1, 2, ... "
                "in --member order; once per NAME");
  c->add_option("--editors", create->rules.editors,
                "NAME=ID[,ID...]: these members may change or delete existing keys of NAME, others' too; in "
                "editors-edit, only they may (default: nobody); once per NAME");
  c->add_option("--readers", create->rules.readers,
                "NAME=ID[,ID...]: the members who can decrypt NAME, an encrypted namespace (default: all members); "
                "once per NAME");
  c->add_option("--block-period-ms", create->block_period_ms, "Minimum time between blocks")->check(CLI::Range(1, 3600000));
  c->add_option("--heartbeat-ms", create->heartbeat_ms, "An empty block at least this often")->check(CLI::Range(1, 86400000));
  c->add_option("--round-timeout-ms", create->round_timeout_ms, "How long a round waits for its proposer before moving on")
      ->check(CLI::Range(10, 600000));
  c->add_option("--silent-alert-ms", create->silent_alert_ms, "Alert (A4) when a member has not sealed for this long")
      ->check(CLI::Range(100, 86400000));
  c->add_option("--genesis-time-ms", create->genesis_time_ms, "Genesis timestamp (default: now)");
  c->add_option("--description", create->description, "Free text committed in the genesis");
  c->add_option("--out", create->out, "Output file (never overwritten)")->required();
  bind(c, [create] { return Create(*create); });

  auto show_path = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  CLI::App* s = cons->add_subcommand("show", "Print the chain id, members and namespace rules of a consortium file");
  s->add_option("consortium", *show_path, "consortium.toml")->required();
  s->add_flag("--json", *show_json, "Print JSON");
  bind(s, [show_path, show_json] { return Show(*show_path, *show_json); });
}

}  // namespace peerdb::cli
