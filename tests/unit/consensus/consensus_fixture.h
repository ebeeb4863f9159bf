// Test fixture for the consensus machine: an in-memory Application with a deterministic executor
// (state_root = H(parent state_root || batches_root)) and a small cluster that delivers actions in
// FIFO order with a virtual clock. Deterministic: same calls, same trace.
// Thread-safety: single-threaded tests only.
#pragma once

#include <deque>
#include <functional>
#include <random>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "peerdb/chain/block.h"
#include "peerdb/consensus/machine.h"

namespace peerdb::consensus::testing {

crypto::SigningKey KeyOf(chain::MemberId id);
chain::Params FastParams();
chain::Genesis MakeTestGenesis(std::size_t members, const chain::Params& params = FastParams());
chain::TxBatch MakeSignedBatch(const Hash32& chain_id, chain::MemberId author, std::uint64_t seq,
                               std::uint64_t valid_until = 1'000'000);

class TestApp : public Application {
 public:
  TestApp(const chain::Genesis& genesis);

  Result<chain::Block> Build(const BlockTemplate& t, std::vector<chain::TxBatch>* dropped) override;
  Status Check(const chain::Block& block, const BlockRulesInForce& rules) override;
  void Commit(const CommittedBlock& block, const chain::EpochStep& epoch) override;
  void AddSeals(std::uint64_t height, const std::vector<chain::Seal>& seals) override;
  std::optional<CommittedBlock> LoadCommitted(std::uint64_t height) const override;
  void SaveSigner(const chain::SignerState& state) override;
  void SaveCandidates(const std::vector<chain::Proposal>& proposals) override;
  void SaveEvidence(const chain::Evidence& evidence) override;

  // What a restart would read back.
  Snapshot MakeSnapshot(chain::MemberId self) const;
  std::uint64_t head() const { return m_blocks.size(); }
  Hash32 StateRootAt(std::uint64_t height) const;

  chain::Genesis genesis;
  Hash32 chain_id{};
  std::vector<CommittedBlock> m_blocks;  // index = height - 1
  chain::SignerState signer;
  std::vector<chain::Evidence> evidence;
  std::size_t save_signer_calls = 0;
  std::vector<chain::Proposal> candidates;  // as last saved by SaveCandidates
  std::size_t save_candidates_calls = 0;
  std::function<void()> on_save_candidates;  // runs after each save (crash-point tests)
  std::optional<std::string> reject;  // Check() fails with this message when set (A1b tests)
  std::int64_t clock_skew_ms = 0;     // added to the timestamps of blocks it builds (A7 tests)
  std::set<chain::MemberId> censor;   // authors whose batches Build leaves out silently (A6 tests)
  std::vector<chain::EpochStep> epochs;  // the epoch step of each committed block, index = height - 1
};

struct Node {
  std::unique_ptr<TestApp> app;
  std::unique_ptr<Machine> machine;
  bool alive = true;
  std::vector<Action> log;  // every action it returned
};

class Cluster {
 public:
  explicit Cluster(std::size_t n, const chain::Params& params = FastParams());

  Node& node(chain::MemberId id) { return m_nodes.at(id - 1); }
  std::size_t size() const { return m_nodes.size(); }
  std::uint64_t now() const { return m_now; }
  const chain::Genesis& genesis() const { return m_genesis; }
  Hash32 chain_id() const { return m_chain_id; }

  // Runs the cluster until `until_ms` or until `stop()` holds (checked after every delivery/tick).
  void RunUntil(std::uint64_t until_ms, const std::function<bool()>& stop = {});
  // Steps one machine with an event now and routes its actions.
  void Deliver(chain::MemberId to, const Event& e);
  // Stops a machine; what it had not sent yet is lost with it, including the actions of a step
  // it crashes in (from on_step), so a restart never leaks messages of the old process.
  void Crash(chain::MemberId id);
  // Rebuilds the machine from its application's durable state.
  void Restart(chain::MemberId id);
  // Drops messages matching `drop(from, to, msg)`.
  std::function<bool(chain::MemberId, chain::MemberId, const PeerMessage&)> drop;
  // Called with every step's actions before they are routed (the durable state is what it was
  // when the step returned).
  std::function<void(chain::MemberId, const std::vector<Action>&)> on_step;

  std::uint64_t MinHead() const;
  std::size_t ticks() const { return m_ticks; }
  // Seeded network faults: messages picked out of order, dropped and duplicated at these rates.
  void SetFaults(std::uint32_t seed, double drop_rate, double dup_rate, bool reorder) {
    m_rng.seed(seed);
    m_drop_rate = drop_rate;
    m_dup_rate = dup_rate;
    m_reorder = reorder;
  }
  bool AllAliveHeadsAtLeast(std::uint64_t h) const;

 private:
  void Route(chain::MemberId from, std::vector<Action> actions);
  struct InFlight { chain::MemberId from, to; PeerMessage msg; };
  chain::Genesis m_genesis;
  Hash32 m_chain_id{};
  std::vector<Node> m_nodes;
  std::deque<InFlight> m_queue;
  std::uint64_t m_now = 0;
  std::size_t m_ticks = 0;
  std::mt19937 m_rng{1};
  double m_drop_rate = 0, m_dup_rate = 0;
  bool m_reorder = false;
};

// Actions of one kind from a log.
template <class A>
std::vector<A> ActionsOf(const std::vector<Action>& log) {
  std::vector<A> out;
  for (const Action& a : log) {
    if (const A* x = std::get_if<A>(&a)) out.push_back(*x);
  }
  return out;
}

bool HasAlert(const std::vector<Action>& log, AlertKind kind, chain::MemberId member = 0);

bool IsProposalFrom(const PeerMessage& m, chain::MemberId signer);

// A Cluster::drop filter: `proposer`'s own proposals reach only member `to`; the block id of the
// last one is written to `*block_id`. Everything else passes.
std::function<bool(chain::MemberId, chain::MemberId, const PeerMessage&)> ProposalsOfOnlyReach(
    chain::MemberId proposer, chain::MemberId to, std::optional<Hash32>* block_id);

// E2 evidence: `offender` (keyed by KeyOf) signed two votes for different blocks at (1, 0).
chain::Evidence DoubleVoteBy(chain::MemberId offender, const Hash32& chain_id);

}  // namespace peerdb::consensus::testing
