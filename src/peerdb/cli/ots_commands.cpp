// peerdb info / peerdb verify: reading OpenTimestamps proofs and verifying their Bitcoin
// attestations against a header source (a headers file, an Esplora API or a bitcoind REST port).
#include <ctime>
#include <iostream>
#include <memory>

#include "peerdb/anchor/bitcoind_rest_header_source.h"
#include "peerdb/anchor/esplora_header_source.h"
#include "peerdb/cli/cli.h"
#include "peerdb/cli/commands.h"
#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/hashes.h"
#include "peerdb/ots/headers_file.h"
#include "peerdb/ots/info.h"
#include "peerdb/ots/verify.h"
#include "peerdb/util/file.h"

namespace peerdb::cli {
namespace {

// Files are hashed in memory; larger ones are refused rather than exhausting it.
constexpr std::size_t kMaxVerifiedFileSize = std::size_t{1} << 30;

int BadInput(const std::string& message) {
  std::cerr << "peerdb: " << message << "\n";
  return kExitBadInput;
}

int Failed(const std::string& message) {
  std::cerr << "peerdb: " << message << "\n";
  return kExitFailed;
}

int Info(const std::string& path) {
  auto file = ots::LoadOtsFile(path);
  if (!file.ok()) return BadInput(path + ": " + file.error().message);
  std::cout << ots::InfoString(*file);
  return kExitOk;
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

std::string UtcTime(std::uint32_t seconds) {
  const std::time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

struct VerifyArgs {
  std::string file, ots_file, headers, esplora, bitcoind;
  std::string network = "mainnet";
  std::uint64_t min_confirmations = 1;
};

std::string Plural(std::uint64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

int Verify(const VerifyArgs& a) {
  const std::string ots_path = a.ots_file.empty() ? a.file + ".ots" : a.ots_file;
  if (!a.headers.empty() + !a.esplora.empty() + !a.bitcoind.empty() > 1) {
    return BadInput("give at most one of --headers, --esplora, --bitcoind");
  }
  auto proof = ots::LoadOtsFile(ots_path);
  if (!proof.ok()) return BadInput(ots_path + ": " + proof.error().message);
  auto digest = HashFile(a.file, proof->file_hash_op);
  if (!digest.ok()) return BadInput(a.file + ": " + digest.error().message);
  if (*digest != proof->file_digest()) return Failed(a.file + " does not match the digest in " + ots_path);

  bool has_bitcoin = false, has_pending = false;
  for (const ots::LeafAttestation& leaf : proof->timestamp.AllAttestations()) {
    has_bitcoin |= leaf.attestation.kind == ots::AttestationKind::kBitcoin;
    has_pending |= leaf.attestation.kind == ots::AttestationKind::kPending;
  }
  if (!has_bitcoin) {
    if (has_pending) return Failed("Pending confirmation in Bitcoin; run peerdb upgrade");
    return Failed(ots_path + " has no Bitcoin attestation to verify");
  }

  std::unique_ptr<ots::HeaderSource> source;
  if (!a.headers.empty()) {
    auto file = ots::HeadersFile::Load(a.headers);
    if (!file.ok()) return BadInput(file.error().message);
    source = std::make_unique<ots::HeadersFile>(std::move(*file));
  } else if (!a.bitcoind.empty()) {
    if (auto url = anchor::ParseUrl(a.bitcoind); !url.ok()) return BadInput("--bitcoind: " + url.error().message);
    source = std::make_unique<anchor::BitcoindRestHeaderSource>(a.bitcoind);
  } else {
    const std::string base = a.esplora.empty() ? anchor::kDefaultEsploraUrl : a.esplora;
    if (auto url = anchor::ParseUrl(base); !url.ok()) return BadInput("--esplora: " + url.error().message);
    source = std::make_unique<anchor::EsploraHeaderSource>(base);
  }

  // regtest is the devchain's (and Bitcoin regtest's) proof-of-work limit: far easier than mainnet's.
  const ots::VerifyOptions options{.pow_limit_bits = a.network == "regtest" ? ots::kRegtestPowLimitBits
                                                                             : ots::kMainnetPowLimitBits};
  auto verified = ots::VerifyBitcoin(proof->timestamp, *source, options);
  if (!verified.ok()) {
    const Error& e = verified.error();
    if (e.code == Errc::kUnavailable || e.code == Errc::kIo) {
      return BadInput("cannot get Bitcoin block headers: " + e.message);
    }
    return Failed("verification failed: " + e.message);
  }
  const std::string block = "Bitcoin block " + std::to_string(verified->height);
  std::string confirmations = Plural(verified->confirmations, "confirmation");
  if (verified->tip_error) {
    const Error& e = *verified->tip_error;
    if (a.min_confirmations > 0) {
      if (e.code == Errc::kUnavailable || e.code == Errc::kIo) {
        return BadInput("cannot get the Bitcoin tip height to count confirmations: " + e.message);
      }
      return Failed("not verified: cannot count the confirmations of " + block + ": " + e.message);
    }
    confirmations = "confirmations unknown";
  } else if (verified->confirmations < a.min_confirmations) {
    return Failed("not verified: " + block + " has only " + confirmations + ", " +
                  std::to_string(a.min_confirmations) + " required");
  }
  std::cout << "Success! " << block << " attests existence as of " << UtcTime(verified->time) << " ("
            << confirmations << "; block hash " << ots::DisplayHex(verified->block_hash) << ")\n";
  return kExitOk;
}

}  // namespace

void AddOtsCommands(CLI::App& app, const Bind& bind) {
  auto info_path = std::make_shared<std::string>();
  CLI::App* i = app.add_subcommand("info", "Show the contents of an OpenTimestamps proof");
  i->add_option("FILE.ots", *info_path, "The proof")->required();
  bind(i, [info_path] { return Info(*info_path); });

  auto args = std::make_shared<VerifyArgs>();
  CLI::App* v = app.add_subcommand("verify", "Verify a file against its OpenTimestamps proof and Bitcoin");
  v->add_option("FILE", args->file, "The timestamped file")->required();
  v->add_option("FILE.ots", args->ots_file, "Its proof (default: FILE.ots)");
  v->add_option("--headers", args->headers, "Bitcoin headers from a JSON file (offline)");
  v->add_option("--esplora", args->esplora, std::string("Esplora API base URL (default ") +
                                                 anchor::kDefaultEsploraUrl + ")");
  v->add_option("--bitcoind", args->bitcoind, "Base URL of a bitcoind started with -rest, e.g. http://127.0.0.1:8332");
  v->add_option("--network", args->network, "mainnet (default) or regtest (the devchain): the proof-of-work limit")
      ->check(CLI::IsMember({"mainnet", "regtest"}));
  v->add_option("--min-confirmations", args->min_confirmations,
                "Report the proof unverified unless its block has this many confirmations (default 1)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1'000'000}));
  bind(v, [args] { return Verify(*args); });
}

}  // namespace peerdb::cli
