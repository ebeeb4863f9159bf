// Machine: alerts of §3 raised and cleared as actions (A1a, A1b, A2a, A2b, A2c, A3, A4, A6, A7; A5
// and A8 belong to anchoring) and the view for status displays. AlertBook records which alerts are
// active; here they become actions, in the order the protocol logic raises and clears them.
#include "peerdb/consensus/internal/machine_impl.h"

namespace peerdb::consensus {

void Machine::Impl::Raise(AlertKind kind, chain::MemberId member, std::uint64_t from_h, std::uint64_t to_h,
                          std::string detail, std::vector<chain::MemberId> involved) {
  if (auto a = m_alerts.Raise(kind, member, from_h, to_h, m_now, std::move(detail), std::move(involved))) {
    Emit(AlertRaised{std::move(*a)});
  }
}

void Machine::Impl::Clear(AlertKind kind, chain::MemberId member) {
  if (auto a = m_alerts.Clear(kind, member)) Emit(AlertCleared{std::move(*a)});
}

void Machine::Impl::CheckTimedAlerts() {
  // A2c: no MC at my height for > 3 timeouts while I reach fewer than MAJ members (me included).
  // "Timeout" is timeout(0); an idle height also waits up to heartbeat_ms for its proposal.
  const std::size_t reach = 1 + m_members.ConnectedPeers();
  const std::uint64_t start = m_rounds.height_start_ms();
  const bool stalled = !m_decided && m_now > start + params().heartbeat_ms + 3 * Timeout(0);
  if (stalled && reach < config().Majority()) {
    // The alert names whom this member cannot reach (with contacts), not itself; its detail is
    // rewritten on every check, so the duration shown keeps counting.
    std::vector<chain::MemberId> unreachable;
    std::string names;
    for (const auto& [id, info] : m_members.all()) {
      if (id == m_self || info.connected) continue;
      unreachable.push_back(id);
      const chain::Member* m = config().FindMember(id);
      names += (names.empty() ? "" : "; ") + std::to_string(id) + (m ? " (" + m->name + ", " + m->contact + ")" : "");
    }
    Raise(AlertKind::kPartitioned, m_self, m_h, m_h,
          "no majority at height " + std::to_string(m_h) + " for " + std::to_string((m_now - start) / 1000) +
              " s: this member reaches " + std::to_string(reach) + " of " + std::to_string(config().members.size()) +
              " members, " + std::to_string(config().Majority()) + " needed; cannot reach member " + names,
          std::move(unreachable));
  } else if (!stalled || reach >= config().Majority()) {
    Clear(AlertKind::kPartitioned, m_self);
  }
  // A4: a required member has not sealed the best head for > silent_alert_ms while blocks arrive.
  for (const auto& [id, mi] : m_members.all()) {
    if (id == m_self || IsExcluded(id)) continue;
    if (mi.last_sealed >= m_head_h) {
      Clear(AlertKind::kSilentMember, id);
      continue;
    }
    auto first_missing = m_commit_ms.lower_bound(mi.last_sealed + 1);
    if (first_missing == m_commit_ms.end()) continue;
    if (m_now > first_missing->second + params().silent_alert_ms) {
      const chain::Member* m = config().FindMember(id);
      Raise(AlertKind::kSilentMember, id, mi.last_sealed + 1, m_head_h,
            "member " + std::to_string(id) + (m ? " (" + m->name + ", " + m->contact + ")" : std::string()) +
                " has not sealed since height " + std::to_string(mi.last_sealed));
    }
  }
  // A6: my batch not included within |A| heights.
  const std::uint64_t active = config().members.size() - m_evidence.chain_excluded().size();
  for (const auto& [key, entry] : m_pool.entries()) {
    if (!entry.local) continue;
    if (m_h > entry.since_height + active) {
      Raise(AlertKind::kCensoredBatch, m_self, entry.since_height, m_h,
            "my batch seq " + std::to_string(key.second) + " is not included after " +
                std::to_string(m_h - entry.since_height) + " heights");
      break;
    }
  }
}

void Machine::Impl::NoteDeferred(chain::MemberId proposer) {
  const std::uint32_t turns = m_members.NoteDeferred(proposer, m_h);  // 0: this height was counted
  if (turns >= 3) {
    Raise(AlertKind::kClockSkew, proposer, m_h, m_h,
          "proposals of member " + std::to_string(proposer) + " were deferred by C4 (timestamp ahead of my clock) in " +
              std::to_string(turns) + " consecutive turns");
  }
}

void Machine::Impl::NoteOnTime(chain::MemberId proposer) {
  if (m_members.NoteOnTime(proposer, m_h)) Clear(AlertKind::kClockSkew, proposer);
}

MachineView Machine::Impl::View() const {
  MachineView v;
  v.head_height = m_head_h;
  v.head_id = m_head_id;
  v.unanimous_height = m_unanimous_h;
  v.h = m_h;
  v.round = m_rounds.round();
  v.proposer = Proposer(m_rounds.round());
  for (const auto& [id, mi] : m_members.all()) {
    MemberView mv;
    mv.id = id;
    mv.last_sealed_height = id == m_self ? m_signer.seal_h : mi.last_sealed;
    mv.last_seen_ms = mi.last_seen_ms;
    mv.connected = mi.connected;
    mv.excluded = IsExcluded(id);
    v.members.push_back(mv);
  }
  v.alerts = m_alerts.Active();
  for (const auto& [offender, e] : m_evidence.held()) v.evidence.push_back(e);
  v.epoch = m_epoch;
  for (const chain::ConfigApprove& a : UnrecordedApprovals()) v.approvals_heard.push_back(a.signer);
  v.chain_excluded = ChainExcluded();
  v.member = IsMemberAt(m_h);
  return v;
}

}  // namespace peerdb::consensus
