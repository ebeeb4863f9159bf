// Writes the seed corpora of the decoder fuzz targets: for each type, valid encodings of the chain
// samples (valid-*) and a few malformed variants (bad-*), all deterministic. Usage:
//   make_fuzz_corpus CORPUS_ROOT           write CORPUS_ROOT/decode_<type>/<seed> (run once, commit)
//   make_fuzz_corpus --check CORPUS_ROOT   fail if a committed seed is missing or differs
// Other files in a corpus directory (e.g. inputs kept from fuzzing) are left alone.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "chain_samples.h"
#include "peerdb/codec/pce.h"

namespace peerdb::chain {
namespace {

using namespace samples;

struct Seed {
  std::string name;
  Bytes bytes;
};

struct Corpus {
  std::string dir;
  std::vector<Seed> seeds;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "make_fuzz_corpus: %s\n", what.c_str());
  std::exit(1);
}

// Valid seeds as given, then malformed variants of the first one. Each seed is checked to decode
// (valid-*) or to be rejected (bad-*), so the corpus means what its file names say.
template <class T>
Corpus MakeCorpus(std::string dir, const std::vector<std::pair<std::string, T>>& valid) {
  Corpus c{std::move(dir), {}};
  for (const auto& [name, value] : valid) c.seeds.push_back({"valid-" + name, codec::Encode(value)});
  const Bytes first = c.seeds.front().bytes;
  c.seeds.push_back({"bad-truncated", Bytes(first.begin(), first.begin() + static_cast<long>(first.size() / 2))});
  Bytes trailing = first;
  trailing.push_back(0x00);
  c.seeds.push_back({"bad-trailing-byte", trailing});
  Bytes lead = first;
  if constexpr (std::is_same_v<T, Record>) {
    lead[0] = 0x09;  // unknown union tag
    c.seeds.push_back({"bad-record-tag", lead});
  } else {
    lead[1] = 0x02;  // every other type starts with a u16 version, its own or its first member's
    c.seeds.push_back({"bad-version", lead});
  }
  for (const Seed& s : c.seeds) {
    const bool ok = codec::Decode<T>(s.bytes).ok();
    if (ok != (s.name.rfind("valid-", 0) == 0)) Die(c.dir + "/" + s.name + " does not decode as its name says");
  }
  return c;
}

std::vector<Corpus> AllCorpora() {
  const Block b1 = MakeBlock1();
  const Block b2 = MakeBlock2(b1);
  Block empty2 = b2;
  empty2.batches.clear();
  FixRoots(empty2);

  TxBatch del_and_config = MakeBatch(2, 7);
  Op del = MakeOp();
  del.kind = static_cast<std::uint8_t>(OpKind::kDel);
  del.value.clear();
  Op cfg;
  cfg.kind = static_cast<std::uint8_t>(OpKind::kConfig);
  cfg.ns = "_config";
  cfg.value = {0x00, 0x01, 0x00};
  del_and_config.ops = {del, cfg};
  SignWith(Key(2), ChainIdOfSample(), del_and_config);
  TxBatch no_ops = MakeBatch(3, 1);
  no_ops.ops.clear();

  Genesis small = MakeGenesis();
  small.config.members.resize(1);
  small.config.rules.clear();
  small.description.clear();
  Config rich = MakeConfig();
  Rule secret = MakeRule();
  secret.ns = "hr.payroll";
  secret.readers = {1, 4};
  secret.mode = static_cast<std::uint8_t>(RuleMode::kEditorsEdit);
  secret.encrypted = true;
  Rule audit = MakeRule();
  audit.ns = "audit-log";
  audit.mode = static_cast<std::uint8_t>(RuleMode::kAppendOnly);
  rich.rules = {audit, secret, MakeRule()};
  rich.epoch = 3;
  rich.prev_config_hash = Filled(0x9c);

  Evidence fork = MakeEvidence();
  fork.kind = static_cast<std::uint8_t>(EvidenceKind::kSealFork);
  fork.msg_a = codec::Encode(MakeSeal(4, 1, Filled(0xb1)));
  fork.msg_b = codec::Encode(MakeSeal(4, 3, Filled(0xb3)));
  fork.path = {MakeHeader(), MakeHeader()};
  fork.path[0].height = 3;
  fork.path[1].height = 2;
  AnchorRecord direct = MakeAnchorRecord();
  direct.method = static_cast<std::uint8_t>(AnchorMethod::kDirect);
  direct.proof = Bytes(80, 0x42);

  Proposal round0;
  round0.block = b2;
  round0.core = MakeProposalCore(2, 0, BlockId(b2.header), 2);

  return {
      MakeCorpus<Block>("decode_block", {{"block1", b1}, {"block2", b2}, {"block2-empty", empty2}}),
      MakeCorpus<Header>("decode_header", {{"header", MakeHeader()}, {"block2-header", b2.header}}),
      MakeCorpus<TxBatch>("decode_tx_batch",
                          {{"put", MakeBatch()}, {"del-and-config", del_and_config}, {"no-ops", no_ops}}),
      MakeCorpus<Genesis>("decode_genesis", {{"genesis", MakeGenesis()}, {"one-member", small}}),
      MakeCorpus<Config>("decode_config", {{"config", MakeConfig()}, {"three-rules", rich}}),
      MakeCorpus<Vote>("decode_vote", {{"vote", MakeVote()}, {"round-3", MakeVote(4, 9, 3, Filled(0xb9))}}),
      MakeCorpus<Seal>("decode_seal", {{"seal", MakeSeal()}}),
      MakeCorpus<RoundChange>("decode_round_change",
                              {{"with-last-vote", MakeRoundChange()},
                               {"without-last-vote", MakeRoundChange(2, 2, 1, /*with_last_vote=*/false)}}),
      MakeCorpus<MajorityCert>("decode_majority_cert",
                               {{"three-votes", MakeMajorityCert(1, 0, BlockId(b1.header), {1, 2, 3})},
                                {"four-votes", MakeMajorityCert(5, 2, Filled(0xb5), {1, 2, 3, 4})}}),
      MakeCorpus<Checkpoint>("decode_checkpoint",
                             {{"four-seals", MakeCheckpoint(2, Filled(0xb1), {1, 2, 3, 4})},
                              {"no-seals", MakeCheckpoint(1, Filled(0xb1), {})}}),
      MakeCorpus<Evidence>("decode_evidence", {{"double-vote", MakeEvidence()}, {"seal-fork", fork}}),
      MakeCorpus<AnchorRecord>("decode_anchor_record", {{"ots", MakeAnchorRecord()}, {"direct", direct}}),
      MakeCorpus<Record>("decode_record", {{"seal", MakeRecord(RecordTag::kSeal)},
                                           {"evidence", MakeRecord(RecordTag::kEvidence)},
                                           {"config-approve", MakeRecord(RecordTag::kConfigApprove)},
                                           {"anchor", MakeRecord(RecordTag::kAnchor)}}),
      MakeCorpus<Proposal>("decode_proposal", {{"round-1", MakeProposal()}, {"round-0", round0}}),
      MakeCorpus<ProposalCore>("decode_proposal_core", {{"core", MakeProposalCore()}}),
      MakeCorpus<ConfigApprove>("decode_config_approve", {{"approve", MakeConfigApprove()}}),
  };
}

bool ReadFile(const std::filesystem::path& path, Bytes& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace
}  // namespace peerdb::chain

int main(int argc, char** argv) {
  using namespace peerdb::chain;
  namespace fs = std::filesystem;
  const bool check = argc == 3 && std::string(argv[1]) == "--check";
  if (!(argc == 2 || check)) {
    std::fprintf(stderr, "usage: %s [--check] CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  const fs::path root(argv[argc - 1]);
  int problems = 0;
  std::size_t count = 0;
  for (const Corpus& corpus : AllCorpora()) {
    const fs::path dir = root / corpus.dir;
    if (!check) fs::create_directories(dir);
    for (const Seed& seed : corpus.seeds) {
      const fs::path path = dir / seed.name;
      ++count;
      if (check) {
        peerdb::Bytes have;
        if (!ReadFile(path, have)) {
          std::fprintf(stderr, "missing seed %s (regenerate with make_fuzz_corpus)\n", path.c_str());
          ++problems;
        } else if (have != seed.bytes) {
          std::fprintf(stderr, "stale seed %s (regenerate with make_fuzz_corpus)\n", path.c_str());
          ++problems;
        }
        continue;
      }
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(seed.bytes.data()), static_cast<std::streamsize>(seed.bytes.size()));
      if (!out) Die("cannot write " + path.string());
    }
  }
  std::printf("%s %zu seeds under %s\n", check ? "checked" : "wrote", count, root.c_str());
  return problems == 0 ? 0 : 1;
}
