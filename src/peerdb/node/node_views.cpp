// Node: what the API shows — status (heights, members, alerts), reads with their status, evidence.
#include <spdlog/spdlog.h>

#include "peerdb/codec/pce.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/node/node_impl.h"
#include "peerdb/node/private_records.h"

namespace peerdb::node {
namespace {

std::string_view SeverityName(consensus::Severity s) {
  switch (s) {
    case consensus::Severity::kInfo: return "info";
    case consensus::Severity::kWarn: return "warn";
    case consensus::Severity::kCritical: return "critical";
    case consensus::Severity::kCatastrophic: return "catastrophic";
  }
  return "warn";
}

}  // namespace

StatusView Node::Impl::MakeStatus() const {
  const consensus::MachineView mv = machine->View();
  StatusView v;
  v.chain_id = chain_id;
  v.self = self;
  const chain::Member* me = current().FindMember(self);
  v.self_name = me ? me->name : "";
  v.self_member = me != nullptr;
  v.epoch = current().epoch;
  v.epoch_start_height = app->epoch().start_height;
  v.head_height = mv.head_height;
  v.head_id = mv.head_id;
  v.majority_height = mv.head_height;
  v.unanimous_height = mv.unanimous_height;
  v.deciding_height = mv.h;
  v.round = mv.round;
  v.proposer = mv.proposer;
  if (anchoring) {
    // The planner holds the heights it last stored; without anchoring they are read from the store.
    v.anchoring = anchoring->View();
    v.anchored_height = v.anchoring.planner.heights.anchored_height;
    v.final_height = v.anchoring.planner.heights.final_height;
    if (v.anchoring.anchor_lag) {
      v.alerts.push_back(AlertView{std::string(consensus::AlertCode(consensus::AlertKind::kAnchorLag)), "warn", {},
                                   v.final_height + 1, v.unanimous_height, 0,
                                   "the best UNANIMOUS block is not FINAL after 8 h; check the calendars"});
    }
  } else if (auto heights = store->LoadStatusHeights(); heights.ok()) {
    v.anchored_height = heights->anchored_height;
    v.final_height = heights->final_height;
  } else {
    spdlog::error("node: cannot read status heights: {}", heights.error().ToString());
  }
  for (const consensus::Alert& a : mv.alerts) {
    v.alerts.push_back(AlertView{std::string(consensus::AlertCode(a.kind)), std::string(SeverityName(consensus::SeverityOf(a.kind))),
                                 a.members, a.from_height, a.to_height, a.since_ms, a.detail});
  }
  v.alerts.insert(v.alerts.end(), unreadable.begin(), unreadable.end());
  v.pending_ops = mempool->size_ops();
  v.committed_ops = committed_ops;
  for (const chain::Member& m : current().members) {
    MemberStatus ms{m};
    ms.self = m.id == self;
    for (const consensus::MemberView& x : mv.members) {
      if (x.id != m.id) continue;
      ms.last_sealed_height = x.last_sealed_height;
      ms.last_seen_ms = x.last_seen_ms;
      ms.connected = x.connected || ms.self;
      ms.excluded = x.excluded;
    }
    if (ms.self) ms.last_seen_ms = clock.NowMs();
    v.members.push_back(std::move(ms));
  }
  v.evidence_count = mv.evidence.size();
  return v;
}

Result<std::vector<EvidenceView>> Node::Impl::Evidence() const {
  std::vector<EvidenceView> out;
  for (const chain::Evidence& e : machine->View().evidence) {
    const auto subject = consensus::EvidenceSubjectOf(e);
    out.push_back(EvidenceView{e, subject.ok() ? subject->offender : 0, subject.ok() ? subject->height : 0});
  }
  return out;
}

void Node::Impl::NoteUnreadable(const store::HistoryEntry& e, const std::string& why) const {
  const std::string detail = why + " (block " + std::to_string(e.height) + " " + Hex(e.block_id).substr(0, 16) + ")";
  for (const AlertView& a : unreadable) {
    if (a.detail == detail) return;
  }
  if (unreadable.size() == kMaxUnreadableAlerts) unreadable.erase(unreadable.begin());
  const auto kind = consensus::AlertKind::kUnreadableRecord;
  unreadable.push_back(AlertView{std::string(consensus::AlertCode(kind)), std::string(SeverityName(consensus::SeverityOf(kind))),
                                 {e.author}, e.height, e.height, clock.NowMs(), detail});
}

Result<PrivateView> Node::Impl::OpenVersion(store::HistoryEntry& e) const {
  auto rule = app->epochs().ConfigAt(e.height).RuleOf(e.ns);
  if (!rule.ok()) return PrivateView{};  // the namespace came later or went: its values are plain
  if (e.state.erased) {  // nothing left to open or to keep from anyone
    PrivateView erased;
    erased.encrypted = (*rule)->encrypted;
    return erased;
  }
  std::vector<const MemberKey*> keys{&*key};
  if (next_key) keys.push_back(&*next_key);
  auto v = OpenForMember(**rule, chain_id, e.ns, e.key, e.author, self, keys, e.state.deleted, e.state.value);
  if (!v.ok()) {
    spdlog::error("node: {} (block {} at height {})", v.error().message, Hex(e.block_id).substr(0, 16), e.height);
    NoteUnreadable(e, v.error().message);
  }
  return v;
}

Result<ValueView> Node::Impl::Read(const std::string& ns, const std::string& k, store::BlockStatus min_status) const {
  const std::string name = ns + "/" + k;
  PEERDB_TRY_ASSIGN(std::optional<store::StatusEntry> newest, store->LoadNewestWithStatus(ns, k, store::BlockStatus::kProposed));
  if (!newest) return Error{Errc::kNotFound, name + " was never written"};
  PEERDB_TRY_ASSIGN(const store::StatusHeights heights, store->LoadStatusHeights());
  std::optional<store::StatusEntry> found = newest;
  if (min_status > store::BlockStatus::kProposed && newest->status < min_status) {
    PEERDB_TRY_ASSIGN(found, store->LoadNewestWithStatus(ns, k, min_status));
    if (!found) {
      return Error{Errc::kNotFound, "no version of " + name + " is in a block with status " +
                                        std::string(store::BlockStatusName(min_status)) + " or higher yet (newest: version " +
                                        std::to_string(newest->entry.state.version) + " in block " +
                                        std::to_string(newest->entry.height) + ", " +
                                        std::string(store::BlockStatusName(newest->status)) + "; final height " +
                                        std::to_string(heights.final_height) + ")"};
    }
  }
  store::HistoryEntry& e = found->entry;
  PEERDB_TRY_ASSIGN(const PrivateView privacy, OpenVersion(e));
  ValueView v;
  v.entry = store::CurrentEntry{e.ns, e.key, e.state, e.height, e.block_id};
  v.author = e.author;
  v.privacy = privacy;
  v.status = found->status;
  v.latest_version = newest->entry.state.version;
  v.head_height = head_height;
  v.final_height = heights.final_height;
  return v;
}

}  // namespace peerdb::node
