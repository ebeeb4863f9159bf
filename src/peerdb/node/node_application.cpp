#include "peerdb/node/node_application.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <spdlog/spdlog.h>

#include "peerdb/codec/pce.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/node/block_producer.h"
#include "peerdb/node/fail_stop.h"
#include "peerdb/node/tree_state_view.h"

namespace peerdb::node {
namespace {

// Trace only: how long a durable write took (bench/latency_budget.py reads these lines).
class WriteTimer {
 public:
  explicit WriteTimer(const char* what) : m_what(what), m_start(std::chrono::steady_clock::now()) {}
  ~WriteTimer() {
    if (!spdlog::should_log(spdlog::level::trace)) return;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - m_start);
    spdlog::trace("node: durable write {} took {} us", m_what, us.count());
  }
  WriteTimer(const WriteTimer&) = delete;
  WriteTimer& operator=(const WriteTimer&) = delete;

 private:
  const char* m_what;
  std::chrono::steady_clock::time_point m_start;
};

constexpr std::size_t kCheckedCacheSize = 8;

// S5 and the commit acknowledgements depend on these writes: never continue without them.
[[noreturn]] void DieOnWriteFailure(const std::string& what, const Error& e) { StopOnStoreFailure("persist " + what, e); }

// The tree's rows are this node's own store: a failure to read them is never the block's fault.
template <class T>
T OrStop(Result<T> r, const char* what) {
  if (!r.ok()) StopOnStoreFailure(what, r.error());
  return std::move(r).value();
}
void OrStop(const Status& s, const char* what) {
  if (!s.ok()) StopOnStoreFailure(what, s.error());
}

}  // namespace

namespace {
state::ExecRules ExecRulesOf(const consensus::BlockRulesInForce& rules) { return state::ExecRules{rules.epoch, rules.excluded}; }
}  // namespace

NodeApplication::NodeApplication(chain::EpochState epoch, chain::EpochHistory epochs, const Hash32& chain_id,
                                 store::Store& store, state::StoredStateTree& tree, state::TreeRowOverlay& tree_rows,
                                 TreeFlush flush)
    : m_epoch(std::move(epoch)),
      m_epochs(std::move(epochs)),
      m_chain_id(chain_id),
      m_store(store),
      m_tree(tree),
      m_tree_rows(tree_rows),
      m_flush(flush),
      m_frozen_at(OrStop(store.TreeHeight(), "read the state tree's height")) {}

Result<std::pair<state::ExecResult, Hash32>> NodeApplication::Execute(const state::ExecRules& rules,
                                                                       const std::vector<chain::TxBatch>& batches,
                                                                       std::uint64_t height) {
  RevertTrial();
  const auto reads = m_store.BeginRead();
  const TreeStateView parent(m_tree, m_store.View());
  PEERDB_TRY_ASSIGN(state::ExecResult exec, state::ExecuteBatches(rules, m_chain_id, parent, batches, height));
  const Hash32 root = RootAfter(exec);
  return std::make_pair(std::move(exec), root);
}

Hash32 NodeApplication::RootAfter(const state::ExecResult& exec) {
  RevertTrial();
  for (const state::Write& w : exec.writes) OrStop(m_tree.Put(LeafOf(w)), "update the state tree");
  m_trial = Trial{};
  return OrStop(m_tree.Root(), "hash the state tree");
}

void NodeApplication::RevertTrial() {
  m_tree.Discard();
  m_trial.reset();
}

std::size_t NodeApplication::BatchBudget(std::size_t rest) const {
  const std::size_t max = m_epoch.config.params.max_block_bytes;
  return max > rest ? max - rest : 0;
}

Result<chain::Block> NodeApplication::Build(const consensus::BlockTemplate& t, std::vector<chain::TxBatch>* dropped) {
  chain::Block block;
  chain::Header& h = block.header;
  const chain::Config& config = t.rules.epoch->config;
  h.chain_id = m_chain_id;
  h.epoch = config.epoch;
  h.height = t.height;
  h.parent_id = t.parent_id;
  h.author = t.author;
  h.timestamp_ms = t.timestamp_ms;
  h.config_hash = chain::ConfigHash(config);
  block.parent_cert = t.parent_cert;
  if (t.parent_cert) h.parent_cert_hash = chain::MajorityCertHash(*t.parent_cert);
  block.records = t.records;
  // C7: the batches must fit beside the header, the certificate and the records.
  std::size_t budget = BatchBudget(codec::EncodedSize(block));
  // Keep the candidates that execute, in order, over the committed state plus those kept so far.
  // Executing them one by one over the overlay is executing them together over the committed
  // state, so their results add up to the block's (followers re-execute it whole: C6).
  RevertTrial();
  const auto reads = m_store.BeginRead();
  const TreeStateView parent(m_tree, m_store.View());
  state::OverlayView overlay(parent);
  state::ExecResult all;
  const state::ExecRules rules = ExecRulesOf(t.rules);
  for (const chain::TxBatch& b : t.batches) {
    const std::size_t size = codec::EncodedSize(b);
    if (size > budget) break;  // the rest waits for a later block
    if (!chain::CheckBatchOpened(b).ok()) {  // a peer's batch without its values: nobody could check it
      if (dropped) dropped->push_back(b);
      continue;
    }
    auto r = state::ExecuteBatches(rules, m_chain_id, overlay, {b}, t.height);
    if (!r.ok()) {
      if (dropped) dropped->push_back(b);
      continue;
    }
    overlay.Apply(*r);
    budget -= size;
    block.batches.push_back(b);
    all.writes.insert(all.writes.end(), std::make_move_iterator(r->writes.begin()), std::make_move_iterator(r->writes.end()));
    all.erasures.insert(all.erasures.end(), std::make_move_iterator(r->erasures.begin()),
                        std::make_move_iterator(r->erasures.end()));
    for (const auto& [author, seq] : r->last_seq) all.last_seq[author] = seq;
    all.change_proposed = all.change_proposed || r->change_proposed;
  }
  h.batches_root = chain::BatchesRoot(block.batches);
  h.records_root = chain::RecordsRoot(block.records);
  h.state_root = RootAfter(all);
  m_trial->id = chain::BlockId(h);
  m_checked.push_back(Executed{m_trial->id, std::move(all)});
  if (m_checked.size() > kCheckedCacheSize) m_checked.pop_front();
  return block;
}

