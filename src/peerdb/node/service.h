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

#include "peerdb/chain/block.h"
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

struct ValueView {
  store::CurrentEntry entry;
  store::BlockStatus status = store::BlockStatus::kProposed;  // status of the block it was read from
};

struct BlockView {
  store::StoredBlock block;
  std::optional<chain::MajorityCert> cert;
  std::vector<chain::Seal> seals;
};

struct MemberStatus {
  chain::Member member;
  std::uint64_t last_sealed_height = 0;
};

struct StatusView {
  Hash32 chain_id{};
  chain::MemberId self = 0;
  std::string self_name;
  std::uint64_t head_height = 0;
  Hash32 head_id{};
  std::uint64_t unanimous_height = 0;
  std::uint64_t final_height = 0;   // 0 until anchoring exists
  std::size_t pending_ops = 0;      // accepted, not yet committed
  std::uint64_t committed_ops = 0;  // since start
  std::vector<MemberStatus> members;
};

class Service {
 public:
  virtual ~Service() = default;
  // Validates ops (namespace exists, key syntax, size, authorisation against current state),
  // queues them, and calls done once they are committed. Validation errors come back at once:
  // kMalformed, kUnknownNamespace, kForbidden, kTooLarge.
  virtual void Submit(std::vector<chain::Op> ops, Callback<SubmitReceipt> done) = 0;
  virtual void Get(std::string ns, std::string key, Callback<ValueView> done) = 0;  // kNotFound if never written
  virtual void History(std::string ns, std::string key, std::size_t limit,
                       Callback<std::vector<store::HistoryEntry>> done) = 0;
  virtual void GetBlock(std::uint64_t height, Callback<BlockView> done) = 0;
  virtual void GetStatus(Callback<StatusView> done) = 0;
  // Names this node's consortium config (namespaces and their rules) for clients.
  virtual const chain::Genesis& genesis() const = 0;
};

}  // namespace peerdb::node
