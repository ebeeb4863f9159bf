#include "peerdb/audit/chain_checker.h"

#include <algorithm>
#include <set>

#include "peerdb/codec/pce.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/state/tree_row_overlay.h"
#include "peerdb/state/tree_writes.h"
#include "peerdb/store/tree_tail.h"
#include "peerdb/util/assert.h"

namespace peerdb::audit {
namespace {

std::string KeyName(const std::string& ns, const std::string& key) { return ns + "/" + key; }

// Which part of a stored state row differs from the replay.
std::string Describe(const state::KeyState& stored, const state::KeyState& replayed) {
  if (stored.value != replayed.value) return "value";
  if (stored.deleted != replayed.deleted) return "deleted flag";
  if (stored.owner != replayed.owner) return "owner";
  if (stored.version != replayed.version) return "version";
  return "block reference";
}

AuditFailure At(std::optional<std::uint64_t> height, Errc code, std::string what) {
  return AuditFailure{height, Error{code, std::move(what)}};
}

// The failure of a rule, with its code, and `context` before its message.
AuditFailure At(std::optional<std::uint64_t> height, const Error& e, const std::string& context = "") {
  return AuditFailure{height, Error{e.code, context + e.message}};
}

}  // namespace

ChainChecker::ChainChecker(const chain::Genesis& genesis)
    : m_genesis(genesis),
      m_chain_id(chain::ChainId(genesis)),
      m_epoch(chain::GenesisEpochState(genesis)),
      m_epochs(genesis),
      m_prev_ts(genesis.genesis_time_ms) {}

CheckOutcome ChainChecker::CheckGenesis(const std::optional<Hash32>& expected) {
  if (Status s = chain::CheckGenesis(m_genesis); !s.ok()) return At(0, s.error(), "genesis: ");
  if (expected && *expected != m_chain_id) {
    return At(0, Errc::kInvalid, "genesis: chain id " + Hex(m_chain_id) + " is not the consortium's " + Hex(*expected));
  }
  auto tree = ReplayTree::Create();
  if (!tree.ok()) return At(std::nullopt, tree.error());
  m_tree = std::move(*tree);
  auto scratch = ReplayStore::Create(kFactsCacheBytes);
  if (!scratch.ok()) return At(std::nullopt, scratch.error());
  m_scratch = std::move(*scratch);
  m_view = std::make_unique<ReplayView>(*m_tree);
  m_tree->StartRoot();
  auto root = m_tree->TakeRoot();
  if (!root.ok()) return At(std::nullopt, root.error(), "the audit's scratch database: ");
  m_state_root = *root;
  m_ids.push_back(m_chain_id);
  auto light = consensus::LightClient::Create(m_genesis);
  if (!light.ok()) return At(0, light.error(), "genesis: ");
  m_light.emplace(std::move(*light));
  return std::nullopt;
}

consensus::BodyRules ChainChecker::BodyRulesAt(const chain::Config& config,
                                               const std::vector<chain::MemberId>& excluded) const {
  consensus::BodyRules body;
  body.chain_id = m_chain_id;
  body.config = &config;
  body.epochs = &m_epochs;  // seals on an earlier epoch's block, under that epoch's config
  body.excluded = excluded;
  body.ancestor_id = [this](std::uint64_t k) -> std::optional<Hash32> {
    return k < m_ids.size() ? std::optional<Hash32>(m_ids[k]) : std::nullopt;
  };
  return body;
}

std::string ChainChecker::EpochMismatch(const chain::Header& hd, const std::vector<chain::MemberId>& excluded) const {
  const std::uint64_t h = hd.height;
  const chain::EpochInfo& epoch = m_epochs.current();
  const std::uint64_t e = epoch.config.epoch;
  const std::string carries = "it carries epoch " + std::to_string(hd.epoch) + " and config_hash " + Hex(hd.config_hash);
  if (epoch.start_height == h && !m_activations.empty()) {
    const ActivationFinding& a = m_activations.back();
    return "C2: block " + std::to_string(h) + " is the first of epoch " + std::to_string(e) + ", activated by change " +
           Hex(a.change_id).substr(0, 16) + " whose approvals block " + std::to_string(h - 1) +
           " completed: its header must carry epoch " + std::to_string(e) + " and the config_hash derived from that change, " +
           Hex(epoch.config_hash) + "; " + carries;
  }
  std::string out = "C2: at height " + std::to_string(h) + " epoch " + std::to_string(e) + " (config_hash " +
                    Hex(epoch.config_hash) + ") is in force; " + carries;
  if (hd.epoch > e) {
    if (const chain::PendingChange* p = chain::PendingAt(m_epoch, h)) {
      out += ". No new epoch starts at height " + std::to_string(h) + ": change " + Hex(p->change_id).substr(0, 16) +
             " of block " + std::to_string(p->height) + " had no approvals from members";
      for (chain::MemberId m : chain::MissingApprovers(m_epoch, *p, excluded)) {
        out += ' ';
        out += std::to_string(m);
      }
      out += " in the blocks below";
    } else {
      out += ". No new epoch starts at height " + std::to_string(h) + ": no config change was pending";
    }
  }
  return out;
}

void ChainChecker::NoteActivation(const chain::Block& block, const chain::EpochStep& step) {
  // The change was pending before this block: approvals never count in the block proposing it.
  PEERDB_ASSERT(m_epoch.pending.has_value());
  const chain::PendingChange& p = *m_epoch.pending;
  ActivationFinding a;
  a.epoch = step.state.config.epoch;
  a.start_height = block.header.height + 1;
  a.change_id = p.change_id;
  a.proposer = p.proposer;
  const chain::Member* proposer = m_epoch.config.FindMember(p.proposer);
  a.proposer_name = proposer ? proposer->name : "?";
  a.proposed_height = p.height;
  a.approvers = p.approvals;
  for (const chain::Record& rec : block.records) {
    if (const auto* approve = std::get_if<chain::ConfigApprove>(&rec.body)) a.approvers.push_back(approve->signer);
  }
  std::sort(a.approvers.begin(), a.approvers.end());
  a.leaving = step.leaving;
  a.changes = chain::DescribeChange(m_epoch.config, p.change);
  a.config_hash = chain::ConfigHash(step.state.config);
  m_activations.push_back(std::move(a));
}

CheckOutcome ChainChecker::CheckBlock(const RawBlock& raw, const RawBlock* next,
                                      const std::function<Status(const Hash32& id, std::uint64_t h)>& check_id) {
  CheckOutcome outcome = CheckThisBlock(raw, next, check_id);
  // A failure here returned before the block below had its root checked: that one comes first.
  if (outcome && m_pending_root && m_pending_root->height < raw.height) {
    if (CheckOutcome earlier = CheckPendingRoot()) return earlier;
  }
  return outcome;
}

CheckOutcome ChainChecker::CheckPendingRoot() {
  if (!m_pending_root) return std::nullopt;
  const PendingRoot pending = *m_pending_root;
  m_pending_root.reset();
  auto root = m_tree->TakeRoot();
  if (!root.ok()) return At(std::nullopt, root.error(), "the audit's scratch database: ");
  if (*root != pending.state_root) {
    m_blocks = pending.blocks;
    m_ops = pending.ops;
    m_seals = pending.seals;
    return At(pending.height, Errc::kInvalid, "state_root does not match the replayed state");
  }
  m_state_root = *root;
  return std::nullopt;
}

CheckOutcome ChainChecker::CheckThisBlock(const RawBlock& raw, const RawBlock* next,
                                          const std::function<Status(const Hash32& id, std::uint64_t h)>& check_id) {
  const std::uint64_t h = raw.height;
  // The config in force at h: the epoch state the blocks below leave (§5.3).
  const chain::Config& config = m_epoch.config;
  std::optional<chain::Block> decoded_here;
  if (!raw.block) {
    auto decoded = codec::Decode<chain::Block>(raw.bytes);
    if (!decoded.ok()) return At(h, decoded.error(), "encoding: ");
    decoded_here = std::move(*decoded);
  }
  const chain::Block& block = raw.block ? *raw.block : *decoded_here;
  const chain::Header& hd = block.header;
  if (hd.height != h) return At(h, Errc::kInvalid, "header says height " + std::to_string(hd.height));
  // X_chain(h): offenders named in evidence recorded in blocks below h (PROTOCOL.md §5.2). The
  // parent's certificate is judged under X_chain(h - 1), as when the parent was committed (§6.3
  // step 2): evidence recorded in the parent cannot void the votes that decided the parent. It is
  // judged under the config in force at the parent's height, too.
  const std::vector<chain::MemberId> excluded(m_chain_excluded.begin(), m_chain_excluded.end());
  chain::HeaderRules rules;
  rules.chain_id = m_chain_id;
  rules.config = &config;
  rules.parent_config = &m_epochs.ConfigAt(h - 1);
  rules.config_hash = m_epochs.current().config_hash;
  rules.author_excluded = excluded;
  rules.parent_cert_excluded.assign(m_excluded_before_parent.begin(), m_excluded_before_parent.end());
  const chain::ParentRef parent{h - 1, m_ids.back(), m_prev_ts};
  if (Status s = chain::CheckHeader(hd, block.parent_cert, parent, rules); !s.ok()) {
    if (s.error().code == Errc::kInvalid && hd.chain_id == m_chain_id &&
        (hd.epoch != config.epoch || hd.config_hash != rules.config_hash)) {
      return At(h, Errc::kInvalid, EpochMismatch(hd, excluded));
    }
    return At(h, s.error());
  }
  if (Status s = chain::CheckBlockShape(block, config.params); !s.ok()) return At(h, s.error());
  // The epochs: every config change (C5) and approval (C6) in the block, and an activation when
  // its records complete the approvals.
  const Hash32 id = chain::BlockId(hd);
  auto epoch_step = chain::AdvanceEpoch(m_epoch, block, id, m_chain_id, excluded);
  if (!epoch_step.ok()) return At(h, epoch_step.error(), "config change: ");
  // C5's authors and C6's records: the rule the members applied before voting.
  const consensus::BodyRules body = BodyRulesAt(config, excluded);
  if (Status s = consensus::CheckBlockBody(block, body); !s.ok()) return At(h, s.error());
  std::vector<chain::MemberId> newly_excluded;
  for (const chain::Record& rec : block.records) {
    if (std::holds_alternative<chain::Seal>(rec.body)) {
      ++m_seals;
    } else if (const auto* ev = std::get_if<chain::Evidence>(&rec.body)) {
      auto f = CheckEvidence(*ev, "recorded in block " + std::to_string(h));
      if (!f.ok()) return At(h, f.error(), "evidence record: ");
      newly_excluded.push_back(*f);
    }
  }
  state::ExecRules exec_rules{&m_epoch, excluded};
  exec_rules.verified_under = &raw.verified_under;
  if (!m_leaves_started) m_tree->StartFind(ReplayView::KeysOf(block.batches));
  m_leaves_started = false;
  auto leaves = m_tree->TakeFound();
  if (!leaves.ok()) return At(std::nullopt, leaves.error(), "the audit's scratch database: ");
  // Read before the block below was put into the tree: its writes stand over what was read.
  for (const state::StateLeaf& leaf : m_last_leaves) {
    if (auto it = leaves->find(ReplayTree::LeafName(leaf.ns, leaf.key)); it != leaves->end()) it->second = leaf;
  }
  m_view->SetLeaves(std::move(*leaves));
  auto exec = state::ExecuteBatches(exec_rules, m_chain_id, *m_view, block.batches, h);
  if (!exec.ok()) {
    // The scratch database failing is the audit's own fault, not the block's.
    if (exec.error().code == Errc::kIo) return At(std::nullopt, exec.error());
    return At(h, exec.error(), "transactions: ");
  }
  for (const state::Erasure& e : exec->erasures) {
    const chain::Member* m = config.FindMember(e.author);
    m_erasures.push_back(ErasureFinding{h, hd.timestamp_ms, e.author, m ? m->name : "?", e.ns, e.key, e.versions});
  }
  // The block below's root was hashed while this one executed.
  if (CheckOutcome f = CheckPendingRoot()) return f;
  if (Status s = Replay(*exec, h, next ? next->block ? &*next->block : nullptr : nullptr); !s.ok()) {
    return At(std::nullopt, s.error(), "the audit's scratch database: ");
  }
  m_pending_root = PendingRoot{h, hd.state_root, m_blocks, m_ops, m_seals};
  for (const chain::TxBatch& b : block.batches) m_ops += b.ops.size();
  if (Status s = check_id(id, h); !s.ok()) return At(h, s.error());
  m_excluded_before_parent = m_chain_excluded;
  for (chain::MemberId m : newly_excluded) m_chain_excluded.insert(m);
  if (raw.cert) {
    if (raw.cert->h != h || raw.cert->block_id != id) return At(h, Errc::kInvalid, "stored certificate is for another block");
    Status mc = chain::VerifyMajorityCert(*raw.cert, m_chain_id, config, excluded);
    if (!mc.ok()) return At(h, mc.error(), "certificate: ");
  }
  // The light client sees the same chain: it computes FINAL for the report (§6.3), and follows
  // the epochs through the bodies that govern them.
  const Status light = consensus::BodyMatters(block) ? m_light->AddBlock(block) : m_light->AddHeader(hd, block.parent_cert);
  if (!light.ok()) return At(h, light.error(), "light client: ");
  m_ids.push_back(id);
  m_prev_ts = hd.timestamp_ms;
  std::vector<chain::MemberId> sealers;
  for (const chain::Seal& s : raw.seals) {
    if (s.h != h) {
      return At(h, Errc::kInvalid, "stored seal of member " + std::to_string(s.signer) + " names height " + std::to_string(s.h));
    }
    if (Status st = consensus::CheckSealOnAncestor(s, h + 1, body); !st.ok()) return At(h, st.error(), "seal: ");
    sealers.push_back(s.signer);
    ++m_seals;
  }
  // What the certificate and seals make the block; descendants and anchors may raise it
  // (checked in CheckStatuses, once every block and all evidence are known).
  m_statuses.push_back(StatusRow{raw.stored_status, raw.cert ? store::BlockStatus::kMajority : store::BlockStatus::kProposed,
                                 std::move(sealers)});
  ++m_blocks;
  if (epoch_step->activated) NoteActivation(block, *epoch_step);
  m_epochs.Note(h, *epoch_step);
  m_epoch = std::move(epoch_step->state);  // `config` refers to the old state: not used below
  if (m_on_writes) m_on_writes(h, id, std::move(exec->writes));
  return std::nullopt;
}

// UNANIMOUS needs a block at or above it whose verified seals make it unanimous under the
// exclusions (chain::IsUnanimous); FINAL and ANCHORED need a valid anchor. A lower stored status is
// accepted: a node raises statuses only as seals and confirmations reach it.
CheckOutcome ChainChecker::CheckStatuses(const chain::StatusHeights& supported) const {
  std::uint64_t unanimous_up_to = 0;
  const std::vector<chain::MemberId> excluded(m_excluded.begin(), m_excluded.end());
  // Each block under the config of its own epoch, without the members that left with it (§3 T(D)).
  for (std::size_t i = 0; i < m_statuses.size(); ++i) {
    if (chain::IsUnanimous(m_statuses[i].sealers, m_epochs.ConfigAt(i + 1), excluded, m_epochs.LeavingAt(i + 1))) {
      unanimous_up_to = i + 1;
    }
  }
  for (std::size_t i = 0; i < m_statuses.size(); ++i) {
    const StatusRow& row = m_statuses[i];
    if (!row.stored) continue;
    const std::uint64_t h = i + 1;
    const store::BlockStatus s = *row.stored;
    const std::string stored = "stored status " + std::string(chain::BlockStatusName(s));
    if (s >= store::BlockStatus::kAnchored) {
      // ANCHORED says nothing about signatures: only the anchors can support it (and FINAL).
      if (chain::StatusAt(h, supported, store::BlockStatus::kProposed) < s) {
        return At(h, Errc::kCorrupt,
                  stored + " but no anchor supports it (the anchor records support ANCHORED up to block " +
                      std::to_string(supported.anchored_height) + " and FINAL up to block " +
                      std::to_string(supported.final_height) + ")");
      }
      continue;
    }
    const store::BlockStatus from_seals = h <= unanimous_up_to ? store::BlockStatus::kUnanimous : row.from_cert;
    const chain::Config& config = m_epochs.ConfigAt(h);
    if (s > from_seals) {
      return At(h, Errc::kCorrupt,
                stored + " but the certificate and " + std::to_string(row.sealers.size()) + " of " +
                    std::to_string(config.members.size()) + " verified seals (with those of its descendants) make it " +
                    std::string(chain::BlockStatusName(from_seals)));
    }
  }
  return std::nullopt;
}

Result<chain::MemberId> ChainChecker::CheckEvidence(const chain::Evidence& e, const std::string& where) {
  // "Under the signer's key in the epoch of the message" (§1.7): the config in force at the
  // height the evidence concerns (the current one above the head).
  auto concerns = consensus::EvidenceSubjectOf(e);
  const chain::Config& config = concerns.ok() ? m_epochs.ConfigAt(concerns->height) : m_epoch.config;
  PEERDB_TRY(consensus::VerifyEvidence(e, m_chain_id, config));
  PEERDB_TRY_ASSIGN(const consensus::EvidenceSubject subject, consensus::EvidenceSubjectOf(e));
  const chain::Member* m = config.FindMember(subject.offender);
  EvidenceFinding f{e.kind, subject.offender, m ? m->name : "?", subject.height, where};
  if (std::find(m_evidence.begin(), m_evidence.end(), f) == m_evidence.end()) m_evidence.push_back(std::move(f));
  m_excluded.insert(subject.offender);
  (void)m_light->AddEvidence(e);  // verified above by the same function
  return subject.offender;
}

Status ChainChecker::Replay(const state::ExecResult& exec, std::uint64_t h, const chain::Block* next) {
  std::vector<state::StateLeaf> leaves;
  leaves.reserve(exec.writes.size());
  for (const state::Write& w : exec.writes) {
    leaves.push_back(state::LeafOf(w));
    if (w.state.version == 1) ++m_keys;
    ++m_writes;
    if (w.state.deleted) {
      PEERDB_TRY(m_scratch->NoteUnheld(w.ns, w.key, w.state.version, h, ReplayStore::Unheld::kTombstone));
      ++m_pending_rows;
    } else if (w.state.erased) {
      PEERDB_TRY(m_scratch->NoteUnheld(w.ns, w.key, w.state.version, h, ReplayStore::Unheld::kErasedInBlock));
      ++m_pending_rows;
    }
  }
  for (const state::Erasure& e : exec.erasures) {
    for (std::uint64_t v : e.versions) PEERDB_TRY(m_scratch->NoteErased(e.ns, e.key, v, h));
    m_pending_rows += e.versions.size();
  }
  m_view->ApplySeqs(exec.last_seq);
  if (m_pending_rows >= kRowsPerScratchCommit) {
    PEERDB_TRY(m_scratch->Flush());
    m_pending_rows = 0;
  }
  // The next block's leaves are read first, so that it can execute while this block's leaves go
  // into the tree and the root is hashed; it reads this block's writes from m_last_leaves. The
  // tree's changes stay in memory for several blocks (each block's root is checked): a page
  // rewritten by many of them goes to the scratch database once.
  if (next) {
    m_tree->StartFind(ReplayView::KeysOf(next->batches));
    m_leaves_started = true;
  }
  m_tree->StartPut(leaves);
  m_tree->StartRoot();
  m_last_leaves = std::move(leaves);
  return Status::Ok();
}

CheckOutcome ChainChecker::EndOfBlocks() {
  if (CheckOutcome f = CheckPendingRoot()) return f;
  if (Status s = m_tree->WriteAll(); !s.ok()) return At(std::nullopt, s.error(), "the audit's scratch database: ");
  return std::nullopt;
}

CheckOutcome ChainChecker::CheckErasures() const {
  auto f = m_scratch->CheckErasures();
  if (!f.ok()) return At(std::nullopt, f.error(), "the audit's scratch database: ");
  if (*f) return At((*f)->height, (*f)->error);
  return std::nullopt;
}

CheckOutcome ChainChecker::CompareState(const store::Store& db) {
  // Every replayed write's history row was found equal to it (HistoryComparer); as many rows as
  // writes means there is no other. So a key's newest history row is its replayed current state.
  auto history_rows = db.CountHistory();
  if (!history_rows.ok()) return At(std::nullopt, history_rows.error(), "reading history: ");
  if (*history_rows != m_writes) return FindExtraHistoryRow(db);
  // Each state row: its version's history row, and no newer one. Both lookups follow the state
  // table's (ns, key) order, which is the history index's, so this is a walk, not random reads. A
  // state row naming a version no history row holds (one no block wrote) fails the walk itself:
  // the row takes its value from there (store schema 7).
  std::optional<AuditFailure> failure;
  std::uint64_t rows = 0;
  Status s = db.ForEachCurrent([&](const store::CurrentEntry& e) {
    ++rows;
    auto version = db.LoadHistoryVersion(e.ns, e.key, e.state.version);
    auto newer = db.LoadHistoryVersion(e.ns, e.key, e.state.version + 1);
    if (!version.ok() || !newer.ok()) {
      failure = At(std::nullopt, version.ok() ? newer.error() : version.error(), "reading history: ");
      return false;
    }
    if (!*version || *newer) {
      // The row names a version that is not the newest the blocks wrote.
      auto newest = db.LoadNewestWithStatus(e.ns, e.key, store::BlockStatus::kProposed);
      const std::uint64_t height = newest.ok() && *newest ? (*newest)->entry.height : 0;
      failure = At(height, Errc::kCorrupt,
                   "state row " + KeyName(e.ns, e.key) + " differs from the replay (version); last written by block " +
                       std::to_string(height));
      return false;
    }
    const store::HistoryEntry& r = **version;
    if (e.state != r.state || e.height != r.height || e.block_id != r.block_id) {
      failure = At(r.height, Errc::kCorrupt,
                   "state row " + KeyName(e.ns, e.key) + " differs from the replay (" + Describe(e.state, r.state) +
                       "); last written by block " + std::to_string(r.height));
      return false;
    }
    return true;
  });
  if (!s.ok()) return At(std::nullopt, s.error(), "reading state: ");
  if (failure) return failure;
  // Every state row names a distinct replayed key: as many rows as keys means none is missing.
  if (rows != m_keys) return FindMissingStateRow(db);
  return CompareTree(db);
}

CheckOutcome ChainChecker::CompareTree(const store::Store& db) const {
  // The node's state tree on disk (absent in a store no node has opened since schema 6), brought
  // from the block it stands at to the head as the node does when it starts (the rows of the blocks
  // after its last flush were in the node's memory): store::ReplayTreeTail. Its rows are a function
  // of the leaves (a page wherever two keys share a prefix, nothing else), so a sound one equals the
  // replayed tree's row for row: one walk of both in key order checks every leaf and the root. A
  // node reads its leaves when it executes and checks only the root when it starts, so a damaged
  // leaf row shows here.
  state::TreeRowOverlay tail(db.TreeRows());
  state::StoredStateTree tree(tail);
  auto tree_stored = tree.IsStored();
  if (!tree_stored.ok()) return At(std::nullopt, tree_stored.error(), "reading the state tree: ");
  if (!*tree_stored) return std::nullopt;
  if (auto replayed = store::ReplayTreeTail(db, tree); !replayed.ok()) {
    return At(std::nullopt, replayed.error(), "bringing the stored state tree to the head: ");
  }
  auto tail_rows = tree.ChangedRows();
  if (!tail_rows.ok()) return At(std::nullopt, tail_rows.error(), "bringing the stored state tree to the head: ");
  auto replayed = m_tree->Rows();
  if (!replayed.ok()) return At(std::nullopt, replayed.error(), "the audit's scratch database: ");
  std::optional<AuditFailure> failure;
  const auto differs = [&](ByteSpan key, ByteSpan value) {
    // A leaf row (0xFF || path) names its key; any other row is a page, whose damage shows in the root.
    if (!key.empty() && key[0] == 0xFF) {
      auto leaf = codec::Decode<state::StateLeaf>(value);
      if (leaf.ok()) {
        return At(std::nullopt, Errc::kCorrupt, "the state tree's leaf of " + KeyName(leaf->ns, leaf->key) + " differs from the replay");
      }
    }
    return At(head(), Errc::kCorrupt, "the state tree stored in the database does not give the replayed state_root (row " +
                                          Hex(key).substr(0, 16) + " differs)");
  };
  std::optional<state::TreeRow> next;
  const auto advance = [&]() -> bool {
    auto r = replayed->Next();
    if (!r.ok()) {
      failure = At(std::nullopt, r.error(), "the audit's scratch database: ");
      return false;
    }
    next = std::move(*r);
    return true;
  };
  // One row of the node's tree against the replay's next one.
  const auto compare = [&](ByteSpan k, ByteSpan v) -> bool {
    if (!next || !std::equal(k.begin(), k.end(), next->key.begin(), next->key.end())) {
      // A row the replay lacks, or one of the replay's missing here: name the smaller key.
      const bool extra = !next || std::lexicographical_compare(k.begin(), k.end(), next->key.begin(), next->key.end());
      failure = extra ? differs(k, v) : differs(next->key, next->value);
      return false;
    }
    if (!std::equal(v.begin(), v.end(), next->value.begin(), next->value.end())) {
      failure = differs(k, next->value);  // named from the replay: the stored row may not decode
      return false;
    }
    return advance();
  };
  if (!advance()) return failure;
  // The stored rows in key order, with the tail's rows in their place (both lists are sorted).
  auto t = tail_rows->begin();
  const auto less = [](const Bytes& a, ByteSpan b) { return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end()); };
  const auto same = [](const Bytes& a, ByteSpan b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); };
  Status s = db.ForEachTreeRow([&](ByteSpan k, ByteSpan v) {
    for (; t != tail_rows->end() && less(t->key, k); ++t) {
      if (!compare(t->key, t->value)) return false;
    }
    if (t != tail_rows->end() && same(t->key, k)) {
      const bool go_on = compare(t->key, t->value);
      ++t;
      return go_on;
    }
    return compare(k, v);
  });
  if (!s.ok()) return At(std::nullopt, s.error(), "reading the state tree: ");
  for (; !failure && t != tail_rows->end(); ++t) compare(t->key, t->value);
  if (failure) return failure;
  if (next) return differs(next->key, next->value);
  return std::nullopt;
}

