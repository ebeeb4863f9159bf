// node.toml: where a node finds its consortium file, key, data directory and API address, and how
// it anchors (the [anchor] section).
// Relative paths are resolved against the directory holding node.toml.
// Thread-safety: value types and free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerdb/chain/config.h"
#include "peerdb/util/result.h"

namespace peerdb::node {

enum class BitcoinNetwork { kMainnet, kRegtest };

// log_format: "text" (spdlog's default lines) or "json" (one JSON object per line, for collectors).
enum class LogFormat { kText, kJson };

// The [anchor] section (docs/user-guide.md "Anchoring"): anchoring of this node's checkpoints in
// Bitcoin through OpenTimestamps calendars (PROTOCOL.md §1.8).
struct AnchorConfig {
  bool enabled = false;
  std::vector<std::string> calendars;            // http(s) calendar URLs the digests are submitted to
  std::size_t min_calendars = 2;                 // a submission succeeds when this many answered
  std::uint64_t interval_ms = 3'600'000;         // at most one submission per interval
  std::uint64_t upgrade_interval_ms = 600'000;   // how often pending proofs are upgraded and rechecked
  std::string esplora;                           // Bitcoin header source: an Esplora API base URL,
  std::string bitcoind_rest;                     // or a bitcoind REST base URL (exactly one)
  std::optional<std::uint32_t> confirmations;    // k_anchor; default: the consortium's k_anchor
  BitcoinNetwork network = BitcoinNetwork::kMainnet;  // sets the proof-of-work limit headers must meet
  std::vector<std::string> whitelist;            // further calendar patterns upgrades may follow
  std::uint64_t timeout_ms = 5'000;              // per request: to connect, and for the exchange
};

// Decoding checks every setting that needs no file or network (log_level, log_format, api_listen
// parse; [anchor] is consistent); what needs the files is checked by node_setup.h.
struct NodeConfig {
  std::string consortium_path;
  std::string key_path;
  // A member added by a config change (§5.3) is not in the consortium file: its id (printed by
  // `peerdb change propose --add-member`). Members of the genesis need not set it.
  std::optional<chain::MemberId> member_id;
  // Key rotation: the member's next key, held until the rotation activates. The node signs at each
  // height with whichever of `key` and `next_key` the config in force there names.
  std::string next_key_path;
  std::string data_dir;
  std::string api_listen = "127.0.0.1:7070";
  std::string log_level = "info";   // checked when decoded: trace, debug, info, warn, error or off
  std::string log_file;             // appended to (created with mode 0640); empty: stderr
  LogFormat log_format = LogFormat::kText;
  // Where this member accepts peer connections; default: its address in the consortium file.
  std::string peer_listen;
  // Test networks only: "double-seal" makes this node also sign a conflicting seal at every height
  // it seals, so tests can show honest members catching it (E4); "omit-reader" makes its node
  // accept writes whose envelopes leave one reader out and gossip them, so tests can show that no
  // member's block takes them (C5); "bad-ciphertext" makes it seal envelopes whose ciphertext does
  // not decrypt, so tests can show its readers raising A9 and going on. Never set it on a real network.
  std::string testing_byzantine;
  // The state tree's rows go to disk with every this many blocks (and sooner when the rows held
  // in memory reach 32 MiB); a start replays at most this many blocks into the tree. Fewer: more
  // writes per block; more: more memory and a longer start after a crash.
  std::uint64_t state_tree_flush_blocks = 64;
  AnchorConfig anchor;
};
inline constexpr std::int64_t kMaxTreeFlushBlocks = 100'000;

Result<NodeConfig> LoadNodeConfig(const std::string& path);
Result<NodeConfig> DecodeNodeConfig(std::string_view text, const std::string& base_dir);

}  // namespace peerdb::node
