#include "peerdb/node/node.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <mutex>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <thread>

#include "peerdb/chain/signer_state.h"
#include "peerdb/node/anchor_scheduler.h"
#include "peerdb/node/block_producer.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/node/identity.h"
#include "peerdb/node/lock_file.h"
#include "peerdb/node/mempool.h"
#include "peerdb/util/file.h"

namespace peerdb::node {
namespace asio = boost::asio;

namespace {
state::StateLeaf LeafOfEntry(const store::CurrentEntry& e) {
  return LeafOf(state::Write{e.ns, e.key, e.state, 0, 0, 0});
}
}  // namespace

struct Node::Impl {
  NodeConfig config;
  Consortium consortium;
  Hash32 chain_id{};
  std::optional<MemberKey> key;
  chain::MemberId self = 0;
  const util::Clock& clock;
  std::unique_ptr<LockFile> data_lock;
  std::unique_ptr<LockFile> key_lock;
  std::unique_ptr<store::Store> store;
  state::StateTree tree;
  ChainTip tip;
  std::unique_ptr<Mempool> mempool;
  std::uint64_t committed_ops = 0;

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  asio::steady_timer timer{io};
  std::thread thread;
  std::unique_ptr<AnchorScheduler> anchoring;  // when [anchor] enabled; uses io, so declared after it
  bool stopped = false;  // node thread only
  // Set by Stop() before it posts its last handler. Service calls post only while it is unset, and
  // fail at once after, so no callback is left in a queue that will never run again.
  std::mutex post_mu;
  bool closed = false;  // guarded by post_mu

  Impl(NodeConfig c, const util::Clock& clk) : config(std::move(c)), clock(clk) {}
  const chain::Config& cfg() const { return consortium.genesis.config; }

