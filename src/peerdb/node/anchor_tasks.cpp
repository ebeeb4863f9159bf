#include "peerdb/node/anchor_tasks.h"

#include "peerdb/anchor/bitcoind_rest_header_source.h"
#include "peerdb/anchor/esplora_header_source.h"
#include "peerdb/http/client.h"
#include "peerdb/ots/timestamp_codec.h"

namespace peerdb::node {
namespace {

bool HasBitcoin(const ots::Timestamp& t) {
  for (const ots::LeafAttestation& leaf : t.AllAttestations()) {
    if (leaf.attestation.kind == ots::AttestationKind::kBitcoin) return true;
  }
  return false;
}

bool SourceDown(const Error& e) { return e.code == Errc::kUnavailable || e.code == Errc::kIo; }

}  // namespace

Result<std::unique_ptr<AnchorNet>> MakeAnchorNet(const AnchorConfig& config, std::uint32_t k_anchor) {
  auto net = std::make_unique<AnchorNet>();
  net->calendars = config.calendars;
  net->min_calendars = config.min_calendars;
  const auto timeout = std::chrono::milliseconds(config.timeout_ms);
  net->calendar_options.fetch.connect_timeout = timeout;
  net->calendar_options.fetch.read_timeout = timeout;
  for (const std::string& p : config.whitelist) {
    if (Status s = anchor::CalendarWhitelist::CheckPattern(p); !s.ok()) return s.error().Context("[anchor] whitelist");
    net->whitelist.Add(p);
  }
  // A configured calendar is trusted for upgrades of the attestations it issued.
  for (const std::string& c : config.calendars) {
    if (Status s = anchor::CalendarWhitelist::CheckPattern(c); !s.ok()) return s.error().Context("[anchor] calendars");
    net->whitelist.Add(c);
  }
  http::ClientOptions fetch;
  fetch.connect_timeout = timeout;
  fetch.read_timeout = timeout;
  if (!config.esplora.empty()) {
    net->headers = std::make_unique<anchor::EsploraHeaderSource>(config.esplora, fetch);
    net->headers_description = "Esplora " + config.esplora;
  } else if (!config.bitcoind_rest.empty()) {
    net->headers = std::make_unique<anchor::BitcoindRestHeaderSource>(config.bitcoind_rest, fetch);
    net->headers_description = "bitcoind " + config.bitcoind_rest;
  }
  if (!net->headers) return Error{Errc::kConfig, "[anchor] no Bitcoin header source"};
  net->pow_limit_bits =
      config.network == BitcoinNetwork::kRegtest ? ots::kRegtestPowLimitBits : ots::kMainnetPowLimitBits;
  net->confirmations = config.confirmations.value_or(k_anchor);
  return net;
}

Result<Bytes> SubmitCheckpointDigest(AnchorNet& net, const Hash32& digest) {
  ots::Timestamp tree(Bytes(digest.begin(), digest.end()));
  PEERDB_TRY(anchor::SubmitToCalendars(net.calendars, net.min_calendars, tree, net.calendar_options));
  return ots::EncodeTimestamp(tree);
}

std::optional<ots::Timestamp> WithoutBitcoinAttestations(const ots::Timestamp& t) {
  ots::Timestamp out(t.msg());
  for (const ots::Attestation& a : t.attestations()) {
    if (a.kind != ots::AttestationKind::kBitcoin) out.AddAttestation(a);
  }
  for (const ots::OpEdge& e : t.ops()) {
    std::optional<ots::Timestamp> child = WithoutBitcoinAttestations(*e.child);
    // The child's message is op(parent) by construction, so AddChild cannot fail here.
    if (child) (void)out.AddChild(e.op, std::move(*child));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

anchor::UpgradeOutcome UpgradeProof(AnchorNet& net, const Hash32& digest, ByteSpan timestamp) {
  anchor::UpgradeOutcome out;
  auto decoded = ots::DecodeTimestamp(timestamp, Bytes(digest.begin(), digest.end()));
  if (!decoded.ok()) {
    out.error = Error{Errc::kCorrupt, "stored proof does not decode: " + decoded.error().message};
    return out;
  }
  ots::Timestamp tree = std::move(decoded).value();
  bool changed = false;
  if (!HasBitcoin(tree)) {
    auto report = anchor::UpgradeTimestamp(tree, net.whitelist, net.calendar_options);
    if (!report.ok()) {
      out.error = report.error().Context("upgrade");
      return out;
    }
    changed = report->changed;
    for (const std::string& n : report->notes) out.note += (out.note.empty() ? "" : "; ") + n;
  }
  if (HasBitcoin(tree)) {
    auto verified = ots::VerifyBitcoin(tree, *net.headers, ots::VerifyOptions{net.pow_limit_bits});
    if (!verified.ok()) {
      if (SourceDown(verified.error())) {
        out.error = verified.error().Context("Bitcoin headers from " + net.headers_description);
      } else {
        // Reorganised away, or not (yet) in the source's chain: forget the path and ask again.
        std::optional<ots::Timestamp> pruned = WithoutBitcoinAttestations(tree);
        if (pruned) {
          tree = std::move(*pruned);
          changed = true;
        }
        out.note = "the proof's Bitcoin attestation does not verify (" + verified.error().message +
                   "); asking the calendars again";
      }
    } else if (verified->tip_error) {
      out.error = verified->tip_error->Context("Bitcoin tip from " + net.headers_description);
    } else if (verified->confirmations >= net.confirmations) {
      out.confirmed = *verified;
    } else {
      out.note = "Bitcoin block " + std::to_string(verified->height) + " has " +
                 std::to_string(verified->confirmations) + " of " + std::to_string(net.confirmations) + " confirmations";
    }
  }
  if (changed) {
    auto bytes = ots::EncodeTimestamp(tree);
    if (!bytes.ok()) {
      out.error = bytes.error().Context("upgraded proof");
      return out;
    }
    out.timestamp = std::move(bytes).value();
  }
  return out;
}

anchor::RecheckOutcome RecheckAnchors(AnchorNet& net, const std::vector<anchor::RecheckItem>& items) {
  anchor::RecheckOutcome out;
  out.confirmed.assign(items.size(), false);
  out.btc_time.assign(items.size(), 0);
  if (items.empty()) return out;
  auto tip = net.headers->TipHeight();
  if (!tip.ok()) {
    out.error = tip.error().Context("Bitcoin tip from " + net.headers_description);
    return out;
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto header = net.headers->HeaderAt(items[i].btc_height);
    if (!header.ok()) {
      if (SourceDown(header.error())) {
        out.error = header.error().Context("Bitcoin headers from " + net.headers_description);
        return out;
      }
      continue;  // not in the source's chain: not confirmed
    }
    out.btc_time[i] = header->time;
    const std::uint64_t confirmations = *tip >= items[i].btc_height ? *tip - items[i].btc_height + 1 : 0;
    out.confirmed[i] = ots::BlockHash(*header) == items[i].btc_block_hash && confirmations >= net.confirmations;
  }
  return out;
}

}  // namespace peerdb::node
