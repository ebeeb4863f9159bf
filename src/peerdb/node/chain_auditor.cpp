#include "peerdb/node/chain_auditor.h"

#include <functional>
#include <algorithm>
#include <map>
#include <set>

#include "peerdb/chain/rules.h"
#include "peerdb/codec/pce.h"
#include "peerdb/consensus/block_rules.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/consensus/light_client.h"
#include "peerdb/node/block_producer.h"
#include "peerdb/node/chain_export.h"
#include "peerdb/state/state_tree.h"
#include "peerdb/store/store.h"

namespace peerdb::node {
namespace {

struct RawBlock {
  std::uint64_t height = 0;
  Bytes bytes;                              // PCE(Block) as stored
  std::optional<chain::MajorityCert> cert;  // MC of this block
  std::vector<chain::Seal> seals;
  std::optional<store::BlockStatus> stored_status;
};

// Thrown-free failure carrying the block it concerns.
struct Failure {
  std::optional<std::uint64_t> height;
  std::string what;
};

struct ReplayEntry {
  state::KeyState state;
  std::uint64_t height = 0;
  Hash32 block_id{};
};

// The state as re-derived by replay; serves as the parent view for execution.
class ReplayState final : public state::StateView {
 public:
  Result<std::optional<state::KeyState>> GetKey(const std::string& ns, const std::string& key) const override {
    auto it = m_keys.find({ns, key});
    if (it == m_keys.end()) return std::optional<state::KeyState>();
    return std::optional<state::KeyState>(it->second.state);
  }
  Result<std::uint64_t> LastSeq(chain::MemberId author) const override {
    auto it = m_seq.find(author);
    return it == m_seq.end() ? 0 : it->second;
  }
  void Apply(const state::ExecResult& r, std::uint64_t height, const Hash32& id) {
    for (const state::Write& w : r.writes) {
      m_keys[{w.ns, w.key}] = ReplayEntry{w.state, height, id};
      store::HistoryEntry h;
      h.ns = w.ns; h.key = w.key; h.state = w.state; h.height = height; h.block_id = id;
      h.author = w.author; h.seq = w.seq; h.op_index = w.op_index;
      m_history.push_back(std::move(h));
    }
    for (const auto& [a, s] : r.last_seq) m_seq[a] = s;
  }
  const std::map<std::pair<std::string, std::string>, ReplayEntry>& keys() const { return m_keys; }
  std::vector<store::HistoryEntry>& history() { return m_history; }

 private:
  std::map<std::pair<std::string, std::string>, ReplayEntry> m_keys;
  std::map<chain::MemberId, std::uint64_t> m_seq;
  std::vector<store::HistoryEntry> m_history;
};

std::string KeyName(const std::string& ns, const std::string& key) { return ns + "/" + key; }

// An export holds at most this many anchor records (about 30 years of hourly anchors).
constexpr std::size_t kMaxExportedAnchors = 300'000;

class Auditor {
 public:
  Auditor(const chain::Genesis& genesis)
      : m_genesis(genesis),
        m_chain_id(chain::ChainId(genesis)),
        m_config_hash(chain::ConfigHash(genesis.config)),
        m_prev_ts(genesis.genesis_time_ms) {}

  std::optional<Failure> CheckGenesis(const std::optional<Hash32>& expected) {
    Status s = chain::CheckGenesis(m_genesis);
    if (!s.ok()) return Failure{0, "genesis: " + s.error().message};
    if (expected && *expected != m_chain_id) {
      return Failure{0, "genesis: chain id " + Hex(m_chain_id) + " is not the consortium's " + Hex(*expected)};
    }
    m_ids.push_back(m_chain_id);
    auto light = consensus::LightClient::Create(m_genesis);
    if (!light.ok()) return Failure{0, "genesis: " + light.error().message};
    m_light.emplace(std::move(*light));
    return std::nullopt;
  }

