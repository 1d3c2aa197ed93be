// Class summaries: the grouping and progress rules, the CSV files, and `smp cohort` end to end
// on signed reports made by `smp report` and on session files.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>

#include "cli_runner.h"
#include "smp/report/cohort.h"
#include "test_pdf_fixture.h"

namespace smp::report {
namespace {

using smp::test::make_temp_dir;
using smp::test::read_text;
using smp::test::run_smp;
using smp::test::write_text;

CohortAttempt attempt(const std::string& trainee, const std::string& name,
                      const std::string& scenario, const std::string& date, std::int64_t overall,
                      bool passed, const std::string& id) {
  CohortAttempt a;
  a.source = id + ".json";
  a.kind = "report";
  a.id = id;
  a.trainee_id = trainee;
  a.trainee_name = name;
  a.scenario_id = scenario;
  a.scenario_title = "Title of " + scenario;
  a.date = date;
  a.overall_permille = overall;
  a.pass_mark_permille = 700;
  a.passed = passed;
  a.criteria = {{"depth", overall}, {"spacing", 500}};
  return a;
}

// Splits RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of fields.
std::vector<std::vector<std::string>> parse_csv(std::string text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text = text.substr(3);
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

TEST(Cohort, AttemptsAreOrderedByDateAndSummarised) {
  std::vector<CohortAttempt> in = {
      attempt("T1", "Zo\u00eb", "pad", "2026-01-03T09:00:00Z", 500, false, "a3"),
      attempt("T1", "Zo\u00eb", "pad", "2026-01-01T09:00:00Z", 400, false, "a1"),
      attempt("T1", "Zo\u00eb", "pad", "2026-01-02T09:00:00Z", 800, true, "a2"),
      attempt("T1", "Zo\u00eb", "pad", "2026-01-04T09:00:00Z", 850, true, "a4"),
      attempt("T2", "Adam", "pad", "2026-01-02T09:00:00Z", 900, true, "b1"),
      attempt("T1", "Zo\u00eb", "hairline", "2026-01-05T09:00:00Z", 300, false, "c1"),
      attempt("T1", "Zo\u00eb", "pad", "2026-01-04T09:00:00Z", 850, true, "a4"),  // duplicate
  };
  const Cohort c = build_cohort(in);
  EXPECT_EQ(c.attempts.size(), 6u);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("a4"), std::string::npos);
  ASSERT_EQ(c.rows.size(), 3u);
  // Rows by name: Adam first, then Zoë's two scenarios by id.
  EXPECT_EQ(c.rows[0].trainee_id, "T2");
  EXPECT_EQ(c.rows[1].scenario_id, "hairline");
  const CohortRow& zoe = c.rows[2];
  ASSERT_EQ(zoe.attempts.size(), 4u);
  std::vector<std::string> order;
  for (std::size_t i : zoe.attempts) order.push_back(c.attempts[i].id);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
  EXPECT_EQ(c.attempts[zoe.best].id, "a4");
  EXPECT_EQ(c.attempts[zoe.latest].id, "a4");
  EXPECT_EQ(zoe.passes, 2);
  EXPECT_EQ(zoe.passes_in_a_row, 1);  // fail, pass, fail, pass
  EXPECT_FALSE(zoe.proficient);
  EXPECT_EQ(zoe.change_permille, 450);

  in.push_back(attempt("T1", "Zo\u00eb", "pad", "2026-01-06T09:00:00Z", 820, true, "a5"));
  const Cohort c2 = build_cohort(in);
  const CohortRow& zoe2 = c2.rows[2];
  EXPECT_EQ(zoe2.passes_in_a_row, 2);
  EXPECT_TRUE(zoe2.proficient);                // two consecutive passes
  EXPECT_EQ(c2.attempts[zoe2.best].id, "a4");  // best stays the highest, not the latest
  EXPECT_EQ(c2.attempts[zoe2.latest].id, "a5");
}

TEST(Cohort, CsvIsQuotedUtf8WithOneRowPerTraineeAndScenario) {
  std::vector<CohortAttempt> in = {
      attempt("T1", "Dvo\u0159\u00e1k, Zo\u00eb \"Z\"", "pad", "2026-01-01T09:00:00Z", 400, false,
              "a1"),
      attempt("T1", "Dvo\u0159\u00e1k, Zo\u00eb \"Z\"", "pad", "2026-01-02T09:00:00Z", 810, true,
              "a2"),
      attempt("T2", "Adam", "pad", "", 900, true, "b1"),
  };
  const Cohort c = build_cohort(in);
  const std::string roster = roster_csv(c);
  EXPECT_EQ(roster.rfind("\xEF\xBB\xBF", 0), 0u);  // BOM for spreadsheet programs
  EXPECT_NE(roster.find("\r\n"), std::string::npos);
  const auto rows = parse_csv(roster);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) EXPECT_EQ(r.size(), rows[0].size());
  const auto& h = rows[0];
  const auto& zoe = rows[2];
  EXPECT_EQ(zoe[column(h, "trainee_name")], "Dvo\u0159\u00e1k, Zo\u00eb \"Z\"");
  EXPECT_EQ(zoe[column(h, "attempts")], "2");
  EXPECT_EQ(zoe[column(h, "best_overall")], "81.0");
  EXPECT_EQ(zoe[column(h, "latest_result")], "PASS");
  EXPECT_EQ(zoe[column(h, "first_overall")], "40.0");
  EXPECT_EQ(zoe[column(h, "change")], "+41.0");
  EXPECT_EQ(zoe[column(h, "latest_depth")], "81.0");
  EXPECT_EQ(rows[1][column(h, "latest_date")], "");  // undated attempts stay undated

