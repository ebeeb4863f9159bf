// peerdb verify: checks files against their OpenTimestamps proofs and the proofs' Bitcoin
// attestations against a header source (a headers file, an Esplora API or a bitcoind REST port).
//
// `peerdb verify FILE [FILE.ots]` checks one file, as the reference client's `ots verify`. Given
// more files (each named as FILE or FILE.ots), it checks them all with one header source behind a
// cache, so an auditor can check a whole archive in one run: every header is fetched once, the
// files are checked on several threads, and the report lists every file in the order given.
#include <algorithm>
#include <atomic>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "peerdb/anchor/bitcoind_rest_header_source.h"
#include "peerdb/anchor/esplora_header_source.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/http/url.h"
#include "peerdb/ots/cached_header_source.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/hashes.h"
#include "peerdb/ots/headers_file.h"
#include "peerdb/ots/verify.h"
#include "peerdb/util/file.h"
#include "peerdb/util/time_text.h"

namespace peerdb::cli {
namespace {

// Files are hashed in memory; larger ones are refused rather than exhausting it.
constexpr std::size_t kMaxVerifiedFileSize = std::size_t{1} << 30;
constexpr std::size_t kMaxVerifyThreads = 8;
constexpr std::size_t kFilesPerThread = 64;  // below this, more threads cost more than they save

struct VerifyArgs {
  std::vector<std::string> targets;
  std::string headers, esplora, bitcoind;
  std::string network = "mainnet";
  std::uint64_t min_confirmations = 1;
};

struct ProofPair {
  std::string file;
  std::string proof;
};

// What one file's check printed: on stdout when it verified, else on stderr with its exit code.
struct Outcome {
  int code = kExitOk;
  std::string message;
};

Outcome Ok(std::string m) { return {kExitOk, std::move(m)}; }
Outcome Failed(std::string m) { return {kExitFailed, std::move(m)}; }
// The exit code follows the error's kind: a missing file is "not found", a header source that
// cannot be reached "unavailable" (docs/errors.md).
Outcome FromError(const std::string& what, const Error& e) { return {ExitCodeFor(e.code), what + e.message}; }

bool EndsWithOts(const std::string& s) { return s.size() > 4 && s.compare(s.size() - 4, 4, ".ots") == 0; }

// Two arguments of which only the second ends in .ots are a file and its proof (the documented
// `peerdb verify FILE [FILE.ots]`); otherwise each argument names a pair: FILE or FILE.ots.
std::vector<ProofPair> PairsFromTargets(const std::vector<std::string>& targets) {
  if (targets.size() == 2 && !EndsWithOts(targets[0]) && EndsWithOts(targets[1])) {
    return {{targets[0], targets[1]}};
  }
  std::vector<ProofPair> pairs;
  pairs.reserve(targets.size());
  for (const std::string& t : targets) {
    if (EndsWithOts(t)) {
      pairs.push_back({t.substr(0, t.size() - 4), t});
    } else {
      pairs.push_back({t, t + ".ots"});
    }
  }
  return pairs;
}

Result<Bytes> HashFile(const std::string& path, ots::OpTag op) {
  PEERDB_TRY_ASSIGN(const Bytes data, util::ReadFile(path, kMaxVerifiedFileSize));
  switch (op) {
    case ots::OpTag::kSha1: { const auto h = ots::Sha1(data); return Bytes(h.begin(), h.end()); }
    case ots::OpTag::kRipemd160: { const auto h = ots::Ripemd160(data); return Bytes(h.begin(), h.end()); }
    case ots::OpTag::kSha256: { const auto h = crypto::Sha256(data); return Bytes(h.begin(), h.end()); }
    case ots::OpTag::kKeccak256: { const auto h = ots::Keccak256(data); return Bytes(h.begin(), h.end()); }
    default: return Error{Errc::kMalformed, "the proof's file hash op is not a hash"};
  }
}

std::string Plural(std::uint64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

Outcome VerifyPair(const ProofPair& pair, ots::HeaderSource& source, const VerifyArgs& a) {
  auto proof = ots::LoadOtsFile(pair.proof);
  if (!proof.ok()) return FromError(pair.proof + ": ", proof.error());
  auto digest = HashFile(pair.file, proof->file_hash_op);
  if (!digest.ok()) return FromError(pair.file + ": ", digest.error());
  if (*digest != proof->file_digest()) return Failed(pair.file + " does not match the digest in " + pair.proof);

  bool has_bitcoin = false, has_pending = false;
  for (const ots::LeafAttestation& leaf : proof->timestamp.AllAttestations()) {
    has_bitcoin |= leaf.attestation.kind == ots::AttestationKind::kBitcoin;
    has_pending |= leaf.attestation.kind == ots::AttestationKind::kPending;
  }
  if (!has_bitcoin) {
    if (has_pending) return Failed("Pending confirmation in Bitcoin; run peerdb upgrade");
    return Failed(pair.proof + " has no Bitcoin attestation to verify");
  }

  // regtest is the devchain's (and Bitcoin regtest's) proof-of-work limit: far easier than mainnet's.
  const ots::VerifyOptions options{.pow_limit_bits = a.network == "regtest" ? ots::kRegtestPowLimitBits
                                                                             : ots::kMainnetPowLimitBits};
  auto verified = ots::VerifyBitcoin(proof->timestamp, source, options);
  if (!verified.ok()) {
    const Error& e = verified.error();
    if (e.code == Errc::kUnavailable || e.code == Errc::kIo) {
      return FromError("cannot get Bitcoin block headers: ", e);
    }
    return Failed("verification failed: " + e.message);
  }
  const std::string block = "Bitcoin block " + std::to_string(verified->height);
  std::string confirmations = Plural(verified->confirmations, "confirmation");
  if (verified->tip_error) {
    const Error& e = *verified->tip_error;
    if (a.min_confirmations > 0) {
      if (e.code == Errc::kUnavailable || e.code == Errc::kIo) {
        return FromError("cannot get the Bitcoin tip height to count confirmations: ", e);
      }
      return Failed("not verified: cannot count the confirmations of " + block + ": " + e.message);
    }
    confirmations = "confirmations unknown";
  } else if (verified->confirmations < a.min_confirmations) {
    return Failed("not verified: " + block + " has only " + confirmations + ", " +
                  std::to_string(a.min_confirmations) + " required");
  }
  return Ok("Success! " + block + " attests existence as of " + util::UtcTimeText(verified->time) + " (" + confirmations +
            "; block hash " + ots::DisplayHex(verified->block_hash) + ")");
}

Result<std::unique_ptr<ots::HeaderSource>> OpenHeaderSource(const VerifyArgs& a) {
  if (!a.headers.empty() + !a.esplora.empty() + !a.bitcoind.empty() > 1) {
    return Error{Errc::kConfig, "give at most one of --headers, --esplora, --bitcoind"};
  }
  if (!a.headers.empty()) {
    PEERDB_TRY_ASSIGN(ots::HeadersFile file, ots::HeadersFile::Load(a.headers));
    return std::unique_ptr<ots::HeaderSource>(std::make_unique<ots::HeadersFile>(std::move(file)));
  }
  if (!a.bitcoind.empty()) {
    if (auto url = http::ParseUrl(a.bitcoind); !url.ok()) return url.error().Context("--bitcoind");
    return std::unique_ptr<ots::HeaderSource>(std::make_unique<anchor::BitcoindRestHeaderSource>(a.bitcoind));
  }
  const std::string base = a.esplora.empty() ? anchor::kDefaultEsploraUrl : a.esplora;
  if (auto url = http::ParseUrl(base); !url.ok()) return url.error().Context("--esplora");
  return std::unique_ptr<ots::HeaderSource>(std::make_unique<anchor::EsploraHeaderSource>(base));
}

// Checks every pair on up to kMaxVerifyThreads threads; outcomes keep the pairs' order.
std::vector<Outcome> VerifyAll(const std::vector<ProofPair>& pairs, ots::HeaderSource& source, const VerifyArgs& a) {
  std::vector<Outcome> outcomes(pairs.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < pairs.size(); i = next++) outcomes[i] = VerifyPair(pairs[i], source, a);
  };
  const std::size_t threads = std::clamp<std::size_t>(
      std::min<std::size_t>(std::thread::hardware_concurrency(), pairs.size() / kFilesPerThread), 1,
      kMaxVerifyThreads);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return outcomes;
}

int Verify(const VerifyArgs& a) {
  auto opened = OpenHeaderSource(a);
  if (!opened.ok()) {
    std::cerr << "peerdb: " << opened.error().message << "\n";
    return kExitBadInput;
  }
  ots::CachedHeaderSource source(**opened);
  const std::vector<ProofPair> pairs = PairsFromTargets(a.targets);
  if (pairs.size() == 1) {
    const Outcome o = VerifyPair(pairs[0], source, a);
    (o.code == kExitOk ? std::cout : std::cerr) << (o.code == kExitOk ? "" : "peerdb: ") << o.message << "\n";
    return o.code;
  }

  const std::vector<Outcome> outcomes = VerifyAll(pairs, source, a);
  std::string out, err;
  std::size_t verified = 0;
  int worst = kExitOk;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const Outcome& o = outcomes[i];
    (o.code == kExitOk ? out : err) += pairs[i].file + ": " + o.message + "\n";
    verified += o.code == kExitOk;
    worst = std::max(worst, o.code);
  }
  std::cout << out << "Verified " << verified << " of " << pairs.size() << " files\n";
  std::cerr << err;
  return worst;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, const Bind& bind) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* v = app.add_subcommand("verify", "Verify files against their OpenTimestamps proofs and Bitcoin");
  v->add_option("FILE", args->targets,
                "The timestamped file and optionally its proof (FILE [FILE.ots]), or several files, each named as "
                "FILE or FILE.ots")
      ->required();
  v->add_option("--headers", args->headers, "Bitcoin headers from a JSON file (offline)");
  v->add_option("--esplora", args->esplora, std::string("Esplora API base URL (default ") +
                                                 anchor::kDefaultEsploraUrl + ")");
  v->add_option("--bitcoind", args->bitcoind, "Base URL of a bitcoind started with -rest, e.g. http://127.0.0.1:8332");
  v->add_option("--network", args->network, "mainnet (default) or regtest (the devchain): the proof-of-work limit")
      ->check(CLI::IsMember({"mainnet", "regtest"}));
  v->add_option("--min-confirmations", args->min_confirmations,
                "Report a proof unverified unless its block has this many confirmations (default 1)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1'000'000}));
  bind(v, [args] { return Verify(*args); });
}

}  // namespace peerdb::cli
