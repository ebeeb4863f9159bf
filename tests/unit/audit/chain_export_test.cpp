// The chain export reader over a file and over bytes in memory (ExportReader::Open / FromBytes).
#include "peerdb/audit/chain_export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "../common/errc_of.h"
#include "peerdb/util/file.h"

namespace peerdb::audit {
namespace {

class ChainExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_path = (std::filesystem::temp_directory_path() /
              ("peerdb_chain_export_test_" + std::to_string(::getpid()) + ".pdbx")).string();
    std::filesystem::remove(m_path);
    m_genesis.description = "export test";
    auto w = ExportWriter::Create(m_path, m_genesis);
    ASSERT_TRUE(w.ok()) << w.error().ToString();
    for (std::uint64_t h = 1; h <= 2; ++h) {
      ExportedBlock b;
      b.block.header.height = h;
      ASSERT_TRUE((*w)->Append(b).ok());
    }
    ExportedAnchor a;
    a.checkpoint.h = 2;
    ASSERT_TRUE((*w)->AppendAnchor(a).ok());
    ASSERT_TRUE((*w)->Finish().ok());
    auto bytes = util::ReadFile(m_path, 1 << 20);
    ASSERT_TRUE(bytes.ok());
    m_bytes = std::move(*bytes);
  }
  void TearDown() override { std::filesystem::remove(m_path); }

  // Heights of the blocks, then the number of anchors; the first error ends the read.
  static Result<std::pair<std::vector<std::uint64_t>, std::size_t>> ReadAll(ExportReader& r) {
    std::vector<std::uint64_t> heights;
    for (;;) {
      PEERDB_TRY_ASSIGN(std::optional<ExportedBlock> b, r.Next());
      if (!b) break;
      heights.push_back(b->block.header.height);
    }
    std::size_t anchors = 0;
    for (;;) {
      PEERDB_TRY_ASSIGN(std::optional<ExportedAnchor> a, r.NextAnchor());
      if (!a) break;
      ++anchors;
    }
    return std::make_pair(heights, anchors);
  }

  std::string m_path;
  chain::Genesis m_genesis;
  Bytes m_bytes;
};

TEST_F(ChainExportTest, FromBytesReadsWhatTheWriterWroteLikeOpen) {
  auto from_file = ExportReader::Open(m_path);
  ASSERT_TRUE(from_file.ok()) << from_file.error().ToString();
  auto from_bytes = ExportReader::FromBytes(m_bytes);
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.error().ToString();
  EXPECT_EQ((*from_bytes)->genesis().description, "export test");
  auto a = ReadAll(**from_file);
  auto b = ReadAll(**from_bytes);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->first, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(a->second, 1u);
  EXPECT_EQ(*a, *b);
}

TEST_F(ChainExportTest, FromBytesRejectsEmptyTruncatedAndTrailingInput) {
  EXPECT_EQ(ErrcOf(ExportReader::FromBytes({})), Errc::kMalformed);
  EXPECT_EQ(ErrcOf(ExportReader::FromBytes(ByteSpan(m_bytes).first(5))), Errc::kMalformed);
  auto cut = ExportReader::FromBytes(ByteSpan(m_bytes).first(m_bytes.size() - 3));
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(ErrcOf(ReadAll(**cut)), Errc::kMalformed);
  Bytes trailing = m_bytes;
  trailing.push_back(0);
  auto t = ExportReader::FromBytes(trailing);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(ErrcOf(ReadAll(**t)), Errc::kMalformed);
}

TEST_F(ChainExportTest, ForgedFrameLengthIsMalformedOrTooLargeWithoutAllocatingIt) {
  Bytes forged(kExportMagic.begin(), kExportMagic.end());
  forged.insert(forged.end(), {0x04, 0x00, 0x00, 0x00, 0x01});  // 64 MiB claimed, 1 byte held
  EXPECT_EQ(ErrcOf(ExportReader::FromBytes(forged)), Errc::kMalformed);
  forged[8] = 0xff;  // 4 GiB claimed: over the cap
  EXPECT_EQ(ErrcOf(ExportReader::FromBytes(forged)), Errc::kTooLarge);
}

}  // namespace
}  // namespace peerdb::audit
