#include "peerdb/net/peer_network.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <exception>
#include <map>
#include <random>
#include <set>

#include "peerdb/net/frame.h"
#include "peerdb/net/internal/host_port.h"
#include "peerdb/net/internal/session.h"
#include "peerdb/net/internal/tls_identity.h"

namespace peerdb::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using internal::CloseKind;
using internal::Session;
using internal::SessionCounters;
using Clock = std::chrono::steady_clock;

// Connections accepted but not yet past TLS + Hello; more are closed at once (each lives at most
// handshake_timeout_ms, so a scanner cannot hold many sockets or block members).
constexpr std::size_t kMaxPendingInbound = 64;
constexpr std::uint64_t kHigherDialGrace = 5;

std::chrono::milliseconds Ms(std::uint64_t ms) { return std::chrono::milliseconds(static_cast<std::int64_t>(ms)); }

struct Peer {
  PeerEndpoint endpoint;
  std::shared_ptr<Session> active;   // open, delivering frames
  std::shared_ptr<Session> dialing;  // our outbound attempt, not yet open
  std::unique_ptr<asio::steady_timer> redial;
  bool redial_pending = false;
  std::uint64_t backoff_ms = 0;
  Clock::time_point banned_until{};
  std::string ban_reason;            // why, for the refusals while the ban lasts
  PeerInfo totals;                   // counters of finished sessions, penalties, last error
};

// The mesh lives in a shared_ptr so that handlers still queued after Stop() find it alive.
class Mesh : public std::enable_shared_from_this<Mesh> {
 public:
  Mesh(asio::io_context& io, NetworkConfig config, std::shared_ptr<asio::ssl::context> tls, NetworkHandler handler)
      : m_io(io), m_config(std::move(config)), m_tls(std::move(tls)), m_handler(std::move(handler)), m_acceptor(io),
        m_rng(std::random_device{}()) {
    m_limits = {m_config.max_frame_bytes,    m_config.max_queue_bytes,      m_config.max_frames_per_sec,
                m_config.max_bytes_per_sec,  m_config.handshake_timeout_ms, m_config.idle_timeout_ms};
    for (const PeerEndpoint& ep : m_config.members) AddPeer(ep);
  }

  Status Start();
  void Stop();
  void Send(chain::MemberId to, std::uint8_t type, Bytes body);
  void Broadcast(std::uint8_t type, const Bytes& body);
  void Penalise(chain::MemberId peer, const std::string& reason);
  std::vector<PeerInfo> Peers() const;
  bool IsConnected(chain::MemberId peer) const {
    auto it = m_peers.find(peer);
    return it != m_peers.end() && it->second.active != nullptr;
  }
  std::uint16_t ListenPort() const { return m_port; }
  void SetMembers(std::vector<PeerEndpoint> members);
  void SetOwnKey(const crypto::SigningKey& key);
  void SetMaxFrameBytes(std::size_t bytes);

 private:
  void AddPeer(const PeerEndpoint& ep);
  // Dials `id` as Start does: at once if it has the higher id, after the grace otherwise.
  void Connect(chain::MemberId id);
  internal::SessionHooks Hooks();
  void AcceptNext();
  void Dial(chain::MemberId id);
  void ScheduleRedial(chain::MemberId id, bool failed);
  void OnEstablished(const std::shared_ptr<Session>& s);
  void OnFrame(Session& s, std::uint8_t type, ByteSpan body);
  void OnClosed(Session& s, const std::string& reason, CloseKind kind);
  void Ban(chain::MemberId id, const std::string& reason);
  bool Banned(const Peer& p) const { return Clock::now() < p.banned_until; }
  template <class F, class... A>
  void CallHandler(const F& f, A&&... args) {
    if (!f) return;
    try {
      f(std::forward<A>(args)...);
    } catch (const std::exception& e) {
      spdlog::error("net: handler threw: {}", e.what());
    }
  }

  asio::io_context& m_io;
  NetworkConfig m_config;
  std::shared_ptr<asio::ssl::context> m_tls;
  NetworkHandler m_handler;
  internal::SessionLimits m_limits;
  asio::ip::tcp::acceptor m_acceptor;
  std::uint16_t m_port = 0;
  bool m_running = false;
  std::map<chain::MemberId, Peer> m_peers;
  std::map<Hash32, chain::MemberId> m_key_to_member;
  std::set<std::shared_ptr<Session>> m_pending_inbound;
  std::mt19937_64 m_rng;
};

