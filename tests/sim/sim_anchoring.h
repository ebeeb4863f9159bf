// A member's anchoring in the simulation, done by the node's own planner (anchor::AnchorPlanner):
// this is the executor node/anchoring.cpp is in a node, with the member's durable anchor store in
// memory and the simulated calendars and Bitcoin (sim_bitcoin.h) answering its requests after
// seeded delays. The member's FINAL view is then what the planner wrote to its store, so the
// invariants (I4, I5) and the light-client check (I11) judge the production status code, not a copy.
//
// Calendars: a submission is answered after 20-200 ms (an error while they are down); its anchor is
// ready for the next Bitcoin block anchor_min_ms..anchor_max_ms later. An upgrade reports the
// anchor confirmed once it has k confirmations; a recheck asks whether the recorded Bitcoin block
// is still on the best chain, k deep. A crash destroys the executor: answers still in flight are
// dropped, and the restart loads the durable store, as a node does.
// Thread-safety: not thread-safe; owned by one Simulation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "peerdb/anchor/anchor_planner.h"
#include "peerdb/consensus/machine.h"
#include "sim_app.h"
#include "sim_bitcoin.h"
#include "sim_random.h"

namespace peerdb::sim {

// What a member's anchoring keeps on disk (the node's anchor jobs, anchors and status heights).
struct AnchorDisk {
  std::vector<anchor::Job> jobs;
  std::vector<anchor::LoadedAnchor> anchors;
  chain::StatusHeights heights;
};

// The simulation as the executor reaches it.
struct AnchorWorld {
  BitcoinSim* btc = nullptr;
  Rng* rng = nullptr;
  std::uint32_t k = 6;
  std::uint64_t anchor_min_ms = 500, anchor_max_ms = 3000;
  std::function<std::uint64_t()> now;
  std::function<void(std::uint64_t delay_ms, std::function<void()>)> after;
  std::function<bool()> calendars_down;
  std::function<void(const consensus::Alert&)> alert;
  std::function<void(const std::string&)> trace;
};

class SimAnchoring {
 public:
  // Starts from `store` (empty on the first start) and the member's committed chain.
  SimAnchoring(chain::MemberId id, const chain::Genesis& genesis, anchor::PlannerOptions options, const Durable& disk,
               AnchorDisk& store, AnchorWorld world);
  ~SimAnchoring();
  SimAnchoring(const SimAnchoring&) = delete;
  SimAnchoring& operator=(const SimAnchoring&) = delete;

  // After each step of the member: its best UNANIMOUS head and its exclusions, as the node shares them.
  void Sync(const std::set<chain::MemberId>& excluded);
  void Tick();
  bool failed() const { return !m_failure.empty(); }
  const std::string& failure() const { return m_failure; }  // the executor broke the planner's contract

 private:
  void Perform(std::vector<anchor::Action> actions);
  void Store(const anchor::Action& write);
  void Answer(std::uint64_t delay_ms, std::function<std::vector<anchor::Action>()> answer);
  void Submit(const anchor::Submit& s);
  void Upgrade(const anchor::Upgrade& u);
  void Recheck(const anchor::Recheck& r);
  chain::Checkpoint CheckpointAt(std::uint64_t height) const;
  anchor::Head HeadNow() const;
  void FollowEpochs();

  chain::MemberId m_id;
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  const Durable& m_disk;
  AnchorDisk& m_store;
  AnchorWorld m_world;
  anchor::AnchorPlanner m_planner;
  std::uint64_t m_head = 0;
  std::size_t m_epochs_seen = 0;  // m_disk.epochs.size() last given to the planner
  std::shared_ptr<bool> m_alive;  // answers in flight hold a weak copy: a crash drops them
  std::string m_failure;
};

}  // namespace peerdb::sim
