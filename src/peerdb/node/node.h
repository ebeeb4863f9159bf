// A member's node: owns the store, the state tree, the mempool, the consensus machine and the peer
// transport; takes part in the round-robin block production of PROTOCOL.md §2 (a block every
// block_period_ms while operations are pending, a heartbeat block every heartbeat_ms when idle),
// and serves node::Service.
//
// Threading: all node state lives on one internal thread running an asio io_context; Service
// methods post work there. Callbacks run on that thread.
// Durability: a Submit callback reports success only after the block holding the operations was
// chosen by a majority certificate and committed to this node's SQLite with fsync
// (store::Store::CommitBlock); the receipt carries the block's status then (MAJORITY, or UNANIMOUS
// once every required member sealed it). A failed commit stops the process, because the in-memory
// state tree would no longer match the disk.
#pragma once

#include <memory>
#include <string>

#include "peerdb/node/node_config.h"
#include "peerdb/node/service.h"
#include "peerdb/util/clock.h"

namespace peerdb::node {

class Node final : public Service {
 public:
  // Opens (or initialises) the data directory, checks it belongs to the consortium, takes the
  // signer lock, rebuilds the state tree and verifies it against the head's state_root.
  static Result<std::unique_ptr<Node>> Open(const NodeConfig& config, const util::Clock& clock);
  ~Node() override;

  // Starts the peer transport (kIo if the peer port is taken) and the node thread.
  Status Start();
  // Fails pending submissions with kUnavailable and joins the node thread. Idempotent. Service
  // calls made after Stop() began fail at once with kUnavailable, on the calling thread.
  void Stop();

  void Submit(std::vector<chain::Op> ops, Callback<SubmitReceipt> done) override;
  void Get(std::string ns, std::string key, store::BlockStatus min_status, Callback<ValueView> done) override;
  void History(std::string ns, std::string key, std::size_t limit,
               Callback<std::vector<VersionView>> done) override;
  void Reshare(std::string ns, std::string key, Callback<ReshareReceipt> done) override;  // node_private.cpp
  void Disclose(std::string ns, std::string key, std::uint64_t version, Callback<Bytes> done) override;
  void GetBlock(std::uint64_t height, Callback<BlockView> done) override;
  void GetStatus(Callback<StatusView> done) override;
  void GetEvidence(Callback<std::vector<EvidenceView>> done) override;
  const chain::Genesis& genesis() const override;
  void ProposeChange(ChangeRequest request, Callback<ChangeReceipt> done) override;  // node_changes.cpp
  void GetChanges(Callback<ChangesView> done) override;
  void ApproveChange(Hash32 change_id, Callback<ChangeView> done) override;

  struct Impl;

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace peerdb::node