  std::optional<Failure> CheckBlock(const RawBlock& raw, const std::function<std::optional<std::string>(const Hash32&, std::uint64_t)>& check_id) {
    const std::uint64_t h = raw.height;
    auto fail = [h](std::string what) { return Failure{h, std::move(what)}; };
    const chain::Config& config = m_genesis.config;
    auto decoded = codec::Decode<chain::Block>(raw.bytes);
    if (!decoded.ok()) return fail("encoding: " + decoded.error().message);
    const chain::Block& block = *decoded;
    const chain::Header& hd = block.header;
    if (hd.height != h) return fail("header says height " + std::to_string(hd.height));
    // X_chain(h): offenders named in evidence recorded in blocks below h (PROTOCOL.md §5.2). The
    // parent's certificate is judged under X_chain(h - 1), as when the parent was committed (§6.3
    // step 2): evidence recorded in the parent cannot void the votes that decided the parent.
    const std::vector<chain::MemberId> excluded(m_chain_excluded.begin(), m_chain_excluded.end());
    chain::HeaderRules rules;
    rules.chain_id = m_chain_id;
    rules.config = &config;
    rules.config_hash = m_config_hash;
    rules.author_excluded = excluded;
    rules.parent_cert_excluded.assign(m_excluded_before_parent.begin(), m_excluded_before_parent.end());
    const chain::ParentRef parent{h - 1, m_ids.back(), m_prev_ts};
    if (Status s = chain::CheckHeader(hd, block.parent_cert, parent, rules); !s.ok()) return fail(s.error().message);
    Status shape = chain::CheckBlockShape(block, config.params);
    if (!shape.ok()) return fail(shape.error().message);
    // C5's authors and C6's records: the rule the members applied before voting.
    const consensus::BodyRules body = BodyRulesAt(excluded);
    if (Status s = consensus::CheckBlockBody(block, body); !s.ok()) return fail(s.error().message);
    std::vector<chain::MemberId> newly_excluded;
    for (const chain::Record& rec : block.records) {
      if (std::holds_alternative<chain::Seal>(rec.body)) {
        ++m_seals;
      } else if (const auto* ev = std::get_if<chain::Evidence>(&rec.body)) {
        auto f = CheckEvidence(*ev, "recorded in block " + std::to_string(h));
        if (!f.ok()) return fail("evidence record: " + f.error().message);
        newly_excluded.push_back(*f);
      }
    }
    auto exec = state::ExecuteBatches(config, m_chain_id, m_state, block.batches, h);
    if (!exec.ok()) return fail("transactions: " + exec.error().message);
    const Hash32 id = chain::BlockId(hd);
    m_state.Apply(*exec, h, id);
    ApplyWrites(exec->writes, m_tree);
    if (m_tree.Root() != hd.state_root) return fail("state_root does not match the replayed state");
    for (const chain::TxBatch& b : block.batches) m_ops += b.ops.size();
    if (auto e = check_id(id, h)) return fail(*e);
    m_excluded_before_parent = m_chain_excluded;
    for (chain::MemberId m : newly_excluded) m_chain_excluded.insert(m);
    if (raw.cert) {
      if (raw.cert->h != h || raw.cert->block_id != id) return fail("stored certificate is for another block");
      Status mc = chain::VerifyMajorityCert(*raw.cert, m_chain_id, config, excluded);
      if (!mc.ok()) return fail("certificate: " + mc.error().message);
    }
    // The light client sees the same header: it computes FINAL for the report (§6.3).
    if (Status s = m_light->AddHeader(hd, block.parent_cert); !s.ok()) return fail("light client: " + s.error().message);
    m_ids.push_back(id);
    m_prev_ts = hd.timestamp_ms;
    std::vector<chain::MemberId> sealers;
    for (const chain::Seal& s : raw.seals) {
      if (s.h != h) return fail("stored seal of member " + std::to_string(s.signer) + " names height " + std::to_string(s.h));
      if (Status st = consensus::CheckSealOnAncestor(s, h + 1, body); !st.ok()) return fail("seal: " + st.error().message);
      sealers.push_back(s.signer);
      ++m_seals;
    }
    // What the certificate and seals make the block; descendants and anchors may raise it
    // (checked in CheckStatuses, once every block and all evidence are known).
    m_statuses.push_back(StatusRow{raw.stored_status, raw.cert ? store::BlockStatus::kMajority : store::BlockStatus::kProposed,
                                   std::move(sealers)});
    ++m_blocks;
    return std::nullopt;
  }