internal::SessionHooks Mesh::Hooks() {
  std::weak_ptr<Mesh> weak = weak_from_this();
  internal::SessionHooks h;
  h.member_of_key = [weak](const Hash32& key) -> std::optional<chain::MemberId> {
    auto self = weak.lock();
    if (!self) return std::nullopt;
    auto it = self->m_key_to_member.find(key);
    if (it == self->m_key_to_member.end()) return std::nullopt;
    return it->second;
  };
  h.refusal = [weak](chain::MemberId id) -> std::string {
    auto self = weak.lock();
    if (!self) return "network stopped";
    const auto it = self->m_peers.find(id);
    if (it == self->m_peers.end()) return "not a member";
    const Peer& p = it->second;
    if (!self->Banned(p)) return "";
    return "banned for another " +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(p.banned_until - Clock::now()).count()) +
           " ms: " + p.ban_reason;
  };
  h.on_established = [weak](const std::shared_ptr<Session>& s) {
    if (auto self = weak.lock()) self->OnEstablished(s);
    else s->Close("network stopped", CloseKind::kLocal);
  };
  h.on_frame = [weak](Session& s, std::uint8_t type, ByteSpan body) {
    if (auto self = weak.lock()) self->OnFrame(s, type, body);
  };
  h.on_closed = [weak](Session& s, const std::string& reason, CloseKind kind) {
    if (auto self = weak.lock()) self->OnClosed(s, reason, kind);
  };
  return h;
}

Status Mesh::Start() {
  if (m_running) return Status::Ok();
  if (!m_config.listen.empty()) {
    auto hp = internal::ParseHostPort(m_config.listen);
    if (!hp.ok()) return hp.take_error();
    error_code ec;
    const auto address = asio::ip::make_address(hp->host, ec);
    if (ec) return Error{Errc::kConfig, "listen address " + m_config.listen + ": " + ec.message()};
    const asio::ip::tcp::endpoint endpoint(address, hp->port);
    m_acceptor.open(endpoint.protocol(), ec);
    if (!ec) m_acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) m_acceptor.bind(endpoint, ec);
    if (!ec) m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error_code ignored;
      m_acceptor.close(ignored);
      return Error{Errc::kIo, "net: cannot listen on " + m_config.listen + ": " + ec.message()};
    }
    m_port = m_acceptor.local_endpoint(ec).port();
    spdlog::info("net: member {} listening on {}:{}", m_config.self, hp->host, m_port);
  }
  m_running = true;
  if (m_acceptor.is_open()) AcceptNext();
  for (auto& [id, peer] : m_peers) Connect(id);
  return Status::Ok();
}

void Mesh::AddPeer(const PeerEndpoint& ep) {
  Peer& p = m_peers[ep.id];
  p.endpoint = ep;
  p.redial = std::make_unique<asio::steady_timer>(m_io);
  p.backoff_ms = m_config.min_backoff_ms;
  p.totals.id = ep.id;
  m_key_to_member[ep.pubkey] = ep.id;
}

void Mesh::Connect(chain::MemberId id) {
  if (m_config.self < id) Dial(id);
  else ScheduleRedial(id, false);  // after the grace (ScheduleRedial)
}

void Mesh::Stop() {
  if (!m_running) return;
  m_running = false;
  error_code ec;
  m_acceptor.close(ec);
  std::vector<std::shared_ptr<Session>> sessions(m_pending_inbound.begin(), m_pending_inbound.end());
  m_pending_inbound.clear();
  std::vector<chain::MemberId> were_connected;
  for (auto& [id, p] : m_peers) {
    p.redial->cancel();
    p.redial_pending = false;
    if (p.active) {
      sessions.push_back(p.active);
      were_connected.push_back(id);
    }
    if (p.dialing) sessions.push_back(p.dialing);
    p.active.reset();
    p.dialing.reset();
  }
  for (auto& s : sessions) s->Close("network stopped", CloseKind::kLocal);
  for (chain::MemberId id : were_connected) CallHandler(m_handler.on_disconnected, id);
}

