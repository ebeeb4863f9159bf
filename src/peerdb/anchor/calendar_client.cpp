#include "peerdb/anchor/calendar_client.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <set>
#include <thread>
#include <utility>

#include "peerdb/ots/timestamp_codec.h"

namespace peerdb::anchor {
namespace {

constexpr std::string_view kOtsMediaType = "application/vnd.opentimestamps.v1";
constexpr std::size_t kMaxNotFoundMessage = 160;  // the reference's "two lines of text"
constexpr std::size_t kMaxParallelRequests = 8;

// <calendar> + path, keeping the calendar's own path (the reference's urljoin would drop its last
// segment, the JS port all of it).
std::string JoinUrl(std::string_view calendar, std::string_view path) {
  while (!calendar.empty() && calendar.back() == '/') calendar.remove_suffix(1);
  return std::string(calendar) + std::string(path);
}

// The caller's fetch options with what every calendar request gets regardless: the OTS media
// type and a body cap of at most kMaxCalendarResponse.
http::ClientOptions CalendarFetchOptions(const CalendarOptions& options) {
  http::ClientOptions f = options.fetch;
  f.accept = std::string(kOtsMediaType);
  f.max_body = std::min(f.max_body, kMaxCalendarResponse);
  return f;
}

// Runs request() up to `attempts` times while it fails with kUnavailable (unreachable, timeout,
// 5xx), sleeping retry_delay before each retry. Other errors and any other status end at once.
template <class Request>
Result<http::Response> WithRetries(const CalendarOptions& options, const std::string& url, Request request) {
  const unsigned attempts = std::max(1u, options.attempts);
  Error last;
  for (unsigned attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(options.retry_delay);
    Result<http::Response> r = request();
    if (r.ok() && r->status < 500) return r;
    if (r.ok()) {
      last = Error{Errc::kUnavailable, url + ": HTTP " + std::to_string(r->status) + " " + SanitizeCalendarMessage(r->body)};
      continue;
    }
    if (r.error().code != Errc::kUnavailable) return r.take_error().Context(url);
    last = r.take_error().Context(url);
  }
  if (attempts > 1) last.message += " (" + std::to_string(attempts) + " attempts)";
  return last;
}

// A 200 reply as a bare timestamp rooted at msg, within the depth left under root_depth.
Result<ots::Timestamp> ParseReply(const std::string& url, const http::Response& r, ByteSpan msg,
                                  const CalendarOptions& options) {
  if (r.status != 200) {
    return Error{Errc::kUnavailable, url + ": HTTP " + std::to_string(r.status) + " " + SanitizeCalendarMessage(r.body)};
  }
  auto stamp = ots::DecodeTimestamp(AsBytes(r.body), Bytes(msg.begin(), msg.end()));
  if (!stamp.ok()) return stamp.take_error().Context(url + ": reply is not a timestamp for this digest");
  if (options.root_depth + stamp->Depth() > ots::kMaxNestedOps) {
    return Error{Errc::kTooLarge, url + ": reply nests too deep (" + std::to_string(stamp->Depth()) + " ops)"};
  }
  return stamp;
}

// Calls task(i) for i in [0, n) on up to kMaxParallelRequests threads; returns when all are done.
// task must not throw (exceptions are caught and dropped; the task's result slot stays as it was).
template <class Task>
void RunParallel(std::size_t n, Task task) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        task(i);
      } catch (const std::exception&) {
      }
    }
  };
  std::vector<std::thread> threads;
  const std::size_t count = std::min(n, kMaxParallelRequests);
  for (std::size_t t = 1; t < count; ++t) {
    try {
      threads.emplace_back(worker);
    } catch (const std::exception&) {
      break;  // fewer threads: the remaining ones (and this one) take the work
    }
  }
  worker();
  for (std::thread& t : threads) t.join();
}

std::vector<Result<ots::Timestamp>> NoResults(std::size_t n) {
  std::vector<Result<ots::Timestamp>> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.emplace_back(Error{Errc::kInternal, "request did not run"});
  return out;
}

// Node count plus attestation count of a tree: Merge only adds, so a larger count means a change.
std::size_t CountEntries(const ots::Timestamp& root) {
  std::size_t n = 0;
  std::vector<const ots::Timestamp*> stack = {&root};
  while (!stack.empty()) {
    const ots::Timestamp* node = stack.back();
    stack.pop_back();
    n += 1 + node->attestations().size();
    for (const ots::OpEdge& e : node->ops()) stack.push_back(e.child.get());
  }
  return n;
}

}  // namespace