  // A stored status may not claim more than the certificates, seals, evidence and anchors support
  // (PROTOCOL.md §3): UNANIMOUS needs a block at or above it whose verified seals cover every member
  // not excluded by evidence (and at least a majority), FINAL and ANCHORED need a valid anchor. A
  // lower stored status is accepted: a node raises statuses only as seals and confirmations reach it.
  std::optional<Failure> CheckStatuses(const chain::StatusHeights& supported) const {
    const chain::Config& config = m_genesis.config;
    std::uint64_t unanimous_up_to = 0;
    const std::vector<chain::MemberId> excluded(m_excluded.begin(), m_excluded.end());
    for (std::size_t i = 0; i < m_statuses.size(); ++i) {
      if (chain::IsUnanimous(m_statuses[i].sealers, config, excluded)) unanimous_up_to = i + 1;
    }
    for (std::size_t i = 0; i < m_statuses.size(); ++i) {
      const StatusRow& row = m_statuses[i];
      if (!row.stored) continue;
      const std::uint64_t h = i + 1;
      const store::BlockStatus s = *row.stored;
      const std::string stored = "stored status " + std::string(store::BlockStatusName(s));
      if (s >= store::BlockStatus::kAnchored) {
        // ANCHORED says nothing about signatures: only the anchors can support it (and FINAL).
        if (chain::StatusAt(h, supported, store::BlockStatus::kProposed) < s) {
          return Failure{h, stored + " but no anchor supports it (the anchor records support ANCHORED up to block " +
                                std::to_string(supported.anchored_height) + " and FINAL up to block " +
                                std::to_string(supported.final_height) + ")"};
        }
        continue;
      }
      const store::BlockStatus from_seals = h <= unanimous_up_to ? store::BlockStatus::kUnanimous : row.from_cert;
      if (s > from_seals) {
        return Failure{h, stored + " but the certificate and " + std::to_string(row.sealers.size()) + " of " +
                              std::to_string(config.members.size()) + " verified seals (with those of its descendants) make it " +
                              std::string(store::BlockStatusName(from_seals))};
      }
    }
    return std::nullopt;
  }

  // Verifies one piece of evidence standalone and returns the member it convicts.
  Result<chain::MemberId> CheckEvidence(const chain::Evidence& e, const std::string& where) {
    PEERDB_TRY(consensus::VerifyEvidence(e, m_chain_id, m_genesis.config));
    PEERDB_TRY_ASSIGN(const consensus::EvidenceSubject subject, consensus::EvidenceSubjectOf(e));
    const chain::Member* m = m_genesis.config.FindMember(subject.offender);
    const std::string line = consensus::EvidenceKindName(e.kind) + " by member " + std::to_string(subject.offender) + " (" +
                             (m ? m->name : "?") + ") at height " + std::to_string(subject.height) + ", " + where +
                             ": verified";
    if (std::find(m_evidence_notes.begin(), m_evidence_notes.end(), line) == m_evidence_notes.end()) {
      m_evidence_notes.push_back(line);
    }
    m_excluded.insert(subject.offender);
    (void)m_light->AddEvidence(e);  // verified above by the same function
    return subject.offender;
  }
  const std::vector<std::string>& evidence_notes() const { return m_evidence_notes; }
  std::vector<chain::MemberId> excluded() const { return {m_excluded.begin(), m_excluded.end()}; }

  const chain::Genesis& genesis() const { return m_genesis; }
  const std::vector<Hash32>& ids() const { return m_ids; }

  // The body rules over the chain checked so far, under the exclusions `excluded`.
  consensus::BodyRules BodyRulesAt(const std::vector<chain::MemberId>& excluded) const {
    consensus::BodyRules body;
    body.chain_id = m_chain_id;
    body.config = &m_genesis.config;
    body.excluded = excluded;
    body.ancestor_id = [this](std::uint64_t k) -> std::optional<Hash32> {
      return k < m_ids.size() ? std::optional<Hash32>(m_ids[k]) : std::nullopt;
    };
    return body;
  }


