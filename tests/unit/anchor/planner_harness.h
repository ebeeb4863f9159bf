// The executor's part for the anchoring planner's tests, in memory: it answers reads from a chain
// the test builds, applies writes to an in-memory store and hands their outcomes back at once, and
// holds network requests until the test answers them. Every action is traced with the height it
// concerns ("SaveJob 1", "Submit 1", "SetStatusHeights 3/3"); log messages are kept apart.
// Members are chain_samples' 1..4 (MAJ 3); block h's checkpoint is sealed by whom the test says.
// Thread-safety: test thread only.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../chain/chain_samples.h"
#include "peerdb/anchor/anchor_planner.h"

namespace peerdb::anchor::test {

namespace samples = chain::samples;

inline constexpr std::uint64_t kT0 = 1'700'000'000'000;
inline constexpr std::uint64_t kInterval = 60'000;
inline constexpr std::uint64_t kUpgradeInterval = 10'000;
inline const std::vector<chain::MemberId> kAll = {1, 2, 3, 4};

inline ots::BitcoinVerification Verified(std::uint64_t btc_height) {
  ots::BitcoinVerification v;
  v.height = btc_height;
  v.time = 1'700'000'000;
  v.block_hash = samples::Filled(static_cast<std::uint8_t>(btc_height));
  v.confirmations = 6;
  return v;
}

inline UpgradeOutcome ConfirmedIn(std::uint64_t btc_height) {
  UpgradeOutcome o;
  o.timestamp = Bytes{0xb7, static_cast<std::uint8_t>(btc_height)};  // the tree with its Bitcoin path
  o.confirmed = Verified(btc_height);
  return o;
}

// The executor, in memory: the chain, the store and the one outstanding network request.
class Harness {
 public:
  explicit Harness(PlannerOptions options = {kInterval, kUpgradeInterval})
      : m_planner(options, samples::MakeConfig()) {}

  // Block h (timestamp ts) with seals by `sealers`: what LoadCheckpoint reads.
  void AddBlock(std::uint64_t h, std::uint64_t ts, std::vector<chain::MemberId> sealers = kAll) {
    m_blocks[h] = Block{ts, samples::MakeCheckpoint(h, samples::Filled(static_cast<std::uint8_t>(h)), sealers)};
    m_height_of[chain::CheckpointDigest(m_blocks[h].checkpoint)] = h;
  }
  // Blocks 1..n, block h with timestamp kT0 + h, sealed by every member.
  void Chain(std::uint64_t n) {
    for (std::uint64_t h = 1; h <= n; ++h) AddBlock(h, kT0 + h);
  }
  Job JobOf(std::uint64_t h, std::optional<Bytes> timestamp, std::uint64_t created_ms) const {
    const chain::Checkpoint& cp = m_blocks.at(h).checkpoint;
    return Job{cp, chain::CheckpointDigest(cp), std::move(timestamp), created_ms, created_ms};
  }

  void Start(std::uint64_t head, std::vector<Job> jobs = {}, std::vector<LoadedAnchor> anchors = {},
             chain::StatusHeights heights = {}) {
    for (const Job& j : jobs) m_jobs[j.digest] = j;
    m_heights = heights;
    Run(m_planner.Start(std::move(jobs), anchors, heights, Head{head, TimeOf(head)}));
  }
  void NewHead(std::uint64_t h) { Run(m_planner.OnHead(anchor::Head{h, TimeOf(h)})); }
  void Tick(std::uint64_t now) {
    m_now = now;
    Run(m_planner.Tick(now));
  }
  void Exclude(std::vector<chain::MemberId> members) { Run(m_planner.SetExcluded(std::move(members))); }

  // Answers to the outstanding network request.
  void Submitted(Result<Bytes> tree = Bytes{0x51}) {
    const Submit s = Take<Submit>();
    Run(m_planner.OnSubmitted(s.digest, std::move(tree), m_now));
  }
  void Upgraded(UpgradeOutcome outcome) {
    const Upgrade u = Take<Upgrade>();
    Run(m_planner.OnUpgraded(u.digest, std::move(outcome), m_now));
  }
  void Rechecked(RecheckOutcome outcome) {
    const Recheck r = Take<Recheck>();
    Run(m_planner.OnRechecked(r.items, outcome));
  }
  // Anchors the job of block h in Bitcoin block btc: submitted now, confirmed at the next upgrade.
  void AnchorHead(std::uint64_t h, std::uint64_t btc, std::uint64_t now) {
    NewHead(h);
    Tick(now);
    Submitted();
    Tick(now + 1);
    Upgraded(ConfirmedIn(btc));
  }

  std::vector<std::string> TakeTrace() { return std::exchange(m_trace, {}); }
  std::vector<std::string> TakeLogs() { return std::exchange(m_logs, {}); }
  void FailNext(std::string write) { m_fail = std::move(write); }

  AnchorPlanner& planner() { return m_planner; }
  bool requesting() const { return m_request.has_value(); }
  const std::map<Hash32, Job>& stored_jobs() const { return m_jobs; }
  const std::vector<chain::AnchorRecord>& stored_anchors() const { return m_anchors; }
  const chain::StatusHeights& stored_heights() const { return m_heights; }

 private:
  struct Block {
    std::uint64_t ts = 0;
    chain::Checkpoint checkpoint;
  };

