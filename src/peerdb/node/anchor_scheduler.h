// A member's anchoring duty (PROTOCOL.md §1.8, §3): whenever the best UNANIMOUS head changed and
// interval_ms passed since the last submission, the checkpoint of that head (its block id and
// seals) is saved as an anchor job FIRST and then its digest is submitted to the calendars; every
// upgrade_interval_ms pending proofs are upgraded and, once they reach a Bitcoin block with
// k_anchor confirmations in the header source's view, become AnchorRecords and raise the statuses
// of the anchored block and all its ancestors (ANCHORED; FINAL when the checkpoint's seals make the
// block UNANIMOUS). Confirmed anchors are rechecked on the same period; one that a Bitcoin reorg
// has un-confirmed no longer counts and the statuses are recomputed. Alert A5 ANCHOR_LAG is raised
// when the head has waited more than 8 hours to become FINAL.
// Deviations from §1.8: the pace is node.toml's interval_ms (the consortium's anchor_interval_ms is
// not consulted), only OTS anchoring is done (no DIRECT fallback), and anchor records are kept in
// the store and exports, not yet gossiped or copied into later blocks (Record 4).
//
// Threading: every method runs on the node thread (the io_context given), except Join. Network
// I/O runs on one worker thread, one request at a time; its results are posted back to the node
// thread, which alone touches the store. A restart resumes from the jobs in the store: a digest
// whose calendar reply was lost is submitted again, a pending proof is upgraded where it stopped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/node/anchor_tasks.h"
#include "peerdb/node/background_worker.h"
#include "peerdb/node/node_config.h"
#include "peerdb/node/service.h"
#include "peerdb/store/store.h"
#include "peerdb/util/clock.h"

namespace peerdb::node {

inline constexpr std::uint64_t kAnchorLagAlertMs = 8ull * 3'600'000;  // A5
inline constexpr std::size_t kMaxAnchorJobs = 64;        // older pending jobs are dropped beyond this
inline constexpr std::size_t kMaxRechecked = 16;         // anchors rechecked per pass, newest first

class AnchorScheduler {
 public:
  // REQUIRES: config.enabled; store, genesis, clock and io outlive the scheduler.
  static Result<std::unique_ptr<AnchorScheduler>> Create(const AnchorConfig& config, boost::asio::io_context& io,
                                                         store::Store& store, const chain::Genesis& genesis,
                                                         const util::Clock& clock);
  ~AnchorScheduler();

  // Loads the jobs and anchors from the store and starts the timer. `head` is the chain head.
  Status Start(std::uint64_t head_height, std::uint64_t head_timestamp_ms);
  // A block was committed (UNANIMOUS for N = 1: its one member sealed it).
  void OnHead(std::uint64_t height, std::uint64_t timestamp_ms);
  // The members this node excludes by evidence (X_m, §5.2). A checkpoint makes its block FINAL when
  // its sealers make it unanimous under these exclusions (chain::IsUnanimous), so statuses are
  // recomputed: an anchor that lacked only an offender's seal makes its block FINAL from now on.
  void SetExcluded(std::vector<chain::MemberId> excluded);
  // No new work; the timer is cancelled and the worker stops after its current request.
  void Stop();
  // Waits for the worker. Not from the worker thread.
  void Join();

  AnchoringView View() const;
  bool lagging() const;

 private:
  struct Anchor {
    std::uint64_t height = 0;
    Hash32 digest{};
    std::vector<chain::MemberId> sealers;  // whose seals in the checkpoint verified
    std::uint64_t btc_height = 0;
    Hash32 btc_block_hash{};
    std::uint32_t btc_time = 0;
    bool confirmed = true;  // saved only once confirmed; a recheck may revoke it
  };

  AnchorScheduler(const AnchorConfig& config, boost::asio::io_context& io, store::Store& store,
                  const chain::Genesis& genesis, const util::Clock& clock, std::unique_ptr<AnchorNet> net);

  void ScheduleTick();
  void Tick();
  bool MaybeSubmit(std::uint64_t now);
  bool MaybeUpgrade(std::uint64_t now);
  bool MaybeRecheck(std::uint64_t now);
  // Runs `task` on the worker; its result is handled by `done` on the node thread.
  template <class R>
  void RunOnWorker(std::function<R(AnchorNet&)> task, std::function<void(R)> done);

  bool Unanimous(const Anchor& a) const;
  Result<store::AnchorJob> NewJob(std::uint64_t height, std::uint64_t now);
  void OnSubmitted(const Hash32& digest, std::uint64_t height, Result<Bytes> tree);
  void OnUpgraded(const Hash32& digest, UpgradeOutcome outcome);
  void OnRechecked(std::vector<std::size_t> indexes, RecheckOutcome outcome);
  Status SaveConfirmed(const store::AnchorJob& job, const ots::BitcoinVerification& v, ByteSpan proof);
  // Recomputes the ANCHORED and FINAL heights from the confirmed anchors and writes them.
  void ApplyHeights();
  void NoteError(const std::string& what);
  store::AnchorJob* FindJob(const Hash32& digest);

  AnchorConfig m_config;
  boost::asio::io_context& m_io;
  store::Store& m_store;
  const chain::Genesis& m_genesis;
  Hash32 m_chain_id;
  const util::Clock& m_clock;
  std::shared_ptr<AnchorNet> m_net;  // used on the worker thread only
  boost::asio::steady_timer m_timer;
  // Node-thread state.
  bool m_stopped = false;
  bool m_busy = false;  // a worker request is in flight
  std::uint64_t m_head = 0;
  std::uint64_t m_head_ts = 0;
  std::vector<store::AnchorJob> m_jobs;
  std::vector<Anchor> m_anchors;
  store::StatusHeights m_heights;
  std::vector<chain::MemberId> m_excluded;
  std::uint64_t m_oldest_unfinal_ts = 0;  // timestamp of block final_height + 1, 0 when all final
  std::uint64_t m_last_submission_ms = 0, m_last_submitted_height = 0, m_last_attempt_ms = 0;
  std::uint64_t m_last_upgrade_ms = 0, m_last_recheck_ms = 0, m_last_lag_log_ms = 0;
  std::vector<Hash32> m_upgrade_queue;  // the rest of the current upgrade pass
  std::string m_last_error;
  // Declared last: destroyed (stopped and joined) first, while everything a task uses is alive.
  BackgroundWorker m_worker;
};

}  // namespace peerdb::node
