#include "peerdb/node/private_records.h"

#include <algorithm>
#include <map>
#include <optional>

namespace peerdb::node {

Result<std::vector<chain::Op>> SealPrivateOps(const chain::Config& config, const Hash32& chain_id, chain::MemberId author,
                                              const state::StateView& view, std::vector<chain::Op> ops) {
  std::map<std::pair<std::string, std::string>, std::uint64_t> versions;  // written earlier in this request
  // One ephemeral key for the whole request: a reader costs one key agreement, not one per value.
  std::optional<crypto::KeyWrapper> wrapper;
  for (chain::Op& op : ops) {
    const auto kind = static_cast<chain::OpKind>(op.kind);
    if (kind != chain::OpKind::kPut && kind != chain::OpKind::kDel) continue;
    PEERDB_TRY_ASSIGN(const chain::Rule* rule, config.RuleOf(op.ns));
    if (!rule->encrypted) continue;  // nothing to seal: no version to look up either
    auto it = versions.find({op.ns, op.key});
    std::uint64_t version = 0;
    if (it != versions.end()) {
      version = it->second;
    } else {
      PEERDB_TRY_ASSIGN(std::optional<state::KeyState> existing, view.GetKey(op.ns, op.key));
      version = existing ? existing->version : 0;
    }
    versions[{op.ns, op.key}] = version + 1;
    if (kind != chain::OpKind::kPut) continue;
    if (!wrapper) wrapper.emplace();
    PEERDB_TRY_ASSIGN(Bytes sealed, chain::SealValue(config, *rule, chain_id, op.ns, op.key, author, version + 1,
                                                     ByteSpan(op.value), *wrapper));
    if (sealed.size() > chain::kMaxValueBytes) {
      return Error{Errc::kTooLarge, "value of " + op.ns + "/" + op.key + " is " + std::to_string(op.value.size()) +
                                        " bytes; sealed for its readers it would be " + std::to_string(sealed.size()) +
                                        " bytes, above the limit of " + std::to_string(chain::kMaxValueBytes)};
    }
    op.value = std::move(sealed);
    op.ForgetCommitment();
  }
  return ops;
}

chain::EpochState OmitOneReader(const chain::EpochState& state, chain::MemberId self) {
  chain::EpochState out = state;
  for (chain::Rule& r : out.config.rules) {
    if (!r.encrypted) continue;
    if (r.readers.empty()) {
      for (const chain::Member& m : out.config.members) r.readers.push_back(m.id);
    }
    auto victim = std::find_if(r.readers.rbegin(), r.readers.rend(), [&](chain::MemberId id) { return id != self; });
    if (victim != r.readers.rend()) r.readers.erase(std::next(victim).base());
  }
  return out;
}

void CorruptCiphertexts(const chain::Config& config, std::vector<chain::Op>& ops) {
  for (chain::Op& op : ops) {
    auto rule = config.RuleOf(op.ns);
    if (op.kind != static_cast<std::uint8_t>(chain::OpKind::kPut) || !rule.ok() || !(*rule)->encrypted) continue;
    auto envelope = codec::Decode<chain::Envelope>(ByteSpan(op.value));
    if (!envelope.ok() || envelope->ciphertext.empty()) continue;
    envelope->ciphertext.front() ^= 0x01;
    op.value = codec::Encode(*envelope);
    op.ForgetCommitment();
  }
}

Result<PrivateView> OpenForMember(const chain::Rule& rule, const Hash32& chain_id, const std::string& ns,
                                  const std::string& key, chain::MemberId author, chain::MemberId self,
                                  const std::vector<const MemberKey*>& keys, bool deleted, Bytes& value) {
  PrivateView v;
  if (!rule.encrypted || deleted) return v;
  v.encrypted = true;
  v.envelope_hash = chain::EnvelopeHash(ByteSpan(value));
  auto envelope = codec::Decode<chain::Envelope>(ByteSpan(value));
  if (!envelope.ok()) {
    return Error{Errc::kCorrupt, "the stored value of " + ns + "/" + key + " is not an envelope: " + envelope.error().message};
  }
  Error last{Errc::kCorrupt, ""};
  for (const MemberKey* k : keys) {
    auto plain = chain::OpenValue(*envelope, chain_id, ns, key, author, self, k->encryption.public_key, k->encryption.secret_key);
    if (plain.ok()) {
      value = std::move(*plain);
      return v;
    }
    if (plain.error().code == Errc::kNotAReader) {
      v.readable = false;
      value.clear();
      return v;
    }
    last = plain.error();
  }
  return Error{Errc::kCorrupt, "version " + std::to_string(envelope->key_version) + " of " + ns + "/" + key + ", sealed by member " +
                                   std::to_string(author) + ", does not open at member " + std::to_string(self) +
                                   " (the writer's fault): " + last.message};
}

Result<crypto::DataKey> DataKeyForMember(const chain::Envelope& envelope, chain::MemberId self,
                                         const std::vector<const MemberKey*>& keys) {
  Error last{Errc::kCorrupt, "no encryption key"};
  for (const MemberKey* k : keys) {
    auto data_key = chain::OpenEnvelopeKey(envelope, self, k->encryption.public_key, k->encryption.secret_key);
    if (data_key.ok() || data_key.error().code == Errc::kNotAReader) return data_key;
    last = data_key.error();
  }
  return Error{Errc::kCorrupt, "the data key sealed to member " + std::to_string(self) + " does not open: " + last.message};
}

}  // namespace peerdb::node
