#include "peerdb/devchain/routes.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "peerdb/ots/bitcoin_header.h"

namespace peerdb::devchain {

namespace {

using json = nlohmann::json;

constexpr char kOctets[] = "application/octet-stream";
constexpr char kJson[] = "application/json";
constexpr char kCacheForever[] = "public, max-age=31536000";
constexpr char kCacheMinute[] = "public, max-age=60";

Reply Text(unsigned status, std::string body, std::string cache = "no-store") {
  return Reply{status, "text/plain", std::move(cache), std::move(body)};
}

Reply Json(const json& j, unsigned status = 200) {
  return Reply{status, kJson, "no-store", j.dump()};
}

Reply JsonError(unsigned status, const Error& e) {
  return Json(json{{"error", {{"code", std::string(ErrcName(e.code))}, {"message", e.message}}}}, status);
}

unsigned StatusFor(Errc code) {
  switch (code) {
    case Errc::kMalformed:
    case Errc::kInvalid:
    case Errc::kTooLarge: return 400;
    case Errc::kForbidden: return 403;
    case Errc::kNotFound: return 404;
    case Errc::kUnavailable:
    case Errc::kConfig: return 503;
    default: return 500;
  }
}

std::optional<std::uint64_t> ParseHeight(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A display-order block hash (64 hex digits) in internal order.
std::optional<Hash32> ParseBlockHash(std::string_view s) {
  if (s.size() != 64) return std::nullopt;
  auto h = Hash32FromHex(s);
  if (!h.ok()) return std::nullopt;
  Hash32 internal{};
  std::copy(h->rbegin(), h->rend(), internal.begin());
  return internal;
}

double Difficulty(std::uint32_t bits) {
  // Bitcoin's GetDifficulty: the mainnet limit target over this target.
  int shift = static_cast<int>((bits >> 24) & 0xff);
  double diff = 65535.0 / static_cast<double>(bits & 0x00ffffff);
  for (; shift < 29; ++shift) diff *= 256.0;
  for (; shift > 29; --shift) diff /= 256.0;
  return diff;
}

json BlockJson(Calendar& cal, const BlockMeta& m) {
  json j{{"id", ots::DisplayHex(m.hash)},
         {"height", m.height},
         {"version", m.header.version},
         {"timestamp", m.header.time},
         {"tx_count", m.tx_count},
         {"size", m.size},
         {"weight", m.size * 4},
         {"merkle_root", ots::DisplayHex(m.header.merkle_root)},
         {"previousblockhash", nullptr},
         {"mediantime", cal.MedianTimePast(m.height)},
         {"nonce", m.header.nonce},
         {"bits", m.header.bits},
         {"difficulty", Difficulty(m.header.bits)}};
  if (m.height > 0) j["previousblockhash"] = ots::DisplayHex(m.header.prev_block);
  return j;
}

Reply Digest(Calendar& cal, std::string_view body) {
  auto reply = cal.SubmitDigest(AsBytes(body));
  if (reply.ok()) return Reply{200, kOctets, "no-store", AsString(*reply)};
  const Error& e = reply.error();
  if (e.code == Errc::kTooLarge) return DigestTooLongReply();
  if (e.code == Errc::kMalformed) return Text(400, "digest must not be empty");
  return Text(StatusFor(e.code), e.message);
}

Reply GetTimestamp(Calendar& cal, std::string_view hex) {
  auto commitment = FromHex(hex);
  if (!commitment.ok()) return Text(400, "commitment must be hex-encoded bytes");
  auto found = cal.GetTimestamp(*commitment);
  if (!found.ok()) return Text(StatusFor(found.error().code), found.error().message);
  switch (found->state) {
    case TimestampLookup::State::kConfirmed:
      return Reply{200, kOctets, kCacheForever, AsString(found->proof)};
    case TimestampLookup::State::kPending:
      return Text(404, "Pending confirmation in Bitcoin blockchain", kCacheMinute);
    case TimestampLookup::State::kWaiting:
      return Text(404, "Timestamped by transaction " + ots::DisplayHex(found->txid) + "; waiting for " +
                           std::to_string(found->confirmations_needed) + " confirmations",
                  kCacheMinute);
    case TimestampLookup::State::kUnknown: break;
  }
  return Text(404, "Not found", kCacheMinute);
}

Reply BlockRoute(Calendar& cal, std::string_view rest) {
  const auto slash = rest.find('/');
  const std::string_view hash_text = rest.substr(0, slash);
  const std::string_view sub = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  const auto hash = ParseBlockHash(hash_text);
  if (!hash) return Text(400, "Invalid hex string");
  const auto meta = cal.BlockByHash(*hash);
  if (!meta) return Text(404, "Block not found");
  if (sub.empty()) return Json(BlockJson(cal, *meta));
  if (sub == "header") return Text(200, Hex(ots::EncodeBlockHeader(meta->header)));
  if (sub == "status") {
    const auto next = cal.BlockAt(meta->height + 1);
    return Json(json{{"in_best_chain", true},
                     {"height", meta->height},
                     {"next_best", next ? json(ots::DisplayHex(next->hash)) : json(nullptr)}});
  }
  auto block = cal.FullBlock(*hash);
  if (!block.ok()) return Text(block.error().code == Errc::kNotFound ? 404 : 500, block.error().message);
  if (sub == "raw") return Reply{200, kOctets, "no-store", AsString(block->Encode())};
  if (sub == "txids") {
    json ids = json::array();
    for (const Hash32& id : block->Txids()) ids.push_back(ots::DisplayHex(id));
    return Json(ids);
  }
  if (sub.starts_with("txid/")) {
    const auto index = ParseHeight(sub.substr(5));
    if (!index || *index >= block->txs.size()) return Text(404, "Transaction not found");
    return Text(200, ots::DisplayHex(Txid(block->txs[*index])));
  }
  return Text(404, "Not found");
}

// {"<field>": N} with 1 <= N; a missing field means `fallback` (0: required).
Result<std::uint64_t> AdminCount(std::string_view body, const char* field, std::uint64_t fallback) {
  const json doc = body.empty() ? json::object() : json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{Errc::kMalformed, "body must be a JSON object"};
  const auto it = doc.find(field);
  if (it == doc.end()) {
    if (fallback == 0) return Error{Errc::kMalformed, std::string("\"") + field + "\" is required"};
    return fallback;
  }
  if (!it->is_number_unsigned()) return Error{Errc::kMalformed, std::string("\"") + field + "\" must be a positive integer"};
  return it->get<std::uint64_t>();
}

json BlockList(const std::vector<BlockMeta>& blocks) {
  json list = json::array();
  for (const BlockMeta& m : blocks) list.push_back(json{{"height", m.height}, {"hash", ots::DisplayHex(m.hash)}});
  return list;
}

Reply Admin(Calendar& cal, std::string_view action, const Request& req) {
  if (!req.from_loopback) {
    return JsonError(403, Error{Errc::kForbidden, "admin routes answer loopback clients only"});
  }
  if (action == "mine") {
    auto n = AdminCount(req.body, "blocks", 1);
    if (!n.ok()) return JsonError(400, n.error());
    auto mined = cal.Mine(*n);
    if (!mined.ok()) return JsonError(StatusFor(mined.error().code), mined.error());
    const BlockMeta tip = cal.Tip();
    return Json(json{{"height", tip.height}, {"hash", ots::DisplayHex(tip.hash)}, {"blocks", BlockList(*mined)}});
  }
  auto depth = AdminCount(req.body, "depth", 0);
  if (!depth.ok()) return JsonError(400, depth.error());
  auto reorg = cal.Reorg(*depth);
  if (!reorg.ok()) return JsonError(StatusFor(reorg.error().code), reorg.error());
  const BlockMeta tip = cal.Tip();
  return Json(json{{"height", tip.height},
                   {"hash", ots::DisplayHex(tip.hash)},
                   {"dropped_blocks", reorg->dropped_blocks},
                   {"returned_commitments", reorg->returned_commitments},
                   {"blocks", BlockList(reorg->new_blocks)}});
}

Reply Route(Calendar& cal, const Request& req, std::string_view path) {
  const bool get = req.method == "GET", post = req.method == "POST";
  auto method_not_allowed = [] { return Text(405, "Method not allowed"); };
  if (path == "/digest") return post ? Digest(cal, req.body) : method_not_allowed();
  if (path == "/admin/mine" || path == "/admin/reorg") {
    return post ? Admin(cal, path.substr(7), req) : method_not_allowed();
  }
  if (!get) return path.starts_with("/") ? method_not_allowed() : Text(404, "Not found");
  if (path == "/") return Text(200, "peerdb devchain: OpenTimestamps calendar and Esplora API on a regtest-format chain\n");
  if (path.starts_with("/timestamp/")) return GetTimestamp(cal, path.substr(11));
  if (path == "/tip") {
    const auto root = cal.LatestRoot();
    if (!root) return Text(404, "No tip");
    return Reply{200, kOctets, "no-store", AsString(*root)};
  }
  if (path == "/blocks/tip/height") return Text(200, std::to_string(cal.Tip().height));
  if (path == "/blocks/tip/hash") return Text(200, ots::DisplayHex(cal.Tip().hash));
  if (path.starts_with("/block-height/")) {
    const auto height = ParseHeight(path.substr(14));
    if (!height) return Text(400, "Invalid height");
    const auto meta = cal.BlockAt(*height);
    if (!meta) return Text(404, "Block not found");
    return Text(200, ots::DisplayHex(meta->hash));
  }
  if (path.starts_with("/block/")) return BlockRoute(cal, path.substr(7));
  return Text(404, "Not found");
}

}  // namespace

Reply DigestTooLongReply() { return Text(400, "digest too long"); }

Reply HandleRequest(Calendar& calendar, const Request& request) {
  std::string_view path = request.target;
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  return Route(calendar, request, path);
}

}  // namespace peerdb::devchain
