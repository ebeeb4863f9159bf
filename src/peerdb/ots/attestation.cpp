#include "peerdb/ots/attestation.h"

#include <algorithm>

#include "peerdb/ots/internal/wire.h"

namespace peerdb::ots {

using internal::WireReader;

Attestation Attestation::Bitcoin(std::uint64_t height) {
  Attestation a;
  a.kind = AttestationKind::kBitcoin;
  a.height = height;
  return a;
}
Attestation Attestation::Litecoin(std::uint64_t height) {
  Attestation a = Bitcoin(height);
  a.kind = AttestationKind::kLitecoin;
  return a;
}
Attestation Attestation::Ethereum(std::uint64_t height) {
  Attestation a = Bitcoin(height);
  a.kind = AttestationKind::kEthereum;
  return a;
}
Attestation Attestation::Pending(std::string uri) {
  Attestation a;
  a.kind = AttestationKind::kPending;
  a.uri = std::move(uri);
  return a;
}
Attestation Attestation::Unknown(const AttestationTag& tag, Bytes payload) {
  Attestation a;
  a.kind = AttestationKind::kUnknown;
  a.unknown_tag = tag;
  a.unknown_payload = std::move(payload);
  return a;
}

AttestationTag Attestation::Tag() const {
  switch (kind) {
    case AttestationKind::kBitcoin: return kBitcoinTag;
    case AttestationKind::kLitecoin: return kLitecoinTag;
    case AttestationKind::kEthereum: return kEthereumTag;
    case AttestationKind::kPending: return kPendingTag;
    case AttestationKind::kUnknown: return unknown_tag;
  }
  return unknown_tag;
}

std::strong_ordering operator<=>(const Attestation& a, const Attestation& b) {
  const AttestationTag ta = a.Tag();
  const AttestationTag tb = b.Tag();
  if (auto c = ta <=> tb; c != 0) return c;
  // Equal tags imply equal kinds: an Unknown never carries a known tag.
  switch (a.kind) {
    case AttestationKind::kBitcoin:
    case AttestationKind::kLitecoin:
    case AttestationKind::kEthereum:
      return a.height <=> b.height;
    case AttestationKind::kPending:
      return std::lexicographical_compare_three_way(a.uri.begin(), a.uri.end(), b.uri.begin(), b.uri.end(),
                                                    [](char x, char y) {
                                                      return static_cast<unsigned char>(x) <=>
                                                             static_cast<unsigned char>(y);
                                                    });
    case AttestationKind::kUnknown:
      return std::lexicographical_compare_three_way(a.unknown_payload.begin(), a.unknown_payload.end(),
                                                    b.unknown_payload.begin(), b.unknown_payload.end());
  }
  return std::strong_ordering::equal;
}

Status CheckPendingUri(std::string_view uri) {
  if (uri.size() > kMaxPendingUriLength) return Error{Errc::kTooLarge, "pending URI exceeds 1000 bytes"};
  for (char c : uri) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '/' || c == ':';
    if (!ok) return Error{Errc::kMalformed, "pending URI contains an invalid character"};
  }
  return Status::Ok();
}

Bytes EncodeAttestationPayload(const Attestation& a) {
  Bytes out;
  switch (a.kind) {
    case AttestationKind::kBitcoin:
    case AttestationKind::kLitecoin:
    case AttestationKind::kEthereum:
      internal::PutVarUint(out, a.height);
      break;
    case AttestationKind::kPending:
      internal::PutVarBytes(out, AsBytes(a.uri));
      break;
    case AttestationKind::kUnknown:
      out = a.unknown_payload;
      break;
  }
  return out;
}

Result<Attestation> DecodeAttestationPayload(const AttestationTag& tag, ByteSpan payload) {
  if (payload.size() > kMaxAttestationPayload) return Error{Errc::kTooLarge, "attestation payload exceeds 8192 bytes"};
  WireReader r(payload);
  Attestation a;
  if (tag == kBitcoinTag || tag == kLitecoinTag || tag == kEthereumTag) {
    PEERDB_TRY_ASSIGN(const std::uint64_t height, r.VarUint());
    a = tag == kBitcoinTag ? Attestation::Bitcoin(height)
        : tag == kLitecoinTag ? Attestation::Litecoin(height)
                              : Attestation::Ethereum(height);
  } else if (tag == kPendingTag) {
    PEERDB_TRY_ASSIGN(const ByteSpan uri, r.VarBytes(kMaxPendingUriLength));
    const std::string_view text(reinterpret_cast<const char*>(uri.data()), uri.size());
    PEERDB_TRY(CheckPendingUri(text));
    a = Attestation::Pending(std::string(text));
  } else {
    return Attestation::Unknown(tag, Bytes(payload.begin(), payload.end()));
  }
  if (!r.AtEnd()) return r.Fail(Errc::kMalformed, "trailing bytes in attestation payload");
  return a;
}

namespace {
// Python's repr() of a bytes object: b'...' with \\, \', \t, \n, \r and \xNN escapes.
std::string PyBytesRepr(ByteSpan b) {
  const bool has_single = std::find(b.begin(), b.end(), '\'') != b.end();
  const bool has_double = std::find(b.begin(), b.end(), '"') != b.end();
  const char quote = has_single && !has_double ? '"' : '\'';
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "b";
  out += quote;
  for (std::uint8_t c : b) {
    if (c == quote || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}
}  // namespace

std::string AttestationToString(const Attestation& a) {
  switch (a.kind) {
    case AttestationKind::kBitcoin: return "BitcoinBlockHeaderAttestation(" + std::to_string(a.height) + ")";
    case AttestationKind::kLitecoin: return "LitecoinBlockHeaderAttestation(" + std::to_string(a.height) + ")";
    case AttestationKind::kEthereum: return "EthereumBlockHeaderAttestation(" + std::to_string(a.height) + ")";
    case AttestationKind::kPending: return "PendingAttestation('" + a.uri + "')";
    case AttestationKind::kUnknown:
      return "UnknownAttestation(" + PyBytesRepr(a.unknown_tag) + ", " + PyBytesRepr(a.unknown_payload) + ")";
  }
  return "UnknownAttestation()";
}

}  // namespace peerdb::ots
