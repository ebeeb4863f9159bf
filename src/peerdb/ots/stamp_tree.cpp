#include "peerdb/ots/stamp_tree.h"

#include "peerdb/crypto/sha256.h"
#include "peerdb/ots/detached_file.h"
#include "peerdb/ots/internal/wire.h"
#include "peerdb/ots/timestamp_codec.h"

namespace peerdb::ots {
namespace {

// Visits file i's path upwards: fn(is_left, sibling) for each level where it has a sibling
// (a carried odd last node has none at that level).
template <class Fn>
void WalkPath(const std::vector<std::vector<Hash32>>& levels, std::size_t i, Fn fn) {
  for (std::size_t k = 0; k + 1 < levels.size(); ++k, i /= 2) {
    const std::vector<Hash32>& level = levels[k];
    if (i % 2 == 1) {
      fn(false, level[i - 1]);
    } else if (i + 1 < level.size()) {
      fn(true, level[i + 1]);
    }
  }
}

Bytes ToBytes32(const Hash32& h) { return Bytes(h.begin(), h.end()); }

}  // namespace

Result<StampTree> StampTree::Build(std::vector<Hash32> file_digests, std::vector<StampNonce> nonces) {
  if (file_digests.empty()) return Error{Errc::kInvalid, "nothing to stamp"};
  if (file_digests.size() != nonces.size()) return Error{Errc::kInvalid, "one nonce per file is needed"};
  StampTree tree;
  tree.m_digests = std::move(file_digests);
  tree.m_nonces = std::move(nonces);
  std::vector<Hash32> level(tree.m_digests.size());
  for (std::size_t i = 0; i < level.size(); ++i) level[i] = crypto::Sha256({tree.m_digests[i], tree.m_nonces[i]});
  tree.m_levels.push_back(std::move(level));
  while (tree.m_levels.back().size() > 1) {
    const std::vector<Hash32>& below = tree.m_levels.back();
    std::vector<Hash32> up;
    up.reserve(below.size() / 2 + 1);
    for (std::size_t j = 0; j + 1 < below.size(); j += 2) up.push_back(crypto::Sha256({below[j], below[j + 1]}));
    if (below.size() % 2 == 1) up.push_back(below.back());  // carried up as the reference does
    tree.m_levels.push_back(std::move(up));
  }
  return tree;
}

std::vector<Op> StampTree::PathOps(std::size_t i) const {
  std::vector<Op> ops = {AppendOp(Bytes(m_nonces[i].begin(), m_nonces[i].end())), Sha256Op()};
  WalkPath(m_levels, i, [&](bool is_left, const Hash32& sibling) {
    ops.push_back(is_left ? AppendOp(ToBytes32(sibling)) : PrependOp(ToBytes32(sibling)));
    ops.push_back(Sha256Op());
  });
  return ops;
}

Result<StampRoot> StampTree::PrepareRoot(const Timestamp& root_subtree) const {
  if (root_subtree.msg() != ToBytes32(root())) return Error{Errc::kInvalid, "the subtree is not for this root"};
  StampRoot out;
  out.depth = root_subtree.Depth();
  if (MaxPathDepth() + out.depth > kMaxNestedOps) {
    return Error{Errc::kTooLarge, "the proofs would nest more than 255 ops deep"};
  }
  PEERDB_TRY_ASSIGN(out.encoded, EncodeTimestamp(root_subtree));
  return out;
}

// GCC 12 with optimisation reports a bogus -Wstringop-overflow ("writing 1 or more bytes into a region of size
// 0") for the vector inserts after reserve() below (GCC bug 106199). Silenced for this function only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
Bytes StampTree::EncodeFileOts(std::size_t i, const StampRoot& root) const {
  // A path node has exactly one op and no attestation, so its canonical form is "op child".
  Bytes out;
  out.reserve(kOtsMagic.size() + 2 + 32 + 19 + 36 * (m_levels.size() - 1) + root.encoded.size());
  out.insert(out.end(), kOtsMagic.begin(), kOtsMagic.end());
  out.push_back(kOtsMajorVersion);
  out.push_back(static_cast<std::uint8_t>(OpTag::kSha256));
  internal::PutBytes(out, m_digests[i]);
  out.push_back(static_cast<std::uint8_t>(OpTag::kAppend));
  internal::PutVarBytes(out, m_nonces[i]);
  out.push_back(static_cast<std::uint8_t>(OpTag::kSha256));
  WalkPath(m_levels, i, [&](bool is_left, const Hash32& sibling) {
    out.push_back(static_cast<std::uint8_t>(is_left ? OpTag::kAppend : OpTag::kPrepend));
    internal::PutVarBytes(out, sibling);
    out.push_back(static_cast<std::uint8_t>(OpTag::kSha256));
  });
  internal::PutBytes(out, root.encoded);
  return out;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

Result<Timestamp> StampTree::FileTimestamp(std::size_t i, const Timestamp& root_subtree) const {
  if (root_subtree.msg() != ToBytes32(root())) return Error{Errc::kInvalid, "the subtree is not for this root"};
  Timestamp file(ToBytes32(m_digests[i]));
  Timestamp* node = &file;
  for (const Op& op : PathOps(i)) {
    PEERDB_TRY_ASSIGN(node, node->AddOp(op));
  }
  PEERDB_TRY(node->Merge(root_subtree));
  return file;
}

}  // namespace peerdb::ots
