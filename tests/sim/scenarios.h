// Named scenarios: one per row of PROTOCOL.md §7.2 that this machine can express, plus "random".
// Each builds a SimConfig from a seed: the faults it schedules and the outcomes the spec expects.
// Thread-safety: the table is immutable; running a scenario is single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "simulation.h"

namespace peerdb::sim {

struct Scenario {
  std::string name;       // --scenario NAME
  std::string test_name;  // the GoogleTest case, Sim.<test_name>
  std::string row;        // §7.2 row(s)
  std::string summary;
  std::function<SimConfig(std::uint64_t seed)> make;
};

const std::vector<Scenario>& Scenarios();
SimConfig ForgedHistory(std::uint64_t seed);  // §7.2 row 15, scenario_forged_history.cpp
const Scenario* FindScenario(std::string_view name);
// tolerate_known_gaps: liveness failures of scenarios with a known machine gap become notes.
SimResult RunScenario(const Scenario& s, std::uint64_t seed, bool trace = false, bool tolerate_known_gaps = false);
// The command that replays a run exactly; `program` is the path of the peerdb_sim binary.
std::string ReplayLine(const Scenario& s, std::uint64_t seed, const std::string& program = "peerdb_sim");

}  // namespace peerdb::sim
