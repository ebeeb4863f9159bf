#include "simulation.h"

#include <algorithm>
#include <cstdio>

#include "light_client_check.h"
#include "sim_anchoring.h"
#include "peerdb/chain/rules.h"
#include "peerdb/consensus/evidence.h"

namespace peerdb::sim {

namespace {
constexpr std::uint64_t kMaxEvents = 4'000'000;  // a run that needs more is livelocked
constexpr std::size_t kRecent = 256;             // messages kept for replays
constexpr std::uint64_t kMinTickMs = 10;          // timer granularity of the simulated node
constexpr std::uint32_t kMaxIdleSpins = 100;      // ticks in a row that did nothing yet ask to run again at once
constexpr std::uint64_t kAnchorTickMs = 250;      // the node's anchoring timer (at most 1 s, anchor_planner.h)
constexpr std::uint64_t kUpgradeIntervalMs = 1000; // the members' upgrade and recheck period
}  // namespace

struct Simulation::Member {
  chain::MemberId id = 0;
  crypto::SigningKey key;
  Durable disk;
  std::unique_ptr<SimApp> app;
  std::unique_ptr<consensus::Machine> machine;
  bool alive = false;
  bool started = false;            // a joiner is not until the scenario starts it
  bool crash_before_send = false;  // ArmCrash(k = 0)
  std::uint64_t tick_gen = 0;
  std::uint32_t idle_spins = 0;    // consecutive no-op ticks after which NextWakeupMs was already due
  std::int64_t skew = 0;
  std::uint32_t byz = 0;
  ByzState byz_state;
  std::uint64_t next_seq = 1;      // the member's client: next batch seq
  std::map<std::uint64_t, chain::ConfigChange> changes;  // its client's batches that propose a change, by seq
  std::map<std::uint64_t, std::uint32_t> resubmits;      // re-submissions of a dropped batch, by seq
  std::optional<crypto::SigningKey> next_key;            // node.toml next_key (a rotation), kept across restarts
  AnchorDisk anchor_disk;          // survives a crash, like `disk`
  std::unique_ptr<SimAnchoring> anchoring;  // the node's anchoring; null while down or byzantine
  std::uint64_t anchor_gen = 0;
  std::pair<std::size_t, std::size_t> excluded_from{SIZE_MAX, SIZE_MAX};  // (blocks, evidence) `excluded` was read from
  std::set<chain::MemberId> excluded;
  explicit Member(chain::MemberId i) : id(i), key(KeyOf(i)) {}
};

Simulation::Simulation(SimConfig config)
    : m_cfg(std::move(config)), m_rng(m_cfg.seed), m_anchor_rng(m_cfg.seed ^ 0xa4c0'a4c0'a4c0'a4c0ULL), m_genesis(MakeGenesis(m_cfg.n, m_cfg.params)),
      m_chain_id(chain::ChainId(m_genesis)), m_net(m_cfg.n + m_cfg.joiners), m_checker(m_genesis, [&] {
        std::set<chain::MemberId> b;
        for (const auto& [id, bits] : m_cfg.byz) b.insert(id);
        return b;
      }()) {
  chain::Genesis other = m_genesis;
  other.description = "another chain";
  m_other_chain_id = chain::ChainId(other);
  m_net.params = m_cfg.net;
  m_btc.set_k(m_cfg.params.k_anchor);
  m_now = m_genesis.genesis_time_ms;
  for (chain::MemberId id = 1; id <= m_cfg.n + m_cfg.joiners; ++id) {
    auto m = std::make_unique<Member>(id);
    if (auto it = m_cfg.skew_ms.find(id); it != m_cfg.skew_ms.end()) m->skew = it->second;
    if (auto it = m_cfg.byz.find(id); it != m_cfg.byz.end()) m->byz = it->second;
    m_members.push_back(std::move(m));
  }
}

Simulation::~Simulation() = default;

// ---- scheduling ---------------------------------------------------------------------------------

void Simulation::Push(Ev ev) {
  ev.seq = m_seq++;
  m_queue.push(std::move(ev));
}

void Simulation::At(std::uint64_t t, std::function<void()> fn) {
  Ev ev;
  ev.at = m_genesis.genesis_time_ms + t;  // scenario times are relative to the start
  ev.kind = EvKind::kCall;
  ev.fn = std::move(fn);
  Push(std::move(ev));
}

void Simulation::After(std::uint64_t delay_ms, std::function<void()> fn) {
  At(m_now + delay_ms - m_genesis.genesis_time_ms, std::move(fn));
}

void Simulation::ScheduleTick(Member& m) {
  if (!m.alive) return;
  const std::uint64_t local = m.machine->NextWakeupMs();
  const std::int64_t sim_wake = static_cast<std::int64_t>(local) - m.skew;
  Ev ev;
  // Poll() ran at the end of the step, so a wakeup at or before now means "nothing due": a node's
  // timer would not fire again at once either. kMinTickMs bounds the cost of such a machine.
  ev.at = std::max<std::int64_t>(static_cast<std::int64_t>(m_now + kMinTickMs), sim_wake);
  ev.kind = EvKind::kTick;
  ev.to = m.id;
  ev.gen = ++m.tick_gen;
  Push(std::move(ev));
}

void Simulation::ScheduleWorkload(chain::MemberId id) {
  Ev ev;
  ev.at = m_now + m_rng.Uniform(m_cfg.batch_min_ms, m_cfg.batch_max_ms);
  ev.fn = [this, id] {
    Member& m = *m_members[id - 1];
    if (m.alive && !(m.byz & kByzSilent) && ConfigOf(m).FindMember(id)) {
      chain::TxBatch b = ClientBatch(m, m.next_seq++);
      StepMember(m, consensus::LocalBatch{std::move(b)}, "batch");
    }
    ScheduleWorkload(id);
  };
  Push(std::move(ev));
}

void Simulation::ScheduleMining() {
  Ev ev;
  ev.at = m_now + m_cfg.btc_interval_ms;
  ev.fn = [this] {
    m_btc.Mine(m_now);
    Mix(0xb7c0 + m_btc.tip());
    CheckFinality();
    ScheduleMining();
  };
  Push(std::move(ev));
}

void Simulation::ScheduleReplay(chain::MemberId id) {
  Ev ev;
  ev.at = m_now + m_rng.Uniform(200, 1500);
  ev.fn = [this, id] {
    Member& m = *m_members[id - 1];
    if (!m_after_gst && m.alive && !m_recent.empty()) {
      auto msg = m_recent[m_rng.Uniform(0, m_recent.size() - 1)];
      const chain::MemberId to = static_cast<chain::MemberId>(m_rng.Uniform(1, m_members.size()));
      if (to != id) {
        m_checker.OnSent(id, *msg, true);
        Transmit(id, to, msg);
      }
    }
    if (!m_after_gst) ScheduleReplay(id);
  };
  Push(std::move(ev));
}

// ---- members ----------------------------------------------------------------------------------

bool Simulation::alive(chain::MemberId id) const { return m_members[id - 1]->alive; }

std::vector<chain::MemberId> Simulation::Honest() const {
  std::vector<chain::MemberId> out;
  for (const auto& m : m_members) {
    if (!m->byz) out.push_back(m->id);
  }
  return out;
}

std::uint64_t Simulation::Head(chain::MemberId id) const { return m_members[id - 1]->disk.blocks.size(); }
std::uint64_t Simulation::UnanimousHeight(chain::MemberId id) const { return m_members[id - 1]->disk.unanimous_h; }
const Durable& Simulation::Disk(chain::MemberId id) const { return m_members[id - 1]->disk; }
const AnchorDisk& Simulation::AnchorStore(chain::MemberId id) const { return m_members[id - 1]->anchor_disk; }

std::optional<consensus::MachineView> Simulation::View(chain::MemberId id) const {
  const Member& m = *m_members[id - 1];
  if (!m.alive) return std::nullopt;
  return m.machine->View();
}

chain::MemberId Simulation::ProposerOf(chain::MemberId asked) const {
  auto v = View(asked);
  return v ? v->proposer : 0;
}

std::uint64_t Simulation::ClientSeq(chain::MemberId id) const { return m_members[id - 1]->next_seq - 1; }

std::uint64_t Simulation::CommittedSeq(chain::MemberId id) const {
  std::uint64_t best = 0;
  for (chain::MemberId h : Honest()) {
    for (const auto& b : Disk(h).blocks) {
      for (const chain::TxBatch& t : b.block.batches) {
        if (t.author == id) best = std::max(best, t.seq);
      }
    }
  }
  return best;
}

void Simulation::Inject(chain::MemberId to, chain::MemberId from, const consensus::PeerMessage& msg) {
  if (alive(to)) StepMember(*m_members[to - 1], consensus::Received{from, msg}, "injected");
}

bool Simulation::AlertSeen(chain::MemberId by, consensus::AlertKind kind, chain::MemberId about) const {
  return m_alerts.count({by, static_cast<std::uint8_t>(kind), about}) > 0;
}

std::size_t Simulation::Penalties(chain::MemberId of) const {
  auto it = m_penalties.find(of);
  return it == m_penalties.end() ? 0 : it->second;
}

void Simulation::Fail(const std::string& what) {
  if (!m_failure) m_failure = "t=" + std::to_string(m_now - m_genesis.genesis_time_ms) + "ms: " + what;
}

void Simulation::Crash(chain::MemberId id) {
  Member& m = *m_members[id - 1];
  if (!m.alive) return;
  Trace("crash " + std::to_string(id));
  Mix(0xc0 + id);
  m.alive = false;
  m.crash_before_send = false;
  m.anchoring.reset();
  ++m.anchor_gen;
  m.machine.reset();
  m.app.reset();
  ++m.tick_gen;
  for (const auto& p : m_members) {
    if (p->id != id && p->alive && Connected(id, p->id)) {
      const chain::MemberId peer = p->id;
      After(1, [this, peer, id] {
        if (alive(peer)) StepMember(*m_members[peer - 1], consensus::PeerDisconnected{id}, "disconnected");
      });
    }
  }
}

std::unique_ptr<SimApp> Simulation::MakeApp(Member& m) {
  if (m_cfg.make_app) return m_cfg.make_app(m.id, m_genesis, m.disk);
  return std::make_unique<SimApp>(m_genesis, m.disk);
}

void Simulation::Restart(chain::MemberId id) {
  Member& m = *m_members[id - 1];
  if (m.alive) return;
  Trace("restart " + std::to_string(id));
  Mix(0xe0 + id);
  m.app = MakeApp(m);
  consensus::Snapshot snapshot = m.app->MakeSnapshot(id);
  if (m.next_key) snapshot.other_keys.push_back(*m.next_key);
  m.machine = std::make_unique<consensus::Machine>(std::move(snapshot), *m.app, m.key);
  m.alive = true;
  m.started = true;
  StartAnchoring(m);
  for (const auto& p : m_members) {
    if (p->id == id || !Connected(id, p->id)) continue;
    StepMember(m, consensus::PeerConnected{p->id}, "connected");
    if (!m.alive) return;
    if (p->alive) StepMember(*p, consensus::PeerConnected{id}, "connected");
  }
  // The member's client re-submits the batches that are not committed yet.
  std::uint64_t committed = 0;
  for (const auto& b : m.disk.blocks) {
    for (const chain::TxBatch& t : b.block.batches) {
      if (t.author == id) committed = std::max(committed, t.seq);
    }
  }
  for (std::uint64_t s = committed + 1; s < m.next_seq && m.alive && !(m.byz & kByzSilent); ++s) {
    StepMember(m, consensus::LocalBatch{ClientBatch(m, s)}, "batch");
  }
  ScheduleTick(m);
}

void Simulation::ArmCrash(chain::MemberId id, std::uint32_t k) {
  Member& m = *m_members[id - 1];
  if (!m.alive) return;
  if (k == 0) m.crash_before_send = true; else m.app->ArmCrash(k);
}

void Simulation::Partition(const std::vector<std::vector<chain::MemberId>>& groups) {
  Trace("partition");
  Mix(0xa0 + groups.size());
  LinksChanged(m_net.Partition(groups));
}

void Simulation::Heal() {
  Trace("heal");
  Mix(0xa0);
  LinksChanged(m_net.Heal());
}

void Simulation::LinksChanged(const std::vector<std::pair<std::pair<chain::MemberId, chain::MemberId>, bool>>& changed) {
  for (const auto& [pair, up] : changed) {
    const auto [a, b] = pair;
    // Members that do not admit each other (§5.3: the transport follows the config) had no link.
    if (!ConfigOf(a).FindMember(b) || !ConfigOf(b).FindMember(a)) continue;
    for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
      if (!alive(x)) continue;
      if (up) StepMember(*m_members[x - 1], consensus::PeerConnected{y}, "connected");
      else StepMember(*m_members[x - 1], consensus::PeerDisconnected{y}, "disconnected");
    }
  }
}

std::set<chain::MemberId> Simulation::ExcludedBy(const Member& m) const {
  std::set<chain::MemberId> x;
  for (const chain::Evidence& e : m.disk.evidence) {
    if (auto o = consensus::EvidenceOffender(e); o.ok()) x.insert(*o);
  }
  for (const auto& b : m.disk.blocks) {
    for (const chain::Record& r : b.block.records) {
      if (const auto* e = std::get_if<chain::Evidence>(&r.body)) {
        if (auto o = consensus::EvidenceOffender(*e); o.ok()) x.insert(*o);
      }
    }
  }
  return x;
}

// ---- one step -----------------------------------------------------------------------------------

void Simulation::StepMember(Member& m, const consensus::Event& ev, std::string_view what) {
  if (!m.alive || m_failure || m_checker.failure()) return;
  ++m_events;
  const std::uint64_t local = static_cast<std::uint64_t>(static_cast<std::int64_t>(m_now) + m.skew);
  const std::size_t epochs_before = m.disk.epochs.size();
  m.app->BeginStep();
  std::vector<consensus::Action> actions = m.machine->Step(ev, local);
  const bool crashed = m.app->EndStep();
  const StepSaves saves = m.app->step_saves();
  m_checker.OnSaves(m.id, saves);
  for (std::uint64_t h : saves.commits) {
    if (h <= m.disk.blocks.size()) m_checker.OnCommitted(m.id, m.disk.blocks[h - 1], m.disk);
  }
  Mix(m.id);
  Mix(actions.size());
  if (m_cfg.trace) {
    Trace("step " + std::to_string(m.id) + " " + std::string(what) + " -> " + std::to_string(actions.size()) + " actions");
    for (const chain::SignerState& st : saves.signer) {
      std::string line = "  saved signer: seal_h=" + std::to_string(st.seal_h) + " h=" + std::to_string(st.h) +
                         " promised=" + std::to_string(st.promised);
      if (st.last_vote) line += " vote=(" + std::to_string(st.last_vote->vote.h) + "," + std::to_string(st.last_vote->vote.r) + ")";
      if (st.last_proposal) line += " core=(" + std::to_string(st.last_proposal->h) + "," + std::to_string(st.last_proposal->r) + ")";
      Trace(line);
    }
    for (std::uint64_t h : saves.commits) Trace("  saved commit h=" + std::to_string(h));
  }
  if (crashed || (m.crash_before_send && saves.calls > 0)) {
    Trace(std::string("  crash of ") + std::to_string(m.id) + (crashed ? " at persisting call " : " after persisting, before send; calls ") +
          std::to_string(saves.calls));
    Crash(m.id);
    return;
  }
  if (!m_evidence_at && m_checker.evidence_seen() > 0) m_evidence_at = m_now;
  if (on_actions) on_actions(m.id, actions);
  // A machine driven at NextWakeupMs must not spin: a tick that did nothing and still asks to be
  // woken at once would busy-loop a real node (F2).
  const bool idle_tick = std::holds_alternative<consensus::Tick>(ev) && actions.empty();
  if (!idle_tick || m.machine->NextWakeupMs() > local) m.idle_spins = 0;
  else if (++m.idle_spins > kMaxIdleSpins) {
    return Fail("member " + std::to_string(m.id) + " busy-loops: " + std::to_string(kMaxIdleSpins) +
                " ticks in a row did nothing, yet NextWakeupMs() was already due");
  }
  ProcessActions(m, actions);
  if (m.disk.epochs.size() != epochs_before) MembershipChanged(m, epochs_before);
  SyncAnchoring(m);
  ScheduleTick(m);
}

void Simulation::ProcessActions(Member& m, std::vector<consensus::Action>& actions) {
  std::vector<chain::MemberId> all;  // Transmit keeps those linked to it (the transport's member list)
  for (chain::MemberId id = 1; id <= m_members.size(); ++id) {
    if (id != m.id) all.push_back(id);
  }
  bool status_changed = false;
  for (consensus::Action& a : actions) {
    consensus::PeerMessage* msg = nullptr;
    std::vector<chain::MemberId> to;
    if (auto* s = std::get_if<consensus::Send>(&a)) {
      msg = &s->msg;
      to = {s->to};
    } else if (auto* b = std::get_if<consensus::Broadcast>(&a)) {
      msg = &b->msg;
      to = all;
    }
    if (msg) {
      MixMsg(*msg);
      CheckWireRoundTrip(*msg);
      if (m_cfg.trace) Trace("  send " + std::string(consensus::MsgTypeName(consensus::TypeOf(*msg))) + " to " +
                             (to.size() == 1 ? std::to_string(to[0]) : std::string("all")));
      if (!m.byz) {
        m_checker.OnSent(m.id, *msg, true);
        auto shared = std::make_shared<const consensus::PeerMessage>(std::move(*msg));
        for (chain::MemberId t : to) Transmit(m.id, t, shared);
      } else {
        ByzContext c{m.byz, m.id, m_chain_id, m_other_chain_id, &m.key, &m_rng, &m.byz_state};
        for (Outgoing& o : ByzantineRewrite(c, *msg, to)) {
          m_checker.OnSent(m.id, o.msg, o.genuine);
          Transmit(m.id, o.to, std::make_shared<const consensus::PeerMessage>(std::move(o.msg)));
        }
      }
      continue;
    }
    if (const auto* c = std::get_if<consensus::Committed>(&a)) {
      Mix(c->height);
      if (m_cfg.trace) Trace("  committed h=" + std::to_string(c->height) + " " + Hex(c->id).substr(0, 12));
      if (c->status >= consensus::BlockStatus::kUnanimous) {
        m.disk.unanimous_h = std::max(m.disk.unanimous_h, c->height);
        status_changed = true;
      }
    } else if (const auto* s = std::get_if<consensus::StatusRaised>(&a)) {
      Mix(s->height * 7 + static_cast<std::uint8_t>(s->status));
      if (m_cfg.trace) Trace("  status h=" + std::to_string(s->height) + " -> " + std::to_string(static_cast<int>(s->status)));
      if (s->status >= consensus::BlockStatus::kUnanimous) {
        m.disk.unanimous_h = std::max(m.disk.unanimous_h, s->height);
        status_changed = true;
      }
    } else if (const auto* al = std::get_if<consensus::AlertRaised>(&a)) {
      const auto kind = static_cast<std::uint8_t>(al->alert.kind);
      m_alerts.emplace(std::tuple{m.id, kind, chain::MemberId{0}}, m_now);
      for (chain::MemberId who : al->alert.members) m_alerts.emplace(std::tuple{m.id, kind, who}, m_now);
      if (m_cfg.trace) Trace("  alert " + std::string(consensus::AlertCode(al->alert.kind)) + ": " + al->alert.detail);
    } else if (const auto* p = std::get_if<consensus::Penalise>(&a)) {
      ++m_penalties[p->peer];
      if (m_cfg.trace) Trace("  penalise " + std::to_string(p->peer) + ": " + p->reason);
    } else if (const auto* d = std::get_if<consensus::BatchDropped>(&a)) {
      if (m_cfg.trace) Trace("  dropped own batch seq " + std::to_string(d->batch.seq) + ": " + d->reason);
      OnOwnBatchDropped(m, d->batch);
    } else if (const auto* e = std::get_if<consensus::EpochChanged>(&a)) {
      Mix(0xe9c0 + e->config.epoch);
      if (m_cfg.trace) Trace("  epoch " + std::to_string(e->config.epoch) + " from height " + std::to_string(e->start_height) +
                             ", " + std::to_string(e->config.members.size()) + " members");
    }
  }
  if (status_changed && !m.byz) {
    m_checker.OnUnanimousClaim(m.id, m.disk.unanimous_h, m.disk, ExcludedBy(m));
  }
}

// I9 on every message a member sends: the PCE frame body decodes strictly and re-encodes to the
// same bytes. (Rejection of non-canonical input is tests/unit/chain's and the fuzz targets' part.)
void Simulation::CheckWireRoundTrip(const consensus::PeerMessage& msg) {
  const Bytes body = consensus::EncodeMessage(msg);
  const auto type = static_cast<std::uint8_t>(consensus::TypeOf(msg));
  auto decoded = consensus::DecodeMessage(type, body);
  if (!decoded.ok()) {
    return Fail(std::string("I9: a sent ") + std::string(consensus::MsgTypeName(consensus::TypeOf(msg))) +
                " does not decode: " + decoded.error().message);
  }
  if (consensus::EncodeMessage(*decoded) != body) {
    Fail(std::string("I9: a sent ") + std::string(consensus::MsgTypeName(consensus::TypeOf(msg))) + " re-encodes differently");
  }
}

void Simulation::Transmit(chain::MemberId from, chain::MemberId to, std::shared_ptr<const consensus::PeerMessage> msg) {
  if (from == to || to == 0 || to > m_members.size()) return;
  if (intercept && intercept(from, to, *msg)) return;
  if (!Connected(from, to)) return;
  for (std::uint64_t d : m_net.Delays(m_rng)) {
    Ev ev;
    ev.at = m_now + d;
    ev.kind = EvKind::kDeliver;
    ev.to = to;
    ev.from = from;
    ev.msg = msg;
    Push(std::move(ev));
  }
}

// ---- governance ---------------------------------------------------------------------------------

const chain::Config& Simulation::ConfigOf(const Member& m) const {
  return m.disk.epoch ? m.disk.epoch->config : m_genesis.config;
}
const chain::Config& Simulation::ConfigOf(chain::MemberId id) const { return ConfigOf(*m_members[id - 1]); }

chain::EpochHistory Simulation::EpochsOf(chain::MemberId id) const {
  const Durable& d = m_members[id - 1]->disk;
  return d.epochs.empty() ? chain::EpochHistory(m_genesis) : chain::EpochHistory(d.epochs);
}

std::vector<chain::MemberId> Simulation::HonestMembersNow() const {
  chain::MemberId top = 0;
  for (chain::MemberId id : Honest()) {
    if (m_members[id - 1]->started && (top == 0 || Head(id) > Head(top))) top = id;
  }
  std::vector<chain::MemberId> out;
  if (top == 0) return out;
  const chain::Config& now = ConfigOf(top);
  for (chain::MemberId id : Honest()) {
    if (now.FindMember(id) && m_members[id - 1]->started) out.push_back(id);
  }
  return out;
}

// The transport admits the members of the config in force at each end (§5.3), over a network link.
bool Simulation::Connected(chain::MemberId a, chain::MemberId b) const {
  return m_net.Linked(a, b) && ConfigOf(a).FindMember(b) && ConfigOf(b).FindMember(a);
}

// `m`'s config changed: links to members it now admits come up, links to members it no longer
// admits go down, as the node's PeerNetwork::SetMembers does.
void Simulation::MembershipChanged(Member& m, std::size_t epochs_before) {
  const chain::Config& before = epochs_before == 0 ? m_genesis.config : m.disk.epochs[epochs_before - 1].config;
  for (const auto& p : m_members) {
    if (p->id == m.id) continue;
    const bool was = m_net.Linked(m.id, p->id) && before.FindMember(p->id) && ConfigOf(*p).FindMember(m.id);
    if (was == Connected(m.id, p->id)) continue;
    const chain::MemberId a = m.id, b = p->id;
    After(1, [this, a, b] {
      const bool up = Connected(a, b);
      for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
        if (!alive(x)) continue;
        if (up) StepMember(*m_members[x - 1], consensus::PeerConnected{y}, "connected");
        else StepMember(*m_members[x - 1], consensus::PeerDisconnected{y}, "disconnected");
      }
    });
  }
}

