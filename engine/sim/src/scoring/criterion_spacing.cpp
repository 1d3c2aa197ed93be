// The spacing and density criterion's report section.
#include <algorithm>
#include <cmath>
#include <string>

#include "scoring/report_text.h"
#include "scoring/state.h"
#include "scoring/sub_scores.h"

namespace smp::sim::scoring {

// ---- spacing ----
void State::report_spacing(CriterionScore& criterion) const {
  const std::int64_t n = static_cast<std::int64_t>(dots.size());
  const GridMemo& gm = grid_memo;
  CriterionScore& spacing = start_criterion(criterion, "spacing", "Spacing and density");
  {
    MetricWriter metrics(spacing.metrics);
    // The per-cell walk (coverage, evenness, holes, clumps, 10 mm orientation blocks) is kept
    // up to date by refresh_grid().
    const std::size_t t = layout.target_cells.size();
    const double covered = gm.cov_sum[t], total = gm.total, dev_w = gm.dev_w;
    const double dev_sum = gm.dev_sum[t];
    const int holes = gm.holes, clumps = gm.clumps, judged = gm.judged_count;
    const int ordered_cells = gm.ordered, grid_cells = gm.grid;
    const double order_excess_sum = gm.ex_sum.back();
    const double coverage = total > 0.0 ? covered / total : 0.0;
    const double mean_q = n_nn > 0 ? from_fixed(nn_ratio_sum) / static_cast<double>(n_nn) : 0.0;
    const double var_q =
        n_nn > 0 ? std::max(0.0, from_fixed(nn_ratio_sq_sum) / static_cast<double>(n_nn) -
                                     mean_q * mean_q)
                 : 0.0;
    const double cv = mean_q > 0.0 ? std::sqrt(var_q) / mean_q : 0.0;
    const double crowded =
        n_nn > 0 ? static_cast<double>(n_crowded) / static_cast<double>(n_nn) : 0;
    const double touching = n > 0 ? static_cast<double>(n_touching) / static_cast<double>(n) : 0.0;
    const double order_excess = ordered_cells > 0 ? order_excess_sum / ordered_cells : 0.0;
    const double dens_dev = dev_w > 0.0 ? dev_sum / dev_w : 0.0;

    const double s_nn =
        n_nn > 0 ? std::min(ratio_score(mean_q), clamp01(1.0 - crowded / kCrowdedZero)) : 0.0;
    const double s_touch = n > 0 ? clamp01(1.0 - touching / kTouchZero) : 0.0;
    const double s_order =
        clamp01(1.0 - (order_excess - kOrderTolerance) / (kOrderZero - kOrderTolerance));
    const double s_cv =
        n_nn >= kOrderMinDots ? clamp01((cv - kCvZero) / (kCvTolerance - kCvZero)) : 1.0;
    const double s_regular = n > 0 ? std::min(s_order, s_cv) : 0.0;
    const double s_density = judged > 0
                                 ? clamp01(1.0 - (dens_dev - kDensityDevTolerance) /
                                                     (kDensityDevZero - kDensityDevTolerance))
                                 : (n > 0 ? 1.0 : 0.0);
    const double s_cover = clamp01((coverage - kCoverageZero) / (kCoverageFull - kCoverageZero));
    spacing.score =
        n > 0 ? 100.0 * min_mean_blend({s_nn, s_touch, s_regular, s_density, s_cover}) : 0;
    metrics.put({{"mean_nn_ratio", mean_q},
                 {"nn_cv", cv},
                 {"crowded_pct", 100.0 * crowded},
                 {"touching_pct", 100.0 * touching},
                 {"touching_pairs", static_cast<double>(touch_pairs)},
                 {"orientation_order_excess", order_excess},
                 {"coverage_pct", 100.0 * coverage},
                 {"holes", static_cast<double>(holes)},
                 {"clumps", static_cast<double>(clumps)},
                 {"grid_like_cells", static_cast<double>(grid_cells)},
                 {"density_deviation", dens_dev},
                 {"expected_dots", total},
                 {"sub_nn", 100.0 * s_nn},
                 {"sub_touching", 100.0 * s_touch},
                 {"sub_regularity", 100.0 * s_regular},
                 {"sub_evenness", 100.0 * s_density},
                 {"sub_coverage", 100.0 * s_cover}});
    if (n == 0) {
      spacing.explanation = kNoImpressionsYet;
    } else {
      explain(
          spacing.explanation, {s_nn, s_touch, s_regular, s_cover, s_density},
          [&](std::size_t i, std::string& out) {
            switch (i) {
              case 0:
                if (n_nn == 0) {
                  out += "none of the dots is inside the treatment area";
                  break;
                }
                fmt_add(out, "dots sit at %.2fx the expected spacing and %.0f%% are crowded",
                        mean_q, 100.0 * crowded);
                break;
              case 1:
                fmt_add(out, "%.0f%% of dots touch a neighbour (dots must never touch)",
                        100.0 * touching);
                break;
              case 2:
                out += "the pattern is too regular (grid or rows) instead of random";
                break;
              case 3:
                fmt_add(out, "only %.0f%% of the treat area is covered at the target density",
                        100.0 * coverage);
                break;
              default:
                fmt_add(out, "the density is uneven (%d holes, %d clumps in 5 mm squares)", holes,
                        clumps);
                break;
            }
          },
          [&](std::string& out) {
            fmt_add(out, "Even, irregular spacing: %.0f%% coverage at %.2fx the expected spacing.",
                    100.0 * coverage, mean_q);
          });
    }
  }
}

}  // namespace smp::sim::scoring
