// Test helper for stamp_differential.py:
//   stamp_tree_tool SEED N DIR   stamps N random digests with random nonces (seeded) in one
//                                StampTree, merges a two-calendar answer at the root and writes
//                                DIR/<i>.ots (i = 000000.. in stamp order) with EncodeFileOts.
// Exit 0 on success; 1 if the direct encoding ever differs from encoding FileTimestamp's tree.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/stamp_tree.h"

namespace peerdb::ots {
namespace {

int Main(std::uint64_t seed, std::size_t n, const std::string& dir) {
  std::mt19937_64 rng(seed);
  std::vector<Hash32> digests(n);
  std::vector<StampNonce> nonces(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (auto& b : digests[i]) b = static_cast<std::uint8_t>(rng());
    for (auto& b : nonces[i]) b = static_cast<std::uint8_t>(rng());
  }
  auto tree = StampTree::Build(digests, nonces);
  if (!tree.ok()) return 1;
  Timestamp answer(Bytes(tree->root().begin(), tree->root().end()));
  Timestamp* a = *answer.AddOp(PrependOp(Bytes{0x5a, 0xff, 0xdc, 0x4e}));
  a = *a->AddOp(AppendOp(Bytes(8, static_cast<std::uint8_t>(rng()))));
  a->AddAttestation(Attestation::Pending("https://alice.btc.calendar.opentimestamps.org"));
  Timestamp* b = *answer.AddOp(AppendOp(Bytes(16, static_cast<std::uint8_t>(rng()))));
  b = *b->AddOp(Sha256Op());
  b = *b->AddOp(PrependOp(Bytes{0x5a, 0xff, 0xdc, 0x4f}));
  b->AddAttestation(Attestation::Pending("https://finney.calendar.eternitywall.com"));
  auto root = tree->PrepareRoot(answer);
  if (!root.ok()) return 1;
  for (std::size_t i = 0; i < n; ++i) {
    const Bytes direct = tree->EncodeFileOts(i, *root);
    DetachedTimestampFile file;
    file.timestamp = tree->FileTimestamp(i, answer).value();
    if (direct != *EncodeOtsFile(file)) {
      std::cerr << "file " << i << ": direct encoding differs from the tree's\n";
      return 1;
    }
    char name[32];
    std::snprintf(name, sizeof name, "/%06zu.ots", i);
    std::ofstream(dir + name, std::ios::binary).write(reinterpret_cast<const char*>(direct.data()),
                                                        static_cast<std::streamsize>(direct.size()));
  }
  return 0;
}

}  // namespace
}  // namespace peerdb::ots

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: stamp_tree_tool SEED N DIR\n";
    return 2;
  }
  return peerdb::ots::Main(std::stoull(argv[1]), std::stoull(argv[2]), argv[3]);
}
