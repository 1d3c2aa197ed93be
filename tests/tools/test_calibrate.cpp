// `smp calibrate`: pass marks from at least five expert sessions; the experts pass their own
// calibrated marks, clear failures still fail, and the copy is a valid scenario.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace smp::test {
namespace {

using nlohmann::json;

const std::string kScenario = "scenarios/pad-spacing-drill.json";

std::string demo(const std::string& dir, const std::string& style, int seed) {
  const std::string out = dir + "/" + style + "-" + std::to_string(seed) + ".session.json";
  auto r = run_smp({"demo-session", "--scenario", kScenario, "--out", out, "--style", style,
                    "--seed", std::to_string(seed)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

bool passes(const std::string& scenario, const std::string& session) {
  auto r = run_smp({"score", "--scenario", scenario, "--session", session, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out)["overall"]["passed"].get<bool>();
}

TEST(SmpCalibrate, FewerThanFiveExpertsIsRefused) {
  const std::string dir = make_temp_dir("calibrate-few");
  std::vector<std::string> args = {"calibrate", "--scenario", kScenario, "--out",
                                   dir + "/out.json"};
  for (int seed = 1; seed <= 4; ++seed) args.push_back(demo(dir, "expert", seed));
  auto r = run_smp(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("needs at least 5 expert sessions, got 4"), std::string::npos) << r.err;
  EXPECT_EQ(run_smp({"calibrate", "--scenario", kScenario}).exit_code, 64);
}

TEST(SmpCalibrate, ExpertsPassTheirOwnMarksAndClearFailuresStillFail) {
  const std::string dir = make_temp_dir("calibrate");
  const std::string out = dir + "/calibrated.json";
  std::vector<std::string> experts;
  std::vector<std::string> args = {"calibrate", "--scenario", kScenario, "--out", out};
  for (int seed = 1; seed <= 6; ++seed) {
    experts.push_back(demo(dir, "expert", seed));
    args.push_back(experts.back());
  }
  auto r = run_smp(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* part : {"in band %", "touching %", "coverage %", "density ratio (min)",
                           "depth score", "6 of 6 expert sessions pass"}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  }
  auto v = run_smp({"validate", out});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  const json cal = json::parse(read_text(out));
  const json orig = json::parse(read_text(std::string(SMP_SOURCE_DIR) + "/" + kScenario));
  EXPECT_EQ(cal["version"].get<int>(), orig["version"].get<int>() + 1);
  EXPECT_EQ(cal["regions"], orig["regions"]);
  // Stricter than the defaults where the experts do better than them.
  EXPECT_GT(cal["pass_rules"]["min_in_band_pct"].get<double>(), 90.0);
  EXPECT_GT(cal["pass"]["depth"].get<double>(), 70.0);
  for (const std::string& e : experts) EXPECT_TRUE(passes(out, e)) << e;
  // A new expert (another seed) passes too; the classic faults fail.
  EXPECT_TRUE(passes(out, demo(dir, "expert", 42)));
  for (const char* fault : {"too-deep", "too-shallow", "touching", "unworked", "sparse", "dense"})
    EXPECT_FALSE(passes(out, demo(dir, fault, 7))) << fault;
}

}  // namespace
}  // namespace smp::test
