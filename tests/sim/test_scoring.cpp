// Scoring: an expert-like pattern passes every criterion and beats each single defect on the
// criterion that defect concerns; depth error is monotone; critical errors fail the attempt;
// incremental == batch bit for bit, pop_back restores exactly, runs are deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sim_test_support.h"
#include "smp/sim/color.h"
#include "smp/sim/healing.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"

namespace smp::sim {
namespace {

using test::catalogue;

Scenario load(const std::string& name) {
  return test::load_scenario("scenarios/" + name);
}

PolygonMm rect(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
}

// A 40 x 40 mm crown square at 60 dots/cm^2, papillary band 0.10-0.40 mm.
Scenario square_scenario(Technique technique = Technique::kPermanent) {
  Scenario s;
  s.id = "test-square";
  s.case_kind = CaseKind::kShavedLook;
  s.technique = technique;
  s.patient.fitzpatrick = 3;
  s.patient.skin_lab = skin_lab_for_fitzpatrick(3);
  s.patient.hair_lab = Lab{24.0, 3.0, 6.0};
  Region r;
  r.id = "crown";
  r.role = RegionRole::kTreat;
  r.polygon_mm = rect(0, 0, 40, 40);
  r.density_per_cm2 = 60;
  r.depth_min_mm = 0.10;
  r.depth_max_mm = 0.40;
  s.regions = {r};
  for (const Pigment& p : catalogue().all()) {
    const bool temp = p.particle == ParticleClass::kTemporary;
    // A temporary scenario offers both kinds, so choosing black is the trainee's mistake.
    if (technique == Technique::kTemporary || !temp) s.pigments_allowed.push_back(p.id);
  }
  return s;
}

struct Ink {
  std::string pigment;
  double dilution = 0.0;
};

double band_mid(const Scenario& s, PointMm p) {
  for (std::size_t i : regions_at(s, p)) {
    const Region& r = s.regions[i];
    if (r.depth_max_mm > r.depth_min_mm) return 0.5 * (r.depth_min_mm + r.depth_max_mm);
  }
  const SkinLayersMm l = skin_at(s, p).layers;
  return l.epidermis_mm + 0.5 * l.papillary_mm;
}

// What an expert does at the chair: the allowed pigment and dilution whose healed dot comes
// closest to the target shade (no black in temporary work, never darker than the hair).
Ink expert_ink(const Scenario& s, PointMm probe) {
  Ink best;
  double best_de = 1e9;
  const Lab target = target_color(s);
  const SkinSample skin = skin_at(s, probe);
  for (const std::string& id : s.pigments_allowed) {
    const Pigment* p = catalogue().find(id);
    if (p == nullptr) continue;
    if (s.technique == Technique::kTemporary && p->carbon_black_fraction > 0.0) continue;
    for (int k = 0; k <= 18; ++k) {
      Impression imp;
      imp.pos = probe;
      imp.depth_mm = band_mid(s, probe);
      imp.layer = layer_at_depth(skin.layers, imp.depth_mm);
      imp.pigment = id;
      imp.dilution = 0.05 * k;
      imp.fresh_diameter_mm = 0.2;
      const Appearance a = appearance_at(imp, skin, *p, s.patient.skin_lab, 30.0);
      if (s.case_kind == CaseKind::kThinning && a.color.L < s.patient.hair_lab.L) continue;
      const double de = ciede2000(a.color, target);
      if (de < best_de) {
        best_de = de;
        best = Ink{id, imp.dilution};
      }
    }
  }
  return best;
}

// Dart throwing (Poisson-disc / blue noise): candidate points accepted with probability
// density(p) / max_density and kept only if no earlier dot is closer than 0.7 / sqrt(density),
// until `count` dots are placed or the attempts run out.
std::vector<PointMm> blue_noise(double x0, double y0, double x1, double y1,
                                const std::function<double(PointMm)>& density_mm2,
                                double max_density_mm2, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(x0, x1), uy(y0, y1), u01(0.0, 1.0);
  std::vector<PointMm> pts;
  const double cell = 0.7 / std::sqrt(max_density_mm2) / 2.0;
  const int nx = static_cast<int>((x1 - x0) / cell) + 1,
            ny = static_cast<int>((y1 - y0) / cell) + 1;
  std::vector<std::vector<std::uint32_t>> grid(static_cast<std::size_t>(nx * ny));
  for (std::size_t attempt = 0; pts.size() < count && attempt < count * 200; ++attempt) {
    const PointMm p{ux(rng), uy(rng)};
    const double d = density_mm2(p);
    if (d <= 0.0 || u01(rng) * max_density_mm2 > d) continue;
    const double r = 0.7 / std::sqrt(d);
    const int span = static_cast<int>(std::ceil(r / cell));
    const int ci = static_cast<int>((p.x_mm - x0) / cell),
              cj = static_cast<int>((p.y_mm - y0) / cell);
    bool ok = true;
    for (int j = std::max(0, cj - span); ok && j <= std::min(ny - 1, cj + span); ++j)
      for (int i = std::max(0, ci - span); ok && i <= std::min(nx - 1, ci + span); ++i)
        for (std::uint32_t o : grid[static_cast<std::size_t>(j * nx + i)])
          if (distance_mm(pts[o], p) < std::max(r, 0.7 / std::sqrt(density_mm2(pts[o])))) {
            ok = false;
            break;
          }
    if (!ok) continue;
    grid[static_cast<std::size_t>(cj * nx + ci)].push_back(static_cast<std::uint32_t>(pts.size()));
    pts.push_back(p);
  }
  return pts;
}

std::vector<PointMm> square_blue_noise(double density_per_cm2, std::uint64_t seed) {
  const double lam = density_per_cm2 / 100.0;
  return blue_noise(
      0, 0, 40, 40, [lam](PointMm) { return lam; }, lam,
      static_cast<std::size_t>(std::lround(lam * 1600.0)), seed);
}

// Impressions at the given points: the expert ink, `depth` (or mid-band when < 0), small
// deterministic depth jitter like a steady hand.
std::vector<Impression> impressions(const Scenario& s, const std::vector<PointMm>& pts,
                                    const Ink& ink, double depth = -1.0, std::uint64_t seed = 11) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> jitter(-0.02, 0.02);
  std::vector<Impression> out;
  for (const PointMm& p : pts) {
    Impression imp;
    imp.id = static_cast<std::uint32_t>(out.size());
    imp.pos = p;
    imp.depth_mm = (depth < 0.0 ? band_mid(s, p) : depth) + jitter(rng);
    imp.layer = layer_at_depth(skin_at(s, p).layers, imp.depth_mm);
    imp.dose = 1.0;
    imp.fresh_diameter_mm = 0.2;
    imp.needle = "1RL";
    imp.pigment = ink.pigment;
    imp.dilution = ink.dilution;
    imp.t_s = 0.5 * static_cast<double>(out.size());
    out.push_back(imp);
  }
  return out;
}

const CriterionScore& crit(const ScoreReport& r, const std::string& key) {
  for (const CriterionScore& c : r.criteria)
    if (c.key == key) return c;
  throw std::runtime_error("no criterion " + key);
}
double score(const ScoreReport& r, const std::string& key) {
  return crit(r, key).score;
}
double metric(const CriterionScore& c, const std::string& name) {
  for (const auto& [k, v] : c.metrics)
    if (k == name) return v;
  throw std::runtime_error("no metric " + name);
}
bool has_finding(const ScoreReport& r, const std::string& code) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [&](const Finding& f) { return f.code == code; });
}
bool has_critical(const ScoreReport& r, const std::string& code) {
  return std::any_of(r.critical_errors.begin(), r.critical_errors.end(),
                     [&](const CriticalError& e) { return e.code == code; });
}

