#include "peerdb/api/json_views.h"

#include <cstdint>

#include "peerdb/api/change_request.h"
#include "peerdb/api/http_error.h"
#include "peerdb/api/json_parse.h"
#include "peerdb/codec/pce.h"
#include "peerdb/consensus/evidence.h"
#include "peerdb/node/consortium_file.h"
#include "peerdb/util/time_text.h"

namespace peerdb::api {

namespace {

using nlohmann::json;

std::string_view OpKindLabel(std::uint8_t kind) {
  switch (static_cast<chain::OpKind>(kind)) {
    case chain::OpKind::kPut: return "put";
    case chain::OpKind::kDel: return "delete";
    case chain::OpKind::kConfig: return "config";
    case chain::OpKind::kErase: return "erase";
  }
  return "unknown";
}

std::string_view RecordLabel(chain::RecordTag tag) {
  switch (tag) {
    case chain::RecordTag::kSeal: return "seal";
    case chain::RecordTag::kEvidence: return "evidence";
    case chain::RecordTag::kConfigApprove: return "config_approve";
    case chain::RecordTag::kAnchor: return "anchor";
  }
  return "unknown";
}

// ISO 8601 UTC beside a *_ms field; null where the field's 0 means "never".
json IsoOrNull(std::uint64_t ms) { return ms == 0 ? json(nullptr) : json(util::IsoUtcTime(ms)); }

json HeaderJson(const chain::Header& h) {
  return json{
      {"version", h.version},
      {"chain_id", Hex(h.chain_id)},
      {"epoch", h.epoch},
      {"height", h.height},
      {"parent_id", Hex(h.parent_id)},
      {"author", h.author},
      {"timestamp_ms", h.timestamp_ms},
      {"time", util::IsoUtcTime(h.timestamp_ms)},
      {"config_hash", Hex(h.config_hash)},
      {"parent_cert_hash", Hex(h.parent_cert_hash)},
      {"batches_root", Hex(h.batches_root)},
      {"state_root", Hex(h.state_root)},
      {"records_root", Hex(h.records_root)},
  };
}

json CertJson(const chain::MajorityCert& mc) {
  json signers = json::array();
  for (const chain::SigEntry& e : mc.votes) signers.push_back(json{{"signer", e.signer}, {"sig", Hex(e.sig)}});
  return json{{"height", mc.h}, {"round", mc.r}, {"block_id", Hex(mc.block_id)}, {"signers", std::move(signers)}};
}

json BatchJson(const chain::TxBatch& batch) {
  json ops = json::array();
  for (const chain::Op& op : batch.ops) {
    json o{{"kind", OpKindLabel(op.kind)}, {"ns", op.ns}, {"key", op.key},
           {"commitment", Hex(chain::ValueCommitment(op))}, {"erased", op.is_erased()}};
    if (op.kind == static_cast<std::uint8_t>(chain::OpKind::kDel) || op.is_erased()) {
      o["value"] = nullptr;
    } else if (op.kind == static_cast<std::uint8_t>(chain::OpKind::kErase)) {
      auto spec = codec::Decode<chain::EraseSpec>(op.value);  // checked when the block was (C6)
      o["versions"] = spec.ok() ? json(spec->versions) : json(nullptr);
    } else {
      PutValue(o, op.value);
    }
    ops.push_back(std::move(o));
  }
  return json{{"author", batch.author},
              {"seq", batch.seq},
              {"valid_until_height", batch.valid_until_height},
              {"batch_id", Hex(chain::BatchId(batch))},
              {"sig", Hex(batch.sig)},
              {"ops", std::move(ops)}};
}

json CardJson(const chain::Member& m, const std::string& address) {
  json card{{"name", m.name}, {"contact", m.contact}, {"pubkey", Hex(m.pubkey)}, {"enc_pubkey", Hex(m.enc_pubkey)}};
  if (!address.empty()) card["address"] = address;
  return card;
}

json MemberJson(const chain::Member& m) {
  return json{{"id", m.id}, {"name", m.name}, {"contact", m.contact}, {"pubkey", Hex(m.pubkey)}, {"enc_pubkey", Hex(m.enc_pubkey)}};
}

}  // namespace

void PutValue(json& obj, ByteSpan value) {
  auto parsed = ParseJsonBounded(std::string_view(reinterpret_cast<const char*>(value.data()), value.size()));
  if (parsed.ok()) {
    obj["value"] = std::move(parsed).value();
  } else {
    obj["value"] = nullptr;
    obj["value_hex"] = Hex(value);
  }
}

json ReceiptJson(const node::SubmitReceipt& receipt) {
  return json{{"status", "committed"},
              {"height", receipt.height},
              {"block_id", Hex(receipt.block_id)},
              {"block_status", chain::BlockStatusName(receipt.status)},
              {"batch_seq", receipt.batch_seq},
              {"ops", receipt.op_count}};
}

json ReshareJson(const node::ReshareReceipt& r) {
  return json{{"version", r.version}, {"readers", r.readers}, {"committed", ReceiptJson(r.committed)}};
}

json DisclosureJson(const std::string& ns, const std::string& key, const Bytes& file) {
  return json{{"ns", ns}, {"key", key}, {"bytes", file.size()}, {"file_hex", Hex(file)}};
}

namespace {
// The fields of a version every member may see, readers or not.
void PutVersionMeta(json& out, const store::CurrentEntry& e, const node::PrivateView& privacy) {
  out["version"] = e.state.version;
  out["owner"] = e.state.owner;
  out["height"] = e.height;
  out["block_id"] = Hex(e.block_id);
  out["encrypted"] = privacy.encrypted;
  if (privacy.encrypted) out["envelope_hash"] = Hex(privacy.envelope_hash);
}

std::string NotAReaderMessage(std::string_view ns, std::string_view key) {
  return "this member is not a reader of " + std::string(ns) + "/" + std::string(key) +
         " (an encrypted namespace): only the metadata is shown";
}
}  // namespace

json NotAReaderJson(const node::ValueView& view) {
  const store::CurrentEntry& e = view.entry;
  json record{{"ns", e.ns}, {"key", e.key}};
  PutVersionMeta(record, e, view.privacy);
  record["status"] = chain::BlockStatusName(view.status);
  json out = ErrorJson(Error{Errc::kNotAReader, NotAReaderMessage(e.ns, e.key)});
  out["record"] = std::move(record);
  return out;
}

json NotAReaderHistoryJson(std::string_view ns, std::string_view key, const std::vector<node::VersionView>& versions) {
  json list = json::array();
  for (const node::VersionView& v : versions) {
    const store::HistoryEntry& e = v.entry;
    json item;
    PutVersionMeta(item, store::CurrentEntry{e.ns, e.key, e.state, e.height, e.block_id}, v.privacy);
    item["deleted"] = e.state.deleted;
    item["erased"] = e.state.erased;
    item["author"] = e.author;
    item["timestamp_ms"] = e.timestamp_ms;
    list.push_back(std::move(item));
  }
  json out = ErrorJson(Error{Errc::kNotAReader, NotAReaderMessage(ns, key)});
  out["ns"] = ns;
  out["key"] = key;
  out["entries"] = std::move(list);
  return out;
}

json ValueJson(const node::ValueView& view) {
  const store::CurrentEntry& e = view.entry;
  json out{{"ns", e.ns}, {"key", e.key}};
  PutValue(out, e.state.value);
  out["encrypted"] = view.privacy.encrypted;
  out["version"] = e.state.version;
  out["owner"] = e.state.owner;
  out["height"] = e.height;
  out["block_id"] = Hex(e.block_id);
  out["status"] = chain::BlockStatusName(view.status);
  // §4.3: consensus and quick reads use the provisional view; a block anchored in Bitcoin is
  // also in the anchored view that audits and long-range disputes use.
  out["view"] = view.status >= store::BlockStatus::kAnchored ? "anchored" : "provisional";
  out["deleted"] = e.state.deleted;
  out["latest_version"] = view.latest_version;
  out["head_height"] = view.head_height;
  out["final_height"] = view.final_height;
  const bool up_to_date = view.status == store::BlockStatus::kFinal;
  out["up_to_date"] = up_to_date;
  out["state"] = up_to_date ? "UP-TO-DATE" : "NOT-UP-TO-DATE";
  return out;
}

json HistoryJson(std::string_view ns, std::string_view key, const std::vector<node::VersionView>& versions) {
  json list = json::array();
  for (const node::VersionView& v : versions) {
    const store::HistoryEntry& e = v.entry;
    json item{{"version", e.state.version}, {"encrypted", v.privacy.encrypted}};
    if (e.state.deleted || e.state.erased) {
      item["value"] = nullptr;
    } else {
      PutValue(item, e.state.value);
    }
    item["deleted"] = e.state.deleted;
    item["erased"] = e.state.erased;
    item["owner"] = e.state.owner;
    item["height"] = e.height;
    item["block_id"] = Hex(e.block_id);
    item["timestamp_ms"] = e.timestamp_ms;
    item["time"] = util::IsoUtcTime(e.timestamp_ms);
    item["author"] = e.author;
    item["seq"] = e.seq;
    list.push_back(std::move(item));
  }
  return json{{"ns", ns}, {"key", key}, {"entries", std::move(list)}};
}

json BlockJson(const node::BlockView& view) {
  const store::StoredBlock& sb = view.block;
  const chain::Block& b = sb.block;
  json batches = json::array();
  for (const chain::TxBatch& batch : b.batches) batches.push_back(BatchJson(batch));
  json records = json::array();
  for (const chain::Record& r : b.records) records.push_back(RecordLabel(r.tag()));
  json seals = json::array();
  for (const chain::Seal& s : view.seals) seals.push_back(json{{"signer", s.signer}, {"sig", Hex(s.sig)}});
  return json{{"height", sb.height},
              {"id", Hex(sb.id)},
              {"status", chain::BlockStatusName(sb.status)},
              {"header", HeaderJson(b.header)},
              {"parent_cert", b.parent_cert ? CertJson(*b.parent_cert) : json(nullptr)},
              {"cert", view.cert ? CertJson(*view.cert) : json(nullptr)},
              {"batches", std::move(batches)},
              {"records_count", b.records.size()},
              {"records", std::move(records)},
              {"seals", std::move(seals)}};
}

json ParamsJson(const chain::Params& params) {
  json out = json::object();
  for (std::string_view name : ParamNames()) out[std::string(name)] = ParamValue(params, name);
  return out;
}

json RuleJson(const chain::Rule& r) {
  return json{{"ns", r.ns},
              {"mode", node::RuleModeName(r.mode)},
              {"encrypted", r.encrypted},
              {"writers", r.writers},
              {"editors", r.editors},
              {"readers", r.readers}};
}

json ConfigOpJson(const chain::ConfigOp& op) {
  return std::visit(
      [](const auto& o) -> json {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, chain::AddMember>) {
          return json{{"add_member", {{"id", o.member.id}, {"card", CardJson(o.member, o.address)}}}};
        } else if constexpr (std::is_same_v<T, chain::RemoveMember>) {
          return json{{"remove_member", o.id}};
        } else if constexpr (std::is_same_v<T, chain::RotateKey>) {
          return json{{"rotate_key", {{"id", o.id}, {"pubkey", Hex(o.pubkey)}, {"enc_pubkey", Hex(o.enc_pubkey)}}}};
        } else if constexpr (std::is_same_v<T, chain::ResetMember>) {
          return json{{"reset_member", {{"id", o.id}, {"new_id", o.member.id}, {"card", CardJson(o.member, o.address)}}}};
        } else if constexpr (std::is_same_v<T, chain::SetParams>) {
          return json{{"set_params", ParamsJson(o.params)}};
        } else if constexpr (std::is_same_v<T, chain::SetRule>) {
          return json{{"set_rule", RuleJson(o.rule)}};
        } else {
          return json{{"delete_rule", o.ns}};
        }
      },
      op.body);
}

