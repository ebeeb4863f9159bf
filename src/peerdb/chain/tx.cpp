#include "peerdb/chain/tx.h"

#include <algorithm>

#include "peerdb/crypto/ed25519.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/util/assert.h"

namespace peerdb::chain {

namespace {

// H(tag::kValue, salt || PCE(bytes value)), hashed as written: no copy of the value.
Hash32 HashOpening(const Op& op) {
  return TaggedHashWritten(tag::kValue, codec::WriteForm::kFull, [&](auto& w) {
    w.fixed(op.salt);
    w.bytes(op.value, kMaxValueBytes);
  });
}

}  // namespace

Hash32 ValueCommitment(const Op& op) {
  if (op.erased) return *op.erased;
  std::optional<Hash32>& memo = op.commitment_memo.value;
  if (memo) {
#ifndef NDEBUG
    PEERDB_ASSERT(*memo == HashOpening(op) && "an op's value or salt changed without ForgetCommitment()");
#endif
    return *memo;
  }
  memo = HashOpening(op);
  return *memo;
}

void EraseValue(Op& op) {
  if (op.erased) return;
  op.erased = ValueCommitment(op);
  op.value.clear();
  op.value.shrink_to_fit();
  op.salt = Salt{};
  op.ForgetCommitment();
}

void FillSalts(std::vector<Op>& ops) {
  for (Op& op : ops) {
    crypto::RandomBytes(op.salt.data(), op.salt.size());
    op.ForgetCommitment();
  }
}

Status CheckBatchOpened(const TxBatch& batch) {
  for (std::size_t i = 0; i < batch.ops.size(); ++i) {
    if (batch.ops[i].is_erased()) {
      return Error{Errc::kInvalid, "op " + std::to_string(i) + " carries no value: values are erased only from committed blocks"};
    }
  }
  return Status::Ok();
}

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != '/' && c != '?' && c != '#' && c != '%';
  });
}

Status CheckBatchShape(const TxBatch& batch, const Params& params) {
  if (batch.version != kBatchVersion) return Error{Errc::kBadVersion, "batch version"};
  if (batch.seq == 0) return Error{Errc::kInvalid, "batch seq starts at 1"};
  if (batch.ops.empty()) return Error{Errc::kInvalid, "batch has no operations"};
  std::size_t size = 0;
  for (std::size_t i = 0; i < batch.ops.size(); ++i) {
    const Op& op = batch.ops[i];
    const std::string where = "op " + std::to_string(i) + ": ";
    if (op.kind < 1 || op.kind > 4) return Error{Errc::kMalformed, where + "unknown kind"};
    if (!codec::IsValidName(op.ns)) return Error{Errc::kMalformed, where + "bad namespace"};
    if (op.kind == static_cast<std::uint8_t>(OpKind::kConfig)) {
      if (op.ns != "_config") return Error{Errc::kInvalid, where + "config ops belong in _config"};
    } else {
      if (op.ns == "_config") return Error{Errc::kInvalid, where + "_config holds only config ops"};
      if (!IsValidKey(op.key)) return Error{Errc::kMalformed, where + "bad key"};
    }
    if (op.kind == static_cast<std::uint8_t>(OpKind::kDel) && !op.value.empty()) {
      return Error{Errc::kInvalid, where + "delete carries no value"};
    }
    if (op.kind == static_cast<std::uint8_t>(OpKind::kConfig) || op.kind == static_cast<std::uint8_t>(OpKind::kErase)) {
      // Every member and auditor needs these values forever: they change the rules and the store.
      if (op.is_erased()) return Error{Errc::kInvalid, where + "config and erase ops are never erased"};
    }
    if (op.kind == static_cast<std::uint8_t>(OpKind::kErase)) {
      if (auto spec = codec::Decode<EraseSpec>(op.value); !spec.ok()) {
        return Error{Errc::kMalformed, where + "erase op value: " + spec.error().message};
      }
    }
    size += op.ns.size() + op.key.size() + op.value.size() + 16;
  }
  if (size > params.max_batch_bytes) {
    return Error{Errc::kTooLarge, "batch of " + std::to_string(size) + " bytes exceeds max_batch_bytes"};
  }
  return Status::Ok();
}

}  // namespace peerdb::chain
