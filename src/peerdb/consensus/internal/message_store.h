// The signed consensus messages a member keeps per height (PROTOCOL.md §5.1): proposal cores,
// votes and round changes per round, and seals, at most one of each per signer (and round), the
// first one received. They serve voting and counting at the height being decided (MCs, advance_to,
// round synchronisation, justifications), and evidence detection over a window of recent heights
// (E1-E5: a second, conflicting message is never stored; Add* hands back the first one instead).
// Messages are stored as given: the machine verifies signatures and bounds heights and rounds
// before adding, and prunes the window (PruneBelow). Every container is ordered, so every answer
// comes in (height, round, signer) or (round, block id) order.
// Thread-safety: a value type; not thread-safe, like the Machine that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "peerdb/chain/block.h"

namespace peerdb::consensus {

class MessageStore {
 public:
  // Stores the message unless its signer already has one at the same (h, r) (for seals: the same
  // h). Returns that earlier message, which stays, or nullptr when `m` was stored. Either way the
  // height is held from then on. The pointer is valid until the next PruneBelow.
  const chain::ProposalCore* AddCore(const chain::ProposalCore& m);
  const chain::Vote* AddVote(const chain::Vote& m);
  const chain::RoundChange* AddRoundChange(const chain::RoundChange& m);
  const chain::Seal* AddSeal(const chain::Seal& m);

  // Forgets every height below `h`.
  void PruneBelow(std::uint64_t h);
  // The lowest height held, or `if_none` when nothing is held.
  std::uint64_t OldestHeight(std::uint64_t if_none) const;

  // Lookups: nullptr when absent.
  const chain::ProposalCore* FindCore(std::uint64_t h, std::uint32_t r, chain::MemberId signer) const;
  const chain::RoundChange* FindRoundChange(std::uint64_t h, std::uint32_t r, chain::MemberId signer) const;
  // Round changes at (h, r) by signer.
  const std::map<chain::MemberId, chain::RoundChange>* RoundChangesAt(std::uint64_t h, std::uint32_t r) const;
  // Seals at h by signer.
  const std::map<chain::MemberId, chain::Seal>* SealsAt(std::uint64_t h) const;

  // Counting. The votes at (h, r) for `block_id` by signers not in `excluded`, sorted by signer
  // (an MC's vote list when there are MAJ of them).
  std::vector<chain::SigEntry> VotesFor(std::uint64_t h, std::uint32_t r, const Hash32& block_id,
                                        const std::set<chain::MemberId>& excluded) const;
  // Every (round, block id) voted for at h, each once, in (round, block id) order.
  std::vector<std::pair<std::uint32_t, Hash32>> VotedBlocks(std::uint64_t h) const;
  // Signers of a round change at h for a round >= r (they promised r or above).
  std::set<chain::MemberId> PromisedAtLeast(std::uint64_t h, std::uint32_t r) const;
  // The highest round above `above` at h with round changes from at least `need` signers not in
  // `excluded` (advance_to, §2.3); 0 when there is none.
  std::uint32_t HighestRoundWith(std::uint64_t h, std::uint32_t above, std::size_t need,
                                 const std::set<chain::MemberId>& excluded) const;

  // E3 (promise break), either way round. The lowest-round RoundChange of the vote's signer at its
  // height for a round above the vote's whose last_vote is absent or from a round below the vote's.
  const chain::RoundChange* RoundChangeHiding(const chain::Vote& vote) const;
  // The lowest-round Vote of the round change's signer at its height, in a round below the round
  // change's, that its last_vote is absent for or from a round below.
  const chain::Vote* VoteHiddenBy(const chain::RoundChange& rc) const;

  // E4/E5 and fork choice. The seals of `signer` at every height held, by height.
  std::vector<const chain::Seal*> SealsBy(chain::MemberId signer) const;
  // Every seal at heights >= h, in (height, signer) order.
  std::vector<const chain::Seal*> SealsFrom(std::uint64_t h) const;

 private:
  struct Height {
    std::map<std::uint32_t, std::map<chain::MemberId, chain::ProposalCore>> cores;
    std::map<std::uint32_t, std::map<chain::MemberId, chain::Vote>> votes;
    std::map<std::uint32_t, std::map<chain::MemberId, chain::RoundChange>> rcs;
    std::map<chain::MemberId, chain::Seal> seals;
  };
  const Height* Find(std::uint64_t h) const;

  std::map<std::uint64_t, Height> m_heights;
};

}  // namespace peerdb::consensus
