// Test helper for the differential test against the reference library (ots_differential.py).
//   ots_roundtrip_tool FILE...                 one JSON line per file: {"path", "ok", "hex" (the
//                                              canonical re-serialization), "attestations"
//                                              ([leaf msg hex, attestation text]...), "info"} or
//                                              {"path", "ok": false, "code", "error"}
//   ots_roundtrip_tool --generate SEED N DIR   writes N random proofs DIR/peerdb-<i>.ots built
//                                              through the Timestamp API (forks, every op and
//                                              attestation kind)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/info.h"

namespace peerdb::ots {
namespace {

int Roundtrip(const std::string& path) {
  nlohmann::json out;
  out["path"] = path;
  auto file = LoadOtsFile(path);
  Result<Bytes> bytes = file.ok() ? EncodeOtsFile(*file) : Result<Bytes>(file.error());
  if (!bytes.ok()) {
    out["ok"] = false;
    out["code"] = std::string(ErrcName(bytes.error().code));
    out["error"] = bytes.error().message;
  } else {
    out["ok"] = true;
    out["hex"] = Hex(*bytes);
    nlohmann::json atts = nlohmann::json::array();
    for (const LeafAttestation& leaf : file->timestamp.AllAttestations()) {
      atts.push_back({Hex(leaf.msg), AttestationToString(leaf.attestation)});
    }
    out["attestations"] = atts;
    out["info"] = InfoString(*file);
  }
  std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : m_rng(seed) {}

  std::uint64_t Below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(m_rng); }
  Bytes RandomBytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(Below(256));
    return b;
  }

  Attestation RandomAttestation() {
    static constexpr char kUriChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._/:";
    const std::uint64_t height = Below(4) == 0 ? Below(1ull << 62) : Below(1'000'000);
    switch (Below(5)) {
      case 0: return Attestation::Bitcoin(height);
      case 1: return Attestation::Litecoin(height);
      case 2: return Attestation::Ethereum(height);
      case 3: {
        std::string uri;
        const std::size_t len = Below(60);
        for (std::size_t i = 0; i < len; ++i) uri += kUriChars[Below(sizeof(kUriChars) - 1)];
        return Attestation::Pending(uri);
      }
      default: {
        AttestationTag tag;
        for (auto& x : tag) x = static_cast<std::uint8_t>(Below(256));
        return Attestation::Unknown(tag, RandomBytes(Below(40)));
      }
    }
  }

  Op RandomOp(std::size_t msg_len) {
    for (;;) {
      static constexpr OpTag kTags[] = {OpTag::kSha1,   OpTag::kRipemd160, OpTag::kSha256,  OpTag::kKeccak256,
                                        OpTag::kAppend, OpTag::kPrepend,   OpTag::kReverse, OpTag::kHexlify};
      Op op{kTags[Below(8)], {}};
      if (OpHasArg(op.tag)) op.arg = RandomBytes(1 + Below(Below(8) == 0 ? 300 : 40));
      if (op.tag == OpTag::kHexlify && (msg_len == 0 || msg_len > 300)) continue;
      if ((op.tag == OpTag::kReverse) && msg_len == 0) continue;
      if (msg_len + op.arg.size() > kMaxResultLength) continue;
      return op;
    }
  }

  void Fill(Timestamp& node, std::size_t depth) {
    const std::size_t children = depth >= 7 ? 1 : 1 + Below(depth < 2 ? 3 : 2);
    for (std::size_t i = 0; i < children; ++i) {
      if (depth >= 7 || Below(3) == 0) {
        node.AddAttestation(RandomAttestation());
      } else {
        auto child = node.AddOp(RandomOp(node.msg().size()));
        if (!child.ok()) continue;
        Fill(**child, depth + 1);
      }
    }
    if (node.empty()) node.AddAttestation(RandomAttestation());
  }

  DetachedTimestampFile Make(std::size_t index) {
    static constexpr OpTag kFileOps[] = {OpTag::kSha256, OpTag::kSha256, OpTag::kSha1, OpTag::kRipemd160,
                                         OpTag::kKeccak256};
    DetachedTimestampFile f;
    f.file_hash_op = kFileOps[Below(5)];
    f.timestamp = Timestamp(RandomBytes(CryptDigestLength(f.file_hash_op)));
    Timestamp* start = &f.timestamp;
    if (index % 17 == 0) {  // long chains near the nesting limit
      const std::size_t chain = 200 + Below(49);  // plus at most 7 ops below: <= 255
      for (std::size_t i = 0; i < chain; ++i) start = *start->AddOp(Sha256Op());
    }
    Fill(*start, 0);
    return f;
  }

 private:
  std::mt19937_64 m_rng;
};

int Generate(std::uint64_t seed, std::size_t count, const std::string& dir) {
  Generator gen(seed);
  for (std::size_t i = 0; i < count; ++i) {
    const DetachedTimestampFile f = gen.Make(i);
    auto bytes = EncodeOtsFile(f);
    if (!bytes.ok()) {
      std::cerr << "generate " << i << ": " << bytes.error().ToString() << "\n";
      return 1;
    }
    std::ofstream out(dir + "/peerdb-" + std::to_string(i) + ".ots", std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
    if (!out) return 1;
  }
  return 0;
}

}  // namespace
}  // namespace peerdb::ots

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--generate") {
    return peerdb::ots::Generate(std::stoull(argv[2]), std::stoull(argv[3]), argv[4]);
  }
  for (int i = 1; i < argc; ++i) peerdb::ots::Roundtrip(argv[i]);
  return argc > 1 ? 0 : 2;
}
