// I11 of PROTOCOL.md §7.1 in the simulation: the light client of §6.3 (consensus::LightClient), fed
// an honest member's committed headers with their parent certificates (whole blocks where the body
// matters: config changes, approvals, evidence), the evidence that member holds (saved, or recorded
// in its blocks) and the anchors its anchoring saved that Bitcoin still
// confirms at >= k_anchor, must compute the FINAL height the member's own anchoring code stored
// (anchor::AnchorPlanner, sim_anchoring.h), and see no conflicting FINAL. This is the issue's "the
// node's FINAL equals the light client's on the same chain and anchors", over every seed.
// Checked once per run, at the end (it re-verifies every certificate and seal). Also builds the
// auditor for the forged-history scenario (§7.2 row 15).
// Thread-safety: pure functions over a Simulation that is not running.
#pragma once

#include <optional>
#include <string>

#include "peerdb/consensus/light_client.h"
#include "simulation.h"

namespace peerdb::sim {

// A light client holding member `id`'s committed headers and evidence and its confirmed anchors.
// An Error means the light client refused some of that genuine data (itself an I11 failure).
Result<consensus::LightClient> AuditorOf(const Simulation& s, chain::MemberId id);

// The I11 failure, if any, over every honest member.
std::optional<std::string> CheckLightClientAgrees(const Simulation& s);

}  // namespace peerdb::sim
