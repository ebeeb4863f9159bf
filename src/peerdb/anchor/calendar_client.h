// OpenTimestamps calendar client (OTS.md §2.2-2.3): submit a digest to several calendars
// (POST <calendar>/digest) and upgrade pending attestations (GET <calendar>/timestamp/<hex>).
//
// Every request has the http::ClientOptions timeouts, a response cap (10,000 bytes, as the
// reference client) and a bounded number of attempts; a calendar that answers garbage, slowly or
// never costs at most attempts x (connect + read timeout) + retry delays and yields an error for
// that calendar only. Pending attestations are followed only to calendars on the whitelist (host
// glob, exact scheme, port and path), so a hostile .ots file cannot make the client fetch
// arbitrary URLs.
// URLs: <calendar URL> + "/digest" and + "/timestamp/<hex>", keeping the calendar URL's path
// (https://x.org/cal -> https://x.org/cal/digest); the reference's urljoin would drop "cal".
// Requests carry Accept: application/vnd.opentimestamps.v1 and User-Agent peerdb/0.1; a POST body
// is the raw digest with Content-Type application/x-www-form-urlencoded, as the reference sends.
// Thread-safety: free functions and value types; each call may run on any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "peerdb/http/client.h"
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
constexpr std::size_t kMaxUpgradeRequests = 64;  // per UpgradeTimestamp pass; the rest become notes

struct CalendarOptions {
  // accept is always set to the OTS media type and max_body capped at kMaxCalendarResponse.
  http::ClientOptions fetch{.connect_timeout = std::chrono::seconds(5), .read_timeout = std::chrono::seconds(5),
                            .max_body = kMaxCalendarResponse};
  // Per calendar and request, >= 1 (0 counts as 1). Only "unavailable" failures are retried:
  // unreachable, timed out, closed without a reply, HTTP 5xx. A 4xx or unparsable reply is final.
  unsigned attempts = 2;
  std::chrono::milliseconds retry_delay{500};      // before each retry
  // Op edges above the submitted digest / the upgraded tree's root in the final proof: a reply
  // that would make the proof nest deeper than ots::kMaxNestedOps is refused (kTooLarge), so a
  // calendar cannot make the result unserializable.
  std::size_t root_depth = 0;
};

// Calendar URL patterns: "https://*.calendar.example.org" matches any host of one or more DNS
// labels ([a-z0-9-], compared case-insensitively) followed by ".calendar.example.org", with the
// same scheme, port (443/80 when absent) and path (trailing '/' ignored); '*' is allowed only as
// the whole first label. A pattern without '*' matches that host exactly. A pattern without a
// scheme stands for both http:// and https:// (as the reference). URLs with a query, fragment or
// user info never match, nor does "https://evil.org/.calendar.example.org" (host evil.org).
class CalendarWhitelist {
 public:
  CalendarWhitelist() = default;
  explicit CalendarWhitelist(std::vector<std::string> patterns) : m_patterns(std::move(patterns)) {}
  // kConfig unless pattern is a URL as above (patterns that fail it never match anything).
  static Status CheckPattern(std::string_view pattern);
  bool Allows(std::string_view url) const;
  void Add(std::string pattern) { m_patterns.push_back(std::move(pattern)); }
  const std::vector<std::string>& patterns() const { return m_patterns; }

 private:
  std::vector<std::string> m_patterns;
};

// A calendar's error text made safe to print, as the reference: the first 160 bytes, every byte
// outside [A-Za-z0-9#-.,; ] (those five punctuation characters literally) replaced by '_', so no
// newline or escape sequence can fake a second line.
std::string SanitizeCalendarMessage(std::string_view body);

// POST <calendar>/digest with the raw digest (1..64 bytes). The reply is a bare timestamp rooted at
// digest. kInvalid for a bad digest length; kConfig for a bad URL; kUnavailable when the calendar
// cannot be reached or answers a non-200 status; kMalformed / kTooLarge for a reply that does not
// parse, is too big or nests too deep.
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

// Submits into.msg() to every calendar concurrently (up to 8 threads) and, once every calendar has
// answered or failed, merges the replies into `into` in the given order. Succeeds when at least
// min_ok calendars replied; kUnavailable otherwise, the message naming each failure (the replies
// that did arrive are merged all the same). kInvalid when calendars is empty or min_ok is not in
// 1..calendars.size(). The outcomes list every calendar in the given order.
Result<std::vector<CalendarOutcome>> SubmitToCalendars(const std::vector<std::string>& calendars,
                                                       std::size_t min_ok, ots::Timestamp& into,
                                                       const CalendarOptions& options = {});

struct UpgradeReport {
  bool changed = false;            // something was merged into the tree
  std::size_t pending_tried = 0;   // pending attestations asked about (network or cache)
  std::size_t upgraded = 0;        // of those, how many returned a timestamp
  std::vector<std::string> notes;  // one line per skipped or failed pending attestation
};

// One upgrade pass (the reference's upgrade_timestamp without --wait): for each node that carries
// a pending attestation whose URI the whitelist allows, fetches <uri>/timestamp/<hex(node msg)> and
// merges the answer at that node. Pending attestations are kept (merge only adds). Only nodes
// without a Bitcoin attestation at or below them are asked; each (URI, message) once; at most
// kMaxUpgradeRequests requests, run concurrently (up to 8 threads). Unlike the reference this pass
// does not stop at the first Bitcoin attestation elsewhere in the tree: other pending branches are
// still asked (callers that want "complete means done" check first). Non-whitelisted URIs,
// 404s (sanitized) and network failures become notes, not errors; the result is an error only for
// a reply that cannot be merged (kInvalid).
Result<UpgradeReport> UpgradeTimestamp(ots::Timestamp& timestamp, const CalendarWhitelist& whitelist,
                                       const CalendarOptions& options = {});

// Calendar answers shared by the UpgradeTimestamp calls given the same cache: proofs stamped
// together share their pending commitments, so one request per (calendar, commitment) serves them
// all. Failures are kept too, so an unreachable calendar costs its timeout once. Keep one cache
// for one pass over a set of proofs (answers change as Bitcoin confirms). Thread-safe: a key being
// fetched by one call makes the others wait for that answer.
class UpgradeCache {
 public:
  using Answer = std::shared_ptr<const Result<ots::Timestamp>>;
  // The answer for (uri, commitment), from fetch() the first time.
  Answer Get(const std::string& uri, const Bytes& commitment, const std::function<Result<ots::Timestamp>()>& fetch);
  std::size_t size() const;

 private:
  struct Entry {
    Answer answer;  // null while being fetched
  };
  mutable std::mutex m_mu;
  std::condition_variable m_cv;
  std::map<std::pair<std::string, Bytes>, Entry> m_entries;
};

// UpgradeTimestamp with answers taken from / stored in cache.
Result<UpgradeReport> UpgradeTimestamp(ots::Timestamp& timestamp, const CalendarWhitelist& whitelist,
                                       const CalendarOptions& options, UpgradeCache& cache);

}  // namespace peerdb::anchor
