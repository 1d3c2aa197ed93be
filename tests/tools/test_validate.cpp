// `smp validate`: run the real binary on shipped, broken and missing files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_runner.h"
#include "smp/sim/session.h"

namespace smp::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> shipped() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(SMP_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() == ".json") out.push_back("scenarios/" + e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SmpValidate, ShippedScenariosAreOk) {
  const auto files = shipped();
  ASSERT_GE(files.size(), 10u);
  std::vector<std::string> args = {"validate"};
  args.insert(args.end(), files.begin(), files.end());
  const CliRun r = run_smp(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) EXPECT_EQ(out[i], files[i] + ": ok");
}

TEST(SmpValidate, BadFileGivesOneLinePerErrorAndExitOne) {
  const std::string dir = make_temp_dir("validate-bad");
  nlohmann::json j = nlohmann::json::parse(
      read_text(std::string(SMP_SOURCE_DIR) + "/scenarios/pad-spacing-drill.json"));
  j["title"] = 5;
  j["level"] = 0;
  j["regions"][0]["polygon_mm"][1] = {"x", 35};
  j["surfaec"] = "head";
  const std::string bad = dir + "/bad.json";
  write_text(bad, j.dump(2));
  const CliRun r = run_smp({"validate", "scenarios/frontal-hairline.json", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "scenarios/frontal-hairline.json: ok\n");
  const auto err = lines(r.err);
  ASSERT_EQ(err.size(), 4u) << r.err;
  EXPECT_EQ(err[0], bad + ": /title: expected a string, got a number");
  EXPECT_EQ(err[1], bad + ": /level: must be an integer from 1 to 5 (got 0)");
  EXPECT_EQ(err[2], bad + ": /regions/0/polygon_mm/1/0: expected a number, got a string");
  EXPECT_EQ(err[3], bad + ": /surfaec: unknown field \"surfaec\" (did you mean \"surface\"?)");
}

TEST(SmpValidate, MalformedJsonAndMissingFile) {
  const std::string dir = make_temp_dir("validate-malformed");
  const std::string broken = dir + "/broken.json";
  write_text(broken, "{\n  \"schema\": \"smp-scenario/1\"\n  \"id\": \"x\"\n}\n");
  const CliRun r = run_smp({"validate", broken, dir + "/missing.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  const auto err = lines(r.err);
  ASSERT_EQ(err.size(), 2u) << r.err;
  EXPECT_EQ(err[0].rfind(broken + ": malformed JSON at line 3, column 6", 0), 0u) << err[0];
  EXPECT_EQ(err[1], dir + "/missing.json: cannot open: no such file");
}

TEST(SmpValidate, HugeFileIsRefused) {
  const std::string dir = make_temp_dir("validate-huge");
  const std::string huge = dir + "/huge.json";
  write_text(huge, "{" + std::string(5u << 20, ' ') + "}");
  const CliRun r = run_smp({"validate", huge});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(huge + ": file is 5242882 bytes; a scenario may be at most 4194304 bytes"),
            std::string::npos)
      << r.err;
}

TEST(SmpValidate, ReadsAPipe) {
  const std::string text = read_text(std::string(SMP_SOURCE_DIR) + "/scenarios/strip-scar.json");
  CliRun r = run_smp({"validate", "/dev/stdin"}, text);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "/dev/stdin: ok\n");
  r = run_smp({"validate", "/dev/stdin"}, "{\"schema\": 1}");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "/dev/stdin: /schema: expected the string \"smp-scenario/1\", got a number\n");
}

TEST(SmpValidate, UsageAndHelp) {
  CliRun r = run_smp({"validate"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("Usage: smp validate FILE..."), std::string::npos);
  r = run_smp({"validate", "--bogus", "x.json"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("unknown option '--bogus'"), std::string::npos);
  r = run_smp({"validate", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Usage: smp validate FILE..."), std::string::npos);
  r = run_smp({"--help"});
  EXPECT_NE(r.out.find("validate"), std::string::npos);
}

// A session log is recognised by its schema and checked by the session loader.
TEST(SmpValidate, SessionFiles) {
  const std::string dir = make_temp_dir("validate-session");
  sim::Session s;
  s.header.scenario_id = "frontal-hairline";
  s.header.scenario_sha256 = std::string(64, 'a');
  s.header.simulator_version = "test";
  s.header.seed = 7;
  s.events.push_back(sim::StylusSample{0.0, {0.0, 5.0}, 0.5, 0.0, 0.0, true});
  s.events.push_back(sim::StylusSample{0.1, {0.0, 5.0}, 0.0, 0.0, 0.0, false});
  const std::string good = dir + "/good.smps.json";
  write_text(good, sim::serialize_session(s));
  const std::string bad = dir + "/bad.smps.json";
  write_text(bad, R"({"schema": "smp-session/1", "bogus_field": 1})");
  const CliRun r = run_smp({"validate", good, bad});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, good + ": ok\n") << r.err;
  ASSERT_FALSE(r.err.empty());
  for (const auto& l : lines(r.err)) EXPECT_EQ(l.rfind(bad + ": ", 0), 0u) << l;
  // Not mistaken for a scenario: no scenario-only complaint about missing regions.
  EXPECT_EQ(r.err.find("\"regions\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace smp::test
