// SignerState of PROTOCOL.md §2.5: what a member has signed, persisted before any signature leaves
// the process (S5) so that a restart can never sign conflicting content (S6).
// Thread-safety: value type.
#pragma once

#include <optional>

#include "peerdb/chain/messages.h"

namespace peerdb::chain {

struct SignerState {
  std::uint64_t seal_h = 0;   // last sealed height; 0 at start
  Hash32 seal_id{};           // last sealed block; chain_id at start
  std::uint64_t h = 0;        // current height (reset fields below on entering a new h)
  std::uint32_t promised = 0;
  std::optional<LastVote> last_vote;
  std::optional<ProposalCore> last_proposal;
  template <class V> void Pce(V& v) {
    v.u64(seal_h); v.fixed(seal_id); v.u64(h); v.u32(promised); v.opt(last_vote); v.opt(last_proposal);
  }
  bool operator==(const SignerState&) const = default;
};

}  // namespace peerdb::chain
