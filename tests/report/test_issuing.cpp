// Issuing rules (docs/report-format.md, "Issuing rules"): each rule on its own, then `smp report`
// refusing with exit status 3 and writing nothing, a failed attempt without a badge, and a
// labelled practice record.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_runner.h"
#include "smp/report/issuing.h"
#include "smp/report/record.h"
#include "smp/report/xapi.h"
#include "test_pdf_fixture.h"

namespace smp::report {
namespace {

namespace fs = std::filesystem;
using test::read_text;
using test::run_smp;
using test::write_text;

IssueRequest good() {
  IssueRequest r;
  r.purpose = "certification";
  r.scenario_mode = "assessment";
  r.session_trainee = "T-042";
  r.trainee_id = "T-042";
  r.issued_at = "2026-02-01T10:00:00Z";
  r.attempt_ended_at = "2026-01-05T09:20:00Z";
  r.now_ms = *parse_iso8601_ms("2026-03-01T00:00:00Z");
  r.key_valid_from = "2026-01-01T00:00:00Z";
  return r;
}

std::vector<std::string> rules(const IssueRequest& r) {
  std::vector<std::string> out;
  for (const auto& f : check_issuing_rules(r)) out.push_back(f.rule);
  return out;
}

TEST(IssuingRules, EachRuleRefusesOnItsOwn) {
  EXPECT_TRUE(rules(good()).empty());
  auto r = good();
  r.scenario_mode = "practice";
  EXPECT_EQ(rules(r), std::vector<std::string>{"practice-mode"});
  r.purpose = "practice";  // a labelled practice record of a practice scenario is fine
  EXPECT_TRUE(rules(r).empty());
  r = good();
  r.trainee_id = "T-050";
  EXPECT_EQ(rules(r), std::vector<std::string>{"trainee"});
  r.session_trainee = "";  // interchange sessions name nobody: nothing to compare
  EXPECT_TRUE(rules(r).empty());
  r = good();
  r.issued_at = "2031-01-01T00:00:00Z";
  EXPECT_EQ(rules(r), std::vector<std::string>{"issued-future"});
  r.issued_at = "2026-03-01T00:04:00Z";  // within the clock-skew allowance
  EXPECT_TRUE(rules(r).empty());
  r = good();
  r.issued_at = "2026-01-05T09:19:59Z";
  EXPECT_EQ(rules(r), std::vector<std::string>{"issued-before-attempt"});
  r = good();
  r.issued_at = "2025-12-31T23:59:59Z";
  EXPECT_EQ(rules(r), (std::vector<std::string>{"issued-before-attempt", "key-validity"}));
  r = good();
  r.key_valid_until = "2026-02-01T10:00:00Z";  // the end is exclusive
  EXPECT_EQ(rules(r), std::vector<std::string>{"key-validity"});
  EXPECT_TRUE(badge_allowed("certification", true));
  EXPECT_FALSE(badge_allowed("certification", false));
  EXPECT_FALSE(badge_allowed("practice", true));
}

class IssuingCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = test::make_temp_dir("issuing-cli");
    write_text(dir_ + "/academy.json",
               R"({"format":"smp-academy/1","id":"https://academy.example/","name":"Acad"})");
    auto k =
        run_smp({"keygen", "--out", dir_ + "/key.json", "--academy", dir_ + "/academy.json",
                 "--valid-from", "2026-01-01T00:00:00Z", "--valid-until", "2026-06-01T00:00:00Z"});
    ASSERT_EQ(k.exit_code, 0) << k.err;
  }
  // hairline-assessment (assessment mode), its novice demo session (trainee demo-novice, started
  // 2026-01-05T09:00:00Z).
  static std::vector<std::string> args(const std::string& out, const std::string& issued,
                                       const std::string& trainee = "demo-novice") {
    return {"report",
            "--scenario",
            "scenarios/hairline-assessment.json",
            "--session",
            "assets/sessions/hairline-assessment-novice.session.json",
            "--trainee",
            trainee,
            "--name",
            "Zo\u00eb",
            "--key",
            dir_ + "/key.json",
            "--issued-at",
            issued,
            "--out",
            out};
  }
  static void expect_refused(const std::vector<std::string>& a, const std::string& rule) {
    const auto r = run_smp(a);
    EXPECT_EQ(r.exit_code, kExitRefused) << r.err;
    EXPECT_NE(r.err.find("refused (" + rule + ")"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(a.back())) << "nothing may be written";
  }
  static std::string dir_;
};
std::string IssuingCli::dir_;

TEST_F(IssuingCli, RefusesWithExit3AndWritesNothing) {
  expect_refused(args(dir_ + "/other", "2026-02-01T10:00:00Z", "T-050"), "trainee");
  expect_refused(args(dir_ + "/future", "2031-01-01T00:00:00Z"), "issued-future");
  expect_refused(args(dir_ + "/early", "2026-01-05T09:00:00Z"), "issued-before-attempt");
  expect_refused(args(dir_ + "/expired", "2026-07-01T00:00:00Z"), "key-validity");
  auto a = args(dir_ + "/practice-mode", "2026-02-01T10:00:00Z", "demo-expert");
  a[2] = "scenarios/frontal-hairline.json";
  a[4] = "assets/sessions/frontal-hairline-expert.session.json";
  expect_refused(a, "practice-mode");
}

TEST_F(IssuingCli, AFailedAttemptGetsNoBadgeAndStillVerifies) {
  const std::string out = dir_ + "/failed";
  const auto r = run_smp(args(out, "2026-02-01T10:00:00Z"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rec = load_record_file(out + "/report.json");
  ASSERT_TRUE(rec.ok());
  EXPECT_FALSE(rec.value().passed);
  EXPECT_FALSE(fs::exists(out + "/badge.jws"));
  for (const auto& f : rec.value().files) EXPECT_NE(f.name, "badge.jws");
  EXPECT_EQ(run_smp({"verify", out}).exit_code, 0);
}

TEST_F(IssuingCli, PracticeRecordIsLabelledWithoutBadge) {
  const std::string out = dir_ + "/practice";
  const auto r = run_smp({"report", "--practice", "--scenario", "scenarios/frontal-hairline.json",
                          "--session", "assets/sessions/frontal-hairline-expert.session.json",
                          "--trainee", "demo-expert", "--name", "Zo\u00eb", "--key",
                          dir_ + "/key.json", "--issued-at", "2026-02-01T10:00:00Z", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PRACTICE"), std::string::npos);
  const auto rec = load_record_file(out + "/report.json");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec.value().purpose, "practice");
  EXPECT_NE(read_text(out + "/report.json").find("\"purpose\":\"practice\""), std::string::npos);
  EXPECT_FALSE(fs::exists(out + "/badge.jws"));
  const auto st = load_statements_file(out + "/xapi.json");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value()[0]["context"]["contextActivities"]["category"][0]["id"],
            std::string(kCategoryPractice));
  if (testing::have_tool("pdftotext")) {
    const auto text = testing::run("pdftotext '" + out + "/report.pdf' -").out;
    EXPECT_NE(text.find("PRACTICE RECORD"), std::string::npos);
    EXPECT_EQ(text.find("CERTIFICATION ASSESSMENT"), std::string::npos);
  }
  EXPECT_EQ(run_smp({"verify", out}).exit_code, 0);
}

}  // namespace
}  // namespace smp::report
