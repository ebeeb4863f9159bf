// The devchain's HTTP routes, independent of the transport:
//   calendar (as opentimestamps-server's rpc.py): POST /digest, GET /timestamp/<hex>, GET /tip;
//   Esplora (as blockstream.info/api): GET /blocks/tip/height, /blocks/tip/hash, /block-height/<h>,
//     /block/<hash>, /block/<hash>/header, /block/<hash>/status, /block/<hash>/txids,
//     /block/<hash>/txid/<i>, /block/<hash>/raw;
//   admin, loopback clients only, JSON in and out: POST /admin/mine {"blocks":N},
//     POST /admin/reorg {"depth":N}; errors as {"error":{"code","message"}}.
// Calendar and Esplora errors are text/plain with the reference servers' wording.
// Thread-safety: HandleDevchainRequest may run on any thread (the calendar locks itself).
#pragma once

#include <string>
#include <string_view>

#include "peerdb/anchor/devchain_calendar.h"

namespace peerdb::anchor {

struct DevchainRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // origin-form, e.g. "/timestamp/ab12?x" (a query is ignored)
  std::string_view body;
  bool from_loopback = false;
};

struct DevchainReply {
  unsigned status = 200;
  std::string content_type = "text/plain";
  std::string cache_control = "no-store";
  std::string body;
};

DevchainReply HandleDevchainRequest(DevchainCalendar& calendar, const DevchainRequest& request);

// The answer to a POST /digest whose Content-Length exceeds 64 (sent before reading the body).
DevchainReply DigestTooLongReply();

}  // namespace peerdb::anchor
