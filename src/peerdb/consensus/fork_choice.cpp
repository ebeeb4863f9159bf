#include "peerdb/consensus/fork_choice.h"

#include <algorithm>
#include <tuple>

namespace peerdb::consensus {

ForkChoice::ForkChoice(const Hash32& root_id, std::uint64_t root_height) : m_root(root_id) {
  m_nodes[root_id] = Node{Hash32{}, root_height, {}};
}

bool ForkChoice::AddBlock(const Hash32& id, const Hash32& parent_id) {
  auto parent = m_nodes.find(parent_id);
  if (parent == m_nodes.end() || m_nodes.count(id)) return false;
  const std::uint64_t height = parent->second.height + 1;
  auto& kids = parent->second.children;
  kids.insert(std::upper_bound(kids.begin(), kids.end(), id), id);
  m_nodes[id] = Node{parent_id, height, {}};
  return true;
}

void ForkChoice::AddSeal(const Hash32& block_id, chain::MemberId signer) { m_seals[block_id].insert(signer); }

void ForkChoice::AddVotes(const Hash32& block_id, std::uint32_t round, const std::vector<chain::MemberId>& voters) {
  m_votes[block_id][round].insert(voters.begin(), voters.end());
}

std::uint64_t ForkChoice::HeightOf(const Hash32& id) const {
  auto it = m_nodes.find(id);
  return it == m_nodes.end() ? 0 : it->second.height;
}

bool ForkChoice::Extends(const Hash32& desc, const Hash32& anc) const {
  auto it = m_nodes.find(desc);
  auto a = m_nodes.find(anc);
  if (it == m_nodes.end() || a == m_nodes.end()) return false;
  while (it->second.height > a->second.height) {
    it = m_nodes.find(it->second.parent);
    if (it == m_nodes.end()) return false;
  }
  return it->first == anc;
}

void ForkChoice::CollectSealers(const Hash32& id, std::set<chain::MemberId>& out) const {
  std::vector<Hash32> stack{id};
  while (!stack.empty()) {
    const Hash32 cur = stack.back();
    stack.pop_back();
    if (auto s = m_seals.find(cur); s != m_seals.end()) {
      for (chain::MemberId m : s->second) {
        if (!m_excluded.count(m)) out.insert(m);
      }
    }
    if (auto n = m_nodes.find(cur); n != m_nodes.end()) stack.insert(stack.end(), n->second.children.begin(), n->second.children.end());
  }
}

std::size_t ForkChoice::Endorsers(const Hash32& id) const {
  std::set<chain::MemberId> out;
  CollectSealers(id, out);
  return out.size();
}

std::size_t ForkChoice::Votes(const Hash32& id) const {
  auto v = m_votes.find(id);
  if (v == m_votes.end()) return 0;
  std::size_t best = 0;
  for (const auto& [round, voters] : v->second) {
    std::size_t n = 0;
    for (chain::MemberId m : voters) n += m_excluded.count(m) ? 0 : 1;
    best = std::max(best, n);
  }
  return best;
}

Hash32 ForkChoice::Head() const {
  Hash32 cur = m_root;
  for (;;) {
    const Node& n = m_nodes.at(cur);
    if (n.children.empty()) return cur;
    const Hash32* best = nullptr;
    std::size_t best_e = 0, best_v = 0;
    for (const Hash32& c : n.children) {  // ascending ids: on a full tie the first (lowest) stays
      const std::size_t e = Endorsers(c), v = Votes(c);
      if (!best || std::tie(e, v) > std::tie(best_e, best_v)) {
        best = &c;
        best_e = e;
        best_v = v;
      }
    }
    cur = *best;
  }
}

}  // namespace peerdb::consensus
