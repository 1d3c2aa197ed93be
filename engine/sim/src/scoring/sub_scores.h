// How measured figures become 0..1 sub-scores, and how sub-scores combine into a criterion.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "scoring/constants.h"
#include "scoring/numeric.h"

namespace smp::sim::scoring {

inline double pct(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}
// The blend used to combine sub-scores: one bad factor must be able to fail a criterion.
inline double min_mean_blend(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double mn = 1.0, sum = 0.0;
  for (double x : v) {
    mn = std::min(mn, x);
    sum += x;
  }
  return 0.5 * mn + 0.5 * sum / static_cast<double>(v.size());
}
// A ratio to its target: within 10% either way costs nothing, a factor of 2 either way scores 0
// (linear in |ln ratio| between).
inline double ratio_score(double ratio) {
  if (!(ratio > 0.0)) return 0.0;
  const double tol = std::log(kRatioTolerance);
  return clamp01(1.0 - (std::fabs(std::log(ratio)) - tol) / (std::log(2.0) - tol));
}
// The same for a ratio of counts whose target is only `expected` dots: chance alone moves such a
// count by about sqrt(expected), so the free band widens to 1.5 / sqrt(expected) when that is
// more than 10%, and the span to zero stays the same (ln 2 - ln 1.1).
inline double count_ratio_score(double ratio, double expected) {
  if (!(ratio > 0.0)) return 0.0;
  const double tol = std::log(
      std::max(kRatioTolerance, 1.0 + kCountNoiseWidth / std::sqrt(std::max(expected, 1e-9))));
  const double span = std::log(2.0) - std::log(kRatioTolerance);
  return clamp01(1.0 - (std::fabs(std::log(ratio)) - tol) / span);
}

// The density rule of a 5 mm analysis cell: judged when at least half of it is in the treat area
// and it expects at least kJudgedCellExpected dots; then a hole below kHoleRatio of its target,
// a clump above kClumpRatio. (The report memo and the per-dot feedback both use these.)
inline bool is_judged_cell(double fraction_inside, double expected) {
  return fraction_inside >= kJudgedCellFraction && expected >= kJudgedCellExpected;
}
enum class CellDensity { kOnTarget, kHole, kClump };
inline CellDensity cell_density(double count, double expected) {
  const double ratio = count / expected;
  if (ratio < kHoleRatio) return CellDensity::kHole;
  if (ratio > kClumpRatio) return CellDensity::kClump;
  return CellDensity::kOnTarget;
}
}  // namespace smp::sim::scoring
