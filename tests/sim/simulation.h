// The deterministic discrete-event simulation of N consensus members (PROTOCOL.md §7.3).
//
// One seeded Rng drives everything: message delays, loss and duplication, the workload (members'
// own signed batches), crashes, partitions, Bitcoin mining and reorgs, anchoring delays and the
// byzantine members' choices. Events are ordered by (simulated time, insertion number), so a seed
// replays exactly. Each member has a clock skew: its Machine sees `now + skew`.
//
// A run has two phases. During [0, fault_ms) the scenario's faults happen. At fault_ms the
// network stabilises (GST): partitions heal, crashed members restart, loss and duplication stop,
// and armed crashes are disarmed. During the next settle_ms the liveness expectations the spec
// makes (§0 G4/G5/G6, §7.2) must come true. Safety invariants (invariants.h) are checked after
// every step; the first violation ends the run.
// Thread-safety: not thread-safe; one Simulation per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "byzantine.h"
#include "invariants.h"
#include "sim_anchoring.h"
#include "peerdb/consensus/machine.h"
#include "sim_app.h"
#include "sim_bitcoin.h"
#include "sim_keys.h"
#include "sim_network.h"
#include "sim_random.h"

namespace peerdb::sim {

class Simulation;

struct SimConfig {
  std::string scenario;
  std::uint64_t seed = 0;
  std::size_t n = 4;
  chain::Params params = SimParams();
  NetParams net;
  std::uint64_t fault_ms = 8'000;
  std::uint64_t settle_ms = 10'000;
  std::map<chain::MemberId, std::uint32_t> byz;       // Byz bits per byzantine member
  std::map<chain::MemberId, std::int64_t> skew_ms;    // clock skew per member
  std::uint64_t batch_min_ms = 2'500;                 // per member, between its batches
  std::uint64_t batch_max_ms = 6'000;
  bool anchoring = true;
  std::uint64_t anchor_min_ms = 500;                  // submission to "ready for the next Bitcoin block"
  std::uint64_t anchor_max_ms = 3000;
  std::uint64_t btc_interval_ms = 1000;
  // Liveness expected after GST (where the spec promises it).
  bool expect_progress = true;   // honest heads all reach the highest GST head, and one block more
  bool expect_unanimity = true;  // honest members see the GST head UNANIMOUS
  bool expect_final = false;     // honest views see a FINAL block by the end
  // Non-empty: the machine is known not to meet this scenario's liveness expectations yet (named
  // here); with tolerate_known_gaps a liveness failure becomes a note. Safety is never tolerated.
  std::string liveness_known_gap;
  bool tolerate_known_gaps = false;
  // Members n+1 .. n+joiners: nodes of members a config change may ADD. They exist (keys, network)
  // but are not started until the scenario calls Start, and are not in the genesis.
  std::size_t joiners = 0;
  // The operators (§5.3: only they approve). Null: nobody approves anything. Otherwise each
  // started member's operator looks at its node every 300-900 ms and, if this returns true for the
  // change pending there, approves it (ApproveChange), as `peerdb change approve` does.
  std::function<bool(Simulation&, chain::MemberId, const chain::PendingChange&)> operator_approves;
  std::function<void(Simulation&)> setup;   // schedules the scenario's faults
  std::function<void(Simulation&)> at_end;  // scenario expectations (Simulation::Fail)
  // The member's Application at start and restart (null: SimApp); a byzantine member may break the rules.
  std::function<std::unique_ptr<SimApp>(chain::MemberId, const chain::Genesis&, Durable&)> make_app;
  bool trace = false;
};

struct SimResult {
  bool ok = true;
  std::string failure;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::uint64_t min_head = 0;       // lowest honest committed height at the end
  std::uint64_t final_height = 0;   // highest FINAL height in an honest view
  std::size_t evidence = 0;
  bool known_gap_hit = false;       // a liveness expectation failed and was tolerated
  std::string notes;
};

class Simulation {
 public:
  explicit Simulation(SimConfig config);
  ~Simulation();
  SimResult Run();

