// Private records at a real in-process node (PROTOCOL.md §1.4): `reshare` and `disclose` through
// node::Service, and the disclosure checked offline by audit::VerifyDisclosure with only the genesis.
// The chain changes its config once (a SET_RULE approved by its one member), so a disclosure of a
// later record carries the governance blocks that derive epoch 1. Every single-byte change of a
// disclosure file fails verification.
#include <gtest/gtest.h>

#include "private_node_fixture.h"
#include "peerdb/audit/disclosure_check.h"
#include "peerdb/chain/disclosure.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/node/node.h"

namespace peerdb::node {
namespace {

using test::Await;
using test::Put;
using test::SubmitAndWait;

class PrivateRecordsTest : public test::PrivateNodeTest {
 protected:
  Result<Bytes> Disclose(std::string ns, std::string key, std::uint64_t version = 0) {
    return Await<Bytes>([&](Callback<Bytes> cb) { m_node->Disclose(std::move(ns), std::move(key), version, std::move(cb)); });
  }
  Result<ReshareReceipt> Reshare(std::string ns, std::string key) {
    return Await<ReshareReceipt>([&](Callback<ReshareReceipt> cb) { m_node->Reshare(std::move(ns), std::move(key), std::move(cb)); });
  }
  Result<audit::DisclosureReport> Verify(ByteSpan file) const {
    PEERDB_TRY_ASSIGN(chain::Disclosure d, chain::DecodeDisclosureFile(file));
    return audit::VerifyDisclosure(m_genesis, d);
  }

  // A SET_RULE adding namespace "extra", approved by the only member: epoch 1 begins.
  void ChangeConfigOnce() {
    ChangeRequest request;
    chain::Rule extra;
    extra.ns = "extra";
    request.ops.push_back(chain::ConfigOp{chain::SetRule{extra}});
    auto proposed = Await<ChangeReceipt>([&](Callback<ChangeReceipt> cb) { m_node->ProposeChange(request, std::move(cb)); });
    ASSERT_EQ(ErrcOf(proposed), Errc::kOk) << MessageOf(proposed);
    auto approved = Await<ChangeView>(
        [&](Callback<ChangeView> cb) { m_node->ApproveChange(proposed->change.change_id, std::move(cb)); });
    ASSERT_EQ(ErrcOf(approved), Errc::kOk) << MessageOf(approved);
    for (int i = 0; i < 400; ++i) {
      auto status = Await<StatusView>([&](Callback<StatusView> cb) { m_node->GetStatus(std::move(cb)); });
      ASSERT_TRUE(status.ok());
      if (status->epoch == 1) return;
      ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {Put("app", "tick", "1")})), Errc::kOk);  // blocks, until it activates
    }
    FAIL() << "epoch 1 never began";
  }
};

TEST_F(PrivateRecordsTest, ADisclosureVerifiesOfflineAcrossAnEpochAndEveryByteMatters) {
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {Put("secrets", "loan-1", R"({"amount":120000000})")})), Errc::kOk);
  ChangeConfigOnce();
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {Put("app", "other", "x"), Put("secrets", "loan-2", R"({"amount":7})")})), Errc::kOk);

  auto early = Disclose("secrets", "loan-1");
  ASSERT_EQ(ErrcOf(early), Errc::kOk) << MessageOf(early);
  auto early_report = Verify(ByteSpan(*early));
  ASSERT_EQ(ErrcOf(early_report), Errc::kOk) << MessageOf(early_report);
  EXPECT_EQ(std::string(early_report->plaintext.begin(), early_report->plaintext.end()), R"({"amount":120000000})");
  EXPECT_EQ(early_report->epoch, 0u);
  EXPECT_EQ(early_report->governance_blocks, 0u);

  auto file = Disclose("secrets", "loan-2");
  ASSERT_EQ(ErrcOf(file), Errc::kOk) << MessageOf(file);
  auto report = Verify(ByteSpan(*file));
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_EQ(std::string(report->plaintext.begin(), report->plaintext.end()), R"({"amount":7})");
  EXPECT_TRUE(report->encrypted);
  EXPECT_EQ(report->version, 1u);
  EXPECT_EQ(report->epoch, 1u);
  EXPECT_GE(report->governance_blocks, 1u);
  EXPECT_EQ(report->readers, std::vector<chain::MemberId>{1});
  EXPECT_EQ(report->author.id, 1u);
  EXPECT_TRUE(report->unanimous);

  // Every byte is covered by a signature, a hash or the ciphertext's tag.
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < file->size(); ++i) {
    for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      Bytes changed = *file;
      changed[i] ^= flip;
      if (Verify(ByteSpan(changed)).ok()) {
        ++accepted;
        ADD_FAILURE() << "byte " << i << " of " << file->size() << " xor " << int(flip) << " still verifies";
      }
    }
  }
  EXPECT_EQ(accepted, 0u);
  Bytes truncated(file->begin(), file->end() - 1);
  EXPECT_FALSE(Verify(ByteSpan(truncated)).ok());
  Bytes longer = *file;
  longer.push_back(0);
  EXPECT_FALSE(Verify(ByteSpan(longer)).ok());

  // Another consortium's genesis does not accept it.
  chain::Genesis other = m_genesis;
  other.description = "another consortium";
  auto decoded = chain::DecodeDisclosureFile(ByteSpan(*file));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(ErrcOf(audit::VerifyDisclosure(other, *decoded)), Errc::kInvalid);
  // Leaving out the governance blocks leaves the verifier in epoch 0: the header's epoch is refused.
  chain::Disclosure without = *decoded;
  without.governance.clear();
  auto refused = audit::VerifyDisclosure(m_genesis, without);
  EXPECT_EQ(ErrcOf(refused), Errc::kInvalid);
  EXPECT_NE(MessageOf(refused).find("governance blocks carried give epoch 0"), std::string::npos) << MessageOf(refused);
}

