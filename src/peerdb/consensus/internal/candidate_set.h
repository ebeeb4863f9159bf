// The block bodies a member holds at the height being decided (PROTOCOL.md §2.2-§2.4): each
// proposed block by id, the highest-round proposal that carried it (pushed to re-proposers,
// §2.3, and saved with the signer state, S5), and the result of checking it (C2-C7), computed
// once. Bounded: an honest height needs one or two bodies, so a flood of proposals cannot grow it
// past kMaxCandidates. Cleared when the member enters a new height.
// Thread-safety: a value type; not thread-safe, like the Machine that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "peerdb/chain/block.h"

namespace peerdb::consensus {

// A block body seen at the current height.
struct Candidate {
  chain::Block block;
  std::optional<chain::Proposal> proposal;  // the highest-round proposal carrying it, pushed to re-proposers (§2.3)
  enum class Check : std::uint8_t { kUnchecked, kOk, kRejected } check = Check::kUnchecked;
  std::string reject_reason;                // "C6: ..." when rejected
};

class CandidateSet {
 public:
  static constexpr std::size_t kMaxCandidates = 16;

  // Keeps the body of `p` under `id`, and `p` as its proposal unless one of the same or a higher
  // round is kept. False, and nothing is kept, when `id` is new and kMaxCandidates bodies are held.
  // REQUIRES: id == chain::BlockId(p.block.header).
  bool Keep(const Hash32& id, const chain::Proposal& p);

  bool Contains(const Hash32& id) const { return m_bodies.count(id) > 0; }
  // nullptr when `id` is not held. Valid until Clear.
  Candidate* Find(const Hash32& id);
  // The proposal kept with `id`'s body, or nullptr when `id` is not held.
  const chain::Proposal* ProposalFor(const Hash32& id) const;
  std::size_t size() const { return m_bodies.size(); }
  void Clear() { m_bodies.clear(); }

 private:
  std::map<Hash32, Candidate> m_bodies;
};

}  // namespace peerdb::consensus
