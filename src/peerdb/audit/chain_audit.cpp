#include "peerdb/audit/chain_audit.h"

#include <memory>

#include "peerdb/audit/block_reader.h"
#include "peerdb/audit/chain_export.h"
#include "peerdb/audit/history_comparer.h"
#include "peerdb/store/store.h"

namespace peerdb::audit {
namespace {

// An export holds at most this many anchor records (about 30 years of hourly anchors).
constexpr std::size_t kMaxExportedAnchors = 300'000;

AuditReport Finish(const ChainChecker& c, const CheckOutcome& failure, const AnchorAudit* anchors = nullptr,
                   std::optional<std::uint64_t> light_final_height = std::nullopt) {
  AuditReport r;
  r.chain_id_hex = Hex(c.chain_id());
  r.blocks = c.blocks();
  r.ops = c.ops();
  r.seals = c.seals();
  r.head = c.head();
  r.state_root = c.state_root();
  if (failure) {
    r.bad_height = failure->height;
    r.failure = failure->error.message;
    r.failure_code = failure->error.code;
    return r;
  }
  r.ok = true;
  r.evidence = c.evidence();
  r.activations = c.activations();
  r.erasures = c.erasures();
  if (anchors) {
    r.anchor_audit = *anchors;
    r.ranges = anchor::FixedRanges(anchors->fixing, c.head());
  }
  r.light_final_height = light_final_height;
  return r;
}

AuditFailure Broken(std::optional<std::uint64_t> height, Errc code, std::string what) {
  return AuditFailure{height, Error{code, std::move(what)}};
}

// Erasures, anchors and then statuses, once every block has been checked. An Error only when the
// header source cannot answer.
Result<CheckOutcome> FinishAnchors(ChainChecker& checker, const std::vector<AnchorInput>& anchors,
                                   const BitcoinView& view, AnchorAudit& out) {
  if (auto f = checker.CheckErasures()) return CheckOutcome(f);
  PEERDB_TRY_ASSIGN(out, AuditAnchors(anchors, checker.genesis(), checker.ids(), checker.epochs(), checker.excluded(), view));
  if (out.failure) return CheckOutcome(AuditFailure{out.failure_height, *out.failure});
  return checker.CheckStatuses(out.supported);
}

// The report of a chain that passed every check.
AuditReport Passed(ChainChecker& checker, const std::vector<AnchorInput>& anchors, const AnchorAudit& audit,
                   const BitcoinView& view) {
  AuditReport r = Finish(checker, std::nullopt, &audit, checker.LightFinalHeight(anchors, audit));
  r.bitcoin_description = view.description;
  return r;
}

// Checks every block `reader` hands out, in order; the writes of each go to `comparer` when there
// is one. The lowest failure wins: the comparer runs a few blocks behind the checker.
CheckOutcome CheckBlocks(ChainChecker& auditor, BlockReader& reader, HistoryComparer* comparer,
                         const std::function<Status(const Hash32& id, std::uint64_t h)>& check_id) {
  const auto first_failure = [comparer](CheckOutcome f) {
    CheckOutcome earlier = comparer ? comparer->Finish() : std::nullopt;
    return earlier ? earlier : f;
  };
  std::uint64_t epoch = auditor.config_in_force().epoch;
  // One block ahead: the checker reads the leaves the next block needs while it hashes this one's.
  auto raw = reader.Pop();
  for (std::uint64_t h = 1;; ++h) {
    if (!raw.ok()) return first_failure(Broken(h, raw.error().code, raw.error().message));
    if (!*raw) break;
    auto next = reader.Pop();
    const RawBlock* ahead = next.ok() && *next ? &**next : nullptr;
    if (auto f = auditor.CheckBlock(**raw, ahead, check_id)) return first_failure(f);
    if (auditor.config_in_force().epoch != epoch) {
      epoch = auditor.config_in_force().epoch;
      reader.Publish(auditor.config_in_force());
    }
    raw = std::move(next);
  }
  if (auto f = auditor.EndOfBlocks()) return first_failure(f);
  return comparer ? comparer->Finish() : std::nullopt;
}

}  // namespace

Result<AuditReport> AuditDatabase(const std::string& db_path, const AuditOptions& options) {
  PEERDB_TRY_ASSIGN(std::unique_ptr<store::Store> db, store::Store::Open(db_path, store::OpenMode::kReadOnly));
  PEERDB_TRY_ASSIGN(std::optional<chain::Genesis> genesis, db->LoadGenesis());
  if (!genesis) return Error{Errc::kCorrupt, db_path + " holds no genesis"};
  ChainChecker auditor(*genesis);
  if (auto f = auditor.CheckGenesis(options.expected_chain_id)) return Finish(auditor, f);
  PEERDB_TRY_ASSIGN(std::uint64_t head, db->HeadHeight());
  auto check_id = [&db](const Hash32& id, std::uint64_t h) -> Status {
    auto stored = db->LoadBlockId(h);
    if (!stored.ok() || !*stored || **stored != id) return Error{Errc::kCorrupt, "stored block id does not match the block's content"};
    return Status::Ok();
  };
  {
    // The reader and the comparer work on threads of their own, each with its own connection
    // (a SQLite connection belongs to one thread at a time).
    PEERDB_TRY_ASSIGN(std::unique_ptr<store::Store> blocks, store::Store::Open(db_path, store::OpenMode::kReadOnly));
    PEERDB_TRY_ASSIGN(std::unique_ptr<HistoryComparer> comparer, HistoryComparer::Open(db_path));
    auditor.OnWrites([&comparer](std::uint64_t h, const Hash32& id, std::vector<state::Write> writes) {
      comparer->Push(h, id, std::move(writes));
    });
    std::uint64_t next = 1;
    BlockReader reader(
        [&blocks, &next, head]() -> Result<std::optional<RawBlock>> {
          if (next > head) return std::optional<RawBlock>{};
          RawBlock raw;
          raw.height = next++;
          auto bytes = blocks->LoadBlockBytes(raw.height);
          if (!bytes.ok() || !*bytes) return Error{Errc::kCorrupt, "block is missing or unreadable"};
          raw.bytes = std::move(**bytes);
          auto cert = blocks->LoadCert(raw.height);
          if (!cert.ok()) return cert.error().Context("certificate");
          raw.cert = std::move(*cert);
          auto seals = blocks->LoadSeals(raw.height);
          if (!seals.ok()) return seals.error().Context("seals");
          raw.seals = std::move(*seals);
          auto status = blocks->LoadBlockStatus(raw.height);
          if (!status.ok()) return status.error().Context("status");
          raw.stored_status = *status;
          return std::optional<RawBlock>{std::move(raw)};
        },
        auditor.chain_id(), auditor.config_in_force());
    const CheckOutcome failure = CheckBlocks(auditor, reader, comparer.get(), check_id);
    auditor.OnWrites(nullptr);
    if (failure) return Finish(auditor, failure);
  }
  // Evidence the node holds but no block records yet (§5.1) is re-checked as well.
  auto evidence = db->LoadEvidence();
  if (!evidence.ok()) return Finish(auditor, Broken(std::nullopt, evidence.error().code, "evidence: " + evidence.error().message));
  for (const chain::Evidence& e : *evidence) {
    if (auto f = auditor.CheckEvidence(e, "held by the node"); !f.ok()) {
      return Finish(auditor, Broken(std::nullopt, f.error().code, "stored evidence: " + f.error().message));
    }
  }
  auto stored = db->LoadAnchors();
  if (!stored.ok()) return Finish(auditor, Broken(std::nullopt, stored.error().code, "anchors: " + stored.error().message));
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
      if (!seals.ok()) return Finish(auditor, Broken(a.height, seals.error().code, "seals: " + seals.error().message));
      for (const chain::Seal& s : *seals) cp.seals.push_back(chain::SigEntry{s.signer, s.sig});
      in.checkpoint = std::move(cp);
    }
    anchors.push_back(std::move(in));
  }
  AnchorAudit anchor_audit;
  PEERDB_TRY_ASSIGN(CheckOutcome anchor_failure, FinishAnchors(auditor, anchors, options.bitcoin, anchor_audit));
  if (anchor_failure) return Finish(auditor, anchor_failure);
  if (auto f = auditor.CompareState(*db)) return Finish(auditor, f);
  if (auto f = auditor.CompareSeqs(*db)) return Finish(auditor, f);
  return Passed(auditor, anchors, anchor_audit, options.bitcoin);
}

