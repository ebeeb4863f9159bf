#include "peerdb/api/tx_request.h"

#include <string>

#include <gtest/gtest.h>

#include "peerdb/api/json_parse.h"
#include "peerdb/node/service.h"

namespace peerdb::api {
namespace {

using chain::OpKind;

std::string Nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

void ExpectError(std::string_view body, Errc code, std::string_view in_message = {}) {
  auto r = ParseTxRequest(body);
  ASSERT_FALSE(r.ok()) << body.substr(0, 200);
  EXPECT_EQ(r.error().code, code) << r.error().ToString();
  if (!in_message.empty()) {
    EXPECT_NE(r.error().message.find(in_message), std::string::npos) << r.error().message;
  }
}

TEST(ParseTxRequest, AcceptsPutAndDeleteList) {
  auto r = ParseTxRequest(R"({"ops":[{"op":"put","ns":"books","key":"inv-1","value":{"amount": 5, "cur":"EUR"}},
                                     {"op":"delete","ns":"books","key":"inv-2"}]})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].kind, static_cast<std::uint8_t>(OpKind::kPut));
  EXPECT_EQ((*r)[0].ns, "books");
  EXPECT_EQ((*r)[0].key, "inv-1");
  EXPECT_EQ(AsString((*r)[0].value), R"({"amount":5,"cur":"EUR"})");  // compact dump()
  EXPECT_EQ((*r)[1].kind, static_cast<std::uint8_t>(OpKind::kDel));
  EXPECT_TRUE((*r)[1].value.empty());
}

TEST(ParseTxRequest, AcceptsEraseWithOrWithoutVersions) {
  auto r = ParseTxRequest(R"({"ops":[{"op":"erase","ns":"books","key":"inv-1","versions":[3,1]},
                                     {"op":"erase","ns":"books","key":"inv-2"}]})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)[0].kind, static_cast<std::uint8_t>(OpKind::kErase));
  auto spec = codec::Decode<chain::EraseSpec>((*r)[0].value);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->versions, (std::vector<std::uint64_t>{1, 3}));  // sent in any order, kept ascending
  auto all = codec::Decode<chain::EraseSpec>((*r)[1].value);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->versions.empty());
  ExpectError(R"({"op":"erase","ns":"n","key":"k","versions":[1,1]})", Errc::kMalformed, "named twice");
  ExpectError(R"({"op":"erase","ns":"n","key":"k","versions":[-1]})", Errc::kMalformed, "integers from 1");
  ExpectError(R"({"op":"erase","ns":"n","key":"k","versions":[1.5]})", Errc::kMalformed, "integers from 1");
  ExpectError(R"({"op":"erase","ns":"n","key":"k","versions":[]})", Errc::kInvalid, "at least one version");
  ExpectError(R"({"op":"erase","ns":"n","key":"k","value":1})", Errc::kMalformed, "not a \"value\"");
  ExpectError(R"({"op":"put","ns":"n","key":"k","value":1,"versions":[1]})", Errc::kMalformed, "only an erase");
}

TEST(ParseEraseRequest, TakesAnEmptyBodyOrVersions) {
  auto all = ParseEraseRequest("books", "k", "");
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_EQ(all->kind, static_cast<std::uint8_t>(OpKind::kErase));
  EXPECT_EQ(all->ns, "books");
  EXPECT_EQ(all->key, "k");
  auto some = ParseEraseRequest("books", "k", R"({"versions":[2]})");
  ASSERT_TRUE(some.ok()) << some.error().ToString();
  EXPECT_EQ(codec::Decode<chain::EraseSpec>(some->value)->versions, std::vector<std::uint64_t>{2});
  EXPECT_EQ(ParseEraseRequest("books", "k", "[]").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseEraseRequest("books", "k", R"({"x":1})").error().code, Errc::kMalformed);
  EXPECT_EQ(ParseEraseRequest("books", "k", "{").error().code, Errc::kMalformed);
}

