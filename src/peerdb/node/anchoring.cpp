#include "peerdb/node/anchoring.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <optional>
#include <spdlog/spdlog.h>

#include "peerdb/consensus/alert.h"

namespace peerdb::node {
namespace asio = boost::asio;

namespace {

std::string Short(const Hash32& h) { return Hex(h).substr(0, 8); }

anchor::Job FromStore(store::AnchorJob j) {
  return anchor::Job{std::move(j.checkpoint), j.digest, std::move(j.timestamp), j.created_ms, j.updated_ms};
}

store::AnchorJob ToStore(const anchor::Job& j) {
  return store::AnchorJob{j.checkpoint, j.digest, j.timestamp, j.created_ms, j.updated_ms};
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

Result<std::unique_ptr<Anchoring>> Anchoring::Create(const AnchorConfig& config, asio::io_context& io,
                                                     store::Store& store, const chain::Genesis& genesis,
                                                     const util::Clock& clock) {
  PEERDB_TRY_ASSIGN(std::unique_ptr<AnchorNet> net, MakeAnchorNet(config, genesis.config.params.k_anchor));
  return std::unique_ptr<Anchoring>(new Anchoring(config, io, store, genesis, clock, std::move(net)));
}

Anchoring::Anchoring(const AnchorConfig& config, asio::io_context& io, store::Store& store,
                     const chain::Genesis& genesis, const util::Clock& clock, std::unique_ptr<AnchorNet> net)
    : m_config(config),
      m_io(io),
      m_store(store),
      m_chain_id(chain::ChainId(genesis)),
      m_clock(clock),
      m_net(std::move(net)),
      m_timer(io),
      m_planner(anchor::PlannerOptions{config.interval_ms, config.upgrade_interval_ms}, genesis.config) {}

Anchoring::~Anchoring() {
  m_worker.Stop();
  m_worker.Join();
}

Status Anchoring::Start(std::uint64_t head_height, std::uint64_t head_timestamp_ms) {
  PEERDB_TRY_ASSIGN(std::vector<store::AnchorJob> stored_jobs, m_store.LoadAnchorJobs());
  PEERDB_TRY_ASSIGN(std::vector<store::StoredAnchor> stored, m_store.LoadAnchors());
  PEERDB_TRY_ASSIGN(store::StatusHeights heights, m_store.LoadStatusHeights());
  std::vector<anchor::Job> jobs;
  for (store::AnchorJob& j : stored_jobs) jobs.push_back(FromStore(std::move(j)));
  std::vector<anchor::LoadedAnchor> anchors;
  for (store::StoredAnchor& s : stored) anchors.push_back(anchor::LoadedAnchor{std::move(s.record), s.height, std::move(s.checkpoint)});
  Perform(m_planner.Start(std::move(jobs), anchors, heights, anchor::Head{head_height, head_timestamp_ms}));
  const anchor::PlannerView v = m_planner.View();
  spdlog::info("anchor: on; {} calendars (at least {}), headers from {}, {} confirmations; {} pending jobs, {} anchors",
               m_net->calendars.size(), m_net->min_calendars, m_net->headers_description, m_net->confirmations,
               v.pending_jobs, v.anchors);
  ScheduleTick();
  return Status::Ok();
}

void Anchoring::OnHead(std::uint64_t height, std::uint64_t timestamp_ms) {
  Perform(m_planner.OnHead(anchor::Head{height, timestamp_ms}));
}

void Anchoring::SetExcluded(std::vector<chain::MemberId> excluded) { Perform(m_planner.SetExcluded(std::move(excluded))); }
void Anchoring::SetEpochs(chain::EpochHistory epochs) { Perform(m_planner.SetEpochs(std::move(epochs))); }

void Anchoring::Stop() {
  m_stopped = true;
  m_timer.cancel();
  m_worker.Stop();
}

void Anchoring::Join() { m_worker.Join(); }

void Anchoring::ScheduleTick() {
  // The planner needs a tick at least this often to keep its pace (and at least once a second).
  const std::uint64_t period =
      std::clamp<std::uint64_t>(std::min({m_config.interval_ms, m_config.upgrade_interval_ms, std::uint64_t{1000}}), 5, 1000);
  m_timer.expires_after(std::chrono::milliseconds(period));
  m_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec || m_stopped) return;
    Perform(m_planner.Tick(m_clock.NowMs()));
    ScheduleTick();
  });
}

void Anchoring::Perform(std::vector<anchor::Action> actions) {
  for (anchor::Action& action : actions) Perform(action);
}

