// Members-only peer transport (PROTOCOL.md §1.1.8, §6.1; ARCHITECTURE.md `net`): TLS 1.3 over TCP,
// mutually authenticated, with each member's TLS identity bound to its consortium signing key.
//
// Identity: the node builds an Ed25519 key in OpenSSL from its member seed and a self-signed X.509
// certificate over it, in memory (internal/tls_identity.h). Both sides require a peer certificate
// (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT); the verify callback ignores the CA chain and
// accepts only a leaf whose raw Ed25519 key is a member's in the current member list
// (NetworkConfig.members, later SetMembers; when dialling: the key of the member dialled). A
// non-member, a plain TCP client or a TLS client without a member certificate fails the
// handshake, in both directions. Then each side sends a Hello frame
// {u16 version; B32 chain_id; u32 member_id} (frame.h) and checks the peer's: same chain id, and the
// member whose key the certificate carries. Any refusal is closed and logged
// ("net: refused <who>: <reason>").
//
// Frames are `u32 len || u8 type || body` (len = type + body); len 0 or above max_frame_bytes closes
// the connection and counts a penalty. Type 0 is the transport's (Hello, then empty keepalives sent
// after idle_timeout_ms / 4 without sending); node messages use types 1.. and are delivered as
// (member, type, body) in the order sent: the transport does not decode bodies.
//
// Full mesh: the node dials every member listed with an address and accepts the others; when two
// sessions to one member exist, the one dialled by the lower member id is kept (both ends decide
// alike; a newer session dialled by the same side replaces the older, whose unsent frames move to
// it). A member dials lower ids a little later than higher ones so that the pair seldom dials both
// ways. Lost connections and failed dials are retried with exponential backoff (min_backoff_ms ..
// max_backoff_ms, jittered), for as long as the network runs.
//
// Member changes: SetMembers replaces the list of other members. A member no longer listed is
// disconnected at once (its sessions closed, queued frames dropped, on_disconnected fired if it was
// connected, its counters forgotten) and refused from then on like any non-member. A new member is
// dialled (if it has an address) and admitted. A member whose key changed is disconnected the same
// way and dialled again: only its new key is admitted from then on. A member whose address changed
// is dialled at the new address, and a session we dialled to the old one is closed (on_disconnected,
// then reconnect); a session the member dialled to us stays, since the key, not the address,
// proves who it is. Members whose key and address are unchanged keep their sessions, queues and
// counters. A handshake under way when the list changes is refused when it completes if its key is
// no longer its member's. SetOwnKey makes new handshakes (dials and accepts) present a certificate
// over the new key; established sessions are not closed: the key was proven at their handshake,
// and each peer drops the session itself when its own member list takes our new key, then
// reconnects and sees the new certificate. Dials under way are restarted with the new key, and
// members not connected are dialled again as at Start instead of after their backoff. A ban stays
// with the member id across a key or address change. SetMaxFrameBytes follows a change of
// max_block_bytes: the new frame limit applies at once to every session, established ones included
// (no reconnect), and to those opened later.
//
// Limits per peer: handshake_timeout_ms for TCP + TLS + Hello; idle_timeout_ms without a received
// frame, or with a write the peer does not take; a token bucket on inbound frames and bytes per
// second (over it: disconnect and ban for ban_ms); a bounded outbound queue (queued + in flight
// never above max_queue_bytes: the oldest frames are dropped and counted, never the process's
// memory); penalty_limit penalties (Penalise or bad frames) ban for ban_ms; at most 64 inbound
// connections in the handshake at once. A banned member is neither dialled nor admitted.
//
// Thread-safety: all methods must be called on the io_context's thread (the node thread), which
// must be a single thread; handler callbacks run there too. No exception escapes: socket errors are
// error codes, and an exception thrown by a handler callback is caught and logged. Stop() (or
// destruction) closes every socket and timer at once; handlers still queued then find nothing to do.
// Destroy the PeerNetwork before its io_context.
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
  std::vector<PeerEndpoint> members;         // every other member of the consortium (SetMembers changes it)
  // max_block_bytes + 64 KiB (§1.1.8); SetMaxFrameBytes changes it
  std::size_t max_frame_bytes = (8u << 20) + (64u << 10);
  std::size_t max_queue_bytes = 64u << 20;   // per peer, outbound (SetMaxFrameBytes raises it to hold a frame)
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

  // The member set changed (an epoch boundary, PROTOCOL.md §5.3): `members` is every other member
  // now, and replaces NetworkConfig::members (see "Member changes" above). Entries naming this
  // node, an id already listed or a key already listed are logged and ignored.
  virtual void SetMembers(std::vector<PeerEndpoint> members) = 0;
  // This node's signing key changed: new handshakes present a certificate over `key`. Established
  // sessions stay (see "Member changes" above). If OpenSSL cannot build the certificate (it does not
  // fail on a valid key), the error is logged and the old key stays.
  virtual void SetOwnKey(const crypto::SigningKey& key) = 0;
  // The consortium's max_block_bytes changed (an epoch boundary): from now on frames up to `bytes`
  // are accepted and sent, on established sessions too (see "Member changes" above); max_queue_bytes
  // rises to hold one such frame if it is smaller. A value below 64 (which Create refuses) is logged
  // and ignored: the old limit stays.
  virtual void SetMaxFrameBytes(std::size_t bytes) = 0;
};

}  // namespace peerdb::net
