#include "sim_app.h"

#include <algorithm>

#include "peerdb/chain/epoch.h"
#include "peerdb/chain/rules.h"
#include "peerdb/crypto/sha256.h"

namespace peerdb::sim {

namespace {
Hash32 NextRoot(const Hash32& parent, const Hash32& batches_root) { return crypto::Sha256({parent, batches_root}); }
}  // namespace

SimApp::SimApp(const chain::Genesis& genesis, Durable& disk)
    : m_genesis(genesis), m_chain_id(chain::ChainId(genesis)), m_disk(disk) {
  if (m_disk.blocks.empty() && m_disk.signer.seal_h == 0) m_disk.signer.seal_id = m_chain_id;
  for (const consensus::CommittedBlock& b : m_disk.blocks) {
    for (const chain::TxBatch& t : b.block.batches) m_seqs[t.author] = std::max(m_seqs[t.author], t.seq);
  }
}

Hash32 SimApp::StateRootAt(std::uint64_t height) const {
  return height == 0 ? m_genesis.initial_state_root : m_disk.blocks.at(height - 1).block.header.state_root;
}

bool SimApp::HasChange(const chain::TxBatch& batch) {
  return std::any_of(batch.ops.begin(), batch.ops.end(),
                     [](const chain::Op& op) { return op.kind == static_cast<std::uint8_t>(chain::OpKind::kConfig); });
}

// A batch's `_config` op passes C5 (chain::CheckProposedChange) and is the block's first change.
bool SimApp::ChangeExecutes(const chain::TxBatch& batch, const consensus::BlockTemplate& t, bool change_taken) {
  for (const chain::Op& op : batch.ops) {
    if (op.kind != static_cast<std::uint8_t>(chain::OpKind::kConfig)) continue;
    if (change_taken) return false;
    if (!chain::CheckProposedChange(*t.rules.epoch, batch.author, op, t.height, t.rules.excluded).ok()) return false;
    change_taken = true;
  }
  return true;
}

Hash32 SimApp::HeadId() const { return m_disk.blocks.empty() ? m_chain_id : m_disk.blocks.back().id; }

Result<chain::Block> SimApp::Build(const consensus::BlockTemplate& t, std::vector<chain::TxBatch>* dropped) {
  chain::Block b;
  const chain::Config& config = t.rules.epoch->config;
  auto seqs = m_seqs;
  bool change_taken = false;  // at most one config change per block (§5.3)
  for (const chain::TxBatch& batch : t.batches) {
    const chain::Member* author = config.FindMember(batch.author);
    const bool signed_ok = author && chain::VerifySignedBy(author->pubkey, m_chain_id, batch);
    const bool change_ok = ChangeExecutes(batch, t, change_taken);
    const bool ok = signed_ok && change_ok && batch.seq == seqs[batch.author] + 1 &&
                    batch.valid_until_height >= t.height && chain::CheckBatchShape(batch, config.params).ok();
    if (ok) {
      b.batches.push_back(batch);
      seqs[batch.author] = batch.seq;
      change_taken = change_taken || HasChange(batch);
    } else if (dropped && (!signed_ok || !change_ok || batch.seq <= seqs[batch.author])) {
      // Never executes: a non-member, a key no longer in force, a refused change, a stale seq.
      dropped->push_back(batch);
    }
  }
  b.records = t.records;
  b.parent_cert = t.parent_cert;
  chain::Header& h = b.header;
  h.chain_id = m_chain_id;
  h.epoch = config.epoch;
  h.height = t.height;
  h.parent_id = t.parent_id;
  h.author = t.author;
  h.timestamp_ms = t.timestamp_ms;
  h.config_hash = chain::ConfigHash(config);
  h.parent_cert_hash = t.parent_cert ? chain::MajorityCertHash(*t.parent_cert) : Hash32{};
  h.batches_root = chain::BatchesRoot(b.batches);
  h.records_root = chain::RecordsRoot(b.records);
  h.state_root = NextRoot(StateRootAt(head()), h.batches_root);
  return b;
}

Status SimApp::CheckBatches(const chain::Block& block, const chain::Config& config,
                            std::map<chain::MemberId, std::uint64_t>& seqs) const {
  for (const chain::TxBatch& t : block.batches) {
    const chain::Member* author = config.FindMember(t.author);
    if (!author) return Error{Errc::kNotMember, "C5: batch author is not a member"};
    if (t.seq != seqs[t.author] + 1) return Error{Errc::kInvalid, "C5: seq is not last_seq + 1"};
    if (t.valid_until_height < block.header.height) return Error{Errc::kInvalid, "C5: batch expired"};
    if (!chain::VerifySignedBy(author->pubkey, m_chain_id, t)) return Error{Errc::kBadSignature, "C5: batch signature"};
    seqs[t.author] = t.seq;
  }
  return Status::Ok();
}

Status SimApp::Check(const chain::Block& block, const consensus::BlockRulesInForce& rules) {
  const chain::Config& config = rules.epoch->config;
  const chain::Header& h = block.header;
  if (h.height != head() + 1) return Error{Errc::kInvalid, "C3: not at head + 1"};
  if (h.parent_id != HeadId()) return Error{Errc::kInvalid, "C3: parent is not the committed head"};
  if (h.epoch != config.epoch || h.config_hash != chain::ConfigHash(config)) return Error{Errc::kInvalid, "C2: config"};
  PEERDB_TRY(chain::CheckBlockShape(block, config.params));
  auto seqs = m_seqs;
  PEERDB_TRY(CheckBatches(block, config, seqs));
  if (h.state_root != NextRoot(StateRootAt(head()), h.batches_root)) {
    return Error{Errc::kInvalid, "C6: state_root does not match re-execution"};
  }
  return Status::Ok();
}

void SimApp::BeginStep() { m_saves = StepSaves{}; m_frozen.reset(); }

bool SimApp::Persisting() {
  ++m_saves.calls;
  if (m_crash_at != 0 && m_saves.calls == m_crash_at && !m_frozen) m_frozen = m_disk;
  return !m_frozen;
}

bool SimApp::EndStep() {
  if (!m_frozen) return false;
  m_disk = std::move(*m_frozen);
  m_frozen.reset();
  m_crash_at = 0;
  return true;
}

void SimApp::Commit(const consensus::CommittedBlock& block, const chain::EpochStep& epoch) {
  if (Persisting()) m_saves.commits.push_back(block.block.header.height);
  for (const chain::TxBatch& t : block.block.batches) m_seqs[t.author] = std::max(m_seqs[t.author], t.seq);
  m_disk.blocks.push_back(block);
  // Stored with the block, as the node stores them in the same transaction.
  chain::EpochHistory history = m_disk.epochs.empty() ? chain::EpochHistory(m_genesis) : chain::EpochHistory(m_disk.epochs);
  history.Note(block.block.header.height, epoch);
  m_disk.epochs = history.all();
  m_disk.epoch = epoch.state;
}

void SimApp::AddSeals(std::uint64_t height, const std::vector<chain::Seal>& seals) {
  Persisting();
  if (height == 0 || height > head()) return;
  auto& have = m_disk.blocks[height - 1].seals;
  for (const chain::Seal& s : seals) {
    if (std::none_of(have.begin(), have.end(), [&](const chain::Seal& x) { return x.signer == s.signer; })) have.push_back(s);
  }
  std::sort(have.begin(), have.end(), [](const chain::Seal& a, const chain::Seal& b) { return a.signer < b.signer; });
}

std::optional<consensus::CommittedBlock> SimApp::LoadCommitted(std::uint64_t height) const {
  if (height == 0 || height > head()) return std::nullopt;
  return m_disk.blocks[height - 1];
}

void SimApp::SaveSigner(const chain::SignerState& state) {
  if (Persisting()) m_saves.signer.push_back(state);
  m_disk.signer = state;
}

// A persisting call of its own, so a crash can fall between it and the SaveSigner that follows.
void SimApp::SaveCandidates(const std::vector<chain::Proposal>& proposals) {
  Persisting();
  m_disk.candidates = proposals;
}

void SimApp::SaveEvidence(const chain::Evidence& evidence) {
  if (Persisting()) m_saves.evidence.push_back(evidence);
  m_disk.evidence.push_back(evidence);
}

consensus::Snapshot SimApp::MakeSnapshot(chain::MemberId self) const {
  consensus::Snapshot s;
  s.genesis = m_genesis;
  s.self = self;
  s.signer = m_disk.signer;
  s.candidates = m_disk.candidates;
  if (!m_disk.blocks.empty()) s.head = m_disk.blocks.back();
  s.evidence = m_disk.evidence;
  s.unanimous_height = std::min<std::uint64_t>(m_disk.unanimous_h, head());
  s.epoch = m_disk.epoch;
  s.epochs = m_disk.epochs;
  return s;
}

}  // namespace peerdb::sim
