// A disclosure (`peerdb disclose`): one version of a record, its plaintext, the data key that opens
// its envelope, and the proof that this exact envelope is in a block the members agreed on, so that an outsider who holds only the genesis consortium file
// (a court, an administrator) can check it offline (audit::VerifyDisclosure).
//
// What proves what:
// - the record's signed batch, with its RFC 6962 path to the block's batches_root;
// - the block's header with its majority certificate, and the seals the disclosing node holds;
// - the config in force at that height, derived from the genesis by replaying, under each epoch's
//   own rules (chain::AdvanceEpoch), only the governance items that made it: each activated
//   change's `_config` batch and its ConfigApprove and Evidence records, each with its Merkle path
//   and its block's header and certificate. Leaving one out can only make an activation look
//   incomplete, so a disclosure that omits one fails; it never derives another config.
// - once an anchor covers the block: the headers from the block up to the anchored checkpoint's
//   (linked by parent ids), the checkpoint and its anchor record (AnchorProof), checked as
//   `peerdb audit` checks anchors, against Bitcoin headers when the verifier has a source.
//
// The file is the 8-byte magic "PDBDISC1" followed by the canonical PCE encoding of Disclosure:
// any byte changed either fails decoding or changes something a signature, a hash or the
// ciphertext's tag covers (except inside an OpenTimestamps proof, whose branches other than the
// Bitcoin one no check reads). Format: docs/formats.md.
// What it reveals beyond the record: the keys of the other ops of the same signed batch (their
// values erased from the copy: only commitments), and the headers of the blocks it names.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/util/result.h"

namespace peerdb::chain {

inline constexpr std::string_view kDisclosureMagic = "PDBDISC1";
inline constexpr std::size_t kMaxDisclosureBytes = 32u << 20;
inline constexpr std::size_t kMaxDisclosedBlocks = 100'000;   // governance blocks
inline constexpr std::size_t kMaxMerklePath = 64;

// One batch of a block with its audit path to batches_root (leaf: MerkleLeafHash(PCE(batch))).
struct ProvenBatch {
  TxBatch batch;
  std::uint32_t index = 0;
  std::uint32_t count = 0;  // batches in the block
  std::vector<Hash32> path;
  template <class V> void Pce(V& v) { v.item(batch); v.u32(index); v.u32(count); v.list(path, kMaxMerklePath); }
  bool operator==(const ProvenBatch&) const = default;
};

// One record of a block with its audit path to records_root.
struct ProvenRecord {
  Record record;
  std::uint32_t index = 0;
  std::uint32_t count = 0;  // records in the block
  std::vector<Hash32> path;
  template <class V> void Pce(V& v) { v.item(record); v.u32(index); v.u32(count); v.list(path, kMaxMerklePath); }
  bool operator==(const ProvenRecord&) const = default;
};

// A block shown by its header and majority certificate, with the items of its body that matter.
struct ProvenBlock {
  Header header;
  MajorityCert cert;
  std::vector<ProvenBatch> batches;   // by index
  std::vector<ProvenRecord> records;  // by index
  template <class V> void Pce(V& v) {
    v.item(header); v.item(cert);
    v.sorted_list(batches, kMaxBatchesPerBlock, [](const ProvenBatch& b) { return b.index; });
    v.sorted_list(records, kMaxRecordsPerBlock, [](const ProvenRecord& r) { return r.index; });
  }
  bool operator==(const ProvenBlock&) const = default;
};

// The anchor that fixes the record's block, once one does: the headers from the block up to the
// anchored checkpoint's, each the parent of the next, so the checkpoint's block id commits to the
// record's block; the checkpoint; and its anchor record with the OpenTimestamps proof.
struct AnchorProof {
  std::vector<Header> headers;  // heights block + 1 .. checkpoint.h, ascending
  Checkpoint checkpoint;
  AnchorRecord anchor;
  template <class V> void Pce(V& v) { v.list(headers, kMaxDisclosedBlocks); v.item(checkpoint); v.item(anchor); }
  bool operator==(const AnchorProof&) const = default;
};

// Version 2: batches of chain format 2 (other ops erased), and the anchor.
inline constexpr std::uint16_t kDisclosureVersion = 2;

struct Disclosure {
  std::uint16_t version = kDisclosureVersion;
  Hash32 chain_id{};
  std::vector<ProvenBlock> governance;  // ascending heights, below the block (below the anchored checkpoint, with one)
  ProvenBlock block;                    // the record's block; batches = exactly the record's batch
  std::uint32_t op_index = 0;           // the record's op in that batch
  Bytes plaintext;                      // the value as written
  Hash32 data_key{};                    // opens the envelope; all zero for a plain namespace
  Checkpoint seals;                     // the seals on the block the disclosing node holds
  std::optional<AnchorProof> anchor;    // absent while no anchor covers the block
  template <class V> void Pce(V& v) {
    v.version(version, kDisclosureVersion); v.fixed(chain_id); v.list(governance, kMaxDisclosedBlocks); v.item(block);
    v.u32(op_index); v.bytes(plaintext, kMaxValueBytes); v.fixed(data_key); v.item(seals); v.opt(anchor);
  }
  bool operator==(const Disclosure&) const = default;
};

// The file: magic || PCE(disclosure).
Bytes EncodeDisclosureFile(const Disclosure& disclosure);
// Errors: kMalformed ("not a PeerDB disclosure file", or where decoding failed), kTooLarge,
// kBadVersion.
Result<Disclosure> DecodeDisclosureFile(ByteSpan file);

// Batch / record `index` of `block` with its audit path. REQUIRES: index in range.
ProvenBatch ProveBatch(const Block& block, std::size_t index);
ProvenRecord ProveRecord(const Block& block, std::size_t index);
// True when the item's path leads to the header's batches_root / records_root.
bool IsInBlock(const ProvenBatch& batch, const Header& header);
bool IsInBlock(const ProvenRecord& record, const Header& header);

}  // namespace peerdb::chain
