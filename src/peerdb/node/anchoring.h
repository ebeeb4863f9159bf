// The node's anchoring executor: it owns the timer, the worker thread for network requests and the
// node's store, feeds events to the anchoring planner (anchor/anchor_planner.h, where the policy
// lives: what to submit and when, upgrades, rechecks, statuses, A5) and carries out the actions it
// returns: reads and writes through the store (each write's outcome handed straight back, so a job
// is saved before its digest is submitted and a confirmed anchor is saved before statuses rise),
// calendar and header-source requests on the worker (anchor_tasks.h), alerts and logs.
//
// Threading: every method runs on the node thread (the io_context given), except Join. Network
// I/O runs on one worker thread, one request at a time; its results are posted back to the node
// thread, which alone touches the store and the planner. A restart resumes from the jobs and
// anchors in the store: a digest whose calendar reply was lost is submitted again, a pending proof
// is upgraded where it stopped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "peerdb/anchor/anchor_planner.h"
#include "peerdb/node/anchor_tasks.h"
#include "peerdb/node/background_worker.h"
#include "peerdb/node/node_config.h"
#include "peerdb/node/service.h"
#include "peerdb/store/store.h"
#include "peerdb/util/clock.h"

namespace peerdb::node {

class Anchoring {
 public:
  // REQUIRES: config.enabled; store, genesis, clock and io outlive this object.
  static Result<std::unique_ptr<Anchoring>> Create(const AnchorConfig& config, boost::asio::io_context& io,
                                                   store::Store& store, const chain::Genesis& genesis,
                                                   const util::Clock& clock);
  ~Anchoring();

  // Loads the jobs and anchors from the store and starts the timer. `head` is the best UNANIMOUS
  // block (its height and timestamp).
  Status Start(std::uint64_t head_height, std::uint64_t head_timestamp_ms);
  // A block became the best UNANIMOUS head (for N = 1: it was committed).
  void OnHead(std::uint64_t height, std::uint64_t timestamp_ms);
  // The members this node excludes by evidence (X_m, §5.2); see AnchorPlanner::SetExcluded.
  void SetExcluded(std::vector<chain::MemberId> excluded);
  // The committed chain's epochs; see AnchorPlanner::SetEpochs.
  void SetEpochs(chain::EpochHistory epochs);
  // No new work; the timer is cancelled and the worker stops after its current request.
  void Stop();
  // Waits for the worker. Not from the worker thread.
  void Join();

  AnchoringView View() const;

 private:
  Anchoring(const AnchorConfig& config, boost::asio::io_context& io, store::Store& store,
            const chain::Genesis& genesis, const util::Clock& clock, std::unique_ptr<AnchorNet> net);

  void ScheduleTick();
  // Carries out `actions` in order; what an answered read or write returns is carried out at once,
  // before the rest.
  void Perform(std::vector<anchor::Action> actions);
  void Perform(anchor::Action& action);
  Result<chain::Checkpoint> LoadCheckpoint(std::uint64_t height) const;
  std::uint64_t LoadBlockTime(std::uint64_t height) const;
  // Carries out a store write and hands its outcome to the planner.
  void Store(const anchor::Action& write);
  Status Write(const anchor::Action& write);
  // Runs `task` on the worker; `done` gets its result on the node thread. A task that throws
  // yields `failed(message)` instead.
  template <class R>
  void RunOnWorker(std::function<R(AnchorNet&)> task, std::function<std::vector<anchor::Action>(R)> done,
                   std::function<R(const std::string&)> failed);

  AnchorConfig m_config;
  boost::asio::io_context& m_io;
  store::Store& m_store;
  Hash32 m_chain_id;
  const util::Clock& m_clock;
  std::shared_ptr<AnchorNet> m_net;  // used on the worker thread only
  boost::asio::steady_timer m_timer;
  anchor::AnchorPlanner m_planner;   // node thread only
  bool m_stopped = false;            // node thread only
  // Declared last: destroyed (stopped and joined) first, while everything a task uses is alive.
  BackgroundWorker m_worker;
};

}  // namespace peerdb::node
