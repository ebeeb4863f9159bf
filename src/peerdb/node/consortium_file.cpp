#include "peerdb/node/consortium_file.h"

#include <sstream>
#include <toml++/toml.h>

#include "peerdb/util/file.h"

namespace peerdb::node {
namespace {
constexpr std::size_t kMaxConsortiumBytes = 1 << 20;

Error Bad(const std::string& what) { return Error{Errc::kConfig, "consortium file: " + what}; }

// GCC 12 with optimisation reports a bogus -Wrestrict inside std::string for the `"text" + std::string(key)`
// messages of these helpers (GCC bug 105329; also 105651). Silenced for them only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
template <class T>
Result<T> GetUint(const toml::table& t, std::string_view key, std::optional<T> fallback = std::nullopt) {
  const auto* node = t.get(key);
  if (!node) {
    if (fallback) return *fallback;
    return Bad("missing '" + std::string(key) + "'");
  }
  const auto v = node->value<std::int64_t>();
  if (!v || *v < 0 || static_cast<std::uint64_t>(*v) > std::numeric_limits<T>::max()) {
    return Bad("'" + std::string(key) + "' must be a non-negative integer in range");
  }
  return static_cast<T>(*v);
}

Result<std::string> GetString(const toml::table& t, std::string_view key, bool required = true) {
  const auto* node = t.get(key);
  if (!node) {
    if (required) return Bad("missing '" + std::string(key) + "'");
    return std::string();
  }
  const auto v = node->value<std::string>();
  if (!v) return Bad("'" + std::string(key) + "' must be a string");
  return *v;
}

Result<Hash32> GetHash(const toml::table& t, std::string_view key) {
  PEERDB_TRY_ASSIGN(std::string hex, GetString(t, key));
  auto h = Hash32FromHex(hex);
  if (!h.ok()) return Bad("'" + std::string(key) + "': " + h.error().message);
  return *h;
}

Result<std::vector<chain::MemberId>> GetIds(const toml::table& t, std::string_view key) {
  std::vector<chain::MemberId> out;
  const auto* node = t.get(key);
  if (!node) return out;
  const auto* arr = node->as_array();
  if (!arr) return Bad("'" + std::string(key) + "' must be an array of member ids");
  for (const auto& el : *arr) {
    const auto v = el.value<std::int64_t>();
    if (!v || *v <= 0 || *v > 0xffffffff) return Bad("'" + std::string(key) + "' holds a bad member id");
    out.push_back(static_cast<chain::MemberId>(*v));
  }
  return out;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

std::string TomlString(std::string_view s) {
  std::ostringstream out;
  out << toml::value<std::string>(std::string(s));
  return out.str();
}

std::string IdList(const std::vector<chain::MemberId>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  return s + "]";
}

Result<Consortium> Parse(const toml::table& root) {
  Consortium c;
  chain::Genesis& g = c.genesis;
  const auto* gen = root["genesis"].as_table();
  if (!gen) return Bad("missing [genesis] table");
  PEERDB_TRY_ASSIGN(g.genesis_time_ms, GetUint<std::uint64_t>(*gen, "genesis_time_ms"));
  PEERDB_TRY_ASSIGN(g.description, GetString(*gen, "description", false));
  PEERDB_TRY_ASSIGN(g.initial_state_root, GetHash(*gen, "initial_state_root"));
  PEERDB_TRY_ASSIGN(std::uint16_t version, GetUint<std::uint16_t>(*gen, "version"));
  if (version != 1) return Bad("unsupported genesis version " + std::to_string(version));

  chain::Params& p = g.config.params;
  const chain::Params d;
  if (const auto* pt = root["params"].as_table()) {
    PEERDB_TRY_ASSIGN(p.block_period_ms, GetUint<std::uint64_t>(*pt, "block_period_ms", d.block_period_ms));
    PEERDB_TRY_ASSIGN(p.heartbeat_ms, GetUint<std::uint64_t>(*pt, "heartbeat_ms", d.heartbeat_ms));
    PEERDB_TRY_ASSIGN(p.round_timeout_ms, GetUint<std::uint64_t>(*pt, "round_timeout_ms", d.round_timeout_ms));
    PEERDB_TRY_ASSIGN(p.max_round_timeout_ms, GetUint<std::uint64_t>(*pt, "max_round_timeout_ms", d.max_round_timeout_ms));
    PEERDB_TRY_ASSIGN(p.max_future_drift_ms, GetUint<std::uint64_t>(*pt, "max_future_drift_ms", d.max_future_drift_ms));
    PEERDB_TRY_ASSIGN(p.k_anchor, GetUint<std::uint32_t>(*pt, "k_anchor", d.k_anchor));
    PEERDB_TRY_ASSIGN(p.anchor_interval_ms, GetUint<std::uint64_t>(*pt, "anchor_interval_ms", d.anchor_interval_ms));
    PEERDB_TRY_ASSIGN(p.silent_alert_ms, GetUint<std::uint64_t>(*pt, "silent_alert_ms", d.silent_alert_ms));
    PEERDB_TRY_ASSIGN(p.max_block_bytes, GetUint<std::uint32_t>(*pt, "max_block_bytes", d.max_block_bytes));
    PEERDB_TRY_ASSIGN(p.max_batch_bytes, GetUint<std::uint32_t>(*pt, "max_batch_bytes", d.max_batch_bytes));
    PEERDB_TRY_ASSIGN(p.config_ttl_heights, GetUint<std::uint64_t>(*pt, "config_ttl_heights", d.config_ttl_heights));
  }

  const auto* members = root["members"].as_array();
  if (!members || members->empty()) return Bad("needs at least one [[members]] entry");
  for (const auto& el : *members) {
    const auto* mt = el.as_table();
    if (!mt) return Bad("[[members]] entries must be tables");
    chain::Member m;
    PEERDB_TRY_ASSIGN(m.id, GetUint<std::uint32_t>(*mt, "id"));
    PEERDB_TRY_ASSIGN(m.name, GetString(*mt, "name"));
    PEERDB_TRY_ASSIGN(m.contact, GetString(*mt, "contact", false));
    PEERDB_TRY_ASSIGN(m.pubkey, GetHash(*mt, "pubkey"));
    PEERDB_TRY_ASSIGN(m.enc_pubkey, GetHash(*mt, "enc_pubkey"));
    if (m.name.size() > chain::kMaxNameBytes || m.contact.size() > chain::kMaxContactBytes) {
      return Bad("member " + std::to_string(m.id) + ": name <= 64 and contact <= 256 bytes");
    }
    PEERDB_TRY_ASSIGN(std::string address, GetString(*mt, "address", false));
    if (!address.empty()) c.addresses[m.id] = address;
    g.config.members.push_back(std::move(m));
  }
  if (const auto* rules = root["rules"].as_array()) {
    for (const auto& el : *rules) {
      const auto* rt = el.as_table();
      if (!rt) return Bad("[[rules]] entries must be tables");
      chain::Rule r;
      PEERDB_TRY_ASSIGN(r.ns, GetString(*rt, "ns"));
      PEERDB_TRY_ASSIGN(r.writers, GetIds(*rt, "writers"));
      PEERDB_TRY_ASSIGN(r.editors, GetIds(*rt, "editors"));
      PEERDB_TRY_ASSIGN(r.readers, GetIds(*rt, "readers"));
      PEERDB_TRY_ASSIGN(std::string mode, GetString(*rt, "mode"));
      auto m = ParseRuleMode(mode);
      if (!m.ok()) return Bad("rule " + r.ns + ": " + m.error().message);
      r.mode = static_cast<std::uint8_t>(*m);
      if (const auto* enc = rt->get("encrypted")) {
        if (!enc->is_boolean()) return Bad("rule " + r.ns + ": encrypted must be true or false");
        r.encrypted = enc->value_or(false);
      }
      g.config.rules.push_back(std::move(r));
    }
  }
  Status s = chain::CheckGenesis(g);
  if (!s.ok()) return Bad(s.error().message);
  c.chain_id = chain::ChainId(g);
  PEERDB_TRY_ASSIGN(Hash32 stated, GetHash(root, "chain_id"));
  if (stated != c.chain_id) {
    return Bad("content does not match its chain_id (stated " + Hex(stated) + ", computed " + Hex(c.chain_id) +
               "): the file was edited or corrupted");
  }
  return c;
}
}  // namespace

Result<chain::RuleMode> ParseRuleMode(std::string_view text) {
  if (text == "append-only") return chain::RuleMode::kAppendOnly;
  if (text == "owner-edit") return chain::RuleMode::kOwnerEdit;
  if (text == "editors-edit") return chain::RuleMode::kEditorsEdit;
  return Error{Errc::kConfig, "mode must be append-only, owner-edit or editors-edit, not '" + std::string(text) + "'"};
}

std::string_view RuleModeName(std::uint8_t mode) {
  switch (mode) {
    case 1: return "append-only";
    case 2: return "owner-edit";
    case 3: return "editors-edit";
  }
  return "unknown";
}

std::string EncodeConsortiumToml(const Consortium& c) {
  const chain::Genesis& g = c.genesis;
  const chain::Params& p = g.config.params;
  std::ostringstream o;
  o << "# PeerDB consortium definition (the genesis). Every member must hold identical content:\n"
    << "# compare chain_id with each member by phone before starting a node.\n"
    << "chain_id = \"" << Hex(c.chain_id) << "\"\n\n"
    << "[genesis]\nversion = " << g.version << "\ngenesis_time_ms = " << g.genesis_time_ms
    << "\ndescription = " << TomlString(g.description) << "\ninitial_state_root = \"" << Hex(g.initial_state_root)
    << "\"\n\n[params]\nblock_period_ms = " << p.block_period_ms << "\nheartbeat_ms = " << p.heartbeat_ms
    << "\nround_timeout_ms = " << p.round_timeout_ms << "\nmax_round_timeout_ms = " << p.max_round_timeout_ms
    << "\nmax_future_drift_ms = " << p.max_future_drift_ms << "\nk_anchor = " << p.k_anchor
    << "\nanchor_interval_ms = " << p.anchor_interval_ms << "\nsilent_alert_ms = " << p.silent_alert_ms
    << "\nmax_block_bytes = " << p.max_block_bytes << "\nmax_batch_bytes = " << p.max_batch_bytes
    << "\nconfig_ttl_heights = " << p.config_ttl_heights << "\n";
  for (const chain::Member& m : g.config.members) {
    o << "\n[[members]]\nid = " << m.id << "\nname = " << TomlString(m.name) << "\ncontact = " << TomlString(m.contact)
      << "\npubkey = \"" << Hex(m.pubkey) << "\"\nenc_pubkey = \"" << Hex(m.enc_pubkey) << "\"\n";
    if (auto it = c.addresses.find(m.id); it != c.addresses.end()) o << "address = " << TomlString(it->second) << "\n";
  }
  for (const chain::Rule& r : g.config.rules) {
    o << "\n[[rules]]\nns = " << TomlString(r.ns) << "\nwriters = " << IdList(r.writers) << "\neditors = "
      << IdList(r.editors) << "\nreaders = " << IdList(r.readers) << "\nmode = \"" << RuleModeName(r.mode)
      << "\"\nencrypted = " << (r.encrypted ? "true" : "false") << "\n";
  }
  return o.str();
}

Result<Consortium> DecodeConsortiumToml(std::string_view text) {
  try {
    toml::table root = toml::parse(text);
    return Parse(root);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << e.description() << " at line " << e.source().begin.line << ", column " << e.source().begin.column;
    return Bad(msg.str());
  } catch (const std::exception& e) {
    return Bad(e.what());
  }
}

Result<Consortium> LoadConsortium(const std::string& path) {
  PEERDB_TRY_ASSIGN(std::string text, util::ReadTextFile(path, kMaxConsortiumBytes));
  auto c = DecodeConsortiumToml(text);
  if (!c.ok()) return Error{c.error().code, path + ": " + c.error().message};
  return c;
}

}  // namespace peerdb::node
