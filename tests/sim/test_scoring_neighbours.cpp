// The scorer's pruned neighbour search against a brute-force O(N^2) search: every dot's nearest
// neighbour (distance and index), its touch count and the spacing metrics built from them are the
// same bits, on dense sets with exact distance ties, piles on one spot, mixed radii, dots outside
// the treat area and pop_back() in between (docs/scoring.md, "Neighbour search").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sim_test_support.h"
#include "smp/sim/color.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"

namespace smp::sim {
namespace {

using test::catalogue;

PolygonMm rect(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
}

// Two treat areas of different density (NN caps 3 mm and ~1.5 mm) side by side; dots may also
// land outside both (NN not tracked there, touches still counted).
Scenario two_density_scenario() {
  Scenario s;
  s.id = "test-neighbours";
  s.case_kind = CaseKind::kShavedLook;
  s.technique = Technique::kPermanent;
  s.patient.fitzpatrick = 3;
  s.patient.skin_lab = skin_lab_for_fitzpatrick(3);
  s.patient.hair_lab = Lab{24.0, 3.0, 6.0};
  Region sparse;
  sparse.id = "sparse";
  sparse.role = RegionRole::kTreat;
  sparse.polygon_mm = rect(0, 0, 10, 20);
  sparse.density_per_cm2 = 20;
  sparse.depth_min_mm = 0.10;
  sparse.depth_max_mm = 0.40;
  Region dense = sparse;
  dense.id = "dense";
  dense.polygon_mm = rect(10, 0, 20, 20);
  dense.density_per_cm2 = 120;
  s.regions = {sparse, dense};
  return s;
}

struct Op {
  bool pop = false;
  Impression imp;
};

// What the scorer's add() decides for each pair, with no spatial index: every earlier dot within
// the new dot's reach is examined, in index order.
struct Reference {
  std::vector<double> nn;
  std::vector<std::uint32_t> id;
  std::vector<std::uint32_t> touch;
};
Reference brute_force(const std::vector<PointMm>& pos,
                      const std::vector<Scorer::NeighbourDebug>& dbg) {
  const std::size_t n = pos.size();
  Reference r;
  r.nn.resize(n);
  r.id.assign(n, UINT32_MAX);
  r.touch.assign(n, 0);
  for (std::size_t k = 0; k < n; ++k) {
    const bool tracked = dbg[k].expected_nn_mm > 0.0;
    r.nn[k] = dbg[k].cap_mm;
    const double reach2 = dbg[k].reach_mm * dbg[k].reach_mm;
    for (std::size_t j = 0; j < k; ++j) {
      const double ex = pos[j].x_mm - pos[k].x_mm, ey = pos[j].y_mm - pos[k].y_mm;
      const double dd2 = ex * ex + ey * ey;
      if (dd2 > reach2) continue;
      const double dd = std::sqrt(dd2);
      if (tracked && (dd < r.nn[k] || (dd == r.nn[k] && r.id[k] != UINT32_MAX && j < r.id[k]))) {
        r.nn[k] = dd;
        r.id[k] = static_cast<std::uint32_t>(j);
      }
      if (dd < r.nn[j]) {
        r.nn[j] = dd;
        r.id[j] = static_cast<std::uint32_t>(k);
      }
      if (dd < dbg[k].radius_mm + dbg[j].radius_mm) {
        ++r.touch[k];
        ++r.touch[j];
      }
    }
  }
  return r;
}

double metric(const ScoreReport& rep, const std::string& name) {
  for (const auto& c : rep.criteria)
    for (const auto& [k, v] : c.metrics)
      if (k == name) return v;
  ADD_FAILURE() << "no metric " << name;
  return -1.0;
}

// Every dot against the brute-force search, and the spacing metrics recomputed from it.
void expect_matches_brute_force(const Scorer& sc, const std::vector<PointMm>& pos,
                                const std::string& when) {
  ASSERT_EQ(sc.size(), pos.size());
  std::vector<Scorer::NeighbourDebug> dbg;
  for (std::uint32_t i = 0; i < pos.size(); ++i) dbg.push_back(sc.neighbour_debug(i));
  const Reference ref = brute_force(pos, dbg);
  std::int64_t q_sum = 0, n_nn = 0, n_crowded = 0, n_touching = 0, touch_sum = 0;
  for (std::size_t i = 0; i < pos.size(); ++i) {
    ASSERT_EQ(dbg[i].nn_mm, ref.nn[i]) << when << ": dot " << i;
    ASSERT_EQ(dbg[i].nn_id, ref.id[i]) << when << ": dot " << i;
    ASSERT_EQ(dbg[i].touch_count, ref.touch[i]) << when << ": dot " << i;
    touch_sum += ref.touch[i];
    if (ref.touch[i] > 0) ++n_touching;
    if (dbg[i].expected_nn_mm > 0.0) {
      const double q = std::min(ref.nn[i], dbg[i].cap_mm) / dbg[i].expected_nn_mm;
      q_sum += std::llround(std::clamp(q, -1e6, 1e6) * 1e6);
      ++n_nn;
      if (q < 0.5) ++n_crowded;
    }
  }
  const ScoreReport rep = sc.report();
  const auto n = static_cast<double>(pos.size());
  EXPECT_EQ(metric(rep, "touching_pairs"), static_cast<double>(touch_sum / 2)) << when;
  EXPECT_EQ(metric(rep, "touching_pct"),
            pos.empty() ? 0.0 : 100.0 * (static_cast<double>(n_touching) / n))
      << when;
  if (n_nn > 0) {
    EXPECT_EQ(metric(rep, "mean_nn_ratio"),
              static_cast<double>(q_sum) / 1e6 / static_cast<double>(n_nn))
        << when;
    EXPECT_EQ(metric(rep, "crowded_pct"),
              100.0 * (static_cast<double>(n_crowded) / static_cast<double>(n_nn)))
        << when;
  }
}

// Runs ops on a scorer, checking against the brute force every `check_every` ops and at the end.
void run(const std::vector<Op>& ops, std::size_t check_every) {
  const Scenario sc = two_density_scenario();
  Scorer scorer(sc, catalogue());
  std::vector<PointMm> pos;
  for (std::size_t o = 0; o < ops.size(); ++o) {
    if (ops[o].pop) {
      scorer.pop_back();
      if (!pos.empty()) pos.pop_back();
    } else {
      Impression imp = ops[o].imp;
      imp.id = static_cast<std::uint32_t>(pos.size());
      scorer.add(imp);
      pos.push_back(imp.pos);
    }
    if ((o + 1) % check_every == 0) {
      expect_matches_brute_force(scorer, pos, "after op " + std::to_string(o));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  expect_matches_brute_force(scorer, pos, "at the end");
}

Impression dot(PointMm p, double fresh_diameter_mm, double elongation) {
  Impression imp;
  imp.pos = p;
  imp.depth_mm = 0.25;
  imp.fresh_diameter_mm = fresh_diameter_mm;
  imp.elongation = elongation;
  imp.pigment = catalogue().all().front().id;
  return imp;
}

TEST(ScoringNeighbours, PrunedSearchEqualsBruteForceOnADenseLatticeWithTiesPilesAndPops) {
  std::mt19937_64 rng(20261206);
  std::uniform_int_distribution<int> cell(-8, 88);  // 0.25 mm lattice over -2..22 mm
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Op> ops;
  for (int i = 0; i < 2600; ++i) {
    Op op;
    const double roll = u(rng);
    if (roll < 0.15) {
      op.pop = true;
    } else {
      // Lattice points: many exactly equal distances. Every 40th op lands on one pile spot.
      PointMm p{0.25 * cell(rng), 0.25 * cell(rng)};
      if (i % 40 == 0) p = PointMm{12.5, 7.25};
      // Mostly real dot sizes, some big (touching reach beyond the 3 mm NN cap) and some tiny.
      double diameter = 0.2 + 0.3 * u(rng);
      if (u(rng) < 0.05) diameter = 1.0 + 3.0 * u(rng);
      if (u(rng) < 0.05) diameter = 0.0;
      op.imp = dot(p, diameter, 1.0 + u(rng));
    }
    ops.push_back(op);
  }
  run(ops, 200);
}

TEST(ScoringNeighbours, PrunedSearchEqualsBruteForceOnAPileAndItsUndo) {
  std::vector<Op> ops;
  // 300 dots on one spot and 5 lattice spots around it, then half of them popped.
  for (int i = 0; i < 300; ++i) {
    Op op;
    op.imp = dot(PointMm{15.0 + 0.25 * (i % 3), 5.0 + 0.25 * (i % 2)}, 0.3, 1.0);
    ops.push_back(op);
  }
  for (int i = 0; i < 150; ++i) {
    Op op;
    op.pop = true;
    ops.push_back(op);
  }
  run(ops, 75);
}

TEST(ScoringNeighbours, PrunedSearchEqualsBruteForceAcrossGridRefinements) {
  // Enough dots for the neighbour grid to refine its cells several times (1024, 2048, 4096).
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Op> ops;
  for (int i = 0; i < 5000; ++i) {
    Op op;
    if (i > 1000 && u(rng) < 0.1) {
      op.pop = true;
    } else {
      op.imp = dot(PointMm{-1.0 + 22.0 * u(rng), -1.0 + 22.0 * u(rng)}, 0.15 + 0.2 * u(rng),
                   1.0 + 0.3 * u(rng));
    }
    ops.push_back(op);
  }
  run(ops, 1000);
}

TEST(ScoringNeighbours, BatchEqualsOneByOneOnALongSessionWithTies) {
  // score_batch() finds every dot's final neighbours at once, on two threads from 4,096 dots on
  // (the memo tests cover the one-thread path). A square lattice with an exactly representable
  // pitch (NN ties in four directions, resolved to the lower index), then random dots over it
  // (touches, repeated passes, and NN changes of lattice dots): 6,000 in all.
  const Scenario sc = two_density_scenario();
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Impression> imps;
  for (std::uint32_t i = 0; i < 6000; ++i) {
    PointMm p{-1.0 + 22.0 * u(rng), -1.0 + 22.0 * u(rng)};
    if (i < 3200) p = PointMm{0.375 * (i % 56), 0.375 * (i / 56)};
    Impression imp = dot(p, 0.1 + 0.3 * u(rng), 1.0 + 0.3 * u(rng));
    imp.id = i;
    imp.depth_mm = 0.05 + 0.5 * u(rng);
    imp.dose = 0.5 + 2.0 * u(rng);
    imp.dilution = 0.1 * std::floor(4.0 * u(rng));
    imps.push_back(imp);
  }
  Scorer one(sc, catalogue());
  for (const Impression& imp : imps) one.add(imp);
  const ScoreReport a = one.report();
  const ScoreReport b = score_batch(sc, catalogue(), imps);
  EXPECT_EQ(a.overall, b.overall);
  EXPECT_EQ(a.passed, b.passed);
  ASSERT_EQ(a.criteria.size(), b.criteria.size());
  for (std::size_t c = 0; c < a.criteria.size(); ++c) {
    EXPECT_EQ(a.criteria[c].score, b.criteria[c].score) << a.criteria[c].key;
    EXPECT_EQ(a.criteria[c].explanation, b.criteria[c].explanation);
    EXPECT_EQ(a.criteria[c].metrics, b.criteria[c].metrics) << a.criteria[c].key;
  }
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (std::size_t f = 0; f < a.findings.size(); ++f) {
    EXPECT_EQ(a.findings[f].code, b.findings[f].code);
    EXPECT_EQ(a.findings[f].impression_id, b.findings[f].impression_id);
    EXPECT_EQ(a.findings[f].severity, b.findings[f].severity);
    EXPECT_EQ(a.findings[f].message, b.findings[f].message);
  }
  EXPECT_GT(metric(a, "touching_pairs"), 0.0);
}

}  // namespace
}  // namespace smp::sim
