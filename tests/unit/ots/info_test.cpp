// The info text equals what the reference client prints (the .info vectors of the JS repository,
// produced by `ots info`).
#include "peerdb/ots/info.h"

#include <gtest/gtest.h>

#include "ots_test_util.h"

namespace peerdb::ots {
namespace {

using testing::ClientExample;
using testing::HexBytes;
using testing::VectorPath;

std::string Info(const std::string& path) {
  auto file = LoadOtsFile(path);
  EXPECT_TRUE(file.ok()) << path;
  return file.ok() ? InfoString(*file) : "";
}

TEST(OtsInfo, MatchesReferenceOutputForLinearAndForkedProofs) {
  for (const char* name : {"incomplete.txt", "merkle2.txt"}) {
    auto expected = util::ReadTextFile(VectorPath(std::string("javascript-opentimestamps/examples/") + name + ".ots.info"), 1 << 16);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(Info(ClientExample(std::string(name) + ".ots")), *expected) << name;
  }
}

TEST(OtsInfo, BitcoinPathShowsTransactionIdAndMerkleRoot) {
  const std::string info = Info(ClientExample("hello-world.txt.ots"));
  EXPECT_NE(info.find("# Transaction id 7e9f0f7d9daa2d9e51b2e22f4abe814c3f90539afa778a9bef88dc64627cb2ec\nsha256\n"),
            std::string::npos);
  EXPECT_NE(info.find("verify BitcoinBlockHeaderAttestation(358391)\n# Bitcoin block merkle root "
                      "8a1b66ecb7cbd07d8139a7e7d7f2c41aab1f5009b8364aaf61d03ad245e47e00\n"),
            std::string::npos);
}

TEST(OtsInfo, UnknownAttestationPrintedAsPythonRepr) {
  const std::string info = Info(ClientExample("unknown-notary.txt.ots"));
  EXPECT_NE(info.find("verify UnknownAttestation(b'\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08', b'" +
                      std::string(46, 'x') + "')"),
            std::string::npos)
      << info;
}

TEST(OtsInfo, TransactionDetection) {
  // version 1, one input (null prevout, empty script, sequence), one output, locktime.
  const Bytes tx = HexBytes("01000000" "01" + std::string(72, '0') + "00" "ffffffff" "01" "0000000000000000" "00" "00000000");
  EXPECT_TRUE(IsBitcoinTransaction(tx));
  Bytes padded = tx;
  padded.push_back(0);
  EXPECT_FALSE(IsBitcoinTransaction(padded));
  EXPECT_FALSE(IsBitcoinTransaction(ByteSpan(tx).first(tx.size() - 1)));
  EXPECT_FALSE(IsBitcoinTransaction(HexBytes("01000000fdffff")));
}

}  // namespace
}  // namespace peerdb::ots
