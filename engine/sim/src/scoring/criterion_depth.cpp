// The depth criterion's report section (its add-time part: State::commit_depth, add.cpp).
#include <algorithm>
#include <cmath>
#include <string>

#include "scoring/report_text.h"
#include "scoring/state.h"
#include "scoring/sub_scores.h"

namespace smp::sim::scoring {

// ---- depth ----
void State::report_depth(CriterionScore& criterion) const {
  const std::int64_t n = static_cast<std::int64_t>(dots.size());
  CriterionScore& depth = start_criterion(criterion, "depth", "Depth accuracy");
  {
    MetricWriter metrics(depth.metrics);
    const double score = n > 0 ? 100.0 * from_fixed(depth_sum) / static_cast<double>(n) : 0.0;
    depth.score = score;
    metrics.put({{"in_band_pct", pct(n_in_band, n)},
                 {"too_shallow_pct", pct(n_shallow, n)},
                 {"too_deep_pct", pct(n_deep, n)},
                 {"in_fat_count", static_cast<double>(n_fat)},
                 {"mean_error_outside_band_mm",
                  n > 0 ? from_fixed(depth_err_sum_fx) / static_cast<double>(n) : 0.0}});
    if (n == 0) {
      depth.explanation = kNoImpressionsYet;
    } else {
      fmt_to(depth.explanation,
             "%s of %lld dots sit in the target depth band; %s are too shallow (they fade "
             "within weeks) and %s too deep (blur, blue cast).",
             share_text(n_in_band, n).c_str(), static_cast<long long>(n),
             share_text(n_shallow, n).c_str(), share_text(n_deep, n).c_str());
      const std::int64_t n_out = n_shallow + n_deep + n_fat;
      if (n_out > 0)
        fmt_add(depth.explanation, " Those outside miss the band by %.2f mm on average.",
                from_fixed(depth_err_sum_fx) / static_cast<double>(n_out));
      if (n_fat > 0)
        fmt_add(depth.explanation, " %lld went into the fat layer (critical error: blowout).",
                static_cast<long long>(n_fat));
    }
  }
}

}  // namespace smp::sim::scoring
