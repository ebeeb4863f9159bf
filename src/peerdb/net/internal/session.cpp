#include "peerdb/net/internal/session.h"

#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <exception>

#include "peerdb/net/frame.h"
#include "peerdb/net/internal/tls_identity.h"

namespace peerdb::net::internal {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

constexpr std::size_t kMaxWriteBatch = 256u << 10;

std::chrono::milliseconds Ms(std::uint64_t ms) { return std::chrono::milliseconds(static_cast<std::int64_t>(ms)); }

// The inbound byte bucket holds at least one maximum frame, else such a frame could never pass.
double ByteBurst(const SessionLimits& limits) {
  return static_cast<double>(
      std::max<std::uint64_t>(limits.max_bytes_per_sec, limits.max_frame_bytes + kFrameHeaderBytes));
}

std::string Endpoint(const asio::ip::tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string(ec) + ":" + std::to_string(ep.port());
}

}  // namespace

Session::Session(asio::ip::tcp::socket socket, std::shared_ptr<ssl::context> tls, const SessionLimits& limits,
                 const Hash32& chain_id, chain::MemberId self, std::optional<chain::MemberId> expected,
                 SessionHooks hooks)
    : m_tls(std::move(tls)),
      m_stream(std::move(socket), *m_tls),
      m_resolver(m_stream.get_executor()),
      m_timer(m_stream.get_executor()),
      m_limits(limits),
      m_chain_id(chain_id),
      m_self(self),
      m_expected(expected),
      m_hooks(std::move(hooks)),
      m_frame_bucket(static_cast<double>(limits.max_frames_per_sec), static_cast<double>(limits.max_frames_per_sec),
                     Clock::now()),
      m_byte_bucket(static_cast<double>(limits.max_bytes_per_sec), ByteBurst(limits), Clock::now()) {
  m_last_rx = m_last_tx = Clock::now();
}

namespace {
constexpr const char* kPeerPortMessage =
    R"({"error":{"code":"malformed","message":"reached a PeerDB peer port (members talk TLS here), not the HTTP API: use the node's api_listen address, which it writes to data_dir/api.url"}})";
}  // namespace

void Session::StartDeadline() {
  m_timer.expires_after(Ms(m_limits.handshake_timeout_ms));
  m_timer.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec != asio::error::operation_aborted) self->OnTimer();
  });
}

void Session::Dial(const std::string& host, const std::string& port) {
  m_remote = host + ":" + port;
  StartDeadline();
  m_resolver.async_resolve(host, port, [self = shared_from_this()](const error_code& ec,
                                                                   const asio::ip::tcp::resolver::results_type& results) {
    if (self->closed()) return;
    if (ec) return self->FailIo("resolve", ec);
    asio::async_connect(self->m_stream.lowest_layer(), results,
                        [self](const error_code& cec, const asio::ip::tcp::endpoint&) {
                          if (self->closed()) return;
                          if (cec) return self->FailIo("connect", cec);
                          self->Handshake();
                        });
  });
}

void Session::Accept() {
  m_remote = Endpoint(m_stream.next_layer());
  StartDeadline();
  // Peeked, not read: a TLS client's bytes stay for the handshake. A TLS record never starts with
  // an HTTP method's letters.
  m_stream.next_layer().async_receive(
      asio::buffer(m_peek), asio::socket_base::message_peek, [self = shared_from_this()](const error_code& ec, std::size_t n) {
        if (self->closed()) return;
        if (ec) return self->FailIo("read", ec);
        const std::string_view first(self->m_peek.data(), n);
        for (std::string_view method : {"GET ", "POST", "HEAD", "PUT ", "DELE", "OPTI", "PATC"}) {
          if (first == method) return self->AnswerPlainHttp();
        }
        self->Handshake();
      });
}

void Session::AnswerPlainHttp() {
  static const std::string kAnswer =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
      std::to_string(std::string_view(kPeerPortMessage).size()) + "\r\n\r\n" + kPeerPortMessage;
  asio::async_write(m_stream.next_layer(), asio::buffer(kAnswer), [self = shared_from_this()](const error_code&, std::size_t) {
    self->Close("an HTTP request on the peer port (answered with where the API is)", CloseKind::kRefused);
  });
}

void Session::Handshake() {
  m_state = State::kHandshaking;
  error_code ec;
  m_stream.next_layer().set_option(asio::ip::tcp::no_delay(true), ec);
  m_stream.set_verify_callback(
      [this](bool preverified, ssl::verify_context& ctx) { return VerifyCertificate(preverified, ctx); }, ec);
  if (ec) return FailIo("tls setup", ec);
  m_stream.async_handshake(outbound() ? ssl::stream_base::client : ssl::stream_base::server,
                           [self = shared_from_this()](const error_code& hec) { self->OnHandshake(hec); });
}