void Mesh::AcceptNext() {
  m_acceptor.async_accept([weak = weak_from_this()](const error_code& ec, asio::ip::tcp::socket socket) {
    auto self = weak.lock();
    if (!self || !self->m_running) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      spdlog::warn("net: accept failed: {}", ec.message());
    } else if (self->m_pending_inbound.size() >= kMaxPendingInbound) {
      error_code ignored;
      socket.close(ignored);
      spdlog::warn("net: refused a connection: {} handshakes already pending", kMaxPendingInbound);
    } else {
      auto s = std::make_shared<Session>(std::move(socket), self->m_tls, self->m_limits, self->m_config.chain_id,
                                         self->m_config.self, std::nullopt, self->Hooks());
      self->m_pending_inbound.insert(s);
      s->Accept();
    }
    self->AcceptNext();
  });
}

void Mesh::Dial(chain::MemberId id) {
  auto it = m_peers.find(id);
  if (!m_running || it == m_peers.end()) return;
  Peer& p = it->second;
  if (p.endpoint.address.empty() || p.active || p.dialing || p.redial_pending) return;
  if (Banned(p)) return ScheduleRedial(id, false);
  auto hp = internal::ParseHostPort(p.endpoint.address);
  if (!hp.ok()) {
    p.totals.last_error = hp.error().message;
    return;
  }
  p.dialing = std::make_shared<Session>(asio::ip::tcp::socket(m_io), m_tls, m_limits, m_config.chain_id,
                                        m_config.self, id, Hooks());
  p.dialing->Dial(hp->host, std::to_string(hp->port));
}

// Exponential backoff with jitter: the wait is uniform in [backoff/2, backoff], and backoff doubles
// after each failed attempt up to max_backoff_ms (reset when a session opens). A banned peer is
// redialled when its ban ends. A member dials a lower id only after a further grace of
// kHigherDialGrace x min_backoff_ms, so that the lower id's dial (the one kept when both dial) usually
// arrives first and the pair does not open two sessions and drop one.
void Mesh::ScheduleRedial(chain::MemberId id, bool failed) {
  Peer& p = m_peers.at(id);
  if (!m_running || p.endpoint.address.empty() || p.active || p.dialing || p.redial_pending) return;
  const std::uint64_t base = std::max<std::uint64_t>(p.backoff_ms, 1);
  std::uniform_int_distribution<std::uint64_t> jitter(base / 2, base);
  auto delay = Ms(jitter(m_rng));
  if (m_config.self > id) delay += Ms(kHigherDialGrace * m_config.min_backoff_ms);
  if (Banned(p)) {
    delay = std::max(delay, std::chrono::duration_cast<std::chrono::milliseconds>(p.banned_until - Clock::now()));
  }
  if (failed) p.backoff_ms = std::min(std::max<std::uint64_t>(p.backoff_ms * 2, 1), m_config.max_backoff_ms);
  p.redial_pending = true;
  p.redial->expires_after(delay);
  p.redial->async_wait([weak = weak_from_this(), id](const error_code& ec) {
    auto self = weak.lock();
    if (!self || ec == asio::error::operation_aborted) return;
    const auto it = self->m_peers.find(id);  // gone if SetMembers removed it after the timer fired
    if (it == self->m_peers.end()) return;
    Peer& peer = it->second;
    if (!peer.redial_pending) return;
    peer.redial_pending = false;
    self->Dial(id);
  });
}

