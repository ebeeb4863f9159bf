// Writes the seed corpora of the decoder fuzz targets: for each type, valid encodings of the chain
// samples (valid-*) and a few malformed variants (bad-*), all deterministic; likewise for the peer
// messages (consensus_wire: type byte || body, every message type) and chain export files
// (export_reader, written by audit::ExportWriter). Usage:
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

#include <unistd.h>

#include "chain_samples.h"
#include "peerdb/codec/pce.h"
#include "peerdb/consensus/wire.h"
#include "peerdb/audit/chain_export.h"

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
    // Every other type starts with a u16 version, its own or its first member's; a batch's is 2.
    lead[1] = std::is_same_v<T, TxBatch> ? 0x03 : 0x02;
    c.seeds.push_back({"bad-version", lead});
  }
  for (const Seed& s : c.seeds) {
    const bool ok = codec::Decode<T>(s.bytes).ok();
    if (ok != (s.name.rfind("valid-", 0) == 0)) Die(c.dir + "/" + s.name + " does not decode as its name says");
  }
  return c;
}

// consensus_wire seeds: the frame's type byte, then the message body (what DecodeMessage takes).
Bytes WireSeed(const consensus::PeerMessage& m) {
  Bytes out{static_cast<std::uint8_t>(consensus::TypeOf(m))};
  const Bytes body = consensus::EncodeMessage(m);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// A committed block as a SyncResponse carries it: its MC (members 1..3) and seals by `sealers`.
consensus::SyncBlock MakeSyncBlock(const Block& b, const std::vector<MemberId>& sealers) {
  consensus::SyncBlock sb;
  sb.block = b;
  sb.cert = MakeMajorityCert(b.header.height, 0, BlockId(b.header), {1, 2, 3});
  for (MemberId s : sealers) sb.seals.push_back(MakeSeal(s, b.header.height, BlockId(b.header)));
  return sb;
}

Corpus WireCorpus() {
  const Block b1 = MakeBlock1();
  const Block b2 = MakeBlock2(b1);
  consensus::SyncResponse two_blocks;
  two_blocks.head_h = 2;
  two_blocks.blocks = {MakeSyncBlock(b1, {1, 2, 3, 4}), MakeSyncBlock(b2, {1, 2, 3})};
  consensus::SyncResponse none;
  none.head_h = 0;
  consensus::SyncRequest request;
  request.from_h = 1;
  request.max_blocks = consensus::kMaxSyncBlocks;
  consensus::StatusMsg status;
  status.seal_h = 1;
  status.seal_id = BlockId(b1.header);
  status.head_h = 2;
  status.h = 3;
  status.r = 1;

  Corpus c{"consensus_wire", {}};
  const std::vector<std::pair<std::string, consensus::PeerMessage>> valid = {
      {"proposal", MakeProposal()},
      {"vote", MakeVote()},
      {"round-change", MakeRoundChange()},
      {"seal", MakeSeal()},
      {"majority-cert", MakeMajorityCert(1, 0, BlockId(b1.header), {1, 2, 3})},
      {"batch", MakeBatch()},
      {"evidence", MakeEvidence()},
      {"sync-request", request},
      {"sync-response-two-blocks", two_blocks},
      {"sync-response-empty", none},
      {"status", status},
  };
  for (const auto& [name, m] : valid) c.seeds.push_back({"valid-" + name, WireSeed(m)});

  const Bytes sync = WireSeed(two_blocks);
  c.seeds.push_back({"bad-sync-response-truncated", Bytes(sync.begin(), sync.end() - 7)});
  Bytes trailing = sync;
  trailing.push_back(0x00);
  c.seeds.push_back({"bad-sync-response-trailing-byte", trailing});
  Bytes unsorted = sync;
  {
    consensus::SyncResponse swapped = two_blocks;
    std::swap(swapped.blocks[0].seals[0], swapped.blocks[0].seals[1]);
    const Bytes body = codec::Encode(swapped);  // the writer does not sort
    unsorted.assign(1, static_cast<std::uint8_t>(consensus::MsgType::kSyncResponse));
    unsorted.insert(unsorted.end(), body.begin(), body.end());
  }
  c.seeds.push_back({"bad-sync-response-unsorted-seals", unsorted});
  Bytes too_many = WireSeed(none);
  too_many[1 + 2 + 8 + 3] = consensus::kMaxSyncBlocks + 1;  // the u32 block count after version, head_h
  c.seeds.push_back({"bad-sync-response-too-many-blocks", too_many});
  Bytes vote_as_seal = WireSeed(MakeVote());
  vote_as_seal[0] = static_cast<std::uint8_t>(consensus::MsgType::kSeal);
  c.seeds.push_back({"bad-vote-as-seal", vote_as_seal});
  Bytes type0 = WireSeed(status);
  type0[0] = 0;
  c.seeds.push_back({"bad-type-0", type0});
  Bytes type11 = WireSeed(status);
  type11[0] = 11;
  c.seeds.push_back({"bad-type-11", type11});

  for (const Seed& s : c.seeds) {
    const bool ok = consensus::DecodeMessage(s.bytes[0], ByteSpan(s.bytes).subspan(1)).ok();
    if (ok != (s.name.rfind("valid-", 0) == 0)) Die(c.dir + "/" + s.name + " does not decode as its name says");
  }
  return c;
}

bool ReadFile(const std::filesystem::path& path, Bytes& out);

// An export file as `peerdb export` writes it (audit::ExportWriter, through a scratch file).
Bytes WriteExport(const Genesis& genesis, const std::vector<audit::ExportedBlock>& blocks,
                  const std::vector<audit::ExportedAnchor>& anchors) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("peerdb_make_corpus_" + std::to_string(::getpid()) + ".export");
  std::filesystem::remove(path);
  auto w = audit::ExportWriter::Create(path.string(), genesis);
  if (!w.ok()) Die(w.error().message);
  for (const audit::ExportedBlock& b : blocks) {
    if (!(*w)->Append(b).ok()) Die("cannot write " + path.string());
  }
  for (const audit::ExportedAnchor& a : anchors) {
    if (!(*w)->AppendAnchor(a).ok()) Die("cannot write " + path.string());
  }
  if (!(*w)->Finish().ok()) Die("cannot finish " + path.string());
  Bytes out;
  if (!ReadFile(path, out)) Die("cannot read " + path.string());
  std::filesystem::remove(path);
  return out;
}

