#include "peerdb/node/node.h"

#include <boost/asio/post.hpp>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "peerdb/chain/signer_state.h"
#include "peerdb/node/block_producer.h"
#include "peerdb/node/node_impl.h"
#include "peerdb/node/node_setup.h"
#include "peerdb/node/private_records.h"
#include "peerdb/store/tree_tail.h"
#include "peerdb/util/file.h"

namespace peerdb::node {

namespace {

// The epoch state and epochs the store holds for its head (the genesis config when it holds none).
Result<std::pair<chain::EpochState, chain::EpochHistory>> LoadEpochs(const store::Store& store, const chain::Genesis& genesis) {
  std::pair<chain::EpochState, chain::EpochHistory> out{chain::GenesisEpochState(genesis), chain::EpochHistory(genesis)};
  PEERDB_TRY_ASSIGN(std::optional<Bytes> state, store.LoadEpochState());
  if (state) {
    auto decoded = codec::Decode<chain::EpochState>(*state);
    if (!decoded.ok()) return Error{Errc::kCorrupt, "stored epoch state does not decode: " + decoded.error().message};
    out.first = std::move(*decoded);
  }
  PEERDB_TRY_ASSIGN(std::optional<Bytes> history, store.LoadEpochHistory());
  if (history) {
    auto decoded = codec::Decode<chain::EpochList>(*history);
    if (!decoded.ok() || decoded->epochs.empty()) return Error{Errc::kCorrupt, "stored epochs do not decode"};
    out.second = chain::EpochHistory(std::move(decoded->epochs));
  }
  if (out.second.current().config != out.first.config) {
    return Error{Errc::kCorrupt, "stored epoch state and epochs disagree on the config in force"};
  }
  return out;
}

}  // namespace

Status Node::Impl::Load() {
  PEERDB_TRY_ASSIGN(Membership member, LoadMembership(config));
  consortium = std::move(member.consortium);
  chain_id = consortium.chain_id;
  key = std::move(member.key);
  next_key = std::move(member.next_key);
  self = member.self;
  PEERDB_TRY(CheckWritablePaths(config));
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Error{Errc::kIo, "cannot create data_dir " + config.data_dir + ": " + ec.message()};
  ::chmod(config.data_dir.c_str(), 0700);
  PEERDB_TRY_ASSIGN(data_lock, LockFile::Acquire(config.data_dir + "/node.lock", "data_dir " + config.data_dir));
  // S7: one signing process per key.
  PEERDB_TRY_ASSIGN(key_lock, LockFile::Acquire(config.key_path + ".lock", "member key " + config.key_path));
  PEERDB_TRY_ASSIGN(store, store::Store::Open(StoreFileOf(config)));
  // A fresh database file (and its -wal file, created by the first write) must survive power loss
  // as a directory entry too; SQLite syncs file contents, not always the directory.
  PEERDB_TRY(util::SyncParentDir(store->path()));
  PEERDB_TRY_ASSIGN(std::optional<chain::Genesis> stored, store->LoadGenesis());
  if (!stored) {
    PEERDB_TRY(store->InitGenesis(consortium.genesis));
    PEERDB_TRY(util::SyncParentDir(store->path()));
  } else {
    PEERDB_TRY(CheckStoredChain(*stored, chain_id, config.data_dir));
  }
  PEERDB_TRY(LoadTree());
  PEERDB_TRY_ASSIGN(auto epochs, LoadEpochs(*store, consortium.genesis));
  app = std::make_unique<NodeApplication>(std::move(epochs.first), std::move(epochs.second), chain_id, *store, *tree,
                                          *tree_rows, NodeApplication::TreeFlush{config.state_tree_flush_blocks});
  app->on_commit = [this](const consensus::CommittedBlock& b) {
    head_height = b.block.header.height;
  };
  PEERDB_TRY(CheckIdentity());
  PEERDB_TRY_ASSIGN(consensus::Snapshot snap, LoadSnapshot());
  if (next_key) snap.other_keys.push_back(next_key->signing);
  const bool omit_reader = config.testing_byzantine == "omit-reader";
  mempool = std::make_unique<Mempool>(
      [this, omit_reader] {
        std::vector<chain::MemberId> excluded = machine ? machine->ChainExcluded() : std::vector<chain::MemberId>{};
        if (!omit_reader) return state::ExecRules{&app->epoch(), std::move(excluded)};
        testing_rules = OmitOneReader(app->epoch(), self);
        return state::ExecRules{&testing_rules, std::move(excluded)};
      },
      chain_id, self, CurrentKey(), store->View());
  mempool->SetTestingCorruptCiphertexts(config.testing_byzantine == "bad-ciphertext");
  RestoreOwnBatches(snap.candidates);
  const bool chain_excluded_stored = snap.chain_excluded.has_value();
  machine = std::make_unique<consensus::Machine>(std::move(snap), *app, key->signing);
  // Without a stored X_chain the machine derived it from every block (a store written before it was
  // kept): store it once, so that the next start reads it instead.
  if (!chain_excluded_stored) PEERDB_TRY(store->SaveChainExcluded(machine->ChainExcluded()));
  app->SetChainExcluded(machine->ChainExcluded());
  if (config.anchor.enabled) {
    PEERDB_TRY_ASSIGN(anchoring, Anchoring::Create(config.anchor, io, *store, consortium.genesis, clock));
    // Anchoring follows the best UNANIMOUS block (PROTOCOL.md §1.8 duty).
    const std::uint64_t unanimous = machine->View().unanimous_height;
    PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> head, store->LoadBlock(unanimous));
    PEERDB_TRY(anchoring->Start(unanimous, head ? head->block.header.timestamp_ms : consortium.genesis.genesis_time_ms));
    anchoring->SetEpochs(app->epochs());
    ShareExclusions();
  }
  if (!config.testing_byzantine.empty()) {
    spdlog::warn("node: TEST-ONLY byzantine mode '{}' is on: this member will misbehave", config.testing_byzantine);
  }
  spdlog::info("node: member {} ({}) of chain {} (epoch {}, {} members), head height {}", self,
               current().FindMember(self) ? current().FindMember(self)->name : member.name, Hex(chain_id), current().epoch,
               current().members.size(), head_height);
  return Status::Ok();
}

