#include "peerdb/api/router.h"

#include <cctype>
#include <charconv>

#include "peerdb/api/change_request.h"
#include "peerdb/api/http_error.h"
#include "peerdb/api/json_parse.h"
#include "peerdb/api/json_views.h"
#include "peerdb/api/tx_request.h"
#include "peerdb/chain/limits.h"
#include "peerdb/codec/pce.h"

namespace peerdb::api {

namespace {

constexpr std::size_t kMaxEchoedPath = 200;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Echo(std::string_view s) {
  std::string out(s.substr(0, kMaxEchoedPath));
  if (s.size() > kMaxEchoedPath) out += "...";
  return out;
}

Result<std::uint64_t> ParseDecimal(std::string_view text, std::string_view what) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Error{Errc::kMalformed, std::string(what) + " must be a decimal number, got \"" + Echo(text) + "\""};
  }
  return v;
}

Status CheckNsKey(const std::string& ns, const std::string& key) {
  if (ns.size() > chain::kMaxNameBytes || !codec::IsValidName(ns)) {
    return Error{Errc::kMalformed, "namespace must be 1.." + std::to_string(chain::kMaxNameBytes) +
                                       " characters of [a-z0-9._/-]"};
  }
  if (!chain::IsValidKey(key)) {
    return Error{Errc::kMalformed, "key must be 1.." + std::to_string(chain::kMaxKeyBytes) +
                                       " printable ASCII characters without space, '/', '?', '#' or '%'"};
  }
  return Status::Ok();
}

void Fail(const Responder& respond, Error error, unsigned status = 0, std::string allow = {}) {
  respond([error = std::move(error), status, allow = std::move(allow)] {
    ApiResponse r = ErrorResponse(error, status);
    r.allow = allow;
    return r;
  });
}

// Turns a Service callback result into a response built by `view` on the server thread.
template <class T, class View>
node::Callback<T> Reply(Responder respond, View view) {
  return [respond = std::move(respond), view = std::move(view)](Result<T> result) {
    respond([result = std::move(result), view] {
      if (!result.ok()) return ErrorResponse(result.error());
      return view(result.value());
    });
  };
}

}  // namespace

ApiResponse JsonResponse(unsigned status, const nlohmann::json& doc) {
  return ApiResponse{status, DumpJson(doc), {}};
}

ApiResponse ErrorResponse(const Error& error, unsigned status) {
  return ApiResponse{status != 0 ? status : HttpStatusFor(error.code), DumpJson(ErrorJson(error)), {}};
}

Result<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (in.size() - i < 3) return Error{Errc::kMalformed, "bad percent escape at the end of \"" + Echo(in) + "\""};
    const int h = HexValue(in[i + 1]);
    const int l = HexValue(in[i + 2]);
    if (h < 0 || l < 0) return Error{Errc::kMalformed, "bad percent escape in \"" + Echo(in) + "\""};
    out.push_back(static_cast<char>(h * 16 + l));
    i += 2;
  }
  return out;
}