// Every field, doubles compared with == (bit-identical, not "close").
void expect_identical(const ScoreReport& a, const ScoreReport& b) {
  EXPECT_EQ(a.overall, b.overall);
  EXPECT_EQ(a.passed, b.passed);
  EXPECT_EQ(a.impression_count, b.impression_count);
  ASSERT_EQ(a.criteria.size(), b.criteria.size());
  for (std::size_t i = 0; i < a.criteria.size(); ++i) {
    const CriterionScore &x = a.criteria[i], &y = b.criteria[i];
    EXPECT_EQ(x.key, y.key);
    EXPECT_EQ(x.label, y.label);
    EXPECT_EQ(x.score, y.score) << x.key;
    EXPECT_EQ(x.pass_mark, y.pass_mark);
    EXPECT_EQ(x.weight, y.weight);
    EXPECT_EQ(x.passed, y.passed);
    EXPECT_EQ(x.explanation, y.explanation);
    ASSERT_EQ(x.metrics.size(), y.metrics.size());
    for (std::size_t m = 0; m < x.metrics.size(); ++m) {
      EXPECT_EQ(x.metrics[m].first, y.metrics[m].first);
      EXPECT_EQ(x.metrics[m].second, y.metrics[m].second) << x.key << "/" << x.metrics[m].first;
    }
  }
  ASSERT_EQ(a.critical_errors.size(), b.critical_errors.size());
  for (std::size_t i = 0; i < a.critical_errors.size(); ++i) {
    EXPECT_EQ(a.critical_errors[i].code, b.critical_errors[i].code);
    EXPECT_EQ(a.critical_errors[i].message, b.critical_errors[i].message);
    EXPECT_EQ(a.critical_errors[i].impression_id, b.critical_errors[i].impression_id);
    EXPECT_EQ(a.critical_errors[i].pos, b.critical_errors[i].pos);
  }
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (std::size_t i = 0; i < a.findings.size(); ++i) {
    const Finding &x = a.findings[i], &y = b.findings[i];
    EXPECT_EQ(x.criterion, y.criterion);
    EXPECT_EQ(x.code, y.code);
    EXPECT_EQ(x.message, y.message);
    EXPECT_EQ(x.impression_id, y.impression_id);
    EXPECT_EQ(x.pos, y.pos);
    EXPECT_EQ(x.severity, y.severity);
  }
}

class SquareTest : public ::testing::Test {
 protected:
  Scenario s = square_scenario();
  Ink ink = expert_ink(s, PointMm{20, 20});
  std::vector<PointMm> expert_pts = square_blue_noise(60, 1);
  ScoreReport expert = score_batch(s, catalogue(), impressions(s, expert_pts, ink));
};

TEST_F(SquareTest, ExpertPassesEveryCriterion) {
  EXPECT_GT(expert_pts.size(), 900u);
  for (const CriterionScore& c : expert.criteria) {
    EXPECT_GE(c.score, 85.0) << c.key << ": " << c.explanation;
    EXPECT_TRUE(c.passed) << c.key;
    EXPECT_FALSE(c.explanation.empty());
    EXPECT_FALSE(c.metrics.empty());
  }
  EXPECT_TRUE(expert.passed);
  EXPECT_TRUE(expert.critical_errors.empty());
  EXPECT_EQ(expert.impression_count, expert_pts.size());
  ASSERT_EQ(expert.criteria.size(), 5u);
  EXPECT_EQ(expert.criteria[0].key, "depth");
  EXPECT_EQ(expert.criteria[1].key, "spacing");
  EXPECT_EQ(expert.criteria[2].key, "blurring");
  EXPECT_EQ(expert.criteria[3].key, "color");
  EXPECT_EQ(expert.criteria[4].key, "case");
  // Blue noise at the target density: spacing near the expected value, nothing touching.
  const CriterionScore& sp = crit(expert, "spacing");
  EXPECT_NEAR(metric(sp, "mean_nn_ratio"), 1.0, 0.1);
  EXPECT_EQ(metric(sp, "touching_pct"), 0.0);
  EXPECT_GT(metric(sp, "coverage_pct"), 90.0);
}

