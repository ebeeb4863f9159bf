// RFC 6962 §2.1 Merkle tree hash with inclusion proofs (PROTOCOL.md §1.2):
// leaf = SHA-256(0x00 || item), node = SHA-256(0x01 || left || right), empty = SHA-256("").
// The split point is the largest power of two below n, so there is no duplicated-last-leaf ambiguity.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "peerdb/util/bytes.h"

namespace peerdb::crypto {

Hash32 MerkleLeafHash(ByteSpan item);
Hash32 MerkleNodeHash(const Hash32& left, const Hash32& right);

// Root over already-hashed leaves (MerkleLeafHash of each item).
Hash32 MerkleRootFromLeaves(const std::vector<Hash32>& leaves);
// Root over raw items.
Hash32 MerkleRoot(const std::vector<Bytes>& items);

// Audit path for leaf `index` (RFC 6962 PATH), bottom-up. REQUIRES: index < leaves.size().
std::vector<Hash32> MerkleInclusionProof(const std::vector<Hash32>& leaves, std::size_t index);
// RFC 9162 §2.1.3.2 verification of an inclusion proof against a root.
[[nodiscard]] bool VerifyMerkleInclusion(const Hash32& leaf_hash, std::size_t index, std::size_t tree_size,
                                         const std::vector<Hash32>& proof, const Hash32& root);

}  // namespace peerdb::crypto
