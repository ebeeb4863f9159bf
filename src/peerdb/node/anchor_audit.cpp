#include "peerdb/node/anchor_audit.h"

#include <ctime>
#include <map>
#include <variant>

#include "peerdb/ots/timestamp_codec.h"

namespace peerdb::node {
namespace {

std::string Short(const Hash32& h) { return Hex(h).substr(0, 8); }

std::string Label(std::size_t index, const chain::AnchorRecord& r) {
  return "anchor " + std::to_string(index + 1) + " (digest " + Short(r.digest) + ")";
}

struct Broken {
  std::string what;
  std::optional<std::uint64_t> height;
};

class AnchorChecker {
 public:
  AnchorChecker(const chain::Genesis& genesis, const std::vector<Hash32>& ids, const std::vector<chain::MemberId>& excluded,
                const BitcoinView& view)
      : m_genesis(genesis), m_chain_id(chain::ChainId(genesis)), m_ids(ids), m_excluded(excluded), m_view(view),
        m_k(view.min_confirmations != 0 ? view.min_confirmations : genesis.config.params.k_anchor) {}
  std::uint32_t k() const { return m_k; }

  Result<std::uint64_t> Tip() {
    if (m_tip) return *m_tip;
    if (!m_view.tip_height) return Error{Errc::kInternal, "header source without a tip height"};
    auto t = m_view.tip_height();
    if (!t.ok()) return t.error().Context("Bitcoin tip height");
    m_tip = *t;
    return *t;
  }

  // The finding for one anchor; Broken for a forged or inconsistent one; Error when the header
  // source cannot answer.
  Result<std::variant<AnchorFinding, Broken>> Check(const AnchorInput& in) {
    using Out = std::variant<AnchorFinding, Broken>;
    const chain::AnchorRecord& r = in.record;
    AnchorFinding f;
    f.covering.digest = r.digest;
    f.covering.btc_height = r.btc_height;
    f.covering.btc_block_hash = r.btc_block_hash;
    if (r.method != static_cast<std::uint8_t>(chain::AnchorMethod::kOts)) {
      f.verdict = AnchorVerdict::kUnsupported;
      f.note = "DIRECT anchors are not checked by this version; not counted";
      return Out{f};
    }
    if (!in.checkpoint) return Out{Broken{"has no checkpoint to check its digest against", std::nullopt}};
    const chain::Checkpoint& cp = *in.checkpoint;
    f.covering.height = cp.h;
    const std::string block = "block " + std::to_string(cp.h);
    if (cp.chain_id != m_chain_id) return Out{Broken{"its checkpoint names another chain", std::nullopt}};
    if (cp.h == 0 || cp.h >= m_ids.size()) {
      return Out{Broken{"its checkpoint names " + block + ", beyond the chain's head " + std::to_string(m_ids.size() - 1),
                        std::nullopt}};
    }
    if (cp.block_id != m_ids[cp.h]) {
      return Out{Broken{"its checkpoint names a block " + Short(cp.block_id) + " that is not " + block + " of this chain",
                        cp.h}};
    }
    if (chain::CheckpointDigest(cp) != r.digest) return Out{Broken{"its digest is not the hash of its checkpoint", cp.h}};
    auto signers = chain::VerifyCheckpointSeals(cp, m_genesis.config);
    if (!signers.ok()) return Out{Broken{"its checkpoint of " + block + ": " + signers.error().message, cp.h}};
    f.covering.unanimous = chain::IsUnanimous(*signers, m_genesis.config, m_excluded);
    auto tree = ots::DecodeTimestamp(r.proof, Bytes(r.digest.begin(), r.digest.end()));
    if (!tree.ok()) return Out{Broken{"its proof does not parse: " + tree.error().message, cp.h}};
    std::vector<Bytes> leaves;
    for (const ots::LeafAttestation& leaf : tree->AllAttestations()) {
      if (leaf.attestation.kind == ots::AttestationKind::kBitcoin && leaf.attestation.height == r.btc_height) {
        leaves.push_back(leaf.msg);
      }
    }
    if (leaves.empty()) {
      return Out{Broken{"its proof has no Bitcoin attestation at the height it names (" + std::to_string(r.btc_height) + ")",
                        cp.h}};
    }
    if (!m_view.headers) {
      f.verdict = AnchorVerdict::kUnchecked;
      return Out{f};
    }
    auto header = HeaderAt(r.btc_height);
    if (!header.ok()) {
      if (header.error().code != Errc::kNotFound) return header.error().Context("Bitcoin block " + std::to_string(r.btc_height));
      f.verdict = AnchorVerdict::kUnconfirmed;
      f.note = "Bitcoin block " + std::to_string(r.btc_height) + " is not in this header source's chain (yet); not counted";
      return Out{f};
    }
    std::optional<Error> mismatch;
    bool verified = false;
    for (const Bytes& msg : leaves) {
      auto time = ots::VerifyAgainstBlockHeader(msg, *header, ots::VerifyOptions{m_view.pow_limit_bits});
      if (time.ok()) {
        verified = true;
        f.covering.btc_time = *time;
        break;
      }
      if (!mismatch) mismatch = time.error();
    }
    if (!verified) {
      return Out{Broken{"its proof does not verify against Bitcoin block " + std::to_string(r.btc_height) + ": " +
                            mismatch->message + " (a forged proof, or Bitcoin reorganised past it)",
                        cp.h}};
    }
    if (ots::BlockHash(*header) != r.btc_block_hash) {
      return Out{Broken{"it names Bitcoin block hash " + ots::DisplayHex(r.btc_block_hash) + " but block " +
                            std::to_string(r.btc_height) + " is " + ots::BlockHashHex(*header),
                        cp.h}};
    }
    PEERDB_TRY_ASSIGN(const std::uint64_t tip, Tip());
    f.confirmations = tip >= r.btc_height ? tip - r.btc_height + 1 : 0;
    if (f.confirmations < m_k) {
      f.verdict = AnchorVerdict::kUnconfirmed;
      f.note = "Bitcoin block " + std::to_string(r.btc_height) + " has " + std::to_string(f.confirmations) + " of " +
               std::to_string(m_k) + " confirmations; not counted yet";
      return Out{f};
    }
    f.verdict = AnchorVerdict::kConfirmed;
    return Out{f};
  }