CheckOutcome ChainChecker::FindMissingStateRow(const store::Store& db) const {
  std::optional<AuditFailure> failure;
  Status s = m_tree->ForEachLeaf([&](const state::StateLeaf& leaf) {
    auto row = db.LoadCurrent(leaf.ns, leaf.key);
    if (row.ok() && *row) return true;
    auto version = db.LoadHistoryVersion(leaf.ns, leaf.key, leaf.version);
    const std::uint64_t height = version.ok() && *version ? (*version)->height : 0;
    failure = At(height, Errc::kCorrupt,
                 "state row " + KeyName(leaf.ns, leaf.key) + " written by block " + std::to_string(height) + " is missing" +
                     (row.ok() ? std::string() : " (" + row.error().message + ")"));
    return false;
  });
  if (!s.ok()) return At(std::nullopt, s.error(), "the audit's scratch database: ");
  if (failure) return failure;
  return At(std::nullopt, Errc::kCorrupt, "the state table holds a different number of rows than the blocks wrote keys");
}

CheckOutcome ChainChecker::FindExtraHistoryRow(const store::Store& db) const {
  std::optional<AuditFailure> failure;
  Status s = db.ForEachHistory([&](const store::HistoryEntry& e) {
    auto leaf = m_tree->Find(e.ns, e.key);
    if (!leaf.ok()) {
      failure = At(std::nullopt, leaf.error(), "the audit's scratch database: ");
      return false;
    }
    // The replay wrote versions 1 .. the leaf's version of every key it wrote, and no other.
    if (*leaf && e.state.version >= 1 && e.state.version <= (*leaf)->version) return true;
    failure = At(std::nullopt, Errc::kCorrupt,
                 "history row " + KeyName(e.ns, e.key) + " v" + std::to_string(e.state.version) + " has no block behind it");
    return false;
  });
  if (!s.ok()) return At(std::nullopt, s.error(), "reading history: ");
  if (failure) return failure;
  return At(std::nullopt, Errc::kCorrupt, "the history table holds a different number of rows than the blocks wrote");
}

