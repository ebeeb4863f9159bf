#include "peerdb/cli/bitcoin_flags.h"

#include "peerdb/anchor/bitcoind_rest_header_source.h"
#include "peerdb/anchor/esplora_header_source.h"
#include "peerdb/http/url.h"
#include "peerdb/ots/headers_file.h"

namespace peerdb::cli {

void AddBitcoinFlags(CLI::App* command, BitcoinFlags& flags) {
  command->add_option("--esplora", flags.esplora, "Check anchors against Bitcoin headers from this Esplora API base URL");
  command->add_option("--bitcoind", flags.bitcoind, "... or from a bitcoind started with -rest, e.g. http://127.0.0.1:8332");
  command->add_option("--headers", flags.headers, "... or from a JSON file of headers (offline)");
  command->add_option("--network", flags.network, "mainnet (default) or regtest: the proof-of-work limit headers must meet")
      ->check(CLI::IsMember({"mainnet", "regtest"}));
  command->add_option("--min-confirmations", flags.min_confirmations,
                      "Confirmations an anchor needs to fix its blocks (default: the consortium's k_anchor)")
      ->check(CLI::Range(1, 1000));
}

Result<std::unique_ptr<BitcoinSource>> OpenBitcoinSource(const BitcoinFlags& f) {
  if (!f.headers.empty() + !f.esplora.empty() + !f.bitcoind.empty() > 1) {
    return Error{Errc::kMalformed, "give at most one of --headers, --esplora, --bitcoind"};
  }
  auto out = std::make_unique<BitcoinSource>();
  if (!f.headers.empty()) {
    PEERDB_TRY_ASSIGN(ots::HeadersFile file, ots::HeadersFile::Load(f.headers));
    out->headers = std::make_unique<ots::HeadersFile>(std::move(file));
    out->view.description = "the headers file " + f.headers;
  } else if (!f.bitcoind.empty()) {
    if (auto url = http::ParseUrl(f.bitcoind); !url.ok()) return url.error().Context("--bitcoind");
    out->headers = std::make_unique<anchor::BitcoindRestHeaderSource>(f.bitcoind);
    out->view.description = "bitcoind " + f.bitcoind;
  } else if (!f.esplora.empty()) {
    if (auto url = http::ParseUrl(f.esplora); !url.ok()) return url.error().Context("--esplora");
    out->headers = std::make_unique<anchor::EsploraHeaderSource>(f.esplora);
    out->view.description = "Esplora " + f.esplora;
  }
  if (ots::HeaderSource* headers = out->headers.get()) {
    out->view.headers = headers;
    out->view.tip_height = [headers] { return headers->TipHeight(); };
  }
  out->view.pow_limit_bits = f.network == "regtest" ? ots::kRegtestPowLimitBits : ots::kMainnetPowLimitBits;
  out->view.min_confirmations = f.min_confirmations.value_or(0);  // 0: the chain's own k_anchor
  return out;
}

}  // namespace peerdb::cli
