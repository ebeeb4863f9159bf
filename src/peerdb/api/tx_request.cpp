#include "peerdb/api/tx_request.h"

#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "peerdb/api/json_parse.h"
#include "peerdb/chain/limits.h"
#include "peerdb/codec/pce.h"
#include "peerdb/node/service.h"

namespace peerdb::api {

namespace {

using nlohmann::json;

std::string TypeName(const json& j) { return j.type_name(); }

Result<std::string> StringField(const json& op, const char* field, const std::string& where) {
  auto it = op.find(field);
  if (it == op.end()) return Error{Errc::kMalformed, where + ": missing \"" + field + "\""};
  if (!it->is_string()) {
    return Error{Errc::kMalformed, where + "." + field + ": expected a string, got " + TypeName(*it)};
  }
  return it->get<std::string>();
}

Result<chain::Op> OpFromJson(const json& j, const std::string& where) {
  if (!j.is_object()) return Error{Errc::kMalformed, where + ": expected an object, got " + TypeName(j)};
  for (const auto& item : j.items()) {
    const std::string& name = item.key();
    if (name != "op" && name != "ns" && name != "key" && name != "value") {
      return Error{Errc::kMalformed, where + ": unknown field \"" + name.substr(0, 64) + "\""};
    }
  }
  PEERDB_TRY_ASSIGN(std::string kind, StringField(j, "op", where));
  PEERDB_TRY_ASSIGN(std::string ns, StringField(j, "ns", where));
  PEERDB_TRY_ASSIGN(std::string key, StringField(j, "key", where));
  if (ns.size() > chain::kMaxNameBytes || !codec::IsValidName(ns)) {
    return Error{Errc::kMalformed, where + ".ns: namespace must be 1.." + std::to_string(chain::kMaxNameBytes) +
                                       " characters of [a-z0-9._/-]"};
  }
  if (!chain::IsValidKey(key)) {
    return Error{Errc::kMalformed, where + ".key: key must be 1.." + std::to_string(chain::kMaxKeyBytes) +
                                       " printable ASCII characters without space, '/', '?', '#' or '%'"};
  }
  chain::Op op;
  op.ns = std::move(ns);
  op.key = std::move(key);
  const auto value = j.find("value");
  if (kind == "put") {
    if (value == j.end()) return Error{Errc::kMalformed, where + ": missing \"value\" (use null for an empty value)"};
    const std::string bytes = DumpJson(*value);
    if (bytes.size() > node::kMaxValueBytes) {
      return Error{Errc::kTooLarge, where + ".value: " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                                        std::to_string(node::kMaxValueBytes)};
    }
    op.kind = static_cast<std::uint8_t>(chain::OpKind::kPut);
    op.value = ToBytes(bytes);
  } else if (kind == "delete") {
    if (value != j.end()) return Error{Errc::kMalformed, where + ": a delete takes no \"value\""};
    op.kind = static_cast<std::uint8_t>(chain::OpKind::kDel);
  } else {
    return Error{Errc::kMalformed, where + ".op: unknown op \"" + kind.substr(0, 64) + "\" (expected \"put\" or \"delete\")"};
  }
  return op;
}

Result<std::vector<chain::Op>> OpsFromJson(const json& doc) {
  if (!doc.is_object()) return Error{Errc::kMalformed, "body: expected a JSON object, got " + TypeName(doc)};
  if (!doc.contains("ops")) {
    PEERDB_TRY_ASSIGN(chain::Op op, OpFromJson(doc, "body"));
    std::vector<chain::Op> one;
    one.push_back(std::move(op));
    return one;
  }
  if (doc.size() != 1) return Error{Errc::kMalformed, "body: only \"ops\" is allowed beside the op list"};
  const json& list = doc.at("ops");
  if (!list.is_array()) return Error{Errc::kMalformed, "ops: expected an array, got " + TypeName(list)};
  if (list.empty()) return Error{Errc::kInvalid, "ops: at least one operation is required"};
  if (list.size() > node::kMaxOpsPerSubmit) {
    return Error{Errc::kTooLarge, "ops: " + std::to_string(list.size()) + " operations exceed the limit of " +
                                      std::to_string(node::kMaxOpsPerSubmit)};
  }
  std::vector<chain::Op> ops;
  ops.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    PEERDB_TRY_ASSIGN(chain::Op op, OpFromJson(list[i], "ops[" + std::to_string(i) + "]"));
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace

Result<std::vector<chain::Op>> ParseTxRequest(std::string_view body) {
  if (body.size() > kMaxTxBodyBytes) {
    return Error{Errc::kTooLarge, "body of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                                      std::to_string(kMaxTxBodyBytes)};
  }
  PEERDB_TRY_ASSIGN(json doc, ParseJsonBounded(body));
  try {
    return OpsFromJson(doc);
  } catch (const std::exception& e) {
    // Not expected (types are checked before every access); kept so that no input can throw.
    return Error{Errc::kMalformed, std::string("body: ") + e.what()};
  }
}

}  // namespace peerdb::api