  Status Load();
  void ScheduleTick();
  void Tick();
  void ProduceBlock();
  StatusView MakeStatus() const;
  Result<ValueView> Read(const std::string& ns, const std::string& k, store::BlockStatus min_status) const;
  // Posts fn to the node thread, or calls done with kUnavailable once Stop() has begun.
  template <class T, class Fn>
  void Post(Callback<T>& done, Fn&& fn);
  std::string BlockLabel(std::uint64_t height) const { return "block " + std::to_string(height); }
};

Status Node::Impl::Load() {
  PEERDB_TRY_ASSIGN(consortium, LoadConsortium(config.consortium_path));
  chain_id = consortium.chain_id;
  PEERDB_TRY_ASSIGN(key, LoadMemberKey(config.key_path));
  const chain::Member* me = cfg().FindMemberByKey(key->signing.public_key());
  if (!me) {
    return Error{Errc::kNotMember, "the key " + config.key_path + " (public key " + Hex(key->signing.public_key()) +
                                       ") is not a member of consortium " + Hex(chain_id)};
  }
  self = me->id;
  if (cfg().members.size() != 1) {
    return Error{Errc::kConfig, "this version runs single-member consortia only; the consortium has " +
                                    std::to_string(cfg().members.size()) + " members"};
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Error{Errc::kIo, "cannot create data_dir " + config.data_dir + ": " + ec.message()};
  ::chmod(config.data_dir.c_str(), 0700);
  PEERDB_TRY_ASSIGN(data_lock, LockFile::Acquire(config.data_dir + "/node.lock", "data_dir " + config.data_dir));
  PEERDB_TRY_ASSIGN(key_lock, LockFile::Acquire(config.key_path + ".lock", "member key " + config.key_path));
  PEERDB_TRY_ASSIGN(store, store::Store::Open(config.data_dir + "/peerdb.sqlite"));
  // A fresh database file (and its -wal file, created by the first write) must survive power loss
  // as a directory entry too; SQLite syncs file contents, not always the directory.
  PEERDB_TRY(util::SyncParentDir(store->path()));
  PEERDB_TRY_ASSIGN(std::optional<chain::Genesis> stored, store->LoadGenesis());
  if (!stored) {
    PEERDB_TRY(store->InitGenesis(consortium.genesis));
    PEERDB_TRY(util::SyncParentDir(store->path()));
  } else if (chain::ChainId(*stored) != chain_id) {
    return Error{Errc::kConfig, "data_dir " + config.data_dir + " holds chain " + Hex(chain::ChainId(*stored)) +
                                    " but the consortium file defines chain " + Hex(chain_id)};
  }
  PEERDB_TRY(store->ForEachCurrent([this](const store::CurrentEntry& e) {
    tree.Put(LeafOfEntry(e));
    return true;
  }));
  PEERDB_TRY_ASSIGN(std::uint64_t head, store->HeadHeight());
  tip = ChainTip{0, chain_id, consortium.genesis.genesis_time_ms, std::nullopt, {}};
  if (head > 0) {
    PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> b, store->LoadBlock(head));
    if (!b) return Error{Errc::kCorrupt, "head block " + std::to_string(head) + " is missing"};
    if (tree.Root() != b->block.header.state_root) {
      return Error{Errc::kCorrupt, "stored state does not match the state_root of block " + std::to_string(head) +
                                       "; run `peerdb audit --db " + store->path() + "`"};
    }
    PEERDB_TRY_ASSIGN(tip.cert, store->LoadCert(head));
    if (!tip.cert) return Error{Errc::kCorrupt, "certificate of head block " + std::to_string(head) + " is missing"};
    PEERDB_TRY_ASSIGN(tip.seals, store->LoadSeals(head));
    tip.height = head;
    tip.id = b->id;
    tip.timestamp_ms = b->block.header.timestamp_ms;
  }
  // S6: the signer state on disk must agree with the chain; a mismatch means someone else signed
  // with this store or it was edited, and signing on would risk a double seal.
  PEERDB_TRY_ASSIGN(std::optional<Bytes> signer_bytes, store->LoadSignerState());
  if (signer_bytes) {
    auto s = codec::Decode<chain::SignerState>(*signer_bytes);
    if (!s.ok()) return Error{Errc::kCorrupt, "signer state: " + s.error().message};
    if (s->seal_h != tip.height || (tip.height > 0 && s->seal_id != tip.id)) {
      return Error{Errc::kCorrupt, "signer state (sealed height " + std::to_string(s->seal_h) +
                                       ") disagrees with the chain head " + std::to_string(tip.height)};
    }
  } else if (tip.height != 0) {
    return Error{Errc::kCorrupt, "signer state is missing"};
  }
  mempool = std::make_unique<Mempool>(cfg(), chain_id, self, key->signing, store->View());
  if (config.anchor.enabled) {
    PEERDB_TRY_ASSIGN(anchoring, AnchorScheduler::Create(config.anchor, io, *store, consortium.genesis, clock));
    PEERDB_TRY(anchoring->Start(tip.height, tip.timestamp_ms));
  }
  spdlog::info("node: member {} ({}) of chain {}, head height {}", self, me->name, Hex(chain_id), tip.height);
  return Status::Ok();
}

void Node::Impl::ScheduleTick() {
  // Aim at parent.ts + block_period_ms (the earliest valid timestamp, C4) rather than a fixed
  // pause after the last build, so the time spent building and committing overlaps the period.
  // "Sooner when a batch is full" cannot mean before that instant without breaking C4; instead a
  // block takes everything pending up to max_block_bytes, so a full queue never waits an extra period.
  const std::uint64_t period = cfg().params.block_period_ms;
  const std::uint64_t now = clock.NowMs();
  const std::uint64_t due = tip.timestamp_ms + period;
  // When idle, poll once per period (a heartbeat or new operations may be due).
  const std::uint64_t delay = due > now ? std::min(due - now, period) : (mempool->empty() ? period : 1);
  timer.expires_after(std::chrono::milliseconds(delay));
  timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped) return;
    Tick();
    ScheduleTick();
  });
}

void Node::Impl::Tick() {
  const std::uint64_t now = clock.NowMs();
  const bool heartbeat_due = now >= tip.timestamp_ms + cfg().params.heartbeat_ms;
  if (mempool->empty() && !heartbeat_due) return;
  ProduceBlock();
}

