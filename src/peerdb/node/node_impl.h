// Node internals shared by node.cpp (lifecycle, Service), node_consensus.cpp (driving the
// consensus machine and the peer network) and node_views.cpp (status and reads).
// Thread-safety: everything here lives on the node thread, except post_mu/closed.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "peerdb/chain/disclosure.h"
#include "peerdb/consensus/machine.h"
#include "peerdb/net/peer_network.h"
#include "peerdb/node/anchoring.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/node/identity.h"
#include "peerdb/node/lock_file.h"
#include "peerdb/node/mempool.h"
#include "peerdb/node/node.h"
#include "peerdb/node/node_application.h"

namespace peerdb::node {
namespace asio = boost::asio;

struct Node::Impl {
  NodeConfig config;
  Consortium consortium;
  Hash32 chain_id{};
  std::optional<MemberKey> key;
  std::optional<MemberKey> next_key;  // node.toml next_key (rotation)
  chain::MemberId self = 0;
  const util::Clock& clock;
  std::unique_ptr<LockFile> data_lock;
  std::unique_ptr<LockFile> key_lock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<state::TreeRowOverlay> tree_rows;  // over store->TreeRows(): the rows not flushed yet
  std::unique_ptr<state::StoredStateTree> tree;      // over tree_rows
  std::unique_ptr<NodeApplication> app;
  std::unique_ptr<consensus::Machine> machine;
  std::unique_ptr<Mempool> mempool;
  std::vector<chain::TxBatch> restored_batches;  // own batches of pre-crash proposals, re-sent at Start
  chain::EpochState testing_rules;  // testing_byzantine "omit-reader": the rules its mempool believes
  std::uint64_t head_height = 0;
  std::uint64_t committed_ops = 0;
  // A9: private records sealed to this member that did not open when read (the writer's fault),
  // newest last, at most kMaxUnreadableAlerts. Shown in the status until the node restarts.
  static constexpr std::size_t kMaxUnreadableAlerts = 64;
  mutable std::vector<AlertView> unreadable;

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  asio::steady_timer timer{io};
  std::uint64_t timer_due_ms = 0;  // when the armed timer fires (0 = not armed)
  std::thread thread;
  std::unique_ptr<net::PeerNetwork> network;    // absent in a single-member consortium
  Hash32 network_pubkey{};                      // the key the transport authenticates with
  std::uint64_t last_peer_ms = 0;               // when a peer was last seen connected (key swap)
  static constexpr std::uint64_t kKeySwapAfterMs = 5000;
  std::unique_ptr<Anchoring> anchoring;         // when [anchor] enabled; uses io, so declared after it
  bool stopped = false;  // node thread only
  bool seal_posted = false;  // a ScheduleSeal handler is queued
  bool started = false;  // set by Start() before the node thread runs; a node never started commits nothing
  // Set by Stop() before it posts its last handler. Service calls post only while it is unset, and
  // fail at once after, so no callback is left in a queue that will never run again.
  std::mutex post_mu;
  bool closed = false;  // guarded by post_mu

  Impl(NodeConfig c, const util::Clock& clk) : config(std::move(c)), clock(clk) {}
  const chain::Config& cfg() const { return consortium.genesis.config; }
  // The config in force at the next height (the epoch state of the committed head).
  const chain::Config& current() const { return app->epoch().config; }
  // The key the config in force names for this member (key or next_key; key when neither).
  const crypto::SigningKey& CurrentKey() const;
  // Checks this node's key(s) against the config in force and logs what this member is there.
  Status CheckIdentity() const;

  // node.cpp
  Status Load();
  Status LoadTree();
  Status BuildTreeOnce();
  Result<consensus::Snapshot> LoadSnapshot();
  void RestoreOwnBatches(const std::vector<chain::Proposal>& candidates);
  template <class T, class Fn>
  void Post(Callback<T>& done, Fn&& fn);

  // Validates ops, seals private values and adds them to the open batch (Service::Submit).
  void SubmitOps(std::vector<chain::Op> ops, Callback<SubmitReceipt> done);
  // Signs the mempool's open batch once the client requests queued now have joined it.
  void ScheduleSeal();

  // node_private.cpp
  Result<Bytes> MakeDisclosure(const std::string& ns, const std::string& key, std::uint64_t version) const;
  Result<std::vector<chain::ProvenBlock>> GovernanceBelow(std::uint64_t height) const;
  // The anchor a disclosure of a record at `height` carries (node_private.cpp).
  Result<std::optional<chain::AnchorProof>> AnchorProofFor(std::uint64_t height) const;

  // node_consensus.cpp
  Status StartNetwork();
  void Step(const consensus::Event& event);
  void Execute(std::vector<consensus::Action> actions);
  void ArmTimer();
  void OnFrame(chain::MemberId from, std::uint8_t type, ByteSpan body);
  void SendMessage(std::optional<chain::MemberId> to, const consensus::PeerMessage& msg);
  void RaiseStatus(std::uint64_t height, consensus::BlockStatus status);
  // Hands the machine's exclusions (X_m) to anchoring, which judges checkpoints under them.
  void ShareExclusions();
  // A config change took effect: logs it and gives the transport the new member list.
  void OnEpochChanged(const consensus::EpochChanged& change);
  void MaybeSwapTransportKey();

  // node_changes.cpp
  ChangesView MakeChanges() const;
  std::optional<ChangeView> MakeChangeView(const consensus::MachineView& mv) const;

  // node_views.cpp
  StatusView MakeStatus() const;
  Result<ValueView> Read(const std::string& ns, const std::string& k, store::BlockStatus min_status) const;
  // Opens a stored version for this member in place (private_records.h) under the rule in force at
  // its height; a version that does not open is the writer's fault and is logged naming it.
  Result<PrivateView> OpenVersion(store::HistoryEntry& e) const;
  // Raises A9 UNREADABLE_RECORD naming the writer and the block (once per record).
  void NoteUnreadable(const store::HistoryEntry& e, const std::string& why) const;
  Result<std::vector<EvidenceView>> Evidence() const;
};

template <class T, class Fn>
void Node::Impl::Post(Callback<T>& done, Fn&& fn) {
  std::unique_lock lock(post_mu);
  if (closed) {
    lock.unlock();
    done(Error{Errc::kUnavailable, "node is stopped"});
    return;
  }
  asio::post(io, std::forward<Fn>(fn));
}

}  // namespace peerdb::node