// The key the member's own config names for it: its next key once its rotation is in force there.
const crypto::SigningKey& Simulation::ClientKey(const Member& m) const {
  const chain::Member* me = ConfigOf(m).FindMember(m.id);
  if (me && m.next_key && me->pubkey == m.next_key->public_key()) return *m.next_key;
  return m.key;
}

chain::TxBatch Simulation::ClientBatch(Member& m, std::uint64_t seq) {
  auto it = m.changes.find(seq);
  if (it != m.changes.end()) return MakeChangeBatch(m_chain_id, ClientKey(m), m.id, seq, it->second);
  return MakeBatch(m_chain_id, ClientKey(m), m.id, seq);
}

// The member's client learns that its node gave up on one of its batches (refused change, key
// rotated, member left): as a node's client does after an error, it sends that seq again, re-signed
// and as a plain write if it was a refused change, unless a committed batch already has it.
void Simulation::OnOwnBatchDropped(Member& m, const chain::TxBatch& b) {
  if (m.byz || b.author != m.id) return;
  auto committed = [this](const Member& x) {
    std::uint64_t c = 0;
    for (const auto& blk : x.disk.blocks) {
      for (const chain::TxBatch& t : blk.block.batches) {
        if (t.author == x.id) c = std::max(c, t.seq);
      }
    }
    return c;
  };
  if (b.seq <= committed(m) || ++m.resubmits[b.seq] > 20) return;
  if (SimApp::HasChange(b) && m.changes.erase(b.seq)) Note("member " + std::to_string(m.id) + "'s change was refused");
  const chain::MemberId id = m.id;
  const std::uint64_t seq = b.seq;
  After(m_rng.Uniform(50, 300), [this, id, seq, committed] {
    Member& x = *m_members[id - 1];
    if (!x.alive || !ConfigOf(x).FindMember(id) || seq <= committed(x)) return;
    StepMember(x, consensus::LocalBatch{ClientBatch(x, seq)}, "re-submit");
  });
}

