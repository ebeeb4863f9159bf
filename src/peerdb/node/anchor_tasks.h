// The network side of anchoring (PROTOCOL.md §1.8), run on the anchor worker thread: blocking
// calls to the OpenTimestamps calendars and the Bitcoin header source, with every request bounded
// by the configured timeouts. Nothing here touches the store or decides anything: the anchoring
// planner (anchor/anchor_planner.h) asks for these requests and takes their outcomes.
// Thread-safety: one call at a time per AnchorNet (the header source is not shared).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/anchor/anchor_actions.h"
#include "peerdb/anchor/calendar_client.h"
#include "peerdb/node/node_config.h"
#include "peerdb/ots/timestamp.h"
#include "peerdb/ots/verify.h"
#include "peerdb/util/bytes.h"

namespace peerdb::node {

struct AnchorNet {
  std::vector<std::string> calendars;
  std::size_t min_calendars = 1;
  anchor::CalendarOptions calendar_options;
  anchor::CalendarWhitelist whitelist;   // the configured calendars plus the extra patterns
  std::unique_ptr<ots::HeaderSource> headers;
  std::uint32_t pow_limit_bits = ots::kMainnetPowLimitBits;
  std::uint32_t confirmations = 6;       // k_anchor
  std::string headers_description;       // e.g. "Esplora http://127.0.0.1:8090"
};

// The calendars, whitelist and header source a config names. kConfig for a bad whitelist pattern
// or no header source. Makes no request, so `peerdb node --check` calls it too.
Result<std::unique_ptr<AnchorNet>> MakeAnchorNet(const AnchorConfig& config, std::uint32_t k_anchor);

// Submits digest to the calendars; the merged pending timestamp (bare, rooted at digest), or
// kUnavailable naming each calendar that failed when fewer than min_calendars answered.
Result<Bytes> SubmitCheckpointDigest(AnchorNet& net, const Hash32& digest);

// One step for a pending proof: while it has no Bitcoin attestation, one upgrade pass with the
// calendars; once it has one, verification against the header source and a confirmation count.
// A Bitcoin attestation that no longer verifies (the block was reorganised away, or the source
// does not have it) is pruned from the tree, so the next pass asks the calendars again.
// A stored tree that does not decode is kCorrupt in `error`.
anchor::UpgradeOutcome UpgradeProof(AnchorNet& net, const Hash32& digest, ByteSpan timestamp);

// Whether stored anchors are still confirmed in the header source's view of Bitcoin.
anchor::RecheckOutcome RecheckAnchors(AnchorNet& net, const std::vector<anchor::RecheckItem>& items);

// A copy of t without Bitcoin attestations; op branches left with none are dropped. nullopt when
// nothing is left.
std::optional<ots::Timestamp> WithoutBitcoinAttestations(const ots::Timestamp& t);

}  // namespace peerdb::node
