#include "peerdb/node/anchor_scheduler.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <limits>
#include <spdlog/spdlog.h>

#include "peerdb/node/anchor_status.h"

namespace peerdb::node {
namespace asio = boost::asio;

namespace {

std::string Short(const Hash32& h) { return Hex(h).substr(0, 8); }

}  // namespace

Result<std::unique_ptr<AnchorScheduler>> AnchorScheduler::Create(const AnchorConfig& config, asio::io_context& io,
                                                                 store::Store& store, const chain::Genesis& genesis,
                                                                 const util::Clock& clock) {
  PEERDB_TRY_ASSIGN(std::unique_ptr<AnchorNet> net, MakeAnchorNet(config, genesis.config.params.k_anchor));
  if (!net->headers) return Error{Errc::kConfig, "[anchor] no Bitcoin header source"};
  return std::unique_ptr<AnchorScheduler>(new AnchorScheduler(config, io, store, genesis, clock, std::move(net)));
}

AnchorScheduler::AnchorScheduler(const AnchorConfig& config, asio::io_context& io, store::Store& store,
                                 const chain::Genesis& genesis, const util::Clock& clock, std::unique_ptr<AnchorNet> net)
    : m_config(config),
      m_io(io),
      m_store(store),
      m_genesis(genesis),
      m_chain_id(chain::ChainId(genesis)),
      m_clock(clock),
      m_net(std::move(net)),
      m_timer(io) {}

AnchorScheduler::~AnchorScheduler() {
  m_worker.Stop();
  m_worker.Join();
}

Status AnchorScheduler::Start(std::uint64_t head_height, std::uint64_t head_timestamp_ms) {
  m_head = head_height;
  m_head_ts = head_timestamp_ms;
  PEERDB_TRY_ASSIGN(m_jobs, m_store.LoadAnchorJobs());
  PEERDB_TRY_ASSIGN(std::vector<store::StoredAnchor> stored, m_store.LoadAnchors());
  for (const store::StoredAnchor& s : stored) {
    if (s.record.method != static_cast<std::uint8_t>(chain::AnchorMethod::kOts)) continue;
    Anchor a;
    a.height = s.height;
    a.digest = s.record.digest;
    a.unanimous = s.checkpoint && CheckpointIsUnanimous(*s.checkpoint, m_genesis.config);
    a.btc_height = s.record.btc_height;
    a.btc_block_hash = s.record.btc_block_hash;
    m_anchors.push_back(a);
    m_last_submitted_height = std::max(m_last_submitted_height, a.height);
  }
  for (const store::AnchorJob& j : m_jobs) {
    if (!j.timestamp) continue;  // never answered: submitted again
    m_last_submission_ms = std::max(m_last_submission_ms, j.created_ms);
    m_last_submitted_height = std::max(m_last_submitted_height, j.checkpoint.h);
  }
  PEERDB_TRY_ASSIGN(m_heights, m_store.LoadStatusHeights());
  if (m_head > m_heights.final_height) {
    PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> b, m_store.LoadBlock(m_heights.final_height + 1));
    if (b) m_oldest_unfinal_ts = b->block.header.timestamp_ms;
  }
  spdlog::info("anchor: on; {} calendars (at least {}), headers from {}, {} confirmations; {} pending jobs, {} anchors",
               m_net->calendars.size(), m_net->min_calendars, m_net->headers_description, m_net->confirmations,
               m_jobs.size(), m_anchors.size());
  ScheduleTick();
  return Status::Ok();
}

void AnchorScheduler::OnHead(std::uint64_t height, std::uint64_t timestamp_ms) {
  if (m_head == m_heights.final_height && height > m_heights.final_height) m_oldest_unfinal_ts = timestamp_ms;
  m_head = height;
  m_head_ts = timestamp_ms;
}

void AnchorScheduler::Stop() {
  m_stopped = true;
  m_timer.cancel();
  m_worker.Stop();
}

void AnchorScheduler::Join() { m_worker.Join(); }

void AnchorScheduler::ScheduleTick() {
  const std::uint64_t period =
      std::clamp<std::uint64_t>(std::min({m_config.interval_ms, m_config.upgrade_interval_ms, std::uint64_t{1000}}), 5, 1000);
  m_timer.expires_after(std::chrono::milliseconds(period));
  m_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec || m_stopped) return;
    Tick();
    ScheduleTick();
  });
}

