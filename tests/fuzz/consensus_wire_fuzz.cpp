// Fuzz target for the peer messages of PROTOCOL.md §1.6 and §6.1 (consensus::DecodeMessage): the
// first input byte is the frame's type byte, the rest the frame body, as a node receives them from
// a member. For every input: no crash, hang or sanitizer finding; a rejection carries a decoder
// error code; an accepted message has the type it was decoded as and re-encodes to exactly the
// body, EncodeMessage(DecodeMessage(t, x)) == x. Accepted values are then fed to the hashes and
// stateless checks a node runs on them first (SyncResponse: every block it carries). Any breach aborts.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "peerdb/chain/rules.h"
#include "peerdb/chain/block.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/chain/messages.h"
#include "peerdb/consensus/wire.h"
#include "peerdb/util/assert.h"

namespace {

using namespace peerdb;

bool IsDecoderError(Errc code) {
  return code == Errc::kMalformed || code == Errc::kTooLarge || code == Errc::kBadVersion;
}

void Exercise(const chain::Block& b) {
  (void)chain::BlockId(b.header);
  (void)chain::CheckBlockShape(b, chain::Params{});
  if (b.parent_cert) (void)chain::MajorityCertHash(*b.parent_cert);
}
void Exercise(const chain::Proposal& p) {
  (void)chain::JustificationHash(p.justification);
  Exercise(p.block);
}
void Exercise(const chain::MajorityCert& mc) { (void)chain::MajorityCertHash(mc); }
void Exercise(const chain::TxBatch& b) {
  (void)chain::CheckBatchShape(b, chain::Params{});
  (void)chain::BatchId(b);
}
void Exercise(const consensus::SyncResponse& r) {
  PEERDB_ASSERT(r.blocks.size() <= consensus::kMaxSyncBlocks);
  for (const consensus::SyncBlock& sb : r.blocks) {
    Exercise(sb.block);
    Exercise(sb.cert);
  }
}
template <class T>
void Exercise(const T&) {}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t type = data[0];
  const ByteSpan body(data + 1, size - 1);
  auto decoded = consensus::DecodeMessage(type, body);
  if (!decoded.ok()) {
    PEERDB_ASSERT(IsDecoderError(decoded.error().code));
    return 0;
  }
  PEERDB_ASSERT(static_cast<std::uint8_t>(consensus::TypeOf(*decoded)) == type);
  PEERDB_ASSERT(consensus::MsgTypeName(consensus::TypeOf(*decoded)) != "unknown");
  const Bytes again = consensus::EncodeMessage(*decoded);
  PEERDB_ASSERT(Bytes(body.begin(), body.end()) == again);
  std::visit([](const auto& m) { Exercise(m); }, *decoded);
  return 0;
}