Hash32 Simulation::ProposeChange(chain::MemberId by, std::vector<chain::ConfigOp> ops, std::uint64_t expires_in) {
  Member& m = *m_members[by - 1];
  chain::ConfigChange change;
  change.epoch = ConfigOf(m).epoch;
  change.ops = std::move(ops);
  change.expires_height = Head(by) + 1 + expires_in;
  const std::uint64_t seq = m.next_seq++;
  m.changes[seq] = change;
  const Hash32 id = chain::ChangeId(change);
  Trace("member " + std::to_string(by) + " proposes change " + Hex(id).substr(0, 12) + " (seq " + std::to_string(seq) + ")");
  if (m.alive && ConfigOf(m).FindMember(by)) StepMember(m, consensus::LocalBatch{ClientBatch(m, seq)}, "propose");
  return id;
}

void Simulation::ApproveUnordered(chain::MemberId id, const Hash32& change_id) {
  Member& m = *m_members[id - 1];
  if (m.alive) StepMember(m, consensus::ApproveChange{change_id}, "approve (no operator)");
}

void Simulation::GiveNextKey(chain::MemberId id) {
  Member& m = *m_members[id - 1];
  m.next_key = RotatedKeyOf(id);
  Trace("member " + std::to_string(id) + " is given its next key");
  if (!m.alive) return;
  // The node reads node.toml's next_key when it starts: the operator restarts it.
  Crash(id);
  After(5, [this, id] { Restart(id); });
}