Result<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return Error{Errc::kMalformed, "request target must be a path starting with '/'"};
  }
  Target out;
  std::string_view path = target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (auto f = query.find('#'); f != std::string_view::npos) query = query.substr(0, f);
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    PEERDB_TRY_ASSIGN(std::string seg, PercentDecode(path.substr(0, slash)));
    out.segments.push_back(std::move(seg));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    if (!item.empty()) {
      const auto eq = item.find('=');
      PEERDB_TRY_ASSIGN(std::string name, PercentDecode(item.substr(0, eq)));
      std::string value;
      if (eq != std::string_view::npos) {
        PEERDB_TRY_ASSIGN(value, PercentDecode(item.substr(eq + 1)));
      }
      out.query.emplace_back(std::move(name), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

void Router::Handle(std::string_view method, std::string_view target, std::string body, Responder respond) {
  auto parsed = ParseTarget(target);
  if (!parsed.ok()) return Fail(respond, parsed.take_error());
  const Target& t = parsed.value();
  const std::vector<std::string>& seg = t.segments;
  const std::string path(target.substr(0, target.find('?')));
  auto not_found = [&] { Fail(respond, Error{Errc::kNotFound, "no route for " + Echo(path)}); };
  auto wrong_method = [&](const char* allowed) {
    Fail(respond, Error{Errc::kInvalid, "method " + Echo(method) + " is not allowed on " + Echo(path) + "; use " + allowed},
         405, allowed);
  };
  if (seg.size() < 2 || seg[0] != "v1") return not_found();
  const std::string& resource = seg[1];
  if (resource == "tx" && seg.size() == 2) {
    if (method != "POST") return wrong_method("POST");
    return Submit(std::move(body), std::move(respond));
  }
  if (resource == "changes" && seg.size() == 2) {
    if (method == "GET") return GetChanges(std::move(respond));
    if (method == "POST") return ProposeChange(std::move(body), std::move(respond));
    return wrong_method("GET, POST");
  }
  if (resource == "changes" && seg.size() == 4 && seg[3] == "approve") {
    if (method != "POST") return wrong_method("POST");
    return ApproveChange(seg[2], std::move(respond));
  }
  if (resource == "kv" && seg.size() == 5 && seg[4] == "reshare") {
    if (method != "POST") return wrong_method("POST");
    return Reshare(seg[2], seg[3], std::move(respond));
  }
  if (resource == "kv" && seg.size() == 5 && seg[4] == "erase") {
    if (method != "POST") return wrong_method("POST");
    return Erase(seg[2], seg[3], std::move(body), std::move(respond));
  }
  const bool is_kv = resource == "kv" && (seg.size() == 4 || (seg.size() == 5 && (seg[4] == "history" || seg[4] == "disclosure")));
  const bool known = ((resource == "status" || resource == "health") && seg.size() == 2) || (resource == "evidence" && seg.size() == 2) ||
                     (resource == "blocks" && seg.size() == 3) || is_kv;
  if (!known) return not_found();
  if (method != "GET") return wrong_method("GET");
  if (resource == "status") return GetStatus(std::move(respond));
  if (resource == "health") return GetHealth(std::move(respond));
  if (resource == "evidence") return GetEvidence(std::move(respond));
  if (resource == "blocks") return GetBlock(seg[2], std::move(respond));
  if (seg.size() == 4) return GetValue(seg[2], seg[3], t, std::move(respond));
  if (seg[4] == "disclosure") return Disclose(seg[2], seg[3], t, std::move(respond));
  return History(seg[2], seg[3], t, std::move(respond));
}

void Router::Submit(std::string body, Responder respond) {
  auto ops = ParseTxRequest(body);
  if (!ops.ok()) return Fail(respond, ops.take_error());
  m_service.Submit(std::move(ops).value(), Reply<node::SubmitReceipt>(std::move(respond), [](const node::SubmitReceipt& r) {
                     return JsonResponse(200, ReceiptJson(r));
                   }));
}

Result<store::BlockStatus> ParseMinStatus(std::string_view text) {
  std::string lower(text.substr(0, kMaxEchoedPath));
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "final") return store::BlockStatus::kFinal;
  if (lower == "anchored") return store::BlockStatus::kAnchored;
  if (lower == "unanimous") return store::BlockStatus::kUnanimous;
  if (lower == "majority") return store::BlockStatus::kMajority;
  if (lower == "provisional") return store::BlockStatus::kProposed;
  return Error{Errc::kInvalid, "min_status must be one of final, anchored, unanimous, majority, provisional; got \"" +
                                   Echo(text) + "\""};
}

void Router::GetValue(std::string ns, std::string key, const Target& target, Responder respond) {
  if (Status s = CheckNsKey(ns, key); !s.ok()) return Fail(respond, s.take_error());
  // Deviation from §4.3 (default FINAL): the default is the newest committed version, labelled with
  // its status and NOT-UP-TO-DATE, because FINAL lags hours behind (and never comes with anchoring
  // off) while a one-member node's blocks are UNANIMOUS at commit. Callers ask for FINAL explicitly.
  store::BlockStatus min_status = store::BlockStatus::kProposed;
  for (const auto& [name, value] : target.query) {
    if (name != "min_status") continue;
    auto parsed = ParseMinStatus(value);
    if (!parsed.ok()) return Fail(respond, parsed.take_error());
    min_status = *parsed;
  }
  m_service.Get(std::move(ns), std::move(key), min_status, Reply<node::ValueView>(std::move(respond), [](const node::ValueView& v) {
                  const store::CurrentEntry& e = v.entry;
                  if (e.state.deleted) {
                    return ErrorResponse(Error{Errc::kNotFound, e.ns + "/" + e.key + " was deleted at version " +
                                                                    std::to_string(e.state.version) + " (height " +
                                                                    std::to_string(e.height) + "); see its history"});
                  }
                  if (e.state.erased) {
                    return ErrorResponse(Error{Errc::kErased, "the value of " + e.ns + "/" + e.key + " version " +
                                                                  std::to_string(e.state.version) +
                                                                  " was erased; its commitment remains (see its history)"});
                  }
                  if (!v.privacy.readable) return JsonResponse(HttpStatusFor(Errc::kNotAReader), NotAReaderJson(v));
                  return JsonResponse(200, ValueJson(v));
                }));
}

void Router::History(std::string ns, std::string key, const Target& target, Responder respond) {
  if (Status s = CheckNsKey(ns, key); !s.ok()) return Fail(respond, s.take_error());
  std::size_t limit = kDefaultHistoryLimit;
  for (const auto& [name, value] : target.query) {
    if (name != "limit") continue;
    auto n = ParseDecimal(value, "limit");
    if (!n.ok()) return Fail(respond, n.take_error());
    if (*n < 1 || *n > kMaxHistoryLimit) {
      return Fail(respond, Error{Errc::kInvalid, "limit must be 1.." + std::to_string(kMaxHistoryLimit)});
    }
    limit = static_cast<std::size_t>(*n);
  }
  m_service.History(ns, key, limit,
                    Reply<std::vector<node::VersionView>>(
                        std::move(respond), [ns, key](const std::vector<node::VersionView>& versions) {
                          // A non-reader sees no value of any version, only what every member holds.
                          for (const node::VersionView& v : versions) {
                            if (!v.privacy.readable) {
                              return JsonResponse(HttpStatusFor(Errc::kNotAReader), NotAReaderHistoryJson(ns, key, versions));
                            }
                          }
                          return JsonResponse(200, HistoryJson(ns, key, versions));
                        }));
}

void Router::Reshare(std::string ns, std::string key, Responder respond) {
  if (Status s = CheckNsKey(ns, key); !s.ok()) return Fail(respond, s.take_error());
  m_service.Reshare(std::move(ns), std::move(key), Reply<node::ReshareReceipt>(std::move(respond), [](const node::ReshareReceipt& r) {
                      return JsonResponse(200, ReshareJson(r));
                    }));
}

void Router::Erase(std::string ns, std::string key, std::string body, Responder respond) {
  if (Status s = CheckNsKey(ns, key); !s.ok()) return Fail(respond, s.take_error());
  auto op = ParseEraseRequest(ns, key, body);
  if (!op.ok()) return Fail(respond, op.take_error());
  std::vector<chain::Op> ops;
  ops.push_back(std::move(op).value());
  m_service.Submit(std::move(ops), Reply<node::SubmitReceipt>(std::move(respond), [](const node::SubmitReceipt& r) {
                     return JsonResponse(200, ReceiptJson(r));
                   }));
}

void Router::Disclose(std::string ns, std::string key, const Target& target, Responder respond) {
  if (Status s = CheckNsKey(ns, key); !s.ok()) return Fail(respond, s.take_error());
  std::uint64_t version = 0;
  for (const auto& [name, value] : target.query) {
    if (name != "version") continue;
    auto n = ParseDecimal(value, "version");
    if (!n.ok()) return Fail(respond, n.take_error());
    if (*n == 0) return Fail(respond, Error{Errc::kInvalid, "version must be 1 or more"});
    version = *n;
  }
  m_service.Disclose(ns, key, version, Reply<Bytes>(std::move(respond), [ns, key](const Bytes& file) {
                       return JsonResponse(200, DisclosureJson(ns, key, file));
                     }));
}

void Router::GetBlock(const std::string& height, Responder respond) {
  auto h = ParseDecimal(height, "block height");
  if (!h.ok()) return Fail(respond, h.take_error());
  m_service.GetBlock(*h, Reply<node::BlockView>(std::move(respond), [](const node::BlockView& b) {
                       return JsonResponse(200, BlockJson(b));
                     }));
}

void Router::GetStatus(Responder respond) {
  m_service.GetStatus(Reply<node::StatusView>(std::move(respond), [](const node::StatusView& s) {
    return JsonResponse(200, StatusJson(s));
  }));
}

void Router::GetHealth(Responder respond) {
  // 503 while not ready, so that load balancers and probes can use the status code alone.
  m_service.GetStatus(Reply<node::StatusView>(std::move(respond), [](const node::StatusView& s) {
    nlohmann::json health = HealthJson(s);
    return JsonResponse(health["ready"].get<bool>() ? 200 : 503, health);
  }));
}

void Router::GetEvidence(Responder respond) {
  m_service.GetEvidence(Reply<std::vector<node::EvidenceView>>(std::move(respond), [](const std::vector<node::EvidenceView>& e) {
    return JsonResponse(200, EvidenceJson(e));
  }));
}

void Router::GetChanges(Responder respond) {
  m_service.GetChanges(Reply<node::ChangesView>(std::move(respond), [](const node::ChangesView& v) {
    return JsonResponse(200, ChangesJson(v));
  }));
}

// Parsed here, resolved against the config in force the node reports (ids of new members, the
// parameters a set_params leaves out), then proposed; the node checks the ops against the config
// in force when it proposes them, so a change resolved just before an epoch began is checked
// against the new epoch.
void Router::ProposeChange(std::string body, Responder respond) {
  auto draft = ParseChangeRequest(body);
  if (!draft.ok()) return Fail(respond, draft.take_error());
  node::Service& service = m_service;
  m_service.GetChanges([&service, respond = std::move(respond), draft = std::move(draft).value()](
                           Result<node::ChangesView> in_force) mutable {
    if (!in_force.ok()) return Fail(respond, in_force.take_error());
    auto request = ResolveChange(draft, *in_force);
    if (!request.ok()) return Fail(respond, request.take_error());
    service.ProposeChange(std::move(request).value(),
                          Reply<node::ChangeReceipt>(std::move(respond), [](const node::ChangeReceipt& r) {
                            return JsonResponse(200, ChangeReceiptJson(r));
                          }));
  });
}

void Router::ApproveChange(const std::string& change_id, Responder respond) {
  auto id = ParseChangeId(change_id);
  if (!id.ok()) return Fail(respond, id.take_error());
  m_service.ApproveChange(*id, Reply<node::ChangeView>(std::move(respond), [](const node::ChangeView& c) {
                            return JsonResponse(200, ChangeViewJson(c));
                          }));
}

}  // namespace peerdb::api
