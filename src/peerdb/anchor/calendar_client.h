// OpenTimestamps calendar client (OTS.md §2.2-2.3): submit a digest to several calendars
// (POST <calendar>/digest) and upgrade pending attestations (GET <calendar>/timestamp/<hex>).
//
// Every request has the FetchOptions timeouts, a response cap (10,000 bytes, as the reference
// client) and a bounded number of attempts; a calendar that answers garbage, slowly or never costs
// at most attempts x (connect + read timeout) and yields an error for that calendar only. Pending
// attestations are followed only to calendars on the whitelist (host glob, exact scheme and path),
// so a hostile .ots file cannot make the client fetch arbitrary URLs.
// Thread-safety: free functions and value types; each call may run on any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "peerdb/anchor/http_fetch.h"
#include "peerdb/ots/timestamp.h"
#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::anchor {

// The reference client's defaults.
inline const std::vector<std::string> kDefaultAggregators = {
    "https://a.pool.opentimestamps.org", "https://b.pool.opentimestamps.org",
    "https://a.pool.eternitywall.com", "https://ots.btc.catallaxy.com"};
inline const std::vector<std::string> kDefaultCalendarWhitelist = {
    "https://*.calendar.opentimestamps.org", "https://*.calendar.eternitywall.com",
    "https://*.calendar.catallaxy.com"};

constexpr std::size_t kMaxCalendarResponse = 10'000;
constexpr std::size_t kMaxSubmittedDigest = 64;  // the server's MAX_DIGEST_LENGTH

struct CalendarOptions {
  FetchOptions fetch{.connect_timeout = std::chrono::seconds(5), .read_timeout = std::chrono::seconds(5),
                     .max_body = kMaxCalendarResponse};
  unsigned attempts = 2;                           // per calendar and request; >= 1
  std::chrono::milliseconds retry_delay{500};      // before each retry
};

// Calendar URL patterns: "https://*.calendar.example.org" matches any single-or-multi label host
// ending in ".calendar.example.org" with the same scheme and path; a pattern without '*' matches
// exactly (trailing '/' ignored). URLs with a query, fragment or user info never match.
class CalendarWhitelist {
 public:
  CalendarWhitelist() = default;
  explicit CalendarWhitelist(std::vector<std::string> patterns) : m_patterns(std::move(patterns)) {}
  bool Allows(std::string_view url) const;
  const std::vector<std::string>& patterns() const { return m_patterns; }

 private:
  std::vector<std::string> m_patterns;
};

// POST <calendar>/digest with the raw digest (1..64 bytes). The reply is a bare timestamp rooted at
// digest. kInvalid for a bad digest length; kUnavailable when the calendar cannot be reached or
// answers a non-200 status; kMalformed / kTooLarge for a reply that does not parse or is too big.
Result<ots::Timestamp> SubmitDigest(std::string_view calendar_url, ByteSpan digest,
                                    const CalendarOptions& options = {});

// GET <calendar>/timestamp/<lowercase hex of commitment>. kNotFound on 404 (not yet in Bitcoin),
// with the server's message sanitized (as the reference: [A-Za-z0-9#-.,; ], at most 160 bytes);
// other errors as SubmitDigest.
Result<ots::Timestamp> FetchTimestamp(std::string_view calendar_url, ByteSpan commitment,
                                      const CalendarOptions& options = {});

struct CalendarOutcome {
  std::string calendar;
  Status status;  // ok, or why this calendar failed
};

// Submits digest to every calendar concurrently and merges each reply into `into` (whose msg()
// must be digest). Succeeds when at least min_ok calendars replied; kUnavailable otherwise, the
// message naming each failure. The outcomes list every calendar in the given order.
Result<std::vector<CalendarOutcome>> SubmitToCalendars(const std::vector<std::string>& calendars,
                                                       std::size_t min_ok, ots::Timestamp& into,
                                                       const CalendarOptions& options = {});

struct UpgradeReport {
  bool changed = false;            // something was merged into the tree
  std::size_t pending_tried = 0;   // pending attestations asked about
  std::size_t upgraded = 0;        // of those, how many returned a timestamp
  std::vector<std::string> notes;  // one line per skipped or failed pending attestation
};

// One upgrade pass (the reference's upgrade_timestamp without --wait): for each node that carries
// a pending attestation whose URI the whitelist allows, fetches <uri>/timestamp/<hex(node msg)> and
// merges the answer at that node. Pending attestations are kept (merge only adds). Only nodes
// without a Bitcoin attestation already below them are asked. Network failures become notes, not
// errors; the result is an error only for a reply that cannot be merged (kInvalid).
Result<UpgradeReport> UpgradeTimestamp(ots::Timestamp& timestamp, const CalendarWhitelist& whitelist,
                                       const CalendarOptions& options = {});

}  // namespace peerdb::anchor