void Simulation::ScheduleOperator(chain::MemberId id) {
  After(m_rng.Uniform(300, 900), [this, id] {
    Member& m = *m_members[id - 1];
    if (m.alive && m.disk.epoch && !(m.byz & kByzSilent)) {
      const chain::PendingChange* pending = chain::PendingAt(*m.disk.epoch, Head(id) + 1);
      if (pending && m_cfg.operator_approves(*this, id, *pending) && m.machine->CheckApprove(pending->change_id).ok()) {
        const Hash32 change = pending->change_id;
        m_checker.OnOperatorApproved(id, change);
        Trace("operator of " + std::to_string(id) + " approves " + Hex(change).substr(0, 12));
        StepMember(m, consensus::ApproveChange{change}, "approve");
      }
    }
    ScheduleOperator(id);
  });
}

// ---- anchoring and finality ---------------------------------------------------------------------

void Simulation::StartAnchoring(Member& m) {
  if (!m_cfg.anchoring || m.byz || !m.alive) return;
  AnchorWorld w;
  w.btc = &m_btc;
  w.rng = &m_anchor_rng;  // its own draws: anchoring timing does not shift the consensus run's
  w.k = m_cfg.params.k_anchor;
  w.anchor_min_ms = m_cfg.anchor_min_ms;
  w.anchor_max_ms = m_cfg.anchor_max_ms;
  const std::int64_t skew = m.skew;
  w.now = [this, skew] { return static_cast<std::uint64_t>(static_cast<std::int64_t>(m_now) + skew); };
  w.after = [this](std::uint64_t delay, std::function<void()> fn) { After(delay, std::move(fn)); };
  w.calendars_down = [this] { return m_now < m_calendars_down_until; };
  const chain::MemberId id = m.id;
  w.alert = [this, id](const consensus::Alert& a) {
    m_alerts.emplace(std::tuple{id, static_cast<std::uint8_t>(a.kind), chain::MemberId{0}}, m_now);
  };
  if (m_cfg.trace) w.trace = [this](const std::string& line) { Trace(line); };
  const anchor::PlannerOptions options{m_cfg.params.anchor_interval_ms, kUpgradeIntervalMs};
  m.anchoring = std::make_unique<SimAnchoring>(m.id, m_genesis, options, m.disk, m.anchor_disk, std::move(w));
  SyncAnchoring(m);
  ScheduleAnchorTick(m);
}

