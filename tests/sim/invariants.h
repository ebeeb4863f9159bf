// Safety invariants of PROTOCOL.md §7.1, checked by the simulation after every step.
//
// What is checked, and how (honest = not configured byzantine; byzantine members sign with their
// real key whatever they like, so their messages only feed the registries):
// - I1  From every honest member's durable SignerState saves and its sent Seals: at most one seal
//       id per height, and the seal at h names a block whose parent is its seal at h - 1.
// - I2  From every honest member's sent messages, over its whole life (restarts included): one
//       Vote per (h, r), one ProposalCore per (h, r), no Vote at (h, r) newly signed after it sent
//       RoundChange(h, r') with r' > r (a promise saved but never sent binds nobody).
// - I3  Every own signature an honest member sends (Vote, ProposalCore, RoundChange, Seal) was in
//       a SignerState save that was durable before the step's actions left (saves lost at an
//       injected crash do not count). With I1/I2 spanning restarts this gives "after any injected
//       crash the member never signs conflicting content".
// - I4  No two conflicting FINAL blocks: every honest view's FINAL blocks agree with each other,
//       and every confirmed anchor of a checkpoint that makes its block UNANIMOUS (an auditor's
//       view, §4.4) names the block the honest members committed at that height.
// - I5  An honest view's FINAL height never falls and its FINAL blocks never change, unless the
//       simulated Bitcoin reorganised deeper than k_anchor during the run. A view's FINAL height is
//       what the member's own anchoring code (anchor::AnchorPlanner, via sim_anchoring.h) stored,
//       so in a view whose exclusions leave fewer than MAJ members (a compromised epoch, §5.2: only
//       a byzantine majority can cause it) this checks that FINAL stays as it was (statuses only rise, §3).
// - I6  Without byzantine members, at most one block per height gathers a majority of votes in a
//       round (from every genuine vote that was sent or carried in a certificate).
// - I7  Every Evidence seen (saved by an honest member, sent, or recorded in a committed block)
//       passes consensus::VerifyEvidence standalone and names a byzantine member.
// - I8  (as the simulation reads it) without byzantine members, honest members' committed chains
//       agree at every height. A double-signer can make two MCs at one height (G3's exceptions,
//       §7.2 rows 6 and 8), so then honest commits may differ; FINAL never may (I4).
// - I10 An honest member's UNANIMOUS claim for B is backed by genuine seals of every member of its
//       Req on B or a descendant (>= MAJ of them) and B's committed MC has >= MAJ genuine votes;
//       and a view's FINAL height never exceeds the highest of its blocks that a confirmed anchor of
//       a unanimous checkpoint (under the view's exclusions) covers (FINAL => UNANIMOUS and ANCHORED),
//       unless the epoch is compromised or Bitcoin reorganised deeper than k_anchor.
// - I13 Governance (§5.3), on every honest commit: the block's epoch and config_hash are those of
//       the config the member's stored epoch history gives its height; two honest members that
//       committed the same head hold the same epoch state after it (config, pending change,
//       approvals); an honest member's ConfigApprove (sent or recorded) was ordered by its operator
//       (the software never approves by itself); a change activates below its expires_height, and
//       only once the operator of every honest member of the epoch that is not its target approved
//       it (a minority never decides for the others, a silent target cannot block its removal).
// Every rule above takes the config of the height concerned from the epochs (chain::EpochHistory).
// I9 (PCE round trips) is checked by Simulation on every sent message (and by tests/unit/chain and
// the fuzz targets for non-canonical input), I11 (light client) by light_client_check.h once at the end of a run.
// - I12 (CheckForkLengthIndependence below) once per run, on the committed chain of an honest member
//       against a shorter synthetic sibling made of the same blocks' seals and votes, and on every
//       real fork a scenario builds (row 14).
// Thread-safety: not thread-safe; owned by one Simulation.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "peerdb/chain/epoch.h"
#include "peerdb/consensus/machine.h"
#include "sim_app.h"
#include "sim_bitcoin.h"

namespace peerdb::sim {

// One honest member's view for the finality checks.
struct FinalityView {
  chain::MemberId id = 0;
  const Durable* disk = nullptr;
  std::set<chain::MemberId> excluded;
  std::uint64_t final_height = 0;  // what the member's anchoring (anchor::AnchorPlanner) stored
};

class InvariantChecker {
 public:
  InvariantChecker(const chain::Genesis& genesis, std::set<chain::MemberId> byzantine);

  bool honest(chain::MemberId m) const { return !m_byzantine.count(m); }
  // Durable SignerState/Commit/Evidence saves of one step (only those before a crash point).
  void OnSaves(chain::MemberId m, const StepSaves& saves);
  // A message leaving member `from` (after byzantine rewriting). `genuine` is false for messages
  // with forged signatures, which must not enter the registries.
  void OnSent(chain::MemberId from, const consensus::PeerMessage& msg, bool genuine);
  // `disk` is the member's disk after the step (its epochs and epoch state).
  void OnCommitted(chain::MemberId m, const consensus::CommittedBlock& block, const Durable& disk);
  // The operator of `m` approved the change (`peerdb change approve`).
  void OnOperatorApproved(chain::MemberId m, const Hash32& change_id) { m_operator.insert({m, change_id}); }
  void OnUnanimousClaim(chain::MemberId m, std::uint64_t height, const Durable& disk,
                        const std::set<chain::MemberId>& excluded);
  void OnEvidence(const chain::Evidence& e);
  void CheckFinality(const BitcoinSim& btc, const std::vector<FinalityView>& views, std::uint32_t k);

