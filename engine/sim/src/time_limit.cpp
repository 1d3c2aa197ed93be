// The time limit's verdict (time_limit.h, docs/scoring.md "Time limit").
#include "smp/sim/time_limit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace smp::sim {

namespace {

// "45:00" or "1:05:00" for whole seconds.
std::string clock_text(double s) {
  const long long t = std::llround(std::max(0.0, s));
  char buf[32];
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", t / 3600, (t / 60) % 60, t % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", t / 60, t % 60);
  }
  return buf;
}

}  // namespace

bool after_time_limit(const Scenario& scenario, double t_s) {
  return scenario.time_limit_s && t_s > *scenario.time_limit_s;
}

OverTime over_time_rule(const Scenario& scenario) {
  if (scenario.pass_rules.over_time) return *scenario.pass_rules.over_time;
  return scenario.mode == Mode::kAssessment ? OverTime::kFail : OverTime::kStopCounting;
}

void apply_time_limit(const Scenario& scenario, std::size_t late_impressions, ScoreReport& report) {
  report.late_impressions = late_impressions;
  if (!scenario.time_limit_s) return;
  const double limit = *scenario.time_limit_s;
  const bool fails = over_time_rule(scenario) == OverTime::kFail;
  RuleCheck& r = report.rules.emplace_back();
  r.key = "time";
  r.criterion.clear();
  r.value = static_cast<double>(late_impressions);
  r.min = 0.0;
  r.max = limit;
  const std::string clock = clock_text(limit);
  if (late_impressions == 0) {
    r.passed = true;
    r.text = "finished within the " + clock + " time limit";
    return;
  }
  r.passed = !fails;
  r.text = "over time: " + std::to_string(late_impressions) + " dot" +
           (late_impressions == 1 ? "" : "s") + " placed after the " + clock +
           " limit not counted" + (fails ? " (an over-time attempt fails)" : "");
  if (fails) report.passed = false;
}

}  // namespace smp::sim