json ChangeViewJson(const node::ChangeView& c) {
  json missing = json::array();
  for (const chain::Member& m : c.missing) missing.push_back(json{{"id", m.id}, {"name", m.name}, {"contact", m.contact}});
  json ops = json::array();
  for (const chain::ConfigOp& op : c.change.ops) ops.push_back(ConfigOpJson(op));
  return json{{"change_id", Hex(c.change_id)},
              {"epoch", c.change.epoch},
              {"proposer", c.proposer},
              {"height", c.height},
              {"block_id", Hex(c.block_id)},
              {"expires_height", c.change.expires_height},
              {"targets", c.targets},
              {"approved", c.approved},
              {"heard", c.heard},
              {"missing", std::move(missing)},
              {"diff", c.diff},
              {"ops", std::move(ops)}};
}

json ChangesJson(const node::ChangesView& v) {
  json members = json::array();
  for (const chain::Member& m : v.members) members.push_back(MemberJson(m));
  json rules = json::array();
  for (const chain::Rule& r : v.rules) rules.push_back(RuleJson(r));
  return json{{"epoch", v.epoch},
              {"epoch_start_height", v.epoch_start_height},
              {"deciding_height", v.deciding_height},
              {"next_member_id", v.next_member_id},
              {"members", std::move(members)},
              {"params", ParamsJson(v.params)},
              {"rules", std::move(rules)},
              {"pending", v.pending ? ChangeViewJson(*v.pending) : json(nullptr)}};
}

