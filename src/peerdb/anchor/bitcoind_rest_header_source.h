// Bitcoin headers from a bitcoind started with -rest (doc/REST-interface.md):
// GET {base}/rest/blockhashbyheight/{h}.hex -> block hash (display-order hex), then
// GET {base}/rest/headers/{hash}.bin?count=1 -> the 80 raw header bytes (the form documented since
// 24.0). A node older than 24.0 rejects that form with HTTP 400; the source then asks once more with
// the older /rest/headers/1/{hash}.bin, which newer nodes still accept. The tip is "blocks" of
// GET {base}/rest/chaininfo.json. An empty answer means the
// block is not in the node's active chain (kNotFound). Same distrust and errors as
// EsploraHeaderSource. Thread-safety: HeaderAt performs blocking I/O; one call at a time per object.
#pragma once

#include <string>

#include "peerdb/http/client.h"
#include "peerdb/ots/verify.h"

namespace peerdb::anchor {

inline constexpr std::size_t kMaxRestHashBody = 100;
inline constexpr std::size_t kMaxRestHeaderBody = 200;
inline constexpr std::size_t kMaxRestChainInfoBody = 64 * 1024;

class BitcoindRestHeaderSource : public ots::HeaderSource {
 public:
  // base_url is the node's RPC address, e.g. "http://127.0.0.1:8332"; a trailing '/' is ignored.
  explicit BitcoindRestHeaderSource(std::string base_url, http::ClientOptions options = {});
  Result<ots::BlockHeader> HeaderAt(std::uint64_t height) override;
  Result<std::uint64_t> TipHeight() override;

 private:
  std::string m_base;
  http::ClientOptions m_options;
};

}  // namespace peerdb::anchor
