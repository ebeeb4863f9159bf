// Operations and per-member signed batches (PROTOCOL.md §1.4). Thread-safety: value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/chain/hashing.h"

namespace peerdb::chain {

enum class OpKind : std::uint8_t { kPut = 1, kDel = 2, kConfig = 3 };

struct Op {
  std::uint8_t kind = static_cast<std::uint8_t>(OpKind::kPut);
  std::string ns;
  std::string key;
  Bytes value;

  template <class V> void Pce(V& v) {
    v.u8(kind);
    if constexpr (V::kDecoding) {
      if (v.ok() && (kind < 1 || kind > 3)) v.Fail(Errc::kMalformed, "op kind must be 1, 2 or 3");
    }
    v.name(ns, kMaxNameBytes); v.str(key, kMaxKeyBytes); v.bytes(value, kMaxValueBytes);
  }
  bool operator==(const Op&) const = default;
};

struct TxBatch {
  static constexpr std::string_view kSignTag = tag::kSignBatch;
  std::uint16_t version = codec::kVersion;
  MemberId author = 0;
  std::uint64_t seq = 0;
  std::uint64_t valid_until_height = 0;
  std::vector<Op> ops;
  Sig64 sig{};

  template <class V> void Pce(V& v) {
    v.version(version); v.u32(author); v.u64(seq); v.u64(valid_until_height);
    v.list(ops, kMaxOpsPerBatch); v.sig(sig);
  }
  bool operator==(const TxBatch&) const = default;
  MemberId signer() const { return author; }
};

// Keys are printable ASCII without '/' or spaces, 1..256 bytes: they appear in URLs and logs.
bool IsValidKey(std::string_view key);

// Stateless: kinds, names, keys, sizes, non-empty, seq >= 1. Not signatures (need the config).
Status CheckBatchShape(const TxBatch& batch, const Params& params);

}  // namespace peerdb::chain
