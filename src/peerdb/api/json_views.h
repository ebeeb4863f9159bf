// JSON views of node, chain and store types for API responses (docs/api.md gives each shape).
//
// Hashes, ids and signatures are lower-case hex. Stored values are the bytes of a JSON document
// and are returned parsed back ("value"); bytes that are not JSON within kMaxJsonDepth (for
// example values written by a config change or an encrypted namespace) are returned as
// "value": null plus "value_hex".
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "peerdb/node/service.h"
#include "peerdb/store/store.h"
#include "peerdb/util/bytes.h"

namespace peerdb::api {


// Sets obj["value"] (and obj["value_hex"] when the bytes are not JSON).
void PutValue(nlohmann::json& obj, ByteSpan value);

nlohmann::json ReceiptJson(const node::SubmitReceipt& receipt);
nlohmann::json ValueJson(const node::ValueView& view);
nlohmann::json HistoryJson(std::string_view ns, std::string_view key, const std::vector<store::HistoryEntry>& entries);
nlohmann::json BlockJson(const node::BlockView& view);
nlohmann::json StatusJson(const node::StatusView& status);
// GET /v1/health: {"live": true, "ready", "head_height", "members", "reachable", "majority",
// "reason"}. Ready once the node serves reads (it answers) and reaches a majority of the members
// not excluded, itself included, so that it sees its peers' view of the chain.
nlohmann::json HealthJson(const node::StatusView& status);
// {"evidence": [{"kind": "E4 DOUBLE_SEAL", "offender", "height", "pce": hex}]}
nlohmann::json EvidenceJson(const std::vector<node::EvidenceView>& evidence);

}  // namespace peerdb::api