// The CA chain means nothing here (every certificate is self-signed): the leaf's Ed25519 key must be
// a member's key, and when dialling, the key of the member dialled.
bool Session::VerifyCertificate(bool /*preverified*/, ssl::verify_context& ctx) {
  X509_STORE_CTX* store = ctx.native_handle();
  if (X509_STORE_CTX_get_error_depth(store) != 0) return true;  // the leaf decides, below
  const std::optional<Hash32> key = Ed25519KeyOf(X509_STORE_CTX_get_current_cert(store));
  if (!key) {
    m_refusal = "certificate key is not Ed25519";
    return false;
  }
  const std::optional<chain::MemberId> member = m_hooks.member_of_key(*key);
  if (!member) {
    m_refusal = "certificate key " + Hex(*key) + " is not a member of the consortium";
    return false;
  }
  if (m_expected && *member != *m_expected) {
    m_refusal = "dialled member " + std::to_string(*m_expected) + " but the certificate is member " +
                std::to_string(*member) + "'s";
    return false;
  }
  return true;
}

void Session::OnHandshake(const error_code& ec) {
  if (closed()) return;
  if (ec) {
    if (!m_refusal.empty()) return Close(m_refusal, CloseKind::kRefused);
    return Close("TLS handshake failed: " + ec.message(), CloseKind::kRefused);
  }
  // Checked again after the handshake, whatever the verify callback saw.
  const std::optional<Hash32> key = PeerLeafKeyOf(m_stream.native_handle());
  const std::optional<chain::MemberId> member = key ? m_hooks.member_of_key(*key) : std::nullopt;
  if (!member || (m_expected && *member != *m_expected)) {
    return Close(m_refusal.empty() ? std::string("peer certificate is not a member's") : m_refusal,
                 CloseKind::kRefused);
  }
  m_peer = *member;
  m_peer_key = *key;
  if (std::string why = m_hooks.refusal(*member); !why.empty()) return Close(why, CloseKind::kRefused);
  m_state = State::kHello;
  Hello hello;
  hello.chain_id = m_chain_id;
  hello.member_id = m_self;
  Enqueue(EncodeFrame(kTransportType, EncodeHello(hello)));
  ReadHeader();
}

void Session::ReadHeader() {
  asio::async_read(m_stream, asio::buffer(m_header),
                   [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(const error_code& ec) {
  if (closed()) return;
  if (ec) return FailIo("read", ec);
  auto len = DecodeFrameLength(m_header, m_limits.max_frame_bytes);
  if (!len.ok()) return Close(len.error().message, CloseKind::kProtocol);
  m_body.resize(*len);
  asio::async_read(m_stream, asio::buffer(m_body),
                   [self = shared_from_this()](const error_code& rec, std::size_t) { self->OnBody(rec); });
}

void Session::OnBody(const error_code& ec) {
  if (closed()) return;
  if (ec) return FailIo("read", ec);
  const auto now = Clock::now();
  m_last_rx = now;
  if (!m_frame_bucket.Take(1, now)) {
    return Close("over " + std::to_string(m_limits.max_frames_per_sec) + " frames/s", CloseKind::kFlood);
  }
  if (!m_byte_bucket.Take(static_cast<double>(m_body.size() + kFrameHeaderBytes), now)) {
    return Close("over " + std::to_string(m_limits.max_bytes_per_sec) + " bytes/s", CloseKind::kFlood);
  }
  ++m_counters.frames_in;
  m_counters.bytes_in += m_body.size() + kFrameHeaderBytes;
  const std::uint8_t type = m_body[0];
  const ByteSpan body = ByteSpan(m_body).subspan(1);
  if (m_state == State::kHello) {
    if (type != kTransportType) return Close("first frame is not a hello", CloseKind::kRefused);
    OnHello(body);
  } else if (type == kTransportType) {
    if (!body.empty()) return Close("unexpected transport frame", CloseKind::kProtocol);
  } else {
    m_hooks.on_frame(*this, type, body);
  }
  if (m_body.capacity() > (1u << 20)) Bytes().swap(m_body);  // do not pin a large frame's buffer
  if (!closed()) ReadHeader();
}

void Session::OnHello(ByteSpan body) {
  auto hello = DecodeHello(body);
  if (!hello.ok()) return Close(hello.error().message, CloseKind::kRefused);
  if (Status checked = CheckHello(*hello, m_chain_id, *m_peer); !checked.ok()) {
    return Close(checked.error().message, CloseKind::kRefused);
  }
  m_state = State::kOpen;
  m_was_open = true;
  // From now on the timer watches idleness and stalled writes and sends keepalives.
  m_timer.expires_after(Ms(std::max<std::uint64_t>(m_limits.idle_timeout_ms / 4, 1)));
  m_timer.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec != asio::error::operation_aborted) self->OnTimer();
  });
  m_hooks.on_established(shared_from_this());
}