void Simulation::SyncAnchoring(Member& m) {
  if (!m.anchoring) return;
  const std::pair<std::size_t, std::size_t> from{m.disk.blocks.size(), m.disk.evidence.size()};
  if (from != m.excluded_from) {
    m.excluded = ExcludedBy(m);
    m.excluded_from = from;
  }
  m.anchoring->Sync(m.excluded);
  if (m.anchoring->failed()) Fail(m.anchoring->failure());
}

void Simulation::ScheduleAnchorTick(Member& m) {
  const chain::MemberId id = m.id;
  const std::uint64_t gen = m.anchor_gen;
  After(kAnchorTickMs, [this, id, gen] {
    Member& member = *m_members[id - 1];
    if (!member.anchoring || member.anchor_gen != gen) return;  // crashed since
    member.anchoring->Tick();
    if (member.anchoring->failed()) return Fail(member.anchoring->failure());
    ScheduleAnchorTick(member);
  });
}

void Simulation::CheckFinality() {
  if (!m_cfg.anchoring) return;
  std::vector<FinalityView> views;
  for (const auto& m : m_members) {
    if (m->byz) continue;
    views.push_back({m->id, &m->disk, ExcludedBy(*m), m->anchor_disk.heights.final_height});
  }
  m_checker.CheckFinality(m_btc, views, m_cfg.params.k_anchor);
}

