// OpenTimestamps attestations: the leaves of a timestamp tree (OTS.md §1.5). Bitcoin, Litecoin and
// Ethereum ("dubious" in the reference) carry a block height; Pending carries a calendar URI
// (<= 1000 bytes of A-Za-z0-9-._/:); any other tag is kept as an Unknown attestation with its
// payload verbatim. Thread-safety: value types and pure functions.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::ots {

using AttestationTag = std::array<std::uint8_t, 8>;

constexpr std::size_t kMaxAttestationPayload = 8192;
constexpr std::size_t kMaxPendingUriLength = 1000;

constexpr AttestationTag kBitcoinTag = {0x05, 0x88, 0x96, 0x0d, 0x73, 0xd7, 0x19, 0x01};
constexpr AttestationTag kLitecoinTag = {0x06, 0x86, 0x9a, 0x0d, 0x73, 0xd7, 0x1b, 0x45};
constexpr AttestationTag kEthereumTag = {0x30, 0xfe, 0x80, 0x87, 0xb5, 0xc7, 0xea, 0xd7};
constexpr AttestationTag kPendingTag = {0x83, 0xdf, 0xe3, 0x0d, 0x2e, 0xf9, 0x0c, 0x8e};

enum class AttestationKind : std::uint8_t { kBitcoin, kLitecoin, kEthereum, kPending, kUnknown };

struct Attestation {
  AttestationKind kind = AttestationKind::kUnknown;
  std::uint64_t height = 0;  // Bitcoin, Litecoin, Ethereum
  std::string uri;           // Pending
  AttestationTag unknown_tag{};  // Unknown only
  Bytes unknown_payload;         // Unknown only, verbatim

  static Attestation Bitcoin(std::uint64_t height);
  static Attestation Litecoin(std::uint64_t height);
  static Attestation Ethereum(std::uint64_t height);
  static Attestation Pending(std::string uri);
  static Attestation Unknown(const AttestationTag& tag, Bytes payload);

  AttestationTag Tag() const;

  // The reference order (TimeAttestation.__lt__): by tag bytes across kinds; within a kind by
  // height, URI bytes, or (tag, payload) for Unknown.
  friend bool operator==(const Attestation& a, const Attestation& b) { return (a <=> b) == 0; }
  friend std::strong_ordering operator<=>(const Attestation& a, const Attestation& b);
};

// kMalformed unless uri is 0..1000 bytes of A-Za-z0-9-._/: (the reference's check_uri).
Status CheckPendingUri(std::string_view uri);

// The payload bytes inside the attestation's varbytes (without tag and outer length).
Bytes EncodeAttestationPayload(const Attestation& a);
// Parses a payload for tag; known tags must consume it exactly (trailing bytes -> kMalformed).
Result<Attestation> DecodeAttestationPayload(const AttestationTag& tag, ByteSpan payload);

// As the reference prints it, e.g. "BitcoinBlockHeaderAttestation(358391)",
// "PendingAttestation('https://alice.btc.calendar.opentimestamps.org')".
std::string AttestationToString(const Attestation& a);

}  // namespace peerdb::ots
