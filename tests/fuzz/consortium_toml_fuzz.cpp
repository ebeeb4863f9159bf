// Fuzz target for consortium files (node::DecodeConsortiumToml): the genesis every member loads,
// written by whoever set the consortium up. For every input: no crash, hang, escaping exception or
// sanitizer finding; a rejection is kConfig; an accepted file's genesis passes CheckGenesis and
// hashes to the chain id the file states, and its canonical form (EncodeConsortiumToml) decodes to
// the same genesis (byte for byte in PCE), chain id and peer addresses. Any breach aborts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "peerdb/chain/config.h"
#include "peerdb/codec/pce.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/util/assert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peerdb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto consortium = node::DecodeConsortiumToml(text);
  if (!consortium.ok()) {
    PEERDB_ASSERT(consortium.error().code == Errc::kConfig);
    return 0;
  }
  PEERDB_ASSERT(chain::CheckGenesis(consortium->genesis).ok());
  PEERDB_ASSERT(chain::ChainId(consortium->genesis) == consortium->chain_id);
  const std::string canonical = node::EncodeConsortiumToml(*consortium);
  auto again = node::DecodeConsortiumToml(canonical);
  PEERDB_ASSERT(again.ok());
  PEERDB_ASSERT(codec::Encode(again->genesis) == codec::Encode(consortium->genesis));
  PEERDB_ASSERT(again->chain_id == consortium->chain_id);
  PEERDB_ASSERT(again->addresses == consortium->addresses);
  return 0;
}
