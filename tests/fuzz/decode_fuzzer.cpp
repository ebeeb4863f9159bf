// Fuzz target for one PCE decoder, chosen at build time: -DPEERDB_FUZZ_TYPE=<chain type>.
// For every input: no crash and no sanitizer finding; the raw Reader and codec::Decode agree on
// whether to accept; accepted input re-encodes to exactly the same bytes, Encode(Decode(x)) == x
// (PROTOCOL.md §1.1 item 6); a rejection carries a decoder error code. Accepted values are then fed
// to the stateless checks, hashes and signature checks that consume decoded values. Any breach aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "chain_samples.h"
#include "peerdb/chain/block.h"
#include "peerdb/chain/rules.h"
#include "peerdb/chain/config.h"
#include "peerdb/chain/hashing.h"
#include "peerdb/chain/messages.h"
#include "peerdb/chain/tx.h"
#include "peerdb/codec/pce.h"

#ifndef PEERDB_FUZZ_TYPE
#error "compile with -DPEERDB_FUZZ_TYPE=<chain type>, e.g. Block"
#endif

// Not an anonymous namespace: each binary uses only the overloads of its own type, and unused
// functions with internal linkage would trip -Wunused-function.
namespace peerdb::chain::fuzzing {

using FuzzType = PEERDB_FUZZ_TYPE;

[[noreturn]] void Breach(const char* what) {
  std::fprintf(stderr, "decode fuzzer: %s\n", what);
  std::abort();
}

// The sample chain's config and id: seed inputs are signed by its members, so valid seeds also
// reach the success paths of the signature checks.
const Config& SampleConfig() {
  static const Config config = samples::MakeConfig();
  return config;
}
const Hash32& SampleChainId() {
  static const Hash32 id = samples::ChainIdOfSample();
  return id;
}

template <class M>
void VerifyBySigner(const M& m, MemberId signer) {
  if (const Member* member = SampleConfig().FindMember(signer)) {
    (void)VerifySignedBy(member->pubkey, SampleChainId(), m);
  }
}

// What runs on a decoded value must not crash either. Results are ignored: only safety is checked.
void Exercise(const Header& h) { (void)BlockId(h); }
void Exercise(const TxBatch& b) {
  (void)CheckBatchShape(b, Params{});
  (void)BatchId(b);
  VerifyBySigner(b, b.author);
}
void Exercise(const MajorityCert& mc) {
  (void)MajorityCertHash(mc);
  (void)VerifyMajorityCert(mc, SampleChainId(), SampleConfig(), {1});
}
void Exercise(const Block& b) {
  (void)CheckBlockShape(b, Params{});
  (void)BlockId(b.header);
  if (b.parent_cert) Exercise(*b.parent_cert);
  for (const TxBatch& batch : b.batches) (void)CheckBatchShape(batch, Params{});
}
void Exercise(const Genesis& g) {
  (void)CheckGenesis(g);
  (void)ChainId(g);
}
void Exercise(const Config& c) {
  (void)CheckConfig(c);
  (void)ConfigHash(c);
  (void)c.FindMember(1);
  (void)c.FindRule("ledger");
}
void Exercise(const Vote& v) { VerifyBySigner(v, v.signer); }
void Exercise(const Seal& s) { VerifyBySigner(s, s.signer); }
void Exercise(const ProposalCore& c) { VerifyBySigner(c, c.signer); }
void Exercise(const ConfigApprove& a) { VerifyBySigner(a, a.signer); }
void Exercise(const RoundChange& rc) {
  VerifyBySigner(rc, rc.signer);
  if (rc.last_vote) {
    VerifyBySigner(rc.last_vote->vote, rc.last_vote->vote.signer);
    VerifyBySigner(rc.last_vote->core, rc.last_vote->core.signer);
  }
}
void Exercise(const Checkpoint& cp) {
  (void)CheckpointDigest(cp);
  (void)VerifyCheckpointSeals(cp, SampleConfig());
}
void Exercise(const Record& r) {
  (void)SortKeyOf(r);
  std::vector<Record> records = {r, r};
  SortRecords(records);
  if (records.size() != 1) Breach("SortRecords kept a duplicate record");
}
void Exercise(const Proposal& p) {
  (void)JustificationHash(p.justification);
  Exercise(p.core);
  Exercise(p.block);
}
template <class T>
void Exercise(const T&) {}

}  // namespace peerdb::chain::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peerdb;
  using chain::fuzzing::FuzzType;
  namespace fuzzing = chain::fuzzing;
  const ByteSpan in(data, size);

  // The reader alone, without Decode's re-encoding safety net: what it accepts must be canonical.
  codec::Reader reader(in);
  FuzzType raw{};
  reader.item(raw);
  const bool reader_accepts = reader.ok() && reader.AtEnd();

  Result<FuzzType> decoded = codec::Decode<FuzzType>(in);
  if (reader_accepts) {
    const Bytes again = codec::Encode(raw);
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) {
      fuzzing::Breach("accepted input does not re-encode to the same bytes");
    }
    if (!decoded.ok()) fuzzing::Breach("Decode rejected input the reader accepts");
    if (!(*decoded == raw)) fuzzing::Breach("Decode and the reader disagree on the value");
    fuzzing::Exercise(*decoded);
  } else {
    if (decoded.ok()) fuzzing::Breach("Decode accepted input the reader rejects");
    const Errc code = decoded.error().code;
    if (code != Errc::kMalformed && code != Errc::kTooLarge && code != Errc::kBadVersion) {
      fuzzing::Breach("a decoder failed with a code other than malformed, too_large or bad_version");
    }
  }
  return 0;
}