CheckOutcome ChainChecker::CompareSeqs(const store::Store& db) const {
  // Every member of every epoch: a member that left keeps the batches it wrote.
  std::set<chain::MemberId> members;
  for (const chain::EpochInfo& e : m_epochs.all()) {
    for (const chain::Member& m : e.config.members) members.insert(m.id);
  }
  for (chain::MemberId member : members) {
    auto stored = db.LastSeq(member);
    auto replayed = m_view->LastSeq(member);
    if (!stored.ok()) return At(std::nullopt, stored.error(), "reading batch index: ");
    if (*stored != *replayed) {
      return At(std::nullopt, Errc::kCorrupt,
                "batch index says member " + std::to_string(member) + " reached seq " + std::to_string(*stored) +
                    " but the blocks hold " + std::to_string(*replayed));
    }
  }
  return std::nullopt;
}

std::uint64_t ChainChecker::LightFinalHeight(const std::vector<AnchorInput>& anchors, const AnchorAudit& audit) {
  for (std::size_t i = 0; i < anchors.size() && i < audit.findings.size(); ++i) {
    const AnchorVerdict v = audit.findings[i].verdict;
    if ((v == AnchorVerdict::kConfirmed || v == AnchorVerdict::kUnchecked) && anchors[i].checkpoint) {
      (void)m_light->AddAnchor(*anchors[i].checkpoint, anchors[i].record);  // checked by AuditAnchors
    }
  }
  return m_light->Compute().final_height;
}

}  // namespace peerdb::audit
