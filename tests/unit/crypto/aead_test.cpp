// crypto::Aead*: XChaCha20-Poly1305 against the draft-irtf-cfrg-xchacha known answer (A.3.1) and
// tampering; wrapped data keys open only with the recipient's key pair, nonce and associated data.
#include "peerdb/crypto/aead.h"

#include <gtest/gtest.h>

#include "peerdb/crypto/ed25519.h"
#include "peerdb/util/bytes.h"

namespace peerdb::crypto {
namespace {

Bytes Unhex(std::string_view h) {
  auto b = FromHex(h);
  EXPECT_TRUE(b.ok()) << h;
  return b.ok() ? *b : Bytes{};
}

TEST(Aead, MatchesTheDraftKnownAnswer) {
  const Bytes key = Unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  AeadNonce nonce{};
  const Bytes n = Unhex("404142434445464748494a4b4c4d4e4f5051525354555657");
  std::copy(n.begin(), n.end(), nonce.begin());
  const Bytes ad = Unhex("50515253c0c1c2c3c4c5c6c7");
  const std::string plaintext =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
  const Bytes expected = Unhex(
      "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b7"
      "2e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
      "c0875924c1c7987947deafd8780acf49");
  const DataKey k = DataKey::FromBytes(ByteSpan(key));
  const Bytes sealed = AeadEncrypt(k, nonce, ByteSpan(ad), AsBytes(plaintext));
  EXPECT_EQ(sealed, expected);
  auto opened = AeadDecrypt(k, nonce, ByteSpan(ad), ByteSpan(sealed));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(AsString(ByteSpan(*opened)), plaintext);
}

TEST(Aead, AnyChangedByteOrOtherContextFailsToDecrypt) {
  const DataKey k = DataKey::Generate();
  const AeadNonce nonce = RandomArray<kAeadNonceBytes>();
  const Bytes ad = ToBytes("chain|ns|key|1");
  const Bytes sealed = AeadEncrypt(k, nonce, ByteSpan(ad), AsBytes("exposure 120000000"));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_EQ(AeadDecrypt(k, nonce, ByteSpan(ad), ByteSpan(bad)).error().code, Errc::kBadSignature) << i;
  }
  EXPECT_FALSE(AeadDecrypt(k, nonce, AsBytes("chain|ns|key|2"), ByteSpan(sealed)).ok());
  EXPECT_FALSE(AeadDecrypt(DataKey::Generate(), nonce, ByteSpan(ad), ByteSpan(sealed)).ok());
  EXPECT_EQ(AeadDecrypt(k, nonce, ByteSpan(ad), ByteSpan(sealed).first(10)).error().code, Errc::kMalformed);
}

TEST(Aead, AWrappedDataKeyOpensOnlyForItsRecipientNonceAndAd) {
  const EncryptionKeyPair reader = EncryptionKeyPair::Generate();
  const EncryptionKeyPair other = EncryptionKeyPair::Generate();
  const DataKey k = DataKey::Generate();
  KeyWrapper wrapper;
  const AeadNonce nonce = RandomArray<kAeadNonceBytes>();
  const Bytes ad = ToBytes("slot 1");
  auto wrapped = wrapper.Wrap(reader.public_key, nonce, ByteSpan(ad), k);
  ASSERT_TRUE(wrapped.ok());
  const Hash32& eph = wrapper.ephemeral_public();
  auto opened = UnwrapDataKey(reader.public_key, reader.secret_key, eph, nonce, ByteSpan(ad), *wrapped);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->bytes(), k.bytes());
  EXPECT_EQ(UnwrapDataKey(other.public_key, other.secret_key, eph, nonce, ByteSpan(ad), *wrapped).error().code,
            Errc::kBadSignature);
  EXPECT_FALSE(UnwrapDataKey(reader.public_key, reader.secret_key, eph, RandomArray<kAeadNonceBytes>(), ByteSpan(ad),
                             *wrapped).ok());
  EXPECT_FALSE(UnwrapDataKey(reader.public_key, reader.secret_key, eph, nonce, AsBytes("slot 2"), *wrapped).ok());
  EXPECT_FALSE(UnwrapDataKey(reader.public_key, reader.secret_key, other.public_key, nonce, ByteSpan(ad), *wrapped).ok());
  for (std::size_t i = 0; i < wrapped->size(); ++i) {
    WrappedKeyBytes bad = *wrapped;
    bad[i] ^= 0x80;
    EXPECT_FALSE(UnwrapDataKey(reader.public_key, reader.secret_key, eph, nonce, ByteSpan(ad), bad).ok()) << i;
  }
  // A low-order "public key" (all zero) is refused, for wrapping and as an ephemeral key.
  EXPECT_EQ(wrapper.Wrap(Hash32{}, nonce, ByteSpan(ad), k).error().code, Errc::kInvalid);
  EXPECT_FALSE(UnwrapDataKey(reader.public_key, reader.secret_key, Hash32{}, nonce, ByteSpan(ad), *wrapped).ok());
}

TEST(Aead, AWrapperAgreesOncePerRecipientAndEveryWrapOpens) {
  const EncryptionKeyPair reader = EncryptionKeyPair::Generate();
  KeyWrapper wrapper;
  for (int i = 0; i < 50; ++i) {
    const DataKey k = DataKey::Generate();
    const AeadNonce nonce = RandomArray<kAeadNonceBytes>();
    auto wrapped = wrapper.Wrap(reader.public_key, nonce, {}, k);
    ASSERT_TRUE(wrapped.ok());
    auto opened = UnwrapDataKey(reader.public_key, reader.secret_key, wrapper.ephemeral_public(), nonce, {}, *wrapped);
    ASSERT_TRUE(opened.ok()) << i;
    EXPECT_EQ(opened->bytes(), k.bytes());
  }
}

TEST(Aead, AMovedFromDataKeyIsWiped) {
  DataKey a = DataKey::Generate();
  const auto copy = a.bytes();
  DataKey b = std::move(a);
  EXPECT_EQ(b.bytes(), copy);
  EXPECT_EQ(a.bytes(), (std::array<std::uint8_t, kDataKeyBytes>{}));  // NOLINT(bugprone-use-after-move): the wipe is the point
}

}  // namespace
}  // namespace peerdb::crypto
