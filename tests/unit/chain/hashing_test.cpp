// Tagged hashes and sign bytes (PROTOCOL.md §1.2): the exact layouts, and domain separation: a
// signature made for one chain id or one message type never verifies as another.
#include "peerdb/chain/hashing.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "chain_samples.h"
#include "peerdb/crypto/sha256.h"

namespace peerdb::chain {
namespace {

using samples::Filled;

const std::vector<std::string_view> kHashTags = {tag::kGenesis, tag::kConfig, tag::kHeader, tag::kCheckpoint,
                                                 tag::kConfigChange, tag::kRecord, tag::kJustification,
                                                 tag::kMajorityCert, tag::kBatchId};
const std::vector<std::string_view> kSignTags = {tag::kSignBatch, tag::kSignProposal, tag::kSignVote,
                                                 tag::kSignRoundChange, tag::kSignSeal, tag::kSignApprove};

TEST(HashTags, AreThePinnedDistinctPdb1Strings) {
  // Renaming a tag changes every id on the chain: these strings are protocol.
  EXPECT_EQ(tag::kGenesis, "PDB1/genesis");
  EXPECT_EQ(tag::kConfig, "PDB1/config");
  EXPECT_EQ(tag::kHeader, "PDB1/header");
  EXPECT_EQ(tag::kCheckpoint, "PDB1/checkpoint");
  EXPECT_EQ(tag::kConfigChange, "PDB1/cfgchange");
  EXPECT_EQ(tag::kRecord, "PDB1/record");
  EXPECT_EQ(tag::kJustification, "PDB1/just");
  EXPECT_EQ(tag::kMajorityCert, "PDB1/mc");
  EXPECT_EQ(tag::kBatchId, "PDB1/batchid");
  EXPECT_EQ(tag::kSignBatch, "PDB1/batch");
  EXPECT_EQ(tag::kSignProposal, "PDB1/proposal");
  EXPECT_EQ(tag::kSignVote, "PDB1/vote");
  EXPECT_EQ(tag::kSignRoundChange, "PDB1/rc");
  EXPECT_EQ(tag::kSignSeal, "PDB1/seal");
  EXPECT_EQ(tag::kSignApprove, "PDB1/approve");
  std::set<std::string_view> all(kHashTags.begin(), kHashTags.end());
  all.insert(kSignTags.begin(), kSignTags.end());
  EXPECT_EQ(all.size(), kHashTags.size() + kSignTags.size());
}

TEST(TaggedHash, IsSha256OfTagLengthTagAndPceBytes) {
  const Bytes body = {0x00, 0x01, 0xff};
  Bytes preimage = {static_cast<std::uint8_t>(tag::kHeader.size())};
  preimage.insert(preimage.end(), tag::kHeader.begin(), tag::kHeader.end());
  preimage.insert(preimage.end(), body.begin(), body.end());
  EXPECT_EQ(TaggedHashBytes(tag::kHeader, body), crypto::Sha256(preimage));
  EXPECT_EQ(Hex(TaggedHashBytes(tag::kHeader, {})),
            Hex(crypto::Sha256(AsBytes(std::string("\x0bPDB1/header", 12)))));
}

TEST(TaggedHash, DiffersForEveryTagOverTheSameBytes) {
  const Bytes body = codec::Encode(samples::MakeHeader());
  std::set<Hash32> seen;
  for (std::string_view t : kHashTags) seen.insert(TaggedHashBytes(t, body));
  EXPECT_EQ(seen.size(), kHashTags.size());
}

TEST(TaggedHash, HashedAsWrittenEqualsTheHashOfTheBuiltEncoding) {
  // TaggedHash and BatchId hash their input as the codec writes it (HashSink, a 512-byte buffer);
  // values shorter than, equal to and far beyond the buffer, and ops whose committed form nests a
  // value hash inside the batch's hash, must give the bytes-first answer exactly.
  for (std::size_t n : {0u, 1u, 200u, 470u, 511u, 512u, 513u, 5000u, 70000u}) {
    TxBatch batch = samples::MakeBatch();
    for (int i = 0; i < 3; ++i) {
      Op op = samples::MakeOp();
      op.key = "k" + std::to_string(i);
      op.value.assign(n + static_cast<std::size_t>(i), static_cast<std::uint8_t>(i + 7));
      batch.ops.push_back(op);
    }
    EXPECT_EQ(TaggedHash(tag::kRecord, batch), TaggedHashBytes(tag::kRecord, codec::Encode(batch))) << n;
    EXPECT_EQ(TaggedHashCommitted(tag::kBatchId, batch),
              TaggedHashBytes(tag::kBatchId, codec::EncodeCommitted(batch))) << n;
    const Op& op = batch.ops.back();
    codec::Writer w;
    w.fixed(op.salt);
    w.bytes(op.value, kMaxValueBytes);
    EXPECT_EQ(ValueCommitment(op), TaggedHashBytes(tag::kValue, w.out())) << n;
  }
}

TEST(TaggedHash, AnAbandonedHashLeavesTheNextOneCorrect) {
  // A hash abandoned mid-write (an exception in the writer) must not leak into the next one.
  const Bytes body = ToBytes("body");
  try {
    TaggedHashWritten(tag::kHeader, codec::WriteForm::kFull, [&](auto& w) {
      w.u32(12345);
      throw std::runtime_error("writer failed");
    });
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(TaggedHashWritten(tag::kHeader, codec::WriteForm::kFull, [&](auto& w) { w.sink().put(body.data(), body.size()); }),
            TaggedHashBytes(tag::kHeader, body));
}

TEST(TaggedHash, LengthPrefixSeparatesTagFromBody) {
  // Without the length byte, ("PDB1/mc", "x...") and ("PDB1/m", "cx...") would hash alike.
  const Bytes body = ToBytes("xyz");
  const Bytes shifted = ToBytes("cxyz");
  EXPECT_NE(TaggedHashBytes("PDB1/mc", body), TaggedHashBytes("PDB1/m", shifted));
}

TEST(SignBytes, AreTagLengthTagChainIdAndPceWithoutSig) {
  const Hash32 chain = samples::ChainIdOfSample();
  const Vote vote = samples::MakeVote();
  const Bytes sb = SignBytes(chain, vote);
  Bytes expected = {static_cast<std::uint8_t>(tag::kSignVote.size())};
  expected.insert(expected.end(), tag::kSignVote.begin(), tag::kSignVote.end());
  expected.insert(expected.end(), chain.begin(), chain.end());
  const Bytes full = codec::Encode(vote);
  expected.insert(expected.end(), full.begin(), full.end() - 64);  // the sig is the last field
  EXPECT_EQ(sb, expected);
}

TEST(SignBytes, DoNotDependOnTheSignatureField) {
  Vote vote = samples::MakeVote();
  const Bytes before = SignBytes(samples::ChainIdOfSample(), vote);
  vote.sig = samples::FilledSig(0x77);
  EXPECT_EQ(SignBytes(samples::ChainIdOfSample(), vote), before);
}

TEST(DomainSeparation, SignatureForOneChainDoesNotVerifyOnAnother) {
  const Hash32 chain_a = samples::ChainIdOfSample();
  const Hash32 chain_b = Filled(0xcb);
  const crypto::SigningKey key = samples::Key(2);
  Vote vote = samples::MakeVote(2);
  EXPECT_TRUE(VerifySignedBy(key.public_key(), chain_a, vote));
  EXPECT_FALSE(VerifySignedBy(key.public_key(), chain_b, vote));

  Seal seal = samples::MakeSeal(2);
  EXPECT_TRUE(VerifySignedBy(key.public_key(), chain_a, seal));
  EXPECT_FALSE(VerifySignedBy(key.public_key(), chain_b, seal));

  TxBatch batch = samples::MakeBatch(2, 1);
  EXPECT_TRUE(VerifySignedBy(key.public_key(), chain_a, batch));
  EXPECT_FALSE(VerifySignedBy(key.public_key(), chain_b, batch));
}

TEST(DomainSeparation, SignatureForOneTypeTagDoesNotVerifyUnderAnother) {
  // The same PCE body signed under each sign tag verifies under that tag only.
  const Hash32 chain = samples::ChainIdOfSample();
  const crypto::SigningKey key = samples::Key(1);
  const Bytes body = codec::EncodeForSigning(samples::MakeVote(1));
  for (std::string_view signed_as : kSignTags) {
    const Sig64 sig = key.Sign(SignBytesRaw(signed_as, chain, body));
    for (std::string_view checked_as : kSignTags) {
      EXPECT_EQ(crypto::VerifySignature(key.public_key(), SignBytesRaw(checked_as, chain, body), sig),
                signed_as == checked_as)
          << "signed as " << signed_as << ", checked as " << checked_as;
    }
  }
}

TEST(DomainSeparation, VoteSignatureDoesNotVerifyAsSealOfTheSameBlock) {
  // A Seal and a Vote at round 0 carry the same (h, block_id, signer); their bodies still differ, and
  // the tags keep them apart even where the bodies would not.
  const Vote vote = samples::MakeVote(2, 5, 0, Filled(0xb5));
  Seal seal;
  seal.h = 5;
  seal.block_id = Filled(0xb5);
  seal.signer = 2;
  seal.sig = vote.sig;
  EXPECT_FALSE(VerifySignedBy(samples::Key(2).public_key(), samples::ChainIdOfSample(), seal));
}

TEST(DomainSeparation, SignatureDoesNotVerifyUnderAnotherMembersKey) {
  const Vote vote = samples::MakeVote(2);
  EXPECT_TRUE(VerifySignedBy(samples::Key(2).public_key(), samples::ChainIdOfSample(), vote));
  EXPECT_FALSE(VerifySignedBy(samples::Key(3).public_key(), samples::ChainIdOfSample(), vote));
}

}  // namespace
}  // namespace peerdb::chain