TEST(ParseTxRequest, AcceptsSingleOpAtTopLevel) {
  auto r = ParseTxRequest(R"({"op":"put","ns":"a.b/c-d_e","key":"K~!@$^&*()=+","value":"text"})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].ns, "a.b/c-d_e");
  EXPECT_EQ(AsString((*r)[0].value), R"("text")");
}

TEST(ParseTxRequest, StoresAnyJsonValueCompactly) {
  for (const auto& [in, stored] : std::vector<std::pair<std::string, std::string>>{
           {"null", "null"}, {"true", "true"}, {" 12 ", "12"}, {"-1.5", "-1.5"}, {"[1, [2, {}]]", "[1,[2,{}]]"},
           {R"("caf\u00e9")", "\"caf\xc3\xa9\""}}) {
    auto r = ParseTxRequest(R"({"op":"put","ns":"n","key":"k","value":)" + in + "}");
    ASSERT_TRUE(r.ok()) << in << ": " << r.error().ToString();
    EXPECT_EQ(AsString((*r)[0].value), stored);
  }
}

TEST(ParseTxRequest, RejectsMalformedJsonWithPosition) {
  ExpectError(R"({"ops":[{"op":"put",}]})", Errc::kMalformed, "at byte 21");
  ExpectError("", Errc::kMalformed, "invalid JSON");
  ExpectError("{\"ops\":[] trailing", Errc::kMalformed, "invalid JSON");
  ExpectError("{\"op\":\"put\",\"ns\":\"n\",\"key\":\"k\",\"value\":\"\xff\"}", Errc::kMalformed, "invalid JSON");
  ExpectError(R"({"op":"put","ns":"n","key":"k","value":1e400})", Errc::kMalformed,
              "number 1e400 at value cannot be kept exactly");
}

// A put value is stored exactly as sent or the request is refused (json_parse_test.cpp has the rule).
TEST(ParseTxRequest, RefusesValuesThatWouldChange) {
  ExpectError(R"({"ops":[{"op":"put","ns":"n","key":"k","value":{"a":1,"a":2}}]})", Errc::kMalformed,
              R"(duplicate member name "a" in ops[0].value)");
  ExpectError(R"({"op":"put","ns":"n","key":"k","value":1,"value":2})", Errc::kMalformed,
              R"(duplicate member name "value" in the top-level object)");
  ExpectError(R"({"ops":[{"op":"delete","ns":"n","key":"a"},{"op":"put","ns":"n","key":"k","value":{"amount_minor":18446744073709551616}}]})",
              Errc::kMalformed, "number 18446744073709551616 at ops[1].value.amount_minor cannot be kept exactly");
  auto r = ParseTxRequest(R"({"op":"put","ns":"n","key":"k","value":{"amount_minor":18446744073709551615,"x":0.1}})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(AsString((*r)[0].value), R"({"amount_minor":18446744073709551615,"x":0.1})");
}

TEST(ParseTxRequest, RejectsDeepNestingBeforeParsing) {
  // Object + value nesting up to the limit is fine; one more level is rejected.
  const std::string ok = R"({"op":"put","ns":"n","key":"k","value":)" + Nested(kMaxJsonDepth - 1) + "}";
  EXPECT_TRUE(ParseTxRequest(ok).ok());
  ExpectError(R"({"op":"put","ns":"n","key":"k","value":)" + Nested(kMaxJsonDepth) + "}", Errc::kMalformed,
              "nested deeper than 64");
  ExpectError(std::string(1'000'000, '['), Errc::kMalformed, "nested deeper");
  // Brackets inside strings do not count.
  EXPECT_TRUE(ParseTxRequest(R"({"op":"put","ns":"n","key":"k","value":")" + std::string(500, '[') + "\\\"\"}").ok());
}

TEST(ParseTxRequest, RejectsMissingFields) {
  ExpectError(R"({"op":"put","ns":"n","key":"k"})", Errc::kMalformed, "missing \"value\"");
  ExpectError(R"({"op":"put","key":"k","value":1})", Errc::kMalformed, "missing \"ns\"");
  ExpectError(R"({"op":"put","ns":"n","value":1})", Errc::kMalformed, "missing \"key\"");
  ExpectError(R"({"ns":"n","key":"k","value":1})", Errc::kMalformed, "missing \"op\"");
  ExpectError(R"({})", Errc::kMalformed, "missing \"op\"");
}

TEST(ParseTxRequest, RejectsUnknownOpAndUnknownFields) {
  ExpectError(R"({"op":"upsert","ns":"n","key":"k","value":1})", Errc::kMalformed, "unknown op \"upsert\"");
  ExpectError(R"({"op":"PUT","ns":"n","key":"k","value":1})", Errc::kMalformed, "unknown op");
  ExpectError(R"({"op":"put","ns":"n","key":"k","vaule":1})", Errc::kMalformed, "unknown field \"vaule\"");
  ExpectError(R"({"ops":[{"op":"delete","ns":"n","key":"k"}],"extra":1})", Errc::kMalformed, "only \"ops\"");
  ExpectError(R"({"op":"delete","ns":"n","key":"k","value":1})", Errc::kMalformed, "takes no \"value\"");
}

TEST(ParseTxRequest, RejectsBadNamespaceAndKey) {
  ExpectError(R"({"op":"delete","ns":"Books","key":"k"})", Errc::kMalformed, "body.ns");
  ExpectError(R"({"op":"delete","ns":"","key":"k"})", Errc::kMalformed, "body.ns");
  ExpectError(R"({"op":"delete","ns":")" + std::string(65, 'a') + R"(","key":"k"})", Errc::kMalformed, "body.ns");
  EXPECT_TRUE(ParseTxRequest(R"({"op":"delete","ns":")" + std::string(64, 'a') + R"(","key":"k"})").ok());
  ExpectError(R"({"op":"delete","ns":"n","key":""})", Errc::kMalformed, "body.key");
  ExpectError(R"({"op":"delete","ns":"n","key":"a b"})", Errc::kMalformed, "body.key");
  ExpectError(R"({"op":"delete","ns":"n","key":"a/b"})", Errc::kMalformed, "body.key");
  ExpectError(R"({"op":"delete","ns":"n","key":"a%20"})", Errc::kMalformed, "body.key");
  ExpectError(R"({"op":"delete","ns":"n","key":"caf\u00e9"})", Errc::kMalformed, "body.key");
  ExpectError(R"({"op":"delete","ns":"n","key":")" + std::string(257, 'k') + "\"}", Errc::kMalformed, "body.key");
  EXPECT_TRUE(ParseTxRequest(R"({"op":"delete","ns":"n","key":")" + std::string(256, 'k') + "\"}").ok());
}

