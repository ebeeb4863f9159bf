// PCE v1 (PROTOCOL.md §1.1): exact byte layout, round trips, and every rejection a decoder must make,
// each with its specific error code. Uses small local types so the codec is tested apart from chain.
#include "peerdb/codec/pce.h"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "alloc_probe.h"

namespace peerdb {
// Lets GoogleTest print codes by name ("malformed") instead of as raw bytes.
inline void PrintTo(Errc code, std::ostream* os) { *os << ErrcName(code); }
}  // namespace peerdb

namespace peerdb::codec {
namespace {

constexpr std::size_t kMaxSmall = 8;
constexpr std::size_t kMaxItems = 4;

struct Item {
  std::uint32_t id = 0;
  std::string label;  // a name: [a-z0-9._/-], 1..8 bytes
  template <class V> void Pce(V& v) { v.u32(id); v.name(label, kMaxSmall); }
  bool operator==(const Item&) const = default;
};

// One field of every kind the codec offers.
struct Sample {
  std::uint16_t version = kVersion;
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  std::uint64_t d = 0;
  bool flag = false;
  Hash32 digest{};
  Bytes blob;                          // bytes<8>
  std::string text;                    // bytes<8>, any byte values
  std::vector<std::uint64_t> numbers;  // list<u64, 4>
  std::vector<Item> items;             // list<Item, 4> sorted by id
  std::optional<Item> extra;
  std::vector<Bytes> chunks;           // list<bytes, 4>
  Sig64 sig{};
  template <class V> void Pce(V& v) {
    v.version(version); v.u8(a); v.u16(b); v.u32(c); v.u64(d); v.boolean(flag); v.fixed(digest);
    v.bytes(blob, kMaxSmall); v.str(text, kMaxSmall); v.list(numbers, kMaxItems);
    v.sorted_list(items, kMaxItems, [](const Item& i) { return i.id; });
    v.opt(extra); v.list(chunks, kMaxItems); v.sig(sig);
  }
  bool operator==(const Sample&) const = default;
};

struct Versioned {
  std::uint16_t version = kVersion;
  std::uint32_t x = 0;
  template <class V> void Pce(V& v) { v.version(version); v.u32(x); }
  bool operator==(const Versioned&) const = default;
};

struct Flag {
  bool b = false;
  template <class V> void Pce(V& v) { v.boolean(b); }
};

struct Optional {
  std::optional<std::uint32_t> x;
  template <class V> void Pce(V& v) { v.opt(x); }
};

// Limits far above any test input, to show that the bytes left bound allocation, not only the maximum.
struct Wide {
  std::vector<std::uint64_t> xs;
  Bytes blob;
  template <class V> void Pce(V& v) { v.list(xs, 1'000'000); v.bytes(blob, 1u << 30); }
};

// An item far larger in memory than on the wire (4 encoded bytes, ~4 KiB in memory).
struct Fat {
  std::array<std::uint8_t, 4096> pad{};
  std::uint16_t version = kVersion;
  std::uint16_t x = 0;
  template <class V> void Pce(V& v) { v.version(version); v.u16(x); }
};

struct FatList {
  std::vector<Fat> items;
  template <class V> void Pce(V& v) { v.list(items, 1000); }
};

// A deliberately lenient type: its reader folds any non-zero byte to 1, so some accepted bytes
// re-encode differently. Decode must catch that with its re-encoding check.
struct Lenient {
  std::uint8_t flag = 0;
  template <class V> void Pce(V& v) {
    v.u8(flag);
    if constexpr (V::kDecoding) flag = flag != 0 ? 1 : 0;
  }
};

Bytes HexBytes(std::string_view hex) {
  auto b = FromHex(hex);
  EXPECT_TRUE(b.ok()) << hex;
  return b.ok() ? *b : Bytes{};
}

template <class T>
Errc DecodeErrc(ByteSpan in) {
  auto r = Decode<T>(in);
  return r.ok() ? Errc::kOk : r.error().code;
}

Sample MakeSample() {
  Sample s;
  s.a = 0x01;
  s.b = 0x0203;
  s.c = 0x04050607;
  s.d = 0x08090a0b0c0d0e0f;
  s.flag = true;
  s.digest.fill(0x11);
  s.blob = {0xaa, 0xbb};
  s.text = "hi";
  s.numbers = {1};
  s.items = {{1, "a"}, {2, "b"}};
  s.chunks = {{0xcc}};
  s.sig.fill(0x22);
  return s;
}

std::string Repeat(std::string_view unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

TEST(PceEncode, WritesFixedWidthBigEndianFieldsInDeclaredOrder) {
  const std::string expected =
      "0001"                                        // version
      "01" "0203" "04050607" "08090a0b0c0d0e0f"     // u8 u16 u32 u64
      "01" +                                        // bool
      Repeat("11", 32) +                            // B32
      "00000002aabb"                                // bytes
      "000000026869"                                // text
      "00000001" "0000000000000001"                 // list<u64>
      "00000002" "00000001" "00000001" "61" "00000002" "00000001" "62"  // sorted list<Item>
      "00"                                          // opt absent
      "00000001" "00000001" "cc" +                  // list<bytes>
      Repeat("22", 64);                             // Sig
  EXPECT_EQ(Hex(Encode(MakeSample())), expected);
}

TEST(PceEncode, ForSigningOmitsOnlyTheSigField) {
  const Bytes full = Encode(MakeSample());
  const Bytes unsigned_bytes = EncodeForSigning(MakeSample());
  ASSERT_EQ(unsigned_bytes.size() + 64, full.size());
  EXPECT_TRUE(std::equal(unsigned_bytes.begin(), unsigned_bytes.end(), full.begin()));
}

TEST(PceEncode, EncodedSizeIsTheSizeOfTheEncodingWithoutBuildingIt) {
  Sample s = MakeSample();
  EXPECT_EQ(EncodedSize(s), Encode(s).size());
  s.items.clear();
  s.extra.reset();
  s.blob.clear();
  EXPECT_EQ(EncodedSize(s), Encode(s).size());
  EXPECT_EQ(EncodedSize(Item{}), 8u);  // u32 + an empty name's u32 length
}

TEST(PceDecode, RoundTripsEveryFieldKind) {
  Sample s = MakeSample();
  auto back = Decode<Sample>(Encode(s));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, s);

  s.extra = Item{7, "x.y/z-_9"};
  s.flag = false;
  s.text = std::string("\x00\xff", 2);  // plain byte strings take any bytes
  back = Decode<Sample>(Encode(s));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, s);

