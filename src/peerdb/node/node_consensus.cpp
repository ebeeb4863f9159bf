// Node: drives the consensus machine. Every event (a peer frame, a client batch, a timer) goes
// through Step(); the machine's actions run in order right after, on the node thread. The machine
// persisted everything it signed through NodeApplication before returning, so the Send/Broadcast
// actions executed here never carry a signature the disk does not hold (S5).
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include "peerdb/net/frame.h"
#include "peerdb/node/node_impl.h"
#include "peerdb/node/node_setup.h"

namespace peerdb::node {
namespace {

std::string MemberLabel(const chain::Config& cfg, chain::MemberId id) {
  const chain::Member* m = cfg.FindMember(id);
  if (!m) return "member " + std::to_string(id);
  return "member " + std::to_string(id) + " (" + m->name + ", contact: " + m->contact + ")";
}

// One-line summaries for the trace log: which event, which actions (message types by name).
std::string Describe(const consensus::Event& event) {
  return std::visit(
      [](const auto& e) -> std::string {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, consensus::Received>) {
          return std::string(consensus::MsgTypeName(consensus::TypeOf(e.msg))) + " from " + std::to_string(e.from);
        } else if constexpr (std::is_same_v<E, consensus::LocalBatch>) {
          return "local batch";
        } else if constexpr (std::is_same_v<E, consensus::Tick>) {
          return "tick";
        } else if constexpr (std::is_same_v<E, consensus::PeerConnected>) {
          return "connected " + std::to_string(e.peer);
        } else if constexpr (std::is_same_v<E, consensus::PeerDisconnected>) {
          return "disconnected " + std::to_string(e.peer);
        } else {
          return "approve change " + Hex(e.change_id).substr(0, 16);
        }
      },
      event);
}

std::string Describe(const std::vector<consensus::Action>& actions) {
  std::string out;
  for (const consensus::Action& action : actions) {
    if (!out.empty()) out += ", ";
    std::visit(
        [&out](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, consensus::Send>) {
            out += std::string(consensus::MsgTypeName(consensus::TypeOf(a.msg))) + " to " + std::to_string(a.to);
          } else if constexpr (std::is_same_v<A, consensus::Broadcast>) {
            out += std::string(consensus::MsgTypeName(consensus::TypeOf(a.msg))) + " to all";
          } else if constexpr (std::is_same_v<A, consensus::Committed>) {
            out += "committed " + std::to_string(a.height);
          } else if constexpr (std::is_same_v<A, consensus::StatusRaised>) {
            out += "status " + std::to_string(a.height) + "=" + std::to_string(static_cast<int>(a.status));
          } else if constexpr (std::is_same_v<A, consensus::AlertRaised>) {
            out += "alert " + std::string(consensus::AlertCode(a.alert.kind));
          } else if constexpr (std::is_same_v<A, consensus::AlertCleared>) {
            out += "cleared " + std::string(consensus::AlertCode(a.alert.kind));
          } else if constexpr (std::is_same_v<A, consensus::Penalise>) {
            out += "penalise " + std::to_string(a.peer);
          } else if constexpr (std::is_same_v<A, consensus::BatchDropped>) {
            out += "batch dropped";
          } else {
            out += "epoch " + std::to_string(a.config.epoch) + " from " + std::to_string(a.start_height);
          }
        },
        action);
  }
  return out.empty() ? "nothing" : out;
}

}  // namespace

Status Node::Impl::StartNetwork() {
  PEERDB_TRY_ASSIGN(std::optional<net::NetworkConfig> nc, PeerNetworkConfigFor(config, consortium, self, &app->epoch()));
  if (!nc) return Status::Ok();
  nc->max_frame_bytes = std::max(nc->max_frame_bytes, MaxFrameBytesFor(app->epochs()));
  nc->max_queue_bytes = std::max(nc->max_queue_bytes, nc->max_frame_bytes + net::kFrameHeaderBytes);
  net::NetworkHandler h;
  h.on_frame = [this](chain::MemberId from, std::uint8_t type, ByteSpan body) { OnFrame(from, type, body); };
  h.on_connected = [this](chain::MemberId peer) { Step(consensus::PeerConnected{peer}); };
  h.on_disconnected = [this](chain::MemberId peer) { Step(consensus::PeerDisconnected{peer}); };
  PEERDB_TRY_ASSIGN(network, net::PeerNetwork::Create(io, *nc, CurrentKey(), std::move(h)));
  network_pubkey = CurrentKey().public_key();
  PEERDB_TRY(network->Start());
  spdlog::info("node: peer transport on {} (port {}), {} other members", nc->listen, network->ListenPort(),
               nc->members.size());
  return Status::Ok();
}

