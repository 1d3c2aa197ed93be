// The blurring-risk criterion's report section.
#include <algorithm>
#include <cmath>
#include <string>

#include "scoring/report_text.h"
#include "scoring/state.h"
#include "scoring/sub_scores.h"

namespace smp::sim::scoring {

// ---- blurring ----
void State::report_blurring(CriterionScore& criterion) const {
  const std::int64_t n = static_cast<std::int64_t>(dots.size());
  CriterionScore& blur = start_criterion(criterion, "blurring", "Blurring risk");
  {
    MetricWriter metrics(blur.metrics);
    const double mean_risk = n > 0 ? from_fixed(risk_sum) / static_cast<double>(n) : 0.0;
    blur.score = n > 0 ? 100.0 * clamp01(1.0 - kBlurScale * mean_risk) : 0.0;
    metrics.put({{"mean_risk", mean_risk},
                 {"risky_pct", pct(n_risky, n)},
                 {"reticular_pct", pct(n_reticular, n)},
                 {"heavy_dose_count", static_cast<double>(n_heavy)},
                 {"repeat_pass_count", static_cast<double>(n_repeat)},
                 {"touching_pct", pct(n_touching, n)},
                 {"in_fat_count", static_cast<double>(n_fat)}});
    if (n == 0) {
      blur.explanation = kNoImpressionsYet;
    } else if (n_some_risk == 0) {
      blur.explanation = "Low blurring risk: dots are shallow enough, separate and single.";
    } else {
      // The score is 100 x (1 - 2 x the mean risk): the share of dots with any risk is what
      // lowers it, the high-risk share what "at risk" counts.
      fmt_to(blur.explanation,
             "%s of dots carry some risk of spreading (%s a high risk; mean risk %.2f): %s "
             "deeper than the papillary dermis, %lld repeated passes on a spot, %lld heavy doses, "
             "%s touching.",
             share_text(n_some_risk, n).c_str(), share_text(n_risky, n).c_str(), mean_risk,
             share_text(n_reticular, n).c_str(), static_cast<long long>(n_repeat),
             static_cast<long long>(n_heavy), share_text(n_touching, n).c_str());
    }
  }
}

}  // namespace smp::sim::scoring
