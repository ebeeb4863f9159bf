#include "peerdb/chain/epoch.h"

#include <algorithm>

#include "peerdb/chain/hashing.h"

namespace peerdb::chain {
namespace {

bool Has(const std::vector<MemberId>& ids, MemberId id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

std::string Id(MemberId id) { return "member " + std::to_string(id); }

void NoteAddresses(EpochState& state, const ConfigChange& change) {
  for (auto& [id, address] : ChangeAddresses(change)) {
    auto at = std::lower_bound(state.addresses.begin(), state.addresses.end(), id,
                               [](const MemberAddress& a, MemberId v) { return a.id < v; });
    if (at != state.addresses.end() && at->id == id) {
      at->address = address;
    } else {
      state.addresses.insert(at, MemberAddress{id, address});
    }
  }
  // Addresses of members no longer in the config are of no use to anyone.
  std::erase_if(state.addresses, [&](const MemberAddress& a) { return !state.config.FindMember(a.id); });
}

}  // namespace

EpochState GenesisEpochState(const Genesis& genesis) {
  EpochState s;
  s.config = genesis.config;
  s.start_height = 1;
  for (const Member& m : genesis.config.members) s.next_member_id = std::max(s.next_member_id, m.id + 1);
  return s;
}

const PendingChange* PendingAt(const EpochState& state, std::uint64_t height) {
  if (!state.pending || height >= state.pending->change.expires_height) return nullptr;
  return &*state.pending;
}

std::vector<MemberId> RequiredApprovers(const EpochState& state, const PendingChange& pending,
                                        const std::vector<MemberId>& excluded) {
  const std::vector<MemberId> targets = ChangeTargets(pending.change);
  std::vector<MemberId> out;
  for (const Member& m : state.config.members) {
    if (!Has(excluded, m.id) && !Has(targets, m.id)) out.push_back(m.id);
  }
  return out;
}

std::vector<MemberId> MissingApprovers(const EpochState& state, const PendingChange& pending,
                                       const std::vector<MemberId>& excluded) {
  std::vector<MemberId> out;
  for (MemberId id : RequiredApprovers(state, pending, excluded)) {
    if (!Has(pending.approvals, id)) out.push_back(id);
  }
  return out;
}

Result<ConfigChange> CheckProposedChange(const EpochState& state, MemberId author, const Op& op, std::uint64_t height,
                                         const std::vector<MemberId>& excluded) {
  if (op.ns != kConfigNamespace) return Error{Errc::kInvalid, "config changes belong in namespace _config"};
  auto decoded = codec::Decode<ConfigChange>(op.value);
  if (!decoded.ok()) return Error{Errc::kMalformed, "config change does not decode: " + decoded.error().message};
  const ConfigChange& change = *decoded;
  const Config& cfg = state.config;
  if (!cfg.FindMember(author) || Has(excluded, author)) {
    return Error{Errc::kInvalid, Id(author) + " may not propose a config change: not a member of epoch " +
                                     std::to_string(cfg.epoch) + " in good standing"};
  }
  if (const PendingChange* p = PendingAt(state, height)) {
    return Error{Errc::kConflict, "change " + Hex(p->change_id).substr(0, 16) + " is pending until height " +
                                      std::to_string(p->change.expires_height) + "; only one change may be pending"};
  }
  if (change.expires_height <= height) {
    return Error{Errc::kInvalid, "the change expires at height " + std::to_string(change.expires_height) +
                                     ", not above the height it is proposed at (" + std::to_string(height) + ")"};
  }
  if (change.expires_height - height > cfg.params.config_ttl_heights) {
    return Error{Errc::kInvalid, "the change expires more than config_ttl_heights (" +
                                     std::to_string(cfg.params.config_ttl_heights) + ") above height " + std::to_string(height)};
  }
  MemberId next_id = state.next_member_id;
  if (auto applied = ApplyConfigChange(cfg, change, &next_id); !applied.ok()) return applied.error();
  // §5.3: |M_e \ X_chain \ T| >= MAJ_e, so a minority can never expel a majority.
  const std::vector<MemberId> targets = ChangeTargets(change);
  std::size_t remaining = 0;
  for (const Member& m : cfg.members) remaining += !Has(excluded, m.id) && !Has(targets, m.id);
  if (remaining < cfg.Majority()) {
    return Error{Errc::kInvalid, "the change would leave " + std::to_string(remaining) + " of " +
                                     std::to_string(cfg.members.size()) + " members to approve it, fewer than a majority (" +
                                     std::to_string(cfg.Majority()) + ")"};
  }
  return change;
}

Status CheckApproval(const EpochState& state, const ConfigApprove& approve, std::uint64_t height,
                     const Hash32& chain_id, const std::vector<MemberId>& excluded) {
  const PendingChange* p = PendingAt(state, height);
  if (!p || p->change_id != approve.change_id) {
    return Error{Errc::kInvalid, "C6: approval of change " + Hex(approve.change_id).substr(0, 16) +
                                     ", which is not pending here (unknown, lapsed or activated)"};
  }
  if (approve.version != codec::kVersion) return Error{Errc::kBadVersion, "C6: approval version"};
  if (approve.epoch != state.config.epoch) return Error{Errc::kInvalid, "C6: approval names another epoch"};
  if (approve.containing_block_id != p->block_id) {
    return Error{Errc::kInvalid, "C6: approval names a block that does not contain the change on this branch"};
  }
  const Member* signer = state.config.FindMember(approve.signer);
  if (!signer) return Error{Errc::kNotMember, "C6: approval by " + Id(approve.signer) + ", not a member"};
  if (!Has(RequiredApprovers(state, *p, excluded), approve.signer)) {
    return Error{Errc::kInvalid, "C6: " + Id(approve.signer) + " is not a required approver (a target or excluded)"};
  }
  if (Has(p->approvals, approve.signer)) return Error{Errc::kInvalid, "C6: " + Id(approve.signer) + " approved already"};
  if (!VerifySignedBy(signer->pubkey, chain_id, approve)) {
    return Error{Errc::kBadSignature, "C6: approval signature of " + Id(approve.signer) + " does not verify"};
  }
  return Status::Ok();
}

Result<EpochStep> AdvanceEpoch(const EpochState& state, const Block& block, const Hash32& block_id,
                               const Hash32& chain_id, const std::vector<MemberId>& excluded) {
  const std::uint64_t h = block.header.height;
  EpochStep step;
  step.state = state;
  EpochState& s = step.state;
  if (s.pending && !PendingAt(s, h)) {
    s.pending.reset();
    step.lapsed = true;
  }
  // Proposals are judged against the parent's state (before this block's approvals), as the
  // executor judges them, so a block cannot both complete one change and propose the next.
  std::optional<PendingChange> proposed;
  for (const TxBatch& b : block.batches) {
    for (const Op& op : b.ops) {
      if (op.kind != static_cast<std::uint8_t>(OpKind::kConfig)) continue;
      if (proposed) return Error{Errc::kConflict, "C5: two config changes in one block; only one may be pending"};
      PEERDB_TRY_ASSIGN(ConfigChange change, CheckProposedChange(s, b.author, op, h, excluded));
      proposed = PendingChange{change, ChangeId(change), b.author, h, block_id, {}};
    }
  }
  for (const Record& rec : block.records) {
    const auto* a = std::get_if<ConfigApprove>(&rec.body);
    if (!a) continue;
    PEERDB_TRY(CheckApproval(s, *a, h, chain_id, excluded));
    auto& approvals = s.pending->approvals;
    approvals.insert(std::lower_bound(approvals.begin(), approvals.end(), a->signer), a->signer);
    ++step.approvals;
  }
  if (s.pending && MissingApprovers(s, *s.pending, excluded).empty()) {
    MemberId next_id = s.next_member_id;
    auto next = ApplyConfigChange(s.config, s.pending->change, &next_id);
    // It applied when proposed and the config has not changed since (one change at a time).
    if (!next.ok()) return Error{Errc::kInternal, "pending change no longer applies: " + next.error().message};
    step.leaving = ChangeTargets(s.pending->change);
    step.activated = true;
    const ConfigChange change = s.pending->change;
    s.config = std::move(*next);
    s.next_member_id = next_id;
    s.start_height = h + 1;
    s.pending.reset();
    NoteAddresses(s, change);
  }
  if (proposed) {
    s.pending = std::move(*proposed);
    step.proposed = true;
  }
  return step;
}

EpochHistory::EpochHistory(const Genesis& genesis) {
  m_epochs.push_back(EpochInfo{genesis.config, ConfigHash(genesis.config), 1, 0, {}});
}

const EpochInfo& EpochHistory::At(std::uint64_t height) const {
  auto it = std::upper_bound(m_epochs.begin(), m_epochs.end(), height,
                             [](std::uint64_t h, const EpochInfo& e) { return h < e.start_height; });
  return it == m_epochs.begin() ? m_epochs.front() : *std::prev(it);
}

const std::vector<MemberId>& EpochHistory::LeavingAt(std::uint64_t height) const {
  static const std::vector<MemberId> kNone;
  const EpochInfo& e = At(height);
  return e.end_height == height ? e.leaving : kNone;
}

void EpochHistory::Note(std::uint64_t height, const EpochStep& step) {
  if (!step.activated) return;
  EpochInfo& cur = m_epochs.back();
  cur.end_height = height;
  cur.leaving = step.leaving;
  m_epochs.push_back(EpochInfo{step.state.config, ConfigHash(step.state.config), height + 1, 0, {}});
}

void EpochHistory::TruncateAbove(std::uint64_t height) {
  // An epoch starting at height + 1 stays: the block at `height` that activated it is kept.
  while (m_epochs.size() > 1 && m_epochs.back().start_height > height + 1) m_epochs.pop_back();
  EpochInfo& cur = m_epochs.back();
  if (cur.end_height > height) {
    cur.end_height = 0;
    cur.leaving.clear();
  }
}

}  // namespace peerdb::chain
