#include "peerdb/chain/tx.h"

#include <algorithm>

namespace peerdb::chain {

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != '/' && c != '?' && c != '#' && c != '%';
  });
}

Status CheckBatchShape(const TxBatch& batch, const Params& params) {
  if (batch.version != codec::kVersion) return Error{Errc::kBadVersion, "batch version"};
  if (batch.seq == 0) return Error{Errc::kInvalid, "batch seq starts at 1"};
  if (batch.ops.empty()) return Error{Errc::kInvalid, "batch has no operations"};
  std::size_t size = 0;
  for (std::size_t i = 0; i < batch.ops.size(); ++i) {
    const Op& op = batch.ops[i];
    const std::string where = "op " + std::to_string(i) + ": ";
    if (op.kind < 1 || op.kind > 3) return Error{Errc::kMalformed, where + "unknown kind"};
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
    size += op.ns.size() + op.key.size() + op.value.size() + 16;
  }
  if (size > params.max_batch_bytes) {
    return Error{Errc::kTooLarge, "batch of " + std::to_string(size) + " bytes exceeds max_batch_bytes"};
  }
  return Status::Ok();
}

}  // namespace peerdb::chain
