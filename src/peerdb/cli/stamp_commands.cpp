// peerdb stamp / peerdb upgrade: creating OpenTimestamps proofs through public calendars and
// completing them once the calendars have put them into Bitcoin (OTS.md §1.6, §2.2, §2.3).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "peerdb/anchor/calendar_client.h"
#include "peerdb/cli/commands.h"
#include "peerdb/cli/progress.h"
#include "peerdb/cli/stamp_io.h"
#include "peerdb/crypto/ed25519.h"
#include "peerdb/http/url.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/stamp_tree.h"

namespace peerdb::cli {
namespace {

constexpr std::size_t kMaxStampFiles = 1'000'000;
constexpr std::size_t kMaxReportedErrors = 10;

int BadInput(const std::string& message) {
  std::cerr << "peerdb: " << message << "\n";
  return kExitBadInput;
}

// Prints up to kMaxReportedErrors of the per-file errors; returns how many there were.
std::size_t ReportErrors(const std::vector<std::string>& errors) {
  std::size_t shown = 0, count = 0;
  for (const std::string& e : errors) {
    if (e.empty()) continue;
    ++count;
    if (shown++ < kMaxReportedErrors) std::cerr << "peerdb: " << e << "\n";
  }
  if (count > kMaxReportedErrors) std::cerr << "peerdb: ... and " << count - kMaxReportedErrors << " more\n";
  return count;
}

anchor::CalendarOptions CalendarOptionsFor(double timeout_seconds) {
  anchor::CalendarOptions o;
  const auto timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  o.fetch.connect_timeout = timeout;
  o.fetch.read_timeout = timeout;
  return o;
}

struct StampArgs {
  std::vector<std::string> files;
  std::vector<std::string> calendars;
  std::size_t min_calendars = 2;
  double timeout = 5;
  int progress = -1;  // -1 auto, 0 off, 1 on
};

int Stamp(StampArgs a) {
  const std::size_t n = a.files.size();
  if (n > kMaxStampFiles) return BadInput("at most " + std::to_string(kMaxStampFiles) + " files per run");
  if (a.timeout <= 0 || a.timeout > 3600) return BadInput("--timeout must be between 0 and 3600 seconds");
  if (a.calendars.empty()) a.calendars = anchor::kDefaultAggregators;
  for (const std::string& c : a.calendars) {
    if (auto u = http::ParseUrl(c); !u.ok()) return BadInput("--calendar: " + u.error().message);
  }
  if (a.min_calendars == 0) return BadInput("--min-calendars must be at least 1");
  const std::size_t m = std::min(a.min_calendars, a.calendars.size());

  // Hash everything and check every output name before anything is sent.
  std::vector<std::string> errors(n);
  std::vector<FileDigest> digests(n);
  std::vector<std::string> out_paths(n);
  for (std::size_t i = 0; i < n; ++i) out_paths[i] = a.files[i] + ".ots";
  const ExistingNames existing(out_paths);
  {
    Progress progress(Progress::ShouldShow(a.progress, n), "hashing", n);
    ParallelFor(n, WorkerThreads(), progress, [&](std::size_t i) {
      auto d = HashFile(a.files[i]);
      if (!d.ok()) {
        errors[i] = d.error().message;
        return;
      }
      digests[i] = *d;
      if (existing.Exists(out_paths[i])) errors[i] = out_paths[i] + " already exists";
    });
  }
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> seen;
  for (std::size_t i = 0; i < n; ++i) {
    if (!errors[i].empty()) continue;
    auto [it, fresh] = seen.emplace(std::make_pair(digests[i].device, digests[i].inode), i);
    if (!fresh) errors[i] = a.files[i] + " is the same file as " + a.files[it->second] + " (given twice)";
  }
  if (ReportErrors(errors) > 0) return kExitBadInput;

  std::vector<Hash32> file_digests(n);
  for (std::size_t i = 0; i < n; ++i) file_digests[i] = digests[i].sha256;
  std::vector<ots::StampNonce> nonces(n);
  {
    Bytes random(n * ots::kStampNonceSize);
    crypto::RandomBytes(random.data(), random.size());
    for (std::size_t i = 0; i < n; ++i) {
      std::copy_n(random.begin() + static_cast<std::ptrdiff_t>(i * ots::kStampNonceSize), ots::kStampNonceSize,
                  nonces[i].begin());
    }
  }
  auto tree = ots::StampTree::Build(std::move(file_digests), std::move(nonces));
  if (!tree.ok()) return Fail(tree.error());

  ots::Timestamp root(Bytes(tree->root().begin(), tree->root().end()));
  anchor::CalendarOptions options = CalendarOptionsFor(a.timeout);
  options.root_depth = tree->MaxPathDepth();
  auto submitted = anchor::SubmitToCalendars(a.calendars, m, root, options);
  if (!submitted.ok()) {
    std::cerr << "peerdb: timestamp not created: " << submitted.error().message << "\n";
    return kExitFailed;
  }
  std::size_t answered = 0;
  for (const anchor::CalendarOutcome& o : *submitted) {
    if (o.status.ok()) {
      ++answered;
    } else {
      std::cerr << "peerdb: warning: " << o.status.error().message << "\n";
    }
  }
  auto prepared = tree->PrepareRoot(root);
  if (!prepared.ok()) return Fail(prepared.error());

  {
    // Creating files in one directory is serialised by the directory lock, but the rest of each
    // create and the write overlap: two threads write 100,000 proofs to tmpfs in about half the
    // time of one (on ext4 it makes no difference).
    Progress progress(Progress::ShouldShow(a.progress, n), "writing", n);
    ParallelFor(n, WorkerThreads(), progress, [&](std::size_t i) {
      const Status s = CreateNewFile(out_paths[i], tree->EncodeFileOts(i, *prepared));
      if (!s.ok()) errors[i] = s.error().message;
    });
  }
  const std::size_t failed = ReportErrors(errors);
  if (const Status s = SyncFilesystems(out_paths); !s.ok()) return Fail(s.error());
  std::cout << "Submitted to " << answered << " of " << a.calendars.size() << " calendars; wrote " << n - failed
            << " proof" << (n - failed == 1 ? "" : "s") << " (run peerdb upgrade in a few hours)\n";
  return failed == 0 ? kExitOk : kExitBadInput;
}

struct UpgradeArgs {
  std::vector<std::string> files;
  std::vector<std::string> calendars;
  std::vector<std::string> whitelist;
  bool wait = false;
  double wait_interval = 30;
  double timeout = 5;
};

bool IsComplete(const ots::Timestamp& t) {
  for (const ots::LeafAttestation& leaf : t.AllAttestations()) {
    if (leaf.attestation.kind == ots::AttestationKind::kBitcoin) return true;
  }
  return false;
}

// One proof, one pass.
struct UpgradeResult {
  int code = kExitFailed;
  std::string out, err;  // what to print for it
  bool final = true;     // false: still pending, worth asking again with --wait
  bool changed = false;  // the proof file was rewritten
};

UpgradeResult UpgradeFile(const std::string& path, bool backed_up, const anchor::CalendarWhitelist& whitelist,
                          const anchor::CalendarOptions& options, anchor::UpgradeCache& cache) {
  UpgradeResult r;
  auto file = ots::LoadOtsFile(path);
  if (!file.ok()) {
    r.code = kExitBadInput;
    r.err = "peerdb: " + file.error().message + "\n";
    return r;
  }
  if (!IsComplete(file->timestamp)) {
    auto report = anchor::UpgradeTimestamp(file->timestamp, whitelist, options, cache);
    if (!report.ok()) {
      r.code = kExitBadInput;
      r.err = "peerdb: " + path + ": " + report.error().message + "\n";
      return r;
    }
    if (report->changed) {
      auto bytes = ots::EncodeOtsFile(*file);
      Status s = bytes.ok() ? ReplaceProof(path, *bytes, /*keep_backup=*/!backed_up) : Status(bytes.error());
      if (!s.ok()) {
        r.err = "peerdb: " + path + ": proof not updated: " + s.error().message + "\n";
        return r;
      }
      r.changed = true;
    }
    if (!IsComplete(file->timestamp)) {
      r.out = path + ": Pending confirmation in Bitcoin blockchain\n";
      for (const std::string& note : report->notes) r.out += "  " + note + "\n";
      r.final = report->pending_tried == 0;  // nothing could be asked: waiting cannot help
      return r;
    }
  }
  r.code = kExitOk;
  r.out = path + ": Success! Timestamp complete\n";
  return r;
}

// Passes over the proofs still pending, sharing one answer cache per pass (proofs stamped together
// share their calendar commitments); with --wait until none is pending. Proofs are rewritten
// without an fsync each; one syncfs() per filesystem at the end.
int Upgrade(const UpgradeArgs& a) {
  if (a.timeout <= 0 || a.timeout > 3600) return BadInput("--timeout must be between 0 and 3600 seconds");
  if (a.wait_interval <= 0 || a.wait_interval > 86400) return BadInput("--wait-interval must be between 0 and 86400 seconds");
  anchor::CalendarWhitelist whitelist(anchor::kDefaultCalendarWhitelist);
  for (const std::string& p : a.whitelist) {
    if (const Status s = anchor::CalendarWhitelist::CheckPattern(p); !s.ok()) return BadInput(s.error().message);
    whitelist.Add(p);
  }
  for (const std::string& c : a.calendars) {
    if (auto u = http::ParseUrl(c); !u.ok()) return BadInput("--calendar: " + u.error().message);
    if (const Status s = anchor::CalendarWhitelist::CheckPattern(c); !s.ok()) return BadInput(s.error().message);
    whitelist.Add(c);
  }
  const anchor::CalendarOptions options = CalendarOptionsFor(a.timeout);
  const std::size_t n = a.files.size();
  std::vector<UpgradeResult> results(n);
  std::vector<bool> backed_up(n, false), done(n, false);
  std::vector<std::string> rewritten;
  int worst = kExitOk;
  while (true) {
    std::vector<std::size_t> incomplete;
    for (std::size_t i = 0; i < n; ++i) {
      if (!done[i]) incomplete.push_back(i);
    }
    anchor::UpgradeCache cache;
    {
      Progress progress(Progress::ShouldShow(-1, incomplete.size()), "upgrading", incomplete.size());
      ParallelFor(incomplete.size(), WorkerThreads(), progress, [&](std::size_t k) {
        const std::size_t i = incomplete[k];
        results[i] = UpgradeFile(a.files[i], backed_up[i], whitelist, options, cache);
      });
    }
    bool changed = false;
    std::size_t pending = 0;
    for (std::size_t i : incomplete) {
      const UpgradeResult& r = results[i];
      if (r.changed) {
        changed = true;
        if (!backed_up[i]) rewritten.push_back(a.files[i]);
        backed_up[i] = true;
      }
      if (!a.wait || r.final) {
        done[i] = true;
        std::cout << r.out;
        std::cerr << r.err;
        worst = std::max(worst, r.code);
      } else {
        ++pending;
      }
    }
    std::cout.flush();
    if (pending == 0) break;
    if (!changed) {
      std::cerr << pending << " proof" << (pending == 1 ? "" : "s") << " not complete yet; checking again in "
                << a.wait_interval << " s\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long long>(a.wait_interval * 1000)));
    }
  }
  if (const Status s = SyncFilesystems(rewritten); !s.ok()) return Fail(s.error());
  return worst;
}

}  // namespace

void AddStampCommands(CLI::App& app, const Bind& bind) {
  auto s = std::make_shared<StampArgs>();
  CLI::App* st = app.add_subcommand("stamp", "Timestamp files with OpenTimestamps calendars (writes FILE.ots)");
  st->add_option("FILE", s->files, "Files to timestamp")->required();
  st->add_option("-c,--calendar", s->calendars, "Calendar (aggregator) URL; repeatable (default: the public aggregators)")
      ->allow_extra_args(false);
  st->add_option("-m,--min-calendars", s->min_calendars, "Calendar replies required (default 2, at most the number of calendars)");
  st->add_option("--timeout", s->timeout, "Seconds to connect and to get a reply, per calendar request (default 5)");
  st->add_flag_callback("--progress", [s] { s->progress = 1; }, "Show a progress bar on stderr");
  st->add_flag_callback("--no-progress", [s] { s->progress = 0; }, "Never show a progress bar");
  bind(st, [s] { return Stamp(*s); });

  auto u = std::make_shared<UpgradeArgs>();
  CLI::App* up = app.add_subcommand("upgrade", "Complete pending OpenTimestamps proofs from their calendars");
  up->add_option("FILE.ots", u->files, "Proofs to upgrade")->required();
  up->add_option("-c,--calendar", u->calendars, "Also trust this calendar URL; repeatable")->allow_extra_args(false);
  up->add_option("--whitelist", u->whitelist, "Also trust calendars matching this URL pattern, e.g. https://*.calendar.example.org")
      ->allow_extra_args(false);
  up->add_flag("--wait", u->wait, "Keep trying until every proof is complete");
  up->add_option("--wait-interval", u->wait_interval, "Seconds between tries with --wait (default 30)");
  up->add_option("--timeout", u->timeout, "Seconds to connect and to get a reply, per calendar request (default 5)");
  bind(up, [u] { return Upgrade(*u); });
}

}  // namespace peerdb::cli