void Node::Impl::ProduceBlock() {
  std::vector<PendingBatch> taken = mempool->Take(SoloBlockBatchBytes(cfg().params));
  std::vector<chain::TxBatch> batches;
  batches.reserve(taken.size());
  std::size_t ops = 0;
  for (const PendingBatch& p : taken) {
    batches.push_back(p.batch);
    ops += p.batch.ops.size();
  }
  auto produced = ProduceSoloBlock(cfg(), chain_id, tip, std::move(batches), store->View(), tree, key->signing, self,
                                   clock.NowMs());
  if (!produced.ok()) {
    // Cannot happen when the mempool checked each batch; fail loudly rather than build on doubt.
    spdlog::error("node: cannot build block {}: {}", tip.height + 1, produced.error().ToString());
    for (PendingBatch& p : taken) p.done(produced.error());
    mempool->FailAll(Error{Errc::kUnavailable, "pending operations were dropped after a block build failure"});
    return;
  }
  ProducedBlock& pb = *produced;
  chain::SignerState signer;
  signer.seal_h = pb.block.header.height;
  signer.seal_id = pb.id;
  signer.h = signer.seal_h + 1;
  store::BlockCommit commit;
  commit.id = pb.id;
  commit.status = store::BlockStatus::kUnanimous;  // N = 1: its only member sealed it
  commit.cert = pb.cert;
  commit.seals = {pb.seal};
  commit.writes = std::move(pb.exec.writes);
  // S5 persists SignerState before a signature leaves the process. With one member nothing leaves
  // before the commit, so it rides in the block's own transaction (SQLite, synchronous=FULL), which
  // is as durable as the temp-file + fsync + rename the spec describes and can never disagree with
  // the chain after a crash.
  commit.signer_state = codec::Encode(signer);
  commit.block = std::move(pb.block);
  const std::uint64_t height = commit.block.header.height;
  const std::uint64_t ts = commit.block.header.timestamp_ms;
  Status s = store->CommitBlock(commit);
  if (!s.ok()) {
    // S5: never continue after a failed persist; the tree already holds the new state.
    spdlog::critical("node: cannot commit block {}: {}; stopping", height, s.error().ToString());
    std::fflush(nullptr);
    std::_Exit(70);
  }
  tip = ChainTip{height, pb.id, ts, pb.cert, {pb.seal}};
  if (anchoring) anchoring->OnHead(height, ts);
  mempool->OnCommitted();
  committed_ops += ops;
  spdlog::debug("node: committed block {} ({} batches, {} ops)", height, taken.size(), ops);
  for (PendingBatch& p : taken) {
    SubmitReceipt r{height, pb.id, store::BlockStatus::kUnanimous, p.batch.seq, p.batch.ops.size()};
    p.done(r);
  }
}

Result<ValueView> Node::Impl::Read(const std::string& ns, const std::string& k, store::BlockStatus min_status) const {
  const std::string name = ns + "/" + k;
  PEERDB_TRY_ASSIGN(std::optional<store::StatusEntry> newest, store->LoadNewestWithStatus(ns, k, store::BlockStatus::kProposed));
  if (!newest) return Error{Errc::kNotFound, name + " was never written"};
  PEERDB_TRY_ASSIGN(const store::StatusHeights heights, store->LoadStatusHeights());
  std::optional<store::StatusEntry> found = newest;
  if (min_status > store::BlockStatus::kProposed && newest->status < min_status) {
    PEERDB_TRY_ASSIGN(found, store->LoadNewestWithStatus(ns, k, min_status));
    if (!found) {
      return Error{Errc::kNotFound, "no version of " + name + " is in a block with status " +
                                        std::string(store::BlockStatusName(min_status)) + " or higher yet (newest: version " +
                                        std::to_string(newest->entry.state.version) + " in block " +
                                        std::to_string(newest->entry.height) + ", " +
                                        std::string(store::BlockStatusName(newest->status)) + "; final height " +
                                        std::to_string(heights.final_height) + ")"};
    }
  }
  const store::HistoryEntry& e = found->entry;
  ValueView v;
  v.entry = store::CurrentEntry{e.ns, e.key, e.state, e.height, e.block_id};
  v.status = found->status;
  v.latest_version = newest->entry.state.version;
  v.head_height = tip.height;
  v.final_height = heights.final_height;
  return v;
}

StatusView Node::Impl::MakeStatus() const {
  StatusView v;
  v.chain_id = chain_id;
  v.self = self;
  v.self_name = cfg().FindMember(self)->name;
  v.head_height = tip.height;
  v.head_id = tip.id;
  v.unanimous_height = tip.height;
  if (auto heights = store->LoadStatusHeights(); heights.ok()) {
    v.anchored_height = heights->anchored_height;
    v.final_height = heights->final_height;
  } else {
    spdlog::error("node: cannot read status heights: {}", heights.error().ToString());
  }
  if (anchoring) {
    v.anchoring = anchoring->View();
    if (v.anchoring.anchor_lag) v.alerts.push_back("ANCHOR_LAG");
  }
  v.pending_ops = mempool->size_ops();
  v.committed_ops = committed_ops;
  for (const chain::Member& m : cfg().members) v.members.push_back(MemberStatus{m, m.id == self ? tip.height : 0});
  return v;
}

