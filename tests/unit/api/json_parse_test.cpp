// ParseJsonBounded keeps a value exactly as sent or refuses it (docs/api.md, "Values: kept exactly
// or refused"): duplicate member names and numbers a double cannot hold are errors, never rounded.
#include "peerdb/api/json_parse.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "peerdb/api/json_number.h"

namespace peerdb::api {
namespace {

void ExpectRefused(std::string_view text, std::string_view in_message) {
  auto r = ParseJsonBounded(text);
  ASSERT_FALSE(r.ok()) << text.substr(0, 200) << " was accepted as " << DumpJson(*r);
  EXPECT_EQ(r.error().code, Errc::kMalformed) << r.error().ToString();
  EXPECT_NE(r.error().message.find(in_message), std::string::npos) << r.error().message;
}

// `text` is accepted and stored (DumpJson) as `stored`, which parses back to itself.
void ExpectStored(std::string_view text, std::string_view stored) {
  auto r = ParseJsonBounded(text);
  ASSERT_TRUE(r.ok()) << text << ": " << r.error().ToString();
  EXPECT_EQ(DumpJson(*r), stored) << text;
  auto again = ParseJsonBounded(stored);
  ASSERT_TRUE(again.ok()) << stored << ": " << again.error().ToString();
  EXPECT_EQ(DumpJson(*again), stored);
}

TEST(ParseJsonBounded, RefusesDuplicateMemberNamesNamingKeyAndPlace) {
  ExpectRefused(R"({"a":1,"a":2})", R"(duplicate member name "a" in the top-level object)");
  ExpectRefused(R"({"a":1,"a":1})", R"(duplicate member name "a")");  // even with the same value
  ExpectRefused(R"({"x":{"a":1,"b":2,"a":3}})", R"(duplicate member name "a" in x)");
  ExpectRefused(R"([{"a":1},{"b":1,"b":2}])", R"(duplicate member name "b" in [1])");
  ExpectRefused(R"({"ops":[{"op":"put","value":{"k":[0,{"q":1,"q":[]}]}}]})",
                R"(duplicate member name "q" in ops[0].value.k[1])");
  ExpectRefused(R"({"x":[{"a":{},"a":{}}]})", R"(duplicate member name "a" in x[0])");
  // Names are compared after unescaping.
  ExpectRefused(R"({"a":1,"\u0061":2})", R"(duplicate member name "a")");
  // A long name is cut in the message.
  const std::string name(1000, 'n');
  auto r = ParseJsonBounded("{\"" + name + "\":1,\"" + name + "\":2}");
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.error().message.size(), 200u) << r.error().message;
}

TEST(ParseJsonBounded, AcceptsTheSameNameInDifferentObjects) {
  ExpectStored(R"([{"a":1},{"a":2}])", R"([{"a":1},{"a":2}])");
  ExpectStored(R"({"a":{"a":{"a":1}},"b":[{"a":0}]})", R"({"a":{"a":{"a":1}},"b":[{"a":0}]})");
  ExpectStored(R"({"A":1,"a":2})", R"({"A":1,"a":2})");
  ExpectStored(R"({"b": 1, "a": 2.50})", R"({"a":2.5,"b":1})");
}

TEST(ParseJsonBounded, KeepsIntegersThatFit64Bits) {
  ExpectStored("18446744073709551615", "18446744073709551615");  // uint64 max
  ExpectStored("-9223372036854775808", "-9223372036854775808");  // int64 min
  ExpectStored("9223372036854775807", "9223372036854775807");
  ExpectStored("9007199254740993", "9007199254740993");  // not a double, but an int64
  ExpectStored(R"({"amount_minor":18446744073709551615})", R"({"amount_minor":18446744073709551615})");
  ExpectStored("-0", "0");
  ExpectStored("-12", "-12");
}

TEST(ParseJsonBounded, KeepsNumbersWhoseDoubleHasTheSameDecimalValue) {
  for (const auto& [in, stored] : std::vector<std::pair<std::string, std::string>>{
           {"0.1", "0.1"},
           {"-0.1", "-0.1"},
           {"1.5", "1.5"},
           {"1.50", "1.5"},
           {"2e3", "2000.0"},
           {"1E+2", "100.0"},
           {"-1.25e-3", "-0.00125"},
           {"0.000", "0.0"},
           {"-0.0", "-0.0"},
           {"0e99999999999999999999", "0.0"},
           {"1e-7", "1e-07"},
           {"5e-324", "5e-324"},
           {"1.7976931348623157e308", "1.7976931348623157e+308"},
           {"100000000000000000000", "1e+20"}}) {  // a big integer a double holds exactly
    SCOPED_TRACE(in);
    ExpectStored(in, stored);
  }
}

TEST(ParseJsonBounded, RefusesNumbersADoubleCannotHold) {
  for (const std::string text : {"18446744073709551616",   // uint64 max + 1
                                 "-9223372036854775809",   // int64 min - 1
                                 "123456789012345678901234567890",
                                 "9007199254740993.0",
                                 "18446744073709551616.0e-1",
                                 "0.1000000000000000000001",
                                 "0.30000000000000001",
                                 "1e400", "-1e400", "1e99999999999999999999", "1e-400", "-1e-400",
                                 "1e-99999999999999999999"}) {
    SCOPED_TRACE(text);
    ExpectRefused(text, "number " + text + " cannot be kept exactly; send it as a JSON string instead, e.g. \"" +
                            text + "\"");
  }
}

TEST(ParseJsonBounded, NumberErrorsSayWhere) {
  ExpectRefused(R"({"amount_minor": 18446744073709551616})",
                "number 18446744073709551616 at amount_minor cannot be kept exactly");
  ExpectRefused("[1, 2, 1e400]", "number 1e400 at [2] cannot be kept exactly");
  ExpectRefused(R"({"ops":[{"value":{"a":[{"b":0.1000000000000000000001}]}}]})",
                "at ops[0].value.a[0].b cannot");
  auto r = ParseJsonBounded("[" + std::string(5000, '7') + "]");
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.error().message.size(), 300u) << r.error().message;
}

TEST(ParseJsonBounded, SyntaxErrorsKeepTheirPosition) {
  ExpectRefused(R"({"a":1,})", "invalid JSON at byte 8");
  ExpectRefused("", "invalid JSON");
  ExpectRefused("[1] [2]", "invalid JSON");
  ExpectRefused("\"\xff\"", "invalid JSON");
  ExpectRefused(std::string(100, '['), "nested deeper than 64");
}

TEST(DoubleKeepsValue, ComparesDecimalValues) {
  EXPECT_TRUE(DoubleKeepsValue("0.1", 0.1));
  EXPECT_TRUE(DoubleKeepsValue("1000e-3", 1.0));
  EXPECT_TRUE(DoubleKeepsValue("-0", -0.0));
  EXPECT_TRUE(DoubleKeepsValue("0", -0.0));
  EXPECT_FALSE(DoubleKeepsValue("0.1", 0.2));
  EXPECT_FALSE(DoubleKeepsValue("-1", 1.0));
  EXPECT_FALSE(DoubleKeepsValue("1e400", std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(DoubleKeepsValue("nan", std::nan("")));
  for (const char* not_a_number : {"", "-", "1.", ".5", "1e", "1e+", "0x10", "1 ", "+1"}) {
    EXPECT_FALSE(DoubleKeepsValue(not_a_number, 1.0)) << not_a_number;
  }
}

}  // namespace
}  // namespace peerdb::api
