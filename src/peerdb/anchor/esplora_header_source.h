// Bitcoin headers from an Esplora HTTP API (as https://blockstream.info/api serves it):
// GET {base}/block-height/{h} -> block hash (display-order hex, text), then
// GET {base}/block/{hash}/header -> the 80-byte header as hex text; the tip from
// GET {base}/blocks/tip/height (decimal text). The source is not trusted: the
// header must hash to the block hash it named, and VerifyBitcoin still checks merkle root and proof
// of work, so a lying server can make verification fail but never succeed falsely.
// Errors: kNotFound (404: height or block unknown), kUnavailable (network, timeout, 5xx),
// kTooLarge (oversize answer), kMalformed (anything else that is not the expected answer).
// Thread-safety: HeaderAt performs blocking I/O; one call at a time per object.
#pragma once

#include <string>

#include "peerdb/http/client.h"
#include "peerdb/ots/verify.h"

namespace peerdb::anchor {

inline constexpr char kDefaultEsploraUrl[] = "https://blockstream.info/api";
inline constexpr std::size_t kMaxEsploraHashBody = 100;
inline constexpr std::size_t kMaxEsploraHeaderBody = 200;

class EsploraHeaderSource : public ots::HeaderSource {
 public:
  // base_url without the route, e.g. "https://blockstream.info/api"; a trailing '/' is ignored.
  explicit EsploraHeaderSource(std::string base_url, http::ClientOptions options = {});
  Result<ots::BlockHeader> HeaderAt(std::uint64_t height) override;
  Result<std::uint64_t> TipHeight() override;

 private:
  std::string m_base;
  http::ClientOptions m_options;
};

}  // namespace peerdb::anchor