  const auto all = parse_csv(attempts_csv(c));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[2][column(all[0], "n")], "1");
  EXPECT_EQ(all[3][column(all[0], "n")], "2");
  EXPECT_EQ(all[3][column(all[0], "result")], "PASS");
}

TEST(Cohort, SummaryPdfPaginatesAndIsReproducible) {
  if (!testing::have_tool("pdfinfo") || !testing::have_tool("pdftotext")) {
    FAIL() << "poppler-utils not installed: bash tools/dev.sh deps";
  }
  std::vector<CohortAttempt> in;
  for (int t = 0; t < 30; ++t) {
    for (int k = 0; k < 3; ++k) {
      in.push_back(attempt("T" + std::to_string(100 + t),
                           "Trainee \u00c5ngstr\u00f6m " + std::to_string(100 + t), "pad",
                           "2026-02-0" + std::to_string(k + 1) + "T09:00:00Z", 300 + 200 * k + t,
                           k == 2, "id" + std::to_string(t) + "-" + std::to_string(k)));
    }
  }
  const Cohort c = build_cohort(in);
  CohortPdfOptions o;
  o.academy = "Acad\u00e9mie Lumi\u00e8re";
  auto pdf = render_cohort_pdf(c, o);
  ASSERT_TRUE(pdf.ok());
  auto again = render_cohort_pdf(c, o);
  EXPECT_EQ(pdf.value(), again.value());
  const auto dir = testing::output_dir("report-cohort");
  const auto path = dir / "cohort-30.pdf";
  testing::write_bytes(path, pdf.value());
  testing::run("pdftoppm -r 70 -png '" + path.string() + "' '" + (dir / "cohort-30").string() +
               "'");
  const auto info = testing::run("pdfinfo '" + path.string() + "'").out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(info, m, std::regex("Pages:\\s+(\\d+)")));
  EXPECT_GE(std::stoi(m[1]), 2);
  const auto text = testing::run("pdftotext '" + path.string() + "' -").out;
  for (int t = 0; t < 30; ++t) {
    EXPECT_NE(text.find("Trainee \u00c5ngstr\u00f6m " + std::to_string(100 + t)), std::string::npos)
        << t;
  }
  // The stamped date is the newest attempt unless given.
  EXPECT_NE(pdf.value().find("20260203090000"), std::string::npos);
  o.generated_at = "not a time";
  EXPECT_FALSE(render_cohort_pdf(c, o).ok());
}

class CohortCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = make_temp_dir("cohort-cli");
    write_text(dir_ + "/academy.json",
               "{\"format\":\"smp-academy/1\",\"id\":\"https://academy.example/smp\","
               "\"name\":\"Acad\u00e9mie Lumi\u00e8re\"}");
    auto k = run_smp({"keygen", "--out", dir_ + "/key.json", "--academy", dir_ + "/academy.json",
                      "--trusted-keys", dir_ + "/trusted.json", "--created-at",
                      "2026-01-01T00:00:00Z", "--valid-from", "2026-01-01T00:00:00Z"});
    ASSERT_EQ(k.exit_code, 0) << k.err;
    const std::vector<std::tuple<std::string, std::string, std::string>> runs = {
        {"frontal-hairline-novice", "1", "2026-01-05T10:00:00Z"},
        {"frontal-hairline-expert", "2", "2026-01-12T10:00:00Z"},
        {"frontal-hairline-interchange", "3", "2026-01-19T10:00:00Z"},
    };
    // frontal-hairline is a practice-mode scenario: practice records (--practice), from copies of
    // the demo sessions recorded for T-01 (the issuing rules refuse another trainee's session).
    for (const auto& [session, n, when] : runs) {
      std::string text =
          read_text(std::string(SMP_SOURCE_DIR) + "/assets/sessions/" + session + ".session.json");
      for (const char* who : {"\"trainee\": \"demo-expert\"", "\"trainee\": \"demo-novice\""}) {
        if (const auto at = text.find(who); at != std::string::npos) {
          text.replace(at, std::string(who).size(), "\"trainee\": \"T-01\"");
        }
      }
      write_text(dir_ + "/" + session + ".session.json", text);
      auto r =
          run_smp({"report", "--practice", "--scenario", "scenarios/frontal-hairline.json",
                   "--session", dir_ + "/" + session + ".session.json", "--trainee", "T-01",
                   "--name", "Zo\u00eb Dvo\u0159\u00e1k-Nu\u00f1ez", "--key", dir_ + "/key.json",
                   "--attempt", n, "--issued-at", when, "--out", dir_ + "/reports/zoe-" + n});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  static std::string dir_;
};
std::string CohortCli::dir_;

TEST_F(CohortCli, SignedReportsAndSessionsMakeARosterAndASummary) {
  const std::string out = dir_ + "/out";
  auto r = run_smp({"cohort", "--out", out, "--academy", dir_ + "/academy.json", "--trusted-keys",
                    dir_ + "/trusted.json", dir_ + "/reports",
                    "assets/sessions/strip-scar-expert.session.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 attempts"), std::string::npos) << r.out;

  const auto roster = parse_csv(read_text(out + "/roster.csv"));
  ASSERT_EQ(roster.size(), 3u);  // header + Zoë on frontal-hairline + the session's trainee
  const auto& h = roster[0];
  const std::vector<std::string>* zoe = nullptr;
  for (const auto& row : roster) {
    if (row[column(h, "trainee_id")] == "T-01") zoe = &row;
  }
  ASSERT_NE(zoe, nullptr);
  EXPECT_EQ((*zoe)[column(h, "trainee_name")], "Zo\u00eb Dvo\u0159\u00e1k-Nu\u00f1ez");
  EXPECT_EQ((*zoe)[column(h, "attempts")], "3");
  // The expert session (attempt 2) is the best; attempt 3 is the latest.
  const auto all = parse_csv(read_text(out + "/attempts.csv"));
  const auto& ah = all[0];
  std::string best_overall, latest_overall;
  for (const auto& row : all) {
    if (row[column(ah, "trainee_id")] != "T-01") continue;
    EXPECT_EQ(row[column(ah, "signature")], "trusted");
    if (row[column(ah, "attempt")] == "2") best_overall = row[column(ah, "overall")];
    if (row[column(ah, "attempt")] == "3") latest_overall = row[column(ah, "overall")];
  }
  EXPECT_EQ((*zoe)[column(h, "best_overall")], best_overall);
  EXPECT_EQ((*zoe)[column(h, "latest_overall")], latest_overall);
  bool session_row = false;
  for (const auto& row : all) {
    if (row[column(ah, "kind")] == "session") {
      session_row = true;
      EXPECT_EQ(row[column(ah, "signature")], "unsigned");
      EXPECT_EQ(row[column(ah, "scenario_id")], "strip-scar");
    }
  }
  EXPECT_TRUE(session_row);

  if (testing::have_tool("pdftotext")) {
    const auto text = testing::run("pdftotext -layout '" + out + "/cohort.pdf' -").out;
    EXPECT_NE(text.find("Zo\u00eb Dvo\u0159\u00e1k-Nu\u00f1ez"), std::string::npos);
    EXPECT_NE(text.find("Acad\u00e9mie Lumi\u00e8re"), std::string::npos);
    EXPECT_NE(text.find("Class summary"), std::string::npos);
    testing::run("pdftoppm -r 80 -png '" + out + "/cohort.pdf' '" +
                 (testing::output_dir("report-cohort") / "cli").string() + "'");
  }
  // Same inputs, same bytes.
  auto r2 = run_smp({"cohort", "--out", dir_ + "/out2", "--academy", dir_ + "/academy.json",
                     "--trusted-keys", dir_ + "/trusted.json", dir_ + "/reports",
                     "assets/sessions/strip-scar-expert.session.json"});
  ASSERT_EQ(r2.exit_code, 0);
  for (const char* f : {"/roster.csv", "/attempts.csv", "/cohort.pdf"}) {
    EXPECT_EQ(read_text(out + f), read_text(dir_ + "/out2" + f)) << f;
  }
}