const crypto::SigningKey& Node::Impl::CurrentKey() const {
  const chain::Member* me = current().FindMember(self);
  if (me && next_key && next_key->signing.public_key() == me->pubkey) return next_key->signing;
  return key->signing;
}

Status Node::Impl::CheckIdentity() const {
  const chain::Config& now = current();
  if (const chain::Member* me = now.FindMember(self)) {
    const bool held = me->pubkey == key->signing.public_key() || (next_key && me->pubkey == next_key->signing.public_key());
    if (!held) {
      return Error{Errc::kConfig, "member " + std::to_string(self) + "'s key in epoch " + std::to_string(now.epoch) + " is " +
                                      Hex(me->pubkey).substr(0, 16) + "..., which neither key nor next_key in node.toml is"};
    }
    return Status::Ok();
  }
  if (self < app->epoch().next_member_id) {
    spdlog::warn("node: member {} is not a member of epoch {} (removed): this node follows the chain but signs nothing",
                 self, now.epoch);
  } else {
    spdlog::info("node: member {} is not in the chain this node holds yet (epoch {}): it joins when it reaches the "
                 "config change that adds it", self, now.epoch);
  }
  return Status::Ok();
}

// A block this member signed before a crash may still commit after the restart (it is re-sent,
// S6), carrying batches of ours whose clients saw the connection drop. The mempool takes them back,
// oldest seq first, so a new submission does not reuse one of their seqs (it would lose to them
// with a 409) and, should that block lose, the batches are still offered to the next proposer.
void Node::Impl::RestoreOwnBatches(const std::vector<chain::Proposal>& candidates) {
  std::map<std::uint64_t, const chain::TxBatch*> own;  // by seq
  for (const chain::Proposal& p : candidates) {
    if (p.block.header.height <= head_height) continue;
    for (const chain::TxBatch& b : p.block.batches) {
      if (b.author == self) own.emplace(b.seq, &b);
    }
  }
  for (const auto& [seq, b] : own) {
    if (!mempool->Restore(*b, head_height + 1)) continue;
    restored_batches.push_back(*b);
  }
  if (!restored_batches.empty()) {
    spdlog::info("node: took back {} own batches of a block signed before the restart", restored_batches.size());
  }
}

