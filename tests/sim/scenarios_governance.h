// Config-change scenarios (PROTOCOL.md §5.3; issue "governance"): ADD and REMOVE under crashes and
// partitions, a silent member removed without its consent, a change that lapses, a byzantine
// member approving on two branches, and a key rotation with crashes between its steps.
// Registered in the table of scenarios.cpp.
// Thread-safety: pure functions returning a SimConfig; running it is single-threaded.
#pragma once

#include <cstdint>

#include "simulation.h"

namespace peerdb::sim {

SimConfig GovAddMember(std::uint64_t seed);
SimConfig GovRemoveMember(std::uint64_t seed);
SimConfig GovSilentTarget(std::uint64_t seed);
SimConfig GovChangeLapses(std::uint64_t seed);
SimConfig GovByzantineTwoBranches(std::uint64_t seed);
SimConfig GovRotateKeyCrash(std::uint64_t seed);

}  // namespace peerdb::sim