std::string SanitizeCalendarMessage(std::string_view body) {
  std::string out(body.substr(0, kMaxNotFoundMessage));
  for (char& c : out) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '#' ||
                    c == '-' || c == '.' || c == ',' || c == ';' || c == ' ';
    if (!ok) c = '_';
  }
  return out;
}

Result<ots::Timestamp> SubmitDigest(std::string_view calendar_url, ByteSpan digest, const CalendarOptions& options) {
  if (digest.empty() || digest.size() > kMaxSubmittedDigest) {
    return Error{Errc::kInvalid, "a submitted digest must be 1.." + std::to_string(kMaxSubmittedDigest) + " bytes"};
  }
  const std::string url = JoinUrl(calendar_url, "/digest");
  const http::ClientOptions fetch = CalendarFetchOptions(options);
  PEERDB_TRY_ASSIGN(const http::Response r, WithRetries(options, std::string(calendar_url), [&] {
                      return http::Post(url, digest, fetch);
                    }));
  return ParseReply(std::string(calendar_url), r, digest, options);
}

Result<ots::Timestamp> FetchTimestamp(std::string_view calendar_url, ByteSpan commitment,
                                      const CalendarOptions& options) {
  if (commitment.empty() || commitment.size() > ots::kMaxMsgLength) {
    return Error{Errc::kInvalid, "a commitment must be 1.." + std::to_string(ots::kMaxMsgLength) + " bytes"};
  }
  const std::string url = JoinUrl(calendar_url, "/timestamp/" + Hex(commitment));
  const http::ClientOptions fetch = CalendarFetchOptions(options);
  PEERDB_TRY_ASSIGN(const http::Response r, WithRetries(options, std::string(calendar_url), [&] {
                      return http::Get(url, fetch);
                    }));
  if (r.status == 404) return Error{Errc::kNotFound, SanitizeCalendarMessage(r.body)};
  return ParseReply(std::string(calendar_url), r, commitment, options);
}

Result<std::vector<CalendarOutcome>> SubmitToCalendars(const std::vector<std::string>& calendars,
                                                       std::size_t min_ok, ots::Timestamp& into,
                                                       const CalendarOptions& options) {
  if (calendars.empty()) return Error{Errc::kInvalid, "no calendars to submit to"};
  if (min_ok == 0 || min_ok > calendars.size()) {
    return Error{Errc::kInvalid, "need between 1 and " + std::to_string(calendars.size()) +
                                     " calendar replies, not " + std::to_string(min_ok)};
  }
  const ByteSpan digest = into.msg();
  std::vector<Result<ots::Timestamp>> replies = NoResults(calendars.size());
  RunParallel(calendars.size(), [&](std::size_t i) { replies[i] = SubmitDigest(calendars[i], digest, options); });

  std::vector<CalendarOutcome> outcomes;
  std::size_t ok = 0;
  std::string failures;
  for (std::size_t i = 0; i < calendars.size(); ++i) {
    Status status = replies[i].ok() ? into.Merge(*replies[i]) : Status(replies[i].take_error());
    if (status.ok()) {
      ++ok;
    } else {
      failures += "; " + status.error().message;
    }
    outcomes.push_back({calendars[i], std::move(status)});
  }
  if (ok < min_ok) {
    return Error{Errc::kUnavailable, std::to_string(ok) + " of " + std::to_string(calendars.size()) +
                                         " calendars answered, " + std::to_string(min_ok) + " needed" + failures};
  }
  return outcomes;
}

UpgradeCache::Answer UpgradeCache::Get(const std::string& uri, const Bytes& commitment,
                                       const std::function<Result<ots::Timestamp>()>& fetch) {
  const std::pair<std::string, Bytes> key(uri, commitment);
  {
    std::unique_lock lock(m_mu);
    // No structured binding: clang 14 (the fuzz build) cannot capture one in the lambda below.
    const auto emplaced = m_entries.try_emplace(key);
    const auto it = emplaced.first;
    if (!emplaced.second) {
      m_cv.wait(lock, [&] { return it->second.answer != nullptr; });
      return it->second.answer;
    }
  }
  Answer answer;
  try {
    answer = std::make_shared<const Result<ots::Timestamp>>(fetch());
  } catch (const std::exception& e) {
    answer = std::make_shared<const Result<ots::Timestamp>>(Error{Errc::kInternal, e.what()});
  }
  std::lock_guard lock(m_mu);
  m_entries[key].answer = answer;
  m_cv.notify_all();
  return answer;
}

