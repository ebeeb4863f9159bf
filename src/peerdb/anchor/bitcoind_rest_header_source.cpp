#include "peerdb/anchor/bitcoind_rest_header_source.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "peerdb/anchor/internal/fetched_header.h"

namespace peerdb::anchor {

BitcoindRestHeaderSource::BitcoindRestHeaderSource(std::string base_url, http::ClientOptions options)
    : m_base(std::move(base_url)), m_options(std::move(options)) {
  while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
}

Result<ots::BlockHeader> BitcoindRestHeaderSource::HeaderAt(std::uint64_t height) {
  const std::string what = "bitcoind " + m_base + " block " + std::to_string(height);
  PEERDB_TRY_ASSIGN(const http::Response hash_res,
                    internal::FetchOk(m_base + "/rest/blockhashbyheight/" + std::to_string(height) + ".hex",
                                      m_options, kMaxRestHashBody, what));
  PEERDB_TRY_ASSIGN(const std::string hash, internal::ParseBlockHashText(hash_res.body, what));
  http::ClientOptions options = m_options;
  options.max_body = kMaxRestHeaderBody;
  auto header_res = http::Get(m_base + "/rest/headers/" + hash + ".bin?count=1", options);
  if (header_res.ok() && header_res->status == 400) {  // bitcoind before 24.0: "No header count specified"
    header_res = http::Get(m_base + "/rest/headers/1/" + hash + ".bin", options);
  }
  if (!header_res.ok()) return header_res.error().Context(what + " header");
  PEERDB_TRY(internal::CheckStatus(*header_res, what + " header"));
  if (header_res->body.empty()) {
    return Error{Errc::kNotFound, what + ": block " + hash + " is not in the node's active chain"};
  }
  return internal::CheckFetchedHeader(AsBytes(header_res->body), hash, height);
}

Result<std::uint64_t> BitcoindRestHeaderSource::TipHeight() {
  const std::string what = "bitcoind " + m_base + " chaininfo";
  PEERDB_TRY_ASSIGN(const http::Response res,
                    internal::FetchOk(m_base + "/rest/chaininfo.json", m_options, kMaxRestChainInfoBody, what));
  const nlohmann::json doc = nlohmann::json::parse(res.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{Errc::kMalformed, what + ": answer is not a JSON object"};
  const auto blocks = doc.find("blocks");
  if (blocks == doc.end() || !blocks->is_number_unsigned()) {
    return Error{Errc::kMalformed, what + ": no \"blocks\" height in the answer"};
  }
  return blocks->get<std::uint64_t>();
}

}  // namespace peerdb::anchor
