#include "node_fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../common/temp_dirs.h"
#include "peerdb/util/clock.h"

namespace peerdb::node::test {
namespace {

[[maybe_unused]] ::testing::Environment* const kCleanup =
    ::testing::AddGlobalTestEnvironment(new peerdb::test::TempDirCleanup("peerdb-node-"));

}  // namespace

std::string TempDir() { return peerdb::test::FreshTempDir("peerdb-node-"); }

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

chain::Member MemberOf(const MemberKey& key, chain::MemberId id, std::string name) {
  chain::Member m;
  m.id = id;
  m.pubkey = key.signing.public_key();
  m.enc_pubkey = key.encryption.public_key;
  m.name = std::move(name);
  m.contact = m.name + "@ops.example";
  return m;
}

chain::Genesis OneMemberGenesis(const MemberKey& key, std::uint64_t block_period_ms, std::uint64_t heartbeat_ms,
                                std::string description) {
  chain::Genesis g;
  g.config.members.push_back(MemberOf(key, 1, "alpha"));
  g.config.params.block_period_ms = block_period_ms;
  g.config.params.heartbeat_ms = heartbeat_ms;
  chain::Rule app;
  app.ns = "app";
  app.mode = static_cast<std::uint8_t>(chain::RuleMode::kOwnerEdit);
  chain::Rule log;
  log.ns = "log";
  log.mode = static_cast<std::uint8_t>(chain::RuleMode::kAppendOnly);
  g.config.rules = {app, log};
  g.genesis_time_ms = util::SystemClock().NowMs();
  g.description = std::move(description);
  return g;
}

NodeConfig WriteNodeFiles(const std::string& dir, const chain::Genesis& genesis, const MemberKey& key) {
  NodeConfig c;
  c.consortium_path = dir + "/consortium.toml";
  c.key_path = dir + "/member.key";
  c.data_dir = dir + "/data";
  if (!std::filesystem::exists(c.key_path)) {
    Status s = SaveMemberKey(key, c.key_path);
    EXPECT_TRUE(s.ok()) << s.error().ToString();
  }
  WriteText(c.consortium_path, EncodeConsortiumToml(Consortium{genesis, chain::ChainId(genesis), {}}));
  return c;
}

chain::Op Put(std::string ns, std::string key, std::string_view value) {
  chain::Op op;
  op.kind = static_cast<std::uint8_t>(chain::OpKind::kPut);
  op.ns = std::move(ns);
  op.key = std::move(key);
  op.value = ToBytes(value);
  return op;
}

chain::Op Del(std::string ns, std::string key) {
  chain::Op op;
  op.kind = static_cast<std::uint8_t>(chain::OpKind::kDel);
  op.ns = std::move(ns);
  op.key = std::move(key);
  return op;
}

}  // namespace peerdb::node::test
