#include "sim_keys.h"

#include <string>

namespace peerdb::sim {

crypto::SigningKey KeyOf(chain::MemberId id) {
  crypto::SecretSeed seed;
  seed.fill(static_cast<std::uint8_t>(id ^ 0x5a));
  seed[0] = static_cast<std::uint8_t>(id >> 8);
  return crypto::SigningKey::FromSeed(seed);
}

crypto::SigningKey RotatedKeyOf(chain::MemberId id) {
  crypto::SecretSeed seed;
  seed.fill(static_cast<std::uint8_t>(id ^ 0xc3));
  seed[0] = static_cast<std::uint8_t>(id >> 8);
  seed[1] = 0x7f;
  return crypto::SigningKey::FromSeed(seed);
}

chain::Member MemberCard(chain::MemberId id, const crypto::SigningKey& key) {
  chain::Member m;
  m.id = id;
  m.pubkey = key.public_key();
  m.name = "member-" + std::to_string(id);
  m.contact = m.name + "@sim.example";
  return m;
}

chain::TxBatch MakeChangeBatch(const Hash32& chain_id, const crypto::SigningKey& key, chain::MemberId author,
                               std::uint64_t seq, const chain::ConfigChange& change) {
  chain::TxBatch b;
  b.author = author;
  b.seq = seq;
  b.valid_until_height = 1'000'000;
  chain::Op op;
  op.kind = static_cast<std::uint8_t>(chain::OpKind::kConfig);
  op.ns = std::string(chain::kConfigNamespace);
  op.key = std::string(chain::kConfigKey);
  op.value = codec::Encode(change);
  b.ops.push_back(std::move(op));
  chain::SignWith(key, chain_id, b);
  return b;
}

chain::Params SimParams() {
  chain::Params p;
  p.block_period_ms = 200;
  p.heartbeat_ms = 2000;
  p.round_timeout_ms = 600;
  p.max_round_timeout_ms = 2400;
  p.max_future_drift_ms = 2000;
  p.silent_alert_ms = 2000;
  p.k_anchor = 6;
  p.anchor_interval_ms = 3000;
  return p;
}

chain::Genesis MakeGenesis(std::size_t n, const chain::Params& params) {
  chain::Genesis g;
  for (chain::MemberId id = 1; id <= n; ++id) g.config.members.push_back(MemberCard(id, KeyOf(id)));
  chain::Rule rule;
  rule.ns = "ledger";
  rule.mode = static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly);
  g.config.rules.push_back(rule);
  g.config.params = params;
  g.genesis_time_ms = 1'700'000'000'000;
  g.description = "peerdb simulation";
  return g;
}

// GCC 12 with optimisation reports a bogus -Wrestrict inside std::string for `"m" + std::to_string(...)`
// (GCC bug 105329; also 105651). Silenced for this code only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
chain::TxBatch MakeBatch(const Hash32& chain_id, chain::MemberId author, std::uint64_t seq) {
  return MakeBatch(chain_id, KeyOf(author), author, seq);
}

chain::TxBatch MakeBatch(const Hash32& chain_id, const crypto::SigningKey& key, chain::MemberId author, std::uint64_t seq) {
  chain::TxBatch b;
  b.author = author;
  b.seq = seq;
  b.valid_until_height = 1'000'000;
  chain::Op op;
  op.ns = "ledger";
  op.key = "m" + std::to_string(author) + "-" + std::to_string(seq);
  op.value = ToBytes("v" + std::to_string(seq));
  b.ops.push_back(op);
  chain::SignWith(key, chain_id, b);
  return b;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace peerdb::sim
