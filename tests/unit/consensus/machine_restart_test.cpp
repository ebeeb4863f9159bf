// Restarts at every persistence point of a height (§7.2 row 3): the bodies a member signed for are
// durable with its SignerState (Application::SaveCandidates), and a restart starts a new height with
// fresh per-height signer fields without weakening S1-S4.
#include <algorithm>

#include <gtest/gtest.h>

#include "consensus_fixture.h"

namespace peerdb::consensus {
namespace {

using testing::Cluster;
using testing::IsProposalFrom;

template <class M>
bool Broadcasts(const std::vector<Action>& actions, chain::MemberId signer) {
  for (const Action& a : actions) {
    const auto* b = std::get_if<Broadcast>(&a);
    if (!b) continue;
    if constexpr (std::is_same_v<M, chain::Proposal>) {
      if (IsProposalFrom(b->msg, signer)) return true;
    } else {
      if (const auto* m = std::get_if<M>(&b->msg); m && m->signer == signer) return true;
    }
  }
  return false;
}

// Member 4 is down for good, so every majority (3 of 4) needs member 1. Member 1, proposer(1, 0),
// crashes in the step that saved its proposal and its own vote, before either leaves.
struct ProposerCrash {
  Cluster c{4};
  Hash32 x{};  // the block it proposed

