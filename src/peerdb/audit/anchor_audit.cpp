#include "peerdb/audit/anchor_audit.h"

#include <map>
#include <variant>

#include "peerdb/ots/timestamp_codec.h"

namespace peerdb::audit {
namespace {

std::string Short(const Hash32& h) { return Hex(h).substr(0, 8); }


// A forged or inconsistent anchor (kInvalid in the audit's failure).
struct Broken {
  std::string what;
  std::optional<std::uint64_t> height;
};

class AnchorChecker {
 public:
  AnchorChecker(const chain::Genesis& genesis, const std::vector<Hash32>& ids, const chain::EpochHistory& epochs,
                const std::vector<chain::MemberId>& excluded, const BitcoinView& view)
      : m_chain_id(chain::ChainId(genesis)), m_ids(ids), m_epochs(epochs), m_excluded(excluded), m_view(view),
        m_k(view.min_confirmations != 0 ? view.min_confirmations : epochs.current().config.params.k_anchor) {}
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
    // Under the config of the block's epoch; members leaving with the block are not required (§3 T(D)).
    const chain::Config& config = m_epochs.ConfigAt(cp.h);
    auto signers = chain::VerifyCheckpointSeals(cp, config);
    if (!signers.ok()) return Out{Broken{"its checkpoint of " + block + ": " + signers.error().message, cp.h}};
    f.covering.unanimous = chain::IsUnanimous(*signers, config, m_excluded, m_epochs.LeavingAt(cp.h));
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
  Hash32 m_chain_id;
  const std::vector<Hash32>& m_ids;
  const chain::EpochHistory& m_epochs;
  const std::vector<chain::MemberId>& m_excluded;
  const BitcoinView& m_view;
  std::map<std::uint64_t, ots::BlockHeader> m_headers;
  std::optional<std::uint64_t> m_tip;
  std::uint32_t m_k;
};

}  // namespace

std::string AnchorLabel(std::size_t index, const Hash32& digest) {
  return "anchor " + std::to_string(index + 1) + " (digest " + Short(digest) + ")";
}

Result<AnchorAudit> AuditAnchors(const std::vector<AnchorInput>& anchors, const chain::Genesis& genesis,
                                 const std::vector<Hash32>& ids, const chain::EpochHistory& epochs,
                                 const std::vector<chain::MemberId>& excluded, const BitcoinView& view) {
  AnchorAudit out;
  AnchorChecker checker(genesis, ids, epochs, excluded, view);
  std::vector<anchor::CoveringAnchor> valid;
  if (view.headers) {
    // Asked to check against Bitcoin: a source that cannot answer is an error even with no anchor.
    PEERDB_TRY_ASSIGN(const std::uint64_t tip, checker.Tip());
    (void)tip;
  }
  for (std::size_t i = 0; i < anchors.size(); ++i) {
    PEERDB_TRY_ASSIGN(auto checked, checker.Check(anchors[i]));
    if (const Broken* b = std::get_if<Broken>(&checked)) {
      out.failure = Error{Errc::kInvalid, AnchorLabel(i, anchors[i].record.digest) + ": " + b->what};
      out.failure_height = b->height;
      return out;
    }
    AnchorFinding f = std::get<AnchorFinding>(std::move(checked));
    if (f.verdict != AnchorVerdict::kUnsupported) valid.push_back(f.covering);
    if (f.verdict == AnchorVerdict::kConfirmed || f.verdict == AnchorVerdict::kUnchecked) out.fixing.push_back(f.covering);
    if (f.verdict == AnchorVerdict::kConfirmed) ++out.confirmed;
    out.findings.push_back(std::move(f));
  }
  out.supported = anchor::HeightsOf(valid);
  out.records = anchors.size();
  out.confirmations_required = checker.k();
  if (view.headers) {
    out.checked_against_bitcoin = true;
    PEERDB_TRY_ASSIGN(out.tip_height, checker.Tip());
  }
  return out;
}

}  // namespace peerdb::audit
