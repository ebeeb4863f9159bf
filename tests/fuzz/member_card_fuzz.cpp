// Fuzz target for member cards (node::DecodeMemberCard): the JSON a firm receives from each other
// member to build the consortium. For every input: no crash, hang, exception or sanitizer finding;
// a rejection is kMalformed; an accepted card respects the documented limits, and its canonical
// form (EncodeMemberCard) decodes to the same card and re-encodes to the same text. Any breach aborts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "peerdb/chain/limits.h"
#include "peerdb/node/identity.h"
#include "peerdb/util/assert.h"

namespace {

using namespace peerdb;

bool Same(const node::MemberCard& a, const node::MemberCard& b) {
  return a.name == b.name && a.contact == b.contact && a.pubkey == b.pubkey && a.enc_pubkey == b.enc_pubkey &&
         a.address == b.address;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto card = node::DecodeMemberCard(text);
  if (!card.ok()) {
    PEERDB_ASSERT(card.error().code == Errc::kMalformed);
    return 0;
  }
  PEERDB_ASSERT(!card->name.empty() && card->name.size() <= chain::kMaxNameBytes);
  PEERDB_ASSERT(card->contact.size() <= chain::kMaxContactBytes);
  const std::string canonical = node::EncodeMemberCard(*card);
  auto again = node::DecodeMemberCard(canonical);
  PEERDB_ASSERT(again.ok());
  PEERDB_ASSERT(Same(*card, *again));
  PEERDB_ASSERT(node::EncodeMemberCard(*again) == canonical);
  return 0;
}
