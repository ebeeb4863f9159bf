#include "peerdb/crypto/merkle.h"

#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::crypto {
namespace {
constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;

std::size_t SplitPoint(std::size_t n) {  // largest power of two < n, for n >= 2
  std::size_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

Hash32 RootOf(const Hash32* leaves, std::size_t n) {
  if (n == 1) return leaves[0];
  const std::size_t k = SplitPoint(n);
  return MerkleNodeHash(RootOf(leaves, k), RootOf(leaves + k, n - k));
}

void PathOf(const Hash32* leaves, std::size_t n, std::size_t m, std::vector<Hash32>& out) {
  if (n <= 1) return;
  const std::size_t k = SplitPoint(n);
  if (m < k) {
    PathOf(leaves, k, m, out);
    out.push_back(RootOf(leaves + k, n - k));
  } else {
    PathOf(leaves + k, n - k, m - k, out);
    out.push_back(RootOf(leaves, k));
  }
}
}  // namespace

Hash32 MerkleLeafHash(ByteSpan item) {
  const std::uint8_t prefix = kLeafPrefix;
  return Sha256({ByteSpan(&prefix, 1), item});
}

Hash32 MerkleNodeHash(const Hash32& left, const Hash32& right) {
  const std::uint8_t prefix = kNodePrefix;
  return Sha256({ByteSpan(&prefix, 1), ByteSpan(left), ByteSpan(right)});
}

Hash32 MerkleRootFromLeaves(const std::vector<Hash32>& leaves) {
  if (leaves.empty()) return Sha256(ByteSpan());
  return RootOf(leaves.data(), leaves.size());
}

Hash32 MerkleRoot(const std::vector<Bytes>& items) {
  std::vector<Hash32> leaves;
  leaves.reserve(items.size());
  for (const Bytes& item : items) leaves.push_back(MerkleLeafHash(item));
  return MerkleRootFromLeaves(leaves);
}

std::vector<Hash32> MerkleInclusionProof(const std::vector<Hash32>& leaves, std::size_t index) {
  PEERDB_ASSERT(index < leaves.size());
  std::vector<Hash32> out;
  PathOf(leaves.data(), leaves.size(), index, out);
  return out;
}

bool VerifyMerkleInclusion(const Hash32& leaf_hash, std::size_t index, std::size_t tree_size,
                           const std::vector<Hash32>& proof, const Hash32& root) {
  if (index >= tree_size) return false;
  std::size_t fn = index;
  std::size_t sn = tree_size - 1;
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

}  // namespace peerdb::crypto
