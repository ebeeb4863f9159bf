// Damaged files: junk, truncation, damaged pages and edited rows are reported as kCorrupt with a
// message saying what is wrong (and where), never as a crash; unusable paths are kIo.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "peerdb/store/store.h"
#include "store_fixture.h"

namespace peerdb::store {
namespace {

using test::TempDir;
using test::TestChain;

void WriteBytes(const std::string& path, const Bytes& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

Bytes ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes RandomBytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

// A closed store at `dir`/node.db holding blocks 1..blocks of `chain`.
std::string MakeStoreFile(const std::string& dir, TestChain& chain, std::uint64_t blocks) {
  const std::string path = dir + "/node.db";
  auto store = Store::Open(path);
  EXPECT_TRUE(store.ok());
  EXPECT_TRUE((*store)->InitGenesis(chain.genesis()).ok());
  test::CommitRange(**store, chain, 1, blocks);
  return path;
}

void ExpectOpenCorrupt(const std::string& path, const std::string& says) {
  for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    auto s = Store::Open(path, mode);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::kCorrupt) << s.error().ToString();
    EXPECT_NE(s.error().message.find(says), std::string::npos) << s.error().message;
  }
}

TEST(StoreCorruption, RandomBytesFileIsCorrupt) {
  const std::string path = TempDir() + "/junk.db";
  WriteBytes(path, RandomBytes(8192, 1));
  ExpectOpenCorrupt(path, "not a SQLite database");
  EXPECT_EQ(ReadBytes(path), RandomBytes(8192, 1)) << "the file is not modified";
}

TEST(StoreCorruption, TinyFileIsCorrupt) {
  const std::string path = TempDir() + "/tiny.db";
  WriteBytes(path, ToBytes("hello"));
  ExpectOpenCorrupt(path, "too short");
}

TEST(StoreCorruption, ValidMagicFollowedByJunkIsCorrupt) {
  const std::string path = TempDir() + "/junk.db";
  Bytes b = RandomBytes(16384, 2);
  const std::string magic("SQLite format 3\0", 16);
  std::copy(magic.begin(), magic.end(), b.begin());
  WriteBytes(path, b);
  ExpectOpenCorrupt(path, "header");
}

TEST(StoreCorruption, JunkAfterAValidHeaderIsCorrupt) {
  TestChain chain(2);
  const std::string dir = TempDir();
  const std::string good = MakeStoreFile(dir, chain, 1);
  Bytes b = ReadBytes(good);
  const Bytes junk = RandomBytes(b.size(), 3);
  std::copy(junk.begin() + 100, junk.end(), b.begin() + 100);  // keep only the 100-byte header
  WriteBytes(dir + "/junk.db", b);
  auto s = Store::Open(dir + "/junk.db");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kCorrupt) << s.error().ToString();
}

TEST(StoreCorruption, TruncatedFileIsCorrupt) {
  TestChain chain(50);
  const std::string path = MakeStoreFile(TempDir(), chain, 20);
  ASSERT_FALSE(std::filesystem::exists(path + "-wal")) << "closing checkpoints and removes the WAL";
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 8 * 4096u);
  std::filesystem::resize_file(path, size / 2);
  ExpectOpenCorrupt(path, "truncated");
}

