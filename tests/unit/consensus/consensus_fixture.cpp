#include "consensus_fixture.h"

#include <algorithm>

#include "peerdb/consensus/evidence.h"
#include "peerdb/crypto/sha256.h"

namespace peerdb::consensus::testing {

crypto::SigningKey KeyOf(chain::MemberId id) {
  crypto::SecretSeed seed;
  seed.fill(static_cast<std::uint8_t>(id));
  return crypto::SigningKey::FromSeed(seed);
}

chain::Params FastParams() {
  chain::Params p;
  p.block_period_ms = 100;
  p.heartbeat_ms = 1000;
  p.round_timeout_ms = 500;
  p.max_round_timeout_ms = 4000;
  p.max_future_drift_ms = 2000;
  p.silent_alert_ms = 5000;
  return p;
}

chain::Genesis MakeTestGenesis(std::size_t members, const chain::Params& params) {
  chain::Genesis g;
  for (chain::MemberId id = 1; id <= members; ++id) {
    chain::Member m;
    m.id = id;
    m.pubkey = KeyOf(id).public_key();
    m.name = "member-" + std::to_string(id);
    m.contact = m.name + "@example.org";
    g.config.members.push_back(m);
  }
  g.config.params = params;
  g.genesis_time_ms = 1'000'000;
  g.description = "consensus unit tests";
  return g;
}

chain::TxBatch MakeSignedBatch(const Hash32& chain_id, chain::MemberId author, std::uint64_t seq, std::uint64_t valid_until) {
  chain::TxBatch b;
  b.author = author;
  b.seq = seq;
  b.valid_until_height = valid_until;
  chain::Op op;
  op.ns = "ledger";
  op.key = "k" + std::to_string(author) + "-" + std::to_string(seq);
  op.value = ToBytes("v");
  b.ops.push_back(op);
  chain::SignWith(KeyOf(author), chain_id, b);
  return b;
}

// ---- TestApp ----------------------------------------------------------------------------------

TestApp::TestApp(const chain::Genesis& g) : genesis(g), chain_id(chain::ChainId(g)) { signer.seal_id = chain_id; }

Hash32 TestApp::StateRootAt(std::uint64_t height) const {
  return height == 0 ? genesis.initial_state_root : m_blocks.at(height - 1).block.header.state_root;
}

namespace {
Hash32 NextRoot(const Hash32& parent, const Hash32& batches_root) { return crypto::Sha256({parent, batches_root}); }

std::map<chain::MemberId, std::uint64_t> LastSeqs(const std::vector<CommittedBlock>& blocks) {
  std::map<chain::MemberId, std::uint64_t> seqs;
  for (const CommittedBlock& b : blocks) {
    for (const chain::TxBatch& t : b.block.batches) seqs[t.author] = std::max(seqs[t.author], t.seq);
  }
  return seqs;
}
}  // namespace

Result<chain::Block> TestApp::Build(const BlockTemplate& t, std::vector<chain::TxBatch>* dropped) {
  chain::Block b;
  auto seqs = LastSeqs(m_blocks);
  for (const chain::TxBatch& batch : t.batches) {
    if (censor.count(batch.author)) continue;
    if (batch.seq == seqs[batch.author] + 1) {
      b.batches.push_back(batch);
      seqs[batch.author] = batch.seq;
    } else if (dropped && batch.seq <= seqs[batch.author]) {
      dropped->push_back(batch);
    }
  }
  b.records = t.records;
  b.parent_cert = t.parent_cert;
  chain::Header& h = b.header;
  h.chain_id = chain_id;
  const chain::Config& config = t.rules.epoch ? t.rules.epoch->config : genesis.config;  // tests may leave it out
  h.epoch = config.epoch;
  h.height = t.height;
  h.parent_id = t.parent_id;
  h.author = t.author;
  h.timestamp_ms = static_cast<std::uint64_t>(static_cast<std::int64_t>(t.timestamp_ms) + clock_skew_ms);
  h.config_hash = chain::ConfigHash(config);
  h.parent_cert_hash = t.parent_cert ? chain::MajorityCertHash(*t.parent_cert) : Hash32{};
  h.batches_root = chain::BatchesRoot(b.batches);
  h.records_root = chain::RecordsRoot(b.records);
  h.state_root = NextRoot(StateRootAt(head()), h.batches_root);
  return b;
}

Status TestApp::Check(const chain::Block& block, const BlockRulesInForce& /*rules*/) {
  if (reject) return Error{Errc::kInvalid, *reject};
  if (block.header.height != head() + 1) return Error{Errc::kInvalid, "C3: not at head + 1"};
  auto seqs = LastSeqs(m_blocks);
  for (const chain::TxBatch& t : block.batches) {
    if (t.seq != seqs[t.author] + 1) return Error{Errc::kInvalid, "C5: seq is not last_seq + 1"};
    seqs[t.author] = t.seq;
  }
  if (block.header.state_root != NextRoot(StateRootAt(head()), block.header.batches_root)) {
    return Error{Errc::kInvalid, "C6: state_root does not match re-execution"};
  }
  return Status::Ok();
}

void TestApp::Commit(const CommittedBlock& block, const chain::EpochStep& epoch) {
  m_blocks.push_back(block);
  epochs.push_back(epoch);
}

void TestApp::AddSeals(std::uint64_t height, const std::vector<chain::Seal>& seals) {
  auto& have = m_blocks.at(height - 1).seals;
  for (const chain::Seal& s : seals) {
    if (std::none_of(have.begin(), have.end(), [&](const chain::Seal& x) { return x.signer == s.signer; })) have.push_back(s);
  }
}

std::optional<CommittedBlock> TestApp::LoadCommitted(std::uint64_t height) const {
  if (height == 0 || height > head()) return std::nullopt;
  return m_blocks[height - 1];
}

void TestApp::SaveSigner(const chain::SignerState& state) {
  signer = state;
  ++save_signer_calls;
}

void TestApp::SaveCandidates(const std::vector<chain::Proposal>& proposals) {
  candidates = proposals;
  ++save_candidates_calls;
  if (on_save_candidates) on_save_candidates();
}

void TestApp::SaveEvidence(const chain::Evidence& e) { evidence.push_back(e); }

Snapshot TestApp::MakeSnapshot(chain::MemberId self) const {
  Snapshot s;
  s.genesis = genesis;
  s.self = self;
  s.signer = signer;
  s.candidates = candidates;
  if (!m_blocks.empty()) s.head = m_blocks.back();
  s.evidence = evidence;
  if (!epochs.empty()) {
    chain::EpochHistory history(genesis);
    for (std::size_t i = 0; i < epochs.size(); ++i) history.Note(i + 1, epochs[i]);
    s.epoch = epochs.back().state;
    s.epochs = history.all();
  }
  return s;
}

// ---- Cluster ----------------------------------------------------------------------------------

Cluster::Cluster(std::size_t n, const chain::Params& params)
    : m_genesis(MakeTestGenesis(n, params)), m_chain_id(chain::ChainId(m_genesis)), m_now(m_genesis.genesis_time_ms) {
  for (chain::MemberId id = 1; id <= n; ++id) {
    Node node;
    node.app = std::make_unique<TestApp>(m_genesis);
    node.machine = std::make_unique<Machine>(node.app->MakeSnapshot(id), *node.app, KeyOf(id));
    m_nodes.push_back(std::move(node));
  }
  for (chain::MemberId id = 1; id <= n; ++id) {
    for (chain::MemberId peer = 1; peer <= n; ++peer) {
      if (peer != id) Deliver(id, PeerConnected{peer});
    }
  }
}

void Cluster::Crash(chain::MemberId id) {
  node(id).alive = false;
  std::erase_if(m_queue, [id](const InFlight& f) { return f.from == id; });
}

void Cluster::Restart(chain::MemberId id) {
  Node& n = node(id);
  n.machine = std::make_unique<Machine>(n.app->MakeSnapshot(id), *n.app, KeyOf(id));
  n.alive = true;
  for (chain::MemberId peer = 1; peer <= size(); ++peer) {
    if (peer != id) Deliver(id, PeerConnected{peer});
  }
}

void Cluster::Deliver(chain::MemberId to, const Event& e) {
  Node& n = node(to);
  if (!n.alive) return;
  std::vector<Action> actions = n.machine->Step(e, m_now);
  n.log.insert(n.log.end(), actions.begin(), actions.end());
  if (on_step) on_step(to, actions);
  Route(to, std::move(actions));
}

void Cluster::Route(chain::MemberId from, std::vector<Action> actions) {
  if (!node(from).alive) return;  // crashed in this step (on_step): nothing left the process
  for (Action& a : actions) {
    if (auto* s = std::get_if<Send>(&a)) {
      m_queue.push_back({from, s->to, std::move(s->msg)});
    } else if (auto* b = std::get_if<Broadcast>(&a)) {
      for (chain::MemberId to = 1; to <= size(); ++to) {
        if (to != from) m_queue.push_back({from, to, b->msg});
      }
    }
  }
}

void Cluster::RunUntil(std::uint64_t until_ms, const std::function<bool()>& stop) {
  for (std::size_t guard = 0; guard < 10'000'000; ++guard) {
    if (stop && stop()) return;
    if (!m_queue.empty()) {
      std::size_t pick = 0;
      if (m_reorder) pick = std::uniform_int_distribution<std::size_t>(0, std::min<std::size_t>(m_queue.size(), 8) - 1)(m_rng);
      InFlight f = std::move(m_queue[pick]);
      m_queue.erase(m_queue.begin() + static_cast<std::ptrdiff_t>(pick));
      std::uniform_real_distribution<double> u(0, 1);
      if (m_drop_rate > 0 && u(m_rng) < m_drop_rate) continue;
      if (m_dup_rate > 0 && u(m_rng) < m_dup_rate) m_queue.push_back(f);
      if (!node(f.to).alive || !node(f.from).alive) continue;
      if (drop && drop(f.from, f.to, f.msg)) continue;
      Deliver(f.to, Received{f.from, std::move(f.msg)});
      continue;
    }
    std::uint64_t next = until_ms;
    for (const Node& n : m_nodes) {
      if (n.alive) next = std::min(next, n.machine->NextWakeupMs());
    }
    if (next >= until_ms && m_now >= until_ms) return;
    m_now = std::max(m_now + 1, std::min(next, until_ms));
    for (chain::MemberId id = 1; id <= size(); ++id) {
      if (node(id).alive && node(id).machine->NextWakeupMs() <= m_now) {
        ++m_ticks;
        Deliver(id, Tick{});
      }
    }
  }
}

std::uint64_t Cluster::MinHead() const {
  std::uint64_t h = UINT64_MAX;
  for (const Node& n : m_nodes) {
    if (n.alive) h = std::min(h, n.app->head());
  }
  return h;
}

bool Cluster::AllAliveHeadsAtLeast(std::uint64_t h) const { return MinHead() >= h; }

bool HasAlert(const std::vector<Action>& log, AlertKind kind, chain::MemberId member) {
  for (const auto& a : ActionsOf<AlertRaised>(log)) {
    if (a.alert.kind != kind) continue;
    if (member == 0 || std::find(a.alert.members.begin(), a.alert.members.end(), member) != a.alert.members.end()) return true;
  }
  return false;
}

bool IsProposalFrom(const PeerMessage& m, chain::MemberId signer) {
  const auto* p = std::get_if<chain::Proposal>(&m);
  return p && p->core.signer == signer;
}

std::function<bool(chain::MemberId, chain::MemberId, const PeerMessage&)> ProposalsOfOnlyReach(
    chain::MemberId proposer, chain::MemberId to, std::optional<Hash32>* block_id) {
  return [=](chain::MemberId from, chain::MemberId dest, const PeerMessage& m) {
    if (from != proposer || !IsProposalFrom(m, proposer)) return false;
    *block_id = std::get<chain::Proposal>(m).core.block_id;
    return dest != to;
  };
}

chain::Evidence DoubleVoteBy(chain::MemberId offender, const Hash32& chain_id) {
  chain::Vote a, b;
  a.h = b.h = 1;
  a.r = b.r = 0;
  a.block_id.fill(0x11);
  b.block_id.fill(0x22);
  a.signer = b.signer = offender;
  chain::SignWith(KeyOf(offender), chain_id, a);
  chain::SignWith(KeyOf(offender), chain_id, b);
  return MakeDoubleVote(a, b);
}

}  // namespace peerdb::consensus::testing