std::size_t UpgradeCache::size() const {
  std::lock_guard lock(m_mu);
  return m_entries.size();
}

namespace {

Result<UpgradeReport> Upgrade(ots::Timestamp& timestamp, const CalendarWhitelist& whitelist,
                              const CalendarOptions& options, UpgradeCache* cache) {
  // Pre-order walk with parents, then "has a Bitcoin attestation at or below" bottom-up.
  struct Node {
    ots::Timestamp* stamp;
    std::size_t parent;
    std::size_t depth;
    bool bitcoin_below = false;
  };
  std::vector<Node> nodes = {{&timestamp, 0, 0}};
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (const ots::OpEdge& e : nodes[i].stamp->ops()) nodes.push_back({e.child.get(), i, nodes[i].depth + 1});
  }
  for (std::size_t i = nodes.size(); i-- > 0;) {
    for (const ots::Attestation& a : nodes[i].stamp->attestations()) {
      nodes[i].bitcoin_below |= a.kind == ots::AttestationKind::kBitcoin;
    }
    if (i > 0 && nodes[i].bitcoin_below) nodes[nodes[i].parent].bitcoin_below = true;
  }

  struct Query {
    std::string uri;
    std::size_t node;
  };
  UpgradeReport report;
  std::vector<Query> queries;
  std::set<std::pair<std::string, Bytes>> seen;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].bitcoin_below) continue;
    for (const ots::Attestation& a : nodes[i].stamp->attestations()) {
      if (a.kind != ots::AttestationKind::kPending) continue;
      if (!whitelist.Allows(a.uri)) {
        report.notes.push_back("Ignoring attestation from calendar " + a.uri + ": calendar not in whitelist");
        continue;
      }
      if (!seen.insert({a.uri, nodes[i].stamp->msg()}).second) continue;
      if (queries.size() == kMaxUpgradeRequests) {
        report.notes.push_back("Skipping attestation from calendar " + a.uri + ": more than " +
                               std::to_string(kMaxUpgradeRequests) + " pending attestations");
        continue;
      }
      queries.push_back({a.uri, i});
    }
  }

  // Fetched without a depth allowance (the same answer may serve nodes at different depths); each
  // merge below checks its own depth.
  CalendarOptions fetch_options = options;
  fetch_options.root_depth = 0;
  std::vector<UpgradeCache::Answer> answers(queries.size());
  RunParallel(queries.size(), [&](std::size_t q) {
    const Query& query = queries[q];
    const Bytes& msg = nodes[query.node].stamp->msg();
    auto fetch = [&] { return FetchTimestamp(query.uri, msg, fetch_options); };
    answers[q] = cache ? cache->Get(query.uri, msg, fetch) : std::make_shared<const Result<ots::Timestamp>>(fetch());
  });

  report.pending_tried = queries.size();
  const std::size_t before = CountEntries(timestamp);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    const Query& query = queries[q];
    if (!answers[q]) {
      report.notes.push_back("Calendar " + query.uri + ": request did not run");
      continue;
    }
    const Result<ots::Timestamp>& reply = *answers[q];
    if (!reply.ok()) {
      report.notes.push_back("Calendar " + query.uri + ": " + reply.error().message);
      continue;
    }
    if (options.root_depth + nodes[query.node].depth + reply->Depth() > ots::kMaxNestedOps) {
      report.notes.push_back("Calendar " + query.uri + ": reply nests too deep (" + std::to_string(reply->Depth()) +
                             " ops)");
      continue;
    }
    ++report.upgraded;
    PEERDB_TRY(nodes[query.node].stamp->Merge(*reply));
  }
  report.changed = CountEntries(timestamp) != before;
  return report;
}

}  // namespace

Result<UpgradeReport> UpgradeTimestamp(ots::Timestamp& timestamp, const CalendarWhitelist& whitelist,
                                       const CalendarOptions& options) {
  return Upgrade(timestamp, whitelist, options, nullptr);
}

Result<UpgradeReport> UpgradeTimestamp(ots::Timestamp& timestamp, const CalendarWhitelist& whitelist,
                                       const CalendarOptions& options, UpgradeCache& cache) {
  return Upgrade(timestamp, whitelist, options, &cache);
}

}  // namespace peerdb::anchor
