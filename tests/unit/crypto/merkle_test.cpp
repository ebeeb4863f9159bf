// RFC 6962 Merkle tree: known roots (certificate-transparency reference vectors) and proofs.
#include "peerdb/crypto/merkle.h"

#include <gtest/gtest.h>

#include "peerdb/crypto/sha256.h"

namespace peerdb::crypto {
namespace {

// The 8 leaves of the certificate-transparency reference test (merkle_tree_test.cc).
std::vector<Bytes> CtLeaves() {
  const char* hex[] = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
  std::vector<Bytes> out;
  for (const char* h : hex) out.push_back(*FromHex(h));
  return out;
}

TEST(Merkle, EmptyTreeIsHashOfEmptyString) {
  EXPECT_EQ(MerkleRoot({}), Sha256(ByteSpan()));
}

TEST(Merkle, CertificateTransparencyRoots) {
  const char* roots[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  auto leaves = CtLeaves();
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    std::vector<Bytes> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(Hex(MerkleRoot(prefix)), roots[n - 1]) << "tree size " << n;
  }
}

TEST(Merkle, InclusionProofsVerifyForEveryLeafAndSize) {
  std::vector<Hash32> leaves;
  for (int i = 0; i < 33; ++i) leaves.push_back(MerkleLeafHash(AsBytes(std::to_string(i))));
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    std::vector<Hash32> tree(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n));
    const Hash32 root = MerkleRootFromLeaves(tree);
    for (std::size_t i = 0; i < n; ++i) {
      auto proof = MerkleInclusionProof(tree, i);
      EXPECT_TRUE(VerifyMerkleInclusion(tree[i], i, n, proof, root)) << n << "/" << i;
      EXPECT_FALSE(VerifyMerkleInclusion(tree[i], (i + 1) % n == i ? n : (i + 1) % n, n, proof, root) && n > 1 &&
                   tree[(i + 1) % n] != tree[i]);
      if (!proof.empty()) {
        proof[0][0] ^= 1;
        EXPECT_FALSE(VerifyMerkleInclusion(tree[i], i, n, proof, root));
      }
    }
  }
}

TEST(Merkle, RejectsProofForWrongLeafOrTruncatedPath) {
  std::vector<Hash32> leaves;
  for (int i = 0; i < 7; ++i) leaves.push_back(MerkleLeafHash(AsBytes(std::to_string(i))));
  const Hash32 root = MerkleRootFromLeaves(leaves);
  auto proof = MerkleInclusionProof(leaves, 3);
  EXPECT_FALSE(VerifyMerkleInclusion(leaves[4], 3, 7, proof, root));
  proof.pop_back();
  EXPECT_FALSE(VerifyMerkleInclusion(leaves[3], 3, 7, proof, root));
  EXPECT_FALSE(VerifyMerkleInclusion(leaves[3], 9, 7, MerkleInclusionProof(leaves, 3), root));
}

}  // namespace
}  // namespace peerdb::crypto