  // ---- for scenarios
  Rng& rng() { return m_rng; }
  std::uint64_t now() const { return m_now; }
  const SimConfig& config() const { return m_cfg; }
  std::size_t n() const { return m_cfg.n; }
  void At(std::uint64_t t, std::function<void()> fn);  // t: ms since the start of the run
  void After(std::uint64_t delay_ms, std::function<void()> fn);
  void Crash(chain::MemberId id);
  void Restart(chain::MemberId id);
  void Start(chain::MemberId id) { Restart(id); }  // a joiner's first start (from the genesis file)
  std::size_t members_total() const { return m_members.size(); }  // n + joiners

  // ---- governance (PROTOCOL.md §5.3)
  // Member `by`'s client proposes a change of its epoch in force, expiring `expires_in` heights above
  // its head. Returns the change id (the change may still be refused when a block is built).
  Hash32 ProposeChange(chain::MemberId by, std::vector<chain::ConfigOp> ops, std::uint64_t expires_in);
  // Steps ApproveChange at `id` without its operator having approved: only for the test that
  // shows I13 catches a node approving on its own.
  void ApproveUnordered(chain::MemberId id, const Hash32& change_id);
  // Gives `id`'s node its next key (node.toml next_key); it survives restarts.
  void GiveNextKey(chain::MemberId id);
  // The config in force at `id`'s head + 1, as its disk holds it.
  const chain::Config& ConfigOf(chain::MemberId id) const;
  // The epochs of `id`'s committed chain.
  chain::EpochHistory EpochsOf(chain::MemberId id) const;
  // Honest members of the config in force at the end of the honest chain with the highest head
  // (the members liveness is expected of).
  std::vector<chain::MemberId> HonestMembersNow() const;
  // Crash `id` at the k-th persisting call of a later step (k >= 1), or, with k == 0, after the
  // first step that persisted anything, before its actions are sent.
  void ArmCrash(chain::MemberId id, std::uint32_t k);
  void Partition(const std::vector<std::vector<chain::MemberId>>& groups);
  void Heal();
  void BitcoinReorg(std::uint32_t depth) { m_btc.Reorg(depth, m_now); CheckFinality(); }
  void CalendarsDownUntil(std::uint64_t t) { m_calendars_down_until = t; }
  bool alive(chain::MemberId id) const;
  bool honest(chain::MemberId id) const { return !m_cfg.byz.count(id); }
  std::vector<chain::MemberId> Honest() const;
  std::uint64_t Head(chain::MemberId id) const;
  std::uint64_t UnanimousHeight(chain::MemberId id) const;
  const Durable& Disk(chain::MemberId id) const;
  std::optional<consensus::MachineView> View(chain::MemberId id) const;
  std::uint64_t FinalHeight(chain::MemberId id) const { return m_checker.final_height(id); }
  const AnchorDisk& AnchorStore(chain::MemberId id) const;  // what the member's anchoring stored
  std::uint64_t ClientSeq(chain::MemberId id) const;  // seq of the member's last issued batch
  std::uint64_t CommittedSeq(chain::MemberId id) const;  // highest seq of `id` in the honest chain
  std::uint64_t gst_head() const { return m_gst_head; }
  // Delivers a message straight to `to` as if from `from` (a non-member the transport let through).
  void Inject(chain::MemberId to, chain::MemberId from, const consensus::PeerMessage& msg);
  const InvariantChecker& checker() const { return m_checker; }
  const chain::Genesis& genesis() const { return m_genesis; }
  BitcoinSim& bitcoin() { return m_btc; }
  const BitcoinSim& bitcoin() const { return m_btc; }
  // Simulated ms since the first evidence was seen (0 if none yet).
  std::uint64_t EvidenceAgeMs() const { return m_evidence_at ? m_now - *m_evidence_at : 0; }
  bool AlertSeen(chain::MemberId by, consensus::AlertKind kind, chain::MemberId about = 0) const;
  std::size_t Penalties(chain::MemberId of) const;
  chain::MemberId ProposerOf(chain::MemberId asked) const;  // proposer(h, round) in `asked`'s view
  void Fail(const std::string& what);
  void Note(const std::string& what) { m_notes += what + "; "; }