template <class T, class Fn>
void Node::Impl::Post(Callback<T>& done, Fn&& fn) {
  std::unique_lock lock(post_mu);
  if (closed) {
    lock.unlock();
    done(Error{Errc::kUnavailable, "node is stopped"});
    return;
  }
  asio::post(io, std::forward<Fn>(fn));
}

Node::Node(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Node::~Node() { Stop(); }

Result<std::unique_ptr<Node>> Node::Open(const NodeConfig& config, const util::Clock& clock) {
  auto impl = std::make_unique<Impl>(config, clock);
  PEERDB_TRY(impl->Load());
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

void Node::Start() {
  Impl& d = *m_impl;
  d.ScheduleTick();
  d.thread = std::thread([&d] { d.io.run(); });
}

void Node::Stop() {
  Impl& d = *m_impl;
  {
    std::lock_guard lock(d.post_mu);
    if (d.closed) return;
    d.closed = true;
  }
  // Everything posted before runs first (FIFO), so submissions queued until now fail below.
  asio::post(d.io, [&d] {
    d.stopped = true;
    d.timer.cancel();
    if (d.anchoring) d.anchoring->Stop();
    d.mempool->FailAll(Error{Errc::kUnavailable, "node is shutting down; operations were not committed"});
    d.work.reset();
  });
  if (d.thread.joinable()) {
    d.thread.join();
  } else {
    d.io.run();  // never started: run what was posted here, so every callback is called
  }
  // A calendar or header request in progress ends within its timeouts.
  if (d.anchoring) d.anchoring->Join();
}

const chain::Genesis& Node::genesis() const { return m_impl->consortium.genesis; }

void Node::Submit(std::vector<chain::Op> ops, Callback<SubmitReceipt> done) {
  m_impl->Post(done, [this, ops = std::move(ops), done]() mutable {
    Impl& d = *m_impl;
    if (d.stopped) return done(Error{Errc::kUnavailable, "node is shutting down"});
    Status s = d.mempool->Add(std::move(ops), d.tip.height + 1, done);
    if (!s.ok()) done(s.take_error());
  });
}

void Node::Get(std::string ns, std::string key, store::BlockStatus min_status, Callback<ValueView> done) {
  m_impl->Post(done, [this, ns = std::move(ns), key = std::move(key), min_status, done] {
    Impl& d = *m_impl;
    if (!d.cfg().FindRule(ns)) return done(Error{Errc::kUnknownNamespace, "no namespace '" + ns + "'"});
    done(d.Read(ns, key, min_status));
  });
}

void Node::History(std::string ns, std::string key, std::size_t limit,
                   Callback<std::vector<store::HistoryEntry>> done) {
  m_impl->Post(done, [this, ns = std::move(ns), key = std::move(key), limit, done] {
    Impl& d = *m_impl;
    if (!d.cfg().FindRule(ns)) return done(Error{Errc::kUnknownNamespace, "no namespace '" + ns + "'"});
    done(d.store->LoadHistory(ns, key, limit));
  });
}

void Node::GetBlock(std::uint64_t height, Callback<BlockView> done) {
  m_impl->Post(done, [this, height, done] {
    Impl& d = *m_impl;
    auto b = d.store->LoadBlock(height);
    if (!b.ok()) return done(b.error());
    if (!*b) return done(Error{Errc::kNotFound, "no block at height " + std::to_string(height)});
    BlockView v;
    v.block = std::move(**b);
    auto cert = d.store->LoadCert(height);
    if (!cert.ok()) return done(cert.error());
    v.cert = *cert;
    auto seals = d.store->LoadSeals(height);
    if (!seals.ok()) return done(seals.error());
    v.seals = std::move(*seals);
    done(std::move(v));
  });
}

void Node::GetStatus(Callback<StatusView> done) {
  m_impl->Post(done, [this, done] { done(m_impl->MakeStatus()); });
}

}  // namespace peerdb::node
