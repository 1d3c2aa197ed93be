// `smp score`: the table, the --json shape (docs/session-format.md), exit codes, and located
// errors for unusable input. Runs the real binary on the committed demo sessions.
#include <nlohmann/json.hpp>
#include <string>

#include <gtest/gtest.h>

#include "cli_runner.h"

namespace smp::test {
namespace {

using nlohmann::json;

const std::string kScenario = "scenarios/frontal-hairline.json";
const std::string kExpert = "assets/sessions/frontal-hairline-expert.session.json";
const std::string kNovice = "assets/sessions/frontal-hairline-novice.session.json";

json recorded_of(const std::string& session_rel) {
  return json::parse(read_text(std::string(SMP_SOURCE_DIR) + "/" + session_rel))["recorded"];
}

TEST(SmpScore, HelpAndUsage) {
  auto help = run_smp({"score", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage: smp score --scenario FILE --session FILE [--json]"),
            std::string::npos);
  EXPECT_EQ(run_smp({"score"}).exit_code, 64);
  EXPECT_EQ(run_smp({"score", "--scenario", kScenario}).exit_code, 64);
  auto unknown = run_smp({"score", "--scenario", kScenario, "--session", kExpert, "--bogus"});
  EXPECT_EQ(unknown.exit_code, 64);
  EXPECT_NE(unknown.err.find("--bogus"), std::string::npos);
  EXPECT_EQ(run_smp({"score", "--scenario"}).exit_code, 64);
}

TEST(SmpScore, HumanTableForAPassingSession) {
  auto r = run_smp({"score", "--scenario", kScenario, "--session", kExpert});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* part : {"Criterion", "Score", "Pass", "Overall", "PASS", "Critical errors: none",
                           "frontal-hairline"}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  }
}

TEST(SmpScore, JsonShapeAndValuesMatchTheRecord) {
  auto r = run_smp({"score", "--scenario", kScenario, "--session", kExpert, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j;
  ASSERT_NO_THROW(j = json::parse(r.out)) << "stdout must be exactly one JSON object";
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j["overall"].is_object());
  EXPECT_TRUE(j["overall"]["score"].is_number());
  EXPECT_TRUE(j["overall"]["passed"].is_boolean());
  EXPECT_TRUE(j["overall"]["pass_mark"].is_number());
  EXPECT_EQ(j["overall"]["pass_mark"].get<double>(), 60.0) << "frontal-hairline's pass mark";
  ASSERT_TRUE(j["criteria"].is_object());
  for (const char* key : {"depth", "spacing", "blurring", "color"}) {
    ASSERT_TRUE(j["criteria"].contains(key)) << key;
  }
  EXPECT_EQ(j["criteria"].size(), 5u) << "four craft criteria and the case goal";
  for (const auto& [key, c] : j["criteria"].items()) {
    for (const char* field : {"score", "pass_mark", "weight"}) {
      EXPECT_TRUE(c[field].is_number()) << key << "." << field;
    }
    EXPECT_TRUE(c["passed"].is_boolean()) << key;
    EXPECT_TRUE(c["explanation"].is_string() && !c["explanation"].get<std::string>().empty())
        << key;
    EXPECT_TRUE(c["metrics"].is_object()) << key;
  }
  EXPECT_TRUE(j["critical_errors"].is_array());
  EXPECT_TRUE(j["findings"].is_array());
  EXPECT_EQ(j["scenario"]["id"], "frontal-hairline");
  EXPECT_EQ(j["scenario"]["sha256"].get<std::string>().size(), 64u);
  // The values are the replay's: they equal what the demo recorded when it was written.
  const json rec = recorded_of(kExpert);
  EXPECT_EQ(j["impression_count"], rec["impression_count"]);
  EXPECT_EQ(j["overall"]["score"].get<double>(), rec["overall"].get<double>());
  for (const auto& [key, score] : rec["criteria"].items()) {
    EXPECT_EQ(j["criteria"][key]["score"].get<double>(), score.get<double>()) << key;
  }
  EXPECT_TRUE(j["overall"]["passed"].get<bool>());
}

TEST(SmpScore, FailingSessionStillExitsZeroAndListsCriticalErrors) {
  auto r = run_smp({"score", "--scenario", kScenario, "--session", kNovice, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_FALSE(j["overall"]["passed"].get<bool>());
  ASSERT_FALSE(j["critical_errors"].empty()) << "the novice demo strays onto the forehead";
  EXPECT_EQ(j["critical_errors"][0]["code"], "forbidden_region");
  EXPECT_TRUE(j["critical_errors"][0]["impression_id"].is_number_integer());
  auto text = run_smp({"score", "--scenario", kScenario, "--session", kNovice});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("FAIL"), std::string::npos);
  EXPECT_NE(text.out.find("forbidden_region"), std::string::npos);
}

TEST(SmpScore, InterchangeImpressionsAreScored) {
  auto r = run_smp({"score", "--scenario", kScenario, "--session",
                    "assets/sessions/frontal-hairline-interchange.session.json", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["impression_count"], 12);
}

TEST(SmpScore, MalformedSessionNamesFileAndPointer) {
  const std::string dir = make_temp_dir("score-bad");
  const std::string bad = dir + "/bad.json";
  write_text(bad, R"({"schema":"smp-session/1","scenario_id":"frontal-hairline","events":[
    [0,0,10,0.5,0,0,1],[0.1,0,10,0.5,0,0,1],[0.2,0,10,0.5,0,0,1],[0.3,0,10,1.7,0,0,1]]})");
  auto r = run_smp({"score", "--scenario", kScenario, "--session", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(bad + ": /events/3/3: pressure"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());

  auto missing = run_smp({"score", "--scenario", kScenario, "--session", dir + "/none.json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find(dir + "/none.json"), std::string::npos);

  write_text(dir + "/notjson.json", "{\"schema\": ");
  auto notjson = run_smp({"score", "--scenario", kScenario, "--session", dir + "/notjson.json"});
  EXPECT_EQ(notjson.exit_code, 1);
  EXPECT_NE(notjson.err.find("not valid JSON at line 1"), std::string::npos) << notjson.err;
}

TEST(SmpScore, OtherScenarioIsAnErrorOtherVersionAWarning) {
  auto other = run_smp({"score", "--scenario", "scenarios/strip-scar.json", "--session", kExpert});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find(kExpert + ": /scenario_id:"), std::string::npos) << other.err;

  json s = json::parse(read_text(std::string(SMP_SOURCE_DIR) + "/" + kExpert));
  s["scenario_sha256"] = std::string(64, 'f');
  const std::string dir = make_temp_dir("score-version");
  write_text(dir + "/s.json", s.dump());
  auto r = run_smp({"score", "--scenario", kScenario, "--session", dir + "/s.json", "--json"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("warning"), std::string::npos);
  EXPECT_NE(r.err.find("different version"), std::string::npos);
  json parsed;
  EXPECT_NO_THROW(parsed = json::parse(r.out)) << "the warning goes to stderr, not the JSON";
  EXPECT_TRUE(parsed.is_object());
}

TEST(SmpScore, UndoInAnAssessmentLogIsRefused) {
  json s = json::parse(read_text(std::string(SMP_SOURCE_DIR) +
                                 "/assets/sessions/hairline-assessment-novice.session.json"));
  const json& last = s["events"].back();
  const double t = last.is_array() ? last[0].get<double>() : last["t_s"].get<double>();
  s["events"].push_back({{"t_s", t + 1.0}, {"undo", 1}});
  s.erase("recorded");
  const std::string dir = make_temp_dir("score-undo");
  write_text(dir + "/s.json", s.dump());
  auto r = run_smp(
      {"score", "--scenario", "scenarios/hairline-assessment.json", "--session", dir + "/s.json"});
  EXPECT_EQ(r.exit_code, 1);
  const std::string ptr = "/events/" + std::to_string(s["events"].size() - 1);
  EXPECT_NE(r.err.find(dir + "/s.json: " + ptr + ": undo is not allowed"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace smp::test
