// AnchorPlanner: confirmed anchors — turning a confirmed proof into a record, rechecking records
// against Bitcoin, the ANCHORED/FINAL heights they give, A5, and the view.
#include <algorithm>
#include <limits>

#include "peerdb/anchor/anchor_planner.h"
#include "peerdb/anchor/anchor_status.h"

namespace peerdb::anchor {

void AnchorPlanner::Confirm(const Job& job, const ots::BitcoinVerification& v, std::vector<Action>& out) {
  if (!job.timestamp) return;  // only a job with a proof is upgraded, so only such a job confirms
  if (v.height > std::numeric_limits<std::uint32_t>::max()) {
    NoteError("cannot save the anchor of " + JobName(job) + ": Bitcoin height out of range", out);
    return;
  }
  chain::AnchorRecord record;
  record.digest = job.digest;
  record.method = static_cast<std::uint8_t>(chain::AnchorMethod::kOts);
  record.btc_height = static_cast<std::uint32_t>(v.height);
  record.btc_block_hash = v.block_hash;
  record.proof = *job.timestamp;
  out.push_back(SaveAnchor{std::move(record), job.checkpoint, v});
}

void AnchorPlanner::AnchorSaved(const SaveAnchor& saved, const Status& result, std::vector<Action>& out) {
  const Hash32& digest = saved.record.digest;
  if (!result.ok()) {
    const Job* job = FindJob(digest);
    const std::string what = job ? JobName(*job) : "digest " + Short(digest);
    NoteError("cannot save the anchor of " + what + ": " + result.error().message, out);
    return;
  }
  Anchor a;
  a.height = saved.checkpoint.h;
  a.digest = digest;
  a.sealers = Sealers(saved.checkpoint);
  a.btc_height = saved.verification.height;
  a.btc_block_hash = saved.verification.block_hash;
  a.btc_time = saved.verification.time;
  m_anchors.push_back(a);
  std::erase_if(m_jobs, [&](const Job& j) { return j.digest == digest; });  // the store dropped it too
  out.push_back(Log{LogLevel::kInfo, "block " + std::to_string(a.height) + " anchored in Bitcoin block " +
                                         std::to_string(a.btc_height) + " (" +
                                         std::to_string(saved.verification.confirmations) + " confirmations; digest " +
                                         Short(digest) + ")"});
  m_last_error.clear();
  ApplyHeights(out);
}

bool AnchorPlanner::MaybeRecheck(std::uint64_t now, std::vector<Action>& out) {
  if (m_anchors.empty() || now < m_last_recheck_ms + m_options.upgrade_interval_ms) return false;
  m_last_recheck_ms = now;
  // Newest checkpoints first, down to the first that makes its block FINAL: the older ones are
  // deeper in Bitcoin and matter for statuses only if all of these fail.
  std::vector<const Anchor*> order;
  for (const Anchor& a : m_anchors) order.push_back(&a);
  std::stable_sort(order.begin(), order.end(), [](const Anchor* a, const Anchor* b) { return a->height > b->height; });
  Recheck recheck;
  for (const Anchor* a : order) {
    if (recheck.items.size() >= kMaxRechecked) break;
    recheck.items.push_back(RecheckItem{a->digest, a->btc_height, a->btc_block_hash});
    if (a->confirmed && Unanimous(*a)) break;
  }
  m_busy = true;
  out.push_back(std::move(recheck));
  return true;
}

std::vector<Action> AnchorPlanner::OnRechecked(const std::vector<RecheckItem>& items, const RecheckOutcome& outcome) {
  std::vector<Action> out;
  m_busy = false;
  if (outcome.error) {
    // The source cannot answer: keep the statuses as they are rather than drop them on an outage.
    NoteError("rechecking anchors: " + outcome.error->message, out);
    return out;
  }
  bool changed = false;
  for (std::size_t k = 0; k < items.size() && k < outcome.confirmed.size(); ++k) {
    auto it = std::find_if(m_anchors.begin(), m_anchors.end(), [&](const Anchor& a) {
      return a.digest == items[k].digest && a.btc_height == items[k].btc_height;
    });
    if (it == m_anchors.end()) continue;
    Anchor& a = *it;
    if (k < outcome.btc_time.size() && outcome.btc_time[k] != 0) a.btc_time = outcome.btc_time[k];
    if (a.confirmed == outcome.confirmed[k]) continue;
    changed = true;
    a.confirmed = outcome.confirmed[k];
    if (!a.confirmed) {
      out.push_back(Log{LogLevel::kWarn, "the anchor of block " + std::to_string(a.height) + " in Bitcoin block " +
                                             std::to_string(a.btc_height) +
                                             " is no longer confirmed (Bitcoin reorganised); statuses are recomputed"});
    } else {
      out.push_back(Log{LogLevel::kInfo, "the anchor of block " + std::to_string(a.height) + " in Bitcoin block " +
                                             std::to_string(a.btc_height) + " is confirmed again"});
    }
  }
  if (changed) ApplyHeights(out, /*bitcoin_reorganised=*/true);
  return out;
}

void AnchorPlanner::ApplyHeights(std::vector<Action>& out, bool bitcoin_reorganised) {
  std::vector<CoveringAnchor> confirmed;
  for (const Anchor& a : m_anchors) {
    if (!a.confirmed) continue;
    CoveringAnchor c;
    c.height = a.height;
    c.unanimous = Unanimous(a);
    confirmed.push_back(c);
  }
  chain::StatusHeights heights = HeightsOf(confirmed);
  // Statuses only rise (§3): FINAL falls only when Bitcoin took back an anchor. Exclusions cannot
  // lower it except in a compromised epoch (fewer than MAJ members left, §5.2), where FINAL freezes.
  if (!bitcoin_reorganised) {
    heights.final_height = std::max(heights.final_height, std::min(m_heights.final_height, heights.anchored_height));
  }
  if (heights != m_heights) out.push_back(SetStatusHeights{heights});
}

void AnchorPlanner::HeightsSaved(const chain::StatusHeights& heights, const Status& result, std::vector<Action>& out) {
  if (!result.ok()) {
    NoteError("cannot update block statuses: " + result.error().message, out);
    return;
  }
  out.push_back(Log{LogLevel::kInfo, "anchored height " + std::to_string(m_heights.anchored_height) + " -> " +
                                         std::to_string(heights.anchored_height) + ", final height " +
                                         std::to_string(m_heights.final_height) + " -> " +
                                         std::to_string(heights.final_height)});
  m_heights = heights;
  m_oldest_unfinal_ts = 0;
  if (m_head > m_heights.final_height) out.push_back(LoadBlockTime{m_heights.final_height + 1});
}

std::vector<Action> AnchorPlanner::OnBlockTime(std::uint64_t height, std::uint64_t timestamp_ms) {
  if (height == m_heights.final_height + 1 && m_head > m_heights.final_height) m_oldest_unfinal_ts = timestamp_ms;
  return {};
}

bool AnchorPlanner::Unanimous(const Anchor& a) const {
  return chain::IsUnanimous(a.sealers, m_epochs.ConfigAt(a.height), m_excluded, m_epochs.LeavingAt(a.height));
}

std::vector<chain::MemberId> AnchorPlanner::Sealers(const chain::Checkpoint& cp) const {
  // A checkpoint with a bad seal counts no sealer, so it never makes its block FINAL.
  auto sealers = chain::VerifyCheckpointSeals(cp, m_epochs.ConfigAt(cp.h));
  return sealers.ok() ? std::move(sealers).value() : std::vector<chain::MemberId>{};
}

bool AnchorPlanner::LaggingAt(std::uint64_t now) const {
  return m_head > m_heights.final_height && m_oldest_unfinal_ts != 0 && now > m_oldest_unfinal_ts + kAnchorLagAlertMs;
}

void AnchorPlanner::CheckLag(std::uint64_t now, std::vector<Action>& out) {
  if (!LaggingAt(now)) {
    if (m_lag_raised) out.push_back(ClearAlert{consensus::AlertKind::kAnchorLag});
    m_lag_raised = false;
    return;
  }
  if (m_lag_raised && now < m_last_lag_alert_ms + kAnchorLagReminderMs) return;
  if (!m_lag_raised) m_lag_since_ms = now;
  m_lag_raised = true;
  m_last_lag_alert_ms = now;
  consensus::Alert alert;
  alert.kind = consensus::AlertKind::kAnchorLag;
  alert.from_height = m_heights.final_height + 1;
  alert.to_height = m_head;
  alert.since_ms = m_lag_since_ms;
  alert.detail = "block " + std::to_string(alert.from_height) + " has waited " +
                 std::to_string((now - m_oldest_unfinal_ts) / 60'000) + " min to become FINAL (final height " +
                 std::to_string(m_heights.final_height) + "); check the calendars and the Bitcoin header source";
  out.push_back(RaiseAlert{std::move(alert)});
}

PlannerView AnchorPlanner::View() const {
  PlannerView v;
  v.last_submission_ms = m_last_submission_ms;
  v.last_submitted_height = m_last_submitted_height;
  v.pending_jobs = m_jobs.size();
  v.anchors = m_anchors.size();
  const Anchor* last = nullptr;
  for (const Anchor& a : m_anchors) {
    if (a.confirmed && (!last || a.height > last->height)) last = &a;
  }
  if (last) {
    v.last_anchor_height = last->height;
    v.last_anchor_btc_height = last->btc_height;
    v.last_anchor_btc_time = last->btc_time;
  }
  v.last_error = m_last_error;
  v.heights = m_heights;
  return v;
}

}  // namespace peerdb::anchor