void AnchorScheduler::Tick() {
  const std::uint64_t now = m_clock.NowMs();
  if (lagging() && now >= m_last_lag_log_ms + 3'600'000) {
    m_last_lag_log_ms = now;
    spdlog::warn("anchor: ALERT A5 ANCHOR_LAG: block {} has waited {} min to become FINAL (final height {}); "
                 "check the calendars and the Bitcoin header source",
                 m_heights.final_height + 1, (now - m_oldest_unfinal_ts) / 60'000, m_heights.final_height);
  }
  if (m_busy || m_stopped) return;
  if (MaybeSubmit(now)) return;
  if (MaybeUpgrade(now)) return;
  MaybeRecheck(now);
}

template <class R>
void AnchorScheduler::RunOnWorker(std::function<R(AnchorNet&)> task, std::function<void(R)> done) {
  m_busy = true;
  std::shared_ptr<AnchorNet> net = m_net;
  const bool posted = m_worker.Post([this, net, task = std::move(task), done = std::move(done)]() mutable {
    std::optional<R> result;
    try {
      result.emplace(task(*net));
    } catch (const std::exception& e) {
      spdlog::error("anchor: request failed: {}", e.what());
    }
    asio::post(m_io, [this, result = std::move(result), done = std::move(done)]() mutable {
      m_busy = false;
      if (result) done(std::move(*result));
    });
  });
  if (!posted) m_busy = false;
}

store::AnchorJob* AnchorScheduler::FindJob(const Hash32& digest) {
  auto it = std::find_if(m_jobs.begin(), m_jobs.end(), [&](const store::AnchorJob& j) { return j.digest == digest; });
  return it == m_jobs.end() ? nullptr : &*it;
}

void AnchorScheduler::NoteError(const std::string& what) {
  if (what != m_last_error) spdlog::warn("anchor: {}", what);
  m_last_error = what;
}

Result<store::AnchorJob> AnchorScheduler::NewJob(std::uint64_t height, std::uint64_t now) {
  PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> block, m_store.LoadBlock(height));
  if (!block) return Error{Errc::kNotFound, "block " + std::to_string(height) + " is not stored"};
  PEERDB_TRY_ASSIGN(std::vector<chain::Seal> seals, m_store.LoadSeals(height));
  store::AnchorJob job;
  job.checkpoint.chain_id = m_chain_id;
  job.checkpoint.h = height;
  job.checkpoint.block_id = block->id;
  for (const chain::Seal& s : seals) job.checkpoint.seals.push_back(chain::SigEntry{s.signer, s.sig});
  job.digest = chain::CheckpointDigest(job.checkpoint);
  job.created_ms = now;
  job.updated_ms = now;
  // Persist before the digest leaves the process (a restart then resubmits it, never loses it).
  PEERDB_TRY(m_store.SaveAnchorJob(job));
  // Older jobs that never got a calendar answer are superseded by this one.
  for (auto it = m_jobs.begin(); it != m_jobs.end();) {
    if (!it->timestamp && it->digest != job.digest) {
      PEERDB_TRY(m_store.DeleteAnchorJob(it->digest));
      it = m_jobs.erase(it);
    } else {
      ++it;
    }
  }
  while (m_jobs.size() >= kMaxAnchorJobs) {
    spdlog::warn("anchor: dropping the oldest pending job (block {}): more than {} pending", m_jobs.front().checkpoint.h,
                 kMaxAnchorJobs);
    PEERDB_TRY(m_store.DeleteAnchorJob(m_jobs.front().digest));
    m_jobs.erase(m_jobs.begin());
  }
  m_jobs.push_back(job);
  return job;
}

bool AnchorScheduler::MaybeSubmit(std::uint64_t now) {
  if (m_head == 0 || m_head <= m_last_submitted_height) return false;
  if (now < m_last_submission_ms + m_config.interval_ms) return false;
  const std::uint64_t retry = std::min(m_config.interval_ms, m_config.upgrade_interval_ms);
  if (m_last_attempt_ms != 0 && now < m_last_attempt_ms + retry) return false;
  m_last_attempt_ms = now;
  const std::uint64_t height = m_head;
  store::AnchorJob job;
  auto same = std::find_if(m_jobs.begin(), m_jobs.end(), [&](const store::AnchorJob& j) { return j.checkpoint.h == height; });
  if (same != m_jobs.end()) {
    job = *same;
  } else {
    auto made = NewJob(height, now);
    if (!made.ok()) {
      NoteError("cannot save the anchor job for block " + std::to_string(height) + ": " + made.error().message);
      return false;
    }
    job = std::move(made).value();
  }
  if (job.timestamp) return false;  // already answered; upgrades follow
  const Hash32 digest = job.digest;
  spdlog::info("anchor: submitting the checkpoint of block {} (digest {}) to {} calendars", height, Short(digest),
               m_net->calendars.size());
  RunOnWorker<Result<Bytes>>([digest](AnchorNet& net) { return SubmitCheckpointDigest(net, digest); },
                             [this, digest, height](Result<Bytes> tree) { OnSubmitted(digest, height, std::move(tree)); });
  return true;
}

