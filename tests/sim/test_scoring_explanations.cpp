// Explanations never contradict their numbers (issue 10, section 3): property tests over many
// generated attempts on the shipped scenarios, from clean work to every kind of mistake.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sim_test_support.h"
#include "smp/sim/scoring.h"

namespace smp::sim {
namespace {

double metric(const CriterionScore& c, const std::string& key) {
  for (const auto& [k, v] : c.metrics)
    if (k == key) return v;
  ADD_FAILURE() << "no metric " << key << " in " << c.key;
  return 0.0;
}

bool has(const std::string& text, const std::string& phrase) {
  return text.find(phrase) != std::string::npos;
}

// One attempt: dots over the scenario's extent (some land outside or in front of the hairline),
// with a random share too deep, too shallow, heavy or repeated.
std::vector<Impression> attempt(const Scenario& s, std::mt19937_64& rng) {
  BoxMm box{{1e9, 1e9}, {-1e9, -1e9}};
  for (const Region& r : s.regions)
    for (PointMm p : r.polygon_mm) {
      box.min.x_mm = std::min(box.min.x_mm, p.x_mm);
      box.min.y_mm = std::min(box.min.y_mm, p.y_mm);
      box.max.x_mm = std::max(box.max.x_mm, p.x_mm);
      box.max.y_mm = std::max(box.max.y_mm, p.y_mm);
    }
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double shares[] = {0.0, 0.002, 0.01, 0.05, 0.2, 0.5};
  auto pick = [&] { return shares[static_cast<std::size_t>(u(rng) * 6) % 6]; };
  const double deep = pick(), shallow = pick(), heavy = pick(), repeat = pick();
  const int n = 200 + static_cast<int>(u(rng) * 1800);
  std::vector<Impression> out;
  for (int i = 0; i < n; ++i) {
    Impression imp;
    imp.id = static_cast<std::uint32_t>(i);
    const bool again = i > 0 && u(rng) < repeat;
    imp.pos = again ? out[static_cast<std::size_t>(u(rng) * i)].pos
                    : PointMm{box.min.x_mm + u(rng) * (box.max.x_mm - box.min.x_mm),
                              box.min.y_mm + u(rng) * (box.max.y_mm - box.min.y_mm)};
    const double r = u(rng);
    imp.depth_mm = r < deep ? 0.9 + 0.5 * u(rng) : r < deep + shallow ? 0.02 : 0.25;
    imp.layer = layer_at_depth(s.skin, imp.depth_mm);
    imp.fresh_diameter_mm = 0.2;
    imp.pigment = s.pigments_allowed.empty() ? "smp-grey-2" : s.pigments_allowed.front();
    imp.dilution = 0.2;
    imp.dose = u(rng) < heavy ? 3.0 : 1.0;
    imp.t_s = 0.1 * i;
    out.push_back(imp);
  }
  return out;
}

TEST(ScoringExplanations, NeverContradictTheirNumbers) {
  std::mt19937_64 rng(10);
  int checked = 0;
  for (const char* path : {"scenarios/frontal-hairline.json", "scenarios/strip-scar.json",
                           "scenarios/diffuse-thinning.json"}) {
    const Scenario s = test::load_scenario(path);
    for (int trial = 0; trial < 12; ++trial) {
      const std::vector<Impression> dots = attempt(s, rng);
      const ScoreReport rep = score_batch(s, test::catalogue(), dots);
      ASSERT_EQ(rep.criteria.size(), 5u);
      const CriterionScore &depth = rep.criteria[0], &blur = rep.criteria[2], &cg = rep.criteria[4];
      SCOPED_TRACE(std::string(path) + " trial " + std::to_string(trial));
      // Depth: a share is "0%" only when nobody is in it.
      if (metric(depth, "too_shallow_pct") > 0) {
        EXPECT_FALSE(has(depth.explanation, " 0% are"));
      }
      if (metric(depth, "too_deep_pct") > 0) {
        EXPECT_FALSE(has(depth.explanation, " 0% too deep"));
      }
      if (metric(depth, "in_band_pct") > 0) {
        EXPECT_NE(depth.explanation.rfind("0% of", 0), 0u);
      }
      // Blurring: a score below 100 names a non-zero share of dots at some risk.
      if (blur.score < 100.0) {
        EXPECT_FALSE(has(blur.explanation, "Low blurring risk")) << blur.explanation;
        EXPECT_NE(blur.explanation.rfind("0% of dots carry", 0), 0u) << blur.explanation;
      }
      if (metric(blur, "risky_pct") > 0) {
        EXPECT_FALSE(has(blur.explanation, "(0% a high"));
      }
      // Hairline: "nothing in front" only when nothing is.
      if (s.case_kind == CaseKind::kShavedLook && metric(cg, "in_front_of_hairline_count") > 0) {
        EXPECT_FALSE(has(cg.explanation, "nothing in front")) << cg.explanation;
      }
      // Every failing criterion says why ("Main problem" or a figure), never only praise.
      for (const CriterionScore& c : rep.criteria) {
        if (!c.passed && c.score < 50.0) {
          EXPECT_FALSE(has(c.explanation, "Low blurring risk"));
        }
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 36);
}

}  // namespace
}  // namespace smp::sim