TEST_F(SquareTest, TooDeepFailsDepthAndBlurring) {
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, expert_pts, ink, 0.80));
  EXPECT_LT(score(r, "depth"), score(expert, "depth"));
  EXPECT_LT(score(r, "blurring"), score(expert, "blurring"));
  EXPECT_FALSE(crit(r, "depth").passed);
  EXPECT_FALSE(crit(r, "blurring").passed);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(metric(crit(r, "depth"), "too_deep_pct"), 100.0);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_TRUE(has_finding(r, "too_deep"));
}

TEST_F(SquareTest, TooShallowFailsDepth) {
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, expert_pts, ink, 0.04));
  EXPECT_LT(score(r, "depth"), score(expert, "depth"));
  EXPECT_FALSE(crit(r, "depth").passed);
  EXPECT_EQ(metric(crit(r, "depth"), "too_shallow_pct"), 100.0);
  EXPECT_TRUE(has_finding(r, "too_shallow"));
}

TEST_F(SquareTest, TouchingDotsFailSpacing) {
  // Every fourth dot gets a twin 0.12 mm away: the healed dots (~0.2 mm) overlap.
  std::vector<PointMm> pts = expert_pts;
  for (std::size_t i = 0; i < expert_pts.size(); i += 4)
    pts.push_back(PointMm{expert_pts[i].x_mm + 0.12, expert_pts[i].y_mm});
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, pts, ink));
  EXPECT_LT(score(r, "spacing"), score(expert, "spacing"));
  EXPECT_FALSE(crit(r, "spacing").passed);
  EXPECT_LT(score(r, "blurring"), score(expert, "blurring"));
  EXPECT_GT(metric(crit(r, "spacing"), "touching_pct"), 30.0);
  EXPECT_TRUE(has_finding(r, "touching"));
  // The twins do not make the depth any worse.
  EXPECT_EQ(score(r, "depth"), score(expert, "depth"));
}

TEST_F(SquareTest, GriddedPatternFailsSpacing) {
  // A square grid at the target density with a little jitter (a careful but mechanical hand).
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> j(-0.1, 0.1);
  const double a = 1.0 / std::sqrt(0.6);
  std::vector<PointMm> pts;
  for (double y = a / 2; y < 40; y += a)
    for (double x = a / 2; x < 40; x += a) pts.push_back(PointMm{x + a * j(rng), y + a * j(rng)});
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, pts, ink));
  EXPECT_LT(score(r, "spacing"), score(expert, "spacing"));
  EXPECT_FALSE(crit(r, "spacing").passed);
  EXPECT_TRUE(has_finding(r, "grid_like"));
  EXPECT_GT(metric(crit(r, "spacing"), "orientation_order_excess"),
            metric(crit(expert, "spacing"), "orientation_order_excess"));
}

TEST_F(SquareTest, RowsFailSpacing) {
  // Rows: dots close along a line, rows far apart (same overall density).
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> j(-0.05, 0.05);
  std::vector<PointMm> pts;
  for (double y = 0.9; y < 40; y += 2.0)
    for (double x = 0.4; x < 40; x += 0.83) pts.push_back(PointMm{x + j(rng), y + j(rng)});
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, pts, ink));
  EXPECT_FALSE(crit(r, "spacing").passed);
  EXPECT_LT(score(r, "spacing"), score(expert, "spacing"));
}

TEST_F(SquareTest, ClumpedPatternFailsSpacing) {
  // The same number of dots gathered in clusters of ~12 around sparse centres.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g(0.0, 1.0);
  const auto centres = square_blue_noise(5, 6);
  std::vector<PointMm> pts;
  for (const PointMm& c : centres)
    for (int k = 0; k < 12; ++k) {
      const PointMm p{std::clamp(c.x_mm + g(rng), 0.0, 40.0),
                      std::clamp(c.y_mm + g(rng), 0.0, 40.0)};
      pts.push_back(p);
    }
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, pts, ink));
  EXPECT_LT(score(r, "spacing"), score(expert, "spacing"));
  EXPECT_FALSE(crit(r, "spacing").passed);
  EXPECT_TRUE(has_finding(r, "clump") || has_finding(r, "hole"));
  EXPECT_GT(metric(crit(r, "spacing"), "crowded_pct"), 10.0);
}

TEST_F(SquareTest, TooSparseFailsSpacingAndCase) {
  const ScoreReport r =
      score_batch(s, catalogue(), impressions(s, square_blue_noise(60 * 0.45, 7), ink));
  EXPECT_LT(score(r, "spacing"), score(expert, "spacing"));
  EXPECT_FALSE(crit(r, "spacing").passed);
  EXPECT_LT(metric(crit(r, "spacing"), "coverage_pct"), 60.0);
  EXPECT_TRUE(has_finding(r, "hole"));
  EXPECT_LT(score(r, "case"), score(expert, "case"));
  EXPECT_FALSE(r.passed);
}

TEST(Scoring, BlackPigmentOnTemporaryScenarioFailsColour) {
  const Scenario s = square_scenario(Technique::kTemporary);
  const Ink good = expert_ink(s, PointMm{20, 20});
  ASSERT_EQ(catalogue().find(good.pigment)->carbon_black_fraction, 0.0);
  const auto pts = square_blue_noise(60, 8);
  const ScoreReport expert = score_batch(s, catalogue(), impressions(s, pts, good));
  EXPECT_TRUE(crit(expert, "color").passed) << crit(expert, "color").explanation;
  // Black: the grey shade whose healed colour is closest to the target, still carbon black.
  Ink black{"smp-grey-2", 0.0};
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, pts, black));
  EXPECT_LT(score(r, "color"), score(expert, "color"));
  EXPECT_FALSE(crit(r, "color").passed);
  EXPECT_TRUE(has_finding(r, "black_in_temporary"));
  EXPECT_EQ(metric(crit(r, "color"), "black_in_temporary_count"), static_cast<double>(pts.size()));
  // Not a critical error: the pigment is allowed, just the wrong choice.
  EXPECT_TRUE(r.critical_errors.empty());
}

