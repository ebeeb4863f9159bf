// Consensus messages and certificates (PROTOCOL.md §1.6). Thread-safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/chain/hashing.h"

namespace peerdb::chain {

struct ProposalCore {
  static constexpr std::string_view kSignTag = tag::kSignProposal;
  std::uint16_t version = codec::kVersion;
  std::uint64_t h = 0;
  std::uint32_t r = 0;
  Hash32 block_id{};
  Hash32 justification_hash{};
  MemberId signer = 0;
  Sig64 sig{};
  template <class V> void Pce(V& v) {
    v.version(version); v.u64(h); v.u32(r); v.fixed(block_id); v.fixed(justification_hash); v.u32(signer); v.sig(sig);
  }
  bool operator==(const ProposalCore&) const = default;
};

struct Vote {
  static constexpr std::string_view kSignTag = tag::kSignVote;
  std::uint16_t version = codec::kVersion;
  std::uint64_t h = 0;
  std::uint32_t r = 0;
  Hash32 block_id{};
  MemberId signer = 0;
  Sig64 sig{};
  template <class V> void Pce(V& v) { v.version(version); v.u64(h); v.u32(r); v.fixed(block_id); v.u32(signer); v.sig(sig); }
  bool operator==(const Vote&) const = default;
};

struct LastVote {
  Vote vote;
  ProposalCore core;
  template <class V> void Pce(V& v) { v.item(vote); v.item(core); }
  bool operator==(const LastVote&) const = default;
};

struct RoundChange {
  static constexpr std::string_view kSignTag = tag::kSignRoundChange;
  std::uint16_t version = codec::kVersion;
  std::uint64_t h = 0;
  std::uint32_t r = 0;
  std::optional<LastVote> last_vote;
  MemberId signer = 0;
  Sig64 sig{};
  template <class V> void Pce(V& v) { v.version(version); v.u64(h); v.u32(r); v.opt(last_vote); v.u32(signer); v.sig(sig); }
  bool operator==(const RoundChange&) const = default;
};

struct Seal {
  static constexpr std::string_view kSignTag = tag::kSignSeal;
  std::uint16_t version = codec::kVersion;
  std::uint64_t h = 0;
  Hash32 block_id{};
  MemberId signer = 0;
  Sig64 sig{};
  template <class V> void Pce(V& v) { v.version(version); v.u64(h); v.fixed(block_id); v.u32(signer); v.sig(sig); }
  bool operator==(const Seal&) const = default;
};

struct SigEntry {
  MemberId signer = 0;
  Sig64 sig{};
  // The signature is the payload here, so it is always encoded.
  template <class V> void Pce(V& v) { v.u32(signer); v.fixed(sig); }
  bool operator==(const SigEntry&) const = default;
};

struct MajorityCert {
  std::uint16_t version = codec::kVersion;
  std::uint64_t h = 0;
  std::uint32_t r = 0;
  Hash32 block_id{};
  std::vector<SigEntry> votes;  // sorted by signer
  template <class V> void Pce(V& v) {
    v.version(version); v.u64(h); v.u32(r); v.fixed(block_id);
    v.sorted_list(votes, kMaxMembers, [](const SigEntry& e) { return e.signer; });
  }
  bool operator==(const MajorityCert&) const = default;
};

struct Checkpoint {
  std::uint16_t version = codec::kVersion;
  Hash32 chain_id{};
  std::uint64_t h = 0;
  Hash32 block_id{};
  std::vector<SigEntry> seals;  // sorted by signer
  template <class V> void Pce(V& v) {
    v.version(version); v.fixed(chain_id); v.u64(h); v.fixed(block_id);
    v.sorted_list(seals, kMaxMembers, [](const SigEntry& e) { return e.signer; });
  }
  bool operator==(const Checkpoint&) const = default;
};

struct ConfigApprove {
  static constexpr std::string_view kSignTag = tag::kSignApprove;
  std::uint16_t version = codec::kVersion;
  std::uint64_t epoch = 0;
  Hash32 change_id{};
  Hash32 containing_block_id{};
  MemberId signer = 0;
  Sig64 sig{};
  template <class V> void Pce(V& v) {
    v.version(version); v.u64(epoch); v.fixed(change_id); v.fixed(containing_block_id); v.u32(signer); v.sig(sig);
  }
  bool operator==(const ConfigApprove&) const = default;
};

}  // namespace peerdb::chain