  // Drop a message before the network (scenario 2's partial send, scenario 18's censor). Return true to drop.
  std::function<bool(chain::MemberId from, chain::MemberId to, const consensus::PeerMessage&)> intercept;
  // Every step's actions of a member that survived the step.
  std::function<void(chain::MemberId, const std::vector<consensus::Action>&)> on_actions;

 private:
  struct Member;
  enum class EvKind : std::uint8_t { kDeliver, kTick, kCall };
  struct Ev {
    std::uint64_t at = 0;
    std::uint64_t seq = 0;
    EvKind kind = EvKind::kCall;
    chain::MemberId to = 0;
    chain::MemberId from = 0;
    std::uint64_t gen = 0;
    std::shared_ptr<const consensus::PeerMessage> msg;
    std::function<void()> fn;
  };
  struct EvOrder {
    bool operator()(const Ev& a, const Ev& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };

  void Push(Ev ev);
  std::unique_ptr<SimApp> MakeApp(Member& m);
  void StepMember(Member& m, const consensus::Event& ev, std::string_view what);
  void ProcessActions(Member& m, std::vector<consensus::Action>& actions);
  void CheckWireRoundTrip(const consensus::PeerMessage& msg);
  void Transmit(chain::MemberId from, chain::MemberId to, std::shared_ptr<const consensus::PeerMessage> msg);
  void ScheduleTick(Member& m);
  void ScheduleWorkload(chain::MemberId id);
  void ScheduleOperator(chain::MemberId id);
  chain::TxBatch ClientBatch(Member& m, std::uint64_t seq);
  const crypto::SigningKey& ClientKey(const Member& m) const;
  const chain::Config& ConfigOf(const Member& m) const;
  bool Connected(chain::MemberId a, chain::MemberId b) const;  // network link and mutual membership
  void MembershipChanged(Member& m, std::size_t epochs_before);
  void OnOwnBatchDropped(Member& m, const chain::TxBatch& b);
  void ScheduleMining();
  void ScheduleReplay(chain::MemberId id);
  void StartAnchoring(Member& m);
  void SyncAnchoring(Member& m);
  void ScheduleAnchorTick(Member& m);
  void LinksChanged(const std::vector<std::pair<std::pair<chain::MemberId, chain::MemberId>, bool>>& changed);
  void Gst();
  void CheckFinality();
  void CheckLiveness();
  std::set<chain::MemberId> ExcludedBy(const Member& m) const;
  void Trace(const std::string& line);
  void TraceViews();
  void Mix(std::uint64_t x);
  void MixMsg(const consensus::PeerMessage& msg);

  SimConfig m_cfg;
  Rng m_rng;
  Rng m_anchor_rng;  // the simulated calendars' delays
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  Hash32 m_other_chain_id{};
  std::vector<std::unique_ptr<Member>> m_members;  // index = id - 1
  Network m_net;
  BitcoinSim m_btc;
  InvariantChecker m_checker;
  std::priority_queue<Ev, std::vector<Ev>, EvOrder> m_queue;
  std::uint64_t m_now = 0;
  std::uint64_t m_seq = 0;
  std::uint64_t m_events = 0;
  std::uint64_t m_hash = 1469598103934665603ULL;
  bool m_after_gst = false;
  std::uint64_t m_gst_head = 0;
  std::uint64_t m_calendars_down_until = 0;
  std::vector<std::shared_ptr<const consensus::PeerMessage>> m_recent;  // for replays
  std::map<std::tuple<chain::MemberId, std::uint8_t, chain::MemberId>, std::uint64_t> m_alerts;
  std::map<chain::MemberId, std::size_t> m_penalties;
  std::optional<std::string> m_failure;
  bool m_known_gap_hit = false;
  std::optional<std::uint64_t> m_evidence_at;
  std::string m_notes;
};

}  // namespace peerdb::sim