  // Compares the stored current state and history rows with the replay.
  std::optional<Failure> CompareState(const store::Store& db) {
    std::optional<Failure> failure;
    auto keys = m_state.keys();
    Status s = db.ForEachCurrent([&](const store::CurrentEntry& e) {
      auto it = keys.find({e.ns, e.key});
      if (it == keys.end()) {
        failure = Failure{std::nullopt, "state row " + KeyName(e.ns, e.key) + " exists but no block ever wrote it"};
        return false;
      }
      const ReplayEntry& r = it->second;
      if (e.state != r.state || e.height != r.height || e.block_id != r.block_id) {
        failure = Failure{r.height, "state row " + KeyName(e.ns, e.key) + " differs from the replay (" +
                                        Describe(e.state, r.state) + "); last written by block " + std::to_string(r.height)};
        return false;
      }
      keys.erase(it);
      return true;
    });
    if (!s.ok()) return Failure{std::nullopt, "reading state: " + s.error().message};
    if (failure) return failure;
    if (!keys.empty()) {
      const auto& [k, r] = *keys.begin();
      return Failure{r.height, "state row " + KeyName(k.first, k.second) + " written by block " + std::to_string(r.height) + " is missing"};
    }
    auto& history = m_state.history();
    std::stable_sort(history.begin(), history.end(), [](const auto& a, const auto& b) {
      return std::tie(a.ns, a.key, a.state.version) < std::tie(b.ns, b.key, b.state.version);
    });
    std::size_t i = 0;
    s = db.ForEachHistory([&](const store::HistoryEntry& e) {
      if (i >= history.size()) {
        failure = Failure{std::nullopt, "history row " + KeyName(e.ns, e.key) + " v" + std::to_string(e.state.version) + " has no block behind it"};
        return false;
      }
      const store::HistoryEntry& r = history[i++];
      if (e.ns != r.ns || e.key != r.key || e.state != r.state || e.height != r.height || e.block_id != r.block_id ||
          e.author != r.author || e.seq != r.seq || e.op_index != r.op_index) {
        failure = Failure{r.height, "history row " + KeyName(r.ns, r.key) + " v" + std::to_string(r.state.version) +
                                        " differs from block " + std::to_string(r.height)};
        return false;
      }
      return true;
    });
    if (!s.ok()) return Failure{std::nullopt, "reading history: " + s.error().message};
    if (failure) return failure;
    if (i != history.size()) {
      return Failure{history[i].height, "history row " + KeyName(history[i].ns, history[i].key) + " from block " +
                                            std::to_string(history[i].height) + " is missing"};
    }
    return std::nullopt;
  }

  // The stored per-author batch sequence (replay protection) must match the replay.
  std::optional<Failure> CompareSeqs(const store::Store& db) const {
    for (const chain::Member& m : m_genesis.config.members) {
      auto stored = db.LastSeq(m.id);
      auto replayed = m_state.LastSeq(m.id);
      if (!stored.ok()) return Failure{std::nullopt, "reading batch index: " + stored.error().message};
      if (*stored != *replayed) {
        return Failure{std::nullopt, "batch index says member " + std::to_string(m.id) + " reached seq " +
                                         std::to_string(*stored) + " but the blocks hold " + std::to_string(*replayed)};
      }
    }
    return std::nullopt;
  }

  // FINAL as an outside light client computes it (consensus::LightClient, §6.3) from this chain's
  // headers, every verified evidence and the anchors that fix blocks (confirmed in Bitcoin, or
  // unchecked when no header source was given). `audit.findings` is aligned with `anchors`.
  std::uint64_t LightFinalHeight(const std::vector<AnchorInput>& anchors, const AnchorAudit& audit) {
    for (std::size_t i = 0; i < anchors.size() && i < audit.findings.size(); ++i) {
      const AnchorVerdict v = audit.findings[i].verdict;
      if ((v == AnchorVerdict::kConfirmed || v == AnchorVerdict::kUnchecked) && anchors[i].checkpoint) {
        (void)m_light->AddAnchor(*anchors[i].checkpoint, anchors[i].record);  // checked by AuditAnchors
      }
    }
    return m_light->Compute().final_height;
  }

