#include "peerdb/anchor/esplora_header_source.h"

#include <utility>

#include "peerdb/anchor/internal/fetched_header.h"

namespace peerdb::anchor {

EsploraHeaderSource::EsploraHeaderSource(std::string base_url, http::ClientOptions options)
    : m_base(std::move(base_url)), m_options(std::move(options)) {
  while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
}

Result<ots::BlockHeader> EsploraHeaderSource::HeaderAt(std::uint64_t height) {
  const std::string what = "Esplora " + m_base + " block " + std::to_string(height);
  PEERDB_TRY_ASSIGN(const http::Response hash_res,
                    internal::FetchOk(m_base + "/block-height/" + std::to_string(height), m_options,
                                      kMaxEsploraHashBody, what));
  PEERDB_TRY_ASSIGN(const std::string hash, internal::ParseBlockHashText(hash_res.body, what));
  PEERDB_TRY_ASSIGN(const http::Response header_res,
                    internal::FetchOk(m_base + "/block/" + hash + "/header", m_options, kMaxEsploraHeaderBody,
                                      what + " header"));
  std::string_view hex = header_res.body;
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.remove_suffix(1);
  auto bytes = FromHex(hex);
  if (!bytes.ok()) return Error{Errc::kMalformed, what + " header: answer is not hex"};
  return internal::CheckFetchedHeader(*bytes, hash, height);
}

Result<std::uint64_t> EsploraHeaderSource::TipHeight() {
  const std::string what = "Esplora " + m_base + " tip height";
  PEERDB_TRY_ASSIGN(const http::Response res,
                    internal::FetchOk(m_base + "/blocks/tip/height", m_options, kMaxEsploraHashBody, what));
  return internal::ParseHeightText(res.body, what);
}

}  // namespace peerdb::anchor
