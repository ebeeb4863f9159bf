// Fuzz target for Bitcoin header input: a headers file (ots::HeadersFile::Parse, the JSON that
// `peerdb verify --headers` and `peerdb audit --headers` read), and the first 80 bytes as a raw
// header (ots::DecodeBlockHeader, as Esplora and bitcoind REST serve them). For every input: no
// crash, hang, exception or sanitizer finding; a rejection carries a parser error code; an accepted
// raw header re-encodes to exactly its 80 bytes and goes through the proof-of-work checks; an
// accepted file answers for its tip. Any breach aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "peerdb/ots/bitcoin_header.h"
#include "peerdb/ots/headers_file.h"
#include "peerdb/util/assert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peerdb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = ots::HeadersFile::Parse(text);
  if (!file.ok()) {
    const Errc code = file.error().code;
    PEERDB_ASSERT(code == Errc::kMalformed || code == Errc::kCorrupt);
  } else {
    auto tip = file->TipHeight();
    PEERDB_ASSERT(tip.ok() == (file->size() > 0));
    if (tip.ok()) PEERDB_ASSERT(file->HeaderAt(*tip).ok());
  }

  const ByteSpan raw(data, std::min<std::size_t>(size, ots::kBlockHeaderSize));
  auto header = ots::DecodeBlockHeader(raw);
  PEERDB_ASSERT(header.ok() == (raw.size() == ots::kBlockHeaderSize));
  if (header.ok()) {
    const auto again = ots::EncodeBlockHeader(*header);
    PEERDB_ASSERT(std::equal(again.begin(), again.end(), raw.begin(), raw.end()));
    (void)ots::BlockHashHex(*header);
    (void)ots::TargetFromBits(header->bits);
    (void)ots::CheckProofOfWork(*header);
  }
  return 0;
}