// Two sessions to one member (both dialled at once, or a redial racing a live session): keep the one
// dialled by the lower member id, which both ends compute alike. Two dialled by the same side: the
// newer wins (that side only dials when it holds no session, so it has given the old one up).
void Mesh::OnEstablished(const std::shared_ptr<Session>& s) {
  const chain::MemberId id = *s->peer();
  m_pending_inbound.erase(s);
  const auto it = m_peers.find(id);
  if (it == m_peers.end() || s->peer_key() != it->second.endpoint.pubkey) {
    // SetMembers removed the member or changed its key while this handshake ran.
    return s->Close("certificate key is no longer member " + std::to_string(id) + "'s", CloseKind::kRefused);
  }
  Peer& p = it->second;
  if (p.dialing == s) p.dialing.reset();
  if (!m_running) return s->Close("network stopped", CloseKind::kLocal);
  if (Banned(p)) {
    spdlog::warn("net: refused member {} ({}): banned for another {} ms", id, s->remote(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(p.banned_until - Clock::now()).count());
    return s->Close("banned", CloseKind::kLocal);
  }
  if (p.active) {
    const auto dialler = [&](const Session& x) { return x.outbound() ? m_config.self : id; };
    const chain::MemberId preferred = std::min(m_config.self, id);
    if (dialler(*s) != dialler(*p.active) && dialler(*p.active) == preferred) {
      spdlog::debug("net: member {}: keeping the session dialled by member {}", id, preferred);
      return s->Close("duplicate session", CloseKind::kLocal);
    }
    std::shared_ptr<Session> old = std::move(p.active);
    p.active = s;
    old->HandQueueTo(*s);
    old->Close("replaced by a newer session", CloseKind::kLocal);
    return;
  }
  p.active = s;
  p.backoff_ms = m_config.min_backoff_ms;
  p.redial_pending = false;
  p.redial->cancel();
  p.totals.last_error.clear();
  spdlog::info("net: connected to member {} ({}, {})", id, s->remote(), s->outbound() ? "dialled" : "accepted");
  CallHandler(m_handler.on_connected, id);
}

void Mesh::OnFrame(Session& s, std::uint8_t type, ByteSpan body) {
  const chain::MemberId id = *s.peer();
  const auto it = m_peers.find(id);
  if (it == m_peers.end() || it->second.active.get() != &s) return;
  CallHandler(m_handler.on_frame, id, type, body);
}

void Mesh::OnClosed(Session& s, const std::string& reason, CloseKind kind) {
  const std::optional<chain::MemberId> id = s.peer();
  const std::optional<chain::MemberId> named = id ? id : s.expected();
  const std::string who = named ? "member " + std::to_string(*named) + " (" + s.remote() + ")" : s.remote();
  // A member that stays unreachable is logged when the reason changes, not at every redial.
  const auto peer_it = named ? m_peers.find(*named) : m_peers.end();
  const bool repeat = peer_it != m_peers.end() && !s.was_open() && peer_it->second.totals.last_error == reason;
  if (repeat) spdlog::debug("net: cannot reach {}: {}", who, reason);
  else if (kind == CloseKind::kRefused) spdlog::warn("net: refused {}: {}", who, reason);
  else if (kind != CloseKind::kLocal) spdlog::warn("net: closed session with {}: {}", who, reason);
  if (!s.outbound()) {
    for (auto it = m_pending_inbound.begin(); it != m_pending_inbound.end(); ++it) {
      if (it->get() == &s) { m_pending_inbound.erase(it); break; }
    }
    if (!id) return;  // a non-member or a failed inbound handshake
  }
  chain::MemberId member = id ? *id : 0;
  if (!id) {  // outbound before the handshake: find whose dial this was
    for (auto& [mid, p] : m_peers) {
      if (p.dialing.get() == &s) member = mid;
    }
  }
  auto it = m_peers.find(member);
  if (it == m_peers.end()) return;
  Peer& p = it->second;
  const SessionCounters& c = s.counters();
  p.totals.frames_in += c.frames_in;
  p.totals.frames_out += c.frames_out;
  p.totals.bytes_in += c.bytes_in;
  p.totals.bytes_out += c.bytes_out;
  p.totals.frames_dropped += c.frames_dropped;
  if (kind != CloseKind::kLocal) p.totals.last_error = reason;
  bool failed_attempt = false;
  if (p.dialing.get() == &s) {
    p.dialing.reset();
    failed_attempt = kind != CloseKind::kLocal;
  }
  const bool was_active = p.active.get() == &s;
  if (was_active) p.active.reset();
  if (kind == CloseKind::kFlood) Ban(member, reason);
  if (kind == CloseKind::kProtocol) Penalise(member, reason);
  if (!m_running) return;
  if (was_active) CallHandler(m_handler.on_disconnected, member);
  if (was_active || failed_attempt) ScheduleRedial(member, failed_attempt);
}

void Mesh::Ban(chain::MemberId id, const std::string& reason) {
  Peer& p = m_peers.at(id);
  p.banned_until = Clock::now() + Ms(m_config.ban_ms);
  p.ban_reason = reason;
  spdlog::warn("net: banned member {} for {} ms: {}", id, m_config.ban_ms, reason);
  p.totals.last_error = "banned: " + reason;
  if (p.active) p.active->Close("banned: " + reason, CloseKind::kLocal);
  if (p.dialing) p.dialing->Close("banned: " + reason, CloseKind::kLocal);
}

void Mesh::Penalise(chain::MemberId peer, const std::string& reason) {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) return;
  Peer& p = it->second;
  ++p.totals.penalties;
  spdlog::info("net: penalty {}/{} for member {}: {}", p.totals.penalties, m_config.penalty_limit, peer, reason);
  if (p.totals.penalties >= m_config.penalty_limit) {
    p.totals.penalties = 0;
    Ban(peer, "too many penalties, last: " + reason);
  }
}

