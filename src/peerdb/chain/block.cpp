#include "peerdb/chain/block.h"

#include <algorithm>

#include "peerdb/crypto/merkle.h"

namespace peerdb::chain {

RecordSortKey SortKeyOf(const Record& record) {
  return RecordSortKey{static_cast<std::uint8_t>(record.tag()), TaggedHash(tag::kRecord, record)};
}

void SortRecords(std::vector<Record>& records) {
  std::vector<std::pair<RecordSortKey, Record>> keyed;
  keyed.reserve(records.size());
  for (Record& r : records) keyed.emplace_back(SortKeyOf(r), std::move(r));
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  keyed.erase(std::unique(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              keyed.end());
  records.clear();
  for (auto& [k, r] : keyed) records.push_back(std::move(r));
}

Hash32 BlockId(const Header& header) { return TaggedHash(tag::kHeader, header); }
Hash32 MajorityCertHash(const MajorityCert& mc) { return TaggedHash(tag::kMajorityCert, mc); }
Hash32 CheckpointDigest(const Checkpoint& cp) { return TaggedHash(tag::kCheckpoint, cp); }
// Both cover the committed form (codec::EncodeCommitted): erasing a value changes neither.
Hash32 BatchId(const TxBatch& batch) { return TaggedHashCommitted(tag::kBatchId, batch); }
Bytes BatchLeafBytes(const TxBatch& batch) { return codec::EncodeCommitted(batch); }

Hash32 BatchesRoot(const std::vector<TxBatch>& batches) {
  std::vector<Hash32> leaves;
  leaves.reserve(batches.size());
  for (const TxBatch& b : batches) leaves.push_back(crypto::MerkleLeafHash(BatchLeafBytes(b)));
  return crypto::MerkleRootFromLeaves(leaves);
}

Hash32 RecordsRoot(const std::vector<Record>& records) {
  std::vector<Hash32> leaves;
  leaves.reserve(records.size());
  for (const Record& r : records) leaves.push_back(crypto::MerkleLeafHash(codec::Encode(r)));
  return crypto::MerkleRootFromLeaves(leaves);
}

Hash32 JustificationHash(const std::vector<RoundChange>& justification) {
  codec::Writer w;
  w.list(justification, kMaxMembers);
  return TaggedHashBytes(tag::kJustification, w.out());
}

Status CheckBlockShape(const Block& block, const Params& params) {
  const Header& h = block.header;
  // A locally built block must obey the order a decoder enforces, or no peer could decode it.
  for (std::size_t i = 1; i < block.records.size(); ++i) {
    if (!(SortKeyOf(block.records[i - 1]) < SortKeyOf(block.records[i]))) {
      return Error{Errc::kMalformed, "records not strictly sorted by (tag, hash)"};
    }
  }
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < block.batches.size(); ++i) {
    Status s = CheckBatchShape(block.batches[i], params);
    if (!s.ok()) return s.error().Context("batch " + std::to_string(i));
  }
  bytes = codec::EncodedSize(block);
  if (bytes > params.max_block_bytes) return Error{Errc::kTooLarge, "block exceeds max_block_bytes"};
  if (BatchesRoot(block.batches) != h.batches_root) return Error{Errc::kInvalid, "batches_root mismatch"};
  if (RecordsRoot(block.records) != h.records_root) return Error{Errc::kInvalid, "records_root mismatch"};
  return Status::Ok();
}

}  // namespace peerdb::chain