json ChangeReceiptJson(const node::ChangeReceipt& r) {
  json out = ChangeViewJson(r.change);
  // The node answers with the change as it stands once committed; should it have moved on by then
  // (approved at once and activated), the block that carried it is still the receipt's.
  if (r.change.height == 0) {
    out["height"] = r.committed.height;
    out["block_id"] = Hex(r.committed.block_id);
  }
  out["committed"] = ReceiptJson(r.committed);
  return out;
}

json HealthJson(const node::StatusView& s) {
  std::size_t reachable = 0;
  for (const node::MemberStatus& m : s.members) reachable += !m.excluded && (m.self || m.connected) ? 1 : 0;
  const std::size_t majority = s.members.size() / 2 + 1;  // chain::Config::Majority over the same members
  const bool ready = reachable >= majority;
  json reason = nullptr;
  if (!ready) {
    std::string down;
    for (const node::MemberStatus& m : s.members) {
      if (!m.self && !m.connected && !m.excluded) down += (down.empty() ? "" : ", ") + m.member.name + " (" + std::to_string(m.member.id) + ")";
    }
    reason = "reaches " + std::to_string(reachable) + " of " + std::to_string(s.members.size()) + " members, " +
             std::to_string(majority) + " needed; not connected: " + down;
  }
  return json{{"live", true},
              {"ready", ready},
              {"head_height", s.head_height},
              {"members", s.members.size()},
              {"reachable", reachable},
              {"majority", majority},
              {"reason", reason}};
}