void Node::Impl::OnFrame(chain::MemberId from, std::uint8_t type, ByteSpan body) {
  if (stopped) return;
  auto msg = consensus::DecodeMessage(type, body);
  if (!msg.ok()) {
    const std::string reason = "undecodable frame of type " + std::to_string(type) + ": " + msg.error().message;
    spdlog::warn("node: dropped a message from {}: {}", MemberLabel(current(), from), reason);
    if (network) network->Penalise(from, reason);
    return;
  }
  Step(consensus::Received{from, std::move(*msg)});
}

void Node::Impl::Step(const consensus::Event& event) {
  if (stopped) return;
  if (!spdlog::should_log(spdlog::level::trace)) {
    Execute(machine->Step(event, clock.NowMs()));
    ArmTimer();
    return;
  }
  // Trace: where a step's time goes (bench/latency_budget.py lines the members' logs up by the
  // wall-clock start, in microseconds).
  using std::chrono::duration_cast, std::chrono::microseconds;
  const auto wall = duration_cast<microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto t0 = std::chrono::steady_clock::now();
  auto actions = machine->Step(event, clock.NowMs());
  const auto t1 = std::chrono::steady_clock::now();
  const std::string what = Describe(event) + " -> " + Describe(actions);
  Execute(std::move(actions));
  const auto t2 = std::chrono::steady_clock::now();
  spdlog::trace("node: step {} (at {} us, machine {} us, actions {} us)", what, wall,
                duration_cast<microseconds>(t1 - t0).count(), duration_cast<microseconds>(t2 - t1).count());
  ArmTimer();
}

void Node::Impl::ArmTimer() {
  const std::uint64_t now = clock.NowMs();
  const std::uint64_t due = std::max(machine->NextWakeupMs(), now + 1);
  // Re-arm only when the wake-up moves earlier; a later or equal one is served by the armed timer
  // (whose Tick re-arms). This keeps a busy node from cancelling its timer on every message.
  if (timer_due_ms != 0 && timer_due_ms <= due) return;
  timer_due_ms = due;
  timer.expires_after(std::chrono::milliseconds(std::min<std::uint64_t>(due - now, 1000)));
  timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped) return;
    timer_due_ms = 0;
    MaybeSwapTransportKey();
    Step(consensus::Tick{});
  });
}

void Node::Impl::SendMessage(std::optional<chain::MemberId> to, const consensus::PeerMessage& msg) {
  if (!network) return;
  const auto type = static_cast<std::uint8_t>(consensus::TypeOf(msg));
  Bytes body = consensus::EncodeMessage(msg);
  if (to) {
    network->Send(*to, type, std::move(body));
  } else {
    network->Broadcast(type, body);
  }
}

void Node::Impl::RaiseStatus(std::uint64_t height, consensus::BlockStatus status) {
  auto stored = store->LoadBlockStatus(height);
  if (!stored.ok() || !*stored) return;
  // Anchoring owns ANCHORED and FINAL; the machine never lowers a status.
  if (**stored < status) {
    if (Status s = store->UpdateBlockStatus(height, status); !s.ok()) {
      spdlog::error("node: cannot record status of block {}: {}", height, s.error().ToString());
    }
  }
  if (status >= consensus::BlockStatus::kUnanimous && anchoring) {
    auto header = store->LoadHeader(height);
    if (header.ok() && *header) anchoring->OnHead(height, (*header)->timestamp_ms);
  }
}

void Node::Impl::OnEpochChanged(const consensus::EpochChanged& change) {
  std::string who;
  for (const chain::Member& m : change.config.members) who += (who.empty() ? "" : ", ") + std::to_string(m.id) + " " + m.name;
  spdlog::warn("node: epoch {} in force from height {} ({} members: {})", change.config.epoch, change.start_height,
               change.config.members.size(), who);
  mempool->SetKey(CurrentKey());
  if (anchoring) anchoring->SetEpochs(app->epochs());
  if (!change.config.FindMember(self)) {
    spdlog::warn("node: member {} is no longer a member from height {}: the others refuse this node from now on",
                 self, change.start_height);
  }
  if (network) {
    network->SetMembers(PeerEndpointsFor(consortium, app->epoch(), self));
    // A raised max_block_bytes: blocks and sync responses beyond the old frame limit must pass. A
    // lowered one keeps the limit: members catching up still fetch the older, larger blocks.
    network->SetMaxFrameBytes(MaxFrameBytesFor(app->epochs()));
    if (CurrentKey().public_key() != network_pubkey) {
      network_pubkey = CurrentKey().public_key();
      network->SetOwnKey(CurrentKey());
    }
  }
}

