// consortium.toml: the human-readable form of the genesis that every member holds.
// The file states the chain id it was created with; loading recomputes H("PDB1/genesis", Genesis)
// and refuses a file whose content no longer matches it (an edited or corrupted genesis).
// Peer addresses are kept beside the members but are not part of the genesis (they may change).
// Thread-safety: free functions.
#pragma once

#include <map>
#include <string>

#include "peerdb/chain/config.h"
#include "peerdb/util/result.h"

namespace peerdb::node {

struct Consortium {
  chain::Genesis genesis;
  Hash32 chain_id{};
  std::map<chain::MemberId, std::string> addresses;  // peer addresses, not hashed
};

std::string EncodeConsortiumToml(const Consortium& consortium);
Result<Consortium> DecodeConsortiumToml(std::string_view text);
Result<Consortium> LoadConsortium(const std::string& path);

// Parses "append-only" | "owner-edit" | "editors-edit".
Result<chain::RuleMode> ParseRuleMode(std::string_view text);
std::string_view RuleModeName(std::uint8_t mode);

}  // namespace peerdb::node