TEST(ParseTxRequest, RejectsWrongTypes) {
  ExpectError(R"([{"op":"put"}])", Errc::kMalformed, "expected a JSON object");
  ExpectError(R"("put")", Errc::kMalformed, "expected a JSON object");
  ExpectError(R"({"ops":{"op":"put"}})", Errc::kMalformed, "ops: expected an array");
  ExpectError(R"({"ops":[1]})", Errc::kMalformed, "ops[0]: expected an object");
  ExpectError(R"({"op":"put","ns":7,"key":"k","value":1})", Errc::kMalformed, "body.ns: expected a string, got number");
  ExpectError(R"({"op":"put","ns":"n","key":["k"],"value":1})", Errc::kMalformed, "body.key: expected a string");
  ExpectError(R"({"op":null,"ns":"n","key":"k","value":1})", Errc::kMalformed, "body.op: expected a string");
}

TEST(ParseTxRequest, RejectsEmptyOpList) { ExpectError(R"({"ops":[]})", Errc::kInvalid, "at least one"); }

TEST(ParseTxRequest, NamesTheFailingOp) {
  ExpectError(R"({"ops":[{"op":"delete","ns":"n","key":"a"},{"op":"delete","ns":"n","key":"a b"}]})", Errc::kMalformed,
              "ops[1].key");
}

TEST(ParseTxRequest, RejectsOversizeValue) {
  // A string of n characters serialises to n + 2 bytes (the quotes).
  const std::size_t max = node::kMaxValueBytes;
  const auto body = [](std::size_t n) { return R"({"op":"put","ns":"n","key":"k","value":")" + std::string(n, 'v') + "\"}"; };
  EXPECT_TRUE(ParseTxRequest(body(max - 2)).ok());
  ExpectError(body(max - 1), Errc::kTooLarge, "exceeds the limit of 262144");
}

TEST(ParseTxRequest, RejectsTooManyOps) {
  const auto body = [](std::size_t n) {
    std::string s = R"({"ops":[)";
    for (std::size_t i = 0; i < n; ++i) s += std::string(i ? "," : "") + R"({"op":"delete","ns":"n","key":"k"})";
    return s + "]}";
  };
  auto ok = ParseTxRequest(body(node::kMaxOpsPerSubmit));
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->size(), node::kMaxOpsPerSubmit);
  ExpectError(body(node::kMaxOpsPerSubmit + 1), Errc::kTooLarge, "10001 operations");
}

TEST(ParseTxRequest, RejectsBodyOverLimit) {
  ExpectError(std::string(kMaxTxBodyBytes + 1, ' '), Errc::kTooLarge, "exceeds the limit of 8388608");
}

TEST(JsonNestingDepth, CountsOutsideStringsAndStopsAtLimit) {
  EXPECT_EQ(JsonNestingDepth("1"), 0u);
  EXPECT_EQ(JsonNestingDepth(R"({"a":[1,{"b":[]}]})"), 4u);
  EXPECT_EQ(JsonNestingDepth(R"(["[[[[", "\"[["])"), 1u);
  EXPECT_EQ(JsonNestingDepth(std::string(10, '['), 3), 4u);
}

}  // namespace
}  // namespace peerdb::api