TEST(StoreCorruption, DamagedPagesGiveCorruptOnEveryReadNeverACrash) {
  TestChain chain(30);
  const std::string dir = TempDir();
  const std::string path = MakeStoreFile(dir, chain, 10);
  const Bytes clean = ReadBytes(path);
  const std::size_t page = 4096;
  ASSERT_EQ(clean.size() % page, 0u);
  // Damage each page past the schema in turn (one at a time), then read everything.
  std::size_t failures = 0;
  for (std::size_t p = 1; p < clean.size() / page; ++p) {
    Bytes b = clean;
    const Bytes junk = RandomBytes(page, static_cast<std::uint32_t>(100 + p));
    std::copy(junk.begin(), junk.end(), b.begin() + static_cast<std::ptrdiff_t>(p * page));
    const std::string damaged = dir + "/damaged.db";
    std::filesystem::remove(damaged + "-wal");
    std::filesystem::remove(damaged + "-shm");
    WriteBytes(damaged, b);
    auto opened = Store::Open(damaged, OpenMode::kReadOnly);
    std::vector<Error> errors;
    if (!opened.ok()) {
      errors.push_back(opened.error());
    } else {
      const Store& store = **opened;
      for (std::uint64_t h = 1; h <= 10; ++h) {
        if (auto r = store.LoadBlock(h); !r.ok()) errors.push_back(r.error());
        if (auto r = store.LoadCert(h); !r.ok()) errors.push_back(r.error());
        if (auto r = store.LoadSeals(h); !r.ok()) errors.push_back(r.error());
      }
      if (auto r = store.LastSeq(1); !r.ok()) errors.push_back(r.error());
      if (auto r = store.LoadHistory("app", "k7", 100); !r.ok()) errors.push_back(r.error());
      if (Status s = store.ForEachCurrent([](const CurrentEntry&) { return true; }); !s.ok()) errors.push_back(s.error());
      if (Status s = store.ForEachHistory([](const HistoryEntry&) { return true; }); !s.ok()) errors.push_back(s.error());
    }
    for (const Error& e : errors) EXPECT_EQ(e.code, Errc::kCorrupt) << "page " << p << ": " << e.ToString();
    failures += errors.empty() ? 0 : 1;
  }
  EXPECT_GT(failures, 0u);
}

TEST(StoreCorruption, BlockBodyThatDoesNotDecodeIsCorruptNamingTheHeight) {
  TestChain chain(2);
  const std::string path = MakeStoreFile(TempDir(), chain, 3);
  test::ExecRawSql(path, "UPDATE blocks SET body = x'0001' WHERE height = 2");
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  auto b = (*store)->LoadBlock(2);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::kCorrupt);
  EXPECT_NE(b.error().message.find("block 2"), std::string::npos) << b.error().message;
  EXPECT_EQ((*store)->LoadBlockById(chain.IdOf(2)).error().code, Errc::kCorrupt);
  EXPECT_TRUE((*store)->LoadBlock(1).ok()) << "other blocks still load";
  EXPECT_TRUE((*store)->LoadBlock(3).ok());
}

TEST(StoreCorruption, RowsThatDisagreeWithTheirBodyAreCorrupt) {
  TestChain chain(2);
  const std::string path = MakeStoreFile(TempDir(), chain, 3);
  test::ExecRawSql(path,
                   "UPDATE blocks SET body = (SELECT body FROM blocks WHERE height = 1) WHERE height = 3;"
                   "UPDATE certs SET round = round + 1 WHERE height = 2;"
                   "UPDATE state SET owner = -1 WHERE key = 'k1';"
                   "UPDATE history SET height = 99 WHERE key = 'k0' AND version = 1;");
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  auto b = (*store)->LoadBlock(3);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::kCorrupt);
  EXPECT_NE(b.error().message.find("block 3"), std::string::npos) << b.error().message;
  EXPECT_EQ((*store)->LoadCert(2).error().code, Errc::kCorrupt);
  EXPECT_EQ((*store)->LoadCurrent("app", "k1").error().code, Errc::kCorrupt);
  EXPECT_EQ((*store)->LoadHistory("app", "k0", 10).error().code, Errc::kCorrupt);
  EXPECT_TRUE((*store)->LoadHistory("app", "k1", 10).ok());
}

TEST(StoreCorruption, PathInMissingDirectoryIsIo) {
  auto s = Store::Open(TempDir() + "/no/such/dir/node.db");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kIo) << s.error().ToString();
}

TEST(StoreCorruption, DirectoryAsPathIsIo) {
  auto s = Store::Open(TempDir());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kIo) << s.error().ToString();
}

}  // namespace
}  // namespace peerdb::store
