// Shared helpers for the store tests: a temp directory per test, and a deterministic test chain
// whose blocks, writes, seals and signer state are a pure function of the height, so a process
// that did not write the database (the crash test's parent) can say what it must contain.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerdb/store/store.h"

namespace peerdb::store::test {

// A fresh, empty directory named after the running test.
std::string TempDir();

chain::Genesis TestGenesis(std::string description = "store test chain");

// Builds block `height` of the test chain. Block h writes keys k0..k{n-1} of namespace "app" (each
// at version h; every 5th key is a tombstone in even blocks), plus a key "only<h>" at version 1,
// all from the one batch of author 1 with seq h. It carries a certificate, seals from members
// 1..3 and a signer state.
class TestChain {
 public:
  explicit TestChain(std::size_t writes_per_block = 10, chain::Genesis genesis = TestGenesis());

  const chain::Genesis& genesis() const { return m_genesis; }
  const Hash32& chain_id() const { return m_chain_id; }
  std::size_t writes_per_block() const { return m_n; }

  // Commit for `height`, linked to the ids of the blocks before it.
  BlockCommit Make(std::uint64_t height);
  Hash32 IdOf(std::uint64_t height);

  static std::string KeyName(std::size_t i) { return "k" + std::to_string(i); }
  static Bytes ValueOf(std::uint64_t height, std::size_t i);
  static bool DeletedAt(std::uint64_t height, std::size_t i) { return height % 2 == 0 && i % 5 == 0; }
  static Bytes SignerStateOf(std::uint64_t height);

 private:
  chain::Block BuildBlock(std::uint64_t height);
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  std::size_t m_n;
  std::vector<Hash32> m_ids;  // m_ids[h - 1] = id of block h, built on demand
};

// Commits blocks 1..to of `chain` (after the genesis) and fails the test on error.
void CommitRange(Store& store, TestChain& chain, std::uint64_t from, std::uint64_t to);

// Checks that `store` holds exactly blocks 1..head of `chain` with all their rows, and nothing
// of any later block. Returns a description of the first mismatch, or "" when all agree.
std::string CheckHoldsExactly(const Store& store, TestChain& chain, std::uint64_t head);

// Runs the sqlite3 command-line tool on `path` with `sql`; returns its stdout.
std::string RunSqliteCli(const std::string& path, const std::string& sql);

// Executes SQL against the file directly, bypassing the Store (to damage or edit it); creates
// the file if needed.
void ExecRawSql(const std::string& path, const std::string& sql);

}  // namespace peerdb::store::test
