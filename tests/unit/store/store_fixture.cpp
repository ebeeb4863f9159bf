#include "store_fixture.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>

#include "../common/temp_dirs.h"
#include "peerdb/chain/block.h"

namespace peerdb::store::test {

namespace {
[[maybe_unused]] ::testing::Environment* const kCleanup =
    ::testing::AddGlobalTestEnvironment(new peerdb::test::TempDirCleanup("peerdb-store-"));
}  // namespace

std::string TempDir() { return peerdb::test::FreshTempDir("peerdb-store-"); }

chain::Genesis TestGenesis(std::string description) {
  chain::Genesis g;
  for (chain::MemberId id = 1; id <= 3; ++id) {
    chain::Member m;
    m.id = id;
    m.pubkey.fill(static_cast<std::uint8_t>(id));
    m.enc_pubkey.fill(static_cast<std::uint8_t>(0x40 + id));
    m.name = "member" + std::to_string(id);
    g.config.members.push_back(m);
  }
  chain::Rule rule;
  rule.ns = "app";
  g.config.rules.push_back(rule);
  g.genesis_time_ms = 1'700'000'000'000;
  g.description = std::move(description);
  return g;
}

TestChain::TestChain(std::size_t writes_per_block, chain::Genesis genesis)
    : m_genesis(std::move(genesis)), m_chain_id(chain::ChainId(m_genesis)), m_n(writes_per_block) {}

Bytes TestChain::ValueOf(std::uint64_t height, std::size_t i) {
  if (DeletedAt(height, i)) return {};
  return ToBytes("{\"height\":" + std::to_string(height) + ",\"i\":" + std::to_string(i) + ",\"pad\":\"" +
                 std::string(40, 'x') + "\"}");
}

Bytes TestChain::SignerStateOf(std::uint64_t height) { return ToBytes("signer-state@" + std::to_string(height)); }

Hash32 TestChain::IdOf(std::uint64_t height) {
  while (m_ids.size() < height) m_ids.push_back(chain::BlockId(BuildBlock(m_ids.size() + 1).header));
  return m_ids[height - 1];
}

chain::Block TestChain::BuildBlock(std::uint64_t height) {
  chain::Block b;
  b.header.chain_id = m_chain_id;
  b.header.height = height;
  b.header.parent_id = height == 1 ? m_chain_id : IdOf(height - 1);
  b.header.author = static_cast<chain::MemberId>(1 + height % 3);
  b.header.timestamp_ms = m_genesis.genesis_time_ms + height * 1000;
  b.header.state_root.fill(static_cast<std::uint8_t>(height));
  if (height > 1) {
    chain::MajorityCert mc;
    mc.h = height - 1;
    mc.block_id = IdOf(height - 1);
    mc.votes.push_back({1, Sig64{}});
    b.parent_cert = mc;
  }
  chain::TxBatch batch;
  batch.author = 1;
  batch.seq = height;
  batch.valid_until_height = height + 10;
  for (std::size_t i = 0; i < m_n; ++i) {
    chain::Op op;
    op.kind = static_cast<std::uint8_t>(DeletedAt(height, i) ? chain::OpKind::kDel : chain::OpKind::kPut);
    op.ns = "app";
    op.key = KeyName(i);
    op.value = ValueOf(height, i);
    batch.ops.push_back(std::move(op));
  }
  chain::Op only;
  only.ns = "app";
  only.key = "only" + std::to_string(height);
  only.value = ToBytes("single");
  batch.ops.push_back(std::move(only));
  batch.sig.fill(static_cast<std::uint8_t>(height));
  b.batches.push_back(std::move(batch));
  return b;
}

BlockCommit TestChain::Make(std::uint64_t height) {
  BlockCommit c;
  c.block = BuildBlock(height);
  c.id = chain::BlockId(c.block.header);
  c.status = BlockStatus::kUnanimous;
  chain::MajorityCert mc;
  mc.h = height;
  mc.r = static_cast<std::uint32_t>(height % 2);
  mc.block_id = c.id;
  mc.votes = {{1, Sig64{}}, {2, Sig64{}}};
  mc.votes[0].sig.fill(0xa1);
  mc.votes[1].sig.fill(0xa2);
  c.cert = mc;
  for (chain::MemberId m = 1; m <= 3; ++m) {
    chain::Seal s;
    s.h = height;
    s.block_id = c.id;
    s.signer = m;
    s.sig.fill(static_cast<std::uint8_t>(m * 16 + height % 16));
    c.seals.push_back(s);
  }
  const chain::TxBatch& batch = c.block.batches[0];
  for (std::size_t i = 0; i < batch.ops.size(); ++i) {
    const chain::Op& op = batch.ops[i];
    state::Write w;
    w.ns = op.ns;
    w.key = op.key;
    w.state.value = op.value;
    w.state.commit = chain::ValueCommitment(op);
    w.state.deleted = op.kind == static_cast<std::uint8_t>(chain::OpKind::kDel);
    w.state.owner = 1;
    w.state.version = i < m_n ? height : 1;
    w.author = batch.author;
    w.seq = batch.seq;
    w.op_index = static_cast<std::uint32_t>(i);
    c.writes.push_back(std::move(w));
  }
  c.signer_state = SignerStateOf(height);
  return c;
}

void CommitRange(Store& store, TestChain& chain, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t h = from; h <= to; ++h) {
    Status s = store.CommitBlock(chain.Make(h));
    ASSERT_TRUE(s.ok()) << "height " << h << ": " << s.error().ToString();
  }
}