// ---- the run ------------------------------------------------------------------------------------

void Simulation::TraceViews() {
  if (!m_cfg.trace) return;
  for (const auto& m : m_members) {
    auto v = View(m->id);
    if (!v) {
      Trace("member " + std::to_string(m->id) + ": down, head " + std::to_string(Head(m->id)));
      continue;
    }
    std::string ex;
    for (const auto& mv : v->members) ex += mv.excluded ? " x" + std::to_string(mv.id) : "";
    Trace("member " + std::to_string(m->id) + ": head " + std::to_string(v->head_height) + ", unanimous " +
          std::to_string(v->unanimous_height) + ", at (h=" + std::to_string(v->h) + ", r=" + std::to_string(v->round) +
          "), proposer " + std::to_string(v->proposer) + ", excluded:" + (ex.empty() ? " none" : ex) + ", alerts " +
          std::to_string(v->alerts.size()));
  }
}

void Simulation::Gst() {
  m_after_gst = true;
  Trace("GST: heal, restart, no more loss");
  TraceViews();
  Heal();
  m_net.params.drop_ppm = 0;
  m_net.params.dup_ppm = 0;
  m_calendars_down_until = 0;
  for (const auto& m : m_members) {
    if (m->alive) {
      m->crash_before_send = false;
      m->app->ArmCrash(0);
    }
  }
  for (const auto& m : m_members) {
    if (!m->alive && m->started) Restart(m->id);
  }
  for (chain::MemberId id : HonestMembersNow()) m_gst_head = std::max(m_gst_head, Head(id));
}

