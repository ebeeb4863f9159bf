#include "peerdb/devchain/proof.h"

#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/util/assert.h"

namespace peerdb::devchain {

namespace {
Bytes ToVec(const Hash32& h) { return Bytes(h.begin(), h.end()); }
}  // namespace

Result<Submission> MakeSubmission(ByteSpan digest, std::uint32_t unix_time, ByteSpan mac, const std::string& uri) {
  Submission out;
  out.timestamp = ots::Timestamp(Bytes(digest.begin(), digest.end()));
  const Bytes time_be{static_cast<std::uint8_t>(unix_time >> 24), static_cast<std::uint8_t>(unix_time >> 16),
                      static_cast<std::uint8_t>(unix_time >> 8), static_cast<std::uint8_t>(unix_time)};
  PEERDB_TRY_ASSIGN(ots::Timestamp* const prepended, out.timestamp.AddOp(ots::PrependOp(time_be)));
  PEERDB_TRY_ASSIGN(ots::Timestamp* const macced, prepended->AddOp(ots::AppendOp(Bytes(mac.begin(), mac.end()))));
  PEERDB_TRY(ots::CheckPendingUri(uri));
  macced->AddAttestation(ots::Attestation::Pending(uri));
  out.commitment = macced->msg();
  return out;
}

CalendarTree BuildCalendarTree(std::span<const Bytes> commitments) {
  PEERDB_ASSERT(!commitments.empty());
  CalendarTree tree;
  tree.paths.resize(commitments.size());
  // position[i]: the index of commitment i's node in the current level.
  std::vector<std::size_t> position(commitments.size());
  std::vector<Hash32> level;
  level.reserve(commitments.size());
  for (std::size_t i = 0; i < commitments.size(); ++i) {
    level.push_back(crypto::Sha256(commitments[i]));
    tree.paths[i].push_back(ots::Sha256Op());
    position[i] = i;
  }
  while (level.size() > 1) {
    std::vector<Hash32> next;
    next.reserve(level.size() / 2 + 1);
    for (std::size_t j = 0; j + 1 < level.size(); j += 2) {
      next.push_back(crypto::Sha256({ByteSpan(level[j]), ByteSpan(level[j + 1])}));
    }
    if (level.size() % 2 != 0) next.push_back(level.back());  // carried up, no op
    for (std::size_t i = 0; i < commitments.size(); ++i) {
      const std::size_t j = position[i];
      if (j % 2 == 0 && j + 1 < level.size()) {
        tree.paths[i].push_back(ots::AppendOp(ToVec(level[j + 1])));
        tree.paths[i].push_back(ots::Sha256Op());
      } else if (j % 2 != 0) {
        tree.paths[i].push_back(ots::PrependOp(ToVec(level[j - 1])));
        tree.paths[i].push_back(ots::Sha256Op());
      }
      position[i] = j / 2;
    }
    level = std::move(next);
  }
  tree.root = level[0];
  return tree;
}

std::vector<ots::Op> TxToBlockOps(const CommitmentTx& tx, std::span<const Hash32> block_txids, std::size_t tx_index) {
  PEERDB_ASSERT(tx.root_offset >= 1 && tx.root_offset + 32 < tx.bytes.size());
  const auto root_begin = tx.bytes.begin() + static_cast<std::ptrdiff_t>(tx.root_offset);
  std::vector<ots::Op> ops;
  ops.push_back(ots::PrependOp(Bytes(tx.bytes.begin(), root_begin)));
  ops.push_back(ots::AppendOp(Bytes(root_begin + 32, tx.bytes.end())));
  ops.push_back(ots::Sha256Op());
  ops.push_back(ots::Sha256Op());
  for (const MerkleStep& step : MerkleBranch(block_txids, tx_index)) {
    ops.push_back(step.sibling_on_left ? ots::PrependOp(ToVec(step.sibling)) : ots::AppendOp(ToVec(step.sibling)));
    ops.push_back(ots::Sha256Op());
    ops.push_back(ots::Sha256Op());
  }
  return ops;
}

Result<Bytes> EncodePathProof(ByteSpan msg, std::span<const ots::Op> ops, std::uint64_t height) {
  ots::Timestamp root(Bytes(msg.begin(), msg.end()));
  ots::Timestamp* node = &root;
  for (const ots::Op& op : ops) {
    PEERDB_TRY_ASSIGN(node, node->AddOp(op));
  }
  node->AddAttestation(ots::Attestation::Bitcoin(height));
  return ots::EncodeTimestamp(root);
}

}  // namespace peerdb::devchain