TEST(Scoring, DepthScoreNeverImprovesWithMoreError) {
  const Scenario s = square_scenario();
  const Ink ink = expert_ink(s, PointMm{20, 20});
  const auto pts = square_blue_noise(20, 9);
  // Below the band (deeper) and above it (shallower), step by step away from the band.
  for (const int dir : {+1, -1}) {
    double prev = 101.0;
    for (int k = 0; k <= 40; ++k) {
      const double depth = dir > 0 ? 0.40 + 0.02 * k : 0.10 - 0.0025 * k;
      std::vector<Impression> imps = impressions(s, pts, ink, depth);
      for (Impression& imp : imps) {  // no jitter: the exact depth
        imp.depth_mm = depth;
        imp.layer = layer_at_depth(skin_at(s, imp.pos).layers, depth);
      }
      const double d = score(score_batch(s, catalogue(), imps), "depth");
      EXPECT_LE(d, prev) << "depth " << depth;
      if (k > 0 && prev > 0.0) {
        EXPECT_LT(d, prev) << "depth " << depth;  // strictly worse until it bottoms out
      }
      prev = d;
    }
    EXPECT_EQ(prev, 0.0);
  }
  // Mixed errors: replacing one in-band dot by an out-of-band one never raises the score.
  std::vector<Impression> imps = impressions(s, pts, ink);
  double prev = score(score_batch(s, catalogue(), imps), "depth");
  for (std::size_t i = 0; i < imps.size(); i += 7) {
    imps[i].depth_mm = 0.40 + 0.001 * static_cast<double>(i);
    imps[i].layer = layer_at_depth(skin_at(s, imps[i].pos).layers, imps[i].depth_mm);
    const double d = score(score_batch(s, catalogue(), imps), "depth");
    EXPECT_LE(d, prev);
    prev = d;
  }
}

TEST(Scoring, DepthStatusPerImpression) {
  const Scenario s = square_scenario();
  Scorer sc(s, catalogue());
  const double depths[] = {0.25, 0.05, 0.9, 6.5};
  const DepthStatus want[] = {DepthStatus::kInBand, DepthStatus::kTooShallow, DepthStatus::kTooDeep,
                              DepthStatus::kCritical};
  for (std::uint32_t i = 0; i < 4; ++i) {
    Impression imp;
    imp.id = i;
    imp.pos = PointMm{5.0 + 5.0 * i, 20};
    imp.depth_mm = depths[i];
    imp.layer = layer_at_depth(skin_at(s, imp.pos).layers, imp.depth_mm);
    imp.pigment = "smp-grey-2";
    sc.add(imp);
    EXPECT_EQ(sc.depth_status(i), want[i]) << i;
  }
  EXPECT_EQ(sc.size(), 4u);
}

class CriticalTest : public SquareTest {
 protected:
  // The expert's work plus one bad dot: the scores stay high, the attempt fails.
  void expect_fails_on(const Scenario& sc, Impression bad, const std::string& code) {
    std::vector<Impression> imps = impressions(sc, expert_pts, ink);
    bad.id = static_cast<std::uint32_t>(imps.size());
    imps.push_back(bad);
    const ScoreReport r = score_batch(sc, catalogue(), imps);
    EXPECT_GE(r.overall, sc.pass_overall) << code;
    EXPECT_FALSE(r.passed) << code;
    ASSERT_TRUE(has_critical(r, code)) << code;
    EXPECT_EQ(r.critical_errors.front().impression_id, static_cast<std::int64_t>(bad.id));
    EXPECT_FALSE(r.critical_errors.front().message.empty());
    // The critical finding ranks first.
    ASSERT_FALSE(r.findings.empty());
    EXPECT_EQ(r.findings.front().severity, 1.0);
    EXPECT_EQ(r.findings.front().impression_id, static_cast<std::int64_t>(bad.id));
  }
  Impression good_dot(PointMm p) {
    Impression imp = impressions(s, {p}, ink).front();
    return imp;
  }
};

TEST_F(CriticalTest, PigmentInFat) {
  Impression bad = good_dot(PointMm{20.3, 20.3});
  bad.depth_mm = 2.2;  // below 0.08 + 0.32 + 1.40 mm: subcutis
  bad.layer = Layer::kSubcutis;
  expect_fails_on(s, bad, "pigment_in_fat");
  // The layer alone is enough (an interchange file may give it).
  Impression by_layer = good_dot(PointMm{20.3, 20.3});
  by_layer.layer = Layer::kSubcutis;
  expect_fails_on(s, by_layer, "pigment_in_fat");
}

TEST_F(CriticalTest, ForbiddenRegion) {
  Scenario sc = s;
  Region forehead;
  forehead.id = "forehead";
  forehead.role = RegionRole::kForbidden;
  forehead.polygon_mm = rect(0, -20, 40, 0);
  sc.regions.push_back(forehead);
  expect_fails_on(sc, good_dot(PointMm{20, -3}), "forbidden_region");
}

TEST_F(CriticalTest, ForbiddenPigment) {
  Scenario sc = s;
  sc.pigments_allowed = {ink.pigment};
  Impression bad = good_dot(PointMm{20.3, 20.3});
  bad.pigment = ink.pigment == "smp-grey-1" ? "smp-grey-2" : "smp-grey-1";
  expect_fails_on(sc, bad, "forbidden_pigment");
  Impression unknown = good_dot(PointMm{20.3, 20.3});
  unknown.pigment = "no-such-pigment";
  expect_fails_on(sc, unknown, "forbidden_pigment");
}

