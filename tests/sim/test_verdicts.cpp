// Verdicts an instructor would sign (docs/scoring.md, "Verdict"): on every shipped scenario, with
// its own pass marks and rules, an expert's attempt and an expert's attempt with a few slips
// pass, and each classic fault fails: a fifth of the dots too deep or too shallow, a tenth
// touching, a fifth of the area unworked, density below 2/3 or above 1.5x the target. The
// attempts are stylus logs from the synthetic trainees of `smp demo-session` (tools/synth),
// replayed as `smp score` replays them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "sim_test_support.h"
#include "smp/sim/scenario.h"
#include "smp/sim/simulation.h"
#include "synth.h"

namespace smp::sim {
namespace {

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> out;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(SMP_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() == ".json") out.push_back("scenarios/" + e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

double metric(const ScoreReport& r, const std::string& crit, const std::string& name) {
  for (const auto& c : r.criteria) {
    if (c.key != crit) continue;
    for (const auto& [k, v] : c.metrics)
      if (k == name) return v;
  }
  ADD_FAILURE() << "no metric " << crit << "." << name;
  return 0.0;
}

const RuleCheck* rule(const ScoreReport& r, const std::string& key) {
  for (const auto& c : r.rules)
    if (c.key == key) return &c;
  return nullptr;
}

std::string why(const ScoreReport& r) {
  std::string s = "overall " + std::to_string(r.overall);
  for (const auto& c : r.criteria)
    s += "\n  " + c.key + " " + std::to_string(c.score) + "/" + std::to_string(c.pass_mark) +
         (c.passed ? " pass" : " FAIL");
  for (const auto& c : r.rules) s += "\n  rule " + c.text + (c.passed ? " pass" : " FAIL");
  s += "\n  critical errors " + std::to_string(r.critical_errors.size());
  return s;
}

ScoreReport attempt(const Scenario& sc, const char* style, std::uint64_t seed = 3) {
  const auto st = synth::parse_style(style);
  EXPECT_TRUE(st.has_value()) << style;
  const Session session = synth::synthesize(sc, test::catalogue(), *st, seed, style);
  auto out = replay_session(session, sc, test::catalogue());
  EXPECT_TRUE(out.ok());
  return out.ok() ? out->report : ScoreReport{};
}

class Verdicts : public ::testing::TestWithParam<std::string> {};

TEST_P(Verdicts, ExpertAndFewSlipsPassEveryClassicFaultFails) {
  const Scenario sc = test::load_scenario(GetParam());

  const ScoreReport expert = attempt(sc, "expert");
  EXPECT_TRUE(expert.passed) << "expert: " << why(expert);

  const ScoreReport slips = attempt(sc, "few-slips");
  EXPECT_TRUE(slips.passed) << "few slips: " << why(slips);
  // The slips are real: some dots outside the band, a touching pair.
  EXPECT_LT(metric(slips, "depth", "in_band_pct"), 100.0);
  EXPECT_GT(metric(slips, "spacing", "touching_pct"), 0.0);

  const ScoreReport deep = attempt(sc, "too-deep");
  // A fifth of the dots below the band (in thin scar dermis some reach the fat: critical too).
  EXPECT_LE(metric(deep, "depth", "in_band_pct"), 80.5);
  EXPECT_GE(metric(deep, "depth", "too_deep_pct") + 100.0 * metric(deep, "depth", "in_fat_count") /
                                                        static_cast<double>(deep.impression_count),
            19.5);
  EXPECT_FALSE(deep.passed) << "a fifth too deep: " << why(deep);
  EXPECT_FALSE(rule(deep, "in_band")->passed);

  const ScoreReport shallow = attempt(sc, "too-shallow");
  EXPECT_GE(metric(shallow, "depth", "too_shallow_pct"), 19.5);
  EXPECT_FALSE(shallow.passed) << "a fifth too shallow: " << why(shallow);
  EXPECT_FALSE(rule(shallow, "in_band")->passed);

  const ScoreReport touching = attempt(sc, "touching");
  EXPECT_GE(metric(touching, "spacing", "touching_pct"), 10.0);
  EXPECT_FALSE(touching.passed) << "a tenth touching: " << why(touching);
  EXPECT_FALSE(rule(touching, "touching")->passed);

  const ScoreReport unworked = attempt(sc, "unworked");
  EXPECT_FALSE(unworked.passed) << "a fifth unworked: " << why(unworked);
  EXPECT_FALSE(rule(unworked, "coverage")->passed);

  const ScoreReport sparse = attempt(sc, "sparse");
  EXPECT_LT(rule(sparse, "density")->value, 2.0 / 3.0 + 0.02);
  EXPECT_FALSE(sparse.passed) << "two-thirds density: " << why(sparse);
  EXPECT_FALSE(rule(sparse, "density")->passed);

  const ScoreReport dense = attempt(sc, "dense");
  EXPECT_GT(rule(dense, "density")->value, 1.5);
  EXPECT_FALSE(dense.passed) << "1.5x density: " << why(dense);
  EXPECT_FALSE(rule(dense, "density")->passed);
}

INSTANTIATE_TEST_SUITE_P(Shipped, Verdicts, ::testing::ValuesIn(shipped_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string n = std::filesystem::path(p.param).stem().string();
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace smp::sim

namespace smp::sim {
namespace {

// ---- Time limit (time_limit.h): the same rule for the trainer, `smp score` and `smp report`,
// which all score through Simulation. ----

Session expert_session(const Scenario& sc) {
  return synth::synthesize(sc, test::catalogue(), synth::Style{}, 5, "t");
}

double last_impression_t(const Scenario& sc, const Session& s) {
  auto out = replay_session(s, sc, test::catalogue());
  return out.ok() && !out->impressions.empty() ? out->impressions.back().t_s : 0.0;
}

TEST(TimeLimit, WorkAfterTheLimitIsNotCountedAndFailsAnAssessment) {
  Scenario sc = test::load_scenario("scenarios/hairline-assessment.json");
  ASSERT_EQ(sc.mode, Mode::kAssessment);
  const Session s = expert_session(sc);
  const double end = last_impression_t(sc, s);
  sc.time_limit_s = end + 1.0;  // everything in time
  auto in_time = replay_session(s, sc, test::catalogue());
  ASSERT_TRUE(in_time.ok());
  EXPECT_TRUE(in_time->report.passed);
  EXPECT_EQ(in_time->report.late_impressions, 0u);
  EXPECT_TRUE(rule(in_time->report, "time")->passed);

  sc.time_limit_s = 0.9 * end;  // the last tenth of the work is late
  auto late = replay_session(s, sc, test::catalogue());
  ASSERT_TRUE(late.ok());
  EXPECT_GT(late->report.late_impressions, 0u);
  EXPECT_EQ(late->report.impression_count + late->report.late_impressions,
            late->impressions.size());  // kept in the session, not scored
  EXPECT_FALSE(late->report.passed);
  const RuleCheck* t = rule(late->report, "time");
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->passed);
  EXPECT_NE(t->text.find("over time"), std::string::npos) << t->text;
  // The scores are those of the work done in time.
  std::vector<Impression> in_time_work(
      late->impressions.begin(),
      late->impressions.begin() + static_cast<long>(late->report.impression_count));
  EXPECT_EQ(late->report.overall, score_batch(sc, test::catalogue(), in_time_work).overall);

  // Practice scenarios judge the work done in time unless told to fail.
  sc.mode = Mode::kPractice;
  auto practice = replay_session(s, sc, test::catalogue());
  ASSERT_TRUE(practice.ok());
  EXPECT_TRUE(rule(practice->report, "time")->passed);
  sc.pass_rules.over_time = OverTime::kFail;
  EXPECT_FALSE(replay_session(s, sc, test::catalogue())->report.passed);
}

TEST(TimeLimit, WorkDoneEntirelyAfterTheLimitNeverPasses) {
  Scenario sc = test::load_scenario("scenarios/frontal-hairline.json");
  sc.pass_rules.over_time = OverTime::kStopCounting;
  sc.time_limit_s = 0.5;  // before the first tap
  auto out = replay_session(expert_session(sc), sc, test::catalogue());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->report.impression_count, 0u);
  EXPECT_EQ(out->report.late_impressions, out->impressions.size());
  EXPECT_FALSE(out->report.passed);
}

TEST(TimeLimit, UndoOfLateWorkComesOffTheLateCountFirst) {
  Scenario sc = test::load_scenario("scenarios/pad-spacing-drill.json");
  sc.time_limit_s = 10.0;
  Simulation sim(sc, test::catalogue(), 1, ToolState{});
  auto tap = [&](double t, double x) {
    StylusSample down;
    down.t_s = t;
    down.pos = {x, 40.0};
    down.pressure = 0.4;
    down.down = true;
    sim.apply(down);
    StylusSample up = down;
    up.t_s = t + 0.1;
    up.down = false;
    sim.apply(up);
  };
  tap(1.0, 40.0);
  tap(20.0, 45.0);  // late
  EXPECT_EQ(sim.scorer().size(), 1u);
  EXPECT_EQ(sim.late_impressions(), 1u);
  sim.apply(UndoEvent{21.0, 1});
  EXPECT_EQ(sim.late_impressions(), 0u);
  EXPECT_EQ(sim.scorer().size(), 1u);
  EXPECT_TRUE(rule(sim.report(), "time")->passed);
}

// ---- The pass_rules block (docs/scenario-format.md, "Pass rules") ----

TEST(PassRulesFormat, DefaultsAndEveryKeyAndLocatedErrors) {
  const Scenario plain = test::load_scenario("scenarios/pad-spacing-drill.json");
  EXPECT_EQ(plain.pass_rules, PassRules{});
  std::ifstream in(std::string(SMP_SOURCE_DIR) + "/scenarios/pad-spacing-drill.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto with = [&](const std::string& block) {
    std::string t = text;
    t.insert(t.rfind('}'), ", \"pass_rules\": " + block);
    return parse_scenario(t, "x.json");
  };
  auto ok = with(R"({"min_in_band_pct": 85, "max_touching_pct": 3, "min_coverage_pct": 70,
                     "density_ratio": [0.8, 1.2], "max_stray_pct": 2, "over_time": "fail"})");
  ASSERT_TRUE(ok.ok()) << ok.errors().front().to_string();
  EXPECT_EQ(ok->pass_rules.min_in_band_pct, 85.0);
  EXPECT_EQ(ok->pass_rules.max_touching_pct, 3.0);
  EXPECT_EQ(ok->pass_rules.min_coverage_pct, 70.0);
  EXPECT_EQ(ok->pass_rules.min_density_ratio, 0.8);
  EXPECT_EQ(ok->pass_rules.max_density_ratio, 1.2);
  EXPECT_EQ(ok->pass_rules.max_stray_pct, 2.0);
  EXPECT_EQ(ok->pass_rules.over_time, OverTime::kFail);
  auto bad = with(R"({"min_in_band_pct": 120, "density_ratio": [1.2, 0.8], "over_time": "x",
                      "max_touch_pct": 3})");
  ASSERT_FALSE(bad.ok());
  std::string all;
  for (const auto& e : bad.errors()) all += e.to_string() + "\n";
  EXPECT_NE(all.find("x.json: /pass_rules/min_in_band_pct: must be between 0 and 100 (got 120)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("/pass_rules/density_ratio/0:"), std::string::npos) << all;
  EXPECT_NE(all.find("/pass_rules/over_time: must be one of"), std::string::npos) << all;
  EXPECT_NE(all.find("/pass_rules/max_touch_pct: unknown field"), std::string::npos) << all;
}

TEST(PassRulesFormat, RuleTextsShowFigureAndLimit) {
  std::vector<RuleCheck> out;
  VerdictFacts f;
  f.dots = 1000;
  f.in_band = 896;  // 89.6%: must not read as "90% (needs at least 90%)"
  f.touching = 12;
  f.coverage = 0.91;
  f.in_area = 1000;
  f.expected_dots = 1000;
  EXPECT_FALSE(check_pass_rules(PassRules{}, f, out));
  EXPECT_EQ(out[0].text, "89.6% of dots in the target depth band (needs at least 90%)");
  EXPECT_FALSE(out[0].passed);
  EXPECT_EQ(out[1].text, "1% of dots touch a neighbour (allows at most 5%)");
  EXPECT_EQ(out[3].text, "density 1.00x the target (needs 0.75x to 1.33x)");
  f.in_band = 920;
  EXPECT_TRUE(check_pass_rules(PassRules{}, f, out));
  EXPECT_EQ(out[0].text, "92% of dots in the target depth band (needs at least 90%)");
  EXPECT_FALSE(check_pass_rules(PassRules{}, VerdictFacts{}, out));  // no dots: nothing passes
  EXPECT_EQ(out[0].text, "no dots yet: needs at least 90% of dots in the target depth band");
}

}  // namespace
}  // namespace smp::sim
