// The Bitcoin header source options that `peerdb audit` and `peerdb verify-disclosure` share:
// --esplora, --bitcoind or --headers (at most one), --network, --min-confirmations.
// Thread-safety: single-thread (the CLI's).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "peerdb/audit/anchor_audit.h"
#include "peerdb/ots/verify.h"
#include "peerdb/util/result.h"

namespace peerdb::cli {

struct BitcoinFlags {
  std::string esplora, bitcoind, headers, network = "mainnet";
  std::optional<std::uint32_t> min_confirmations;
};

void AddBitcoinFlags(CLI::App* command, BitcoinFlags& flags);

// The header source the flags name (none: anchors are checked for their shape only) and the view
// of Bitcoin the audit code takes. The view refers to the source: keep them together.
struct BitcoinSource {
  std::unique_ptr<ots::HeaderSource> headers;
  audit::BitcoinView view;
};

// kMalformed when more than one source is named; a URL or headers file error otherwise.
Result<std::unique_ptr<BitcoinSource>> OpenBitcoinSource(const BitcoinFlags& flags);

}  // namespace peerdb::cli
