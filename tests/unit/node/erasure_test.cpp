// Erasure at a real in-process node (PROTOCOL.md §1.4): an erase op submitted through node::Service
// drops the values of the versions it names from the node's files, in a plain and in an encrypted
// namespace; reads answer `erased`; `peerdb audit` of the database and of an export still passes and
// lists the erasure; a changed commitment in an export is caught; a withheld value is caught.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "private_node_fixture.h"
#include "peerdb/audit/chain_audit.h"
#include "peerdb/audit/chain_export.h"
#include "peerdb/node/node.h"

namespace peerdb::node {
namespace {

using test::Await;
using test::Put;
using test::SubmitAndWait;

chain::Op Erase(std::string ns, std::string key, std::vector<std::uint64_t> versions = {}) {
  chain::Op op;
  op.kind = static_cast<std::uint8_t>(chain::OpKind::kErase);
  op.ns = std::move(ns);
  op.key = std::move(key);
  op.value = codec::Encode(chain::EraseSpec{std::move(versions)});
  return op;
}

Bytes ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool Holds(const Bytes& content, const Bytes& needle) {
  return std::search(content.begin(), content.end(), needle.begin(), needle.end()) != content.end();
}

// Every file under `dir` (recursively) whose bytes contain `needle`.
std::vector<std::string> FilesHolding(const std::string& dir, const Bytes& needle) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && Holds(ReadAll(entry.path()), needle)) out.push_back(entry.path().string());
  }
  return out;
}

class ErasureTest : public test::PrivateNodeTest {
 protected:
  // The stored value of one op (an envelope in an encrypted namespace) as the block holds it.
  Bytes ValueInBlock(const SubmitReceipt& receipt, std::size_t op_index) {
    auto block = Await<BlockView>([&](Callback<BlockView> cb) { m_node->GetBlock(receipt.height, std::move(cb)); });
    EXPECT_EQ(ErrcOf(block), Errc::kOk) << MessageOf(block);
    for (const chain::TxBatch& b : block->block.block.batches) {
      if (b.seq == receipt.batch_seq) return b.ops.at(op_index).value;
    }
    ADD_FAILURE() << "batch not in its block";
    return {};
  }
  std::string StorePath() const { return m_config.data_dir + "/peerdb.sqlite"; }
};

