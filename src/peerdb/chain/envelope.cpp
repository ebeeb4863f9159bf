#include "peerdb/chain/envelope.h"

#include <algorithm>

#include "peerdb/chain/hashing.h"

namespace peerdb::chain {

namespace {

constexpr std::string_view kEnvelopeTag = "PDB1/envelope";
constexpr std::string_view kEnvelopeAdTag = "PDB1/envelope-ad";
constexpr std::string_view kWrapAdTag = "PDB1/wrap";

// What the associated data encodes (PCE, prefixed by its tag).
struct AdFields {
  Hash32 chain_id{};
  std::string ns;
  std::string key;
  std::uint64_t key_version = 0;
  MemberId author = 0;
  template <class V> void Pce(V& v) {
    v.fixed(chain_id); v.name(ns, kMaxNameBytes); v.str(key, kMaxKeyBytes); v.u64(key_version); v.u32(author);
  }
};

// A wrapped key's associated data: its reader's slot, so a wrapped key moved to another reader's
// entry does not open.
Bytes WrapAd(MemberId reader) {
  Bytes out(kWrapAdTag.size() + 4);
  std::copy(kWrapAdTag.begin(), kWrapAdTag.end(), out.begin());
  for (std::size_t i = 0; i < 4; ++i) out[kWrapAdTag.size() + i] = static_cast<std::uint8_t>(reader >> (24 - 8 * i));  // u32 BE
  return out;
}

std::string IdList(const std::vector<MemberId>& ids) {
  std::string out;
  for (MemberId id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out.empty() ? "none" : out;
}

}  // namespace

std::vector<MemberId> EnvelopeReaders(const Config& config, const Rule& rule, MemberId author) {
  std::vector<MemberId> out = rule.readers;
  if (out.empty()) {
    for (const Member& m : config.members) out.push_back(m.id);
  }
  out.push_back(author);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Bytes EnvelopeAd(const Hash32& chain_id, std::string_view ns, std::string_view key, std::uint64_t key_version,
                 MemberId author) {
  AdFields f{chain_id, std::string(ns), std::string(key), key_version, author};
  Bytes out(kEnvelopeAdTag.begin(), kEnvelopeAdTag.end());
  const Bytes body = codec::Encode(f);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Hash32 EnvelopeHash(ByteSpan value) { return TaggedHashBytes(kEnvelopeTag, value); }

Result<Envelope> CheckEnvelope(const Config& config, const Rule& rule, MemberId author, std::uint64_t next_version,
                               ByteSpan value) {
  auto decoded = codec::Decode<Envelope>(value);
  if (!decoded.ok()) return decoded.error().Context("encrypted value in '" + rule.ns + "' is not an envelope");
  Envelope& e = *decoded;
  if (e.key_version != next_version) {
    return Error{Errc::kConflict, "envelope for version " + std::to_string(e.key_version) + " of a key whose next version is " +
                                     std::to_string(next_version)};
  }
  if (e.ciphertext.size() < crypto::kAeadTagBytes) return Error{Errc::kMalformed, "envelope ciphertext shorter than its tag"};
  const std::vector<MemberId> want = EnvelopeReaders(config, rule, author);
  std::vector<MemberId> have;
  for (const WrappedKey& k : e.keys) have.push_back(k.reader);
  if (have != want) {
    return Error{Errc::kInvalid, "envelope in '" + rule.ns + "' is sealed to members " + IdList(have) +
                                     " but the rule's readers and the author are " + IdList(want)};
  }
  return std::move(e);
}

Result<Bytes> SealValue(const Config& config, const Rule& rule, const Hash32& chain_id, std::string_view ns,
                        std::string_view key, MemberId author, std::uint64_t key_version, ByteSpan plaintext,
                        crypto::KeyWrapper& wrapper) {
  Envelope e;
  e.key_version = key_version;
  e.nonce = crypto::RandomArray<crypto::kAeadNonceBytes>();
  e.ephemeral = wrapper.ephemeral_public();
  const crypto::DataKey data_key = crypto::DataKey::Generate();
  for (MemberId reader : EnvelopeReaders(config, rule, author)) {
    const Member* m = config.FindMember(reader);
    if (!m) return Error{Errc::kInvalid, "reader " + std::to_string(reader) + " of '" + rule.ns + "' is not a member"};
    auto sealed = wrapper.Wrap(m->enc_pubkey, e.nonce, ByteSpan(WrapAd(reader)), data_key);
    if (!sealed.ok()) {
      return Error{Errc::kInvalid, "member " + std::to_string(reader) + " (a reader of '" + rule.ns +
                                       "') has no usable encryption key in the consortium config"};
    }
    e.keys.push_back({reader, *sealed});
  }
  e.ciphertext = crypto::AeadEncrypt(data_key, e.nonce, ByteSpan(EnvelopeAd(chain_id, ns, key, key_version, author)), plaintext);
  return codec::Encode(e);
}

Result<crypto::DataKey> OpenEnvelopeKey(const Envelope& envelope, MemberId self, const Hash32& enc_public,
                                        const Hash32& enc_secret) {
  auto it = std::find_if(envelope.keys.begin(), envelope.keys.end(), [&](const WrappedKey& k) { return k.reader == self; });
  if (it == envelope.keys.end()) {
    return Error{Errc::kNotAReader, "member " + std::to_string(self) + " is not a reader of this record"};
  }
  return crypto::UnwrapDataKey(enc_public, enc_secret, envelope.ephemeral, envelope.nonce, ByteSpan(WrapAd(self)),
                               it->wrapped);
}

Result<Bytes> DecryptEnvelope(const Envelope& envelope, const crypto::DataKey& data_key, const Hash32& chain_id,
                              std::string_view ns, std::string_view key, MemberId author) {
  return crypto::AeadDecrypt(data_key, envelope.nonce,
                             ByteSpan(EnvelopeAd(chain_id, ns, key, envelope.key_version, author)),
                             ByteSpan(envelope.ciphertext));
}

Result<Bytes> OpenValue(const Envelope& envelope, const Hash32& chain_id, std::string_view ns, std::string_view key,
                        MemberId author, MemberId self, const Hash32& enc_public, const Hash32& enc_secret) {
  PEERDB_TRY_ASSIGN(crypto::DataKey data_key, OpenEnvelopeKey(envelope, self, enc_public, enc_secret));
  auto plain = DecryptEnvelope(envelope, data_key, chain_id, ns, key, author);
  if (!plain.ok()) return Error{Errc::kBadSignature, "the envelope's ciphertext does not decrypt with the data key sealed to member " + std::to_string(self)};
  return plain;
}

}  // namespace peerdb::chain
