// Helpers for the ots tests: paths of the shared vectors (read in place, never copied) and small
// builders for hand-made proofs.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/file.h"

namespace peerdb::ots::testing {

inline std::string VectorPath(const std::string& relative) {
  return std::string(PEERDB_SOURCE_DIR "/../shared/testdata/ots/") + relative;
}
inline std::string ClientExample(const std::string& name) {
  return VectorPath("opentimestamps-client/examples/" + name);
}

inline Bytes ReadVector(const std::string& path) {
  auto bytes = util::ReadFile(path, kMaxOtsFileSize + 1);
  EXPECT_TRUE(bytes.ok()) << path << ": " << (bytes.ok() ? "" : bytes.error().ToString());
  return bytes.ok() ? *bytes : Bytes{};
}

inline Bytes HexBytes(std::string_view hex) {
  auto b = FromHex(hex);
  EXPECT_TRUE(b.ok()) << hex;
  return b.ok() ? *b : Bytes{};
}

inline Bytes Cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// PendingAttestation("foobar") as a leaf child: 00 tag 07 06 "foobar".
inline Bytes PendingLeaf(std::string_view uri = "foobar") {
  Bytes out = {0x00, 0x83, 0xdf, 0xe3, 0x0d, 0x2e, 0xf9, 0x0c, 0x8e,
               static_cast<std::uint8_t>(uri.size() + 1), static_cast<std::uint8_t>(uri.size())};
  out.insert(out.end(), uri.begin(), uri.end());
  return out;
}

inline Bytes EmptyDigest() {
  const Hash32 d = crypto::Sha256(ByteSpan{});
  return Bytes(d.begin(), d.end());
}

// magic, version 1, sha256, sha256("") and then `tree`, as the synthetic vectors are made.
inline Bytes OtsFileWith(ByteSpan tree) {
  Bytes out(kOtsMagic.begin(), kOtsMagic.end());
  out.push_back(0x01);
  out.push_back(0x08);
  const Bytes digest = EmptyDigest();
  out.insert(out.end(), digest.begin(), digest.end());
  out.insert(out.end(), tree.begin(), tree.end());
  return out;
}

}  // namespace peerdb::ots::testing