void Mesh::Send(chain::MemberId to, std::uint8_t type, Bytes body) {
  auto it = m_peers.find(to);
  if (it == m_peers.end()) return;
  Peer& p = it->second;
  if (type == kTransportType || body.size() + 1 > m_config.max_frame_bytes || !p.active) {
    if (type == kTransportType || body.size() + 1 > m_config.max_frame_bytes) {
      spdlog::warn("net: not sending a frame of type {} and {} bytes to member {}", type, body.size(), to);
    }
    ++p.totals.frames_dropped;
    return;
  }
  p.active->Enqueue(EncodeFrame(type, body));
}

void Mesh::Broadcast(std::uint8_t type, const Bytes& body) {
  for (auto& [id, p] : m_peers) Send(id, type, body);
}

// The new list replaces the old one (see peer_network.h for the rules). State changes first, then
// the sessions are closed (detached from their peers, so OnClosed neither redials them nor fires a
// handler), then dials, and the handlers last: a handler that calls back into the network finds it
// consistent.
void Mesh::SetMembers(std::vector<PeerEndpoint> members) {
  std::map<chain::MemberId, PeerEndpoint> next;
  std::set<Hash32> keys;
  for (PeerEndpoint& ep : members) {
    if (ep.id == m_config.self) {
      spdlog::error("net: the member list names this node (member {}); entry ignored", ep.id);
    } else if (next.count(ep.id) != 0) {
      spdlog::error("net: the member list names member {} twice; the later entry is ignored", ep.id);
    } else if (!keys.insert(ep.pubkey).second) {
      spdlog::error("net: the member list gives member {} a key already listed for another member; entry ignored",
                    ep.id);
    } else {
      next.emplace(ep.id, std::move(ep));
    }
  }

  std::vector<std::pair<std::shared_ptr<Session>, std::string>> to_close;
  std::vector<chain::MemberId> lost;     // were connected: on_disconnected
  std::vector<chain::MemberId> to_dial;  // new, or changed and not connected
  const auto detach = [&](std::shared_ptr<Session>& s, const std::string& why) {
    if (s) to_close.emplace_back(std::move(s), why);
    s.reset();
  };

  for (auto it = m_peers.begin(); it != m_peers.end();) {
    const chain::MemberId id = it->first;
    if (next.count(id) != 0) {
      ++it;
      continue;
    }
    Peer& p = it->second;
    if (p.active) lost.push_back(id);
    spdlog::info("net: member {} left the member list{}", id, p.active ? ": disconnected" : "");
    detach(p.active, "no longer a member");
    detach(p.dialing, "no longer a member");
    p.redial->cancel();
    it = m_peers.erase(it);
  }

  for (auto& [id, ep] : next) {
    auto it = m_peers.find(id);
    if (it == m_peers.end()) {
      spdlog::info("net: member {} joined the member list{}", id, ep.address.empty() ? "" : " at " + ep.address);
      AddPeer(ep);
      to_dial.push_back(id);
      continue;
    }
    Peer& p = it->second;
    const bool key_changed = p.endpoint.pubkey != ep.pubkey;
    const bool address_changed = p.endpoint.address != ep.address;
    if (!key_changed && !address_changed) continue;
    // On a key change the live session proved the old key: the member reconnects with the new one.
    // On an address change only, the key (not the address) authenticates the member: a session it
    // dialled to us stays; one we dialled went to the old address and is redialled at the new one.
    const std::string why = key_changed ? std::string("member key changed")
                                        : "member address changed from " +
                                              (p.endpoint.address.empty() ? "none" : p.endpoint.address) + " to " +
                                              (ep.address.empty() ? "none" : ep.address);
    const bool drop = p.active && (key_changed || p.active->outbound());
    spdlog::info("net: member {}: {}{}", id, why, drop ? ": reconnecting" : "");
    if (drop) {
      lost.push_back(id);
      detach(p.active, why);
    }
    detach(p.dialing, why);
    p.redial->cancel();
    p.redial_pending = false;
    p.backoff_ms = m_config.min_backoff_ms;
    p.endpoint = ep;
    if (!p.active) {
      p.totals.last_error = why;
      to_dial.push_back(id);
    }
  }

  m_key_to_member.clear();
  m_config.members.clear();
  for (const auto& [id, p] : m_peers) {
    m_key_to_member[p.endpoint.pubkey] = id;
    m_config.members.push_back(p.endpoint);
  }
  // Inbound handshakes past TLS with a key that is no longer their member's.
  for (const auto& s : m_pending_inbound) {
    if (!s->peer() || !s->peer_key()) continue;
    const auto k = m_key_to_member.find(*s->peer_key());
    if (k == m_key_to_member.end() || k->second != *s->peer()) to_close.emplace_back(s, "no longer a member's key");
  }

  for (auto& [s, why] : to_close) s->Close(why, CloseKind::kLocal);
  for (chain::MemberId id : to_dial) {
    if (m_peers.count(id) != 0) Connect(id);
  }
  if (!m_running) return;
  for (chain::MemberId id : lost) CallHandler(m_handler.on_disconnected, id);
}

