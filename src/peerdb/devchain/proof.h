// The OpenTimestamps paths a calendar hands out (OTS.md §1.6, §2.2), built exactly as the
// reference calendar and python-opentimestamps build them:
//   submission: digest -> prepend <4-byte big-endian unix time> -> append <8-byte MAC>
//               -> PendingAttestation(calendar URL); the result is the commitment;
//   calendar tree: leaves sha256(commitment), pairs joined by append/prepend + sha256, a lone last
//               node carried up unchanged (make_merkle_tree with cat_sha256);
//   transaction: root -> prepend <tx bytes before it> -> append <tx bytes after> -> sha256 -> sha256
//               (the txid), then per block merkle level append|prepend <sibling> -> sha256 -> sha256
//               (the lone last node paired with itself) -> BitcoinBlockHeaderAttestation(height).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "peerdb/devchain/bitcoin_tx.h"
#include "peerdb/devchain/miner.h"
#include "peerdb/ots/op.h"
#include "peerdb/ots/timestamp.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::devchain {

constexpr std::size_t kCalendarMacSize = 8;

// The bare timestamp a calendar returns for a submitted digest: prepend(time_be32), append(mac),
// PendingAttestation(uri). Also gives the commitment (the message at the attestation).
struct Submission {
  ots::Timestamp timestamp{Bytes{}};
  Bytes commitment;
};
Result<Submission> MakeSubmission(ByteSpan digest, std::uint32_t unix_time, ByteSpan mac, const std::string& uri);

// The calendar merkle tree over commitments (in the given order): its root and, per commitment,
// the ops from the commitment to the root (starting with sha256). REQUIRES: commitments not empty.
struct CalendarTree {
  Hash32 root{};
  std::vector<std::vector<ots::Op>> paths;
};
CalendarTree BuildCalendarTree(std::span<const Bytes> commitments);

// The ops from a 32-byte message inside tx bytes (at root_offset) to the block merkle root, for
// the transaction at tx_index of a block whose txids are given.
std::vector<ots::Op> TxToBlockOps(const CommitmentTx& tx, std::span<const Hash32> block_txids, std::size_t tx_index);

// A serialized bare timestamp: msg, then each op in turn, then BitcoinBlockHeaderAttestation(height).
Result<Bytes> EncodePathProof(ByteSpan msg, std::span<const ots::Op> ops, std::uint64_t height);

}  // namespace peerdb::devchain
