// PCE v1, the canonical binary encoding of PROTOCOL.md §1.1: fixed-width big-endian integers,
// u32-length-prefixed bytes and lists with declared maxima, opt/bool tags 0/1, no trailing bytes.
//
// One serializer per type for both directions (as Bitcoin Core's SERIALIZE_METHODS): a type lists
// its fields once in `template <class V> void Pce(V& v)`, and Writer and Reader both visit it.
// Decoders never throw and never allocate beyond what the remaining input can hold.
// Thread-safety: Writer and Reader are single-use, single-thread objects.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "peerdb/util/bytes.h"
#include "peerdb/util/result.h"

namespace peerdb::codec {

inline constexpr std::uint16_t kVersion = 1;

template <class T, class V>
concept PceStruct = requires(T& t, V& v) { t.Pce(v); };

// True for the 7-bit ASCII names of PROTOCOL.md §1.1 item 7: [a-z0-9._/-], non-empty.
bool IsValidName(std::string_view name);

// Where a writer's bytes go: a buffer (Writer), a count (EncodedSize) or a comparison with bytes
// already held (Decode's canonical check). One writer template, so the three cannot disagree.
class BufferSink {
 public:
  void put(const std::uint8_t* p, std::size_t n) { m_out.insert(m_out.end(), p, p + n); }
  void reserve(std::size_t n) { m_out.reserve(n); }
  Bytes& out() { return m_out; }

 private:
  Bytes m_out;
};

class SizeSink {
 public:
  void put(const std::uint8_t*, std::size_t n) { m_size += n; }
  std::size_t size() const { return m_size; }

 private:
  std::size_t m_size = 0;
};

// Compares what is written with `expected`, byte for byte, without building a copy.
class MatchSink {
 public:
  explicit MatchSink(ByteSpan expected) : m_expected(expected) {}
  void put(const std::uint8_t* p, std::size_t n) {
    if (!m_equal) return;
    if (n > m_expected.size() - m_pos || !std::equal(p, p + n, m_expected.begin() + static_cast<std::ptrdiff_t>(m_pos))) {
      m_equal = false;
      return;
    }
    m_pos += n;
  }
  // True when every written byte matched and all of `expected` was written.
  bool matched() const { return m_equal && m_pos == m_expected.size(); }

 private:
  ByteSpan m_expected;
  std::size_t m_pos = 0;
  bool m_equal = true;
};

// kFull: the wire and storage form. kCommitted: what hashes and Merkle leaves cover, where a
// type that carries a value beside its commitment (chain::Op) writes only the commitment, so the
// value can be dropped later without changing any hash. kSigning: kCommitted without the sig
// field, "PCE(m without its sig field)" of sign-bytes (§1.2).
enum class WriteForm { kFull, kCommitted, kSigning };

template <class Sink>
class BasicWriter {
 public:
  static constexpr bool kDecoding = false;
  using Form = WriteForm;

  explicit BasicWriter(Form form = Form::kFull, Sink sink = Sink{}) : m_sink(std::move(sink)), m_form(form) {}

  // True when values that travel beside their commitments are left out (kCommitted, kSigning).
  bool commitments_only() const { return m_form != Form::kFull; }

