// The colour criterion's report section.
#include <algorithm>
#include <cmath>
#include <string>

#include "scoring/report_text.h"
#include "scoring/state.h"
#include "scoring/sub_scores.h"

namespace smp::sim::scoring {

// ---- colour ----
void State::report_color(CriterionScore& criterion) const {
  const std::int64_t n = static_cast<std::int64_t>(dots.size());
  CriterionScore& color = start_criterion(criterion, "color", "Colour choice");
  {
    MetricWriter metrics(color.metrics);
    color.score = n > 0 ? 100.0 * from_fixed(color_sum) / static_cast<double>(n) : 0.0;
    const double mean_de =
        n_color > 0 ? from_fixed(delta_e_sum_fx) / static_cast<double>(n_color) : 0.0;
    metrics.put({{"mean_delta_e00", mean_de},
                 {"target_L", layout.target.L},
                 {"target_a", layout.target.a},
                 {"target_b", layout.target.b},
                 {"black_in_temporary_count", static_cast<double>(n_black_temp)},
                 {"darker_than_hair_count", static_cast<double>(n_dark_hair)},
                 {"forbidden_pigment_count", static_cast<double>(n_crit_pigment)}});
    if (n == 0) {
      color.explanation = kNoImpressionsYet;
    } else {
      fmt_to(color.explanation,
             "Healed dots differ from the target shade by %.1f CIEDE2000 on average "
             "(up to %.1f is invisible at dot size).",
             mean_de, kColorTolerance);
      if (n_black_temp > 0)
        fmt_add(color.explanation,
                " %lld dots use a black-containing pigment, which temporary "
                "technique avoids.",
                static_cast<long long>(n_black_temp));
      if (n_dark_hair > 0)
        fmt_add(color.explanation, " %lld dots heal darker than the client's hair.",
                static_cast<long long>(n_dark_hair));
      if (n_crit_pigment > 0)
        fmt_add(color.explanation, " %lld dots use a pigment this scenario does not allow.",
                static_cast<long long>(n_crit_pigment));
    }
  }
}

}  // namespace smp::sim::scoring
