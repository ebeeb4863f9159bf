// What the anchoring planner (anchor_planner.h) asks its executor to do, and the outcomes of the
// network requests the executor hands back to it. The executor carries out the actions in the order
// given; how each kind is answered is said next to it, so a planner driven by a test, a simulation
// or a node behaves the same.
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/chain/messages.h"
#include "peerdb/chain/rules.h"
#include "peerdb/consensus/alert.h"
#include "peerdb/ots/verify.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::anchor {

// A checkpoint being anchored. Saved before its digest leaves the process, so a restart submits
// it again rather than losing it; its proof is replaced after every upgrade.
struct Job {
  chain::Checkpoint checkpoint;
  Hash32 digest{};                 // chain::CheckpointDigest(checkpoint)
  std::optional<Bytes> timestamp;  // bare OTS tree rooted at digest, once a calendar answered
  std::uint64_t created_ms = 0;
  std::uint64_t updated_ms = 0;
  bool operator==(const Job&) const = default;
};

// ---- Outcomes of the network requests (inputs of the planner) ---------------------------------

struct UpgradeOutcome {
  std::optional<Bytes> timestamp;                     // the tree, when it changed (upgraded or pruned)
  std::optional<ots::BitcoinVerification> confirmed;  // verified with >= k confirmations
  std::string note;                                   // what happened, for the log
  std::optional<Error> error;                         // the calendars or the header source failed;
                                                      // kCorrupt: the stored tree does not decode
};

// A confirmed anchor to check again: is its Bitcoin block still on the best chain, deep enough?
struct RecheckItem {
  Hash32 digest{};  // the anchored checkpoint's digest: names the anchor in the answer
  std::uint64_t btc_height = 0;
  Hash32 btc_block_hash{};
  bool operator==(const RecheckItem&) const = default;
};
struct RecheckOutcome {
  std::vector<bool> confirmed;          // per item: still on the best chain with >= k confirmations
  std::vector<std::uint32_t> btc_time;  // per item: header time (0 when not found)
  std::optional<Error> error;           // the source could not answer: results are incomplete
};

// ---- Actions ------------------------------------------------------------------------------------

// Reads of the chain, answered at once with the event named.
struct LoadCheckpoint { std::uint64_t height = 0; };  // the block's checkpoint with its seals so far -> OnCheckpoint
struct LoadBlockTime { std::uint64_t height = 0; };   // the block's timestamp (A5 measures from it) -> OnBlockTime

// Store writes. Each is carried out before the next action and its outcome is handed back at once
// with OnStored; the planner changes its own state only once a write succeeded, so what it
// remembers never runs ahead of what a restart would load.
struct SaveJob { Job job; };
// Replaces a job's proof. `confirmed`: the proof reached a deep enough Bitcoin block, so once it is
// saved the job becomes an anchor (SaveAnchor follows).
struct SaveProof {
  Hash32 digest{};
  Bytes timestamp;
  std::uint64_t updated_ms = 0;
  std::optional<ots::BitcoinVerification> confirmed;
};
struct DeleteJob { Hash32 digest{}; };
// Stores the record with its checkpoint and drops the job of that digest, in one transaction.
// `verification` is what confirmed it (for the log and the view), not stored.
struct SaveAnchor {
  chain::AnchorRecord record;
  chain::Checkpoint checkpoint;
  ots::BitcoinVerification verification;
};
// Moves the anchor-derived statuses (Store::SetStatusHeights): blocks up to final_height FINAL, up
// to anchored_height ANCHORED, blocks above that lose ANCHORED/FINAL.
struct SetStatusHeights { chain::StatusHeights heights; };

// Network requests. At most one is outstanding; each is answered later by the event named.
struct Submit { Hash32 digest{}; std::uint64_t height = 0; };  // to the calendars -> OnSubmitted
struct Upgrade { Hash32 digest{}; Bytes timestamp; };           // one upgrade step -> OnUpgraded
struct Recheck { std::vector<RecheckItem> items; };             // against the header source -> OnRechecked

// For operators. A5 ANCHOR_LAG is raised again every hour while it holds, as a reminder.
struct RaiseAlert { consensus::Alert alert; };
struct ClearAlert { consensus::AlertKind kind{}; };
enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };
struct Log { LogLevel level = LogLevel::kInfo; std::string message; };

using Action = std::variant<LoadCheckpoint, LoadBlockTime, SaveJob, SaveProof, DeleteJob, SaveAnchor, SetStatusHeights,
                            Submit, Upgrade, Recheck, RaiseAlert, ClearAlert, Log>;

}  // namespace peerdb::anchor