void AppendFrame(Bytes& out, const Bytes& payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
  out.insert(out.end(), payload.begin(), payload.end());
}

// Whether the whole file reads without error: genesis, every block, every anchor.
bool ReadsCleanly(const Bytes& file) {
  auto r = audit::ExportReader::FromBytes(file);
  if (!r.ok()) return false;
  for (;;) {
    auto next = (*r)->Next();
    if (!next.ok()) return false;
    if (!*next) break;
  }
  for (;;) {
    auto next = (*r)->NextAnchor();
    if (!next.ok()) return false;
    if (!*next) return true;
  }
}

Corpus ExportCorpus() {
  const Genesis genesis = MakeGenesis();
  const Block b1 = MakeBlock1();
  const Block b2 = MakeBlock2(b1);
  auto exported = [](const Block& b, const std::vector<MemberId>& sealers) {
    consensus::SyncBlock sb = MakeSyncBlock(b, sealers);
    return audit::ExportedBlock{sb.block, sb.cert, sb.seals};
  };
  audit::ExportedBlock e1 = exported(b1, {1, 2, 3, 4});
  audit::ExportedBlock e2 = exported(b2, {1, 2, 3});
  audit::ExportedBlock e2_uncertified = e2;
  e2_uncertified.cert.reset();
  e2_uncertified.seals.clear();
  const audit::ExportedAnchor anchor{MakeCheckpoint(2, BlockId(b2.header), {1, 2, 3}), MakeAnchorRecord()};

  Corpus c{"export_reader", {}};
  const Bytes full = WriteExport(genesis, {e1, e2}, {anchor});
  c.seeds.push_back({"valid-two-blocks-one-anchor", full});
  c.seeds.push_back({"valid-genesis-only", WriteExport(genesis, {}, {})});
  c.seeds.push_back({"valid-tip-without-cert", WriteExport(genesis, {e1, e2_uncertified}, {})});
  Bytes v1(audit::kExportMagicV1.begin(), audit::kExportMagicV1.end());
  AppendFrame(v1, codec::Encode(genesis));
  AppendFrame(v1, codec::Encode(e1));
  c.seeds.push_back({"valid-v1-one-block", v1});

  c.seeds.push_back({"bad-truncated", Bytes(full.begin(), full.end() - 9)});
  Bytes trailing = full;
  trailing.push_back(0x00);
  c.seeds.push_back({"bad-trailing-byte", trailing});
  Bytes magic = full;
  magic[7] = '!';
  c.seeds.push_back({"bad-magic", magic});
  Bytes block_after_anchor(audit::kExportMagic.begin(), audit::kExportMagic.end());
  AppendFrame(block_after_anchor, codec::Encode(genesis));
  Bytes anchor_frame{audit::kExportAnchorFrame};
  const Bytes anchor_pce = codec::Encode(anchor);
  anchor_frame.insert(anchor_frame.end(), anchor_pce.begin(), anchor_pce.end());
  AppendFrame(block_after_anchor, anchor_frame);
  Bytes block_frame{audit::kExportBlockFrame};
  const Bytes block_pce = codec::Encode(e1);
  block_frame.insert(block_frame.end(), block_pce.begin(), block_pce.end());
  AppendFrame(block_after_anchor, block_frame);
  c.seeds.push_back({"bad-block-after-anchor", block_after_anchor});
  Bytes unknown_kind(audit::kExportMagic.begin(), audit::kExportMagic.end());
  AppendFrame(unknown_kind, codec::Encode(genesis));
  block_frame[0] = 3;
  AppendFrame(unknown_kind, block_frame);
  c.seeds.push_back({"bad-unknown-kind", unknown_kind});
  Bytes huge(audit::kExportMagic.begin(), audit::kExportMagic.end());
  huge.insert(huge.end(), {0xff, 0xff, 0xff, 0xf0, 0x00});
  c.seeds.push_back({"bad-frame-too-large", huge});
  Bytes past_end(audit::kExportMagic.begin(), audit::kExportMagic.end());
  past_end.insert(past_end.end(), {0x03, 0xff, 0xff, 0xff, 0x00, 0x01});  // 64 MiB claimed, 2 held
  c.seeds.push_back({"bad-frame-past-end", past_end});

  for (const Seed& s : c.seeds) {
    if (ReadsCleanly(s.bytes) != (s.name.rfind("valid-", 0) == 0)) {
      Die(c.dir + "/" + s.name + " does not read as its name says");
    }
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
  TxBatch erase_and_erased = MakeBatch(2, 8);  // an erase op, and a put whose value was erased
  Op erase = MakeOp();
  erase.kind = static_cast<std::uint8_t>(OpKind::kErase);
  erase.value = codec::Encode(EraseSpec{{1, 2}});
  erase_and_erased.ops.push_back(erase);
  SignWith(Key(2), ChainIdOfSample(), erase_and_erased);
  EraseValue(erase_and_erased.ops[0]);

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
                          {{"put", MakeBatch()}, {"del-and-config", del_and_config}, {"no-ops", no_ops},
                           {"erase-and-erased", erase_and_erased}}),
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
      WireCorpus(),
      ExportCorpus(),
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
