// Ed25519 against RFC 8032 §7.1 test vectors, plus strict-verification rejections.
#include "peerdb/crypto/ed25519.h"

#include <gtest/gtest.h>

namespace peerdb::crypto {
namespace {

struct Rfc8032Vector {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1 TEST 1, TEST 2, TEST 3 and TEST SHA(abc).
const Rfc8032Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

TEST(Ed25519, Rfc8032Vectors) {
  for (const auto& v : kVectors) {
    SecretSeed seed;
    auto sk = FromHex(v.secret);
    ASSERT_TRUE(sk.ok());
    std::copy(sk->begin(), sk->end(), seed.begin());
    SigningKey key = SigningKey::FromSeed(seed);
    EXPECT_EQ(Hex(key.public_key()), v.public_key);
    auto msg = FromHex(v.message);
    ASSERT_TRUE(msg.ok());
    Sig64 sig = key.Sign(*msg);
    EXPECT_EQ(Hex(sig), v.signature);
    EXPECT_TRUE(VerifySignature(key.public_key(), *msg, sig));
  }
}

TEST(Ed25519, RejectsAlteredMessageAndSignature) {
  SigningKey key = SigningKey::Generate();
  Bytes msg = ToBytes("peerdb");
  Sig64 sig = key.Sign(msg);
  ASSERT_TRUE(VerifySignature(key.public_key(), msg, sig));
  msg[0] ^= 1;
  EXPECT_FALSE(VerifySignature(key.public_key(), msg, sig));
  msg[0] ^= 1;
  sig[10] ^= 0x40;
  EXPECT_FALSE(VerifySignature(key.public_key(), msg, sig));
}

TEST(Ed25519, RejectsNonCanonicalS) {
  // S + L (group order) is a malleated signature that lax verifiers accept; strict ones must not.
  SigningKey key = SigningKey::Generate();
  Bytes msg = ToBytes("malleability");
  Sig64 sig = key.Sign(msg);
  static const std::uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                      0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    unsigned s = sig[32 + i] + kL[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(s);
    carry = s >> 8;
  }
  EXPECT_FALSE(VerifySignature(key.public_key(), msg, sig));
}

TEST(Ed25519, RejectsSmallOrderPublicKey) {
  PublicKey identity{};
  identity[0] = 1;  // the neutral element: every "signature" with R = identity, S = 0 would pass laxly
  Sig64 sig{};
  sig[0] = 1;
  EXPECT_FALSE(VerifySignature(identity, ToBytes("x"), sig));
}

TEST(Ed25519, SeedRoundTrip) {
  SigningKey a = SigningKey::Generate();
  SigningKey b = SigningKey::FromSeed(a.seed());
  EXPECT_EQ(a.public_key(), b.public_key());
  EXPECT_NE(SigningKey::Generate().public_key(), a.public_key());
}

}  // namespace
}  // namespace peerdb::crypto