Status NodeApplication::Check(const chain::Block& block, const consensus::BlockRulesInForce& rules) {
  // The block's size (C7) and its batches_root and records_root (C6) are the machine's check
  // (chain::CheckBlockShape, made before it calls this); hashing every op's value a second time
  // here only cost time. What is left is what needs the state.
  const chain::Header& h = block.header;
  // A proposal carries every value (only committed blocks lose values to erasure).
  for (std::size_t i = 0; i < block.batches.size(); ++i) {
    if (Status s = chain::CheckBatchOpened(block.batches[i]); !s.ok()) {
      return Error{s.error().code, "C5: batch " + std::to_string(i) + ": " + s.error().message};
    }
  }
  // A block I built (or checked) since the last commit: its id covers the header, whose roots
  // the machine matched, and its execution is in hand; executing it again would only cost time.
  const Hash32 id = chain::BlockId(h);
  for (const Executed& e : m_checked) {
    if (e.id == id) return Status::Ok();
  }
  auto executed = Execute(ExecRulesOf(rules), block.batches, h.height);
  if (!executed.ok()) return Error{executed.error().code, "C5: " + executed.error().message};
  if (executed->second != h.state_root) {
    RevertTrial();
    return Error{Errc::kInvalid, "C6: re-execution gives another state_root"};
  }
  m_trial->id = id;
  m_checked.push_back(Executed{id, std::move(executed->first)});
  if (m_checked.size() > kCheckedCacheSize) m_checked.pop_front();
  return Status::Ok();
}

void NodeApplication::Commit(const consensus::CommittedBlock& b, const chain::EpochStep& epoch) {
  CommitWith(b, epoch, std::nullopt);
}

void NodeApplication::CommitThenSaveSigner(const consensus::CommittedBlock& b, const chain::EpochStep& epoch,
                                           const chain::SignerState& state) {
  CommitWith(b, epoch, codec::Encode(state));
}

void NodeApplication::CommitWith(const consensus::CommittedBlock& b, const chain::EpochStep& epoch,
                                 std::optional<Bytes> signer_state) {
  const std::string what = "block " + std::to_string(b.block.header.height);
  store::BlockCommit c;
  c.block = b.block;
  c.id = b.id;
  c.status = store::BlockStatus::kMajority;
  c.cert = b.cert;
  c.seals = b.seals;
  c.signer_state = std::move(signer_state);
  bool found = false;
  for (Executed& e : m_checked) {
    if (e.id == b.id) {
      c.writes = std::move(e.exec.writes);
      c.erasures = std::move(e.exec.erasures);
      found = true;
      break;
    }
  }
  if (!found) {
    const auto reads = m_store.BeginRead();  // ends before the commit below
    // The machine committed it under the epoch state of my head, which is this application's.
    auto exec = state::ExecuteBatches(state::ExecRules{&m_epoch, {}}, m_chain_id, m_store.View(), b.block.batches,
                                      b.block.header.height);
    if (!exec.ok()) DieOnWriteFailure(what + " (it no longer executes)", exec.error());
    c.writes = std::move(exec->writes);
    c.erasures = std::move(exec->erasures);
  }
  // Every other execution in hand was over the parent state, which is gone now.
  m_checked.clear();
  // The epoch state goes into the same transaction as the block, so a restart finds them agreeing.
  chain::EpochHistory epochs = m_epochs;
  epochs.Note(b.block.header.height, epoch);
  if (epoch.state != m_epoch) c.epoch_state = codec::Encode(epoch.state);
  if (epoch.activated) c.epoch_history = codec::Encode(chain::EpochList{epochs.all()});
  // The tree's changes join the rows held in memory: those of the trial when it is this block (the
  // usual case: no second pass), else the block's writes applied now. A slice of the generation
  // being written goes into the block's transaction (TakeTreeSlice).
  if (!m_trial || m_trial->id != b.id) {
    RevertTrial();
    for (const state::Write& w : c.writes) OrStop(m_tree.Put(LeafOf(w)), "update the state tree");
  }
  if (OrStop(m_tree.Root(), "hash the state tree") != b.block.header.state_root) {
    DieOnWriteFailure(what, Error{Errc::kCorrupt, "the state tree disagrees with the committed state_root"});
  }
  m_tree_rows.Apply(OrStop(m_tree.ChangedRows(), "write the state tree"));
  TakeTreeSlice(b.block.header.height, c);
  // Offenders named by the block's evidence join X_chain (the machine's rule: consensus::EvidenceOffender).
  if (m_chain_excluded) {
    bool grew = false;
    for (const chain::Record& r : b.block.records) {
      if (const auto* e = std::get_if<chain::Evidence>(&r.body)) {
        if (auto offender = consensus::EvidenceOffender(*e); offender.ok()) grew = m_chain_excluded->insert(*offender).second || grew;
      }
    }
    if (grew) c.chain_excluded = std::vector<chain::MemberId>(m_chain_excluded->begin(), m_chain_excluded->end());
  }
  {
    WriteTimer timer("block");
    if (Status s = m_store.CommitBlock(c); !s.ok()) DieOnWriteFailure(what, s.error());
  }
  m_tree.MarkCommitted();  // the block's tree rows are held: the trial is the committed tree
  m_tree_rows.Written(c.tree_rows.size());
  m_trial.reset();
  m_epoch = epoch.state;
  m_epochs = std::move(epochs);
  if (on_commit) on_commit(b);
}

