#include "peerdb/consensus/internal/evidence_book.h"

namespace peerdb::consensus {

void EvidenceBook::Add(chain::MemberId offender, const chain::Evidence& evidence) {
  m_evidence[offender] = evidence;
  m_local.insert(offender);
}

void EvidenceBook::RecordedInHead(chain::MemberId offender) {
  if (m_chain.insert(offender).second) m_chain_in_head.insert(offender);
  m_local.insert(offender);
}

void EvidenceBook::RestoreChain(const std::set<chain::MemberId>& chain_excluded) {
  m_chain.insert(chain_excluded.begin(), chain_excluded.end());
  m_local.insert(m_chain.begin(), m_chain.end());
}

std::vector<chain::MemberId> EvidenceBook::ParentCertExcluded() const {
  std::vector<chain::MemberId> out;
  for (chain::MemberId m : m_chain) {
    if (!m_chain_in_head.count(m)) out.push_back(m);
  }
  return out;
}

std::vector<const chain::Evidence*> EvidenceBook::Unrecorded() const {
  std::vector<const chain::Evidence*> out;
  for (const auto& [offender, e] : m_evidence) {
    if (!m_chain.count(offender)) out.push_back(&e);
  }
  return out;
}

bool EvidenceBook::HasUnrecorded() const {
  for (const auto& [offender, e] : m_evidence) {
    if (!m_chain.count(offender)) return true;
  }
  return false;
}

}  // namespace peerdb::consensus
