#include "peerdb/consensus/internal/candidate_set.h"

namespace peerdb::consensus {

bool CandidateSet::Keep(const Hash32& id, const chain::Proposal& p) {
  auto [it, inserted] = m_bodies.try_emplace(id);
  if (inserted) {
    if (m_bodies.size() > kMaxCandidates) {
      m_bodies.erase(it);
      return false;
    }
    it->second.block = p.block;
  }
  if (!it->second.proposal || it->second.proposal->core.r < p.core.r) it->second.proposal = p;
  return true;
}

Candidate* CandidateSet::Find(const Hash32& id) {
  auto it = m_bodies.find(id);
  return it == m_bodies.end() ? nullptr : &it->second;
}

const chain::Proposal* CandidateSet::ProposalFor(const Hash32& id) const {
  auto it = m_bodies.find(id);
  return it == m_bodies.end() || !it->second.proposal ? nullptr : &*it->second.proposal;
}

}  // namespace peerdb::consensus