TEST(Scoring, EmptySessionScoresZeroAndFails) {
  for (const char* name : {"frontal-hairline.json", "strip-scar.json", "diffuse-thinning.json"}) {
    const Scenario s = load(name);
    const ScoreReport r = Scorer(s, catalogue()).report();
    EXPECT_EQ(r.impression_count, 0u);
    EXPECT_FALSE(r.passed);
    EXPECT_EQ(r.overall, 0.0);
    ASSERT_EQ(r.criteria.size(), 5u);
    for (const CriterionScore& c : r.criteria) {
      EXPECT_EQ(c.score, 0.0) << name << " " << c.key;
      EXPECT_FALSE(c.passed);
      EXPECT_NE(c.explanation.find("No impressions"), std::string::npos);
    }
    EXPECT_TRUE(r.critical_errors.empty());
    EXPECT_TRUE(r.findings.empty());
  }
}

TEST(Scoring, WeightsAndPassMarksComeFromTheScenario) {
  Scenario s = square_scenario();
  const Ink ink = expert_ink(s, PointMm{20, 20});
  const auto imps = impressions(s, square_blue_noise(60, 1), ink, 0.55);  // a bit deep
  s.weights = CriterionMarks{5, 1, 1, 1, 1};
  s.pass = CriterionMarks{99.5, 10, 10, 10, 10};
  s.pass_overall = 10;
  const ScoreReport r = score_batch(s, catalogue(), imps);
  const CriterionScore& d = crit(r, "depth");
  EXPECT_EQ(d.weight, 5.0);
  EXPECT_EQ(d.pass_mark, 99.5);
  EXPECT_FALSE(d.passed);
  double ws = 0, ss = 0;
  for (const CriterionScore& c : r.criteria) {
    ws += c.weight;
    ss += c.weight * c.score;
  }
  EXPECT_DOUBLE_EQ(r.overall, ss / ws);
  EXPECT_FALSE(r.passed);  // one criterion below its own mark fails the attempt
}

// ---- Case goals on the shipped scenarios ----

// Target density in dots/mm^2 as docs/scoring.md defines it: the last treat/scar/transition
// region containing p; 0 in forbidden/avoid regions; in the hairline transition zone it ramps
// from 30% at the front edge to 100% at the zone's back.
double polyline_distance(const std::vector<PointMm>& line, PointMm p) {
  double best = 1e9;
  for (std::size_t i = 0; i + 1 < line.size(); ++i) {
    const PointMm a = line[i], b = line[i + 1];
    const double ex = b.x_mm - a.x_mm, ey = b.y_mm - a.y_mm;
    const double t = std::clamp(
        ((p.x_mm - a.x_mm) * ex + (p.y_mm - a.y_mm) * ey) / (ex * ex + ey * ey), 0.0, 1.0);
    best = std::min(best, distance_mm(PointMm{a.x_mm + t * ex, a.y_mm + t * ey}, p));
  }
  return best;
}
std::function<double(PointMm)> target_density(const Scenario& s, double transition_width_mm) {
  return [&s, transition_width_mm](PointMm p) {
    double d = 0.0;
    bool ramp = false;
    for (std::size_t i : regions_at(s, p)) {
      const Region& r = s.regions[i];
      if (r.role == RegionRole::kForbidden || r.role == RegionRole::kAvoid) return 0.0;
      d = r.density_per_cm2 / 100.0;
      ramp = r.role == RegionRole::kHairlineTransition;
    }
    if (ramp) {
      const double u =
          std::clamp(polyline_distance(s.hairline_front_mm, p) / transition_width_mm, 0.0, 1.0);
      d *= 0.3 + 0.7 * u;
    }
    return d;
  };
}
std::vector<PointMm> expert_pattern(const Scenario& s, double transition_width_mm,
                                    std::uint64_t seed) {
  BoxMm box{{1e9, 1e9}, {-1e9, -1e9}};
  double max_d = 0.0;
  for (const Region& r : s.regions) {
    if (r.role == RegionRole::kForbidden || r.role == RegionRole::kAvoid) continue;
    const BoxMm b = bounding_box(r.polygon_mm);
    box.min.x_mm = std::min(box.min.x_mm, b.min.x_mm);
    box.min.y_mm = std::min(box.min.y_mm, b.min.y_mm);
    box.max.x_mm = std::max(box.max.x_mm, b.max.x_mm);
    box.max.y_mm = std::max(box.max.y_mm, b.max.y_mm);
    max_d = std::max(max_d, r.density_per_cm2 / 100.0);
  }
  const auto dens = target_density(s, transition_width_mm);
  double expected = 0.0;  // integrate the target on a 0.25 mm grid
  for (double y = box.min.y_mm + 0.125; y < box.max.y_mm; y += 0.25)
    for (double x = box.min.x_mm + 0.125; x < box.max.x_mm; x += 0.25)
      expected += dens(PointMm{x, y}) * 0.0625;
  return blue_noise(box.min.x_mm, box.min.y_mm, box.max.x_mm, box.max.y_mm, dens, max_d,
                    static_cast<std::size_t>(std::lround(expected)), seed);
}

