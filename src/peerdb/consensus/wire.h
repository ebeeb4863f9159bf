// Peer messages of PROTOCOL.md §1.6 and §6.1 as they travel between members: one PCE message per
// frame, its type in the frame's type byte (§1.1.8: u32 len || u8 msg_type || PCE(msg)).
// Message type numbers are protocol: append, never renumber.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/util/result.h"

namespace peerdb::consensus {

// Catch-up (§6.2): "send me your committed blocks from height from_h on".
struct SyncRequest {
  std::uint16_t version = codec::kVersion;
  std::uint64_t from_h = 0;
  std::uint32_t max_blocks = 0;  // the responder sends at most min(max_blocks, kMaxSyncBlocks)
  template <class V> void Pce(V& v) { v.version(version); v.u64(from_h); v.u32(max_blocks); }
  bool operator==(const SyncRequest&) const = default;
};

// A committed block with the majority certificate that chose it and the seals the sender holds.
struct SyncBlock {
  chain::Block block;
  chain::MajorityCert cert;
  std::vector<chain::Seal> seals;  // sorted by signer
  template <class V> void Pce(V& v) {
    v.item(block); v.item(cert);
    v.sorted_list(seals, chain::kMaxMembers, [](const chain::Seal& s) { return s.signer; });
  }
  bool operator==(const SyncBlock&) const = default;
};

inline constexpr std::uint32_t kMaxSyncBlocks = 64;

struct SyncResponse {
  std::uint16_t version = codec::kVersion;
  std::uint64_t head_h = 0;           // the sender's committed head
  std::vector<SyncBlock> blocks;      // consecutive heights, ascending
  template <class V> void Pce(V& v) { v.version(version); v.u64(head_h); v.list(blocks, kMaxSyncBlocks); }
  bool operator==(const SyncResponse&) const = default;
};

// Sent on connect and periodically: where the sender is (§6.2 step 1 and 6).
struct StatusMsg {
  std::uint16_t version = codec::kVersion;
  std::uint64_t seal_h = 0;   // the sender's last sealed height
  Hash32 seal_id{};
  std::uint64_t head_h = 0;   // its committed head
  std::uint64_t h = 0;        // the height it works on
  std::uint32_t r = 0;        // and its round there
  template <class V> void Pce(V& v) { v.version(version); v.u64(seal_h); v.fixed(seal_id); v.u64(head_h); v.u64(h); v.u32(r); }
  bool operator==(const StatusMsg&) const = default;
};

// Wire type byte = variant index + 1.
enum class MsgType : std::uint8_t {
  kProposal = 1, kVote = 2, kRoundChange = 3, kSeal = 4, kMajorityCert = 5, kBatch = 6, kEvidence = 7,
  kSyncRequest = 8, kSyncResponse = 9, kStatus = 10, kApprove = 11,
};

using PeerMessage = std::variant<chain::Proposal, chain::Vote, chain::RoundChange, chain::Seal, chain::MajorityCert,
                                 chain::TxBatch, chain::Evidence, SyncRequest, SyncResponse, StatusMsg,
                                 chain::ConfigApprove>;

inline MsgType TypeOf(const PeerMessage& m) { return static_cast<MsgType>(m.index() + 1); }
std::string_view MsgTypeName(MsgType t);

Bytes EncodeMessage(const PeerMessage& m);  // PCE body only; the frame carries TypeOf(m)
// Strict PCE decode of a frame body of the given type (unknown type, trailing bytes, oversize: kMalformed).
Result<PeerMessage> DecodeMessage(std::uint8_t type, ByteSpan body);

}  // namespace peerdb::consensus
