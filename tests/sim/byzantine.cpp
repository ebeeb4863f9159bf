#include "byzantine.h"

#include <algorithm>

#include "peerdb/chain/block.h"

namespace peerdb::sim {

// GCC 12 with optimisation reports a bogus -Wrestrict inside std::string for `"+" + std::string(...)`
// (GCC bug 105329; also 105651). Silenced for this code only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string ByzName(std::uint32_t bits) {
  static const char* kNames[] = {"double-proposal", "double-vote", "double-seal", "seal-fork", "silent", "no-seal",
                                 "promise-break", "other-chain", "forge", "replay", "colluder", "two-branches"};
  std::string out;
  for (int i = 0; i < 12; ++i) {
    if (bits & (1u << i)) out += (out.empty() ? "" : "+") + std::string(kNames[i]);
  }
  return out.empty() ? "honest" : out;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace {

Hash32 RandomId(Rng& rng) {
  Hash32 h{};
  for (std::size_t i = 0; i < h.size(); i += 8) {
    const std::uint64_t x = rng.Next();
    for (std::size_t j = 0; j < 8; ++j) h[i + j] = static_cast<std::uint8_t>(x >> (8 * j));
  }
  return h;
}

// A random non-empty part of `to` (and the rest).
std::pair<std::vector<chain::MemberId>, std::vector<chain::MemberId>> Split(Rng& rng, std::vector<chain::MemberId> to) {
  rng.Shuffle(to);
  const std::size_t cut = to.size() < 2 ? to.size() : rng.Uniform(1, to.size() - 1);
  return {std::vector<chain::MemberId>(to.begin(), to.begin() + cut), std::vector<chain::MemberId>(to.begin() + cut, to.end())};
}

void SendAll(std::vector<Outgoing>& out, const std::vector<chain::MemberId>& to, const consensus::PeerMessage& m,
             bool genuine = true) {
  for (chain::MemberId t : to) out.push_back({t, m, genuine});
}

// Copies of an own signed message that must be rejected: signed for another chain, a flipped
// signature bit, or relabelled as another member's.
template <class M>
void AddForgeries(const ByzContext& c, const M& m, const std::vector<chain::MemberId>& to, std::vector<Outgoing>& out) {
  if ((c.bits & kByzOtherChain) && c.rng->Chance(250'000)) {
    M other = m;
    chain::SignWith(*c.key, c.other_chain_id, other);
    SendAll(out, to, other, false);
  }
  if ((c.bits & kByzForge) && c.rng->Chance(250'000)) {
    M bad = m;
    bad.sig[c.rng->Uniform(0, 63)] ^= static_cast<std::uint8_t>(1u << c.rng->Uniform(0, 7));
    SendAll(out, to, bad, false);
    M stolen = m;  // claims another member signed it; the signature is ours
    stolen.signer = m.signer == 1 ? 2 : 1;
    SendAll(out, to, stolen, false);
  }
}

}  // namespace

std::vector<Outgoing> ByzantineRewrite(const ByzContext& c, const consensus::PeerMessage& msg,
                                       const std::vector<chain::MemberId>& to) {
  std::vector<Outgoing> out;
  if (c.bits & kByzSilent) return out;
  Rng& rng = *c.rng;

  if (const auto* p = std::get_if<chain::Proposal>(&msg); p && p->core.signer == c.self && (c.bits & kByzDoubleProposal)) {
    chain::Proposal alt = *p;
    alt.block.header.timestamp_ms += 1 + rng.Uniform(0, 50);  // same batches and state root, another id
    alt.core.block_id = chain::BlockId(alt.block.header);
    chain::SignWith(*c.key, c.chain_id, alt.core);
    auto [a, b] = Split(rng, to);
    SendAll(out, a, *p);
    SendAll(out, b, alt);
    c.state->sibling[p->core.block_id] = alt.core.block_id;
    c.state->sibling[alt.core.block_id] = p->core.block_id;
    if (c.bits & kByzDoubleVote) {
      chain::Vote v;
      v.h = alt.core.h; v.r = alt.core.r; v.block_id = alt.core.block_id; v.signer = c.self;
      chain::SignWith(*c.key, c.chain_id, v);
      SendAll(out, b, v);
    }
    return out;
  }
  if (const auto* v = std::get_if<chain::Vote>(&msg); v && v->signer == c.self) {
    SendAll(out, to, *v);
    if ((c.bits & kByzDoubleVote) && rng.Chance(500'000)) {
      chain::Vote v2 = *v;
      v2.block_id = RandomId(rng);
      chain::SignWith(*c.key, c.chain_id, v2);
      SendAll(out, Split(rng, to).first, v2);
    }
    if ((c.bits & kByzPromiseBreak) && rng.Chance(500'000)) {
      chain::RoundChange rc;  // promises round r + 1 and hides the vote it just cast at r
      rc.h = v->h; rc.r = v->r + 1; rc.signer = c.self;
      chain::SignWith(*c.key, c.chain_id, rc);
      SendAll(out, to, rc);
    }
    AddForgeries(c, *v, to, out);
    return out;
  }
  if (const auto* s = std::get_if<chain::Seal>(&msg); s && s->signer == c.self) {
    if (c.bits & kByzNoSeal) return out;
    if ((c.bits & kByzSealFork) && !c.state->fork_done && s->h > 1 && rng.Chance(300'000)) {
      c.state->fork_done = true;
      chain::Seal fork = *s;
      fork.block_id = RandomId(rng);
      chain::SignWith(*c.key, c.chain_id, fork);
      SendAll(out, to, fork);
      return out;
    }
    SendAll(out, to, *s);
    if ((c.bits & kByzDoubleSeal) && rng.Chance(350'000)) {
      chain::Seal s2 = *s;
      s2.block_id = RandomId(rng);
      chain::SignWith(*c.key, c.chain_id, s2);
      SendAll(out, Split(rng, to).first, s2);
    }
    AddForgeries(c, *s, to, out);
    return out;
  }
  if (const auto* a = std::get_if<chain::ConfigApprove>(&msg); a && a->signer == c.self && (c.bits & kByzTwoBranches)) {
    // The same approval for the change as a sibling branch holds it: only the branch it names
    // may count it (chain::CheckApproval), and no honest member may record it elsewhere.
    chain::ConfigApprove other = *a;
    auto sib = c.state->sibling.find(a->containing_block_id);
    other.containing_block_id = sib != c.state->sibling.end() ? sib->second : RandomId(rng);
    chain::SignWith(*c.key, c.chain_id, other);
    auto [x, y] = Split(rng, to);
    SendAll(out, x, *a);
    SendAll(out, y, other);
    if (rng.Chance(500'000)) SendAll(out, x, other);  // some members get both
    return out;
  }
  if (const auto* sr = std::get_if<consensus::SyncResponse>(&msg); sr && (c.bits & kByzNoSeal)) {
    consensus::SyncResponse stripped = *sr;
    for (consensus::SyncBlock& b : stripped.blocks) {
      std::erase_if(b.seals, [&](const chain::Seal& x) { return x.signer == c.self; });
    }
    SendAll(out, to, stripped);
    return out;
  }
  SendAll(out, to, msg);
  return out;
}

}  // namespace peerdb::sim
