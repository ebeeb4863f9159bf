// What a member knows about each member of the epoch (itself included), for status displays,
// alerts and catch-up:
//   status      the highest committed height it sealed, when it was last heard from, whether the
//               transport has it connected (§3, `peerdb status`; A2c, A4);
//   A7          how many of its proposal turns in a row C4 deferred (a clock ahead of mine);
//   catch-up    the committed head it claimed (StatusMsg, SyncResponse) or proved (an MC, a
//               proposal), and the height it last had nothing for (§6.2), so catch-up asks a peer
//               that holds the next block, rotates, and skips peers that answered nothing.
// Entries are created for the members at construction; the Note* functions add an entry for an id
// they do not know (the machine passes only ids of verified members). Iteration is by id.
// Thread-safety: a value type; not thread-safe, like the Machine that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

#include "peerdb/chain/config.h"

namespace peerdb::consensus {

struct MemberInfo {
  std::uint64_t last_sealed = 0;
  std::uint64_t last_seen_ms = 0;
  bool connected = false;
  std::uint32_t deferred_turns = 0;  // consecutive turns deferred by C4 (A7)
  std::uint64_t last_deferred_h = 0;
  std::uint64_t head_h = 0;          // committed head it claimed (StatusMsg, SyncResponse) or proved (MC, proposal)
  std::uint64_t sync_empty_for = 0;  // the height it last answered a SyncRequest for with nothing (0 = never)
};

class MemberTable {
 public:
  // An entry per member of `config`; `self` is this member (never asked, never counted as a peer).
  MemberTable(const chain::Config& config, chain::MemberId self);

  bool Contains(chain::MemberId id) const { return m_members.count(id) > 0; }
  // A new epoch (§5.3): entries for members that joined, none for members that left.
  void Follow(const chain::Config& config);
  // REQUIRES: Contains(id).
  const MemberInfo& at(chain::MemberId id) const { return m_members.at(id); }
  const std::map<chain::MemberId, MemberInfo>& all() const { return m_members; }

  // The transport connected or lost `id`. False (and nothing changes) if `id` is not in the table.
  bool SetConnected(chain::MemberId id, bool connected);
  // Connected members other than self.
  std::size_t ConnectedPeers() const;
  // A valid message from `id` at `now_ms`.
  void NoteSeen(chain::MemberId id, std::uint64_t now_ms) { m_members[id].last_seen_ms = now_ms; }
  // `id` sealed the committed block at `height` (a lower height than one known changes nothing).
  void NoteSealed(chain::MemberId id, std::uint64_t height);

  // A7: a proposal of `proposer` at `height` was deferred by C4. Counts one turn per height and
  // returns the number of consecutive deferred turns, or 0 if this height was counted already.
  std::uint32_t NoteDeferred(chain::MemberId proposer, std::uint64_t height);
  // A proposal of `proposer` at `height` was on time: the count restarts. False (nothing changes)
  // if one of its proposals at this height was deferred (that turn counts as deferred).
  bool NoteOnTime(chain::MemberId proposer, std::uint64_t height);

  // Catch-up. `peer` claimed or proved committed head `head` (ignored for self and unknown ids):
  // a higher head than known also clears its "answered nothing" mark.
  void NoteHead(chain::MemberId peer, std::uint64_t head);
  // `peer` answered a SyncRequest for `want` (my head + 1) with nothing and claims `head` < want:
  // it is skipped for `want`, and the highest head claimed is recomputed (at least `my_head`) over
  // the peers not skipped for `want`.
  // REQUIRES: want == my_head + 1.
  void NoteEmptyAnswer(chain::MemberId peer, std::uint64_t head, std::uint64_t want, std::uint64_t my_head);
  // The highest committed head a peer claimed or proved.
  std::uint64_t known_peer_head() const { return m_known_peer_head; }
  // Whom to ask for the block at `want`: a connected peer claiming a head >= want, then `hint` (a
  // voter of its MC; 0: none), then any connected peer, each skipping peers that answered nothing
  // for `want`; if every connected peer did, any connected peer (never fixed on one); with none
  // connected, the next peer in rotation. Peers are tried in id order starting after `last_asked`
  // (rotation). 0 only when the table holds no peer.
  chain::MemberId PickSyncPeer(std::uint64_t want, chain::MemberId hint, chain::MemberId last_asked) const;

 private:
  chain::MemberId m_self = 0;
  std::map<chain::MemberId, MemberInfo> m_members;
  std::uint64_t m_known_peer_head = 0;
};

}  // namespace peerdb::consensus
