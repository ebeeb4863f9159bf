// The evidence book (PROTOCOL.md §5.1, §5.2): the verified evidence a member holds, one piece per
// offender (more adds nothing to an exclusion), and the exclusion sets it implies:
//   X_local (X_m)  offenders named by any evidence held: their signatures stop counting at once;
//   X_chain        offenders named by evidence recorded in a committed block: they also leave the
//                  proposer schedule, and blocks they author are refused (C2);
//   in head        the part of X_chain first recorded in the head block itself, which the head's
//                  own certificate (the next block's parent_cert) was not judged under (§6.3).
// X_chain is a subset of X_local. The book verifies nothing (the machine adds only evidence that
// verified) and performs no I/O; saving and gossiping evidence are the machine's.
// Thread-safety: a value type; not thread-safe, like the Machine that owns it.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "peerdb/chain/block.h"

namespace peerdb::consensus {

class EvidenceBook {
 public:
  bool Holds(chain::MemberId offender) const { return m_evidence.count(offender) > 0; }
  // Keeps `evidence` against `offender`, which joins X_local.
  // REQUIRES: !Holds(offender); `evidence` verified (VerifyEvidence) and names `offender`.
  void Add(chain::MemberId offender, const chain::Evidence& evidence);

  // A block was committed: the offenders first recorded in the previous head are no longer new.
  // Call it before RecordedInHead for the new head's evidence.
  void NewHead() { m_chain_in_head.clear(); }
  // Evidence against `offender` is recorded in the block just committed: it joins X_chain and
  // X_local (whether or not this member holds or could verify that evidence: the block's members
  // checked it, C6), and the head's own set if it was not in X_chain before.
  void RecordedInHead(chain::MemberId offender);

  // After a restart: X_chain as recorded below and in the head (both also join X_local), and
  // which of them were first recorded in the head block.
  // REQUIRES: `in_head` is a subset of `chain_excluded`.
  void RestoreChain(const std::set<chain::MemberId>& chain_excluded);
  void RestoreInHead(std::set<chain::MemberId> in_head) { m_chain_in_head = std::move(in_head); }

  bool IsExcluded(chain::MemberId m) const { return m_local.count(m) > 0; }       // X_local
  bool IsChainExcluded(chain::MemberId m) const { return m_chain.count(m) > 0; }  // X_chain
  const std::set<chain::MemberId>& local_excluded() const { return m_local; }
  const std::set<chain::MemberId>& chain_excluded() const { return m_chain; }
  std::vector<chain::MemberId> Excluded() const { return {m_local.begin(), m_local.end()}; }       // sorted
  std::vector<chain::MemberId> ChainExcluded() const { return {m_chain.begin(), m_chain.end()}; }  // sorted
  // X_chain without the offenders first recorded in the head: the set the head's certificate was
  // judged under when the head was committed, and so the set its copy as parent_cert is judged under.
  std::vector<chain::MemberId> ParentCertExcluded() const;

  // Evidence held, by offender (View lists it all).
  const std::map<chain::MemberId, chain::Evidence>& held() const { return m_evidence; }
  // Evidence not recorded in a committed block yet, by offender: it is gossiped and put in blocks
  // until it is.
  std::vector<const chain::Evidence*> Unrecorded() const;
  bool HasUnrecorded() const;

 private:
  std::map<chain::MemberId, chain::Evidence> m_evidence;
  std::set<chain::MemberId> m_local;
  std::set<chain::MemberId> m_chain;
  std::set<chain::MemberId> m_chain_in_head;
};

}  // namespace peerdb::consensus