  ProposerCrash() {
    c.Crash(4);
    c.on_step = [this](chain::MemberId m, const std::vector<Action>& actions) {
      if (m == 1 && Broadcasts<chain::Proposal>(actions, 1)) c.Crash(1);
    };
    c.RunUntil(c.now() + 5000, [&] { return !c.node(1).alive; });
    c.on_step = nullptr;
    const chain::SignerState& s = c.node(1).app->signer;
    EXPECT_TRUE(s.last_proposal && s.last_vote);
    if (s.last_proposal) x = s.last_proposal->block_id;
  }
  void ExpectDecidedX(std::uint32_t min_round) {
    c.RunUntil(c.now() + 60000, [&] { return c.AllAliveHeadsAtLeast(2); });
    ASSERT_GE(c.MinHead(), 2u);
    for (chain::MemberId m = 1; m <= 3; ++m) {
      EXPECT_EQ(c.node(m).app->m_blocks[0].id, x) << "member " << m;
      EXPECT_GE(c.node(m).app->m_blocks[0].cert.r, min_round);
    }
  }
};

TEST(Restart, ProposerCrashedBeforeSendingResendsItsStoredProposalAndVote) {
  ProposerCrash t;
  // Its body is durable with the signatures that name it.
  ASSERT_EQ(t.c.node(1).app->candidates.size(), 1u);
  EXPECT_EQ(t.c.node(1).app->candidates[0].core, *t.c.node(1).app->signer.last_proposal);
  const chain::SignerState saved = t.c.node(1).app->signer;
  t.c.Restart(1);
  // S6: the stored proposal and the stored vote leave again, byte for byte, with no new signature.
  bool proposal = false, vote = false;
  for (const Action& a : t.c.node(1).log) {
    const auto* b = std::get_if<Broadcast>(&a);
    if (!b) continue;
    if (const auto* p = std::get_if<chain::Proposal>(&b->msg)) proposal |= p->core == *saved.last_proposal;
    if (const auto* v = std::get_if<chain::Vote>(&b->msg)) vote |= *v == saved.last_vote->vote;
  }
  EXPECT_TRUE(proposal);
  EXPECT_TRUE(vote);
  EXPECT_EQ(t.c.node(1).app->signer, saved);
  t.ExpectDecidedX(0);
}

TEST(Restart, ProposerRestartedAfterARoundChangeGetsItsBlockReproposed) {
  // The others promised round 1 before member 1 came back: round 1 must re-propose X (1's
  // RoundChange reports its vote), which works only because 1 still holds X's body.
  ProposerCrash t;
  t.c.RunUntil(t.c.now() + 5000, [&] { return t.c.node(2).app->signer.promised >= 1 && t.c.node(3).app->signer.promised >= 1; });
  ASSERT_GE(t.c.node(2).app->signer.promised, 1u);
  t.c.Restart(1);
  t.ExpectDecidedX(1);
}

TEST(Restart, VoterThatAloneHeldTheBlockKeepsItAcrossACrash) {
  // §7.2 row 2 with a crash of the only voter: proposer 1 reaches only member 3, which votes; both
  // crash before anything else leaves. 3 restarts: its RoundChange reports X, so round 1 must be X,
  // and 3 pushes the body to proposer(1, 1) = 2 from its saved candidates.
  Cluster c(4);
  std::optional<Hash32> x;
  c.drop = testing::ProposalsOfOnlyReach(1, 3, &x);
  c.on_step = [&](chain::MemberId m, const std::vector<Action>& actions) {
    if (m == 3 && Broadcasts<chain::Vote>(actions, 3)) {
      c.Crash(3);
      c.Crash(1);
    }
  };
  c.RunUntil(c.now() + 5000, [&] { return !c.node(3).alive; });
  c.on_step = nullptr;
  ASSERT_TRUE(x.has_value());
  ASSERT_EQ(c.node(3).app->candidates.size(), 1u);
  EXPECT_EQ(c.node(3).app->candidates[0].core.block_id, *x);
  c.Restart(3);
  c.RunUntil(c.now() + 60000, [&] { return c.AllAliveHeadsAtLeast(1); });
  ASSERT_GE(c.MinHead(), 1u);
  for (chain::MemberId m = 2; m <= 4; ++m) EXPECT_EQ(c.node(m).app->m_blocks[0].id, *x) << "member " << m;
}

TEST(Restart, ProposalSavedWithoutItsSignerStateIsNeverSentNorHeldAgainstTheProposer) {
  // The crash comes between SaveCandidates and SaveSigner: the body is on disk, the signature's
  // SignerState is not. After the restart member 1 may propose afresh at (1, 0); the unsent core
  // must not come back, or it would stand beside the new one as a double proposal (E1).
  Cluster c(4);
  c.Crash(4);
  const chain::SignerState before = c.node(1).app->signer;
  c.on_step = [&](chain::MemberId m, const std::vector<Action>& actions) {
    if (m == 1 && Broadcasts<chain::Proposal>(actions, 1)) {
      c.Crash(1);
      c.node(1).app->signer = before;  // the SaveSigner did not happen
    }
  };
  c.RunUntil(c.now() + 5000, [&] { return !c.node(1).alive; });
  c.on_step = nullptr;
  ASSERT_EQ(c.node(1).app->candidates.size(), 1u);
  const chain::ProposalCore lost = c.node(1).app->candidates[0].core;
  c.RunUntil(c.now() + 300);
  c.node(1).log.clear();
  c.Restart(1);
  c.RunUntil(c.now() + 60000, [&] { return c.AllAliveHeadsAtLeast(2); });
  ASSERT_GE(c.MinHead(), 2u);
  for (chain::MemberId m = 1; m <= 3; ++m) {
    EXPECT_TRUE(c.node(m).app->evidence.empty()) << "member " << m;
    EXPECT_FALSE(testing::HasAlert(c.node(m).log, AlertKind::kEquivocation)) << "member " << m;
    EXPECT_NE(c.node(m).app->m_blocks[0].id, lost.block_id);
  }
  for (const Action& a : c.node(1).log) {
    const auto* b = std::get_if<Broadcast>(&a);
    const auto* p = b ? std::get_if<chain::Proposal>(&b->msg) : nullptr;
    EXPECT_FALSE(p && p->core == lost);
  }
}

TEST(Restart, ReproposerCrashedBeforeItsSignerStateKeepsTheBodyItVotedFor) {
  // F11: member 2 votes for X at (1, 0), the only live member that saw it (the proposer, 1, is down
  // for good after that). Round 1 requires X and 2 re-proposes it; the crash comes between the
  // SaveCandidates and the SaveSigner of that proposal. The restart drops 2's unsent round-1 core,
  // and X's body must survive under the round-0 proposal 2 voted for: every later round requires
  // X, and only 2 has it.
  Cluster c(4);
  std::optional<Hash32> x;
  c.drop = testing::ProposalsOfOnlyReach(1, 2, &x);
  testing::TestApp& app2 = *c.node(2).app;
  std::optional<std::pair<std::vector<chain::Proposal>, chain::SignerState>> on_disk;  // at the crash point
  app2.on_save_candidates = [&] {  // the first save that holds a proposal of 2's own
    const auto own = [](const chain::Proposal& p) { return p.core.signer == 2; };
    if (!on_disk && std::any_of(app2.candidates.begin(), app2.candidates.end(), own)) {
      on_disk.emplace(app2.candidates, app2.signer);
    }
  };
  c.on_step = [&](chain::MemberId m, const std::vector<Action>& actions) {
    if (m == 2 && Broadcasts<chain::Vote>(actions, 2) && c.node(1).alive) c.Crash(1);
    if (m == 2 && on_disk) c.Crash(2);
  };
  c.RunUntil(c.now() + 20000, [&] { return !c.node(2).alive; });
  c.on_step = nullptr;
  app2.on_save_candidates = nullptr;
  ASSERT_TRUE(x.has_value());
  ASSERT_TRUE(on_disk.has_value());
  ASSERT_FALSE(c.node(1).alive);
  app2.candidates = on_disk->first;
  app2.signer = on_disk->second;
  ASSERT_TRUE(app2.signer.last_vote.has_value());
  EXPECT_EQ(app2.signer.last_vote->vote.block_id, *x);
  EXPECT_FALSE(app2.signer.last_proposal.has_value());
  // Both proposals of X are on disk: the unsent own one and the one the vote names.
  std::size_t with_x = 0;
  for (const chain::Proposal& p : app2.candidates) with_x += p.core.block_id == *x;
  EXPECT_EQ(with_x, 2u);
  c.Restart(2);
  c.RunUntil(c.now() + 60000, [&] { return c.AllAliveHeadsAtLeast(1); });
  ASSERT_GE(c.MinHead(), 1u);
  for (chain::MemberId m = 2; m <= 4; ++m) EXPECT_EQ(c.node(m).app->m_blocks[0].id, *x) << "member " << m;
}

TEST(Restart, CandidatesAreSavedOnlyWhenTheSignedBodiesChange) {
  Cluster c(4);
  c.RunUntil(c.now() + 10000, [&] { return c.AllAliveHeadsAtLeast(4); });
  for (chain::MemberId m = 1; m <= 4; ++m) {
    const testing::TestApp& app = *c.node(m).app;
    // One save per height voted on (the proposer's vote is for its own, already saved, block).
    EXPECT_LE(app.save_candidates_calls, app.head() + 1) << "member " << m;
    EXPECT_GE(app.save_candidates_calls, app.head() - 1) << "member " << m;
    EXPECT_LE(app.candidates.size(), 1u);
  }
}

TEST(Restart, NewHeightAfterARestartStartsWithFreshSignerFields) {
  // F5: member 3 decides height 1 in a round above 0 (its round-0 proposal is dropped) and crashes
  // right after the seal's save. Restarted at height 2 it must not carry the promise of height 1.
  Cluster c(4);
  c.drop = [](chain::MemberId, chain::MemberId, const PeerMessage& m) {
    const auto* p = std::get_if<chain::Proposal>(&m);
    return p && p->core.h == 1 && p->core.r == 0;
  };
  c.on_step = [&](chain::MemberId m, const std::vector<Action>& actions) {
    if (m == 3 && !testing::ActionsOf<Committed>(actions).empty()) c.Crash(3);
  };
  c.RunUntil(c.now() + 20000, [&] { return !c.node(3).alive; });
  c.on_step = nullptr;
  ASSERT_EQ(c.node(3).app->head(), 1u);
  const chain::SignerState old = c.node(3).app->signer;
  ASSERT_EQ(old.h, 1u);
  ASSERT_GE(old.promised, 1u);
  c.Restart(3);
  const chain::SignerState& now = c.node(3).machine->signer();
  EXPECT_EQ(now.h, 2u);
  EXPECT_EQ(now.promised, 0u);
  EXPECT_FALSE(now.last_vote.has_value());
  EXPECT_EQ(now.seal_h, 1u);
  EXPECT_EQ(c.node(3).machine->View().round, 0u);
  // Its next vote, at (2, 0), is saved with the promise of height 2, never below it (S2).
  c.RunUntil(c.now() + 10000, [&] {
    const chain::SignerState& s = c.node(3).app->signer;
    return s.h == 2 && s.last_vote.has_value();
  });
  const chain::SignerState saved = c.node(3).app->signer;
  ASSERT_TRUE(saved.last_vote.has_value());
  EXPECT_EQ(saved.promised, 0u);
  EXPECT_GE(saved.last_vote->vote.r, saved.promised);
}

TEST(Restart, SignerStateAboveTheHeightBlocksSigningUntilCatchUpReachesIt) {
  // A store that lost committed blocks: member 4 restarts at height 1 with SignerState.h = 3
  // (promised 2). It must not sign anything at heights 1 and 2, where it cannot know what it signed
  // for height 3, and the saved state of height 3 must survive; it still catches up by MCs.
  Cluster c(4);
  chain::SignerState s = c.node(4).app->signer;
  s.h = 3;
  s.promised = 2;
  c.node(4).app->signer = s;
  c.Restart(4);
  c.node(4).log.clear();
  c.RunUntil(c.now() + 20000, [&] { return c.node(4).app->head() >= 2; });
  ASSERT_GE(c.node(4).app->head(), 2u);
  for (const Action& a : c.node(4).log) {
    const auto* b = std::get_if<Broadcast>(&a);
    if (!b) continue;
    if (const auto* v = std::get_if<chain::Vote>(&b->msg)) {
      EXPECT_GE(v->h, 3u);
    } else if (const auto* rc = std::get_if<chain::RoundChange>(&b->msg)) {
      EXPECT_GE(rc->h, 3u);
    } else if (const auto* p = std::get_if<chain::Proposal>(&b->msg)) {
      EXPECT_GE(p->core.h, 3u);
    }
  }
  EXPECT_GE(c.node(4).app->signer.h, 3u);
  if (c.node(4).app->signer.h == 3) {
    EXPECT_GE(c.node(4).app->signer.promised, 2u);
  }
  EXPECT_GE(c.node(4).app->signer.seal_h, 2u);
}

}  // namespace
}  // namespace peerdb::consensus
