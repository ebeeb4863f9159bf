// Operations and per-member signed batches (PROTOCOL.md §1.4). Thread-safety: value types; an Op
// fills its commitment memo on first use, so one Op is read by one thread at a time (a batch is
// handed over between threads, never shared while in use).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/chain/hashing.h"

namespace peerdb::chain {

enum class OpKind : std::uint8_t { kPut = 1, kDel = 2, kConfig = 3, kErase = 4 };

// Batch format 2 (PROTOCOL.md §1.4): ops commit to salted hashes of their values, so a value can be
// erased while every signature and Merkle root still verifies. Format 1 carried values inline.
inline constexpr std::uint16_t kBatchVersion = 2;

using Salt = std::array<std::uint8_t, 16>;

struct Op;
// H("PDB1/value", salt || PCE(bytes value)), or the kept commitment of an erased op. The salt makes
// a guessable value (an amount, a yes/no) unguessable from its commitment. Memoized in the op.
Hash32 ValueCommitment(const Op& op);

// A cached hash that takes no part in its owner's equality (Op::commitment_memo).
struct CommitmentMemo {
  mutable std::optional<Hash32> value;
  bool operator==(const CommitmentMemo&) const { return true; }
};

// An op as signed: kind, ns, key and its value's commitment. The value and its salt travel beside
// the commitment (the "opening"); once the value is erased only the commitment remains.
// Full form: u8 kind, name ns, str key, u8 form, then form 1 = opened (salt[16], bytes value) or
// form 0 = erased (commitment[32]). Committed form (hashes, leaves, sign-bytes): u8 kind, name ns,
// str key, commitment[32].
struct Op {
  std::uint8_t kind = static_cast<std::uint8_t>(OpKind::kPut);
  std::string ns;
  std::string key;
  Bytes value;                   // empty once erased
  Salt salt{};                   // chosen at random by the author's node (FillSalts)
  std::optional<Hash32> erased;  // set once erased: the commitment that stays
  // ValueCommitment's memo: an op's commitment is needed by its signature, its batch id, the
  // batches root and the executor, so it is hashed once instead of at each. Not encoded, not
  // compared. Code that changes `value` or `salt` after the commitment was taken calls
  // ForgetCommitment(); builds without NDEBUG check every reuse against a fresh hash.
  CommitmentMemo commitment_memo;

  template <class V> void Pce(V& v) {
    v.u8(kind);
    if constexpr (V::kDecoding) {
      if (v.ok() && (kind < 1 || kind > 4)) v.Fail(Errc::kMalformed, "op kind must be 1..4");
    }
    v.name(ns, kMaxNameBytes); v.str(key, kMaxKeyBytes);
    if constexpr (V::kDecoding) {
      ForgetCommitment();
      std::uint8_t form = 0;
      v.u8(form);
      if (!v.ok()) return;
      if (form == 1) {
        v.fixed(salt); v.bytes(value, kMaxValueBytes);
      } else if (form == 0) {
        erased.emplace(); v.fixed(*erased);
      } else {
        v.Fail(Errc::kMalformed, "op form must be 0 (erased) or 1 (opened)");
      }
    } else if (v.commitments_only()) {
      const Hash32 commitment = ValueCommitment(*this);
      v.fixed(commitment);
    } else if (erased) {
      v.u8(0); v.fixed(*erased);
    } else {
      v.u8(1); v.fixed(salt); v.bytes(value, kMaxValueBytes);
    }
  }
  bool operator==(const Op&) const = default;
  bool is_erased() const { return erased.has_value(); }
  void ForgetCommitment() { commitment_memo.value.reset(); }
};

// Drops the op's value and salt, keeping its commitment. Idempotent.
void EraseValue(Op& op);
// Gives every op of `ops` a fresh random salt (the author's node, before signing).
void FillSalts(std::vector<Op>& ops);

// The value of an erase op (kind 4): the versions of (ns, key) whose values to erase, strictly
// ascending; empty = every version the key has when the erase executes.
struct EraseSpec {
  static constexpr std::size_t kMaxVersions = 10'000;
  std::vector<std::uint64_t> versions;
  template <class V> void Pce(V& v) { v.sorted_list(versions, kMaxVersions, [](std::uint64_t x) { return x; }); }
  bool operator==(const EraseSpec&) const = default;
};

struct TxBatch {
  static constexpr std::string_view kSignTag = tag::kSignBatch;
  std::uint16_t version = kBatchVersion;
  MemberId author = 0;
  std::uint64_t seq = 0;
  std::uint64_t valid_until_height = 0;
  std::vector<Op> ops;
  Sig64 sig{};

  template <class V> void Pce(V& v) {
    v.version(version, kBatchVersion); v.u32(author); v.u64(seq); v.u64(valid_until_height);
    v.list(ops, kMaxOpsPerBatch); v.sig(sig);
  }
  bool operator==(const TxBatch&) const = default;
  MemberId signer() const { return author; }
};

// Keys are printable ASCII without '/' or spaces, 1..256 bytes: they appear in URLs and logs.
bool IsValidKey(std::string_view key);

// Stateless: kinds, names, keys, sizes, non-empty, seq >= 1, an erase op's spec decodes, config
// and erase ops are never erased themselves. Not signatures (need the config). Erased put and
// delete ops pass: a committed block whose values were erased keeps its shape.
Status CheckBatchShape(const TxBatch& batch, const Params& params);

// A batch offered for a new block must carry every value: nobody could execute or check it
// otherwise. Values are erased only from committed blocks (kInvalid naming the op).
Status CheckBatchOpened(const TxBatch& batch);

}  // namespace peerdb::chain
