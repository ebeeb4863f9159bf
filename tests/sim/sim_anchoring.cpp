#include "sim_anchoring.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "peerdb/chain/rules.h"

namespace peerdb::sim {

namespace {
constexpr std::uint64_t kCalendarMinMs = 20;   // a calendar's answer to a submission or an upgrade
constexpr std::uint64_t kCalendarMaxMs = 200;
}  // namespace

SimAnchoring::SimAnchoring(chain::MemberId id, const chain::Genesis& genesis, anchor::PlannerOptions options,
                           const Durable& disk, AnchorDisk& store, AnchorWorld world)
    : m_id(id), m_genesis(genesis), m_chain_id(chain::ChainId(genesis)), m_disk(disk), m_store(store),
      m_world(std::move(world)), m_planner(options, genesis.config), m_alive(std::make_shared<bool>(true)) {
  const anchor::Head head = HeadNow();
  m_head = head.height;
  Perform(m_planner.Start(m_store.jobs, m_store.anchors, m_store.heights, head));
  FollowEpochs();  // after Start, as node.cpp does
}

// The node gives its planner the chain's epochs whenever a config change activates.
void SimAnchoring::FollowEpochs() {
  if (m_disk.epochs.size() == m_epochs_seen) return;
  m_epochs_seen = m_disk.epochs.size();
  Perform(m_planner.SetEpochs(m_disk.epochs.empty() ? chain::EpochHistory(m_genesis) : chain::EpochHistory(m_disk.epochs)));
}

SimAnchoring::~SimAnchoring() = default;

anchor::Head SimAnchoring::HeadNow() const {
  const std::uint64_t h = std::min<std::uint64_t>(m_disk.unanimous_h, m_disk.blocks.size());
  return {h, h == 0 ? 0 : m_disk.blocks[h - 1].block.header.timestamp_ms};
}

void SimAnchoring::Sync(const std::set<chain::MemberId>& excluded) {
  FollowEpochs();
  const anchor::Head head = HeadNow();
  if (head.height != m_head) {
    m_head = head.height;
    Perform(m_planner.OnHead(head));
  }
  Perform(m_planner.SetExcluded({excluded.begin(), excluded.end()}));
}

void SimAnchoring::Tick() { Perform(m_planner.Tick(m_world.now())); }

chain::Checkpoint SimAnchoring::CheckpointAt(std::uint64_t height) const {
  const consensus::CommittedBlock& b = m_disk.blocks[height - 1];
  chain::Checkpoint cp;
  cp.chain_id = m_chain_id;
  cp.h = height;
  cp.block_id = b.id;
  for (const chain::Seal& s : b.seals) cp.seals.push_back({s.signer, s.sig});
  std::sort(cp.seals.begin(), cp.seals.end(), [](const auto& x, const auto& y) { return x.signer < y.signer; });
  cp.seals.erase(std::unique(cp.seals.begin(), cp.seals.end(), [](const auto& x, const auto& y) { return x.signer == y.signer; }),
                 cp.seals.end());
  return cp;
}

// Carries out the actions in order, as node::Anchoring does: reads and writes are answered at once
// (their follow-up actions run next), network requests later through the event queue.
void SimAnchoring::Perform(std::vector<anchor::Action> actions) {
  for (std::size_t i = 0; i < actions.size(); ++i) {
    std::vector<anchor::Action> next;
    std::visit(
        [&](auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, anchor::LoadCheckpoint>) {
            Result<chain::Checkpoint> cp = a.height >= 1 && a.height <= m_disk.blocks.size()
                                               ? Result<chain::Checkpoint>(CheckpointAt(a.height))
                                               : Result<chain::Checkpoint>(Error{Errc::kNotFound, "no such block"});
            next = m_planner.OnCheckpoint(a.height, std::move(cp), m_world.now());
          } else if constexpr (std::is_same_v<A, anchor::LoadBlockTime>) {
            const std::uint64_t ts = a.height >= 1 && a.height <= m_disk.blocks.size()
                                         ? m_disk.blocks[a.height - 1].block.header.timestamp_ms : 0;
            next = m_planner.OnBlockTime(a.height, ts);
          } else if constexpr (std::is_same_v<A, anchor::SaveJob> || std::is_same_v<A, anchor::SaveProof> ||
                               std::is_same_v<A, anchor::DeleteJob> || std::is_same_v<A, anchor::SaveAnchor> ||
                               std::is_same_v<A, anchor::SetStatusHeights>) {
            Store(actions[i]);
            next = m_planner.OnStored(actions[i], Status{});
          } else if constexpr (std::is_same_v<A, anchor::Submit>) {
            Submit(a);
          } else if constexpr (std::is_same_v<A, anchor::Upgrade>) {
            Upgrade(a);
          } else if constexpr (std::is_same_v<A, anchor::Recheck>) {
            Recheck(a);
          } else if constexpr (std::is_same_v<A, anchor::RaiseAlert>) {
            if (m_world.alert) m_world.alert(a.alert);
          } else if constexpr (std::is_same_v<A, anchor::Log>) {
            if (m_world.trace) m_world.trace("  anchoring " + std::to_string(m_id) + ": " + a.message);
          }
        },
        actions[i]);
    actions.insert(actions.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::make_move_iterator(next.begin()),
                   std::make_move_iterator(next.end()));
  }
}