// Only new handshakes use the new certificate: sessions hold the context they started with. An
// established session stays (its peer drops it when its own member list takes the new key, and
// reconnects); a dial under way, which would present the old key, is closed, and every member not
// connected is dialled again now rather than after its backoff.
void Mesh::SetOwnKey(const crypto::SigningKey& key) {
  auto tls = internal::MakeTlsContext(key);
  if (!tls.ok()) {
    spdlog::error("net: cannot present the new key, keeping the old one: {}", tls.error().message);
    return;
  }
  m_tls = std::move(tls).value();
  spdlog::info("net: member {} now presents key {}", m_config.self, Hex(key.public_key()));
  std::vector<std::shared_ptr<Session>> to_close;
  std::vector<chain::MemberId> to_dial;
  for (auto& [id, p] : m_peers) {
    if (p.active) continue;
    if (p.dialing) to_close.push_back(std::move(p.dialing));
    p.dialing.reset();
    p.redial->cancel();
    p.redial_pending = false;
    p.backoff_ms = m_config.min_backoff_ms;
    to_dial.push_back(id);
  }
  for (auto& s : to_close) s->Close("own key changed", CloseKind::kLocal);
  for (chain::MemberId id : to_dial) {
    if (m_peers.count(id) != 0) Connect(id);
  }
}

// Sessions copy the limits when they start, so every live one (in the handshake, dialling, open)
// takes the new limit too: an established session carries bigger frames without a reconnect.
void Mesh::SetMaxFrameBytes(std::size_t bytes) {
  if (bytes < 64) {  // as Create's check
    spdlog::error("net: a frame limit of {} bytes is below 64, keeping {}", bytes, m_config.max_frame_bytes);
    return;
  }
  if (bytes == m_config.max_frame_bytes) return;
  spdlog::info("net: frames up to {} bytes from now on (were {})", bytes, m_config.max_frame_bytes);
  // The queue must hold one whole frame, or the largest frames could never be sent.
  const std::size_t queue = std::max(m_config.max_queue_bytes, bytes + kFrameHeaderBytes);
  m_config.max_frame_bytes = m_limits.max_frame_bytes = bytes;
  m_config.max_queue_bytes = m_limits.max_queue_bytes = queue;
  for (const auto& s : m_pending_inbound) s->SetMaxFrameBytes(bytes);
  for (auto& [id, p] : m_peers) {
    if (p.active) p.active->SetMaxFrameBytes(bytes);
    if (p.dialing) p.dialing->SetMaxFrameBytes(bytes);
  }
}