  const std::optional<std::string>& failure() const { return m_failure; }
  std::uint64_t final_height(chain::MemberId m) const;
  std::size_t evidence_seen() const { return m_evidence.size(); }
  std::set<chain::MemberId> offenders() const { return m_offenders; }
  std::uint64_t canonical_height() const { return m_canonical.size(); }
  std::size_t mc_heights() const { return m_mc.size(); }
  bool HasMc(std::uint64_t h) const { return m_mc.count(h) > 0; }
  bool diverged() const { return m_diverged; }  // honest members committed different blocks at a height

 private:
  struct History {
    std::map<std::uint64_t, Hash32> saved_seal;
    std::set<std::tuple<std::uint64_t, std::uint32_t, Hash32>> saved_votes;
    std::set<std::tuple<std::uint64_t, std::uint32_t, Hash32>> saved_cores;
    std::map<std::uint64_t, std::uint32_t> saved_promised;
    std::map<std::uint64_t, Hash32> sent_seal;
    std::map<std::pair<std::uint64_t, std::uint32_t>, Hash32> sent_vote;
    std::map<std::pair<std::uint64_t, std::uint32_t>, Hash32> sent_core;
    std::map<std::uint64_t, std::uint32_t> sent_rc_max;
    std::uint64_t final_h = 0;
  };
  void Fail(std::string what);
  void RegisterVote(std::uint64_t h, std::uint32_t r, const Hash32& id, chain::MemberId signer);
  void RegisterCert(const chain::MajorityCert& mc);
  void CheckOwnSigned(chain::MemberId m, const consensus::PeerMessage& msg);
  void CheckGovernance(chain::MemberId m, const consensus::CommittedBlock& block, const Durable& disk);
  void CheckApprovalOrdered(chain::MemberId m, const chain::ConfigApprove& a, const char* how);
  const chain::Config& ConfigAt(std::uint64_t h) const { return m_epochs.ConfigAt(h); }
  std::size_t MajAt(std::uint64_t h) const { return ConfigAt(h).Majority(); }

  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  chain::EpochHistory m_epochs;  // of the honest chain that got furthest
  std::set<chain::MemberId> m_byzantine;
  std::map<chain::MemberId, History> m_hist;
  std::map<std::tuple<std::uint64_t, std::uint32_t, Hash32>, std::set<chain::MemberId>> m_votes;
  std::map<std::uint64_t, std::set<Hash32>> m_mc;
  std::map<Hash32, std::set<chain::MemberId>> m_seals;  // genuine seals by block id
  std::map<Hash32, chain::Header> m_headers;            // blocks committed by honest members
  std::vector<Hash32> m_canonical;                      // index = height - 1: first honest commit (I8)
  bool m_diverged = false;
  std::map<std::uint64_t, Hash32> m_final_at;           // FINAL in some honest or auditor view (I4)
  std::set<Hash32> m_evidence;                          // EvidenceKey of evidence checked
  std::set<chain::MemberId> m_offenders;
  std::set<std::pair<chain::MemberId, Hash32>> m_operator;  // (member, change) its operator approved
  std::map<Hash32, Bytes> m_epoch_after;                    // encoded EpochState after a committed head
  std::optional<std::string> m_failure;
};

// I12: one block of a branch above a fork point, as consensus::ForkChoice is fed with it.
struct ForkBlock {
  Hash32 id{};
  Hash32 parent{};
  std::vector<chain::MemberId> sealers;  // genuine seals on this block
  std::uint32_t round = 0;               // the round of its MC
  std::vector<chain::MemberId> voters;   // its MC's voters (what a child's parent_cert carries)
};

// I12 (§4.2, length independence): grows `grow` block by block above `fork` beside the sibling branch
// `other` (both ascend from `fork`: grow[0] and other[0] are its children, other may be empty) and
// checks, in a consensus::ForkChoice rooted at the fork, after every block: |Endorsers(grow[0])| is
// exactly the number of distinct non-excluded sealers of grow so far (it rises only by new members),
// Votes(grow[0]) changes only when grow[0] itself is added, other[0]'s key never moves, and the winner
// at the fork changes only when grow[0]'s key did. Returns the violation, or "" if none.
// Cost: O(L^2) set operations for a branch of L blocks.
std::string CheckForkLengthIndependence(const Hash32& fork, std::uint64_t fork_h, const std::vector<ForkBlock>& grow,
                                        const std::vector<ForkBlock>& other, const std::set<chain::MemberId>& excluded);
// The run-level I12: the last <= 24 blocks of `blocks` (a committed chain) against a sibling of half
// their length made of the same seals and votes under other ids, grown both ways.
std::string CheckChainLengthIndependence(const Hash32& chain_id, const std::vector<consensus::CommittedBlock>& blocks,
                                         const std::set<chain::MemberId>& excluded);
// The ForkBlocks of blocks[from, to) (0-based indices) of a committed chain.
std::vector<ForkBlock> ForkBlocksOf(const std::vector<consensus::CommittedBlock>& blocks, std::size_t from, std::size_t to);

}  // namespace peerdb::sim
