// node::Service: the facade the API (and tests) use to talk to a running node.
// Thread-safety: every method may be called from any thread. Callbacks run on the node's own
// thread; a caller that must answer on another executor posts the result there itself.
// Callbacks are always invoked exactly once, also when the node shuts down (kUnavailable).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/anchor/anchor_planner.h"
#include "peerdb/chain/block.h"
#include "peerdb/chain/config_change.h"
#include "peerdb/store/store.h"
#include "peerdb/util/result.h"

namespace peerdb::node {

template <class T>
using Callback = std::function<void(Result<T>)>;

// Limits applied to client submissions before anything reaches the mempool.
inline constexpr std::size_t kMaxOpsPerSubmit = 10'000;
inline constexpr std::size_t kMaxValueBytes = 256 * 1024;

// Returned once the operations are durably committed (the block is in the store, fsynced).
struct SubmitReceipt {
  std::uint64_t height = 0;
  Hash32 block_id{};
  store::BlockStatus status = store::BlockStatus::kUnanimous;
  std::uint64_t batch_seq = 0;
  std::size_t op_count = 0;
};

// A read (PROTOCOL.md §4.3): the newest version of a key whose block has at least the status asked
// for, and where it was read from.
// A stored version of a key as this member may see it (PROTOCOL.md §1.4 private records).
struct PrivateView {
  bool encrypted = false;     // written into an encrypted namespace: the value read is its plaintext
  bool readable = true;       // false: this member is not among its readers; the value is withheld
  Hash32 envelope_hash{};     // chain::EnvelopeHash of the stored envelope (encrypted only)
};

struct ValueView {
  store::CurrentEntry entry;                                  // the version read (may be a deletion)
  store::BlockStatus status = store::BlockStatus::kProposed;  // status of the block it was read from
  std::uint64_t latest_version = 0;  // the key's newest version in any committed block
  std::uint64_t head_height = 0;
  std::uint64_t final_height = 0;    // the read is NOT-UP-TO-DATE when its block is above this
  chain::MemberId author = 0;        // the member whose batch wrote the version read
  PrivateView privacy;
};

// One version of a key in its history.
struct VersionView {
  store::HistoryEntry entry;
  PrivateView privacy;
};

struct BlockView {
  store::StoredBlock block;
  std::optional<chain::MajorityCert> cert;
  std::vector<chain::Seal> seals;
};

struct MemberStatus {
  chain::Member member;
  std::uint64_t last_sealed_height = 0;  // highest committed block it sealed
  std::uint64_t last_seen_ms = 0;        // its last valid message (0 = never since this node started)
  bool connected = false;                // a peer session is up (always true for this node itself)
  bool excluded = false;                 // named by verified evidence: its signatures no longer count
  bool self = false;
};

// An active alert (PROTOCOL.md §3): "A4 SILENT_MEMBER", who and which blocks are involved.
struct AlertView {
  std::string code;      // e.g. "A4 SILENT_MEMBER"
  std::string severity;  // info | warn | critical | catastrophic
  std::vector<chain::MemberId> members;
  std::uint64_t from_height = 0;
  std::uint64_t to_height = 0;
  std::uint64_t since_ms = 0;
  std::string detail;
};

// A verified piece of evidence (PROTOCOL.md §1.7) with the member it names.
struct EvidenceView {
  chain::Evidence evidence;
  chain::MemberId offender = 0;
  std::uint64_t height = 0;  // the height of the offending messages
};

// Anchoring as this node does it (PROTOCOL.md §1.8).
struct AnchoringView {
  bool enabled = false;
  std::vector<std::string> calendars;
  std::uint32_t confirmations = 0;        // k_anchor in force
  std::uint64_t interval_ms = 0;
  anchor::PlannerView planner;            // submissions, jobs, anchors, the last error, the heights
  bool anchor_lag = false;                // A5: the best UNANIMOUS block is not FINAL after 8 h
};

struct StatusView {
  Hash32 chain_id{};
  chain::MemberId self = 0;
  std::string self_name;
  bool self_member = true;              // this node's member is in the config in force (not removed, not yet joined)
  std::uint64_t epoch = 0;              // the epoch in force at the next height (§5.3)
  std::uint64_t epoch_start_height = 1; // its first height
  std::uint64_t head_height = 0;
  Hash32 head_id{};
  std::uint64_t unanimous_height = 0;
  std::uint64_t anchored_height = 0;  // highest ANCHORED or FINAL block (0 = none)
  std::uint64_t final_height = 0;     // highest FINAL block; everything above is NOT-UP-TO-DATE
  std::size_t pending_ops = 0;        // accepted, not yet committed
  std::uint64_t committed_ops = 0;    // since start
  std::uint64_t majority_height = 0;  // highest block with a majority certificate (the committed head)
  std::uint64_t deciding_height = 0;  // the height being decided now
  std::uint32_t round = 0;            // and its round
  chain::MemberId proposer = 0;       // proposer(deciding_height, round)
  std::vector<MemberStatus> members;   // the members of the epoch in force
  AnchoringView anchoring;
  std::vector<AlertView> alerts;      // active alerts (PROTOCOL.md §3)
  std::size_t evidence_count = 0;
};

// A reshare's outcome (PROTOCOL.md §1.4): the key's newest version written again, sealed for the
// readers in force now.
struct ReshareReceipt {
  SubmitReceipt committed;
  std::uint64_t version = 0;             // the version the reshare wrote
  std::vector<chain::MemberId> readers;  // sealed to: the rule's readers and this member, sorted
};

// A config change as a client asks for it (§5.3): the node fills in the epoch in force and
// expires_height = the next height + expires_in_blocks (0: the default, kDefaultChangeTtlHeights
// capped at config_ttl_heights).
inline constexpr std::uint64_t kDefaultChangeTtlHeights = 10'000;
struct ChangeRequest {
  std::vector<chain::ConfigOp> ops;
  std::uint64_t expires_in_blocks = 0;
};

// The pending change as this node sees it at the height being decided.
struct ChangeView {
  Hash32 change_id{};
  chain::ConfigChange change;
  std::vector<std::string> diff;          // one line per op (chain::DescribeChange)
  chain::MemberId proposer = 0;
  std::uint64_t height = 0;               // the block that contains it
  Hash32 block_id{};
  std::vector<chain::MemberId> targets;   // removed or reset by it: they do not approve
  std::vector<chain::MemberId> approved;  // approvals recorded in blocks
  std::vector<chain::MemberId> heard;     // approvals signed and gossiped, not yet in a block
  std::vector<chain::Member> missing;     // required approvers that have not approved, with contacts
};

struct ChangesView {
  std::uint64_t epoch = 0;
  std::uint64_t epoch_start_height = 1;
  std::uint64_t deciding_height = 0;
  chain::MemberId next_member_id = 1;     // the id an ADD proposed now gets
  std::vector<chain::Member> members;     // of the epoch in force
  chain::Params params;                   // in force (a change names the parameters it sets; the rest stay)
  std::vector<chain::Rule> rules;         // in force, sorted by namespace
  std::optional<ChangeView> pending;
};

// A proposed change once the block carrying it is committed.
struct ChangeReceipt {
  ChangeView change;
  SubmitReceipt committed;
};

class Service {
 public:
  virtual ~Service() = default;
  // Validates ops (namespace exists, key syntax, size, authorisation against current state),
  // queues them, and calls done once they are committed. Validation errors come back at once:
  // kMalformed, kUnknownNamespace, kForbidden, kTooLarge.
  virtual void Submit(std::vector<chain::Op> ops, Callback<SubmitReceipt> done) = 0;
  // The newest version of the key in a block whose status is at least min_status (kProposed:
  // the newest committed version). kNotFound if never written, or if no version is in a block of
  // that status yet (the message says which version is newest and its status).
  virtual void Get(std::string ns, std::string key, store::BlockStatus min_status, Callback<ValueView> done) = 0;
  // Every version of the key, oldest first, at most `limit`; kNotFound if it was never written.
  virtual void History(std::string ns, std::string key, std::size_t limit,
                       Callback<std::vector<VersionView>> done) = 0;
  // Private records (PROTOCOL.md §1.4). Reads the newest committed version of ns/key, opens it and
  // writes it again as the next version, sealed for the readers of the rule in force now: a reader
  // added since can read it, a reader removed since gets nothing new. The write is judged by the
  // rule like any other (the owner or an editor may). Errors at once: kUnknownNamespace, kNotFound,
  // kInvalid (not an encrypted namespace; a deleted key), kNotAReader; then as Submit.
  virtual void Reshare(std::string ns, std::string key, Callback<ReshareReceipt> done) = 0;
  // A disclosure file (chain/disclosure.h) of version `version` of ns/key (0: the newest committed)
  // for an outsider. Errors: kUnknownNamespace, kNotFound, kInvalid (a deletion), kNotAReader,
  // kTooLarge.
  virtual void Disclose(std::string ns, std::string key, std::uint64_t version, Callback<Bytes> done) = 0;
  virtual void GetBlock(std::uint64_t height, Callback<BlockView> done) = 0;
  virtual void GetStatus(Callback<StatusView> done) = 0;
  // Every verified piece of evidence this node holds (§5.1), oldest first.
  virtual void GetEvidence(Callback<std::vector<EvidenceView>> done) = 0;
  // Names this node's consortium config (namespaces and their rules) for clients.
  virtual const chain::Genesis& genesis() const = 0;

  // §5.3. Proposes a config change from this member and calls done once the block carrying it is
  // committed. Errors at once, nothing committed: kInvalid (an op that does not apply, a minority
  // left to approve, a parameter out of range, a bad expiry), kConflict (a change is pending),
  // kMalformed.
  virtual void ProposeChange(ChangeRequest request, Callback<ChangeReceipt> done) = 0;
  // The epoch in force and the pending change.
  virtual void GetChanges(Callback<ChangesView> done) = 0;
  // This member approves the pending change `change_id` (the operator decides; the node never
  // approves by itself): the signed approval is gossiped until a block records it. Answers the
  // change as seen right after. Errors: kNotFound (not pending: unknown, lapsed, activated, or on
  // another branch), kForbidden (a target, excluded, not a member), kConflict (approved already).
  virtual void ApproveChange(Hash32 change_id, Callback<ChangeView> done) = 0;
};

}  // namespace peerdb::node