  void Fill(AuditReport& r) const {
    r.chain_id_hex = Hex(m_chain_id);
    r.blocks = m_blocks;
    r.ops = m_ops;
    r.seals = m_seals;
  }
  Hash32 state_root() const { return m_tree.Root(); }
  std::uint64_t head() const { return m_ids.size() - 1; }

 private:
  static std::string Describe(const state::KeyState& stored, const state::KeyState& replayed) {
    if (stored.value != replayed.value) return "value";
    if (stored.deleted != replayed.deleted) return "deleted flag";
    if (stored.owner != replayed.owner) return "owner";
    if (stored.version != replayed.version) return "version";
    return "block reference";
  }

  struct StatusRow {
    std::optional<store::BlockStatus> stored;
    store::BlockStatus from_cert;           // MAJORITY with a certificate, else PROPOSED
    std::vector<chain::MemberId> sealers;   // verified seals on this block
  };
  std::set<chain::MemberId> m_chain_excluded;  // named by evidence recorded in blocks so far
  std::set<chain::MemberId> m_excluded_before_parent;  // the same, without the last block's records
  std::set<chain::MemberId> m_excluded;        // named by any verified evidence (records or the node's store)
  std::vector<std::string> m_evidence_notes;

  chain::Genesis m_genesis;
  Hash32 m_chain_id;
  Hash32 m_config_hash;
  std::optional<consensus::LightClient> m_light;  // set by CheckGenesis
  std::vector<StatusRow> m_statuses;  // m_statuses[h - 1] for block h
  std::vector<Hash32> m_ids;  // m_ids[h] = id of block h; m_ids[0] = chain id
  std::uint64_t m_prev_ts = 0;  // timestamp of the parent; the genesis time before block 1 (C4)
  ReplayState m_state;
  state::StateTree m_tree;
  std::uint64_t m_blocks = 0, m_ops = 0, m_seals = 0;
};

AuditReport Finish(const Auditor& a, std::optional<Failure> failure, const AnchorAudit* anchors = nullptr,
                   std::optional<std::uint64_t> light_final_height = std::nullopt) {
  AuditReport r;
  a.Fill(r);
  if (anchors) r.anchors = anchors->findings.size();
  if (failure) {
    r.ok = false;
    r.bad_height = failure->height;
    r.failure = failure->what;
    if (failure->height) {
      r.notes.push_back("FAILED at block " + std::to_string(*failure->height) + ": " + failure->what);
    } else {
      r.notes.push_back("FAILED: " + failure->what);
    }
    return r;
  }
  r.ok = true;
  r.notes.push_back("chain " + r.chain_id_hex + ": " + std::to_string(r.blocks) + " blocks, " + std::to_string(r.ops) +
                    " operations, " + std::to_string(r.seals) + " seal signatures verified");
  r.notes.push_back("state root at height " + std::to_string(a.head()) + ": " + Hex(a.state_root()));
  for (const std::string& line : a.evidence_notes()) r.notes.push_back("evidence: " + line);
  if (anchors) {
    for (const std::string& line : anchors->lines) r.notes.push_back(line);
    r.ranges = anchor::FixedRanges(anchors->fixing, a.head());
  }
  if (light_final_height) {
    r.light_final_height = light_final_height;
    r.notes.push_back("FINAL up to block " + std::to_string(*light_final_height) +
                      " (light client of PROTOCOL.md §6.3 over these headers, anchors and evidence)");
  }
  return r;
}

// Anchors and then statuses, once every block has been checked. An Error only when the header
// source cannot answer.
Result<std::optional<Failure>> FinishAnchors(Auditor& auditor, const std::vector<AnchorInput>& anchors,
                                             const BitcoinView& view, AnchorAudit& out) {
  PEERDB_TRY_ASSIGN(out, AuditAnchors(anchors, auditor.genesis(), auditor.ids(), auditor.excluded(), view));
  if (out.failure) return std::optional<Failure>(Failure{out.failure_height, *out.failure});
  return auditor.CheckStatuses(out.supported);
}

}  // namespace

Result<AuditReport> AuditDatabase(const std::string& db_path, const AuditOptions& options) {
  PEERDB_TRY_ASSIGN(std::unique_ptr<store::Store> db, store::Store::Open(db_path, store::OpenMode::kReadOnly));
  PEERDB_TRY_ASSIGN(std::optional<chain::Genesis> genesis, db->LoadGenesis());
  if (!genesis) return Error{Errc::kCorrupt, db_path + " holds no genesis"};
  Auditor auditor(*genesis);
  if (auto f = auditor.CheckGenesis(options.expected_chain_id)) return Finish(auditor, f);
  PEERDB_TRY_ASSIGN(std::uint64_t head, db->HeadHeight());
  auto check_id = [&db](const Hash32& id, std::uint64_t h) -> std::optional<std::string> {
    auto b = db->LoadBlockById(id);
    if (!b.ok() || !*b || (*b)->height != h) return "stored block id does not match the block's content";
    return std::nullopt;
  };
  for (std::uint64_t h = 1; h <= head; ++h) {
    RawBlock raw;
    raw.height = h;
    auto bytes = db->LoadBlockBytes(h);
    if (!bytes.ok() || !*bytes) return Finish(auditor, Failure{h, "block is missing or unreadable"});
    raw.bytes = std::move(**bytes);
    auto cert = db->LoadCert(h);
    if (!cert.ok()) return Finish(auditor, Failure{h, "certificate: " + cert.error().message});
    raw.cert = *cert;
    auto seals = db->LoadSeals(h);
    if (!seals.ok()) return Finish(auditor, Failure{h, "seals: " + seals.error().message});
    raw.seals = std::move(*seals);
    // The status column is read through LoadBlock, which may fail on a tampered body; the
    // decoding failure is reported by CheckBlock with more detail, so ignore it here.
    if (auto b = db->LoadBlock(h); b.ok() && *b) raw.stored_status = (*b)->status;
    if (auto f = auditor.CheckBlock(raw, check_id)) return Finish(auditor, f);
  }
  // Evidence the node holds but no block records yet (§5.1) is re-checked as well.
  auto evidence = db->LoadEvidence();
  if (!evidence.ok()) return Finish(auditor, Failure{std::nullopt, "evidence: " + evidence.error().message});
  for (const chain::Evidence& e : *evidence) {
    if (auto f = auditor.CheckEvidence(e, "held by the node"); !f.ok()) {
      return Finish(auditor, Failure{std::nullopt, "stored evidence: " + f.error().message});
    }
  }
  auto stored = db->LoadAnchors();
  if (!stored.ok()) return Finish(auditor, Failure{std::nullopt, "anchors: " + stored.error().message});
  std::vector<AnchorInput> anchors;
  for (store::StoredAnchor& a : *stored) {
    AnchorInput in{std::move(a.record), std::move(a.checkpoint)};
    if (!in.checkpoint && a.height >= 1 && a.height <= head) {
      // A row from schema version 1: the checkpoint is rebuilt from the block's stored seals.
      chain::Checkpoint cp;
      cp.chain_id = chain::ChainId(*genesis);
      cp.h = a.height;
      cp.block_id = auditor.ids()[a.height];
      auto seals = db->LoadSeals(a.height);
      if (!seals.ok()) return Finish(auditor, Failure{a.height, "seals: " + seals.error().message});
      for (const chain::Seal& s : *seals) cp.seals.push_back(chain::SigEntry{s.signer, s.sig});
      in.checkpoint = std::move(cp);
    }
    anchors.push_back(std::move(in));
  }
  AnchorAudit anchor_audit;
  PEERDB_TRY_ASSIGN(std::optional<Failure> anchor_failure, FinishAnchors(auditor, anchors, options.bitcoin, anchor_audit));
  if (anchor_failure) return Finish(auditor, anchor_failure);
  if (auto f = auditor.CompareState(*db)) return Finish(auditor, f);
  if (auto f = auditor.CompareSeqs(*db)) return Finish(auditor, f);
  return Finish(auditor, std::nullopt, &anchor_audit, auditor.LightFinalHeight(anchors, anchor_audit));
}

Result<AuditReport> AuditExport(const std::string& export_path, const AuditOptions& options) {
  PEERDB_TRY_ASSIGN(std::unique_ptr<ExportReader> reader, ExportReader::Open(export_path));
  Auditor auditor(reader->genesis());
  if (auto f = auditor.CheckGenesis(options.expected_chain_id)) return Finish(auditor, f);
  auto no_id_check = [](const Hash32&, std::uint64_t) -> std::optional<std::string> { return std::nullopt; };
  for (std::uint64_t h = 1;; ++h) {
    auto next = reader->Next();
    if (!next.ok()) return Finish(auditor, Failure{h, next.error().message});
    if (!*next) break;
    RawBlock raw;
    raw.height = h;
    raw.bytes = codec::Encode((*next)->block);
    raw.cert = (*next)->cert;
    raw.seals = std::move((*next)->seals);
    if (auto f = auditor.CheckBlock(raw, no_id_check)) return Finish(auditor, f);
  }
  std::vector<AnchorInput> anchors;
  for (;;) {
    auto next = reader->NextAnchor();
    if (!next.ok()) return Finish(auditor, Failure{std::nullopt, "anchors: " + next.error().message});
    if (!*next) break;
    if (anchors.size() >= kMaxExportedAnchors) {
      return Finish(auditor, Failure{std::nullopt, "anchors: more than " + std::to_string(kMaxExportedAnchors) + " records"});
    }
    anchors.push_back(AnchorInput{std::move((*next)->anchor), std::move((*next)->checkpoint)});
  }
  AnchorAudit anchor_audit;
  PEERDB_TRY_ASSIGN(std::optional<Failure> anchor_failure, FinishAnchors(auditor, anchors, options.bitcoin, anchor_audit));
  if (anchor_failure) return Finish(auditor, anchor_failure);
  return Finish(auditor, std::nullopt, &anchor_audit, auditor.LightFinalHeight(anchors, anchor_audit));
}

Result<std::uint64_t> ExportDatabase(const std::string& db_path, const std::string& out_path) {
  // Rows written by schema version 1 carry no checkpoint; the export rebuilds it from the seals.
  PEERDB_TRY_ASSIGN(std::unique_ptr<store::Store> db, store::Store::Open(db_path, store::OpenMode::kReadOnly));
  PEERDB_TRY_ASSIGN(std::optional<chain::Genesis> genesis, db->LoadGenesis());
  if (!genesis) return Error{Errc::kCorrupt, db_path + " holds no genesis"};
  PEERDB_TRY_ASSIGN(std::uint64_t head, db->HeadHeight());
  PEERDB_TRY_ASSIGN(std::unique_ptr<ExportWriter> w, ExportWriter::Create(out_path, *genesis));
  for (std::uint64_t h = 1; h <= head; ++h) {
    ExportedBlock e;
    PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> b, db->LoadBlock(h));
    if (!b) return Error{Errc::kCorrupt, "block " + std::to_string(h) + " is missing"};
    e.block = std::move(b->block);
    PEERDB_TRY_ASSIGN(e.cert, db->LoadCert(h));
    PEERDB_TRY_ASSIGN(e.seals, db->LoadSeals(h));
    PEERDB_TRY(w->Append(e));
  }
  PEERDB_TRY_ASSIGN(std::vector<store::StoredAnchor> anchors, db->LoadAnchors());
  for (store::StoredAnchor& a : anchors) {
    ExportedAnchor e;
    e.anchor = std::move(a.record);
    if (a.checkpoint) {
      e.checkpoint = std::move(*a.checkpoint);
    } else {
      PEERDB_TRY_ASSIGN(std::optional<store::StoredBlock> b, db->LoadBlock(a.height));
      if (!b) return Error{Errc::kCorrupt, "anchor names block " + std::to_string(a.height) + ", which is missing"};
      e.checkpoint.chain_id = chain::ChainId(*genesis);
      e.checkpoint.h = a.height;
      e.checkpoint.block_id = b->id;
      PEERDB_TRY_ASSIGN(std::vector<chain::Seal> seals, db->LoadSeals(a.height));
      for (const chain::Seal& s : seals) e.checkpoint.seals.push_back(chain::SigEntry{s.signer, s.sig});
    }
    PEERDB_TRY(w->AppendAnchor(e));
  }
  PEERDB_TRY(w->Finish());
  return head;
}

}  // namespace peerdb::node