void Simulation::CheckLiveness() {
  // Members that left by a config change, and joiners not added, are no longer expected to follow.
  const std::vector<chain::MemberId> honest = HonestMembersNow();
  std::string heads = " (heads:";
  for (chain::MemberId id = 1; id <= m_cfg.n; ++id) heads += " " + std::to_string(id) + "=" + std::to_string(Head(id));
  heads += ")";
  // After a double-signer split the honest commits (only possible with byzantine members, I8),
  // the members on the losing side must raise A2b and stop sealing until operators RESET them
  // (§5.4): finality halts by design and only the others are expected to progress.
  std::set<chain::MemberId> orphaned;
  if (m_checker.diverged()) {
    for (chain::MemberId id : honest) {
      if (AlertSeen(id, consensus::AlertKind::kOrphanedSeal)) orphaned.insert(id);
    }
    if (orphaned.empty()) return Fail("honest members committed different blocks at one height, yet none raised A2b");
    Note("honest commits diverged after double-signing; A2b raised by " + std::to_string(orphaned.size()) + " member(s)");
    // The members that did not raise A2b go on only if they are a majority by themselves: the
    // others wait for RESET and the double-signer's signatures no longer count.
    if (honest.size() - orphaned.size() < EpochsOf(honest.front()).current().config.Majority()) {
      Note("the members that did not raise A2b are fewer than MAJ: no progress until RESET (§5.4)");
      return;
    }
  }
  if (m_cfg.expect_progress) {
    for (chain::MemberId id : honest) {
      if (orphaned.count(id)) continue;
      if (Head(id) < m_gst_head + 1) {
        return Fail("liveness: member " + std::to_string(id) + " is at height " + std::to_string(Head(id)) + " after " +
                    std::to_string(m_cfg.settle_ms) + " ms of a stable network; the highest head at GST was " +
                    std::to_string(m_gst_head) + heads);
      }
    }
  }
  if (m_cfg.expect_unanimity && !m_checker.diverged()) {
    for (chain::MemberId id : honest) {
      if (UnanimousHeight(id) < m_gst_head) {
        return Fail("liveness: member " + std::to_string(id) + " sees UNANIMOUS only up to " +
                    std::to_string(UnanimousHeight(id)) + " but the head at GST was " + std::to_string(m_gst_head));
      }
    }
  }
  if (m_cfg.expect_final && m_cfg.anchoring && !m_checker.diverged()) {
    for (chain::MemberId id : honest) {
      if (FinalHeight(id) == 0) return Fail("liveness: member " + std::to_string(id) + " sees no FINAL block by the end");
    }
  }
}