json StatusJson(const node::StatusView& s) {
  json members = json::array();
  for (const node::MemberStatus& m : s.members) {
    members.push_back(json{{"id", m.member.id},
                           {"name", m.member.name},
                           {"contact", m.member.contact},
                           {"self", m.self},
                           {"connected", m.connected},
                           {"excluded", m.excluded},
                           {"last_seen_ms", m.last_seen_ms},
                           {"last_seen", IsoOrNull(m.last_seen_ms)},
                           {"last_sealed_height", m.last_sealed_height}});
  }
  json alerts = json::array();
  for (const node::AlertView& a : s.alerts) {
    alerts.push_back(json{{"code", a.code},
                          {"severity", a.severity},
                          {"members", a.members},
                          {"from_height", a.from_height},
                          {"to_height", a.to_height},
                          {"since_ms", a.since_ms},
                          {"since", IsoOrNull(a.since_ms)},
                          {"detail", a.detail}});
  }
  const bool up_to_date = s.head_height == s.final_height;
  const node::AnchoringView& a = s.anchoring;
  const anchor::PlannerView& p = a.planner;
  json anchoring{{"enabled", a.enabled},
                 {"calendars", a.calendars},
                 {"confirmations", a.confirmations},
                 {"interval_ms", a.interval_ms},
                 {"last_submission_ms", p.last_submission_ms},
                 {"last_submission", IsoOrNull(p.last_submission_ms)},
                 {"last_submitted_height", p.last_submitted_height},
                 {"pending_jobs", p.pending_jobs},
                 {"anchors", p.anchors},
                 {"last_anchor", p.last_anchor_height == 0
                                     ? json(nullptr)
                                     : json{{"height", p.last_anchor_height},
                                            {"btc_height", p.last_anchor_btc_height},
                                            {"btc_time", p.last_anchor_btc_time},  // seconds, as Bitcoin headers
                                            {"btc_time_iso", IsoOrNull(std::uint64_t{p.last_anchor_btc_time} * 1000)}}},
                 {"last_error", p.last_error.empty() ? json(nullptr) : json(p.last_error)},
                 {"anchor_lag", a.anchor_lag}};
  return json{{"chain_id", Hex(s.chain_id)},
              {"self", json{{"id", s.self}, {"name", s.self_name}}},
              {"self_member", s.self_member},
              {"epoch", s.epoch},
              {"epoch_start_height", s.epoch_start_height},
              {"head_height", s.head_height},
              {"head_id", Hex(s.head_id)},
              {"unanimous_height", s.unanimous_height},
              {"anchored_height", s.anchored_height},
              {"final_height", s.final_height},
              {"not_up_to_date", !up_to_date},
              {"pending_ops", s.pending_ops},
              {"committed_ops", s.committed_ops},
              {"up_to_date", up_to_date},
              {"state", up_to_date ? "UP-TO-DATE" : "NOT-UP-TO-DATE"},
              {"anchoring", std::move(anchoring)},
              {"majority_height", s.majority_height},
              {"deciding", json{{"height", s.deciding_height}, {"round", s.round}, {"proposer", s.proposer}}},
              {"evidence_count", s.evidence_count},
              {"alerts", std::move(alerts)},
              {"members", std::move(members)}};
}

json EvidenceJson(const std::vector<node::EvidenceView>& list) {
  json out = json::array();
  for (const node::EvidenceView& e : list) {
    out.push_back(json{{"kind", consensus::EvidenceKindName(e.evidence.kind)},
                       {"offender", e.offender},
                       {"height", e.height},
                       {"pce", Hex(codec::Encode(e.evidence))}});
  }
  return json{{"evidence", std::move(out)}};
}

}  // namespace peerdb::api