void Anchoring::Perform(anchor::Action& action) {
  std::visit(
      Overloaded{
          [this](anchor::LoadCheckpoint& a) {
            Perform(m_planner.OnCheckpoint(a.height, LoadCheckpoint(a.height), m_clock.NowMs()));
          },
          [this](anchor::LoadBlockTime& a) { Perform(m_planner.OnBlockTime(a.height, LoadBlockTime(a.height))); },
          [this](anchor::Submit& a) {
            spdlog::info("anchor: submitting the checkpoint of block {} (digest {}) to {} calendars", a.height,
                         Short(a.digest), m_net->calendars.size());
            const Hash32 digest = a.digest;
            RunOnWorker<Result<Bytes>>(
                [digest](AnchorNet& net) { return SubmitCheckpointDigest(net, digest); },
                [this, digest](Result<Bytes> tree) { return m_planner.OnSubmitted(digest, std::move(tree), m_clock.NowMs()); },
                [](const std::string& what) { return Result<Bytes>(Error{Errc::kInternal, what}); });
          },
          [this](anchor::Upgrade& a) {
            RunOnWorker<anchor::UpgradeOutcome>(
                [digest = a.digest, tree = std::move(a.timestamp)](AnchorNet& net) { return UpgradeProof(net, digest, tree); },
                [this, digest = a.digest](anchor::UpgradeOutcome o) {
                  return m_planner.OnUpgraded(digest, std::move(o), m_clock.NowMs());
                },
                [](const std::string& what) {
                  anchor::UpgradeOutcome o;
                  o.error = Error{Errc::kInternal, what};
                  return o;
                });
          },
          [this](anchor::Recheck& a) {
            RunOnWorker<anchor::RecheckOutcome>(
                [items = a.items](AnchorNet& net) { return RecheckAnchors(net, items); },
                [this, items = a.items](anchor::RecheckOutcome o) { return m_planner.OnRechecked(items, o); },
                [](const std::string& what) {
                  anchor::RecheckOutcome o;
                  o.error = Error{Errc::kInternal, what};
                  return o;
                });
          },
          [](anchor::RaiseAlert& a) {
            spdlog::warn("anchor: ALERT {}: {}", consensus::AlertCode(a.alert.kind), a.alert.detail);
          },
          [](anchor::ClearAlert& a) { spdlog::info("anchor: {} cleared", consensus::AlertCode(a.kind)); },
          [](anchor::Log& a) {
            switch (a.level) {
              case anchor::LogLevel::kDebug: spdlog::debug("anchor: {}", a.message); break;
              case anchor::LogLevel::kInfo: spdlog::info("anchor: {}", a.message); break;
              case anchor::LogLevel::kWarn: spdlog::warn("anchor: {}", a.message); break;
              case anchor::LogLevel::kError: spdlog::error("anchor: {}", a.message); break;
            }
          },
          [this, &action](anchor::SaveJob&) { Store(action); },
          [this, &action](anchor::SaveProof&) { Store(action); },
          [this, &action](anchor::DeleteJob&) { Store(action); },
          [this, &action](anchor::SaveAnchor&) { Store(action); },
          [this, &action](anchor::SetStatusHeights&) { Store(action); },
      },
      action);
}

void Anchoring::Store(const anchor::Action& write) {
  // The outcome goes straight back, and what follows from it is carried out before anything else.
  const Status result = Write(write);
  Perform(m_planner.OnStored(write, result));
}

Status Anchoring::Write(const anchor::Action& write) {
  if (const auto* a = std::get_if<anchor::SaveJob>(&write)) return m_store.SaveAnchorJob(ToStore(a->job));
  if (const auto* b = std::get_if<anchor::SaveProof>(&write)) {
    return m_store.UpdateAnchorJob(b->digest, b->timestamp, b->updated_ms);
  }
  if (const auto* c = std::get_if<anchor::DeleteJob>(&write)) return m_store.DeleteAnchorJob(c->digest);
  // Drops the job of that digest in the same transaction.
  if (const auto* d = std::get_if<anchor::SaveAnchor>(&write)) return m_store.SaveAnchor(d->record, d->checkpoint);
  if (const auto* e = std::get_if<anchor::SetStatusHeights>(&write)) {
    // N = 1: what the seals alone make a block is UNANIMOUS (its one member sealed it at commit).
    return m_store.SetStatusHeights(e->heights, store::BlockStatus::kUnanimous);
  }
  return Error{Errc::kInternal, "not a store write"};
}

Result<chain::Checkpoint> Anchoring::LoadCheckpoint(std::uint64_t height) const {
  PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> block, m_store.LoadBlock(height));
  if (!block) return Error{Errc::kNotFound, "block " + std::to_string(height) + " is not stored"};
  PEERDB_TRY_ASSIGN(std::vector<chain::Seal> seals, m_store.LoadSeals(height));
  chain::Checkpoint cp;
  cp.chain_id = m_chain_id;
  cp.h = height;
  cp.block_id = block->id;
  for (const chain::Seal& s : seals) cp.seals.push_back(chain::SigEntry{s.signer, s.sig});
  return cp;
}

std::uint64_t Anchoring::LoadBlockTime(std::uint64_t height) const {
  auto b = m_store.LoadBlock(height);
  if (!b.ok()) {
    spdlog::error("anchor: cannot read block {}: {}", height, b.error().ToString());
    return 0;
  }
  return *b ? (*b)->block.header.timestamp_ms : 0;
}

template <class R>
void Anchoring::RunOnWorker(std::function<R(AnchorNet&)> task, std::function<std::vector<anchor::Action>(R)> done,
                            std::function<R(const std::string&)> failed) {
  std::shared_ptr<AnchorNet> net = m_net;
  (void)m_worker.Post([this, net, task = std::move(task), done = std::move(done), failed = std::move(failed)]() mutable {
    std::optional<R> result;
    try {
      result.emplace(task(*net));
    } catch (const std::exception& e) {
      spdlog::error("anchor: request failed: {}", e.what());
      result.emplace(failed(std::string("request failed: ") + e.what()));
    }
    asio::post(m_io, [this, result = std::move(result), done = std::move(done)]() mutable {
      Perform(done(std::move(*result)));
    });
  });
}

AnchoringView Anchoring::View() const {
  AnchoringView v;
  v.enabled = true;
  v.calendars = m_config.calendars;
  v.confirmations = m_net->confirmations;
  v.interval_ms = m_config.interval_ms;
  v.planner = m_planner.View();
  v.anchor_lag = m_planner.LaggingAt(m_clock.NowMs());
  return v;
}

}  // namespace peerdb::node
