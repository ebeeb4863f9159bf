// The .ots file (DetachedTimestampFile, OTS.md §1.1): 31-byte magic, major version 1, the file
// hash op (sha1, ripemd160, sha256 or keccak256), the raw file digest, then the timestamp tree
// rooted at that digest, then end of input. Files are capped at kMaxOtsFileSize (1 MiB; real
// proofs are a few KiB) before anything is parsed. Limits and duplicate rules: timestamp_codec.h.
// Errors: kTooLarge, kMalformed (bad magic, non-crypt file hash op, truncated, trailing bytes),
// kBadVersion (major version other than 1), kInvalid, kNotFound / kIo (LoadOtsFile).
// Thread-safety: value type and pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "peerdb/ots/timestamp.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots {

constexpr std::size_t kMaxOtsFileSize = 1u << 20;
constexpr std::array<std::uint8_t, 31> kOtsMagic = {
    0x00, 0x4f, 0x70, 0x65, 0x6e, 0x54, 0x69, 0x6d, 0x65, 0x73, 0x74, 0x61, 0x6d, 0x70, 0x73, 0x00,
    0x00, 0x50, 0x72, 0x6f, 0x6f, 0x66, 0x00, 0xbf, 0x89, 0xe2, 0xe8, 0x84, 0xe8, 0x92, 0x94};
constexpr std::uint8_t kOtsMajorVersion = 1;

struct DetachedTimestampFile {
  OpTag file_hash_op = OpTag::kSha256;
  Timestamp timestamp{Bytes{}};  // its msg() is the file digest

  const Bytes& file_digest() const { return timestamp.msg(); }
};

Result<DetachedTimestampFile> DecodeOtsFile(ByteSpan in, const DecodeLimits& limits = {});
// Canonical bytes; kInvalid if the digest length does not match the hash op, else as EncodeTimestamp.
Result<Bytes> EncodeOtsFile(const DetachedTimestampFile& file);
// Reads (at most kMaxOtsFileSize bytes) and decodes a .ots file.
Result<DetachedTimestampFile> LoadOtsFile(const std::string& path);

}  // namespace peerdb::ots