TEST(ScoringCase, ShavedLookHairline) {
  const Scenario s = load("frontal-hairline.json");
  const Ink ink = expert_ink(s, PointMm{0, 15});
  // The transition zone is 8 mm deep in this scenario.
  const auto pts = expert_pattern(s, 8.0, 21);
  const ScoreReport expert = score_batch(s, catalogue(), impressions(s, pts, ink));
  for (const CriterionScore& c : expert.criteria) {
    EXPECT_TRUE(c.passed) << c.key << " " << c.score << ": " << c.explanation;
  }
  EXPECT_TRUE(expert.passed);
  EXPECT_EQ(crit(expert, "case").label, "Case goal: hairline and shaved look");

  // Hard line: the transition zone filled evenly at full density and a straight row of dots
  // along the front edge (the "painted on" hairline).
  std::vector<PointMm> hard;
  for (const PointMm& p : pts) {
    bool in_transition = false;
    for (std::size_t i : regions_at(s, p))
      in_transition = s.regions[i].role == RegionRole::kHairlineTransition;
    if (!in_transition) hard.push_back(p);
  }
  const auto full = expert_pattern(s, 1e-9, 22);  // no ramp: full density everywhere
  for (const PointMm& p : full) {
    for (std::size_t i : regions_at(s, p))
      if (s.regions[i].role == RegionRole::kHairlineTransition) hard.push_back(p);
  }
  for (double x = -39.5; x <= 39.5; x += 1.0) {  // the row, 0.6 mm behind the front edge
    double y = 0.0;
    for (std::size_t i = 0; i + 1 < s.hairline_front_mm.size(); ++i) {
      const PointMm a = s.hairline_front_mm[i], b = s.hairline_front_mm[i + 1];
      if (x >= a.x_mm && x <= b.x_mm)
        y = a.y_mm + (x - a.x_mm) / (b.x_mm - a.x_mm) * (b.y_mm - a.y_mm);
    }
    hard.push_back(PointMm{x, y + 0.6});
  }
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, hard, ink));
  EXPECT_LT(score(r, "case"), score(expert, "case"));
  EXPECT_FALSE(crit(r, "case").passed) << crit(r, "case").explanation;
  EXPECT_TRUE(has_finding(r, "straight_hairline"));
  EXPECT_GT(metric(crit(r, "case"), "front_band_density_ratio"), 1.5);

  // Dots in front of the hairline (outside the forbidden forehead): the case goal fails.
  Scenario narrow = s;
  narrow.regions.erase(narrow.regions.begin());  // no forehead region: stray, not critical
  std::vector<PointMm> front = pts;
  for (double x = -30; x <= 30; x += 1.5) front.push_back(PointMm{x, -4.0});
  const ScoreReport f = score_batch(narrow, catalogue(), impressions(narrow, front, ink));
  EXPECT_LT(score(f, "case"), score(expert, "case"));
  EXPECT_FALSE(crit(f, "case").passed);
  EXPECT_TRUE(has_finding(f, "in_front_of_hairline"));
  EXPECT_TRUE(f.critical_errors.empty());
  // With the forehead forbidden, the same dots are critical errors.
  const ScoreReport g = score_batch(s, catalogue(), impressions(s, front, ink));
  EXPECT_TRUE(has_critical(g, "forbidden_region"));
  EXPECT_FALSE(g.passed);
  EXPECT_FALSE(crit(g, "case").passed);  // a hairline set too low is also a case failure
}

TEST(ScoringCase, ScarCamouflage) {
  const Scenario s = load("strip-scar.json");
  const Ink ink = expert_ink(s, PointMm{0, 0});
  const auto pts = expert_pattern(s, 1.0, 31);
  const ScoreReport expert = score_batch(s, catalogue(), impressions(s, pts, ink));
  for (const CriterionScore& c : expert.criteria)
    EXPECT_TRUE(c.passed) << c.key << " " << c.score << ": " << c.explanation;
  EXPECT_TRUE(expert.passed);

  // The scar left bare: surroundings done, the scar itself skipped.
  std::vector<PointMm> bare;
  for (const PointMm& p : pts) {
    bool scar = false;
    for (std::size_t i : regions_at(s, p)) scar = scar || s.regions[i].role == RegionRole::kScar;
    if (!scar) bare.push_back(p);
  }
  ASSERT_LT(bare.size(), pts.size());
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, bare, ink));
  EXPECT_LT(score(r, "case"), score(expert, "case"));
  EXPECT_FALSE(crit(r, "case").passed) << crit(r, "case").explanation;
  EXPECT_TRUE(has_finding(r, "scar_uncovered"));

  // Only the scar worked, nothing around it: the border does not blend.
  std::vector<PointMm> only;
  for (const PointMm& p : pts)
    for (std::size_t i : regions_at(s, p))
      if (s.regions[i].role == RegionRole::kScar) only.push_back(p);
  const ScoreReport o = score_batch(s, catalogue(), impressions(s, only, ink));
  EXPECT_LT(metric(crit(o, "case"), "sub_blend"), metric(crit(expert, "case"), "sub_blend"));
  EXPECT_FALSE(crit(o, "case").passed);
}

TEST(ScoringCase, ThinningBetweenHairs) {
  const Scenario s = load("crown-among-hairs.json");
  ASSERT_FALSE(s.patient.hairs_mm.empty());
  const Ink ink = expert_ink(s, PointMm{0, 0});
  const auto all = expert_pattern(s, 1.0, 41);
  // The expert places dots between hairs: skip spots where a hair would cover the dot.
  auto on_hair = [&](PointMm p) {
    for (const PointMm& h : s.patient.hairs_mm)
      if (distance_mm(h, p) < 0.5 * s.patient.hair_diameter_mm + 0.2) return true;
    return false;
  };
  std::vector<PointMm> between, on;
  for (const PointMm& p : all)
    if (!on_hair(p)) between.push_back(p);
  const ScoreReport expert = score_batch(s, catalogue(), impressions(s, between, ink));
  for (const CriterionScore& c : expert.criteria)
    EXPECT_TRUE(c.passed) << c.key << " " << c.score << ": " << c.explanation;
  EXPECT_EQ(crit(expert, "case").label, "Case goal: density between hairs");

  // Dots right on the hairs.
  for (std::size_t i = 0; i < s.patient.hairs_mm.size() && on.size() < between.size(); ++i)
    on.push_back(s.patient.hairs_mm[i]);
  const ScoreReport r = score_batch(s, catalogue(), impressions(s, on, ink));
  EXPECT_LT(score(r, "case"), score(expert, "case"));
  EXPECT_FALSE(crit(r, "case").passed);
  EXPECT_TRUE(has_finding(r, "under_hair"));

  // A client with light brown hair: the expert's diluted grey passes, neat carbon black heals
  // darker than the hair and fails the colour criterion.
  Scenario light = s;
  light.patient.hair_lab = Lab{52.0, 5.0, 16.0};
  light.target_color.reset();
  const Ink light_ink = expert_ink(light, PointMm{0, 0});
  const ScoreReport light_expert =
      score_batch(light, catalogue(), impressions(light, between, light_ink));
  EXPECT_TRUE(crit(light_expert, "color").passed) << crit(light_expert, "color").explanation;
  const ScoreReport dark =
      score_batch(light, catalogue(), impressions(light, between, Ink{"carbon-black-neat", 0.0}));
  EXPECT_LT(score(dark, "color"), score(light_expert, "color"));
  EXPECT_FALSE(crit(dark, "color").passed);
  EXPECT_TRUE(has_finding(dark, "darker_than_hair"));
}

