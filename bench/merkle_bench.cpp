// RFC 6962 Merkle trees: peerdb::crypto against a hand-written loop over raw EVP (RawSha256).
//   BM_MerkleRoot/<variant>/<items>    root over <items> 64-byte items (leaf + node hashes)
//   BM_MerkleProof/<variant>/<leaves>  inclusion proof from the leaf hashes (no cached tree)
//   BM_MerkleVerify/<variant>/<leaves> checking that proof against the root
// with variants PeerDB, RawReusedCtx (one EVP_MD_CTX, EVP_sha256() as PeerDB uses it) and
// RawFetchedMd (one EVP_MD_CTX, digest fetched once: the cheapest use of EVP).
// The raw versions build the tree bottom-up, pairing neighbours and moving an unpaired last node
// up unchanged: the same tree as RFC 6962's split at the largest power of two below n. Each
// benchmark checks in its setup that both sides agree.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench/raw_sha256.h"
#include "peerdb/crypto/merkle.h"
#include "peerdb/util/assert.h"

namespace peerdb::bench {
namespace {

const std::vector<std::int64_t> kTreeSizes = {1 << 10, 16 << 10, 256 << 10};
constexpr std::size_t kItemBytes = 64;

std::vector<Bytes> MakeItems(std::size_t count) {
  std::vector<Bytes> items(count, Bytes(kItemBytes));
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < kItemBytes; ++j) items[i][j] = static_cast<std::uint8_t>(i * 31 + j * 7);
  }
  return items;
}

std::vector<Hash32> MakeLeaves(const std::vector<Bytes>& items) {
  std::vector<Hash32> leaves;
  leaves.reserve(items.size());
  for (const Bytes& item : items) leaves.push_back(crypto::MerkleLeafHash(item));
  return leaves;
}

// Not a power of two and not at an edge, so the path has both left and right siblings.
std::size_t ProofIndex(std::size_t tree_size) { return tree_size * 2 / 3 + 1; }

// Hashes one level into the next; `out` may alias `in`. Returns the size of the next level.
std::size_t RawHashLevel(RawSha256& hasher, const Hash32* in, std::size_t n, Hash32* out) {
  std::size_t next = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) out[next++] = RawNodeHash(hasher, in[i], in[i + 1]);
  if (n % 2 == 1) out[next++] = in[n - 1];
  return next;
}

Hash32 RawMerkleRoot(RawSha256& hasher, const std::vector<Bytes>& items) {
  std::vector<Hash32> level;
  level.reserve(items.size());
  for (const Bytes& item : items) level.push_back(RawLeafHash(hasher, item));
  std::size_t n = level.size();
  while (n > 1) n = RawHashLevel(hasher, level.data(), n, level.data());
  return level[0];
}

// RFC 6962 PATH(index, leaves), bottom-up: the sibling at each level, skipped where the node on
// the path is an unpaired last node.
std::vector<Hash32> RawInclusionProof(RawSha256& hasher, const std::vector<Hash32>& leaves, std::size_t index) {
  std::vector<Hash32> proof;
  std::vector<Hash32> level((leaves.size() + 1) / 2);
  const Hash32* current = leaves.data();
  std::size_t n = leaves.size();
  while (n > 1) {
    const std::size_t sibling = index ^ 1;
    if (sibling < n) proof.push_back(current[sibling]);
    n = RawHashLevel(hasher, current, n, level.data());
    current = level.data();
    index >>= 1;
  }
  return proof;
}