// Opens the state tree on disk, replays into it the blocks committed after its last flush (their
// rows were in memory when the node stopped), and checks its root against the head's state_root. A
// store with no tree rows (written before the tree was kept on disk, or stopped before its first
// flush) gets them built from the state table, in one transaction.
Status Node::Impl::LoadTree() {
  tree_rows = std::make_unique<state::TreeRowOverlay>(store->TreeRows());
  tree = std::make_unique<state::StoredStateTree>(*tree_rows);
  PEERDB_TRY_ASSIGN(const bool stored, tree->IsStored());
  if (!stored) PEERDB_TRY(BuildTreeOnce());
  PEERDB_TRY_ASSIGN(const std::size_t replayed, store::ReplayTreeTail(*store, *tree));
  PEERDB_TRY_ASSIGN(std::vector<state::TreeRow> rows, tree->ChangedRows());
  tree_rows->Apply(std::move(rows));
  tree->MarkCommitted();
  if (replayed > 0) spdlog::info("node: replayed {} blocks into the state tree", replayed);
  PEERDB_TRY_ASSIGN(head_height, store->HeadHeight());
  if (head_height == 0) return Status::Ok();
  PEERDB_TRY_ASSIGN(std::optional<chain::Header> head, store->LoadHeader(head_height));
  if (!head) return Error{Errc::kCorrupt, "head block " + std::to_string(head_height) + " is missing"};
  PEERDB_TRY_ASSIGN(const Hash32 root, tree->Root());
  if (root != head->state_root) {
    return Error{Errc::kCorrupt, "stored state does not match the state_root of block " + std::to_string(head_height) +
                                     "; run `peerdb audit --db " + store->path() + "`"};
  }
  return Status::Ok();
}

Status Node::Impl::BuildTreeOnce() {
  Status put = Status::Ok();
  std::size_t leaves = 0;
  PEERDB_TRY(store->ForEachCurrent([&](const store::CurrentEntry& e) {
    put = tree->Put(LeafOf(state::Write{e.ns, e.key, e.state, 0, 0, 0}));
    ++leaves;
    return put.ok();
  }));
  PEERDB_TRY(put);
  if (leaves == 0) return Status::Ok();  // the empty tree has no rows
  spdlog::info("node: building the state tree on disk from {} keys (the store holds no tree rows)", leaves);
  PEERDB_TRY_ASSIGN(const std::vector<state::TreeRow> rows, tree->ChangedRows());
  PEERDB_TRY(store->WriteTreeRows(rows));
  tree->MarkCommitted();
  return Status::Ok();
}

// What the consensus machine restarts from: the committed head, the signer state (S6), evidence.
Result<consensus::Snapshot> Node::Impl::LoadSnapshot() {
  consensus::Snapshot snap;
  snap.genesis = consortium.genesis;
  snap.self = self;
  snap.signer.seal_id = chain_id;
  snap.signer.h = 1;
  PEERDB_TRY_ASSIGN(std::optional<Bytes> signer_bytes, store->LoadSignerState());
  if (signer_bytes) {
    auto s = codec::Decode<chain::SignerState>(*signer_bytes);
    if (!s.ok()) return Error{Errc::kCorrupt, "signer state: " + s.error().message};
    snap.signer = *s;
  }
  // The machine saves a seal (S5) just before it commits the sealed block, so after a crash the
  // seal may be one block ahead of the chain (the block is fetched again from peers); anything else
  // — a sealed block that is not the stored one, or a seal further ahead — means someone else
  // signed with this store or it was edited, and signing on would risk a double seal.
  if (snap.signer.seal_h > head_height + 1) {
    return Error{Errc::kCorrupt, "signer state (sealed height " + std::to_string(snap.signer.seal_h) +
                                     ") is ahead of the stored chain (head " + std::to_string(head_height) + ")"};
  }
  if (snap.signer.seal_h > 0 && snap.signer.seal_h <= head_height) {
    PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> sealed, store->LoadBlock(snap.signer.seal_h));
    if (!sealed || sealed->id != snap.signer.seal_id) {
      return Error{Errc::kCorrupt, "signer state names block " + Hex(snap.signer.seal_id) + " at height " +
                                       std::to_string(snap.signer.seal_h) + ", which is not the stored block there"};
    }
  }
  if (head_height > 0) {
    snap.head = app->LoadCommitted(head_height);
    if (!snap.head) return Error{Errc::kCorrupt, "head block " + std::to_string(head_height) + " or its certificate is missing"};
  }
  // The blocks the signer state refers to (S6 re-send). The machine re-verifies each one, so an
  // unreadable list only costs liveness, never safety: start without it, loudly.
  PEERDB_TRY_ASSIGN(std::optional<Bytes> candidate_bytes, store->LoadSignerCandidates());
  if (candidate_bytes) {
    auto c = codec::Decode<SignerCandidates>(*candidate_bytes);
    if (c.ok()) {
      snap.candidates = std::move(c->proposals);
    } else {
      spdlog::warn("node: stored signer candidates do not decode ({}); starting without them", c.error().message);
    }
  }
  PEERDB_TRY_ASSIGN(snap.evidence, store->LoadEvidence());
  PEERDB_TRY_ASSIGN(snap.chain_excluded, store->LoadChainExcluded());
  snap.epoch = app->epoch();
  snap.epochs = app->epochs().all();
  for (std::uint64_t h = head_height; h > 0; --h) {
    PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> b, store->LoadBlock(h));
    if (b && b->status >= store::BlockStatus::kUnanimous) {
      snap.unanimous_height = h;
      break;
    }
  }
  return snap;
}