  std::uint64_t TimeOf(std::uint64_t h) const { return m_blocks.count(h) ? m_blocks.at(h).ts : 0; }
  std::string H(const Hash32& digest) const {
    auto it = m_height_of.find(digest);
    return it == m_height_of.end() ? "?" : std::to_string(it->second);
  }
  template <class T>
  T Take() {
    EXPECT_TRUE(m_request && std::holds_alternative<T>(*m_request)) << "no such request outstanding";
    T t = std::get<T>(*m_request);
    m_request.reset();
    return t;
  }
  // The outcome of a write, unless the test asked it to fail.
  Status Outcome(const std::string& kind) {
    if (m_fail != kind) return Status::Ok();
    m_fail.clear();
    return Error{Errc::kIo, "disk full"};
  }

  void Run(std::vector<Action> actions) {
    for (Action& a : actions) Perform(a);
  }

  void Perform(Action& action) {
    if (auto* log = std::get_if<Log>(&action)) {
      m_logs.push_back(log->message);
      return;
    }
    if (auto* a = std::get_if<LoadCheckpoint>(&action)) {
      m_trace.push_back("LoadCheckpoint " + std::to_string(a->height));
      Result<chain::Checkpoint> cp = m_blocks.count(a->height)
                                         ? Result<chain::Checkpoint>(m_blocks.at(a->height).checkpoint)
                                         : Result<chain::Checkpoint>(Error{Errc::kNotFound, "not stored"});
      return Run(m_planner.OnCheckpoint(a->height, std::move(cp), m_now));
    }
    if (auto* a = std::get_if<LoadBlockTime>(&action)) {
      m_trace.push_back("LoadBlockTime " + std::to_string(a->height));
      return Run(m_planner.OnBlockTime(a->height, TimeOf(a->height)));
    }
    if (auto* a = std::get_if<SaveJob>(&action)) {
      m_trace.push_back("SaveJob " + std::to_string(a->job.checkpoint.h));
      const Status s = Outcome("SaveJob");
      if (s.ok()) m_jobs[a->job.digest] = a->job;
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<SaveProof>(&action)) {
      m_trace.push_back("SaveProof " + H(a->digest) + (a->confirmed ? " confirmed" : ""));
      Status s = Outcome("SaveProof");
      if (s.ok() && !m_jobs.count(a->digest)) s = Error{Errc::kNotFound, "no such job"};
      if (s.ok()) m_jobs[a->digest].timestamp = a->timestamp;
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<DeleteJob>(&action)) {
      m_trace.push_back("DeleteJob " + H(a->digest));
      const Status s = Outcome("DeleteJob");
      if (s.ok()) m_jobs.erase(a->digest);
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<SaveAnchor>(&action)) {
      m_trace.push_back("SaveAnchor " + std::to_string(a->checkpoint.h));
      const Status s = Outcome("SaveAnchor");
      if (s.ok()) {
        EXPECT_EQ(chain::CheckpointDigest(a->checkpoint), a->record.digest);
        EXPECT_TRUE(m_jobs.count(a->record.digest)) << "a job is anchored only once its proof is saved";
        m_anchors.push_back(a->record);
        m_jobs.erase(a->record.digest);
      }
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<SetStatusHeights>(&action)) {
      m_trace.push_back("SetStatusHeights " + std::to_string(a->heights.anchored_height) + "/" +
                        std::to_string(a->heights.final_height));
      const Status s = Outcome("SetStatusHeights");
      if (s.ok()) m_heights = a->heights;
      return Run(m_planner.OnStored(action, s));
    }
    if (auto* a = std::get_if<RaiseAlert>(&action)) {
      m_trace.push_back(std::string("RaiseAlert ") + std::string(consensus::AlertCode(a->alert.kind)) + " from " +
                        std::to_string(a->alert.from_height));
      return;
    }
    if (auto* a = std::get_if<ClearAlert>(&action)) {
      m_trace.push_back(std::string("ClearAlert ") + std::string(consensus::AlertCode(a->kind)));
      return;
    }
    // A network request: held until the test answers it. Never two at once.
    EXPECT_FALSE(m_request.has_value()) << "a second request while one is outstanding";
    if (auto* a = std::get_if<Submit>(&action)) {
      EXPECT_TRUE(m_jobs.count(a->digest)) << "submitted before its job was saved";
      m_trace.push_back("Submit " + H(a->digest));
    } else if (auto* u = std::get_if<Upgrade>(&action)) {
      m_trace.push_back("Upgrade " + H(u->digest));
    } else if (auto* r = std::get_if<Recheck>(&action)) {
      std::string s = "Recheck";
      for (const RecheckItem& i : r->items) s += " " + H(i.digest);
      m_trace.push_back(s);
    }
    m_request = action;
  }

  AnchorPlanner m_planner;
  std::map<std::uint64_t, Block> m_blocks;
  std::map<Hash32, std::uint64_t> m_height_of;
  std::uint64_t m_now = 0;
  std::optional<Action> m_request;
  std::vector<std::string> m_trace, m_logs;
  std::string m_fail;
  // The store.
  std::map<Hash32, Job> m_jobs;
  std::vector<chain::AnchorRecord> m_anchors;
  chain::StatusHeights m_heights;
};

}  // namespace peerdb::anchor::test