// RFC 9162 §2.1.3.2, written out over raw hashes.
bool RawVerifyInclusion(RawSha256& hasher, const Hash32& leaf_hash, std::size_t index, std::size_t tree_size,
                        const std::vector<Hash32>& proof, const Hash32& root) {
  if (index >= tree_size) return false;
  std::size_t fn = index;
  std::size_t sn = tree_size - 1;
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return false;
    if (fn % 2 == 1 || fn == sn) {
      r = RawNodeHash(hasher, p, r);
      while (fn % 2 == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = RawNodeHash(hasher, r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

void MerkleRootPeerDB(benchmark::State& state) {
  const std::vector<Bytes> items = MakeItems(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Hash32 root = crypto::MerkleRoot(items);
    benchmark::DoNotOptimize(root);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void MerkleRootRaw(benchmark::State& state, EvpMd md) {
  const std::vector<Bytes> items = MakeItems(static_cast<std::size_t>(state.range(0)));
  RawSha256 hasher(md);
  PEERDB_ASSERT(RawMerkleRoot(hasher, items) == crypto::MerkleRoot(items));
  for (auto _ : state) {
    Hash32 root = RawMerkleRoot(hasher, items);
    benchmark::DoNotOptimize(root);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void MerkleProofPeerDB(benchmark::State& state) {
  const std::vector<Hash32> leaves = MakeLeaves(MakeItems(static_cast<std::size_t>(state.range(0))));
  const std::size_t index = ProofIndex(leaves.size());
  for (auto _ : state) {
    std::vector<Hash32> proof = crypto::MerkleInclusionProof(leaves, index);
    benchmark::DoNotOptimize(proof.data());
  }
}

void MerkleProofRaw(benchmark::State& state, EvpMd md) {
  const std::vector<Hash32> leaves = MakeLeaves(MakeItems(static_cast<std::size_t>(state.range(0))));
  const std::size_t index = ProofIndex(leaves.size());
  RawSha256 hasher(md);
  PEERDB_ASSERT(RawInclusionProof(hasher, leaves, index) == crypto::MerkleInclusionProof(leaves, index));
  for (auto _ : state) {
    std::vector<Hash32> proof = RawInclusionProof(hasher, leaves, index);
    benchmark::DoNotOptimize(proof.data());
  }
}

struct ProofCase {
  std::vector<Hash32> leaves;
  std::size_t index;
  std::vector<Hash32> proof;
  Hash32 root;
};

ProofCase MakeProofCase(std::size_t tree_size) {
  ProofCase c{MakeLeaves(MakeItems(tree_size)), ProofIndex(tree_size), {}, {}};
  c.proof = crypto::MerkleInclusionProof(c.leaves, c.index);
  c.root = crypto::MerkleRootFromLeaves(c.leaves);
  return c;
}

void MerkleVerifyPeerDB(benchmark::State& state) {
  const ProofCase c = MakeProofCase(static_cast<std::size_t>(state.range(0)));
  const Hash32& leaf = c.leaves[c.index];
  PEERDB_ASSERT(crypto::VerifyMerkleInclusion(leaf, c.index, c.leaves.size(), c.proof, c.root));
  for (auto _ : state) {
    bool ok = crypto::VerifyMerkleInclusion(leaf, c.index, c.leaves.size(), c.proof, c.root);
    benchmark::DoNotOptimize(ok);
  }
}

void MerkleVerifyRaw(benchmark::State& state, EvpMd md) {
  const ProofCase c = MakeProofCase(static_cast<std::size_t>(state.range(0)));
  const Hash32& leaf = c.leaves[c.index];
  RawSha256 hasher(md);
  PEERDB_ASSERT(RawVerifyInclusion(hasher, leaf, c.index, c.leaves.size(), c.proof, c.root));
  for (auto _ : state) {
    bool ok = RawVerifyInclusion(hasher, leaf, c.index, c.leaves.size(), c.proof, c.root);
    benchmark::DoNotOptimize(ok);
  }
}

BENCHMARK(MerkleRootPeerDB)->Name("BM_MerkleRoot/PeerDB")->ArgsProduct({kTreeSizes})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(MerkleRootRaw, legacy, EvpMd::kLegacy)->Name("BM_MerkleRoot/RawReusedCtx")->ArgsProduct({kTreeSizes})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(MerkleRootRaw, fetched, EvpMd::kFetched)->Name("BM_MerkleRoot/RawFetchedMd")->ArgsProduct({kTreeSizes})->Unit(benchmark::kMillisecond);
BENCHMARK(MerkleProofPeerDB)->Name("BM_MerkleProof/PeerDB")->ArgsProduct({kTreeSizes})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(MerkleProofRaw, legacy, EvpMd::kLegacy)->Name("BM_MerkleProof/RawReusedCtx")->ArgsProduct({kTreeSizes})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(MerkleProofRaw, fetched, EvpMd::kFetched)->Name("BM_MerkleProof/RawFetchedMd")->ArgsProduct({kTreeSizes})->Unit(benchmark::kMillisecond);
BENCHMARK(MerkleVerifyPeerDB)->Name("BM_MerkleVerify/PeerDB")->ArgsProduct({kTreeSizes});
BENCHMARK_CAPTURE(MerkleVerifyRaw, legacy, EvpMd::kLegacy)->Name("BM_MerkleVerify/RawReusedCtx")->ArgsProduct({kTreeSizes});
BENCHMARK_CAPTURE(MerkleVerifyRaw, fetched, EvpMd::kFetched)->Name("BM_MerkleVerify/RawFetchedMd")->ArgsProduct({kTreeSizes});

}  // namespace
}  // namespace peerdb::bench
