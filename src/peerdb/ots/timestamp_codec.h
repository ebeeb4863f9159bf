// Reading and writing serialized Timestamp trees (OTS.md §1.4), byte-identical to the reference's
// canonical writer: at each node the attestations first (sorted), then the ops sorted by
// (tag, arg); 0xff before every child but the last.
//
// Reading accepts any child order and applies every limit of OTS.md §3: op message/result sizes,
// argument and payload sizes, at most 255 nested ops (256 -> kTooLarge, as the reference's
// RecursionLimitError), URI rules, no trailing bytes inside known attestation payloads, and a cap
// on the bytes the parsed tree retains (messages and arguments, plus a fixed charge per node),
// because one input byte can make a 4096-byte message. Recursion is bounded by the 256 depth limit.
// Duplicates at one node (PeerDB rule): equal attestations collapse; an op that appears twice has
// both subtrees merged into one (the reference keeps only the last subtree, the JS port both), so
// every attestation in the input stays reachable and the re-serialization is canonical.
// Differences from the reference, all rejections of inputs it would take: non-minimal varuints,
// varuints above 2^64-1. Errors: kMalformed (truncated, trailing, unknown tag, bad URI, empty
// arg, non-minimal), kTooLarge (any size or depth limit), kInvalid (an op invalid for its message).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>

#include "peerdb/ots/timestamp.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots {

constexpr std::size_t kMaxNestedOps = 255;  // the reference's recursion limit 256, minus the root
constexpr std::size_t kMaxRetainedBytes = 64u << 20;
constexpr std::size_t kRetainedBytesPerNode = 128;  // charged per node on top of msg and arg bytes

struct DecodeLimits {
  std::size_t max_retained_bytes = kMaxRetainedBytes;
};

// Parses a bare serialized timestamp (as a calendar returns it) rooted at msg; the whole input must
// be consumed.
Result<Timestamp> DecodeTimestamp(ByteSpan in, Bytes msg, const DecodeLimits& limits = {});

// Canonical bytes. kInvalid for a node with neither ops nor attestations, kTooLarge for a tree more
// than 255 ops deep or an attestation payload over 8192 bytes, kMalformed for an invalid URI.
Result<Bytes> EncodeTimestamp(const Timestamp& timestamp);

}  // namespace peerdb::ots