 private:
  Result<ots::BlockHeader> HeaderAt(std::uint64_t height) {
    if (auto it = m_headers.find(height); it != m_headers.end()) return it->second;
    auto h = m_view.headers->HeaderAt(height);
    if (h.ok()) m_headers.emplace(height, *h);
    return h;
  }
  const chain::Genesis& m_genesis;
  Hash32 m_chain_id;
  const std::vector<Hash32>& m_ids;
  const std::vector<chain::MemberId>& m_excluded;
  const BitcoinView& m_view;
  std::map<std::uint64_t, ots::BlockHeader> m_headers;
  std::optional<std::uint64_t> m_tip;
  std::uint32_t m_k;
};

std::string RangeText(const anchor::FixedRange& r) {
  return r.first == r.last ? "block " + std::to_string(r.first)
                           : "blocks " + std::to_string(r.first) + "-" + std::to_string(r.last);
}

}  // namespace

std::string UtcTimeText(std::uint64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

Result<AnchorAudit> AuditAnchors(const std::vector<AnchorInput>& anchors, const chain::Genesis& genesis,
                                 const std::vector<Hash32>& ids, const std::vector<chain::MemberId>& excluded,
                                 const BitcoinView& view) {
  AnchorAudit out;
  AnchorChecker checker(genesis, ids, excluded, view);
  std::vector<anchor::CoveringAnchor> valid;
  std::vector<std::string> notes;
  std::size_t confirmed = 0;
  if (view.headers) {
    // Asked to check against Bitcoin: a source that cannot answer is an error even with no anchor.
    PEERDB_TRY_ASSIGN(const std::uint64_t tip, checker.Tip());
    (void)tip;
  }
  for (std::size_t i = 0; i < anchors.size(); ++i) {
    PEERDB_TRY_ASSIGN(auto checked, checker.Check(anchors[i]));
    if (const Broken* b = std::get_if<Broken>(&checked)) {
      out.failure = Label(i, anchors[i].record) + ": " + b->what;
      out.failure_height = b->height;
      return out;
    }
    AnchorFinding f = std::get<AnchorFinding>(std::move(checked));
    if (f.verdict != AnchorVerdict::kUnsupported) valid.push_back(f.covering);
    if (f.verdict == AnchorVerdict::kConfirmed || f.verdict == AnchorVerdict::kUnchecked) out.fixing.push_back(f.covering);
    if (f.verdict == AnchorVerdict::kConfirmed) ++confirmed;
    if (!f.note.empty()) {
      notes.push_back("  note: " + Label(i, anchors[i].record) + " of block " + std::to_string(f.covering.height) + ": " +
                      f.note);
    }
    out.findings.push_back(std::move(f));
  }
  out.supported = anchor::HeightsOf(valid);
  const std::uint64_t head = ids.empty() ? 0 : ids.size() - 1;
  if (view.headers) {
    PEERDB_TRY_ASSIGN(const std::uint64_t tip, checker.Tip());
    out.lines.push_back("Bitcoin: headers from " + view.description + ", tip at height " + std::to_string(tip));
    out.lines.push_back("anchors: " + std::to_string(anchors.size()) + " records, " + std::to_string(confirmed) +
                        " confirmed by Bitcoin headers from " + view.description + " (" +
                        std::to_string(checker.k()) + " confirmations required)");
  } else {
    out.lines.push_back("anchors: " + std::to_string(anchors.size()) +
                        " records; NOT checked against Bitcoin (no header source: give --esplora, --bitcoind or --headers)");
  }
  for (const anchor::FixedRange& r : anchor::FixedRanges(out.fixing, head)) {
    if (!r.by) {
      out.lines.push_back("  " + RangeText(r) + ": not anchored yet");
      continue;
    }
    const anchor::CoveringAnchor& a = *r.by;
    std::string line = "  " + RangeText(r) + ": ";
    if (view.headers) {
      line += "fixed by Bitcoin block " + std::to_string(a.btc_height) + " (" + UtcTimeText(a.btc_time) + ")";
    } else {
      line += "anchored in Bitcoin block " + std::to_string(a.btc_height) + " (not checked against Bitcoin)";
    }
    line += ", anchored digest " + Short(a.digest) + " (checkpoint of block " + std::to_string(a.height) +
            (a.unanimous ? ", every member's seal" : ", not every member's seal") + ")";
    out.lines.push_back(std::move(line));
  }
  for (std::string& n : notes) out.lines.push_back(std::move(n));
  return out;
}

}  // namespace peerdb::node