namespace {

std::string Describe(const Error& e) { return e.ToString(); }

}  // namespace

std::string CheckHoldsExactly(const Store& store, TestChain& chain, std::uint64_t head) {
  std::ostringstream bad;
  auto h = store.HeadHeight();
  if (!h.ok()) return "HeadHeight: " + Describe(h.error());
  if (*h != head) return "head is " + std::to_string(*h) + ", want " + std::to_string(head);

  for (std::uint64_t height = 1; height <= head + 1; ++height) {
    const bool present = height <= head;
    auto b = store.LoadBlock(height);
    if (!b.ok()) return "LoadBlock " + std::to_string(height) + ": " + Describe(b.error());
    if (b->has_value() != present) return "block " + std::to_string(height) + (present ? " missing" : " present");
    auto cert = store.LoadCert(height);
    if (!cert.ok() || cert->has_value() != present) return "cert of block " + std::to_string(height);
    auto seals = store.LoadSeals(height);
    if (!seals.ok() || seals->size() != (present ? 3u : 0u)) return "seals of block " + std::to_string(height);
    if (present) {
      const BlockCommit want = chain.Make(height);
      if (!((*b)->block == want.block) || (*b)->id != want.id) return "block " + std::to_string(height) + " differs";
      if (!(**cert == *want.cert)) return "cert of block " + std::to_string(height) + " differs";
      if (*seals != want.seals) return "seals of block " + std::to_string(height) + " differ";
    }
  }
  auto seq = store.LastSeq(1);
  if (!seq.ok() || *seq != head) return "LastSeq(1) is not " + std::to_string(head);
  auto signer = store.LoadSignerState();
  if (!signer.ok()) return "LoadSignerState: " + Describe(signer.error());
  if (head == 0 ? signer->has_value() : (!signer->has_value() || **signer != TestChain::SignerStateOf(head))) {
    return "signer state is not that of block " + std::to_string(head);
  }

  // History: one row per write of blocks 1..head, each equal to what the block's commit wrote.
  std::map<std::tuple<std::string, std::string, std::uint64_t>, std::pair<state::Write, std::uint64_t>> want_history;
  std::map<std::pair<std::string, std::string>, std::pair<state::Write, std::uint64_t>> want_state;
  for (std::uint64_t height = 1; height <= head; ++height) {
    const BlockCommit c = chain.Make(height);
    for (const state::Write& w : c.writes) {
      want_history[{w.ns, w.key, w.state.version}] = {w, height};
      want_state[{w.ns, w.key}] = {w, height};
    }
  }
  std::size_t rows = 0;
  Status hs = store.ForEachHistory([&](const HistoryEntry& e) {
    auto it = want_history.find({e.ns, e.key, e.state.version});
    if (it == want_history.end()) {
      bad << "unexpected history row " << e.ns << "/" << e.key << " v" << e.state.version << " at height " << e.height;
      return false;
    }
    const state::Write& w = it->second.first;
    if (!(e.state == w.state) || e.author != w.author || e.seq != w.seq || e.op_index != w.op_index ||
        e.height != it->second.second || e.block_id != chain.IdOf(e.height)) {
      bad << "history row " << e.ns << "/" << e.key << " v" << e.state.version << " differs";
      return false;
    }
    ++rows;
    return true;
  });
  if (!hs.ok()) return "ForEachHistory: " + Describe(hs.error());
  if (!bad.str().empty()) return bad.str();
  if (rows != want_history.size()) return "history has " + std::to_string(rows) + " rows, want " + std::to_string(want_history.size());

  rows = 0;
  Status cs = store.ForEachCurrent([&](const CurrentEntry& e) {
    auto it = want_state.find({e.ns, e.key});
    if (it == want_state.end() || !(e.state == it->second.first.state) || e.height != it->second.second ||
        e.block_id != chain.IdOf(e.height)) {
      bad << "state row " << e.ns << "/" << e.key << " differs";
      return false;
    }
    ++rows;
    return true;
  });
  if (!cs.ok()) return "ForEachCurrent: " + Describe(cs.error());
  if (!bad.str().empty()) return bad.str();
  if (rows != want_state.size()) return "state has " + std::to_string(rows) + " rows, want " + std::to_string(want_state.size());
  return "";
}

std::string RunSqliteCli(const std::string& path, const std::string& sql) {
  const std::string cmd = "sqlite3 -batch '" + path + "' \"" + sql + "\" 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "<popen failed>";
  std::string out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

void ExecRawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close_v2(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

}  // namespace peerdb::store::test