// The transition zone's depth: its farthest point from the front line (0.25 mm grid).
double transition_width(const Scenario& s) {
  double w = 0.0;
  for (const Region& r : s.regions) {
    if (r.role != RegionRole::kHairlineTransition) continue;
    const BoxMm b = bounding_box(r.polygon_mm);
    for (double y = b.min.y_mm; y <= b.max.y_mm; y += 0.25)
      for (double x = b.min.x_mm; x <= b.max.x_mm; x += 0.25)
        if (point_in_polygon(r.polygon_mm, PointMm{x, y}))
          w = std::max(w, polyline_distance(s.hairline_front_mm, PointMm{x, y}));
  }
  return w > 0.0 ? w : 1.0;
}

// Samples are tests: on every shipped scenario, the expert's work passes every criterion.
TEST(ScoringCase, ExpertPassesEveryShippedScenario) {
  for (const char* name : {"crown-among-hairs.json", "crown-vertex.json", "dark-skin-hairline.json",
                           "diffuse-thinning.json", "frontal-hairline.json", "fue-dot-scars.json",
                           "hairline-assessment.json", "pad-depth-drill.json",
                           "pad-spacing-drill.json", "stretched-scar.json", "strip-scar.json"}) {
    SCOPED_TRACE(name);
    const Scenario s = load(name);
    const auto all = expert_pattern(s, transition_width(s), 91);
    std::vector<PointMm> pts;
    for (const PointMm& p : all) {
      bool on_hair = false;
      for (const PointMm& h : s.patient.hairs_mm)
        on_hair = on_hair || distance_mm(h, p) < 0.5 * s.patient.hair_diameter_mm + 0.2;
      if (!on_hair) pts.push_back(p);
    }
    // The ink is chosen on normal skin where the work is: the treated point (not scar, not
    // forbidden) nearest the middle of the first worked region.
    PointMm probe{};
    double best = 1e18;
    for (const Region& r : s.regions) {
      if (r.role != RegionRole::kTreat && r.role != RegionRole::kHairlineTransition) continue;
      const BoxMm b = bounding_box(r.polygon_mm);
      const PointMm mid{0.5 * (b.min.x_mm + b.max.x_mm), 0.5 * (b.min.y_mm + b.max.y_mm)};
      for (double y = b.min.y_mm; y <= b.max.y_mm; y += 0.5)
        for (double x = b.min.x_mm; x <= b.max.x_mm; x += 0.5) {
          const PointMm p{x, y};
          if (skin_at(s, p).scar || target_density(s, 1.0)(p) <= 0.0) continue;
          if (distance_mm(p, mid) < best) {
            best = distance_mm(p, mid);
            probe = p;
          }
        }
      break;
    }
    const ScoreReport r = score_batch(s, catalogue(), impressions(s, pts, expert_ink(s, probe)));
    for (const CriterionScore& c : r.criteria)
      EXPECT_TRUE(c.passed) << c.key << " " << c.score << " < " << c.pass_mark << ": "
                            << c.explanation;
    EXPECT_TRUE(r.critical_errors.empty());
    EXPECT_TRUE(r.passed) << r.overall;
  }
}

// ---- Incremental state ----

// A messy session touching every code path: good dots, touching twins, repeats, deep, fat,
// forbidden region and pigment, heavy doses, dots outside the treat area.
std::vector<Impression> messy_session(const Scenario& s, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(-45, 45), uy(-10, 40), u01(0, 1);
  const Ink ink = expert_ink(s, PointMm{0, 15});
  std::vector<Impression> out;
  while (out.size() < n) {
    PointMm p{ux(rng), uy(rng)};
    if (!out.empty() && u01(rng) < 0.15) {  // near an earlier dot: touching or a repeat
      const PointMm q =
          out[static_cast<std::size_t>(u01(rng) * static_cast<double>(out.size()))].pos;
      p = PointMm{q.x_mm + 0.2 * (u01(rng) - 0.5), q.y_mm + 0.2 * (u01(rng) - 0.5)};
    }
    Impression imp = impressions(s, {p}, ink, -1.0, seed + out.size()).front();
    imp.id = static_cast<std::uint32_t>(out.size());
    const double roll = u01(rng);
    if (roll < 0.05)
      imp.depth_mm = 0.03;
    else if (roll < 0.10)
      imp.depth_mm = 0.9;
    else if (roll < 0.11)
      imp.depth_mm = 2.5;
    imp.layer = layer_at_depth(skin_at(s, p).layers, imp.depth_mm);
    if (u01(rng) < 0.03) imp.pigment = "temp-soft-black";  // not allowed here
    if (u01(rng) < 0.05) imp.dose = 2.5;
    if (u01(rng) < 0.05) imp.dilution = 0.8;
    out.push_back(imp);
  }
  return out;
}

