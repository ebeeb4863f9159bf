#include "peerdb/consensus/internal/member_table.h"

#include <algorithm>
#include <vector>

namespace peerdb::consensus {

MemberTable::MemberTable(const chain::Config& config, chain::MemberId self) : m_self(self) {
  for (const chain::Member& m : config.members) m_members[m.id] = MemberInfo{};
}

void MemberTable::Follow(const chain::Config& config) {
  std::erase_if(m_members, [&](const auto& e) { return e.first != m_self && !config.FindMember(e.first); });
  for (const chain::Member& m : config.members) m_members.try_emplace(m.id);
}

bool MemberTable::SetConnected(chain::MemberId id, bool connected) {
  auto it = m_members.find(id);
  if (it == m_members.end()) return false;
  it->second.connected = connected;
  return true;
}

std::size_t MemberTable::ConnectedPeers() const {
  std::size_t n = 0;
  for (const auto& [id, mi] : m_members) n += (id != m_self && mi.connected) ? 1 : 0;
  return n;
}

void MemberTable::NoteSealed(chain::MemberId id, std::uint64_t height) {
  MemberInfo& mi = m_members[id];
  mi.last_sealed = std::max(mi.last_sealed, height);
}

std::uint32_t MemberTable::NoteDeferred(chain::MemberId proposer, std::uint64_t height) {
  MemberInfo& mi = m_members[proposer];
  if (mi.last_deferred_h == height) return 0;  // one turn per height
  mi.last_deferred_h = height;
  return ++mi.deferred_turns;
}

bool MemberTable::NoteOnTime(chain::MemberId proposer, std::uint64_t height) {
  MemberInfo& mi = m_members[proposer];
  if (mi.last_deferred_h == height) return false;
  mi.deferred_turns = 0;
  return true;
}

void MemberTable::NoteHead(chain::MemberId peer, std::uint64_t head) {
  auto it = m_members.find(peer);
  if (it == m_members.end() || peer == m_self) return;
  if (head > it->second.head_h) {
    it->second.head_h = head;
    it->second.sync_empty_for = 0;  // it moved on since it last had nothing for me
  }
  m_known_peer_head = std::max(m_known_peer_head, head);
}

void MemberTable::NoteEmptyAnswer(chain::MemberId peer, std::uint64_t head, std::uint64_t want, std::uint64_t my_head) {
  if (auto it = m_members.find(peer); it != m_members.end()) {
    it->second.head_h = head;
    it->second.sync_empty_for = want;
  }
  m_known_peer_head = my_head;
  for (const auto& [id, mi] : m_members) {
    if (id != m_self && mi.sync_empty_for != want) m_known_peer_head = std::max(m_known_peer_head, mi.head_h);
  }
}

chain::MemberId MemberTable::PickSyncPeer(std::uint64_t want, chain::MemberId hint, chain::MemberId last_asked) const {
  // Members other than me in id order, starting after the one asked last (rotation).
  std::vector<chain::MemberId> order;
  for (auto it = m_members.upper_bound(last_asked); it != m_members.end(); ++it) {
    if (it->first != m_self) order.push_back(it->first);
  }
  for (auto it = m_members.begin(); it != m_members.end() && it->first <= last_asked; ++it) {
    if (it->first != m_self) order.push_back(it->first);
  }
  auto fresh = [&](chain::MemberId id) {
    auto it = m_members.find(id);
    return it != m_members.end() && it->second.sync_empty_for != want;
  };
  for (chain::MemberId id : order) {
    const MemberInfo& mi = m_members.at(id);
    if (mi.connected && mi.head_h >= want && fresh(id)) return id;
  }
  if (hint != 0 && hint != m_self && fresh(hint)) return hint;
  for (chain::MemberId id : order) {
    if (m_members.at(id).connected && fresh(id)) return id;
  }
  // Everyone answered nothing for this height: start the rotation over (never fixed on one peer).
  for (chain::MemberId id : order) {
    if (m_members.at(id).connected) return id;
  }
  return order.empty() ? 0 : order.front();
}

}  // namespace peerdb::consensus
