// The devchain's HTTP routes, independent of the transport:
//   calendar (as opentimestamps-server's rpc.py): POST /digest, GET /timestamp/<hex>, GET /tip;
//   Esplora (as blockstream.info/api): GET /blocks/tip/height, /blocks/tip/hash, /block-height/<h>,
//     /block/<hash>, /block/<hash>/header, /block/<hash>/status, /block/<hash>/txids,
//     /block/<hash>/txid/<i>, /block/<hash>/raw;
//   admin, loopback clients only, JSON in and out: POST /admin/mine {"blocks":N},
//     POST /admin/reorg {"depth":N}; errors as {"error":{"code","message"}}.
// Calendar and Esplora errors are text/plain with the reference servers' wording.
// Thread-safety: HandleRequest may run on any thread (the calendar locks itself).
#pragma once

#include <string>
#include <string_view>

#include "peerdb/devchain/calendar.h"

namespace peerdb::devchain {

struct Request {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // origin-form, e.g. "/timestamp/ab12?x" (a query is ignored)
  std::string_view body;
  bool from_loopback = false;
};

struct Reply {
  unsigned status = 200;
  std::string content_type = "text/plain";
  std::string cache_control = "no-store";
  std::string body;
};

Reply HandleRequest(Calendar& calendar, const Request& request);

// The answer to a POST /digest whose Content-Length exceeds 64 (sent before reading the body).
Reply DigestTooLongReply();

}  // namespace peerdb::devchain