std::vector<PeerInfo> Mesh::Peers() const {
  std::vector<PeerInfo> out;
  for (const auto& [id, p] : m_peers) {
    PeerInfo info = p.totals;
    info.connected = p.active != nullptr;
    info.banned = Banned(p);
    if (p.active) {
      const SessionCounters& c = p.active->counters();
      info.frames_in += c.frames_in;
      info.frames_out += c.frames_out;
      info.bytes_in += c.bytes_in;
      info.bytes_out += c.bytes_out;
      info.frames_dropped += c.frames_dropped;
      info.queued_bytes = p.active->queued_bytes();
    }
    out.push_back(std::move(info));
  }
  return out;
}

class PeerNetworkImpl final : public PeerNetwork {
 public:
  explicit PeerNetworkImpl(std::shared_ptr<Mesh> mesh) : m_mesh(std::move(mesh)) {}
  ~PeerNetworkImpl() override { m_mesh->Stop(); }
  Status Start() override { return m_mesh->Start(); }
  void Stop() override { m_mesh->Stop(); }
  void Send(chain::MemberId to, std::uint8_t type, Bytes body) override { m_mesh->Send(to, type, std::move(body)); }
  void Broadcast(std::uint8_t type, const Bytes& body) override { m_mesh->Broadcast(type, body); }
  void Penalise(chain::MemberId peer, const std::string& reason) override { m_mesh->Penalise(peer, reason); }
  std::vector<PeerInfo> Peers() const override { return m_mesh->Peers(); }
  bool IsConnected(chain::MemberId peer) const override { return m_mesh->IsConnected(peer); }
  std::uint16_t ListenPort() const override { return m_mesh->ListenPort(); }
  void SetMembers(std::vector<PeerEndpoint> members) override { m_mesh->SetMembers(std::move(members)); }
  void SetOwnKey(const crypto::SigningKey& key) override { m_mesh->SetOwnKey(key); }
  void SetMaxFrameBytes(std::size_t bytes) override { m_mesh->SetMaxFrameBytes(bytes); }

 private:
  std::shared_ptr<Mesh> m_mesh;
};

}  // namespace

Result<std::unique_ptr<PeerNetwork>> PeerNetwork::Create(asio::io_context& io, NetworkConfig config,
                                                         const crypto::SigningKey& key, NetworkHandler handler) {
  if (!config.listen.empty()) {
    auto hp = internal::ParseHostPort(config.listen);
    if (!hp.ok()) return Error{Errc::kConfig, "listen: " + hp.error().message};
    error_code ec;
    (void)asio::ip::make_address(hp->host, ec);
    if (ec) return Error{Errc::kConfig, "listen: " + config.listen + " is not an IP address and port"};
  }
  for (const PeerEndpoint& ep : config.members) {
    if (ep.id == config.self) return Error{Errc::kConfig, "members must not list this node (member " + std::to_string(ep.id) + ")"};
    if (!ep.address.empty() && !internal::ParseHostPort(ep.address).ok()) {
      return Error{Errc::kConfig, "member " + std::to_string(ep.id) + " address " + ep.address + " is not host:port"};
    }
  }
  if (config.max_frame_bytes < 64 || config.max_queue_bytes < config.max_frame_bytes / 1024 ||
      config.max_frames_per_sec == 0 || config.max_bytes_per_sec == 0 || config.handshake_timeout_ms == 0 ||
      config.idle_timeout_ms == 0 || config.min_backoff_ms == 0 || config.max_backoff_ms < config.min_backoff_ms ||
      config.penalty_limit == 0) {
    return Error{Errc::kConfig, "net: a limit is zero or out of order"};
  }
  PEERDB_TRY_ASSIGN(auto tls, internal::MakeTlsContext(key));
  auto mesh = std::make_shared<Mesh>(io, std::move(config), std::move(tls), std::move(handler));
  return std::unique_ptr<PeerNetwork>(new PeerNetworkImpl(std::move(mesh)));
}

}  // namespace peerdb::net