TEST_F(PrivateRecordsTest, DisclosureRefusesWhatItCannotProve) {
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {Put("secrets", "k", "\"v1\"")})), Errc::kOk);
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {Put("secrets", "k", "\"v2\"")})), Errc::kOk);
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {test::Del("secrets", "k")})), Errc::kOk);
  EXPECT_EQ(ErrcOf(Disclose("secrets", "k")), Errc::kInvalid);         // the newest is a deletion
  EXPECT_EQ(ErrcOf(Disclose("secrets", "k", 4)), Errc::kNotFound);
  EXPECT_EQ(ErrcOf(Disclose("secrets", "never")), Errc::kNotFound);
  EXPECT_EQ(ErrcOf(Disclose("nowhere", "k")), Errc::kUnknownNamespace);
  auto v1 = Disclose("secrets", "k", 1);
  ASSERT_EQ(ErrcOf(v1), Errc::kOk) << MessageOf(v1);
  auto r1 = Verify(ByteSpan(*v1));
  ASSERT_EQ(ErrcOf(r1), Errc::kOk) << MessageOf(r1);
  EXPECT_EQ(std::string(r1->plaintext.begin(), r1->plaintext.end()), "\"v1\"");
  EXPECT_EQ(r1->version, 1u);

  // A plain namespace's record is disclosed too, without a data key.
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {Put("app", "p", "\"plain\"")})), Errc::kOk);
  auto plain = Disclose("app", "p");
  ASSERT_EQ(ErrcOf(plain), Errc::kOk) << MessageOf(plain);
  auto pr = Verify(ByteSpan(*plain));
  ASSERT_EQ(ErrcOf(pr), Errc::kOk) << MessageOf(pr);
  EXPECT_FALSE(pr->encrypted);

  // Not a disclosure at all.
  const Bytes junk = {'P', 'D', 'B', 'D', 'I', 'S', 'C'};
  EXPECT_EQ(ErrcOf(chain::DecodeDisclosureFile(ByteSpan(junk))), Errc::kMalformed);
}

TEST_F(PrivateRecordsTest, ReshareWritesTheSamePlaintextAsTheNextVersion) {
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {Put("secrets", "k", "\"same\"")})), Errc::kOk);
  auto r = Reshare("secrets", "k");
  ASSERT_EQ(ErrcOf(r), Errc::kOk) << MessageOf(r);
  EXPECT_EQ(r->version, 2u);
  EXPECT_EQ(r->readers, std::vector<chain::MemberId>{1});
  auto value = Await<ValueView>([&](Callback<ValueView> cb) { m_node->Get("secrets", "k", store::BlockStatus::kProposed, std::move(cb)); });
  ASSERT_EQ(ErrcOf(value), Errc::kOk) << MessageOf(value);
  EXPECT_EQ(value->entry.state.version, 2u);
  EXPECT_EQ(std::string(value->entry.state.value.begin(), value->entry.state.value.end()), "\"same\"");
  EXPECT_TRUE(value->privacy.encrypted);

  EXPECT_EQ(ErrcOf(Reshare("app", "k")), Errc::kInvalid);  // a plain namespace: everyone reads it already
  EXPECT_EQ(ErrcOf(Reshare("secrets", "never")), Errc::kNotFound);
  EXPECT_EQ(ErrcOf(Reshare("nowhere", "k")), Errc::kUnknownNamespace);
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {test::Del("secrets", "k")})), Errc::kOk);
  EXPECT_EQ(ErrcOf(Reshare("secrets", "k")), Errc::kInvalid);  // deleted
}

}  // namespace
}  // namespace peerdb::node