Result<AuditReport> AuditExport(const std::string& export_path, const AuditOptions& options) {
  PEERDB_TRY_ASSIGN(std::unique_ptr<ExportReader> source, ExportReader::Open(export_path));
  ChainChecker auditor(source->genesis());
  if (auto f = auditor.CheckGenesis(options.expected_chain_id)) return Finish(auditor, f);
  auto no_id_check = [](const Hash32&, std::uint64_t) { return Status::Ok(); };
  {
    std::uint64_t next = 1;
    BlockReader reader(
        [&source, &next]() -> Result<std::optional<RawBlock>> {
          PEERDB_TRY_ASSIGN(std::optional<ExportedBlock> e, source->Next());
          if (!e) return std::optional<RawBlock>{};
          RawBlock raw;
          raw.height = next++;
          raw.block = std::move(e->block);  // decoded by the export reader
          raw.cert = std::move(e->cert);
          raw.seals = std::move(e->seals);
          return std::optional<RawBlock>{std::move(raw)};
        },
        auditor.chain_id(), auditor.config_in_force());
    if (auto f = CheckBlocks(auditor, reader, nullptr, no_id_check)) return Finish(auditor, f);
  }  // the reader's thread is done with `source`
  std::vector<AnchorInput> anchors;
  for (;;) {
    auto next = source->NextAnchor();
    if (!next.ok()) return Finish(auditor, Broken(std::nullopt, next.error().code, "anchors: " + next.error().message));
    if (!*next) break;
    if (anchors.size() >= kMaxExportedAnchors) {
      return Finish(auditor, Broken(std::nullopt, Errc::kTooLarge, "anchors: more than " + std::to_string(kMaxExportedAnchors) + " records"));
    }
    anchors.push_back(AnchorInput{std::move((*next)->anchor), std::move((*next)->checkpoint)});
  }
  AnchorAudit anchor_audit;
  PEERDB_TRY_ASSIGN(CheckOutcome anchor_failure, FinishAnchors(auditor, anchors, options.bitcoin, anchor_audit));
  if (anchor_failure) return Finish(auditor, anchor_failure);
  return Passed(auditor, anchors, anchor_audit, options.bitcoin);
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

}  // namespace peerdb::audit