  const Sample empty;
  back = Decode<Sample>(Encode(empty));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, empty);
}

TEST(PceDecode, RejectsEmptyInput) { EXPECT_EQ(DecodeErrc<Sample>(Bytes{}), Errc::kMalformed); }

TEST(PceDecode, RejectsTrailingBytes) {
  Bytes b = Encode(MakeSample());
  b.push_back(0x00);
  auto r = Decode<Sample>(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_NE(r.error().message.find("trailing"), std::string::npos) << r.error().message;
}

TEST(PceDecode, RejectsEveryTruncation) {
  Sample s = MakeSample();
  s.extra = Item{9, "q"};
  const Bytes full = Encode(s);
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(DecodeErrc<Sample>(ByteSpan(full.data(), n)), Errc::kMalformed) << "prefix of " << n << " bytes";
  }
}

TEST(PceDecode, AcceptsBytesAtTheirMaximumAndRejectsOneMore) {
  Sample s = MakeSample();
  s.blob.assign(kMaxSmall, 0x5a);
  s.text.assign(kMaxSmall, 'z');
  EXPECT_EQ(DecodeErrc<Sample>(Encode(s)), Errc::kOk);

  Sample long_blob = s;
  long_blob.blob.push_back(0x5a);  // the writer does not police maxima; the reader must
  EXPECT_EQ(DecodeErrc<Sample>(Encode(long_blob)), Errc::kTooLarge);

  Sample long_text = s;
  long_text.text.push_back('z');
  EXPECT_EQ(DecodeErrc<Sample>(Encode(long_text)), Errc::kTooLarge);
}

TEST(PceDecode, AcceptsListsAtTheirMaximumAndRejectsOneMore) {
  Sample s = MakeSample();
  s.numbers = {1, 2, 3, 4};
  s.items = {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}};
  EXPECT_EQ(DecodeErrc<Sample>(Encode(s)), Errc::kOk);

  Sample many_numbers = s;
  many_numbers.numbers.push_back(5);
  EXPECT_EQ(DecodeErrc<Sample>(Encode(many_numbers)), Errc::kTooLarge);

  Sample many_items = s;
  many_items.items.push_back({5, "e"});
  EXPECT_EQ(DecodeErrc<Sample>(Encode(many_items)), Errc::kTooLarge);
}

