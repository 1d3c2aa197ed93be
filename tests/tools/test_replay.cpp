// `smp replay` and `smp demo-session`: scenario lookup by id, --verify against the record (and a
// readable diff when it differs), and regenerating every committed demo session byte for byte.
#include <nlohmann/json.hpp>
#include <string>

#include <gtest/gtest.h>

#include "cli_runner.h"

namespace smp::test {
namespace {

using nlohmann::json;

const std::string kSrc = SMP_SOURCE_DIR;

// How each committed demo session was generated (assets/sessions/README.md).
struct Demo {
  std::string file, scenario, style;
};
const std::vector<Demo> kGenerated = {
    {"frontal-hairline-expert.session.json", "frontal-hairline", "expert"},
    {"frontal-hairline-novice.session.json", "frontal-hairline", "novice"},
    {"strip-scar-expert.session.json", "strip-scar", "expert"},
    {"diffuse-thinning-expert.session.json", "diffuse-thinning", "expert"},
    {"hairline-assessment-novice.session.json", "hairline-assessment", "novice"},
};

TEST(SmpReplay, HelpAndUsage) {
  auto help = run_smp({"replay", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--verify"), std::string::npos);
  EXPECT_EQ(run_smp({"replay"}).exit_code, 64);
  EXPECT_EQ(run_smp({"replay", "--session"}).exit_code, 64);
  EXPECT_EQ(run_smp({"replay", "--session", "x.json", "--frobnicate"}).exit_code, 64);
}

TEST(SmpReplay, FindsTheScenarioByIdAndPrintsTheHash) {
  const std::string rel = "assets/sessions/frontal-hairline-expert.session.json";
  const json rec = json::parse(read_text(kSrc + "/" + rel))["recorded"];
  auto r = run_smp({"replay", "--session", rel});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("scenarios/frontal-hairline.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Impressions: " + std::to_string(rec["impression_count"].get<int>())),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("SHA-256:     " + rec["impressions_sha256"].get<std::string>()),
            std::string::npos)
      << r.out;
}

TEST(SmpReplay, EveryCommittedDemoVerifies) {
  for (const auto& d : kGenerated) {
    auto r = run_smp({"replay", "--session", "assets/sessions/" + d.file, "--verify"});
    EXPECT_EQ(r.exit_code, 0) << d.file << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("Verified:"), std::string::npos) << d.file;
  }
}

TEST(SmpReplay, VerifyPrintsEveryDifference) {
  json s = json::parse(read_text(kSrc + "/assets/sessions/frontal-hairline-expert.session.json"));
  const std::string real_hash = s["recorded"]["impressions_sha256"];
  s["recorded"]["impressions_sha256"] = std::string(64, '0');
  s["recorded"]["overall"] = 12.5;
  s["recorded"]["impression_count"] = 3;
  const std::string dir = make_temp_dir("replay-verify");
  write_text(dir + "/s.json", s.dump());
  auto r = run_smp({"replay", "--session", dir + "/s.json", "--verify"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("replay differs from the recorded result (3 differences)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("impressions hash: recorded " + std::string(64, '0') + ", replay " + real_hash),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("overall score: recorded 12.5, replay"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("impression count: recorded 3, replay"), std::string::npos) << r.err;

  // Without --verify the same file just replays.
  EXPECT_EQ(run_smp({"replay", "--session", dir + "/s.json"}).exit_code, 0);

  s.erase("recorded");
  write_text(dir + "/norec.json", s.dump());
  auto n = run_smp({"replay", "--session", dir + "/norec.json", "--verify"});
  EXPECT_EQ(n.exit_code, 1);
  EXPECT_NE(n.err.find("no \"recorded\" result"), std::string::npos);
}

TEST(SmpReplay, UnknownScenarioIdIsAClearError) {
  json s =
      json::parse(read_text(kSrc + "/assets/sessions/frontal-hairline-interchange.session.json"));
  s["scenario_id"] = "no-such-scenario";
  const std::string dir = make_temp_dir("replay-unknown");
  write_text(dir + "/s.json", s.dump());
  auto r = run_smp({"replay", "--session", dir + "/s.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir + "/s.json: /scenario_id: no scenario with id 'no-such-scenario'"),
            std::string::npos)
      << r.err;
}

TEST(SmpDemoSession, RegeneratesEveryCommittedDemoExactly) {
  const std::string dir = make_temp_dir("demo-regen");
  for (const auto& d : kGenerated) {
    const std::string out = dir + "/" + d.file;
    auto r = run_smp({"demo-session", "--scenario", "scenarios/" + d.scenario + ".json", "--out",
                      out, "--style", d.style});
    ASSERT_EQ(r.exit_code, 0) << d.file << ": " << r.err;
    // Only the writer's version string may differ (a version bump alone changes nothing else).
    json fresh = json::parse(read_text(out));
    json committed = json::parse(read_text(kSrc + "/assets/sessions/" + d.file));
    fresh["simulator_version"] = committed["simulator_version"];
    EXPECT_TRUE(fresh == committed)
        << d.file << " no longer regenerates identically: the generator, a model, the scoring "
        << "or the scenario changed. Regenerate (assets/sessions/README.md) and note it in "
        << "docs/CHANGELOG.md";
  }
}

TEST(SmpDemoSession, UsageAndWriteErrors) {
  EXPECT_EQ(run_smp({"demo-session", "--help"}).exit_code, 0);
  EXPECT_EQ(run_smp({"demo-session", "--scenario", "scenarios/frontal-hairline.json"}).exit_code,
            64);
  EXPECT_EQ(run_smp({"demo-session", "--scenario", "scenarios/frontal-hairline.json", "--out",
                     "x.json", "--style", "sloppy"})
                .exit_code,
            64);
  EXPECT_EQ(run_smp({"demo-session", "--scenario", "scenarios/frontal-hairline.json", "--out",
                     "x.json", "--seed", "-3"})
                .exit_code,
            64);
  const std::string dir = make_temp_dir("demo-write");
  auto r = run_smp({"demo-session", "--scenario", "scenarios/frontal-hairline.json", "--out",
                    dir + "/missing-dir/s.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir + "/missing-dir/s.json: cannot create a temporary file"),
            std::string::npos)
      << r.err;
}

TEST(SmpDemoSession, SeedChangesTheSessionAndRecordsIt) {
  const std::string dir = make_temp_dir("demo-seed");
  ASSERT_EQ(run_smp({"demo-session", "--scenario", "scenarios/pad-depth-drill.json", "--out",
                     dir + "/a.json", "--seed", "7"})
                .exit_code,
            0);
  ASSERT_EQ(run_smp({"demo-session", "--scenario", "scenarios/pad-depth-drill.json", "--out",
                     dir + "/b.json", "--seed", "8"})
                .exit_code,
            0);
  const json a = json::parse(read_text(dir + "/a.json"));
  const json b = json::parse(read_text(dir + "/b.json"));
  EXPECT_EQ(a["seed"], 7);
  EXPECT_NE(a["recorded"]["impressions_sha256"], b["recorded"]["impressions_sha256"]);
  EXPECT_EQ(run_smp({"replay", "--session", dir + "/a.json", "--verify"}).exit_code, 0);
}

}  // namespace
}  // namespace smp::test
