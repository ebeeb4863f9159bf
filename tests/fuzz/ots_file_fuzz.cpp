// Fuzz target for the .ots parser: the input as a whole .ots file (ots::DecodeOtsFile) and as a
// bare timestamp rooted at a fixed 32-byte message (ots::DecodeTimestamp, as calendars answer).
// For every input: no crash, hang or sanitizer finding; a rejection carries a parser error code;
// accepted input re-serializes, that canonical form parses again and re-serializes to the same
// bytes (parse -> serialize -> parse stability), and it is never longer than the input. Accepted
// trees are also printed and verified against a one-header source. Any breach aborts.
#include <cstddef>
#include <cstdint>

#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/info.h"
#include "peerdb/ots/timestamp_codec.h"
#include "peerdb/ots/verify.h"
#include "peerdb/util/assert.h"

namespace {

using namespace peerdb;

bool IsParserError(Errc code) {
  return code == Errc::kMalformed || code == Errc::kTooLarge || code == Errc::kBadVersion || code == Errc::kInvalid;
}

class OneHeaderSource : public ots::HeaderSource {
 public:
  Result<ots::BlockHeader> HeaderAt(std::uint64_t height) override {
    if (height != 358391) return Error{Errc::kNotFound, "no header"};
    ots::BlockHeader h;
    h.version = 2;
    h.bits = 0x181686f5;
    h.time = 1432827678;
    return h;
  }
  Result<std::uint64_t> TipHeight() override { return 358400; }
};

void Exercise(const ots::Timestamp& t) {
  (void)ots::TimestampToString(t);
  OneHeaderSource source;
  (void)ots::VerifyBitcoin(t, source);
  for (const ots::LeafAttestation& leaf : t.AllAttestations()) PEERDB_ASSERT(leaf.msg.size() <= ots::kMaxMsgLength);
}

void CheckFile(ByteSpan in) {
  auto file = ots::DecodeOtsFile(in);
  if (!file.ok()) {
    PEERDB_ASSERT(IsParserError(file.error().code));
    return;
  }
  auto once = ots::EncodeOtsFile(*file);
  PEERDB_ASSERT(once.ok());
  PEERDB_ASSERT(once->size() <= in.size());
  auto again = ots::DecodeOtsFile(*once);
  PEERDB_ASSERT(again.ok());
  auto twice = ots::EncodeOtsFile(*again);
  PEERDB_ASSERT(twice.ok() && *twice == *once);
  (void)ots::InfoString(*file);
  Exercise(file->timestamp);
}

void CheckBareTimestamp(ByteSpan in) {
  const Bytes root(32, 0xab);
  auto t = ots::DecodeTimestamp(in, root);
  if (!t.ok()) {
    PEERDB_ASSERT(IsParserError(t.error().code));
    return;
  }
  auto once = ots::EncodeTimestamp(*t);
  PEERDB_ASSERT(once.ok());
  PEERDB_ASSERT(once->size() <= in.size());
  auto again = ots::DecodeTimestamp(*once, root);
  PEERDB_ASSERT(again.ok());
  auto twice = ots::EncodeTimestamp(*again);
  PEERDB_ASSERT(twice.ok() && *twice == *once);
  Exercise(*t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const peerdb::ByteSpan in(data, size);
  CheckFile(in);
  if (size <= peerdb::ots::kMaxOtsFileSize) CheckBareTimestamp(in);
  return 0;
}