void SimAnchoring::Store(const anchor::Action& write) {
  auto job_of = [&](const Hash32& digest) {
    return std::find_if(m_store.jobs.begin(), m_store.jobs.end(), [&](const anchor::Job& j) { return j.digest == digest; });
  };
  if (const auto* a = std::get_if<anchor::SaveJob>(&write)) {
    if (auto it = job_of(a->job.digest); it != m_store.jobs.end()) *it = a->job; else m_store.jobs.push_back(a->job);
  } else if (const auto* b = std::get_if<anchor::SaveProof>(&write)) {
    if (auto it = job_of(b->digest); it != m_store.jobs.end()) {
      it->timestamp = b->timestamp;
      it->updated_ms = b->updated_ms;
    }
  } else if (const auto* c = std::get_if<anchor::DeleteJob>(&write)) {
    if (auto it = job_of(c->digest); it != m_store.jobs.end()) m_store.jobs.erase(it);
  } else if (const auto* d = std::get_if<anchor::SaveAnchor>(&write)) {
    m_store.anchors.push_back({d->record, d->checkpoint.h, d->checkpoint});
    if (auto it = job_of(d->record.digest); it != m_store.jobs.end()) m_store.jobs.erase(it);
  } else if (const auto* e = std::get_if<anchor::SetStatusHeights>(&write)) {
    m_store.heights = e->heights;
  }
}

void SimAnchoring::Answer(std::uint64_t delay_ms, std::function<std::vector<anchor::Action>()> answer) {
  std::weak_ptr<bool> alive = m_alive;
  m_world.after(delay_ms, [this, alive, answer = std::move(answer)] {
    if (alive.expired()) return;  // the member crashed: the answer reaches no one
    Perform(answer());
  });
}

void SimAnchoring::Submit(const anchor::Submit& s) {
  const std::uint64_t delay = m_world.rng->Uniform(kCalendarMinMs, kCalendarMaxMs);
  if (m_world.calendars_down()) {
    Answer(delay, [this, d = s.digest] {
      return m_planner.OnSubmitted(d, Error{Errc::kUnavailable, "calendars unavailable"}, m_world.now());
    });
    return;
  }
  const auto& jobs = m_planner.jobs();
  auto job = std::find_if(jobs.begin(), jobs.end(), [&](const anchor::Job& j) { return j.digest == s.digest; });
  if (job == jobs.end()) {
    m_failure = "anchoring of member " + std::to_string(m_id) + " submitted a digest it holds no job for";
    return;
  }
  SimAnchor a;
  a.cp = job->checkpoint;
  const chain::EpochHistory epochs = m_disk.epochs.empty() ? chain::EpochHistory(m_genesis) : chain::EpochHistory(m_disk.epochs);
  auto sealers = chain::VerifyCheckpointSeals(a.cp, epochs.ConfigAt(a.cp.h));
  if (!sealers.ok()) {
    m_failure = "member " + std::to_string(m_id) + " holds a seal that does not verify: " + sealers.error().message;
    return;
  }
  a.sealers = *sealers;
  a.digest = s.digest;
  a.owner = m_id;
  a.ready_ms = m_world.now() + m_world.rng->Uniform(m_world.anchor_min_ms, m_world.anchor_max_ms);
  m_world.btc->Submit(std::move(a));
  if (m_world.trace) m_world.trace("  anchor checkpoint h=" + std::to_string(s.height) + " by " + std::to_string(m_id));
  Bytes tree(s.digest.begin(), s.digest.end());  // stands for the calendar's pending tree
  Answer(delay, [this, d = s.digest, tree] { return m_planner.OnSubmitted(d, tree, m_world.now()); });
}

void SimAnchoring::Upgrade(const anchor::Upgrade& u) {
  Answer(m_world.rng->Uniform(kCalendarMinMs, kCalendarMaxMs), [this, d = u.digest] {
    anchor::UpgradeOutcome o;
    if (m_world.calendars_down()) {
      o.error = Error{Errc::kUnavailable, "calendars unavailable"};
    } else if (const SimAnchor* a = m_world.btc->Find(m_id, d)) {
      const std::uint32_t confirmations = m_world.btc->Confirmations(*a);
      if (confirmations >= m_world.k) {
        ots::BitcoinVerification v;
        v.height = a->btc_height;
        v.block_hash = a->btc_hash;
        v.time = static_cast<std::uint32_t>(m_world.now() / 1000);
        v.confirmations = confirmations;
        o.confirmed = v;
      } else {
        o.note = "pending (" + std::to_string(confirmations) + " confirmations)";
      }
    } else {
      o.note = "pending";
    }
    return m_planner.OnUpgraded(d, std::move(o), m_world.now());
  });
}

void SimAnchoring::Recheck(const anchor::Recheck& r) {
  Answer(m_world.rng->Uniform(kCalendarMinMs, kCalendarMaxMs), [this, items = r.items] {
    anchor::RecheckOutcome o;
    for (const anchor::RecheckItem& item : items) {
      const std::uint32_t c = item.btc_height > UINT32_MAX ? 0
                                  : m_world.btc->ConfirmationsAt(static_cast<std::uint32_t>(item.btc_height), item.btc_block_hash);
      o.confirmed.push_back(c >= m_world.k);
      o.btc_time.push_back(0);
    }
    return m_planner.OnRechecked(items, o);
  });
}

}  // namespace peerdb::sim