void Session::OnTimer() {
  if (closed()) return;
  if (m_state != State::kOpen) {
    return Close("handshake not done within " + std::to_string(m_limits.handshake_timeout_ms) + " ms",
                 CloseKind::kTimeout);
  }
  const auto now = Clock::now();
  const auto idle = Ms(m_limits.idle_timeout_ms);
  if (now - m_last_rx >= idle) {
    return Close("no frame for " + std::to_string(m_limits.idle_timeout_ms) + " ms", CloseKind::kTimeout);
  }
  if (m_writing && now - m_write_started >= idle) {
    return Close("peer has not read for " + std::to_string(m_limits.idle_timeout_ms) + " ms", CloseKind::kTimeout);
  }
  if (!m_writing && m_queue.empty() && now - m_last_tx >= idle / 4) {
    Enqueue(EncodeFrame(kTransportType, {}));  // keepalive
  }
  m_timer.expires_after(std::max<std::chrono::milliseconds>(idle / 4, Ms(1)));
  m_timer.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec != asio::error::operation_aborted) self->OnTimer();
  });
}

void Session::Enqueue(Bytes frame) {
  if (closed() || frame.size() > m_limits.max_queue_bytes) {
    ++m_counters.frames_dropped;
    return;
  }
  // Oldest first: a stalled peer loses its oldest frames, and the queue never exceeds the bound.
  while (queued_bytes() + frame.size() > m_limits.max_queue_bytes && !m_queue.empty()) {
    m_queued_bytes -= m_queue.front().size();
    m_queue.pop_front();
    ++m_counters.frames_dropped;
  }
  if (queued_bytes() + frame.size() > m_limits.max_queue_bytes) {
    ++m_counters.frames_dropped;
    return;
  }
  m_queued_bytes += frame.size();
  m_queue.push_back(std::move(frame));
  if (!m_writing && m_state != State::kConnecting && m_state != State::kHandshaking) StartWrite();
}

void Session::HandQueueTo(Session& other) {
  while (!m_queue.empty()) {
    other.Enqueue(std::move(m_queue.front()));
    m_queue.pop_front();
  }
  m_queued_bytes = 0;
}

void Session::SetMaxFrameBytes(std::size_t bytes) {
  m_limits.max_frame_bytes = bytes;
  m_limits.max_queue_bytes = std::max(m_limits.max_queue_bytes, bytes + kFrameHeaderBytes);
  m_byte_bucket.SetBurst(ByteBurst(m_limits));
}

void Session::StartWrite() {
  m_out.clear();
  m_out_frames = 0;
  while (!m_queue.empty() && (m_out.empty() || m_out.size() + m_queue.front().size() <= kMaxWriteBatch)) {
    Bytes& f = m_queue.front();
    m_out.insert(m_out.end(), f.begin(), f.end());
    m_queued_bytes -= f.size();
    m_queue.pop_front();
    ++m_out_frames;
  }
  if (m_out.empty()) return;
  m_writing = true;
  m_write_started = Clock::now();
  asio::async_write(m_stream, asio::buffer(m_out),
                    [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnWrite(ec); });
}

void Session::OnWrite(const error_code& ec) {
  m_writing = false;
  if (closed()) return;
  if (ec) return FailIo("write", ec);
  m_last_tx = Clock::now();
  m_counters.frames_out += m_out_frames;
  m_counters.bytes_out += m_out.size();
  m_out.clear();
  m_out_frames = 0;
  if (!m_queue.empty()) StartWrite();
}

void Session::FailIo(const char* what, const error_code& ec) {
  // Before the hello is done, a failure is the peer refusing us (TLS alert) or not being there.
  if (m_state == State::kHello) {
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      return Close("the peer closed the connection before its hello (it does not accept us now: "
                   "not a member there, another chain, or banned)",
                   CloseKind::kRefused);
    }
    if (ec.category() == asio::error::get_ssl_category()) {
      return Close("the peer refused us: " + ec.message(), CloseKind::kRefused);
    }
    return Close(std::string(what) + " before hello: " + ec.message(), CloseKind::kRefused);
  }
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
    return Close("connection closed by peer", CloseKind::kRemote);
  }
  Close(std::string(what) + ": " + ec.message(), CloseKind::kRemote);
}

void Session::Close(const std::string& reason, CloseKind kind) {
  if (closed()) return;
  m_state = State::kClosed;
  error_code ec;
  m_timer.cancel();
  m_resolver.cancel();
  m_stream.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  m_stream.lowest_layer().close(ec);
  m_counters.frames_dropped += m_queue.size();
  m_queue.clear();
  m_queued_bytes = 0;
  try {
    if (m_hooks.on_closed) m_hooks.on_closed(*this, reason, kind);
  } catch (const std::exception& e) {
    spdlog::error("net: close handler failed: {}", e.what());
  }
}

}  // namespace peerdb::net::internal