// A member that rotates its key and is down when the rotation activates restarts behind it: its
// chain still names the old key, while the others accept only the new one, so it could never catch
// up to learn of the rotation. With next_key configured and no peer reachable for a while, the
// transport tries the other key; the chain, not this guess, decides which key signs.
void Node::Impl::MaybeSwapTransportKey() {
  if (!network || !next_key) return;
  const std::uint64_t now = clock.NowMs();
  bool any = false;
  for (const net::PeerInfo& p : network->Peers()) any = any || p.connected;
  if (any || last_peer_ms == 0) {
    last_peer_ms = now;
    return;
  }
  if (now - last_peer_ms < kKeySwapAfterMs) return;
  last_peer_ms = now;
  const crypto::SigningKey& other =
      network_pubkey == key->signing.public_key() ? next_key->signing : key->signing;
  spdlog::warn("node: no member accepted this node for {} s; the transport tries the other key ({}...)",
               kKeySwapAfterMs / 1000, Hex(other.public_key()).substr(0, 16));
  network_pubkey = other.public_key();
  network->SetOwnKey(other);
}

void Node::Impl::ShareExclusions() {
  if (!anchoring) return;
  std::vector<chain::MemberId> excluded;
  for (const consensus::MemberView& m : machine->View().members) {
    if (m.excluded) excluded.push_back(m.id);
  }
  anchoring->SetExcluded(std::move(excluded));
}

void Node::Impl::Execute(std::vector<consensus::Action> actions) {
  // Clients are answered after the whole step, so a receipt shows the status the block reached in
  // it (a single member's block becomes UNANIMOUS in the step that commits it).
  std::vector<consensus::Committed> committed;
  std::vector<chain::TxBatch> retried;  // replacements for dropped batches of ours
  for (consensus::Action& action : actions) {
    std::visit(
        [this, &committed, &retried](auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, consensus::Send>) {
            SendMessage(a.to, a.msg);
          } else if constexpr (std::is_same_v<A, consensus::Broadcast>) {
            SendMessage(std::nullopt, a.msg);
            // Test networks only: a member that also seals a conflicting block at every height.
            if (config.testing_byzantine == "double-seal") {
              if (const auto* seal = std::get_if<chain::Seal>(&a.msg)) {
                chain::Seal evil = *seal;
                evil.block_id[0] ^= 0xff;
                chain::SignWith(key->signing, chain_id, evil);
                SendMessage(std::nullopt, evil);
              }
            }
          } else if constexpr (std::is_same_v<A, consensus::Committed>) {
            if (a.status > consensus::BlockStatus::kMajority) RaiseStatus(a.height, a.status);
            committed.push_back(a);
            spdlog::debug("node: committed block {} ({})", a.height, Hex(a.id).substr(0, 16));
          } else if constexpr (std::is_same_v<A, consensus::StatusRaised>) {
            RaiseStatus(a.height, a.status);
          } else if constexpr (std::is_same_v<A, consensus::AlertRaised>) {
            std::string who;
            for (chain::MemberId m : a.alert.members) who += (who.empty() ? "" : "; ") + MemberLabel(current(), m);
            const auto level = consensus::SeverityOf(a.alert.kind) >= consensus::Severity::kCritical
                                   ? spdlog::level::critical
                                   : spdlog::level::warn;
            spdlog::log(level, "node: ALERT {}: {} [blocks {}..{}] {}", consensus::AlertCode(a.alert.kind), a.alert.detail,
                        a.alert.from_height, a.alert.to_height, who.empty() ? "" : "involves " + who);
            if (a.alert.kind == consensus::AlertKind::kEquivocation) ShareExclusions();
          } else if constexpr (std::is_same_v<A, consensus::AlertCleared>) {
            spdlog::info("node: alert {} cleared", consensus::AlertCode(a.alert.kind));
          } else if constexpr (std::is_same_v<A, consensus::Penalise>) {
            spdlog::warn("node: penalised {}: {}", MemberLabel(current(), a.peer), a.reason);
            if (network) network->Penalise(a.peer, a.reason);
          } else if constexpr (std::is_same_v<A, consensus::BatchDropped>) {
            if (a.batch.author == self) {
              // Its requests that still execute go out again, once this step's actions are done.
              for (chain::TxBatch& b : mempool->OnDropped(a.batch, a.reason)) retried.push_back(std::move(b));
            }
          } else if constexpr (std::is_same_v<A, consensus::EpochChanged>) {
            OnEpochChanged(a);
          }
        },
        action);
  }
  for (const consensus::Committed& c : committed) {
    auto b = store->LoadBlock(c.height);
    if (!b.ok() || !*b) continue;
    committed_ops += mempool->OnCommitted((*b)->block, c.id, std::max((*b)->status, store::BlockStatus::kMajority));
  }
  if (!retried.empty()) {
    asio::post(io, [this, retried = std::move(retried)]() mutable {
      if (stopped) return;
      for (chain::TxBatch& b : retried) Step(consensus::LocalBatch{std::move(b)});
    });
  }
}

}  // namespace peerdb::node
