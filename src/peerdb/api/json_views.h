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
nlohmann::json HistoryJson(std::string_view ns, std::string_view key, const std::vector<node::VersionView>& versions);
// A private record this member is not a reader of (403 not_a_reader): the error and, under
// "record" (GET /v1/kv) or "entries" (history), what it may see: version, owner, height, block,
// status, "encrypted": true and the envelope's hash, never the value.
nlohmann::json NotAReaderJson(const node::ValueView& view);
nlohmann::json NotAReaderHistoryJson(std::string_view ns, std::string_view key, const std::vector<node::VersionView>& versions);
nlohmann::json BlockJson(const node::BlockView& view);
nlohmann::json StatusJson(const node::StatusView& status);
// GET /v1/health: {"live": true, "ready", "head_height", "members", "reachable", "majority",
// "reason"}. Ready once the node serves reads (it answers) and reaches a majority of the members
// not excluded, itself included, so that it sees its peers' view of the chain.
nlohmann::json HealthJson(const node::StatusView& status);
// {"evidence": [{"kind": "E4 DOUBLE_SEAL", "offender", "height", "pce": hex}]}
nlohmann::json EvidenceJson(const std::vector<node::EvidenceView>& evidence);

// Config changes (docs/api.md "Config changes"). One op as POST /v1/changes takes it, resolved:
// {"add_member": {"id", "card": {...}}}, {"remove_member": id}, {"rotate_key": {"id", "pubkey",
// "enc_pubkey"}}, {"reset_member": {"id", "new_id", "card"}}, {"set_params": {every parameter}},
// {"set_rule": {"ns", "mode", "writers", "editors", "readers", "encrypted"}}, {"delete_rule": ns}.
nlohmann::json ConfigOpJson(const chain::ConfigOp& op);
// {"ns", "mode", "encrypted", "writers", "editors", "readers"}: the body of a set_rule op.
nlohmann::json RuleJson(const chain::Rule& rule);
// Every parameter by its chain::Params field name.
nlohmann::json ParamsJson(const chain::Params& params);
// {"change_id", "epoch", "proposer", "height", "block_id", "expires_height", "targets", "approved",
//  "heard", "missing": [{"id", "name", "contact"}], "diff": [line], "ops": [ConfigOpJson]}
nlohmann::json ChangeViewJson(const node::ChangeView& change);
// GET /v1/changes: {"epoch", "epoch_start_height", "deciding_height", "next_member_id", "members",
// "params", "rules", "pending": ChangeViewJson | null}
nlohmann::json ChangesJson(const node::ChangesView& changes);
// POST /v1/kv/{ns}/{key}/reshare: the new version, its readers and "committed": ReceiptJson.
nlohmann::json ReshareJson(const node::ReshareReceipt& receipt);
// GET /v1/kv/{ns}/{key}/disclosure: {"ns", "key", "bytes", "file_hex"}: the file, in hex.
nlohmann::json DisclosureJson(const std::string& ns, const std::string& key, const Bytes& file);

// POST /v1/changes: ChangeViewJson plus "committed": ReceiptJson of the block carrying it.
nlohmann::json ChangeReceiptJson(const node::ChangeReceipt& receipt);

}  // namespace peerdb::api
