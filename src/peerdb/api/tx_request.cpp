#include "peerdb/api/tx_request.h"

#include <algorithm>
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

// "versions": a list of distinct positive integers, any order (sent ascending: chain::EraseSpec);
// absent = every version.
Result<Bytes> EraseSpecFromJson(const json& j, const std::string& where) {
  chain::EraseSpec spec;
  const auto it = j.find("versions");
  if (it != j.end()) {
    if (!it->is_array()) return Error{Errc::kMalformed, where + ".versions: expected an array, got " + TypeName(*it)};
    if (it->size() > chain::EraseSpec::kMaxVersions) {
      return Error{Errc::kTooLarge, where + ".versions: more than " + std::to_string(chain::EraseSpec::kMaxVersions)};
    }
    if (it->empty()) return Error{Errc::kInvalid, where + ".versions: name at least one version, or leave it out for all"};
    for (const json& v : *it) {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0) {
        return Error{Errc::kMalformed, where + ".versions: versions are integers from 1"};
      }
      spec.versions.push_back(v.get<std::uint64_t>());
    }
    std::sort(spec.versions.begin(), spec.versions.end());
    if (std::adjacent_find(spec.versions.begin(), spec.versions.end()) != spec.versions.end()) {
      return Error{Errc::kMalformed, where + ".versions: a version is named twice"};
    }
  }
  return codec::Encode(spec);
}

Result<chain::Op> OpFromJson(const json& j, const std::string& where) {
  if (!j.is_object()) return Error{Errc::kMalformed, where + ": expected an object, got " + TypeName(j)};
  for (const auto& item : j.items()) {
    const std::string& name = item.key();
    if (name != "op" && name != "ns" && name != "key" && name != "value" && name != "versions") {
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
  if (kind != "erase" && j.contains("versions")) return Error{Errc::kMalformed, where + ": only an erase takes \"versions\""};
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
  } else if (kind == "erase") {
    if (value != j.end()) return Error{Errc::kMalformed, where + ": an erase takes \"versions\", not a \"value\""};
    op.kind = static_cast<std::uint8_t>(chain::OpKind::kErase);
    PEERDB_TRY_ASSIGN(op.value, EraseSpecFromJson(j, where));
  } else {
    return Error{Errc::kMalformed, where + ".op: unknown op \"" + kind.substr(0, 64) +
                                       "\" (expected \"put\", \"delete\" or \"erase\")"};
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

Result<chain::Op> ParseEraseRequest(const std::string& ns, const std::string& key, std::string_view body) {
  json doc = json::object();
  if (!body.empty()) {
    if (body.size() > kMaxTxBodyBytes) return Error{Errc::kTooLarge, "body exceeds " + std::to_string(kMaxTxBodyBytes) + " bytes"};
    PEERDB_TRY_ASSIGN(doc, ParseJsonBounded(body));
  }
  if (!doc.is_object()) return Error{Errc::kMalformed, "body: expected a JSON object, got " + TypeName(doc)};
  for (const auto& item : doc.items()) {
    if (item.key() != "versions") return Error{Errc::kMalformed, "body: unknown field \"" + item.key().substr(0, 64) + "\""};
  }
  try {
    chain::Op op;
    op.kind = static_cast<std::uint8_t>(chain::OpKind::kErase);
    op.ns = ns;
    op.key = key;
    PEERDB_TRY_ASSIGN(op.value, EraseSpecFromJson(doc, "body"));
    return op;
  } catch (const std::exception& e) {
    return Error{Errc::kMalformed, std::string("body: ") + e.what()};
  }
}

}  // namespace peerdb::api
