// Scorer::report() keeps memos between calls (the analysis grid's per-cell and per-block figures,
// their running sums, the sorted spot set, formatted messages). A stale memo would make a report
// differ from a fresh one, so long random sequences of add / pop_back / report() on several
// shipped scenarios (hairline, scars, hairs, avoid regions) are checked after every report
// against score_batch() of the same impressions, field by field with ==. The sequences mix single
// dots, clumps (touching, repeated passes), lattices (grid_like blocks), long runs without a
// report, pops down to an empty session, and dots that are critical errors, so every memo is
// built, reused and invalidated many times. report_into(), which writes over an existing report,
// is checked the same way. The printf-compatible formatter the report uses is
// checked against snprintf.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../../engine/sim/src/text_format.h"
#include "sim_test_support.h"
#include "smp/sim/geometry.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"

namespace smp::sim {
namespace {

using test::catalogue;
Scenario load(const std::string& path) {
  return test::load_scenario(path);
}

bool bits_equal(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// Every field of the two reports; returns false at the first difference (the caller names the
// step), so a broken memo reports one clear failure instead of thousands.
::testing::AssertionResult same_report(const ScoreReport& a, const ScoreReport& b) {
  auto fail = [](const std::string& what) { return ::testing::AssertionFailure() << what; };
  if (!bits_equal(a.overall, b.overall)) return fail("overall");
  if (a.passed != b.passed) return fail("passed");
  if (a.impression_count != b.impression_count) return fail("impression_count");
  if (a.criteria.size() != b.criteria.size()) return fail("criteria count");
  for (std::size_t i = 0; i < a.criteria.size(); ++i) {
    const CriterionScore &x = a.criteria[i], &y = b.criteria[i];
    if (x.key != y.key || x.label != y.label) return fail("criterion key/label " + x.key);
    if (!bits_equal(x.score, y.score)) return fail(x.key + " score");
    if (!bits_equal(x.pass_mark, y.pass_mark) || !bits_equal(x.weight, y.weight))
      return fail(x.key + " pass mark/weight");
    if (x.passed != y.passed) return fail(x.key + " passed");
    if (x.explanation != y.explanation)
      return fail(x.key + " explanation: '" + x.explanation + "' vs '" + y.explanation + "'");
    if (x.metrics.size() != y.metrics.size()) return fail(x.key + " metric count");
    for (std::size_t m = 0; m < x.metrics.size(); ++m) {
      if (x.metrics[m].first != y.metrics[m].first) return fail(x.key + " metric name");
      if (!bits_equal(x.metrics[m].second, y.metrics[m].second))
        return fail(x.key + " metric " + x.metrics[m].first);
    }
  }
  if (a.critical_errors.size() != b.critical_errors.size()) return fail("critical error count");
  for (std::size_t i = 0; i < a.critical_errors.size(); ++i) {
    const CriticalError &x = a.critical_errors[i], &y = b.critical_errors[i];
    if (x.code != y.code || x.message != y.message || x.impression_id != y.impression_id ||
        !(x.pos == y.pos))
      return fail("critical error " + std::to_string(i) + ": " + x.message + " vs " + y.message);
  }
  if (a.findings.size() != b.findings.size()) return fail("finding count");
  for (std::size_t i = 0; i < a.findings.size(); ++i) {
    const Finding &x = a.findings[i], &y = b.findings[i];
    if (x.criterion != y.criterion || x.code != y.code || x.message != y.message ||
        x.impression_id != y.impression_id || !(x.pos == y.pos) ||
        !bits_equal(x.severity, y.severity))
      return fail("finding " + std::to_string(i) + ": " + x.code + " '" + x.message + "' vs " +
                  y.code + " '" + y.message + "'");
  }
  return ::testing::AssertionSuccess();
}

// Exact uniform double in [0, 1) from one draw (the library distributions are not portable).
double unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

struct Sequence {
  const Scenario& sc;
  std::mt19937_64 rng;
  BoxMm box{{1e9, 1e9}, {-1e9, -1e9}};
  std::vector<Impression> imps;
  Scorer scorer;
  int reports = 0;

  Sequence(const Scenario& s, std::uint64_t seed) : sc(s), rng(seed), scorer(s, catalogue()) {
    for (const Region& r : sc.regions) {
      const BoxMm b = bounding_box(r.polygon_mm);
      box.min.x_mm = std::min(box.min.x_mm, b.min.x_mm);
      box.min.y_mm = std::min(box.min.y_mm, b.min.y_mm);
      box.max.x_mm = std::max(box.max.x_mm, b.max.x_mm);
      box.max.y_mm = std::max(box.max.y_mm, b.max.y_mm);
    }
  }
  PointMm anywhere() {
    // A margin around every region: some dots land outside, in front of the hairline or in
    // forbidden and avoid regions.
    return PointMm{box.min.x_mm - 4.0 + unit(rng) * (box.max.x_mm - box.min.x_mm + 8.0),
                   box.min.y_mm - 4.0 + unit(rng) * (box.max.y_mm - box.min.y_mm + 8.0)};
  }
  void add(PointMm p) {
    Impression imp;
    imp.id = static_cast<std::uint32_t>(imps.size());
    imp.pos = p;
    const double u = unit(rng);
    imp.depth_mm = u < 0.85 ? 0.3 + 0.5 * unit(rng) : (u < 0.98 ? 1.5 * unit(rng) : 4.0);
    imp.dose = unit(rng) < 0.9 ? 1.0 : 1.0 + 3.0 * unit(rng);
    imp.fresh_diameter_mm = 0.15 + 0.35 * unit(rng);
    const auto& all = catalogue().all();
    imp.pigment = all[static_cast<std::size_t>(rng() % all.size())].id;
    if (unit(rng) < 0.01) imp.pigment = "not-in-the-catalogue";
    imp.dilution = 0.5 * unit(rng);
    scorer.add(imp);
    imps.push_back(imp);
  }
  void pop() {
    scorer.pop_back();
    imps.pop_back();
  }
  // report() and report_into() against a fresh batch score. report_into() writes over a report
  // last filled at another step, by another Scorer or for another scenario (shared by all tests):
  // whatever it held must not show through.
  ::testing::AssertionResult check() {
    ++reports;
    const ScoreReport batch = score_batch(sc, catalogue(), imps);
    ::testing::AssertionResult fresh = same_report(scorer.report(), batch);
    if (!fresh) return fresh << " (report())";
    static ScoreReport reused;
    scorer.report_into(reused);
    ::testing::AssertionResult into = same_report(reused, batch);
    if (!into) return into << " (report_into())";
    return ::testing::AssertionSuccess();
  }
  // One random step: mostly single dots; sometimes a clump, a lattice patch or a long run.
  void step() {
    const double u = unit(rng);
    if (u < 0.18 && !imps.empty()) {
      const std::size_t k = 1 + rng() % std::min<std::size_t>(imps.size(), 12);
      for (std::size_t i = 0; i < k; ++i) pop();
    } else if (u < 0.24) {
      const PointMm c = anywhere();  // a clump: touching dots and repeated passes
      for (int i = 0; i < 25; ++i)
        add(PointMm{c.x_mm + 2.0 * (unit(rng) - 0.5), c.y_mm + 2.0 * (unit(rng) - 0.5)});
    } else if (u < 0.28) {
      const PointMm c = anywhere();  // a square lattice over a 10 mm block: grid_like
      for (int j = 0; j < 7; ++j)
        for (int i = 0; i < 7; ++i) add(PointMm{c.x_mm + 1.2 * i, c.y_mm + 1.2 * j});
    } else if (u < 0.30) {
      for (int i = 0; i < 80; ++i) add(anywhere());  // a long run (many dirty cells at once)
    } else {
      add(anywhere());
    }
  }
};

class ReportMemo : public ::testing::TestWithParam<const char*> {};

TEST_P(ReportMemo, EveryReportEqualsAFreshBatchScore) {
  const Scenario sc = load(GetParam());
  for (std::uint64_t seed : {1u, 2u}) {
    Sequence s(sc, seed * 1000003u + std::hash<std::string>{}(GetParam()) % 997u);
    for (int i = 0; i < 300; ++i) {
      s.step();
      if (unit(s.rng) < 0.4) {
        ASSERT_TRUE(s.check()) << GetParam() << " step " << i;
      }
    }
    // Down to empty (no spots, no findings) and up again: the memos built for the full session
    // must not leak into the empty one or the new one.
    while (!s.imps.empty()) {
      const std::size_t k = std::min<std::size_t>(s.imps.size(), 1 + s.rng() % 60);
      for (std::size_t i = 0; i < k; ++i) s.pop();
      ASSERT_TRUE(s.check()) << GetParam() << " emptying, " << s.imps.size() << " left";
    }
    for (int i = 0; i < 100; ++i) {
      s.step();
      ASSERT_TRUE(s.check()) << GetParam() << " refill step " << i;
    }
    EXPECT_GT(s.reports, 200);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, ReportMemo,
    ::testing::Values("scenarios/frontal-hairline.json", "scenarios/strip-scar.json",
                      "scenarios/fue-dot-scars.json", "scenarios/diffuse-thinning.json",
                      "scenarios/crown-vertex.json", "tests/bench/full-scalp.json"));

// A fresh Scorer's first report with dots already in it, and two Scorers on one scenario, do
// not share memos.
TEST(ReportMemoBasics, FirstReportAfterManyAddsAndIndependentScorers) {
  const Scenario sc = load("scenarios/frontal-hairline.json");
  Sequence a(sc, 7), b(sc, 8);
  for (int i = 0; i < 40; ++i) {
    a.step();
    b.step();
  }
  ASSERT_TRUE(a.check());
  ASSERT_TRUE(b.check());
  for (int i = 0; i < 40; ++i) {
    a.step();
    ASSERT_TRUE(a.check());
    ASSERT_TRUE(b.check());
  }
}

std::string via_vformat(const char* f, ...) {
  va_list ap;
  va_start(ap, f);
  std::string s = detail::vformat(f, ap);
  va_end(ap);
  return s;
}

std::string via_snprintf(int prec, double v) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

// write_fixed must write exactly what glibc's printf writes: round half to even on the exact
// binary value, "-" on every negative (also "-0"), all digits of large values.
TEST(TextFormat, FixedMatchesSnprintf) {
  std::mt19937_64 rng(12345);
  auto check = [](double v) {
    for (int prec = 0; prec <= 3; ++prec) {
      char buf[64];
      char* end = detail::write_fixed(buf, v, prec);
      if (end == nullptr) {
        EXPECT_TRUE(!std::isfinite(v) || std::fabs(v) >= 0x1.0p53) << v;
        continue;
      }
      ASSERT_EQ(std::string(buf, end), via_snprintf(prec, v)) << std::hexfloat << v;
    }
  };
  for (double v : {0.0,
                   -0.0,
                   0.5,
                   1.5,
                   2.5,
                   -0.5,
                   -2.5,
                   0.125,
                   0.375,
                   0.05,
                   0.005,
                   0.0005,
                   9.995,
                   99.5,
                   0.45,
                   1e-300,
                   5e-324,
                   0x1.fffffffffffffp52,
                   4503599627370495.5,
                   123456789.125})
    check(v);
  for (int i = 0; i < 200000; ++i) {
    check(std::bit_cast<double>(rng()));  // every exponent, NaNs and infinities included
    const double u = unit(rng);
    check(100.0 * u);
    check(-3.0 * u);
    check(std::ldexp(u, static_cast<int>(rng() % 120) - 80));
    check(static_cast<double>(rng() % 100000) / 8.0);  // exact ties at every precision
    check(static_cast<double>(rng() % 100000) / 1024.0);
    check(static_cast<double>(rng() % 100000) / 100.0);  // near ties
  }
}

TEST(TextFormat, FormatsLikeVsnprintf) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.0f%% of %lld dots; %d holes, %.2f, %.1f, %.3f.", 12.5, -5LL, -7,
                0.125, -0.05, 1e30);
  EXPECT_EQ(via_vformat("%.0f%% of %lld dots; %d holes, %.2f, %.1f, %.3f.", 12.5, -5LL, -7, 0.125,
                        -0.05, 1e30),
            buf);
  // Conversions outside the subset, non-finite values and long output take vsnprintf's path.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::snprintf(buf, sizeof buf, "%s %5.1f %.1f %.1f", "x", 2.25, nan, -inf);
  EXPECT_EQ(via_vformat("%s %5.1f %.1f %.1f", "x", 2.25, nan, -inf), buf);
  // Output stops at 511 bytes, as with the 512-byte buffer of vsnprintf.
  const std::string long_format = std::string(600, 'a') + "%d";
  EXPECT_EQ(via_vformat(long_format.c_str(), 5), std::string(511, 'a'));
}

}  // namespace
}  // namespace smp::sim
