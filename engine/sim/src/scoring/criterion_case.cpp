// The case-goal criterion's report section: hairline (shaved look), scar camouflage or
// density between hairs (thinning), with their spot findings.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "scoring/report_text.h"
#include "scoring/state.h"
#include "scoring/sub_scores.h"

namespace smp::sim::scoring {

// ---- case goal ----
void State::report_case(CriterionScore& criterion) const {
  const std::int64_t n = static_cast<std::int64_t>(dots.size());
  const GridMemo& gm = grid_memo;
  CriterionScore& cg = start_criterion(criterion, "case", case_label(scenario->case_kind));
  {
    MetricWriter metrics(cg.metrics);
    const double stray =
        n > 0 ? static_cast<double>(n_outside + n_avoid) / static_cast<double>(n) : 0;
    const double s_stray = clamp01(1.0 - stray / kStrayZero);
    // The same sums, in the same order, as the spacing criterion's coverage.
    const double coverage_all = gm.cov_sum[layout.target_cells.size()], expected_all = gm.total;
    const double cov = expected_all > 0.0 ? coverage_all / expected_all : 0.0;
    const double s_cov = clamp01((cov - kCoverageZero) / (kCoverageFull - kCoverageZero));
    std::vector<double> parts;
    metrics.put({{"stray_pct", 100.0 * stray},
                 {"coverage_pct", 100.0 * cov},
                 {"forbidden_region_count", static_cast<double>(n_crit_region)}});
    std::string& why = cg.explanation;
    why.clear();
    switch (scenario->case_kind) {
      case CaseKind::kShavedLook: {
        const double front = n > 0 ? static_cast<double>(n_front) / static_cast<double>(n) : 0;
        const double s_front = clamp01(1.0 - front / kFrontZero);
        metrics.put({{"in_front_of_hairline_count", static_cast<double>(n_front)}});
        if (layout.front.size() >= 2 &&
            layout.band_expected[0] + layout.band_expected[1] + layout.band_expected[2] > 0) {
          // Ramp: each third of the transition zone at its own target density.
          // Judged on the profile (each band relative to the mean of the three), since the
          // overall level is the spacing criterion's business.
          double s_ramp = 1.0, mean_ratio = 0.0;
          std::array<double, kRampBands> ratio{};
          for (std::size_t b = 0; b < kRampBands; ++b) {
            ratio[b] = layout.band_expected[b] > 0
                           ? static_cast<double>(band_count[b]) / layout.band_expected[b]
                           : 1.0;
            mean_ratio += ratio[b] / kRampBands;
          }
          for (std::size_t b = 0; b < kRampBands; ++b)
            s_ramp = std::min(s_ramp, mean_ratio > 0.0 ? count_ratio_score(ratio[b] / mean_ratio,
                                                                           layout.band_expected[b])
                                                       : 0.0);
          // Shape and irregularity: the front-most dot of each ~5 mm piece of the hairline.
          int filled = 0;
          double sum = 0, sum2 = 0;
          for (std::size_t g = 0; g < seg_min_fx.size(); ++g) {
            if (seg_min_fx[g] == kNoSegment) continue;
            const double v = from_fixed(seg_min_fx[g]);
            ++filled;
            sum += v;
            sum2 += v * v;
          }
          const double segs = static_cast<double>(seg_min_fx.size());
          const double mean_off = filled > 0 ? sum / filled : 0.0;
          const double sd_off =
              filled > 1 ? std::sqrt(std::max(0.0, sum2 / filled - mean_off * mean_off)) : 0;
          const double s_gaps = segs > 0 ? filled / segs : 0.0;
          // A sparse front edge cannot start right on the line: tolerate half its spacing.
          const double tol = std::max(kHairlineSetbackMm, 0.5 * layout.front_spacing_mm);
          const double s_setback =
              filled > 0 ? clamp01(1.0 - (mean_off - tol) / kHairlineSetbackSpan) : 0.0;
          const double s_shape = std::min(s_gaps, s_setback);
          const double s_irreg = filled > 1 ? clamp01(sd_off / kIrregularFullMm) : 0.0;
          parts = {s_front, s_ramp, s_shape, s_irreg, s_cov, s_stray};
          metrics.put({{"front_band_density_ratio", ratio[0]},
                       {"middle_band_density_ratio", ratio[1]},
                       {"back_band_density_ratio", ratio[2]},
                       {"hairline_pieces_reached_pct", 100.0 * s_gaps},
                       {"hairline_mean_offset_mm", mean_off},
                       {"hairline_offset_sd_mm", sd_off},
                       {"sub_front", 100 * s_front},
                       {"sub_ramp", 100 * s_ramp},
                       {"sub_shape", 100 * s_shape},
                       {"sub_irregularity", 100 * s_irreg}});
          // Spot findings along the hairline.
          const auto& fr = layout.front;
          auto point_at_arc = [&](double a) {
            for (std::size_t i = 0; i + 1 < fr.size(); ++i) {
              if (a <= layout.front_arc[i + 1] || i + 2 == fr.size()) {
                const double len = layout.front_arc[i + 1] - layout.front_arc[i];
                const double t = len > 0 ? clamp01((a - layout.front_arc[i]) / len) : 0.0;
                return PointMm{fr[i].x_mm + t * (fr[i + 1].x_mm - fr[i].x_mm),
                               fr[i].y_mm + t * (fr[i + 1].y_mm - fr[i].y_mm)};
              }
            }
            return fr.front();
          };
          if (n > 0) {
            for (std::size_t g = 0; g < seg_min_fx.size(); ++g) {
              if (seg_min_fx[g] != kNoSegment) continue;
              add_spot(
                  kHairlineGap, 0.5,
                  point_at_arc((static_cast<double>(g) + 0.5) * layout.front_length_mm / segs));
            }
            if (filled > 1 && s_irreg < 0.5)
              add_spot(kStraightHairline, 0.6 * (1.0 - s_irreg),
                       point_at_arc(0.5 * layout.front_length_mm),
                       SpotFigures{.offset_sd_mm = sd_off});
          }
          explain(
              why, {s_front, s_cov, s_ramp, s_shape, s_irreg, s_stray},
              [&](std::size_t i, std::string& out) {
                switch (i) {
                  case 0:
                    fmt_add(out, "%lld dots are in front of the designed hairline",
                            static_cast<long long>(n_front));
                    break;
                  case 1:
                    fmt_add(out, "only %.0f%% of the area is covered", 100 * cov);
                    break;
                  case 2:
                    fmt_add(out,
                            "the density across the transition zone does not follow the ramp "
                            "toward the front (front/middle/back at %.0f%%/%.0f%%/%.0f%% of "
                            "their targets)",
                            100 * ratio[0], 100 * ratio[1], 100 * ratio[2]);
                    break;
                  case 3:
                    fmt_add(out,
                            "the front edge does not follow the designed hairline (%.0f%% of it "
                            "reached, front-most dots %.1f mm behind it on average)",
                            100 * s_gaps, mean_off);
                    break;
                  case 4:
                    out +=
                        "the front edge is a straight, hard line instead of a soft irregular "
                        "one";
                    break;
                  default:
                    fmt_add(out, "%.0f%% of dots are outside the treatment area", 100 * stray);
                    break;
                }
              },
              [&](std::string& out) {
                out += n_front == 0 ? "A soft, irregular hairline that follows the design, with "
                                      "nothing in front of it."
                                    : "A soft, irregular hairline that follows the design.";
              });
        } else {
          parts = {s_front, s_cov, s_stray};
          fmt_to(why,
                 "No hairline design in this scenario: judged on coverage (%.0f%%) and "
                 "stray dots (%.0f%%).",
                 100 * cov, 100 * stray);
        }
        break;
      }
      case CaseKind::kScar: {
        // Pooled over all scar regions: small scars (FUE dots, ~0.5 mm^2) expect a fraction of
        // a dot each, so only their sum can be judged.
        double in_count = 0, in_exp = 0, ring_count = 0, ring_exp = 0;
        int cells_total = 0, cells_covered = 0;
        for (std::size_t s = 0; s < layout.scars.size(); ++s) {
          const auto& S = layout.scars[s];
          in_count += static_cast<double>(scar_in[s]);
          in_exp += S.expected_in;
          ring_count += static_cast<double>(scar_ring[s]);
          ring_exp += S.expected_ring;
          for (std::size_t c = 0; c < S.cell_in.size(); ++c) {
            if (!S.cell_in[c]) continue;
            ++cells_total;
            if (scar_cells[s][c] > 0) {
              ++cells_covered;
            } else {
              const int ci = static_cast<int>(c) % S.cell_nx, cj = static_cast<int>(c) / S.cell_nx;
              add_spot(
                  kScarUncovered, 0.6,
                  PointMm{S.cell_x0 + (ci + 0.5) * S.cell_mm, S.cell_y0 + (cj + 0.5) * S.cell_mm});
            }
          }
          // A border finding for each scar large enough to judge on its own.
          if (S.expected_in >= kScarSpotMinDots && S.expected_ring >= kScarSpotMinDots) {
            const double in = static_cast<double>(scar_in[s]) / S.expected_in;
            const double ring = static_cast<double>(scar_ring[s]) / S.expected_ring;
            const double b = count_ratio_score((ring + 0.05) / (in + 0.05),
                                               std::min(S.expected_in, S.expected_ring));
            if (b < 0.5)
              add_spot(kScarBorder, 0.7 * (1.0 - b), S.centroid,
                       SpotFigures{.inside_ratio = in, .border_ratio = ring});
          }
        }
        if (layout.scars.empty()) {
          parts = {s_cov, s_stray};
          fmt_to(why, "No scar region in this scenario: judged on coverage (%.0f%%).", 100 * cov);
        } else {
          const double in = in_exp > 0 ? in_count / in_exp : 0.0;
          const double ring = ring_exp > 0 ? ring_count / ring_exp : in;
          const double cf = cells_total > 0 ? static_cast<double>(cells_covered) / cells_total : 1;
          const double s_fill = count_ratio_score(in, in_exp);
          const double s_cells =
              cells_total > 0 ? clamp01((cf - kCoverageZero) / (kCoverageFull - kCoverageZero)) : 1;
          const double s_blend = ring_exp > 0 ? count_ratio_score((ring + 0.05) / (in + 0.05),
                                                                  std::min(in_exp, ring_exp))
                                              : 1.0;
          parts = {s_fill, s_cells, s_blend, s_stray};
          metrics.put({{"scar_density_ratio", in},
                       {"scar_expected_dots", in_exp},
                       {"scar_cells_covered_pct", 100 * cf},
                       {"border_density_ratio", ring},
                       {"sub_scar_density", 100 * s_fill},
                       {"sub_scar_coverage", 100 * s_cells},
                       {"sub_blend", 100 * s_blend}});
          explain(
              why, {s_fill, s_cells, s_blend, s_stray},
              [&](std::size_t i, std::string& out) {
                switch (i) {
                  case 0:
                    fmt_add(out, "the scars hold %.0f%% of their target density", 100 * in);
                    break;
                  case 1:
                    fmt_add(out, "parts of the scar are left bare (%.0f%% of it covered)",
                            100 * cf);
                    break;
                  case 2:
                    fmt_add(out,
                            "the density just around the scars (%.0f%% of target) does not match "
                            "their own (%.0f%%), so their edges show",
                            100 * ring, 100 * in);
                    break;
                  default:
                    fmt_add(out, "%.0f%% of dots are outside the treatment area", 100 * stray);
                    break;
                }
              },
              [](std::string& out) {
                out +=
                    "The scars are filled at the target density and blend into the skin around "
                    "them.";
              });
        }
        break;
      }
      case CaseKind::kThinning: {
        const double under = n > 0 ? static_cast<double>(n_under_hair) / static_cast<double>(n) : 0;
        const double s_between = n > 0 ? clamp01(1.0 - under / kUnderHairZero) : 0.0;
        const double ratio =
            layout.total_expected > 0 ? static_cast<double>(n_target) / layout.total_expected : 0.0;
        const double s_dens = count_ratio_score(ratio, layout.total_expected);
        parts = {s_between, s_dens, s_cov, s_stray};
        metrics.put({{"under_hair_pct", 100 * under},
                     {"density_ratio", ratio},
                     {"sub_between_hairs", 100 * s_between},
                     {"sub_density", 100 * s_dens}});
        explain(
            why, {s_between, s_dens, s_cov, s_stray},
            [&](std::size_t i, std::string& out) {
              switch (i) {
                case 0:
                  fmt_add(out, "%.0f%% of dots sit under existing hairs, where they add nothing",
                          100 * under);
                  break;
                case 1:
                  fmt_add(out,
                          "the dot density is %.0f%% of what reduces the scalp-to-hair contrast",
                          100 * ratio);
                  break;
                case 2:
                  fmt_add(out, "only %.0f%% of the thinning area is covered", 100 * cov);
                  break;
                default:
                  fmt_add(out, "%.0f%% of dots are outside the treatment area", 100 * stray);
                  break;
              }
            },
            [](std::string& out) {
              out += "Dots sit between the hairs at a density that hides the scalp's contrast.";
            });
        break;
      }
    }
    cg.score = n > 0 ? 100.0 * min_mean_blend(parts) : 0.0;
    if (n == 0) cg.explanation = kNoImpressionsYet;
  }
}

}  // namespace smp::sim::scoring