  void u8(std::uint8_t v) { m_sink.put(&v, 1); }
  void u16(std::uint16_t v) { PutBe(v, 2); }
  void u32(std::uint32_t v) { PutBe(v, 4); }
  void u64(std::uint64_t v) { PutBe(v, 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void version(std::uint16_t v, std::uint16_t /*expected*/ = kVersion) { u16(v); }
  template <std::size_t N>
  void fixed(const std::array<std::uint8_t, N>& a) { m_sink.put(a.data(), N); }
  void sig(const Sig64& s) { if (m_form != Form::kSigning) fixed(s); }
  void bytes(const Bytes& b, std::size_t /*max*/) { Raw(ByteSpan(b)); }
  void str(const std::string& s, std::size_t /*max*/) { Raw(AsBytes(s)); }
  void name(const std::string& s, std::size_t max) { str(s, max); }
  template <class T>
  void item(const T& x) {
    if constexpr (std::is_same_v<T, std::uint8_t>) u8(x);
    else if constexpr (std::is_same_v<T, std::uint16_t>) u16(x);
    else if constexpr (std::is_same_v<T, std::uint32_t>) u32(x);
    else if constexpr (std::is_same_v<T, std::uint64_t>) u64(x);
    else if constexpr (std::is_same_v<T, Hash32>) fixed(x);
    else if constexpr (std::is_same_v<T, Bytes>) Raw(ByteSpan(x));
    else const_cast<T&>(x).Pce(*this);  // Pce only reads when encoding
  }
  template <class T>
  void list(const std::vector<T>& xs, std::size_t /*max*/) {
    u32(static_cast<std::uint32_t>(xs.size()));
    for (const auto& x : xs) item(x);
  }
  template <class T, class Key>
  void sorted_list(const std::vector<T>& xs, std::size_t max, Key&&) { list(xs, max); }
  template <class T>
  void opt(const std::optional<T>& x) {
    u8(x ? 1 : 0);
    if (x) item(*x);
  }
  bool ok() const { return true; }

  Sink& sink() { return m_sink; }
  Bytes& out() requires std::same_as<Sink, BufferSink> { return m_sink.out(); }
  Bytes Take() requires std::same_as<Sink, BufferSink> { return std::move(m_sink.out()); }

 private:
  void PutBe(std::uint64_t v, int width) {
    std::uint8_t be[8];
    for (int i = 0; i < width; ++i) be[i] = static_cast<std::uint8_t>(v >> (8 * (width - 1 - i)));
    m_sink.put(be, static_cast<std::size_t>(width));
  }
  void Raw(ByteSpan b) {
    u32(static_cast<std::uint32_t>(b.size()));
    m_sink.put(b.data(), b.size());
  }
  Sink m_sink;
  Form m_form;
};

using Writer = BasicWriter<BufferSink>;

class Reader {
 public:
  static constexpr bool kDecoding = true;

  explicit Reader(ByteSpan in) : m_in(in) {}

  void u8(std::uint8_t& v) { std::uint64_t x = 0; if (GetBe(x, 1)) v = static_cast<std::uint8_t>(x); }
  void u16(std::uint16_t& v) { std::uint64_t x = 0; if (GetBe(x, 2)) v = static_cast<std::uint16_t>(x); }
  void u32(std::uint32_t& v) { std::uint64_t x = 0; if (GetBe(x, 4)) v = static_cast<std::uint32_t>(x); }
  void u64(std::uint64_t& v) { GetBe(v, 8); }
  void boolean(bool& v) {
    std::uint8_t t = 0;
    u8(t);
    if (t > 1) Fail(Errc::kMalformed, "bool must be 0 or 1");
    v = t == 1;
  }
  // A type whose layout changed since PCE v1 declares its own version (chain::kBatchVersion).
  void version(std::uint16_t& v, std::uint16_t expected = kVersion) {
    u16(v);
    if (ok() && v != expected) {
      Fail(Errc::kBadVersion, "unsupported version " + std::to_string(v) + " (this build reads " +
                                  std::to_string(expected) + ")");
    }
  }
  template <std::size_t N>
  void fixed(std::array<std::uint8_t, N>& a) {
    if (!Need(N)) return;
    std::copy_n(m_in.begin() + static_cast<std::ptrdiff_t>(m_pos), N, a.begin());
    m_pos += N;
  }
  void sig(Sig64& s) { fixed(s); }
  void bytes(Bytes& b, std::size_t max) {
    ByteSpan s;
    if (Raw(s, max)) b.assign(s.begin(), s.end());
  }
  void str(std::string& out, std::size_t max) {
    ByteSpan s;
    if (Raw(s, max)) out.assign(s.begin(), s.end());
  }
  void name(std::string& out, std::size_t max) {
    str(out, max);
    if (ok() && !IsValidName(out)) Fail(Errc::kMalformed, "name must be non-empty [a-z0-9._/-]");
  }
  template <class T>
  void item(T& x) {
    if constexpr (std::is_same_v<T, std::uint8_t>) u8(x);
    else if constexpr (std::is_same_v<T, std::uint16_t>) u16(x);
    else if constexpr (std::is_same_v<T, std::uint32_t>) u32(x);
    else if constexpr (std::is_same_v<T, std::uint64_t>) u64(x);
    else if constexpr (std::is_same_v<T, Hash32>) fixed(x);
    else if constexpr (std::is_same_v<T, Bytes>) bytes(x, 0xffffffffu);
    else x.Pce(*this);
  }
  template <class T>
  void list(std::vector<T>& xs, std::size_t max) {
    std::uint32_t count = 0;
    u32(count);
    if (!ok()) return;
    // Bound before allocating: by the declared maximum and by the bytes left (each item >= 1 byte).
    if (count > max) return Fail(Errc::kTooLarge, "list of " + std::to_string(count) + " exceeds " + std::to_string(max));
    if (count > remaining()) return Fail(Errc::kMalformed, "list count exceeds remaining input");
    xs.clear();
    // Reserve no more memory than there are input bytes left: a count that lies cannot make a small
    // input allocate count * sizeof(T) up front. A genuine list still grows as its items decode.
    xs.reserve(std::min<std::size_t>(count, std::max<std::size_t>(remaining() / sizeof(T), 1)));
    for (std::uint32_t i = 0; i < count && ok(); ++i) {
      xs.emplace_back();
      item(xs.back());
    }
  }
  // A list that must be strictly ascending by key(item): rejects disorder and duplicates.
  template <class T, class Key>
  void sorted_list(std::vector<T>& xs, std::size_t max, Key&& key) {
    list(xs, max);
    for (std::size_t i = 1; ok() && i < xs.size(); ++i) {
      if (!(key(xs[i - 1]) < key(xs[i]))) return Fail(Errc::kMalformed, "list not strictly sorted");
    }
  }
  template <class T>
  void opt(std::optional<T>& x) {
    std::uint8_t tag = 0;
    u8(tag);
    if (!ok()) return;
    if (tag == 0) { x.reset(); return; }
    if (tag != 1) return Fail(Errc::kMalformed, "option tag must be 0 or 1");
    x.emplace();
    item(*x);
  }

  void Fail(Errc code, std::string msg) {
    if (m_ok) { m_ok = false; m_error = Error{code, std::move(msg)}; }
  }
  bool ok() const { return m_ok; }
  bool AtEnd() const { return m_pos == m_in.size(); }
  std::size_t remaining() const { return m_in.size() - m_pos; }
  const Error& error() const { return m_error; }

 private:
  bool Need(std::size_t n) {
    if (!m_ok) return false;
    if (n > remaining()) { Fail(Errc::kMalformed, "truncated input"); return false; }
    return true;
  }
  bool GetBe(std::uint64_t& v, int width) {
    if (!Need(static_cast<std::size_t>(width))) return false;
    std::uint64_t x = 0;
    for (int i = 0; i < width; ++i) x = (x << 8) | m_in[m_pos++];
    v = x;
    return true;
  }
  bool Raw(ByteSpan& out, std::size_t max) {
    std::uint32_t len = 0;
    u32(len);
    if (!ok()) return false;
    if (len > max) { Fail(Errc::kTooLarge, "length " + std::to_string(len) + " exceeds " + std::to_string(max)); return false; }
    if (!Need(len)) return false;
    out = m_in.subspan(m_pos, len);
    m_pos += len;
    return true;
  }

  ByteSpan m_in;
  std::size_t m_pos = 0;
  bool m_ok = true;
  Error m_error;
};

// The size of Encode(x), without building it.
template <class T>
std::size_t EncodedSize(const T& x) {
  BasicWriter<SizeSink> w;
  w.item(x);
  return w.sink().size();
}

template <class T>
Bytes Encode(const T& x) {
  Writer w;
  w.sink().reserve(EncodedSize(x));  // one allocation, no copies as a large block grows
  w.item(x);
  return w.Take();
}

// The committed form of x: what hashes and Merkle leaves cover (Writer::Form::kCommitted).
template <class T>
Bytes EncodeCommitted(const T& x) {
  Writer w(Writer::Form::kCommitted);
  w.item(x);
  return w.Take();
}

// PCE of x without its signature field, values replaced by their commitments: the
// "m without its sig field" of SB(tag, m).
template <class T>
Bytes EncodeForSigning(const T& x) {
  Writer w(Writer::Form::kSigning);
  w.item(x);
  return w.Take();
}

// Decodes exactly one T from `in`: rejects trailing bytes and anything that does not re-encode
// to the same bytes (PROTOCOL.md §1.1 item 6).
template <class T>
Result<T> Decode(ByteSpan in) {
  Reader r(in);
  T x{};
  r.item(x);
  if (!r.ok()) return r.error();
  if (!r.AtEnd()) return Error{Errc::kMalformed, std::to_string(r.remaining()) + " trailing bytes"};
  BasicWriter<MatchSink> again(WriteForm::kFull, MatchSink(in));
  again.item(x);
  if (!again.sink().matched()) {
    return Error{Errc::kMalformed, "not canonical: re-encoding differs"};
  }
  return x;
}

}  // namespace peerdb::codec
