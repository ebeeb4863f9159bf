// Scenarios of PROTOCOL.md §7.2 where the byzantine members are a majority: row 13 (they vote for
// and seal blocks that break C6) and row 14 (they build a long alternate branch above the last
// FINAL block). Registered in the table of scenarios.cpp.
// Thread-safety: pure functions returning a SimConfig; running it is single-threaded.
#pragma once

#include <cstdint>

#include "simulation.h"

namespace peerdb::sim {

SimConfig ByzantineMajorityInvalid(std::uint64_t seed);  // row 13, scenarios_majority.cpp
SimConfig LongAlternateBranch(std::uint64_t seed);       // row 14, scenarios_branch.cpp

}  // namespace peerdb::sim
