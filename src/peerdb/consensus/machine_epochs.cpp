// Machine: epochs and config changes (PROTOCOL.md §5.3, chain/epoch.h). The epoch state moves on
// with every committed block; approvals are signed only when the operator asks, gossiped, and put
// into blocks by proposers until one is recorded.
#include <algorithm>

#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

const crypto::SigningKey* Machine::Impl::KeyAt(std::uint64_t height) const {
  const chain::Member* me = ConfigAt(height).FindMember(m_self);
  if (!me) return nullptr;
  for (const crypto::SigningKey& k : m_keys) {
    if (k.public_key() == me->pubkey) return &k;
  }
  return nullptr;
}

Result<chain::EpochStep> Machine::Impl::EpochStepOf(const chain::Block& block, const Hash32& id) const {
  return chain::AdvanceEpoch(m_epoch, block, id, m_chain_id, ChainExcluded());
}

void Machine::Impl::OnEpochStep(std::uint64_t height, chain::EpochStep step) {
  m_epochs.Note(height, step);
  const bool activated = step.activated;
  std::vector<chain::MemberId> leaving = std::move(step.leaving);
  m_epoch = std::move(step.state);
  // Approvals held are for the change pending before this block; keep those still waiting.
  const chain::PendingChange* pending = chain::PendingAt(m_epoch, height + 1);
  std::erase_if(m_approvals, [&](const auto& e) {
    return !pending || e.second.change_id != pending->change_id ||
           std::binary_search(pending->approvals.begin(), pending->approvals.end(), e.first);
  });
  if (!activated) return;
  const chain::Config before = ConfigAt(height);
  m_config_hash = chain::ConfigHash(config());
  m_rounds.SetParams(params());
  m_members.Follow(config());
  PoolOnEpochChanged(before);
  Emit(EpochChanged{config(), height + 1, std::move(leaving)});
}

Status Machine::Impl::CheckApproveLocal(const Hash32& change_id) const {
  const chain::PendingChange* pending = chain::PendingAt(m_epoch, m_h);
  if (!pending || pending->change_id != change_id) {
    return Error{Errc::kNotFound, "change " + Hex(change_id).substr(0, 16) +
                                      " is not pending at height " + std::to_string(m_h) + " (unknown, lapsed or activated)"};
  }
  if (!IsMemberAt(m_h)) return Error{Errc::kForbidden, "this node's member (or its key) is not in the config in force"};
  const std::vector<chain::MemberId> required = chain::RequiredApprovers(m_epoch, *pending, ChainExcluded());
  if (!std::binary_search(required.begin(), required.end(), m_self)) {
    return Error{Errc::kForbidden, "member " + std::to_string(m_self) + " is a target of this change or excluded: it does not approve it"};
  }
  if (std::binary_search(pending->approvals.begin(), pending->approvals.end(), m_self) || m_approvals.count(m_self)) {
    return Error{Errc::kConflict, "member " + std::to_string(m_self) + " approved this change already"};
  }
  return Status::Ok();
}

void Machine::Impl::ApproveLocal(const Hash32& change_id) {
  if (!CheckApproveLocal(change_id).ok()) return;
  const chain::PendingChange& pending = *chain::PendingAt(m_epoch, m_h);
  chain::ConfigApprove a;
  a.epoch = config().epoch;
  a.change_id = change_id;
  a.containing_block_id = pending.block_id;
  a.signer = m_self;
  chain::SignWith(*KeyAt(m_h), m_chain_id, a);
  m_approvals[m_self] = a;
  Emit(Broadcast{a});
}

void Machine::Impl::OnApprove(chain::MemberId from, const chain::ConfigApprove& a) {
  if (a.signer != from) return Penalise(from, "approval relayed for another signer");
  if (m_approvals.count(a.signer)) return;
  // One for another branch, a lapsed change or a height I have not reached is not an offence.
  if (!chain::CheckApproval(m_epoch, a, m_h, m_chain_id, ChainExcluded()).ok()) return;
  m_approvals[a.signer] = a;
}

std::vector<chain::ConfigApprove> Machine::Impl::UnrecordedApprovals() const {
  std::vector<chain::ConfigApprove> out;
  for (const auto& [signer, a] : m_approvals) {
    if (chain::CheckApproval(m_epoch, a, m_h, m_chain_id, ChainExcluded()).ok()) out.push_back(a);
  }
  return out;
}

Status Machine::CheckApprove(const Hash32& change_id) const { return m_impl->CheckApproveLocal(change_id); }
std::vector<chain::MemberId> Machine::ChainExcluded() const { return m_impl->ChainExcluded(); }

}  // namespace peerdb::consensus