Node::Node(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Node::~Node() { Stop(); }

Result<std::unique_ptr<Node>> Node::Open(const NodeConfig& config, const util::Clock& clock) {
  auto impl = std::make_unique<Impl>(config, clock);
  PEERDB_TRY(impl->Load());
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Status Node::Start() {
  Impl& d = *m_impl;
  PEERDB_TRY(d.StartNetwork());
  d.started = true;
  asio::post(d.io, [&d] {
    for (chain::TxBatch& b : d.restored_batches) d.Step(consensus::LocalBatch{std::move(b)});
    d.restored_batches.clear();
    d.Step(consensus::Tick{});
  });
  d.thread = std::thread([&d] { d.io.run(); });
  return Status::Ok();
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
    if (d.network) d.network->Stop();
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
  // A clean stop leaves the tree on disk at the head: the next start replays nothing.
  if (d.app) d.app->FlushTree();
  // The node thread is joined: its state is ours to read. Operators and service managers look for
  // this line to tell a clean stop from a crash.
  spdlog::info("node: stopped (member {}, head height {})", d.self, d.head_height);
}

const chain::Genesis& Node::genesis() const { return m_impl->consortium.genesis; }

void Node::Submit(std::vector<chain::Op> ops, Callback<SubmitReceipt> done) {
  m_impl->Post(done, [this, ops = std::move(ops), done]() mutable { m_impl->SubmitOps(std::move(ops), done); });
}

void Node::Impl::SubmitOps(std::vector<chain::Op> ops, Callback<SubmitReceipt> done) {
  if (stopped || !started) return done(Error{Errc::kUnavailable, "node is not running"});
  auto full = [&] {
    const auto reads = store->BeginRead();
    return mempool->Add(std::move(ops), head_height + 1, done);
  }();
  if (!full.ok()) return done(full.error());
  if (*full) Step(consensus::LocalBatch{std::move(**full)});
  ScheduleSeal();
}

void Node::Impl::ScheduleSeal() {
  if (seal_posted || !mempool->has_open()) return;
  // Posted behind the requests already queued: they join the open batch before it is signed.
  seal_posted = true;
  asio::post(io, [this] {
    seal_posted = false;
    if (stopped) return;
    if (auto batch = mempool->Seal(head_height + 1)) Step(consensus::LocalBatch{std::move(*batch)});
  });
}

void Node::Get(std::string ns, std::string key, store::BlockStatus min_status, Callback<ValueView> done) {
  m_impl->Post(done, [this, ns = std::move(ns), key = std::move(key), min_status, done] {
    Impl& d = *m_impl;
    if (auto rule = d.current().RuleOf(ns); !rule.ok()) return done(rule.error());
    done(d.Read(ns, key, min_status));
  });
}

void Node::History(std::string ns, std::string key, std::size_t limit,
                   Callback<std::vector<VersionView>> done) {
  m_impl->Post(done, [this, ns = std::move(ns), key = std::move(key), limit, done] {
    Impl& d = *m_impl;
    if (auto rule = d.current().RuleOf(ns); !rule.ok()) return done(rule.error());
    auto entries = d.store->LoadHistory(ns, key, limit);
    if (!entries.ok()) return done(entries.error());
    if (entries->empty()) return done(Error{Errc::kNotFound, ns + "/" + key + " has never been written"});
    std::vector<VersionView> out;
    for (store::HistoryEntry& e : *entries) {
      VersionView v{std::move(e), {}};
      auto privacy = d.OpenVersion(v.entry);
      if (!privacy.ok()) return done(privacy.error());
      v.privacy = *privacy;
      out.push_back(std::move(v));
    }
    done(std::move(out));
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

void Node::GetEvidence(Callback<std::vector<EvidenceView>> done) {
  m_impl->Post(done, [this, done] { done(m_impl->Evidence()); });
}

}  // namespace peerdb::node
