// A loopback OpenTimestamps calendar for tests, shaped like the real server (OTS.md §1.6, §2.2):
//   POST <path>/digest         -> 200, digest -> prepend <4-byte time> -> append <8-byte mac>
//                                 -> PendingAttestation(<its own URL>)
//   GET <path>/timestamp/<hex> -> 404 "Not found" / "Pending confirmation in Bitcoin blockchain"
//                                 until Confirm(), then 200 with a Bitcoin-shaped path (tx bytes
//                                 around the commitment, sha256d, one merkle level, sha256d)
//                                 ending in BitcoinBlockHeaderAttestation(height).
// Runs on a TestHttpServer thread; the counters and Confirm() may be used from the test thread.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/timestamp.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/util/bytes.h"
#include "../http/test_http_server.h"

namespace peerdb::anchor::testing {

using http::testing::Reply;
using http::testing::Request;
using http::testing::RequestHandler;
using http::testing::TestHttpServer;

class TestCalendar {
 public:
  explicit TestCalendar(std::string path = "")
      : m_path(std::move(path)), m_server(RequestHandler([this](const Request& r) { return Handle(r); })) {}

  std::string url() const { return m_server.url() + m_path; }
  // From now on every commitment handed out so far (and later) is "in block" height.
  void Confirm(std::uint64_t height) {
    std::lock_guard lock(m_mu);
    m_height = height;
  }
  std::size_t submissions() const {
    std::lock_guard lock(m_mu);
    return m_submissions;
  }
  std::size_t lookups() const {
    std::lock_guard lock(m_mu);
    return m_lookups;
  }
  std::size_t requests() const { return m_server.requests(); }
  const Request& last_post() const {
    std::lock_guard lock(m_mu);
    return m_last_post;
  }

  // The bare timestamp the calendar returns for a confirmed commitment.
  static ots::Timestamp BitcoinPath(const Bytes& commitment, std::uint64_t height) {
    ots::Timestamp t(commitment);
    ots::Timestamp* n = *t.AddOp(ots::PrependOp(Bytes{0x01, 0x00, 0x00, 0x00, 0x01, 0x6a, 0x20}));
    n = *n->AddOp(ots::AppendOp(Bytes{0x00, 0x00, 0x00, 0x00}));
    n = *n->AddOp(ots::Sha256Op());
    n = *n->AddOp(ots::Sha256Op());  // the txid
    n = *n->AddOp(ots::PrependOp(Bytes(32, 0x5a)));
    n = *n->AddOp(ots::Sha256Op());
    n = *n->AddOp(ots::Sha256Op());  // the merkle root
    n->AddAttestation(ots::Attestation::Bitcoin(height));
    return t;
  }

 private:
  Reply Handle(const Request& r) {
    std::lock_guard lock(m_mu);
    if (r.method == "POST" && r.target == m_path + "/digest") {
      ++m_submissions;
      m_last_post = r;
      if (r.body.empty() || r.body.size() > 64) return Reply{400, "digest too long"};
      ots::Timestamp t(ToBytes(r.body));
      const Bytes time = {0x5a, 0xff, 0xdc, static_cast<std::uint8_t>(m_submissions)};
      ots::Timestamp* n = *t.AddOp(ots::PrependOp(time));
      const Hash32 mac = crypto::Sha256(n->msg());
      n = *n->AddOp(ots::AppendOp(Bytes(mac.begin(), mac.begin() + 8)));
      n->AddAttestation(ots::Attestation::Pending(m_server.url() + m_path));
      m_known.insert(n->msg());
      return Reply{200, AsString(*ots::EncodeTimestamp(t)), "application/octet-stream"};
    }
    const std::string prefix = m_path + "/timestamp/";
    if (r.method == "GET" && r.target.starts_with(prefix)) {
      ++m_lookups;
      auto commitment = FromHex(r.target.substr(prefix.size()));
      if (!commitment.ok()) return Reply{400, "commitment must be hex-encoded bytes"};
      if (!m_known.contains(*commitment)) return Reply{404, "Not found"};
      if (m_height == 0) return Reply{404, "Pending confirmation in Bitcoin blockchain"};
      return Reply{200, AsString(*ots::EncodeTimestamp(BitcoinPath(*commitment, m_height))),
                   "application/octet-stream"};
    }
    return Reply{404, "Not found"};
  }

  const std::string m_path;
  mutable std::mutex m_mu;
  std::set<Bytes> m_known;
  std::uint64_t m_height = 0;
  std::size_t m_submissions = 0, m_lookups = 0;
  Request m_last_post;
  TestHttpServer m_server;  // last: its thread calls Handle, which uses the members above
};

}  // namespace peerdb::anchor::testing
