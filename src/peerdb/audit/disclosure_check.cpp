#include "peerdb/audit/disclosure_check.h"

#include <algorithm>
#include <utility>

#include "peerdb/chain/envelope.h"
#include "peerdb/chain/epoch.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/chain/rules.h"
#include "peerdb/codec/pce.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/util/time_text.h"

namespace peerdb::audit {
namespace {

Error Bad(std::string what) { return Error{Errc::kInvalid, std::move(what)}; }
std::string BlockName(std::uint64_t height) { return "block " + std::to_string(height); }

std::string IdList(const std::vector<chain::MemberId>& ids) {
  if (ids.empty()) return "none";
  std::string out;
  for (chain::MemberId id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// The epochs and exclusions of the chain as far as the governance items carried show them.
class Derivation {
 public:
  explicit Derivation(const chain::Genesis& genesis)
      : m_chain_id(chain::ChainId(genesis)), m_state(chain::GenesisEpochState(genesis)), m_history(genesis) {}

  const Hash32& chain_id() const { return m_chain_id; }
  const chain::EpochHistory& history() const { return m_history; }

  // X_chain at `height`: the offenders of evidence recorded below it.
  std::vector<chain::MemberId> ExcludedAt(std::uint64_t height) const {
    std::vector<chain::MemberId> out;
    for (const auto& [recorded, member] : m_offenders) {
      if (recorded < height) out.push_back(member);
    }
    return out;
  }

  // C2's epoch part and the majority certificate of a block, under the config derived for its height.
  Status CheckHeader(const chain::ProvenBlock& b) const {
    const chain::Header& h = b.header;
    const std::string where = BlockName(h.height);
    if (h.version != codec::kVersion) return Error{Errc::kBadVersion, where + ": header version " + std::to_string(h.version)};
    if (h.chain_id != m_chain_id) return Bad(where + ": its header names another chain");
    const chain::EpochInfo& epoch = m_history.At(h.height);
    if (h.epoch != epoch.config.epoch || h.config_hash != epoch.config_hash) {
      return Bad(where + ": its header is in epoch " + std::to_string(h.epoch) + " with config " +
                 Hex(h.config_hash).substr(0, 16) + ", but the governance blocks carried give epoch " +
                 std::to_string(epoch.config.epoch) + " with config " + Hex(epoch.config_hash).substr(0, 16));
    }
    if (b.cert.h != h.height || b.cert.block_id != chain::BlockId(h)) return Bad(where + ": its certificate is for another block");
    if (Status s = chain::VerifyMajorityCert(b.cert, m_chain_id, epoch.config, ExcludedAt(h.height)); !s.ok()) {
      return Bad(where + ": majority certificate: " + s.error().message);
    }
    for (const chain::ProvenBatch& p : b.batches) {
      const std::string item = where + " batch " + std::to_string(p.index);
      if (!chain::IsInBlock(p, h)) return Bad(item + ": its Merkle path does not lead to the header's batches_root");
      const chain::Member* author = epoch.config.FindMember(p.batch.author);
      if (!author) return Bad(item + ": author " + std::to_string(p.batch.author) + " is not a member then");
      if (!chain::VerifySignedBy(author->pubkey, m_chain_id, p.batch)) return Bad(item + ": the author's signature does not verify");
    }
    for (const chain::ProvenRecord& p : b.records) {
      if (!chain::IsInBlock(p, h)) {
        return Bad(where + " record " + std::to_string(p.index) + ": its Merkle path does not lead to the header's records_root");
      }
    }
    return Status::Ok();
  }

  // Replays one governance block: the config ops and approvals by chain::AdvanceEpoch, then its
  // evidence (verified standalone) excludes its offenders from the next height on.
  Status Apply(const chain::ProvenBlock& b) {
    const std::uint64_t height = b.header.height;
    if (height <= m_last_height) return Bad("governance blocks must be in ascending height order (" + BlockName(height) + ")");
    m_last_height = height;
    PEERDB_TRY(CheckHeader(b));
    chain::Block partial{b.header, std::nullopt, {}, {}};
    for (const chain::ProvenBatch& p : b.batches) partial.batches.push_back(p.batch);
    for (const chain::ProvenRecord& p : b.records) partial.records.push_back(p.record);
    auto step = chain::AdvanceEpoch(m_state, partial, chain::BlockId(b.header), m_chain_id, ExcludedAt(height));
    if (!step.ok()) return Bad(BlockName(height) + ": " + step.error().message);
    m_history.Note(height, *step);
    m_state = std::move(step->state);
    for (const chain::Record& r : partial.records) {
      const auto* evidence = std::get_if<chain::Evidence>(&r.body);
      if (!evidence) continue;
      auto subject = consensus::EvidenceSubjectOf(*evidence);
      if (!subject.ok()) return Bad(BlockName(height) + ": evidence: " + subject.error().message);
      const chain::Config& config = m_history.ConfigAt(subject->height);
      if (Status s = consensus::VerifyEvidence(*evidence, m_chain_id, config); !s.ok()) {
        return Bad(BlockName(height) + ": evidence: " + s.error().message);
      }
      m_offenders.emplace_back(height, subject->offender);
    }
    return Status::Ok();
  }

 private:
  Hash32 m_chain_id;
  chain::EpochState m_state;
  chain::EpochHistory m_history;
  std::vector<std::pair<std::uint64_t, chain::MemberId>> m_offenders;  // (recorded at, member)
  std::uint64_t m_last_height = 0;
};

// The record itself: a PUT in the block's one batch whose envelope the data key opens to exactly
// the plaintext (or, in a plain namespace, whose value is the plaintext).
Status CheckRecord(const chain::Disclosure& d, const chain::Config& config, const Hash32& chain_id, DisclosureReport& out) {
  const std::string where = BlockName(d.block.header.height);
  if (d.block.batches.size() != 1 || !d.block.records.empty()) {
    return Bad(where + ": a disclosure carries exactly the record's batch of its block");
  }
  const chain::TxBatch& batch = d.block.batches.front().batch;
  if (d.op_index >= batch.ops.size()) return Bad(where + ": the batch has no op " + std::to_string(d.op_index));
  const chain::Op& op = batch.ops[d.op_index];
  if (op.kind != static_cast<std::uint8_t>(chain::OpKind::kPut)) return Bad(where + ": the op disclosed is not a put");
  if (op.is_erased()) return Bad(where + ": the op disclosed carries no value, only its commitment");
  out.ns = op.ns;
  out.key = op.key;
  out.author = *config.FindMember(batch.author);  // CheckHeader found it
  auto rule = config.RuleOf(op.ns);
  if (!rule.ok()) return Bad(where + ": namespace '" + op.ns + "' has no rule at that height");
  out.encrypted = (*rule)->encrypted;
  if (!out.encrypted) {
    if (d.data_key != Hash32{}) return Bad("a plain namespace's disclosure carries no data key");
    if (op.value != d.plaintext) return Bad("the plaintext differs from the value in the block");
    out.plaintext = d.plaintext;
    return Status::Ok();
  }
  auto decoded = codec::Decode<chain::Envelope>(ByteSpan(op.value));
  if (!decoded.ok()) return Bad(where + ": the envelope does not decode: " + decoded.error().message);
  auto envelope = chain::CheckEnvelope(config, **rule, batch.author, decoded->key_version, ByteSpan(op.value));
  if (!envelope.ok()) return Bad(where + ": " + envelope.error().message);
  const crypto::DataKey data_key = crypto::DataKey::FromBytes(ByteSpan(d.data_key));
  auto plain = chain::DecryptEnvelope(*envelope, data_key, chain_id, op.ns, op.key, batch.author);
  if (!plain.ok()) return Bad("the data key does not open the envelope of " + op.ns + "/" + op.key);
  if (*plain != d.plaintext) return Bad("the plaintext differs from what the envelope holds");
  out.version = envelope->key_version;
  for (const chain::WrappedKey& k : envelope->keys) out.readers.push_back(k.reader);
  out.plaintext = std::move(*plain);
  return Status::Ok();
}

// The anchor: the headers link the anchored checkpoint's block down to the record's block by
// parent ids, and the anchor record is checked as the audit checks one (its checkpoint's seals
// under the derived epochs, the OpenTimestamps proof, Bitcoin when a header source is given).
Status CheckAnchor(const chain::Genesis& genesis, const Derivation& derived, const chain::Disclosure& d,
                   const BitcoinView& bitcoin, DisclosureReport& out) {
  const chain::AnchorProof& a = *d.anchor;
  const std::uint64_t height = d.block.header.height;
  if (a.checkpoint.h < height || a.checkpoint.h - height != a.headers.size()) {
    return Bad("the anchor's checkpoint (" + BlockName(a.checkpoint.h) + ") and its " + std::to_string(a.headers.size()) +
               " headers do not reach down to " + BlockName(height));
  }
  Hash32 below = chain::BlockId(d.block.header);
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    const chain::Header& h = a.headers[i];
    if (h.height != height + 1 + i || h.chain_id != derived.chain_id() || h.parent_id != below) {
      return Bad("the anchor's header of " + BlockName(height + 1 + i) + " is not the child of the block below it");
    }
    below = chain::BlockId(h);
  }
  if (a.checkpoint.block_id != below || a.checkpoint.chain_id != derived.chain_id()) {
    return Bad("the anchored checkpoint names another block than the headers lead to");
  }
  // AuditAnchors matches the checkpoint against the chain's ids; here only the top one is known
  // (the headers above proved the rest).
  std::vector<Hash32> ids(a.checkpoint.h + 1);
  ids[a.checkpoint.h] = below;
  PEERDB_TRY_ASSIGN(const AnchorAudit audit, AuditAnchors({AnchorInput{a.anchor, a.checkpoint}}, genesis, ids, derived.history(),
                                                         derived.ExcludedAt(a.checkpoint.h + 1), bitcoin));
  if (audit.failure) return Bad("the anchor: " + audit.failure->message);
  out.anchor = audit.findings.at(0);
  out.anchor_checked_against_bitcoin = audit.checked_against_bitcoin;
  out.bitcoin_description = bitcoin.description;
  return Status::Ok();
}

}  // namespace

Result<DisclosureReport> VerifyDisclosure(const chain::Genesis& genesis, const chain::Disclosure& d,
                                          const BitcoinView& bitcoin) {
  Derivation derived(genesis);
  if (d.chain_id != derived.chain_id()) {
    return Bad("the disclosure is for chain " + Hex(d.chain_id).substr(0, 16) + ", not this consortium's (" +
               Hex(derived.chain_id()).substr(0, 16) + ")");
  }
  const std::uint64_t height = d.block.header.height;
  // With an anchor, the governance goes up to its checkpoint: its seals are judged in its epoch.
  const std::uint64_t top = d.anchor ? std::max(height, d.anchor->checkpoint.h) : height;
  for (const chain::ProvenBlock& g : d.governance) {
    if (g.header.height >= top) {
      return Bad("a governance block at or above " + std::string(d.anchor ? "the anchored checkpoint" : "the disclosed block") +
                 " (" + BlockName(g.header.height) + ")");
    }
    PEERDB_TRY(derived.Apply(g));
  }
  PEERDB_TRY(derived.CheckHeader(d.block));
  const chain::Config& config = derived.history().ConfigAt(height);
  DisclosureReport out;
  PEERDB_TRY(CheckRecord(d, config, derived.chain_id(), out));
  out.height = height;
  out.block_id = chain::BlockId(d.block.header);
  out.timestamp_ms = d.block.header.timestamp_ms;
  out.epoch = config.epoch;
  out.members = config.members;
  for (const chain::SigEntry& v : d.block.cert.votes) out.voters.push_back(v.signer);
  out.governance_blocks = d.governance.size();

  if (d.seals.chain_id != derived.chain_id() || d.seals.h != height || d.seals.block_id != out.block_id) {
    return Bad("the seals carried are for another block");
  }
  auto sealers = chain::VerifyCheckpointSeals(d.seals, config);
  if (!sealers.ok()) return Bad(BlockName(height) + ": seals: " + sealers.error().message);
  out.sealers = *sealers;
  const chain::SignerTally tally =
      chain::TallySigners(out.sealers, config, derived.ExcludedAt(height), derived.history().LeavingAt(height));
  out.unanimous = chain::IsUnanimous(tally, config);
  out.not_sealed = tally.missing;
  if (d.anchor) PEERDB_TRY(CheckAnchor(genesis, derived, d, bitcoin, out));
  return out;
}

std::vector<std::string> FormatDisclosureReport(const DisclosureReport& r) {
  std::vector<std::string> lines;
  lines.push_back("record    " + r.ns + "/" + r.key + (r.version ? " version " + std::to_string(r.version) : std::string()) +
                  (r.encrypted ? " (encrypted; readers " + IdList(r.readers) + ")" : " (plain namespace)"));
  lines.push_back("written   by member " + std::to_string(r.author.id) + " " + r.author.name + " <" + r.author.contact + ">");
  lines.push_back("block     " + std::to_string(r.height) + "  " + Hex(r.block_id) + "  " +
                  util::UtcTimeText(r.timestamp_ms / 1000) + " UTC");
  lines.push_back("epoch     " + std::to_string(r.epoch) + " (" + std::to_string(r.members.size()) + " members; derived from " +
                  std::to_string(r.governance_blocks) + " governance block" + (r.governance_blocks == 1 ? "" : "s") + ")");
  lines.push_back("agreed    by members " + IdList(r.voters) + " (majority certificate)");
  std::string sealed = "sealed    by members " + IdList(r.sealers);
  sealed += r.unanimous ? ": UNANIMOUS" : "; not yet sealed by " + IdList(r.not_sealed);
  lines.push_back(sealed);
  if (!r.anchor) {
    lines.push_back("anchor    none yet (no anchor covered the block when the file was written)");
  } else {
    const AnchorFinding& a = *r.anchor;
    std::string line = "anchor    Bitcoin block " + std::to_string(a.covering.btc_height) + " commits to the checkpoint of block " +
                       std::to_string(a.covering.height) + (a.covering.unanimous ? " (sealed by every required member)" : "");
    switch (a.verdict) {
      case AnchorVerdict::kConfirmed:
        line += "; confirmed by " + r.bitcoin_description + " (" + std::to_string(a.confirmations) + " confirmations, " +
                util::UtcTimeText(a.covering.btc_time) + " UTC)";
        break;
      case AnchorVerdict::kUnconfirmed: line += "; NOT confirmed by " + r.bitcoin_description + ": " + a.note; break;
      case AnchorVerdict::kUnchecked: line += "; not checked against Bitcoin (give --esplora, --bitcoind or --headers)"; break;
      case AnchorVerdict::kUnsupported: line += "; not checked: " + a.note; break;
    }
    lines.push_back(std::move(line));
  }
  lines.push_back("value     " + std::string(r.plaintext.begin(), r.plaintext.end()));
  return lines;
}

}  // namespace peerdb::audit
