// Blocks, headers, records, evidence and anchor records (PROTOCOL.md §1.5, §1.7, §1.8).
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/chain/messages.h"
#include "peerdb/chain/tx.h"

namespace peerdb::chain {

enum class EvidenceKind : std::uint8_t {
  kDoubleProposal = 1, kDoubleVote = 2, kPromiseBreak = 3, kDoubleSeal = 4, kSealFork = 5, kBadProposal = 6,
};

struct Header {
  std::uint16_t version = codec::kVersion;
  Hash32 chain_id{};
  std::uint64_t epoch = 0;
  std::uint64_t height = 0;
  Hash32 parent_id{};
  MemberId author = 0;
  std::uint64_t timestamp_ms = 0;
  Hash32 config_hash{};
  Hash32 parent_cert_hash{};
  Hash32 batches_root{};
  Hash32 state_root{};
  Hash32 records_root{};
  template <class V> void Pce(V& v) {
    v.version(version); v.fixed(chain_id); v.u64(epoch); v.u64(height); v.fixed(parent_id); v.u32(author);
    v.u64(timestamp_ms); v.fixed(config_hash); v.fixed(parent_cert_hash); v.fixed(batches_root);
    v.fixed(state_root); v.fixed(records_root);
  }
  bool operator==(const Header&) const = default;
};

struct Evidence {
  std::uint16_t version = codec::kVersion;
  std::uint8_t kind = 0;
  Bytes msg_a;
  Bytes msg_b;
  std::vector<Header> path;
  template <class V> void Pce(V& v) {
    v.version(version); v.u8(kind);
    if constexpr (V::kDecoding) {
      if (v.ok() && (kind < 1 || kind > 6)) v.Fail(Errc::kMalformed, "evidence kind must be 1..6");
    }
    v.bytes(msg_a, kMaxEvidenceMsgBytes); v.bytes(msg_b, kMaxEvidenceMsgBytes); v.list(path, kMaxEvidencePath);
  }
  bool operator==(const Evidence&) const = default;
};

enum class AnchorMethod : std::uint8_t { kOts = 1, kDirect = 2 };

struct AnchorRecord {
  std::uint16_t version = codec::kVersion;
  Hash32 digest{};
  std::uint8_t method = static_cast<std::uint8_t>(AnchorMethod::kOts);
  std::uint32_t btc_height = 0;
  Hash32 btc_block_hash{};
  Bytes proof;
  template <class V> void Pce(V& v) {
    v.version(version); v.fixed(digest); v.u8(method);
    if constexpr (V::kDecoding) {
      if (v.ok() && (method < 1 || method > 2)) v.Fail(Errc::kMalformed, "anchor method must be 1 or 2");
    }
    v.u32(btc_height); v.fixed(btc_block_hash); v.bytes(proof, kMaxProofBytes);
  }
  bool operator==(const AnchorRecord&) const = default;
};

enum class RecordTag : std::uint8_t { kSeal = 1, kEvidence = 2, kConfigApprove = 3, kAnchor = 4 };

// Record = union { 1: Seal | 2: Evidence | 3: ConfigApprove | 4: AnchorRecord }
struct Record {
  std::variant<Seal, Evidence, ConfigApprove, AnchorRecord> body;
  RecordTag tag() const { return static_cast<RecordTag>(body.index() + 1); }
  template <class V> void Pce(V& v) {
    if constexpr (V::kDecoding) {
      std::uint8_t t = 0;
      v.u8(t);
      if (!v.ok()) return;
      switch (t) {
        case 1: body.template emplace<Seal>(); break;
        case 2: body.template emplace<Evidence>(); break;
        case 3: body.template emplace<ConfigApprove>(); break;
        case 4: body.template emplace<AnchorRecord>(); break;
        default: return v.Fail(Errc::kMalformed, "unknown record tag " + std::to_string(t));
      }
    } else {
      v.u8(static_cast<std::uint8_t>(body.index() + 1));
    }
    std::visit([&v](auto& b) { v.item(b); }, body);
  }
  bool operator==(const Record&) const = default;
};

// Records are sorted by (tag, H("PDB1/record", rec)).
struct RecordSortKey {
  std::uint8_t tag;
  Hash32 hash;
  auto operator<=>(const RecordSortKey&) const = default;
};
RecordSortKey SortKeyOf(const Record& record);
void SortRecords(std::vector<Record>& records);

struct Block {
  Header header;
  std::optional<MajorityCert> parent_cert;  // absent iff height 1
  std::vector<TxBatch> batches;
  std::vector<Record> records;              // sorted by (tag, record hash)
  template <class V> void Pce(V& v) {
    v.item(header); v.opt(parent_cert); v.list(batches, kMaxBatchesPerBlock);
    v.sorted_list(records, kMaxRecordsPerBlock, [](const Record& r) { return SortKeyOf(r); });
  }
  bool operator==(const Block&) const = default;
};

Hash32 BlockId(const Header& header);             // H("PDB1/header", Header)
Hash32 MajorityCertHash(const MajorityCert& mc);   // H("PDB1/mc", MC)
Hash32 CheckpointDigest(const Checkpoint& cp);     // H("PDB1/checkpoint", Checkpoint)
Hash32 BatchId(const TxBatch& batch);              // H("PDB1/batchid", committed TxBatch), for dedup and lookups
Bytes BatchLeafBytes(const TxBatch& batch);        // a batch's Merkle leaf: its committed PCE form
Hash32 BatchesRoot(const std::vector<TxBatch>& batches);  // RFC 6962 over BatchLeafBytes
Hash32 RecordsRoot(const std::vector<Record>& records);

// Stateless checks of a block's body against its header: batch shapes, records strictly sorted,
// batches_root and records_root (C6), encoded size (C7). The header itself (C2-C4) is checked by
// chain::CheckHeader (rules.h), which needs the parent; signatures and state need more context.
Status CheckBlockShape(const Block& block, const Params& params);

}  // namespace peerdb::chain

namespace peerdb::chain {

// Proposal { ProposalCore core; Block block; list<RoundChange> justification; }  (§1.6)
struct Proposal {
  ProposalCore core;
  Block block;
  std::vector<RoundChange> justification;  // empty iff core.r == 0
  template <class V> void Pce(V& v) { v.item(core); v.item(block); v.list(justification, kMaxMembers); }
  bool operator==(const Proposal&) const = default;
};

// H("PDB1/just", list<RoundChange>): the justification_hash of a ProposalCore (§1.6, C1). The empty
// list (round 0) hashes its 4-byte zero count like any other list.
Hash32 JustificationHash(const std::vector<RoundChange>& justification);

}  // namespace peerdb::chain
