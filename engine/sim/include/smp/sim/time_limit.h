// The scenario's time limit, applied the same way by the trainer, `smp score` and `smp report`
// (all of them score through Simulation, docs/scoring.md "Time limit"): an impression placed
// after `time_limit_s`, and every impression after it, is late: kept in the session but not
// scored; the attempt is marked over time, and fails when the scenario's over-time rule says so
// (the default in assessment mode). Work done entirely after the limit scores nothing, so it
// never passes.
#pragma once
#include <cstddef>

#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"

namespace smp::sim {

// True when work at t_s is after the scenario's limit (never without a limit).
bool after_time_limit(const Scenario& scenario, double t_s);

// The over-time rule in force: the scenario's `pass_rules.over_time`, else kFail in assessment
// mode and kStopCounting in practice mode.
OverTime over_time_rule(const Scenario& scenario);

// Marks `report` (made from the impressions before the limit) with the time verdict: sets
// report.late_impressions, adds a "time" RuleCheck when the scenario has a limit, and clears
// report.passed when the attempt is over time under kFail.
void apply_time_limit(const Scenario& scenario, std::size_t late_impressions, ScoreReport& report);

}  // namespace smp::sim
