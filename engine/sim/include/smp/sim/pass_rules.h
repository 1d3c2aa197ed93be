// Criterion-referenced pass rules: limits an instructor can read ("92% of dots in band, needs
// 90%"), checked beside the 0-100 pass marks (docs/scoring.md, "Verdict"). The defaults make an
// attempt fail on the classic faults (a fifth of the dots outside the depth band, a tenth
// touching, a fifth of the area unworked, density below 2/3 or above 1.5x the target) and let an
// expert's attempt with a few slips pass.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace smp::sim {

// What happens to work placed after `time_limit_s`. In both cases it is not counted and the
// attempt is marked over time; kFail also fails the attempt.
enum class OverTime { kFail, kStopCounting };

struct PassRules {
  double min_in_band_pct = 90.0;   // dots inside their region's depth band
  double max_touching_pct = 5.0;   // dots whose healed disc overlaps another's
  double min_coverage_pct = 80.0;  // worked-area coverage at the target density (spacing)
  double min_density_ratio = 0.75, max_density_ratio = 4.0 / 3.0;  // dots in area / target
  double max_stray_pct = 5.0;  // dots outside every treatment region or in an avoid region
  // Unset: kFail in assessment mode, kStopCounting in practice mode (over_time_rule()).
  std::optional<OverTime> over_time;
  friend bool operator==(const PassRules&, const PassRules&) = default;
};

// The measurable facts the rules read, from the scorer's running counts (one source of truth:
// the same counts give the criteria's metrics).
struct VerdictFacts {
  std::int64_t dots = 0;       // impressions scored
  std::int64_t in_band = 0;    // inside their depth band
  std::int64_t touching = 0;   // touching a neighbour
  double coverage = 0.0;       // 0..1, as the spacing criterion's coverage_pct / 100
  std::int64_t in_area = 0;    // inside the treatment area
  double expected_dots = 0.0;  // the treatment area's target count
  std::int64_t stray = 0;      // outside every treatment region or in an avoid region
};

// One checked rule, as shown to trainee and instructor.
struct RuleCheck {
  std::string key;        // "in_band", "touching", "coverage", "density", "stray", "time"
  std::string criterion;  // the criterion it belongs to ("depth", "spacing", "case"; "" = attempt)
  double value = 0.0;     // the measured figure (percent, or a ratio for "density")
  double min = 0.0, max = 0.0;  // the limits (a bound that does not apply is 0 / the cap)
  bool passed = false;
  std::string text;  // e.g. "92% of dots in band (needs 90%)"
};

// Checks every rule against the facts; writes one RuleCheck per rule into `out` (reusing its
// storage) and returns true when all pass. With no dots every rule fails.
bool check_pass_rules(const PassRules& rules, const VerdictFacts& facts,
                      std::vector<RuleCheck>& out);

// True when every rule belonging to `criterion` passed.
bool rules_passed_for(const std::vector<RuleCheck>& checks, const std::string& criterion);

}  // namespace smp::sim
