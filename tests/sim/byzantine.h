// Byzantine behaviours (PROTOCOL.md §7.2 rows 6, 7, 9, 10, 12, E3): a byzantine member runs a real
// Machine, and its outgoing messages are rewritten here. It signs with its real key whatever it
// likes, so the evidence it provokes is real; forged copies carry signatures that must not verify.
// Thread-safety: pure functions over the given state; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/consensus/wire.h"
#include "peerdb/crypto/ed25519.h"
#include "sim_random.h"

namespace peerdb::sim {

// Behaviour bits; a member may combine several.
enum Byz : std::uint32_t {
  kByzDoubleProposal = 1u << 0,  // E1: two blocks in one round, each to part of the members
  kByzDoubleVote = 1u << 1,      // E2: a second vote for another block to some members
  kByzDoubleSeal = 1u << 2,      // E4: a second seal at the same height to some members
  kByzSealFork = 1u << 3,        // E5: once, a seal on a block outside its seal chain instead of its own
  kByzSilent = 1u << 4,          // sends nothing at all (row 12)
  kByzNoSeal = 1u << 5,          // votes and proposes but never seals (row 12, hostile variant)
  kByzPromiseBreak = 1u << 6,    // E3: RoundChange(h, r + 1) without its vote, beside Vote(h, r)
  kByzOtherChain = 1u << 7,      // copies of its messages signed for another chain id (row 9)
  kByzForge = 1u << 8,           // copies with a corrupted signature or another member's id (row 10)
  kByzReplay = 1u << 9,          // re-sends messages from earlier heights (row 9; done by Simulation)
  kByzColluder = 1u << 10,       // no rewriting here: the scenario drives it (rows 13, 14)
  kByzTwoBranches = 1u << 11,    // §5.3: each approval it signs also goes, to some members, naming the
                                 // sibling of the block holding the change (its own double proposal) or an unknown block
};
std::string ByzName(std::uint32_t bits);

struct ByzState {
  bool fork_done = false;
  std::map<Hash32, Hash32> sibling;  // the other block of each of its double proposals, both ways
};

struct Outgoing {
  chain::MemberId to = 0;
  consensus::PeerMessage msg;
  bool genuine = true;  // false: a forged signature (must not enter the invariant registries)
};

struct ByzContext {
  std::uint32_t bits = 0;
  chain::MemberId self = 0;
  Hash32 chain_id{};
  Hash32 other_chain_id{};
  const crypto::SigningKey* key = nullptr;
  Rng* rng = nullptr;
  ByzState* state = nullptr;
};

// What a byzantine member sends instead of `msg` to `to` (its machine's Send, or a Broadcast expanded).
std::vector<Outgoing> ByzantineRewrite(const ByzContext& c, const consensus::PeerMessage& msg,
                                       const std::vector<chain::MemberId>& to);

}  // namespace peerdb::sim