void AnchorScheduler::OnSubmitted(const Hash32& digest, std::uint64_t height, Result<Bytes> tree) {
  if (!tree.ok()) {
    NoteError("submitting block " + std::to_string(height) + ": " + tree.error().message);
    return;
  }
  const std::uint64_t now = m_clock.NowMs();
  if (Status s = m_store.UpdateAnchorJob(digest, *tree, now); !s.ok()) {
    NoteError("cannot save the pending proof of block " + std::to_string(height) + ": " + s.error().message);
    return;
  }
  if (store::AnchorJob* job = FindJob(digest)) {
    job->timestamp = *tree;
    job->updated_ms = now;
  }
  m_last_submission_ms = now;
  m_last_submitted_height = std::max(m_last_submitted_height, height);
  m_last_error.clear();
  spdlog::info("anchor: block {} submitted (digest {}); pending in Bitcoin", height, Short(digest));
}

bool AnchorScheduler::MaybeUpgrade(std::uint64_t now) {
  if (m_upgrade_queue.empty()) {
    if (now < m_last_upgrade_ms + m_config.upgrade_interval_ms) return false;
    for (const store::AnchorJob& j : m_jobs) {
      if (j.timestamp) m_upgrade_queue.push_back(j.digest);
    }
    if (m_upgrade_queue.empty()) return false;
    m_last_upgrade_ms = now;
  }
  const Hash32 digest = m_upgrade_queue.front();
  m_upgrade_queue.erase(m_upgrade_queue.begin());
  store::AnchorJob* job = FindJob(digest);
  if (!job || !job->timestamp) return false;
  Bytes tree = *job->timestamp;
  RunOnWorker<UpgradeOutcome>([digest, tree](AnchorNet& net) { return UpgradeProof(net, digest, tree); },
                              [this, digest](UpgradeOutcome o) { OnUpgraded(digest, std::move(o)); });
  return true;
}

void AnchorScheduler::OnUpgraded(const Hash32& digest, UpgradeOutcome outcome) {
  store::AnchorJob* job = FindJob(digest);
  if (!job) return;
  const std::string what = "block " + std::to_string(job->checkpoint.h) + " (digest " + Short(digest) + ")";
  if (outcome.error) {
    if (outcome.error->code == Errc::kCorrupt) {
      spdlog::error("anchor: dropping the job of {}: {}", what, outcome.error->message);
      (void)m_store.DeleteAnchorJob(digest);
      m_jobs.erase(m_jobs.begin() + (job - m_jobs.data()));
      return;
    }
    NoteError(what + ": " + outcome.error->message);
  }
  if (!outcome.note.empty()) spdlog::debug("anchor: {}: {}", what, outcome.note);
  const std::uint64_t now = m_clock.NowMs();
  if (outcome.timestamp) {
    if (Status s = m_store.UpdateAnchorJob(digest, *outcome.timestamp, now); !s.ok()) {
      NoteError("cannot save the upgraded proof of " + what + ": " + s.error().message);
      return;
    }
    job->timestamp = *outcome.timestamp;
    job->updated_ms = now;
  }
  // The confirmed proof is the job's tree (just updated if it changed). An upgrade starts only for a
  // job with a tree, but say so here rather than dereference an empty optional if that ever changes.
  if (!outcome.confirmed || !job->timestamp) return;
  const store::AnchorJob done = *job;
  if (Status s = SaveConfirmed(done, *outcome.confirmed, *done.timestamp); !s.ok()) {
    NoteError("cannot save the anchor of " + what + ": " + s.error().message);
    return;
  }
  if (!outcome.error) m_last_error.clear();
}

Status AnchorScheduler::SaveConfirmed(const store::AnchorJob& job, const ots::BitcoinVerification& v, ByteSpan proof) {
  if (v.height > std::numeric_limits<std::uint32_t>::max()) return Error{Errc::kInvalid, "Bitcoin height out of range"};
  chain::AnchorRecord rec;
  rec.digest = job.digest;
  rec.method = static_cast<std::uint8_t>(chain::AnchorMethod::kOts);
  rec.btc_height = static_cast<std::uint32_t>(v.height);
  rec.btc_block_hash = v.block_hash;
  rec.proof.assign(proof.begin(), proof.end());
  PEERDB_TRY(m_store.SaveAnchor(rec, job.checkpoint));  // drops the job in the same transaction
  Anchor a;
  a.height = job.checkpoint.h;
  a.digest = job.digest;
  a.unanimous = CheckpointIsUnanimous(job.checkpoint, m_genesis.config);
  a.btc_height = v.height;
  a.btc_block_hash = v.block_hash;
  a.btc_time = v.time;
  m_anchors.push_back(a);
  std::erase_if(m_jobs, [&](const store::AnchorJob& j) { return j.digest == job.digest; });
  spdlog::info("anchor: block {} anchored in Bitcoin block {} ({} confirmations; digest {})", a.height, v.height,
               v.confirmations, Short(a.digest));
  ApplyHeights();
  return Status::Ok();
}

