// Inputs shared by the smp-bench benchmarks: the full-scalp benchmark scenario and deterministic
// sessions of N impressions / one hour of stylus samples (docs/performance.md, "Workloads").
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/session.h"

namespace smp::bench {

const sim::Scenario& scenario();           // tests/bench/full-scalp.json
const sim::PigmentCatalogue& catalogue();  // assets/pigments.json

// n impressions spread uniformly (a shuffled jittered grid) over the scenario's treat and
// transition zones, ids 0..n-1, depths mostly in band. Same n and salt, same impressions.
std::vector<sim::Impression> impressions(std::size_t n, std::uint64_t salt = 0);

// An empty session on scenario() with the benchmarks' header (trainee "bench", the given seed).
sim::Session bench_session(std::uint64_t seed);

// A one-hour session log (smp-session/1 text): taps and short runs at 140 samples/s.
struct HourLog {
  std::string text;
  std::size_t samples = 0;
  std::size_t contacts = 0;
};
const HourLog& hour_log();

}  // namespace smp::bench
