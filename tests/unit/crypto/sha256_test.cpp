// SHA-256 against the NIST FIPS 180-4 / CAVP short and long message vectors.
#include "peerdb/crypto/sha256.h"

#include <gtest/gtest.h>

namespace peerdb::crypto {
namespace {

TEST(Sha256, NistShortMessageVectors) {
  EXPECT_EQ(Hex(Sha256(AsBytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256(AsBytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256(AsBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Hex(Sha256(AsBytes("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"))),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, NistMillionA) {
  std::string a(1'000'000, 'a');
  EXPECT_EQ(Hex(Sha256(AsBytes(a))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, CavpOneByteMessage) {
  const Bytes msg = {0xd3};
  EXPECT_EQ(Hex(Sha256(msg)), "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1");
}

TEST(Sha256, PartsEqualConcatenation) {
  EXPECT_EQ(Sha256({AsBytes("ab"), AsBytes(""), AsBytes("c")}), Sha256(AsBytes("abc")));
  Sha256Hasher h;
  h.Update(AsBytes("a")).Update(AsBytes("bc"));
  EXPECT_EQ(h.Finish(), Sha256(AsBytes("abc")));
  h.Update(AsBytes("abc"));
  EXPECT_EQ(h.Finish(), Sha256(AsBytes("abc"))) << "Finish must reset the hasher";
}

}  // namespace
}  // namespace peerdb::crypto