bool AnchorScheduler::MaybeRecheck(std::uint64_t now) {
  if (m_anchors.empty() || now < m_last_recheck_ms + m_config.upgrade_interval_ms) return false;
  m_last_recheck_ms = now;
  // Newest checkpoints first, down to the first that makes its block FINAL: the older ones are
  // deeper in Bitcoin and matter for statuses only if all of these fail.
  std::vector<std::size_t> order(m_anchors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    return m_anchors[a].height > m_anchors[b].height;
  });
  std::vector<std::size_t> picked;
  std::vector<RecheckItem> items;
  for (std::size_t i : order) {
    if (picked.size() >= kMaxRechecked) break;
    picked.push_back(i);
    items.push_back(RecheckItem{m_anchors[i].btc_height, m_anchors[i].btc_block_hash});
    if (m_anchors[i].unanimous && m_anchors[i].confirmed) break;
  }
  RunOnWorker<RecheckOutcome>([items](AnchorNet& net) { return RecheckAnchors(net, items); },
                              [this, picked](RecheckOutcome o) { OnRechecked(picked, std::move(o)); });
  return true;
}

void AnchorScheduler::OnRechecked(std::vector<std::size_t> indexes, RecheckOutcome outcome) {
  if (outcome.error) {
    // The source cannot answer: keep the statuses as they are rather than drop them on an outage.
    NoteError("rechecking anchors: " + outcome.error->message);
    return;
  }
  bool changed = false;
  for (std::size_t k = 0; k < indexes.size() && indexes[k] < m_anchors.size(); ++k) {
    Anchor& a = m_anchors[indexes[k]];
    if (outcome.btc_time[k] != 0) a.btc_time = outcome.btc_time[k];
    if (a.confirmed != outcome.confirmed[k]) {
      changed = true;
      a.confirmed = outcome.confirmed[k];
      if (!a.confirmed) {
        spdlog::warn("anchor: the anchor of block {} in Bitcoin block {} is no longer confirmed (Bitcoin reorganised); "
                     "statuses are recomputed",
                     a.height, a.btc_height);
      } else {
        spdlog::info("anchor: the anchor of block {} in Bitcoin block {} is confirmed again", a.height, a.btc_height);
      }
    }
  }
  if (changed) ApplyHeights();
}

void AnchorScheduler::ApplyHeights() {
  std::vector<CoveringAnchor> confirmed;
  for (const Anchor& a : m_anchors) {
    if (!a.confirmed) continue;
    CoveringAnchor c;
    c.height = a.height;
    c.unanimous = a.unanimous;
    confirmed.push_back(c);
  }
  const store::StatusHeights heights = HeightsOf(confirmed);
  if (heights == m_heights) return;
  // N = 1: what the seals alone make a block is UNANIMOUS (its one member sealed it at commit).
  if (Status s = m_store.SetStatusHeights(heights, store::BlockStatus::kUnanimous); !s.ok()) {
    NoteError("cannot update block statuses: " + s.error().message);
    return;
  }
  spdlog::info("anchor: anchored height {} -> {}, final height {} -> {}", m_heights.anchored_height,
               heights.anchored_height, m_heights.final_height, heights.final_height);
  m_heights = heights;
  m_oldest_unfinal_ts = 0;
  if (m_head > m_heights.final_height) {
    auto b = m_store.LoadBlock(m_heights.final_height + 1);
    if (b.ok() && *b) m_oldest_unfinal_ts = (*b)->block.header.timestamp_ms;
  }
}

bool AnchorScheduler::lagging() const {
  return m_head > m_heights.final_height && m_oldest_unfinal_ts != 0 &&
         m_clock.NowMs() > m_oldest_unfinal_ts + kAnchorLagAlertMs;
}

AnchoringView AnchorScheduler::View() const {
  AnchoringView v;
  v.enabled = true;
  v.calendars = m_config.calendars;
  v.confirmations = m_net->confirmations;
  v.interval_ms = m_config.interval_ms;
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
  v.anchor_lag = lagging();
  return v;
}

}  // namespace peerdb::node