SimResult Simulation::Run() {
  crypto::InitCrypto();
  const std::uint64_t t0 = m_genesis.genesis_time_ms;
  for (const auto& m : m_members) {
    if (m->id > m_cfg.n) continue;  // joiners start when the scenario says
    m->app = MakeApp(*m);
    m->machine = std::make_unique<consensus::Machine>(m->app->MakeSnapshot(m->id), *m->app, m->key);
    m->alive = true;
    m->started = true;
    StartAnchoring(*m);
  }
  for (const auto& m : m_members) {
    if (m->id > m_cfg.n) {
      ScheduleWorkload(m->id);
      if (m_cfg.operator_approves) ScheduleOperator(m->id);
      continue;
    }
    for (const auto& p : m_members) {
      if (p->id != m->id && p->id <= m_cfg.n) StepMember(*m, consensus::PeerConnected{p->id}, "connected");
    }
    ScheduleTick(*m);
    ScheduleWorkload(m->id);
    if (m_cfg.operator_approves) ScheduleOperator(m->id);
    if (m->byz & kByzReplay) ScheduleReplay(m->id);
  }
  if (m_cfg.anchoring) ScheduleMining();
  for (const auto& [id, bits] : m_cfg.byz) Trace("member " + std::to_string(id) + " is byzantine: " + ByzName(bits));
  for (const auto& [id, skew] : m_cfg.skew_ms) Trace("member " + std::to_string(id) + " clock skew " + std::to_string(skew) + " ms");
  if (m_cfg.setup) m_cfg.setup(*this);
  At(m_cfg.fault_ms, [this] { Gst(); });
  const std::uint64_t end = t0 + m_cfg.fault_ms + m_cfg.settle_ms;

  while (!m_queue.empty() && !m_failure && !m_checker.failure()) {
    if (m_queue.top().at > end) break;
    Ev ev = m_queue.top();
    m_queue.pop();
    m_now = ev.at;
    Mix(m_now);
    if (m_events > kMaxEvents) {
      Fail("more than " + std::to_string(kMaxEvents) + " steps: livelock");
      break;
    }
    switch (ev.kind) {
      case EvKind::kCall:
        ev.fn();
        break;
      case EvKind::kTick: {
        Member& m = *m_members[ev.to - 1];
        if (m.alive && ev.gen == m.tick_gen) StepMember(m, consensus::Tick{}, "tick");
        break;
      }
      case EvKind::kDeliver: {
        Member& m = *m_members[ev.to - 1];
        if (!m.alive || !Connected(ev.from, ev.to)) break;
        if (m_recent.size() < kRecent) m_recent.push_back(ev.msg); else m_recent[m_rng.Uniform(0, kRecent - 1)] = ev.msg;
        StepMember(m, consensus::Received{ev.from, *ev.msg}, consensus::MsgTypeName(consensus::TypeOf(*ev.msg)));
        break;
      }
    }
  }
  m_now = std::max(m_now, end);
  TraceViews();
  CheckFinality();
  if (!m_failure && !m_checker.failure()) {
    if (auto i11 = CheckLightClientAgrees(*this)) Fail(*i11);  // I11, once per run
  }
  if (!m_failure && !m_checker.failure()) {
    CheckLiveness();
    if (m_failure && m_cfg.tolerate_known_gaps && !m_cfg.liveness_known_gap.empty()) {
      Note("known gap (" + m_cfg.liveness_known_gap + "): " + *m_failure);
      m_failure.reset();
      m_known_gap_hit = true;
    }
  }
  if (!m_failure && !m_checker.failure() && m_cfg.at_end) m_cfg.at_end(*this);
  // I12 once per run, on the committed chain of the honest member with the highest head.
  if (!m_failure && !m_checker.failure()) {
    const Member* top = nullptr;
    for (chain::MemberId id : Honest()) {
      if (!top || Head(id) > top->disk.blocks.size()) top = m_members[id - 1].get();
    }
    if (top) {
      if (std::string e = CheckChainLengthIndependence(m_chain_id, top->disk.blocks, ExcludedBy(*top)); !e.empty()) Fail(e);
    }
  }

  SimResult r;
  if (m_checker.failure()) m_failure = *m_checker.failure();
  r.ok = !m_failure;
  if (m_failure) r.failure = *m_failure;
  r.trace_hash = m_hash;
  r.events = m_events;
  r.min_head = UINT64_MAX;
  for (chain::MemberId id : Honest()) {
    r.min_head = std::min(r.min_head, Head(id));
    r.final_height = std::max(r.final_height, FinalHeight(id));
  }
  r.evidence = m_checker.evidence_seen();
  r.known_gap_hit = m_known_gap_hit;
  r.notes = m_notes;
  return r;
}

// ---- trace --------------------------------------------------------------------------------------

void Simulation::Trace(const std::string& line) {
  if (!m_cfg.trace) return;
  std::printf("%10llu %s\n", static_cast<unsigned long long>(m_now - m_genesis.genesis_time_ms), line.c_str());
}

void Simulation::Mix(std::uint64_t x) {
  for (int i = 0; i < 8; ++i) {
    m_hash ^= (x >> (8 * i)) & 0xff;
    m_hash *= 1099511628211ULL;
  }
}

void Simulation::MixMsg(const consensus::PeerMessage& msg) {
  Mix(static_cast<std::uint64_t>(consensus::TypeOf(msg)));
  auto mix_sig = [this](const Sig64& s) {
    for (std::size_t i = 0; i < s.size(); i += 8) {
      std::uint64_t x = 0;
      for (std::size_t j = 0; j < 8; ++j) x |= static_cast<std::uint64_t>(s[i + j]) << (8 * j);
      Mix(x);
    }
  };
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, chain::Proposal>) mix_sig(m.core.sig);
        else if constexpr (std::is_same_v<M, chain::Vote> || std::is_same_v<M, chain::Seal> ||
                           std::is_same_v<M, chain::RoundChange> || std::is_same_v<M, chain::TxBatch>) mix_sig(m.sig);
        else if constexpr (std::is_same_v<M, chain::MajorityCert>) { Mix(m.h); Mix(m.r); Mix(m.votes.size()); }
        else if constexpr (std::is_same_v<M, chain::Evidence>) { Mix(m.kind); Mix(m.msg_a.size()); }
        else if constexpr (std::is_same_v<M, consensus::SyncRequest>) Mix(m.from_h);
        else if constexpr (std::is_same_v<M, consensus::SyncResponse>) { Mix(m.head_h); Mix(m.blocks.size()); }
        else if constexpr (std::is_same_v<M, consensus::StatusMsg>) { Mix(m.seal_h); Mix(m.head_h); Mix(m.h); Mix(m.r); }
      },
      msg);
}

}  // namespace peerdb::sim