void NodeApplication::TakeTreeSlice(std::uint64_t height, store::BlockCommit& c) {
  constexpr std::size_t kMinSliceRows = 256;
  const std::uint64_t half = std::max<std::uint64_t>(1, m_flush.blocks / 2);
  if (!m_tree_rows.writing() && (height - m_frozen_at >= half || m_tree_rows.newest_bytes() >= m_flush.bytes / 2)) {
    m_tree_rows.Freeze(height);
    m_frozen_at = height;
    // Slices sized to write the generation within `half` blocks, before the next one is due.
    m_slice_rows = std::max<std::size_t>(kMinSliceRows, (m_tree_rows.frozen_rows_left() + half - 1) / half);
    if (!m_tree_rows.writing()) c.tree_height = height;  // no row changed since the last generation
  }
  if (!m_tree_rows.writing()) return;
  const std::size_t left = m_tree_rows.frozen_rows_left();
  const std::size_t n = m_tree_rows.newest_bytes() >= m_flush.bytes ? left : std::min(left, m_slice_rows);
  c.tree_rows = m_tree_rows.NextRows(n);
  if (n == left) c.tree_height = m_tree_rows.frozen_height();
}

void NodeApplication::FlushTree() {
  if (Status s = m_store.WriteTreeRows(m_tree_rows.AllRows()); !s.ok()) {
    spdlog::warn("node: could not write the state tree's last rows ({}); the next start replays their blocks",
                 s.error().message);
    return;
  }
  m_tree_rows.Clear();
}

void NodeApplication::AddSeals(std::uint64_t height, const std::vector<chain::Seal>& seals) {
  for (const chain::Seal& s : seals) {
    Status st = m_store.AddSeal(s);
    if (st.ok()) continue;
    if (st.error().code == Errc::kConflict || st.error().code == Errc::kInvalid) {
      // The machine checked the seal; a conflict here is evidence material, not a disk failure.
      spdlog::warn("node: seal of member {} on block {} not stored: {}", s.signer, height, st.error().ToString());
      continue;
    }
    DieOnWriteFailure("seal on block " + std::to_string(height), st.error());
  }
}

std::optional<consensus::CommittedBlock> NodeApplication::LoadCommitted(std::uint64_t height) const {
  auto b = m_store.LoadBlock(height);
  if (!b.ok() || !*b) return std::nullopt;
  auto cert = m_store.LoadCert(height);
  if (!cert.ok() || !*cert) return std::nullopt;
  auto seals = m_store.LoadSeals(height);
  if (!seals.ok()) return std::nullopt;
  consensus::CommittedBlock out;
  out.block = std::move((*b)->block);
  out.id = (*b)->id;
  out.cert = std::move(**cert);
  out.seals = std::move(*seals);
  return out;
}

void NodeApplication::SaveSigner(const chain::SignerState& state) {
  WriteTimer timer("signer-state");
  if (Status s = m_store.SaveSignerState(codec::Encode(state)); !s.ok()) DieOnWriteFailure("signer state", s.error());
}

void NodeApplication::SaveCandidates(const std::vector<chain::Proposal>& proposals) {
  SignerCandidates c{proposals};
  if (Status s = m_store.SaveSignerCandidates(codec::Encode(c)); !s.ok()) DieOnWriteFailure("signer candidates", s.error());
}

void NodeApplication::SaveEvidence(const chain::Evidence& evidence) {
  if (Status s = m_store.SaveEvidence(evidence, 0); !s.ok()) DieOnWriteFailure("evidence", s.error());
}

}  // namespace peerdb::node