// Issue 13: a forged record (another key claiming the academy), a tampered copy listed before the
// genuine one, and a session given beside its own report never change the totals, and each is
// named with its reason in rejected.csv and the PDF.
TEST_F(CohortCli, ForgedTamperedAndDuplicateInputsNeverCount) {
  auto mk = run_smp({"keygen", "--out", dir_ + "/mallory.json", "--academy", dir_ + "/academy.json",
                     "--created-at", "2026-01-01T00:00:00Z", "--force"});
  ASSERT_EQ(mk.exit_code, 0) << mk.err;
  std::string forged_session = read_text(dir_ + "/frontal-hairline-expert.session.json");
  forged_session.replace(forged_session.find("\"T-01\""), 6, "\"T-99\"");
  write_text(dir_ + "/forged.session.json", forged_session);
  auto f = run_smp({"report", "--practice", "--scenario", "scenarios/frontal-hairline.json",
                    "--session", dir_ + "/forged.session.json", "--trainee", "T-99", "--name",
                    "Mallory Forger", "--key", dir_ + "/mallory.json", "--issued-at",
                    "2026-01-20T10:00:00Z", "--out", dir_ + "/forged"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  const std::string tampered = dir_ + "/tampered-first";
  std::filesystem::remove_all(tampered);
  std::filesystem::copy(dir_ + "/reports/zoe-1", tampered);
  std::string json = read_text(tampered + "/report.json");
  // Flip the overall verdict (JCS orders "overall" members: pass_mark, passed, score).
  const auto at = json.find("\"passed\":", json.find("\"overall\":"));
  ASSERT_NE(at, std::string::npos);
  const bool was = json.compare(at + 9, 4, "true") == 0;
  json.replace(at + 9, was ? 4 : 5, was ? "false" : "true");
  write_text(tampered + "/report.json", json);

  const std::string out = dir_ + "/out-integrity";
  auto r = run_smp({"cohort", "--out", out, "--trusted-keys", dir_ + "/trusted.json", tampered,
                    dir_ + "/forged", dir_ + "/frontal-hairline-novice.session.json",
                    dir_ + "/reports"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // forged and tampered inputs were given
  EXPECT_NE(r.out.find("3 attempts"), std::string::npos) << r.out;
  const auto all = parse_csv(read_text(out + "/attempts.csv"));
  ASSERT_EQ(all.size(), 4u);  // the three genuine reports, once each
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_EQ(all[i][column(all[0], "trainee_id")], "T-01");
    EXPECT_EQ(all[i][column(all[0], "kind")], "report");
    EXPECT_EQ(all[i][column(all[0], "signature")], "trusted");
    EXPECT_EQ(all[i][column(all[0], "purpose")], "practice");
  }
  EXPECT_EQ(read_text(out + "/roster.csv").find("T-99"), std::string::npos);
  const auto rejected = parse_csv(read_text(out + "/rejected.csv"));
  ASSERT_EQ(rejected.size(), 4u);
  std::map<std::string, std::string> why;
  for (std::size_t i = 1; i < rejected.size(); ++i) {
    why[rejected[i][column(rejected[0], "source")]] = rejected[i][column(rejected[0], "reason")];
  }
  EXPECT_NE(why[tampered + "/report.json"].find("BAD SIGNATURE"), std::string::npos);
  EXPECT_NE(why[dir_ + "/forged/report.json"].find("UNKNOWN KEY"), std::string::npos);
  EXPECT_NE(why[dir_ + "/frontal-hairline-novice.session.json"].find("same attempt"),
            std::string::npos);
  if (testing::have_tool("pdftotext")) {
    const auto text = testing::run("pdftotext -layout '" + out + "/cohort.pdf' -").out;
    EXPECT_NE(text.find("Not counted (3 inputs)"), std::string::npos) << text;
    EXPECT_NE(text.find("Mallory Forger"), std::string::npos);
    EXPECT_NE(text.find("UNKNOWN KEY"), std::string::npos);
    testing::run("pdftoppm -r 80 -png '" + out + "/cohort.pdf' '" +
                 (testing::output_dir("report-cohort") / "integrity").string() + "'");
  }
  // Without a trusted-keys file no signed record counts: anyone can sign one.
  auto u = run_smp({"cohort", "--out", dir_ + "/out-untrusted", dir_ + "/reports"});
  EXPECT_EQ(u.exit_code, 1);
  EXPECT_EQ(parse_csv(read_text(dir_ + "/out-untrusted/attempts.csv")).size(), 1u);
  EXPECT_NE(read_text(dir_ + "/out-untrusted/rejected.csv").find("signer not checked"),
            std::string::npos);
}

TEST_F(CohortCli, AlteredRecordIsFlaggedAndBadInputsAreNamed) {
  const std::string copy = dir_ + "/tampered";
  std::filesystem::remove_all(copy);
  std::filesystem::copy(dir_ + "/reports/zoe-2", copy);
  std::string json = read_text(copy + "/report.json");
  const auto at = json.find("\"passed\":");
  ASSERT_NE(at, std::string::npos);
  json.replace(at, 9, "\"passed\" :");  // any change breaks the signature
  write_text(copy + "/report.json", json);
  auto r = run_smp({"cohort", "--out", dir_ + "/out-t", copy});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("signature check failed"), std::string::npos) << r.err;
  // Listed as not counted, with the reason, in the files (not only on stderr).
  EXPECT_EQ(parse_csv(read_text(dir_ + "/out-t/attempts.csv")).size(), 1u);  // header only
  EXPECT_NE(read_text(dir_ + "/out-t/rejected.csv").find("BAD SIGNATURE"), std::string::npos);

  write_text(dir_ + "/garbage.json", "{not json");
  auto g = run_smp({"cohort", "--out", dir_ + "/out-g", dir_ + "/garbage.json"});
  EXPECT_EQ(g.exit_code, 1);
  EXPECT_NE(g.err.find("garbage.json"), std::string::npos) << g.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/out-g/roster.csv"));  // nothing usable: no files
  // One bad input among good ones: the summary covers the good ones, the exit status says so.
  auto mixed = run_smp({"cohort", "--out", dir_ + "/out-m", "--trusted-keys",
                        dir_ + "/trusted.json", dir_ + "/garbage.json", dir_ + "/reports"});
  EXPECT_EQ(mixed.exit_code, 1);
  EXPECT_NE(read_text(dir_ + "/out-m/roster.csv").find("T-01"), std::string::npos);

  write_text(
      dir_ + "/other.session.json",
      read_text(std::string(SMP_SOURCE_DIR) + "/assets/sessions/strip-scar-expert.session.json"));
  auto s = run_smp(
      {"cohort", "--out", dir_ + "/out-s", "--scenarios", dir_, dir_ + "/other.session.json"});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_NE(s.err.find("/scenario_id"), std::string::npos) << s.err;

  EXPECT_EQ(run_smp({"cohort", dir_ + "/reports"}).exit_code, 64);
  EXPECT_EQ(run_smp({"cohort", "--out", dir_ + "/x"}).exit_code, 64);
  EXPECT_EQ(run_smp({"cohort", "--out", dir_ + "/x", "--generated-at", "soon", dir_ + "/reports"})
                .exit_code,
            64);
  EXPECT_EQ(run_smp({"cohort", "--help"}).exit_code, 0);
}

}  // namespace
}  // namespace smp::report