TEST(ScoringIncremental, BatchEqualsOneByOneBitForBit) {
  for (const char* name : {"frontal-hairline.json", "strip-scar.json", "crown-among-hairs.json"}) {
    const Scenario s = load(name);
    const auto imps = messy_session(s, 4000, 51);
    Scorer sc(s, catalogue());
    for (const Impression& imp : imps) sc.add(imp);
    const ScoreReport batch = score_batch(s, catalogue(), imps);
    SCOPED_TRACE(name);
    expect_identical(sc.report(), batch);
    EXPECT_FALSE(batch.findings.empty());
    EXPECT_LE(batch.findings.size(), kMaxFindings);
    // After pop_back: equal to the batch over the shorter list.
    for (int k = 0; k < 300; ++k) sc.pop_back();
    const std::vector<Impression> shorter(imps.begin(), imps.end() - 300);
    expect_identical(sc.report(), score_batch(s, catalogue(), shorter));
    // And adding them again gets back to the full report.
    for (std::size_t i = shorter.size(); i < imps.size(); ++i) sc.add(imps[i]);
    expect_identical(sc.report(), batch);
  }
}

TEST(ScoringIncremental, PopBackRestoresThePreviousReportExactly) {
  const Scenario s = load("frontal-hairline.json");
  const auto imps = messy_session(s, 1500, 61);
  Scorer sc(s, catalogue());
  for (std::size_t i = 0; i < 1000; ++i) sc.add(imps[i]);
  const ScoreReport before = sc.report();
  // Each kind of dot, one at a time: added, then undone.
  for (std::size_t i = 1000; i < 1500; ++i) {
    Impression imp = imps[i];
    imp.id = 1000;
    sc.add(imp);
    ASSERT_EQ(sc.size(), 1001u);
    sc.pop_back();
    ASSERT_EQ(sc.size(), 1000u);
    if (i % 50 == 0) expect_identical(sc.report(), before);
  }
  expect_identical(sc.report(), before);
  // A dot touching an existing one (changes the neighbour's NN and touch state), undone.
  Impression twin = imps[10];
  twin.id = 1000;
  twin.pos.x_mm += 0.05;
  sc.add(twin);
  const ScoreReport with_twin = sc.report();
  EXPECT_NE(with_twin.criteria[1].metrics, before.criteria[1].metrics);
  sc.pop_back();
  expect_identical(sc.report(), before);
  // Popping an empty scorer is harmless.
  Scorer empty(s, catalogue());
  empty.pop_back();
  EXPECT_EQ(empty.size(), 0u);
}

TEST(ScoringIncremental, DeterministicAcrossRuns) {
  const Scenario s = load("fue-dot-scars.json");
  const auto a = messy_session(s, 2000, 71);
  const auto b = messy_session(s, 2000, 71);
  ASSERT_EQ(a, b);
  expect_identical(score_batch(s, catalogue(), a), score_batch(s, catalogue(), b));
}

TEST(ScoringIncremental, FindingsAreRankedWorstFirstAndCapped) {
  const Scenario s = load("frontal-hairline.json");
  const ScoreReport r = score_batch(s, catalogue(), messy_session(s, 3000, 81));
  ASSERT_EQ(r.findings.size(), kMaxFindings);
  for (std::size_t i = 1; i < r.findings.size(); ++i) {
    EXPECT_GE(r.findings[i - 1].severity, r.findings[i].severity);
    if (r.findings[i - 1].severity == r.findings[i].severity &&
        r.findings[i - 1].impression_id >= 0 && r.findings[i].impression_id >= 0) {
      EXPECT_LE(r.findings[i - 1].impression_id, r.findings[i].impression_id);
    }
  }
  for (const Finding& f : r.findings) {
    EXPECT_FALSE(f.message.empty());
    EXPECT_GT(f.severity, 0.0);
    EXPECT_LE(f.severity, 1.0);
  }
  EXPECT_LE(r.critical_errors.size(), kMaxFindings);
}

TEST(ScoringIncremental, NonFiniteAndHugeInputsAreScoredWithoutHarm) {
  const Scenario s = square_scenario();
  const Ink ink = expert_ink(s, PointMm{20, 20});
  std::vector<Impression> imps = impressions(s, square_blue_noise(60, 1), ink);
  const ScoreReport clean = score_batch(s, catalogue(), imps);
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  std::vector<Impression> bad(6, imps.front());
  bad[0].pos = PointMm{nan, 3};
  bad[1].pos = PointMm{1e300, -inf};
  bad[2].depth_mm = nan;
  bad[3].dose = inf;
  bad[4].fresh_diameter_mm = 1e12;
  bad[5].elongation = nan;
  bad[5].dilution = -inf;
  Scorer sc(s, catalogue());
  for (const Impression& imp : imps) sc.add(imp);
  for (Impression imp : bad) {
    imp.id = static_cast<std::uint32_t>(sc.size());
    sc.add(imp);
  }
  const ScoreReport r = sc.report();
  EXPECT_EQ(r.impression_count, imps.size() + bad.size());
  for (const CriterionScore& c : r.criteria) {
    EXPECT_TRUE(std::isfinite(c.score)) << c.key;
    EXPECT_GE(c.score, 0.0);
    EXPECT_LE(c.score, 100.0);
    for (const auto& [k, v] : c.metrics) EXPECT_FALSE(std::isnan(v)) << c.key << "/" << k;
  }
  EXPECT_TRUE(std::isfinite(r.overall));
  // The dots far away count as outside the treatment area.
  EXPECT_TRUE(has_finding(r, "outside_treat_area"));
  for (std::size_t i = 0; i < bad.size(); ++i) sc.pop_back();
  expect_identical(sc.report(), clean);
}

}  // namespace
}  // namespace smp::sim
