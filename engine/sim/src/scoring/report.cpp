// report(): the five criteria's sections, the pass marks and weights, the overall verdict and
// the lists. Report assembly is O(changed cells + positions after the first changed sum term +
// regions + hairline pieces + scar cells + top findings).
#include <mutex>

#include "scoring/state.h"

namespace smp::sim::scoring {

void State::report_into(ScoreReport& rep) const {
  const std::int64_t n = static_cast<std::int64_t>(dots.size());
  rep.overall = 0.0;
  rep.passed = false;
  rep.impression_count = dots.size();
  rep.criteria.resize(5);
  const std::lock_guard<std::mutex> memo_lock(memo_mu);
  refresh_grid();
  // Bound the memo: a long session lists many dots over time; only the current list matters.
  if (dot_msg_memo.size() > 8 * kMaxFindings) dot_msg_memo.clear();
  spot_buf.clear();
  CriterionScore& depth = rep.criteria[0];
  CriterionScore& spacing = rep.criteria[1];
  CriterionScore& blur = rep.criteria[2];
  CriterionScore& color = rep.criteria[3];
  CriterionScore& cg = rep.criteria[4];
  report_depth(depth);
  report_spacing(spacing);
  report_blurring(blur);
  report_color(color);
  report_case(cg);

  // ---- marks, weights, overall ----
  const CriterionMarks& pm = scenario->pass;
  const CriterionMarks& wt = scenario->weights;
  depth.pass_mark = pm.depth;
  depth.weight = wt.depth;
  spacing.pass_mark = pm.spacing;
  spacing.weight = wt.spacing;
  blur.pass_mark = pm.blurring;
  blur.weight = wt.blurring;
  color.pass_mark = pm.color;
  color.weight = wt.color;
  cg.pass_mark = pm.case_goal;
  cg.weight = wt.case_goal;
  // The pass rules (pass_rules.h) read the same counts as the metrics above; a criterion
  // passes only when its mark and its rules do.
  const GridMemo& gm = grid_memo;
  VerdictFacts facts;
  facts.dots = n;
  facts.in_band = n_in_band;
  facts.touching = n_touching;
  facts.coverage = gm.total > 0.0 ? gm.cov_sum[layout.target_cells.size()] / gm.total : 0.0;
  facts.in_area = n_target;
  facts.expected_dots = layout.total_expected;
  facts.stray = n_outside + n_avoid;
  const bool rules_ok = check_pass_rules(scenario->pass_rules, facts, rep.rules);
  rep.late_impressions = 0;
  double wsum = 0.0, ssum = 0.0;
  bool all = rules_ok;
  for (CriterionScore& c : rep.criteria) {
    c.passed = n > 0 && c.score >= c.pass_mark && rules_passed_for(rep.rules, c.key);
    all = all && c.passed;
    wsum += c.weight;
    ssum += c.weight * c.score;
  }
  rep.overall = wsum > 0.0 ? ssum / wsum : 0.0;

  report_critical_errors(rep);
  const std::int64_t n_crit = n_crit_fat + n_crit_region + n_crit_pigment;
  rep.passed = all && n > 0 && n_crit == 0 && rep.overall >= scenario->pass_overall;
  report_findings(rep);
}

// No spot findings on an empty session: nothing has been done yet, so nothing is wrong yet.
void State::add_spot(Code code, double severity, PointMm pos, SpotFigures figures) const {
  if (dots.empty()) return;
  spot_buf.push_back(Spot{spot_key(level_of(severity), static_cast<std::uint8_t>(code),
                                   static_cast<std::uint32_t>(spot_buf.size())),
                          pos, figures});
}

}  // namespace smp::sim::scoring