TEST_F(ErasureTest, ErasedValuesLeaveEveryFileAndTheAuditListsTheErasure) {
  const std::string secret_v1 = R"({"exposure":"ERASE-ME-SECRET-1"})";
  auto w1 = SubmitAndWait(*m_node, {Put("secrets", "loan", secret_v1), Put("app", "photo", R"("ERASE-ME-PLAIN")")});
  ASSERT_EQ(ErrcOf(w1), Errc::kOk) << MessageOf(w1);
  auto w2 = SubmitAndWait(*m_node, {Put("secrets", "loan", R"({"exposure":"KEEP-ME-2"})")});
  ASSERT_EQ(ErrcOf(w2), Errc::kOk) << MessageOf(w2);
  const Bytes envelope_v1 = ValueInBlock(*w1, 0);
  const Bytes envelope_v2 = ValueInBlock(*w2, 0);
  const Bytes plain = ToBytes("ERASE-ME-PLAIN");
  ASSERT_FALSE(FilesHolding(m_config.data_dir, envelope_v1).empty());
  ASSERT_FALSE(FilesHolding(m_config.data_dir, plain).empty());

  auto erased = SubmitAndWait(*m_node, {Erase("secrets", "loan", {1}), Erase("app", "photo")});
  ASSERT_EQ(ErrcOf(erased), Errc::kOk) << MessageOf(erased);

  // Reads: version 2 still opens; version 1 and the plain key answer erased.
  auto loan = Await<ValueView>([&](Callback<ValueView> cb) { m_node->Get("secrets", "loan", store::BlockStatus::kProposed, std::move(cb)); });
  ASSERT_EQ(ErrcOf(loan), Errc::kOk) << MessageOf(loan);
  EXPECT_EQ(AsString(ByteSpan(loan->entry.state.value)), R"({"exposure":"KEEP-ME-2"})");
  auto photo = Await<ValueView>([&](Callback<ValueView> cb) { m_node->Get("app", "photo", store::BlockStatus::kProposed, std::move(cb)); });
  ASSERT_EQ(ErrcOf(photo), Errc::kOk) << MessageOf(photo);
  EXPECT_TRUE(photo->entry.state.erased);
  EXPECT_TRUE(photo->entry.state.value.empty());
  auto history = Await<std::vector<VersionView>>(
      [&](Callback<std::vector<VersionView>> cb) { m_node->History("secrets", "loan", 10, std::move(cb)); });
  ASSERT_EQ(ErrcOf(history), Errc::kOk) << MessageOf(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_TRUE((*history)[0].entry.state.erased);
  EXPECT_FALSE((*history)[1].entry.state.erased);
  auto disclosure = Await<Bytes>([&](Callback<Bytes> cb) { m_node->Disclose("secrets", "loan", 1, std::move(cb)); });
  EXPECT_EQ(ErrcOf(disclosure), Errc::kErased);

  // The node's files: the erased values are gone, the kept one is there.
  EXPECT_EQ(FilesHolding(m_config.data_dir, envelope_v1), std::vector<std::string>{});
  EXPECT_EQ(FilesHolding(m_config.data_dir, plain), std::vector<std::string>{});
  EXPECT_FALSE(FilesHolding(m_config.data_dir, envelope_v2).empty());

  // The audit of the database passes and lists the erasure.
  auto db_report = audit::AuditDatabase(StorePath(), chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(db_report), Errc::kOk) << MessageOf(db_report);
  ASSERT_TRUE(db_report->ok) << db_report->failure;
  ASSERT_EQ(db_report->erasures.size(), 2u);
  EXPECT_EQ(db_report->erasures[0].ns, "secrets");
  EXPECT_EQ(db_report->erasures[0].versions, std::vector<std::uint64_t>{1});
  EXPECT_EQ(db_report->erasures[0].height, erased->height);
  EXPECT_EQ(db_report->erasures[0].author, 1u);
  EXPECT_EQ(db_report->erasures[1].key, "photo");
  EXPECT_EQ(db_report->erasures[1].versions, std::vector<std::uint64_t>{1});

  // So does an export's, which holds no erased value either.
  const std::string exported = m_dir + "/chain.export";
  ASSERT_EQ(ErrcOf(audit::ExportDatabase(StorePath(), exported)), Errc::kOk);
  const Bytes export_bytes = ReadAll(exported);
  EXPECT_FALSE(Holds(export_bytes, envelope_v1));
  EXPECT_FALSE(Holds(export_bytes, plain));
  auto export_report = audit::AuditExport(exported, chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(export_report), Errc::kOk) << MessageOf(export_report);
  ASSERT_TRUE(export_report->ok) << export_report->failure;
  EXPECT_EQ(export_report->erasures, db_report->erasures);

  // A changed commitment in the export is caught: the batch no longer matches its signature and root.
  auto block = Await<BlockView>([&](Callback<BlockView> cb) { m_node->GetBlock(w1->height, std::move(cb)); });
  ASSERT_EQ(ErrcOf(block), Errc::kOk);
  std::optional<Hash32> commitment;
  for (const chain::TxBatch& b : block->block.block.batches) {
    if (b.seq == w1->batch_seq && b.ops[0].is_erased()) commitment = *b.ops[0].erased;
  }
  ASSERT_TRUE(commitment.has_value());
  Bytes tampered = export_bytes;
  auto at = std::search(tampered.begin(), tampered.end(), commitment->begin(), commitment->end());
  ASSERT_NE(at, tampered.end());
  at[7] ^= 0x01;
  const std::string tampered_path = m_dir + "/tampered.export";
  std::ofstream(tampered_path, std::ios::binary).write(reinterpret_cast<const char*>(tampered.data()),
                                                        static_cast<std::streamsize>(tampered.size()));
  auto caught = audit::AuditExport(tampered_path, chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(caught), Errc::kOk) << MessageOf(caught);
  EXPECT_FALSE(caught->ok);
  EXPECT_EQ(caught->bad_height, w1->height) << caught->failure;
}

TEST_F(ErasureTest, AnEraseRefusesMissingKeysAndVersions) {
  ASSERT_EQ(ErrcOf(SubmitAndWait(*m_node, {Put("app", "k", "1")})), Errc::kOk);
  EXPECT_EQ(ErrcOf(SubmitAndWait(*m_node, {Erase("app", "k", {2})})), Errc::kNotFound);
  EXPECT_EQ(ErrcOf(SubmitAndWait(*m_node, {Erase("app", "never")})), Errc::kNotFound);
  EXPECT_EQ(ErrcOf(SubmitAndWait(*m_node, {Erase("nowhere", "k")})), Errc::kUnknownNamespace);
  // Nothing was erased by the refusals.
  auto value = Await<ValueView>([&](Callback<ValueView> cb) { m_node->Get("app", "k", store::BlockStatus::kProposed, std::move(cb)); });
  ASSERT_EQ(ErrcOf(value), Errc::kOk);
  EXPECT_FALSE(value->entry.state.erased);
  EXPECT_EQ(AsString(ByteSpan(value->entry.state.value)), "1");
}

TEST_F(ErasureTest, TheAuditCatchesAValueWithheldWithoutAnErase) {
  auto w = SubmitAndWait(*m_node, {Put("app", "k", R"("held")")});
  ASSERT_EQ(ErrcOf(w), Errc::kOk);
  const std::string exported = m_dir + "/chain.export";
  ASSERT_EQ(ErrcOf(audit::ExportDatabase(StorePath(), exported)), Errc::kOk);
  ASSERT_TRUE(audit::AuditExport(exported, chain::ChainId(m_genesis))->ok);
  // Rewrite the export with that op in the erased form, though no erase op names it.
  auto reader = audit::ExportReader::Open(exported);
  ASSERT_EQ(ErrcOf(reader), Errc::kOk);
  const std::string withheld = m_dir + "/withheld.export";
  auto writer = audit::ExportWriter::Create(withheld, (*reader)->genesis());
  ASSERT_EQ(ErrcOf(writer), Errc::kOk);
  for (;;) {
    auto next = (*reader)->Next();
    ASSERT_EQ(ErrcOf(next), Errc::kOk);
    if (!*next) break;
    audit::ExportedBlock e = std::move(**next);
    for (chain::TxBatch& b : e.block.batches) {
      for (chain::Op& op : b.ops) {
        if (op.key == "k") chain::EraseValue(op);
      }
    }
    ASSERT_TRUE((*writer)->Append(e).ok());
  }
  ASSERT_TRUE((*writer)->Finish().ok());
  auto report = audit::AuditExport(withheld, chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_FALSE(report->ok);
  EXPECT_NE(report->failure.find("no erase op names it"), std::string::npos) << report->failure;
}

// The other half of the erasure rule: a value an erase op named must be gone from the block that
// wrote it. An export whose block still carries the value (taken from before the erase) fails,
// naming the version and the block of the erase op.
TEST_F(ErasureTest, TheAuditCatchesAValueStillHeldAfterItsErase) {
  auto w = SubmitAndWait(*m_node, {Put("app", "k", R"("kept")")});
  ASSERT_EQ(ErrcOf(w), Errc::kOk);
  const std::string before = m_dir + "/before.export";
  ASSERT_EQ(ErrcOf(audit::ExportDatabase(StorePath(), before)), Errc::kOk);
  auto erase = SubmitAndWait(*m_node, {Erase("app", "k")});
  ASSERT_EQ(ErrcOf(erase), Errc::kOk);
  const std::string after = m_dir + "/after.export";
  ASSERT_EQ(ErrcOf(audit::ExportDatabase(StorePath(), after)), Errc::kOk);
  ASSERT_TRUE(audit::AuditExport(after, chain::ChainId(m_genesis))->ok);
  // The erased chain, but with the writing block as it was before the erase.
  auto old_blocks = audit::ExportReader::Open(before);
  auto reader = audit::ExportReader::Open(after);
  ASSERT_EQ(ErrcOf(old_blocks), Errc::kOk);
  ASSERT_EQ(ErrcOf(reader), Errc::kOk);
  const std::string kept = m_dir + "/kept.export";
  auto writer = audit::ExportWriter::Create(kept, (*reader)->genesis());
  ASSERT_EQ(ErrcOf(writer), Errc::kOk);
  for (std::uint64_t h = 1;; ++h) {
    auto next = (*reader)->Next();
    ASSERT_EQ(ErrcOf(next), Errc::kOk);
    if (!*next) break;
    audit::ExportedBlock e = std::move(**next);
    if (h <= w->height) {
      auto old = (*old_blocks)->Next();
      ASSERT_TRUE(old.ok() && *old);
      if (h == w->height) e.block = std::move((*old)->block);
    }
    ASSERT_TRUE((*writer)->Append(e).ok());
  }
  ASSERT_TRUE((*writer)->Finish().ok());
  auto report = audit::AuditExport(kept, chain::ChainId(m_genesis));
  ASSERT_EQ(ErrcOf(report), Errc::kOk) << MessageOf(report);
  EXPECT_FALSE(report->ok);
  EXPECT_NE(report->failure.find("the block that wrote app/k version 1 still holds its value, erased in block " +
                                 std::to_string(erase->height)),
            std::string::npos)
      << report->failure;
}

}  // namespace
}  // namespace peerdb::node
