// Members-only peer transport (PROTOCOL.md §1.1.8, §6.1; ARCHITECTURE.md `net`): TLS 1.3 over TCP,
// mutually authenticated, with each member's TLS identity bound to its consortium signing key:
// a node presents a self-signed Ed25519 certificate made from its member key, and accepts a peer
// only if the peer's certificate key is the key of a member of its consortium and the peer's hello
// names the same chain id and that member's id. Anything else is refused at the handshake and logged.
//
// Frames are `u32 len || u8 type || body`; a frame above max_frame_bytes closes the connection.
// The transport does not decode bodies: it delivers (member, type, body) and the node decodes.
// Full mesh: the node dials every member listed with an address and accepts the others; when two
// connections to one member exist, the one dialled by the lower member id is kept. Lost connections
// are redialled with exponential backoff. Each peer has a bounded send queue (oldest frames of a
// stalled peer are dropped, never the process's memory) and a receive rate limit; a peer that
// exceeds it, or that the node penalises too often, is disconnected for a while.
//
// Thread-safety: all methods must be called on the io_context's thread (the node thread); handler
// callbacks run there too.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/crypto/ed25519.h"
#include "peerdb/util/result.h"

namespace peerdb::net {

struct PeerEndpoint {
  chain::MemberId id = 0;
  Hash32 pubkey{};          // the member's Ed25519 key from the consortium
  std::string address;      // "host:port"; empty = this member only dials us
};

struct NetworkConfig {
  Hash32 chain_id{};
  chain::MemberId self = 0;
  std::string listen;                        // "host:port" this node accepts peers on
  std::vector<PeerEndpoint> members;         // every other member of the consortium
  std::size_t max_frame_bytes = (8u << 20) + (64u << 10);  // max_block_bytes + 64 KiB (§1.1.8)
  std::size_t max_queue_bytes = 64u << 20;   // per peer, outbound
  std::uint64_t max_frames_per_sec = 20'000; // per peer, inbound, averaged over a second
  std::uint64_t max_bytes_per_sec = 64u << 20;
  std::uint64_t handshake_timeout_ms = 5'000;
  std::uint64_t idle_timeout_ms = 30'000;    // no frame (the node sends status at least every few s)
  std::uint64_t min_backoff_ms = 100;
  std::uint64_t max_backoff_ms = 10'000;
  std::uint32_t penalty_limit = 100;         // penalties before a ban
  std::uint64_t ban_ms = 60'000;
};

struct NetworkHandler {
  std::function<void(chain::MemberId from, std::uint8_t type, ByteSpan body)> on_frame;
  std::function<void(chain::MemberId peer)> on_connected;
  std::function<void(chain::MemberId peer)> on_disconnected;
};

struct PeerInfo {
  chain::MemberId id = 0;
  bool connected = false;
  std::uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0;
  std::uint32_t penalties = 0;
  std::string last_error;   // why the last connection attempt or session ended
  std::uint64_t frames_dropped = 0;  // not sent: peer not connected, or oldest dropped from a full queue
  std::size_t queued_bytes = 0;      // outbound, queued + being written; never above max_queue_bytes
  bool banned = false;               // rate limit or penalty_limit exceeded within the last ban_ms
};

class PeerNetwork {
 public:
  // Builds the TLS contexts (certificate from `key`). kConfig on a bad listen address.
  static Result<std::unique_ptr<PeerNetwork>> Create(boost::asio::io_context& io, NetworkConfig config,
                                                     const crypto::SigningKey& key, NetworkHandler handler);
  virtual ~PeerNetwork() = default;

  // Binds the listener (kIo if the port is taken) and starts dialling.
  virtual Status Start() = 0;
  virtual void Stop() = 0;

  // Queues a frame; dropped (and counted) when the peer is not connected.
  virtual void Send(chain::MemberId to, std::uint8_t type, Bytes body) = 0;
  virtual void Broadcast(std::uint8_t type, const Bytes& body) = 0;
  // The node found a frame from `peer` invalid: counted; past penalty_limit the peer is banned.
  virtual void Penalise(chain::MemberId peer, const std::string& reason) = 0;

  virtual std::vector<PeerInfo> Peers() const = 0;
  virtual bool IsConnected(chain::MemberId peer) const = 0;
  // The bound port (useful with port 0 in tests).
  virtual std::uint16_t ListenPort() const = 0;
};

}  // namespace peerdb::net
