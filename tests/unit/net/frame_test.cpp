// The transport's wire format: frames, Hello, and the address parser.
#include "peerdb/net/frame.h"

#include <gtest/gtest.h>

#include "../common/errc_of.h"
#include "peerdb/net/internal/host_port.h"

namespace peerdb::net {
namespace {

TEST(Frame, EncodesLengthOfTypeAndBodyBigEndian) {
  const Bytes body = {0xaa, 0xbb};
  EXPECT_EQ(Hex(EncodeFrame(7, body)), "0000000307aabb");
  EXPECT_EQ(Hex(EncodeFrame(0, {})), "0000000100");
}

TEST(Frame, DecodesWhatItEncodes) {
  const Bytes body(1000, 0x5a);
  const Bytes frame = EncodeFrame(9, body);
  auto view = DecodeFrame(frame, 2000);
  ASSERT_TRUE(view.ok()) << view.error().ToString();
  EXPECT_EQ(view->type, 9);
  EXPECT_EQ(Bytes(view->body.begin(), view->body.end()), body);
}

TEST(Frame, RejectsZeroLength) {
  const Bytes header = {0, 0, 0, 0};
  EXPECT_EQ(ErrcOf(DecodeFrameLength(header, 100)), Errc::kMalformed);
}

TEST(Frame, RejectsLengthAboveMaxAcceptsMax) {
  const Bytes at_max = {0, 0, 0, 100};
  const Bytes above = {0, 0, 0, 101};
  EXPECT_EQ(ErrcOf(DecodeFrameLength(at_max, 100)), Errc::kOk);
  EXPECT_EQ(ErrcOf(DecodeFrameLength(above, 100)), Errc::kTooLarge);
  const Bytes huge = {0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(ErrcOf(DecodeFrameLength(huge, 100)), Errc::kTooLarge);
}

TEST(Frame, RejectsTruncatedAndTrailingBytes) {
  Bytes frame = EncodeFrame(3, Bytes{1, 2, 3});
  EXPECT_EQ(ErrcOf(DecodeFrame(ByteSpan(frame).first(6), 100)), Errc::kMalformed);
  frame.push_back(0);
  EXPECT_EQ(ErrcOf(DecodeFrame(frame, 100)), Errc::kMalformed);
  EXPECT_EQ(ErrcOf(DecodeFrame(ByteSpan(frame).first(3), 100)), Errc::kMalformed);
}

TEST(Hello, GoldenBytes) {
  Hello h;
  h.chain_id.fill(0x11);
  h.member_id = 0x01020304;
  EXPECT_EQ(Hex(EncodeHello(h)), "0001" + std::string(64, '1') + "01020304");
  auto back = DecodeHello(EncodeHello(h));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, h);
}

TEST(Hello, RejectsOtherVersionTruncationAndTrailingBytes) {
  Hello h;
  Bytes b = EncodeHello(h);
  Bytes v2 = b;
  v2[1] = 2;
  EXPECT_EQ(ErrcOf(DecodeHello(v2)), Errc::kBadVersion);
  EXPECT_EQ(ErrcOf(DecodeHello(ByteSpan(b).first(b.size() - 1))), Errc::kMalformed);
  b.push_back(0);
  EXPECT_EQ(ErrcOf(DecodeHello(b)), Errc::kMalformed);
}

TEST(Hello, CheckAcceptsOurChainAndTheCertifiedMember) {
  Hello h;
  h.chain_id.fill(1);
  h.member_id = 3;
  Hash32 ours{};
  ours.fill(1);
  EXPECT_EQ(ErrcOf(CheckHello(h, ours, 3)), Errc::kOk);
}

TEST(Hello, CheckRejectsOtherChain) {
  Hello h;
  h.chain_id.fill(2);
  h.member_id = 3;
  Hash32 ours{};
  ours.fill(1);
  EXPECT_EQ(ErrcOf(CheckHello(h, ours, 3)), Errc::kInvalid);
}

TEST(Hello, CheckRejectsMemberOtherThanTheCertificates) {
  Hello h;
  h.member_id = 4;
  EXPECT_EQ(ErrcOf(CheckHello(h, Hash32{}, 3)), Errc::kNotMember);
}

TEST(HostPort, ParsesHostPortAndBracketedV6) {
  auto a = internal::ParseHostPort("127.0.0.1:9000");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9000);
  auto b = internal::ParseHostPort("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
}

TEST(HostPort, RejectsMissingPartsBadPortAndBareV6) {
  for (const char* bad : {"", "host", ":1", "host:", "host:65536", "host:12a", "::1:80", "[]:80", "h:123456"}) {
    EXPECT_EQ(ErrcOf(internal::ParseHostPort(bad)), Errc::kConfig) << bad;
  }
}

}  // namespace
}  // namespace peerdb::net
