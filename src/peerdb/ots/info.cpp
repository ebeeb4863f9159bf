#include "peerdb/ots/info.h"

#include <cstdint>
#include <vector>

#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/bitcoin_header.h"

namespace peerdb::ots {

namespace {

// Bitcoin's serialization reader, only as far as telling whether bytes are one transaction.
class TxReader {
 public:
  explicit TxReader(ByteSpan in) : m_in(in) {}
  bool Skip(std::uint64_t n) {
    if (n > m_in.size() - m_pos) return false;
    m_pos += static_cast<std::size_t>(n);
    return true;
  }
  bool U8(std::uint8_t& v) {
    if (m_pos >= m_in.size()) return false;
    v = m_in[m_pos++];
    return true;
  }
  bool CompactSize(std::uint64_t& v) {
    std::uint8_t first = 0;
    if (!U8(first)) return false;
    if (first < 0xfd) {
      v = first;
      return true;
    }
    const int width = first == 0xfd ? 2 : first == 0xfe ? 4 : 8;
    v = 0;
    for (int i = 0; i < width; ++i) {
      std::uint8_t b = 0;
      if (!U8(b)) return false;
      v |= static_cast<std::uint64_t>(b) << (8 * i);
    }
    return true;
  }
  bool VarBytes() {
    std::uint64_t n = 0;
    return CompactSize(n) && Skip(n);
  }
  // A vector of items that each take at least one byte: a count above the bytes left fails early.
  template <class F>
  bool Vector(F item, std::uint64_t* count_out = nullptr) {
    std::uint64_t n = 0;
    if (!CompactSize(n) || n > m_in.size() - m_pos) return false;
    if (count_out) *count_out = n;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!item()) return false;
    }
    return true;
  }
  std::size_t Pos() const { return m_pos; }
  void Seek(std::size_t pos) { m_pos = pos; }
  bool AtEnd() const { return m_pos == m_in.size(); }

 private:
  ByteSpan m_in;
  std::size_t m_pos = 0;
};

bool ReadTxBody(TxReader& r, bool witness) {
  std::uint64_t inputs = 0;
  if (!r.Vector([&] { return r.Skip(36) && r.VarBytes() && r.Skip(4); }, &inputs)) return false;
  if (!r.Vector([&] { return r.Skip(8) && r.VarBytes(); })) return false;
  if (witness) {
    for (std::uint64_t i = 0; i < inputs; ++i) {
      if (!r.Vector([&] { return r.VarBytes(); })) return false;
    }
  }
  return r.Skip(4) && r.AtEnd();
}

// GCC 12 with optimisation reports a bogus -Wrestrict inside std::string for `" " + Hex(...)`
// (GCC bug 105329; also 105651). Silenced for this code only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string OpToString(const Op& op) {
  std::string s(OpName(op.tag));
  if (OpHasArg(op.tag)) s += " " + Hex(op.arg);
  return s;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

std::string TxIdLine(ByteSpan msg, std::size_t indent, const char* marker) {
  if (!IsBitcoinTransaction(msg)) return "";
  const Hash32 once = crypto::Sha256(msg);
  return std::string(indent, ' ') + marker + " Transaction id " + DisplayHex(crypto::Sha256(ByteSpan(once))) + "\n";
}

// Recursion depth is the tree depth, which decoding bounds to 255.
void WriteTree(std::string& out, const Timestamp& node, std::size_t indent) {
  const std::string pad(indent, ' ');
  for (const Attestation& a : node.attestations()) {
    out += pad + "verify " + AttestationToString(a) + "\n";
    if (a.kind == AttestationKind::kBitcoin) out += pad + "# Bitcoin block merkle root " + DisplayHex(node.msg()) + "\n";
    if (a.kind == AttestationKind::kLitecoin) out += pad + "# Litecoin block merkle root " + DisplayHex(node.msg()) + "\n";
  }
  if (node.ops().size() > 1) {
    for (const OpEdge& e : node.ops()) {
      out += TxIdLine(node.msg(), indent, "*");
      out += pad + " -> " + OpToString(e.op) + "\n";
      WriteTree(out, *e.child, indent + 4);
    }
  } else if (node.ops().size() == 1) {
    const OpEdge& e = node.ops().front();
    out += TxIdLine(node.msg(), indent, "#");
    out += pad + OpToString(e.op) + "\n";
    WriteTree(out, *e.child, indent);
  }
}

}  // namespace

bool IsBitcoinTransaction(ByteSpan msg) {
  TxReader r(msg);
  if (!r.Skip(4)) return false;
  const std::size_t after_version = r.Pos();
  std::uint8_t marker = 0;
  std::uint8_t flag = 0;
  if (!r.U8(marker) || !r.U8(flag)) return false;
  if (marker == 0 && flag == 1) return ReadTxBody(r, true);
  r.Seek(after_version);
  return ReadTxBody(r, false);
}

std::string TimestampToString(const Timestamp& timestamp) {
  std::string out;
  WriteTree(out, timestamp, 0);
  return out;
}

std::string InfoString(const DetachedTimestampFile& file) {
  return "File " + std::string(OpName(file.file_hash_op)) + " hash: " + Hex(file.file_digest()) + "\nTimestamp:\n" +
         TimestampToString(file.timestamp);
}

}  // namespace peerdb::ots
