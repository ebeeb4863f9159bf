// AnchorPlanner: start, heads, ticks, and the submission and upgrade of jobs. Confirmed anchors,
// rechecks, statuses and A5 are in anchor_planner_anchors.cpp.
#include "peerdb/anchor/anchor_planner.h"

#include <algorithm>

namespace peerdb::anchor {

AnchorPlanner::AnchorPlanner(PlannerOptions options, chain::Config config)
    : m_options(options),
      m_epochs(std::vector<chain::EpochInfo>{chain::EpochInfo{config, chain::ConfigHash(config), 1, 0, {}}}) {}

std::vector<Action> AnchorPlanner::Start(std::vector<Job> jobs, const std::vector<LoadedAnchor>& anchors,
                                         chain::StatusHeights heights, Head head) {
  std::vector<Action> out;
  m_head = head.height;
  m_jobs = std::move(jobs);
  for (const LoadedAnchor& s : anchors) {
    if (s.record.method != static_cast<std::uint8_t>(chain::AnchorMethod::kOts)) continue;
    Anchor a;
    a.height = s.height;
    a.digest = s.record.digest;
    if (s.checkpoint) a.sealers = Sealers(*s.checkpoint);
    a.btc_height = s.record.btc_height;
    a.btc_block_hash = s.record.btc_block_hash;
    m_anchors.push_back(a);
    m_last_submitted_height = std::max(m_last_submitted_height, a.height);
  }
  for (const Job& j : m_jobs) {
    if (!j.timestamp) continue;  // never answered: submitted again
    m_last_submission_ms = std::max(m_last_submission_ms, j.created_ms);
    m_last_submitted_height = std::max(m_last_submitted_height, j.checkpoint.h);
  }
  m_heights = heights;
  if (m_head > m_heights.final_height) out.push_back(LoadBlockTime{m_heights.final_height + 1});
  return out;
}

std::vector<Action> AnchorPlanner::OnHead(Head head) {
  // The head leaves FINAL: A5 measures the wait from this block on.
  if (m_head == m_heights.final_height && head.height > m_heights.final_height) m_oldest_unfinal_ts = head.timestamp_ms;
  m_head = head.height;
  return {};
}

std::vector<Action> AnchorPlanner::SetExcluded(std::vector<chain::MemberId> excluded) {
  std::vector<Action> out;
  std::sort(excluded.begin(), excluded.end());
  if (excluded == m_excluded) return out;
  m_excluded = std::move(excluded);
  ApplyHeights(out);
  return out;
}

std::vector<Action> AnchorPlanner::SetEpochs(chain::EpochHistory epochs) {
  std::vector<Action> out;
  m_epochs = std::move(epochs);
  ApplyHeights(out);
  return out;
}

std::vector<Action> AnchorPlanner::Tick(std::uint64_t now) {
  std::vector<Action> out;
  CheckLag(now, out);
  if (m_busy) return out;  // one request at a time
  if (MaybeSubmit(now, out)) return out;
  if (MaybeUpgrade(now, out)) return out;
  MaybeRecheck(now, out);
  return out;
}

bool AnchorPlanner::MaybeSubmit(std::uint64_t now, std::vector<Action>& out) {
  if (m_head == 0 || m_head <= m_last_submitted_height) return false;
  if (now < m_last_submission_ms + m_options.interval_ms) return false;
  const std::uint64_t retry = std::min(m_options.interval_ms, m_options.upgrade_interval_ms);
  if (m_last_attempt_ms != 0 && now < m_last_attempt_ms + retry) return false;
  m_last_attempt_ms = now;
  auto same = std::find_if(m_jobs.begin(), m_jobs.end(), [&](const Job& j) { return j.checkpoint.h == m_head; });
  if (same != m_jobs.end()) {
    if (same->timestamp) return false;  // already answered; upgrades follow
    m_busy = true;
    out.push_back(Submit{same->digest, m_head});  // saved earlier (e.g. before a restart)
    return true;
  }
  // The checkpoint is read when it is needed, so it carries every seal collected so far.
  m_busy = true;
  out.push_back(LoadCheckpoint{m_head});
  return true;
}

std::vector<Action> AnchorPlanner::OnCheckpoint(std::uint64_t height, Result<chain::Checkpoint> checkpoint,
                                                std::uint64_t now) {
  std::vector<Action> out;
  if (!checkpoint.ok()) {
    m_busy = false;
    NoteError("cannot save the anchor job for block " + std::to_string(height) + ": " + checkpoint.error().message, out);
    return out;
  }
  Job job;
  job.checkpoint = std::move(checkpoint).value();
  job.digest = chain::CheckpointDigest(job.checkpoint);
  job.created_ms = now;
  job.updated_ms = now;
  // Persisted before the digest leaves the process: a restart then resubmits it, never loses it.
  out.push_back(SaveJob{std::move(job)});
  return out;
}

void AnchorPlanner::JobSaved(const Job& job, const Status& result, std::vector<Action>& out) {
  if (!result.ok()) {
    m_busy = false;
    NoteError("cannot save the anchor job for block " + std::to_string(job.checkpoint.h) + ": " + result.error().message,
              out);
    return;
  }
  // Older jobs that never got a calendar answer are superseded by this one.
  for (auto it = m_jobs.begin(); it != m_jobs.end();) {
    if (!it->timestamp && it->digest != job.digest) {
      out.push_back(DeleteJob{it->digest});
      it = m_jobs.erase(it);
    } else {
      ++it;
    }
  }
  while (m_jobs.size() >= kMaxAnchorJobs) {
    out.push_back(Log{LogLevel::kWarn, "dropping the oldest pending job (block " +
                                           std::to_string(m_jobs.front().checkpoint.h) + "): more than " +
                                           std::to_string(kMaxAnchorJobs) + " pending"});
    out.push_back(DeleteJob{m_jobs.front().digest});
    m_jobs.erase(m_jobs.begin());
  }
  m_jobs.push_back(job);
  out.push_back(Submit{job.digest, job.checkpoint.h});
}

std::vector<Action> AnchorPlanner::OnSubmitted(const Hash32& digest, Result<Bytes> tree, std::uint64_t now) {
  std::vector<Action> out;
  m_busy = false;
  const Job* job = FindJob(digest);
  if (!tree.ok()) {
    NoteError("submitting block " + std::to_string(job ? job->checkpoint.h : 0) + ": " + tree.error().message, out);
    return out;
  }
  if (job) out.push_back(SaveProof{digest, std::move(tree).value(), now, std::nullopt});
  return out;
}

bool AnchorPlanner::MaybeUpgrade(std::uint64_t now, std::vector<Action>& out) {
  if (m_upgrade_queue.empty()) {
    if (now < m_last_upgrade_ms + m_options.upgrade_interval_ms) return false;
    for (const Job& j : m_jobs) {
      if (j.timestamp) m_upgrade_queue.push_back(j.digest);
    }
    if (m_upgrade_queue.empty()) return false;
    m_last_upgrade_ms = now;
  }
  const Hash32 digest = m_upgrade_queue.front();
  m_upgrade_queue.erase(m_upgrade_queue.begin());
  const Job* job = FindJob(digest);
  if (!job || !job->timestamp) return false;
  m_busy = true;
  out.push_back(Upgrade{digest, *job->timestamp});
  return true;
}

std::vector<Action> AnchorPlanner::OnUpgraded(const Hash32& digest, UpgradeOutcome outcome, std::uint64_t now) {
  std::vector<Action> out;
  m_busy = false;
  const Job* job = FindJob(digest);
  if (!job) return out;
  const std::string what = JobName(*job);
  if (outcome.error) {
    if (outcome.error->code == Errc::kCorrupt) {
      out.push_back(Log{LogLevel::kError, "dropping the job of " + what + ": " + outcome.error->message});
      out.push_back(DeleteJob{digest});
      std::erase_if(m_jobs, [&](const Job& j) { return j.digest == digest; });
      return out;
    }
    NoteError(what + ": " + outcome.error->message, out);
  }
  if (!outcome.note.empty()) out.push_back(Log{LogLevel::kDebug, what + ": " + outcome.note});
  if (outcome.timestamp) {
    // The new proof is saved first; a confirmation then follows from OnStored.
    out.push_back(SaveProof{digest, std::move(*outcome.timestamp), now, std::move(outcome.confirmed)});
    return out;
  }
  if (outcome.confirmed) Confirm(*job, *outcome.confirmed, out);
  return out;
}

void AnchorPlanner::ProofSaved(const SaveProof& saved, const Status& result, std::vector<Action>& out) {
  Job* job = FindJob(saved.digest);
  if (!job) return;
  const bool submission = !job->timestamp;  // the calendars' first answer
  if (!result.ok()) {
    NoteError(submission ? "cannot save the pending proof of block " + std::to_string(job->checkpoint.h) + ": " +
                               result.error().message
                         : "cannot save the upgraded proof of " + JobName(*job) + ": " + result.error().message,
              out);
    return;
  }
  job->timestamp = saved.timestamp;
  job->updated_ms = saved.updated_ms;
  if (submission) {
    m_last_submission_ms = saved.updated_ms;
    m_last_submitted_height = std::max(m_last_submitted_height, job->checkpoint.h);
    m_last_error.clear();
    out.push_back(Log{LogLevel::kInfo, "block " + std::to_string(job->checkpoint.h) + " submitted (digest " +
                                           Short(job->digest) + "); pending in Bitcoin"});
  }
  if (saved.confirmed) Confirm(*job, *saved.confirmed, out);
}

void AnchorPlanner::JobDeleted(const Hash32& digest, const Status& result, std::vector<Action>& out) {
  // Already forgotten here; a row left behind is loaded again after a restart and superseded or
  // dropped again then, which is harmless.
  if (!result.ok()) NoteError("cannot delete the anchor job " + Short(digest) + ": " + result.error().message, out);
}

std::vector<Action> AnchorPlanner::OnStored(const Action& write, const Status& result) {
  std::vector<Action> out;
  if (const auto* a = std::get_if<SaveJob>(&write)) {
    JobSaved(a->job, result, out);
  } else if (const auto* b = std::get_if<SaveProof>(&write)) {
    ProofSaved(*b, result, out);
  } else if (const auto* c = std::get_if<DeleteJob>(&write)) {
    JobDeleted(c->digest, result, out);
  } else if (const auto* d = std::get_if<SaveAnchor>(&write)) {
    AnchorSaved(*d, result, out);
  } else if (const auto* e = std::get_if<SetStatusHeights>(&write)) {
    HeightsSaved(e->heights, result, out);
  }
  return out;
}

void AnchorPlanner::NoteError(const std::string& what, std::vector<Action>& out) {
  if (what != m_last_error) out.push_back(Log{LogLevel::kWarn, what});
  m_last_error = what;
}

Job* AnchorPlanner::FindJob(const Hash32& digest) {
  auto it = std::find_if(m_jobs.begin(), m_jobs.end(), [&](const Job& j) { return j.digest == digest; });
  return it == m_jobs.end() ? nullptr : &*it;
}

std::string AnchorPlanner::JobName(const Job& job) {
  return "block " + std::to_string(job.checkpoint.h) + " (digest " + Short(job.digest) + ")";
}

std::string AnchorPlanner::Short(const Hash32& digest) { return Hex(digest).substr(0, 8); }

}  // namespace peerdb::anchor
