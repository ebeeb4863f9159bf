// One TLS connection to (possibly) a member: connect or accept, TLS 1.3 handshake with the member
// key check in the verify callback, Hello exchange, then a framed read loop and a bounded write
// queue. The session decides nothing about the mesh: it reports "established", frames and its
// close (with a CloseKind) to the owner through SessionHooks, and the owner keeps or closes it.
//
// Limits enforced here: handshake_timeout_ms for connect + TLS + Hello; idle_timeout_ms with no
// frame received (the session sends a keepalive after idle/4 without sending) or with a write
// that does not complete; frame length 0 or above max_frame_bytes; inbound token buckets on
// frames and bytes per second; the outbound queue (queued + in flight) never above
// max_queue_bytes: the oldest queued frames are dropped first and counted.
// Thread-safety: none. Every method and handler runs on the io_context's (single) thread.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "peerdb/chain/config.h"
#include "peerdb/net/internal/token_bucket.h"
#include "peerdb/util/bytes.h"

namespace peerdb::net::internal {

enum class CloseKind {
  kLocal,     // the owner closed it (duplicate, ban, stop)
  kRefused,   // TLS or Hello refused: not a member, other chain, wrong member, no certificate
  kRemote,    // the peer closed it or the connection failed
  kTimeout,   // handshake, idle or stalled write
  kProtocol,  // a frame the transport does not accept (length 0, too large, unexpected type 0)
  kFlood,     // over the inbound rate limit
};

struct SessionLimits {
  std::size_t max_frame_bytes = 0;
  std::size_t max_queue_bytes = 0;
  std::uint64_t max_frames_per_sec = 0;
  std::uint64_t max_bytes_per_sec = 0;
  std::uint64_t handshake_timeout_ms = 0;
  std::uint64_t idle_timeout_ms = 0;
};

class Session;

struct SessionHooks {
  // The member whose consortium key this is, or nullopt for a non-member.
  std::function<std::optional<chain::MemberId>(const Hash32& key)> member_of_key;
  // Why this member may not connect now (banned), or "" to admit it. Asked before our Hello is sent.
  std::function<std::string(chain::MemberId member)> refusal;
  // Both Hellos exchanged and checked. The owner may Close() the session from here.
  std::function<void(const std::shared_ptr<Session>&)> on_established;
  std::function<void(Session&, std::uint8_t type, ByteSpan body)> on_frame;
  // Called once, from Close(). The session is still alive during the call.
  std::function<void(Session&, const std::string& reason, CloseKind kind)> on_closed;
};

struct SessionCounters {
  std::uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0, frames_dropped = 0;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Clock = std::chrono::steady_clock;

  // `expected` is the member dialled (outbound) or nullopt (inbound: any member).
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls, const SessionLimits& limits,
          const Hash32& chain_id, chain::MemberId self, std::optional<chain::MemberId> expected, SessionHooks hooks);

  // Outbound: resolve "host", connect, handshake as client. Inbound: handshake as server.
  void Dial(const std::string& host, const std::string& port);
  void Accept();

  // Queues one encoded frame (EncodeFrame); dropped and counted if closed or if it cannot fit.
  // Frames still queued when the session closes are dropped and counted too.
  void Enqueue(Bytes frame);
  // Moves the not yet written frames to `other` (when it replaces this session).
  void HandQueueTo(Session& other);
  void Close(const std::string& reason, CloseKind kind);
  // The frame limit changed (an epoch changed max_block_bytes): frames up to `bytes` are read and
  // queued from now on. The queue bound rises to hold one such frame if it is smaller, and the
  // inbound byte bucket to hold one. Frames already queued stay.
  void SetMaxFrameBytes(std::size_t bytes);

  bool outbound() const { return m_expected.has_value(); }
  // The member dialled (outbound only).
  std::optional<chain::MemberId> expected() const { return m_expected; }
  bool open() const { return m_state == State::kOpen; }
  bool closed() const { return m_state == State::kClosed; }
  // Hellos were exchanged at some point (the session is or was open).
  bool was_open() const { return m_was_open; }
  // The member proven by the certificate (set after the TLS handshake).
  std::optional<chain::MemberId> peer() const { return m_peer; }
  // The certificate's Ed25519 key that proved it (set with peer()); the owner checks it is still
  // that member's key when the member list may have changed during the handshake.
  std::optional<Hash32> peer_key() const { return m_peer_key; }
  const std::string& remote() const { return m_remote; }
  const SessionCounters& counters() const { return m_counters; }
  // Queued plus in-flight bytes.
  std::size_t queued_bytes() const { return m_queued_bytes + m_out.size(); }

 private:
  enum class State { kConnecting, kHandshaking, kHello, kOpen, kClosed };

  void StartDeadline();
  void OnTimer();
  void Handshake();
  // Someone spoke HTTP to this TLS port (a CLI or curl given the peer address instead of the API):
  // one plain HTTP answer saying what this port is, then close.
  void AnswerPlainHttp();
  void OnHandshake(const boost::system::error_code& ec);
  bool VerifyCertificate(bool preverified, boost::asio::ssl::verify_context& ctx);
  void ReadHeader();
  void OnHeader(const boost::system::error_code& ec);
  void OnBody(const boost::system::error_code& ec);
  void OnHello(ByteSpan body);
  void StartWrite();
  void OnWrite(const boost::system::error_code& ec);
  void FailIo(const char* what, const boost::system::error_code& ec);

  std::shared_ptr<boost::asio::ssl::context> m_tls;  // outlives m_stream, whatever the owner does
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> m_stream;
  boost::asio::ip::tcp::resolver m_resolver;
  boost::asio::steady_timer m_timer;
  std::array<char, 4> m_peek{};  // an inbound connection's first bytes, left in the socket
  SessionLimits m_limits;
  Hash32 m_chain_id;
  chain::MemberId m_self;
  std::optional<chain::MemberId> m_expected;
  SessionHooks m_hooks;

  State m_state = State::kConnecting;
  bool m_was_open = false;
  std::optional<chain::MemberId> m_peer;
  std::optional<Hash32> m_peer_key;
  std::string m_remote;
  std::string m_refusal;  // why the verify callback refused the certificate

  std::array<std::uint8_t, 4> m_header{};
  Bytes m_body;
  TokenBucket m_frame_bucket;
  TokenBucket m_byte_bucket;
  Clock::time_point m_last_rx;
  Clock::time_point m_last_tx;
  Clock::time_point m_write_started;

  std::deque<Bytes> m_queue;
  std::size_t m_queued_bytes = 0;  // in m_queue
  Bytes m_out;                     // the batch being written
  std::uint64_t m_out_frames = 0;
  bool m_writing = false;
  SessionCounters m_counters;
};

}  // namespace peerdb::net::internal
