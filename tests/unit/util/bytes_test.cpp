#include "peerdb/util/bytes.h"

#include <gtest/gtest.h>

namespace peerdb {
namespace {

TEST(Hex, RoundTripsAndAcceptsUpperCase) {
  const Bytes b = {0x00, 0x7f, 0xff, 0xab};
  EXPECT_EQ(Hex(b), "007fffab");
  EXPECT_EQ(*FromHex("007FFFAB"), b);
  EXPECT_TRUE(FromHex("")->empty());
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  EXPECT_EQ(FromHex("abc").error().code, Errc::kMalformed);
  EXPECT_EQ(FromHex("zz").error().code, Errc::kMalformed);
  EXPECT_EQ(Hash32FromHex("00").error().code, Errc::kMalformed);
}

TEST(Result, TryAssignPropagatesTheError) {
  auto f = [](bool fail) -> Result<int> {
    if (fail) return Error{Errc::kNotFound, "x"};
    return 7;
  };
  auto g = [&](bool fail) -> Result<int> {
    PEERDB_TRY_ASSIGN(int v, f(fail));
    return v + 1;
  };
  EXPECT_EQ(*g(false), 8);
  EXPECT_EQ(g(true).error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace peerdb
