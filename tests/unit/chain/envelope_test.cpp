// chain::Envelope (PROTOCOL.md §1.4): strict decoding (sorted readers, exact wrapped-key size), the
// readers a value must be sealed to, and opening: each reader only, many values under one wrapper.
#include "peerdb/chain/envelope.h"

#include <gtest/gtest.h>

namespace peerdb::chain {
namespace {

Config ThreeMembers() {
  Config c;
  for (MemberId id : {1u, 2u, 4u}) {
    Member m;
    m.id = id;
    m.enc_pubkey = crypto::EncryptionKeyPair::Generate().public_key;
    c.members.push_back(m);
  }
  return c;
}

// Members 1..n with fresh encryption key pairs; keys[id - 1] is member id's.
Config MembersWithKeys(std::uint32_t n, std::vector<crypto::EncryptionKeyPair>& keys) {
  Config c;
  for (MemberId id = 1; id <= n; ++id) {
    keys.push_back(crypto::EncryptionKeyPair::Generate());
    Member m;
    m.id = id;
    m.enc_pubkey = keys.back().public_key;
    c.members.push_back(m);
  }
  return c;
}

TEST(Envelope, ReadersAreTheRulesReadersOrEveryMemberPlusTheAuthor) {
  const Config c = ThreeMembers();
  Rule r;
  r.ns = "x";
  EXPECT_EQ(EnvelopeReaders(c, r, 2), (std::vector<MemberId>{1, 2, 4}));
  r.readers = {4};
  EXPECT_EQ(EnvelopeReaders(c, r, 2), (std::vector<MemberId>{2, 4}));
  EXPECT_EQ(EnvelopeReaders(c, r, 4), (std::vector<MemberId>{4}));
}

TEST(Envelope, DecodingRefusesUnsortedReadersAndShortWrappedKeys) {
  Envelope e;
  e.key_version = 1;
  e.ciphertext = Bytes(20, 7);
  e.keys = {{1, {}}, {2, {}}};
  e.keys[0].wrapped.fill(1);
  e.keys[1].wrapped.fill(2);
  ASSERT_TRUE(codec::Decode<Envelope>(codec::Encode(e)).ok());
  Envelope unsorted = e;
  std::swap(unsorted.keys[0], unsorted.keys[1]);
  EXPECT_EQ(codec::Decode<Envelope>(codec::Encode(unsorted)).error().code, Errc::kMalformed);
  Bytes short_key = codec::Encode(e);
  short_key.pop_back();  // the last wrapped key one byte short
  EXPECT_EQ(codec::Decode<Envelope>(short_key).error().code, Errc::kMalformed);
  Bytes trailing = codec::Encode(e);
  trailing.push_back(0);
  EXPECT_FALSE(codec::Decode<Envelope>(trailing).ok());
}

TEST(Envelope, SealingRefusesAReaderWithoutAnEncryptionKey) {
  Config c = ThreeMembers();
  c.members[1].enc_pubkey = Hash32{};  // member 2 never published one
  Rule r;
  r.ns = "x";
  r.encrypted = true;
  crypto::KeyWrapper wrapper;
  auto sealed = SealValue(c, r, Hash32{}, "x", "k", 1, 1, AsBytes("v"), wrapper);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.error().message, "member 2 (a reader of 'x') has no usable encryption key in the consortium config");
}

TEST(Envelope, ACheckedEnvelopeOpensForEachReaderOnly) {
  std::vector<crypto::EncryptionKeyPair> keys;
  const Config c = MembersWithKeys(3, keys);
  Rule r;
  r.ns = "exposures";
  r.encrypted = true;
  r.readers = {3};
  const Hash32 chain_id{9};
  crypto::KeyWrapper wrapper;
  auto value = SealValue(c, r, chain_id, "exposures", "k", 1, 1, AsBytes("secret figure"), wrapper);
  ASSERT_TRUE(value.ok());
  auto e = CheckEnvelope(c, r, 1, 1, ByteSpan(*value));
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  for (MemberId id : {1u, 3u}) {
    auto plain = OpenValue(*e, chain_id, "exposures", "k", 1, id, keys[id - 1].public_key, keys[id - 1].secret_key);
    ASSERT_TRUE(plain.ok()) << id;
    EXPECT_EQ(AsString(ByteSpan(*plain)), "secret figure");
  }
  EXPECT_EQ(OpenValue(*e, chain_id, "exposures", "k", 1, 2, keys[1].public_key, keys[1].secret_key).error().code,
            Errc::kNotAReader);
  // Another chain, version or author: the associated data differs.
  EXPECT_FALSE(OpenValue(*e, Hash32{8}, "exposures", "k", 1, 3, keys[2].public_key, keys[2].secret_key).ok());
  EXPECT_FALSE(OpenValue(*e, chain_id, "exposures", "k", 2, 3, keys[2].public_key, keys[2].secret_key).ok());
  Envelope later = *e;
  later.key_version = 2;
  EXPECT_FALSE(OpenValue(later, chain_id, "exposures", "k", 1, 3, keys[2].public_key, keys[2].secret_key).ok());
  // A wrapped key moved into another reader's slot, or another ephemeral key: nothing opens.
  Envelope swapped = *e;
  swapped.keys[0].wrapped = e->keys[1].wrapped;  // reader 1's slot holds reader 3's wrapped key
  EXPECT_EQ(OpenValue(swapped, chain_id, "exposures", "k", 1, 1, keys[0].public_key, keys[0].secret_key).error().code,
            Errc::kBadSignature);
  Envelope other_ephemeral = *e;
  other_ephemeral.ephemeral = crypto::EncryptionKeyPair::Generate().public_key;
  EXPECT_FALSE(OpenValue(other_ephemeral, chain_id, "exposures", "k", 1, 3, keys[2].public_key, keys[2].secret_key).ok());
}

TEST(Envelope, OneWrapperSealsManyValuesThatEachOpenAlone) {
  std::vector<crypto::EncryptionKeyPair> keys;
  const Config c = MembersWithKeys(2, keys);
  Rule r;
  r.ns = "x";
  r.encrypted = true;
  crypto::KeyWrapper wrapper;
  std::vector<Envelope> sealed;
  for (int i = 0; i < 20; ++i) {
    auto value = SealValue(c, r, Hash32{}, "x", "k" + std::to_string(i), 1, 1, AsBytes("v" + std::to_string(i)), wrapper);
    ASSERT_TRUE(value.ok());
    sealed.push_back(*CheckEnvelope(c, r, 1, 1, ByteSpan(*value)));
    EXPECT_EQ(sealed.back().ephemeral, wrapper.ephemeral_public());
  }
  EXPECT_NE(sealed[0].nonce, sealed[1].nonce);
  EXPECT_NE(sealed[0].keys[1].wrapped, sealed[1].keys[1].wrapped);
  for (int i = 0; i < 20; ++i) {
    auto plain = OpenValue(sealed[i], Hash32{}, "x", "k" + std::to_string(i), 1, 2, keys[1].public_key, keys[1].secret_key);
    ASSERT_TRUE(plain.ok()) << i;
    EXPECT_EQ(AsString(ByteSpan(*plain)), "v" + std::to_string(i));
  }
  // A second wrapper uses a fresh ephemeral key.
  crypto::KeyWrapper another;
  EXPECT_NE(another.ephemeral_public(), wrapper.ephemeral_public());
}

}  // namespace
}  // namespace peerdb::chain