TEST(AllocProbe, SeesTheLargestAllocation) {
  // Guards the tests below against a probe that silently records nothing.
  AllocProbe probe;
  std::vector<std::uint64_t> v;
  v.reserve(100'000);
  EXPECT_GE(probe.largest(), 800'000u);
}

TEST(PceDecode, RejectsListCountAboveRemainingInputBeforeAllocating) {
  // 900'000 u64 items are allowed by the maximum but only two are present: reserving first would
  // allocate 7.2 MB from a 20-byte input.
  const Bytes in = HexBytes("000dbba0" "0000000000000001" "0000000000000002");
  AllocProbe probe;
  auto r = Decode<Wide>(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_LT(probe.largest(), 1024u);
}

TEST(PceDecode, RejectsListCountAboveMaximumBeforeAllocating) {
  const Bytes in = HexBytes("ffffffff" "00000000");
  AllocProbe probe;
  auto r = Decode<Wide>(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTooLarge);  // the maximum is checked before the bytes left
  EXPECT_LT(probe.largest(), 1024u);
}

TEST(PceDecode, ReservesNoMoreMemoryThanTheInputHasBytes) {
  // 1000 items fit the maximum and the 4000 bytes that follow, but the first has version 0xffff.
  // Reserving by the count alone would allocate 1000 * ~4 KiB = 4 MB before reading one item.
  Bytes in = HexBytes("000003e8");
  in.resize(4 + 4000, 0xff);
  AllocProbe probe;
  EXPECT_EQ(DecodeErrc<FatList>(in), Errc::kBadVersion);
  EXPECT_LT(probe.largest(), 2 * sizeof(Fat));
}

TEST(PceDecode, DecodesLongListsOfLargeItems) {
  FatList list;
  list.items.resize(1000);
  for (std::size_t i = 0; i < list.items.size(); ++i) list.items[i].x = static_cast<std::uint16_t>(i);
  auto back = Decode<FatList>(Encode(list));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  ASSERT_EQ(back->items.size(), 1000u);
  EXPECT_EQ(back->items[999].x, 999);
}

TEST(PceDecode, RejectsByteLengthAboveRemainingInputWithoutAllocating) {
  const Bytes within_max = HexBytes("00000000" "3fffffff" "0102");
  const Bytes above_max = HexBytes("00000000" "ffffffff" "0102");
  AllocProbe probe;
  EXPECT_EQ(DecodeErrc<Wide>(within_max), Errc::kMalformed);
  EXPECT_EQ(DecodeErrc<Wide>(above_max), Errc::kTooLarge);
  EXPECT_LT(probe.largest(), 1024u);
}

TEST(PceDecode, RejectsUnsortedAndDuplicateSortedLists) {
  Sample unsorted = MakeSample();
  unsorted.items = {{2, "b"}, {1, "a"}};
  EXPECT_EQ(DecodeErrc<Sample>(Encode(unsorted)), Errc::kMalformed);

  Sample duplicate = MakeSample();
  duplicate.items = {{1, "a"}, {1, "b"}};
  EXPECT_EQ(DecodeErrc<Sample>(Encode(duplicate)), Errc::kMalformed);

  Sample unsorted_tail = MakeSample();
  unsorted_tail.items = {{1, "a"}, {3, "c"}, {2, "b"}};
  EXPECT_EQ(DecodeErrc<Sample>(Encode(unsorted_tail)), Errc::kMalformed);
}

TEST(PceDecode, AcceptsOptionTagsZeroAndOneOnly) {
  EXPECT_EQ(DecodeErrc<Optional>(HexBytes("00")), Errc::kOk);
  auto present = Decode<Optional>(HexBytes("0100000005"));
  ASSERT_TRUE(present.ok());
  EXPECT_EQ(present->x, 5u);
  EXPECT_EQ(DecodeErrc<Optional>(HexBytes("0200000005")), Errc::kMalformed);
  EXPECT_EQ(DecodeErrc<Optional>(HexBytes("ff00000005")), Errc::kMalformed);
  EXPECT_EQ(DecodeErrc<Optional>(HexBytes("02")), Errc::kMalformed);
  EXPECT_EQ(DecodeErrc<Optional>(HexBytes("01")), Errc::kMalformed);      // present but missing
  EXPECT_EQ(DecodeErrc<Optional>(HexBytes("0000")), Errc::kMalformed);    // absent, then trailing
}

TEST(PceDecode, AcceptsBoolZeroAndOneOnly) {
  EXPECT_FALSE(Decode<Flag>(HexBytes("00"))->b);
  EXPECT_TRUE(Decode<Flag>(HexBytes("01"))->b);
  EXPECT_EQ(DecodeErrc<Flag>(HexBytes("02")), Errc::kMalformed);
  EXPECT_EQ(DecodeErrc<Flag>(HexBytes("ff")), Errc::kMalformed);
}

TEST(PceDecode, RejectsUnknownVersions) {
  EXPECT_EQ(DecodeErrc<Versioned>(HexBytes("000100000007")), Errc::kOk);
  EXPECT_EQ(DecodeErrc<Versioned>(HexBytes("000000000007")), Errc::kBadVersion);
  EXPECT_EQ(DecodeErrc<Versioned>(HexBytes("000200000007")), Errc::kBadVersion);
  EXPECT_EQ(DecodeErrc<Versioned>(HexBytes("010000000007")), Errc::kBadVersion);
  EXPECT_EQ(DecodeErrc<Versioned>(HexBytes("ffff00000007")), Errc::kBadVersion);
}

TEST(PceDecode, ReportsTheFirstErrorOnly) {
  // An unknown version followed by a truncated body is a version error, not a truncation.
  EXPECT_EQ(DecodeErrc<Versioned>(HexBytes("000200")), Errc::kBadVersion);
  // A length above its maximum is reported even though the data is also missing.
  EXPECT_EQ(DecodeErrc<Wide>(HexBytes("00000000ffffffff")), Errc::kTooLarge);
}

TEST(PceDecode, RejectsNamesOutsideLowercaseAscii) {
  // Item{id = 1, label = the given bytes}, built by hand so any byte string can be tried.
  auto item_with = [](std::string_view label_hex) {
    Writer w;
    w.u32(1);
    w.bytes(HexBytes(label_hex), kMaxSmall);
    return w.Take();
  };
  EXPECT_EQ(DecodeErrc<Item>(item_with("612d7a2e305f392f")), Errc::kOk);  // "a-z.0_9/"
  EXPECT_EQ(DecodeErrc<Item>(item_with("41")), Errc::kMalformed);         // "A"
  EXPECT_EQ(DecodeErrc<Item>(item_with("616263444546")), Errc::kMalformed);  // "abcDEF"
  EXPECT_EQ(DecodeErrc<Item>(item_with("")), Errc::kMalformed);           // empty
  EXPECT_EQ(DecodeErrc<Item>(item_with("c3a9")), Errc::kMalformed);       // "é" in UTF-8
  EXPECT_EQ(DecodeErrc<Item>(item_with("65cc81")), Errc::kMalformed);     // "e" + combining acute
  EXPECT_EQ(DecodeErrc<Item>(item_with("612062")), Errc::kMalformed);     // "a b"
  EXPECT_EQ(DecodeErrc<Item>(item_with("6100")), Errc::kMalformed);       // embedded NUL
  EXPECT_EQ(DecodeErrc<Item>(item_with("613a62")), Errc::kMalformed);     // "a:b"
}

TEST(PceName, AllowsExactlyLowercaseDigitsAndDotUnderscoreSlashDash) {
  EXPECT_TRUE(IsValidName("abcdefghijklmnopqrstuvwxyz0123456789._/-"));
  EXPECT_FALSE(IsValidName(""));
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool allowed = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                         ch == '/' || ch == '-';
    EXPECT_EQ(IsValidName(std::string(1, ch)), allowed) << "byte " << c;
  }
}

// The canonical check compares a re-encoding with the input as it is written: a re-encoding that
// stops short of the input, runs past it or differs anywhere is refused.
TEST(PceMatch, MatchesOnlyTheExactBytes) {
  const Bytes good = Encode(MakeSample());
  const auto matches = [](const Sample& s, const Bytes& expected) {
    BasicWriter<MatchSink> w(WriteForm::kFull, MatchSink(expected));
    w.item(s);
    return w.sink().matched();
  };
  EXPECT_TRUE(matches(MakeSample(), good));
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_FALSE(matches(MakeSample(), longer));
  const Bytes shorter(good.begin(), good.end() - 1);
  EXPECT_FALSE(matches(MakeSample(), shorter));
  for (std::size_t i : {std::size_t{0}, good.size() / 2, good.size() - 1}) {
    Bytes flipped = good;
    flipped[i] ^= 0x01;
    EXPECT_FALSE(matches(MakeSample(), flipped)) << "byte " << i;
  }
}

TEST(PceDecode, RejectsInputThatDoesNotReencodeIdentically) {
  EXPECT_EQ(DecodeErrc<Lenient>(HexBytes("01")), Errc::kOk);
  auto r = Decode<Lenient>(HexBytes("02"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_NE(r.error().message.find("canonical"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace peerdb::codec
