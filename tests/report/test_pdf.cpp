// The printed report, checked the way an academy's office would: poppler-utils read it back.
#include <gtest/gtest.h>

#include <regex>

#include "smp/report/images.h"
#include "smp/report/keys.h"
#include "smp/report/pdf.h"
#include "test_pdf_fixture.h"

namespace smp::report {
namespace {

using testing::Attempt;
using testing::AttemptSpec;
using testing::make_attempt;
using testing::run;

std::string render(const Attempt& a, const std::string& fingerprint = testing::test_fingerprint()) {
  PdfInputs in{a.record, a.scenario, a.catalogue, a.replay.impressions, fingerprint};
  auto pdf = render_report_pdf(in);
  EXPECT_TRUE(pdf.ok()) << (pdf.ok() ? "" : pdf.errors()[0].to_string());
  return pdf.ok() ? pdf.value() : std::string();
}

// Renders, writes NAME.pdf and its pages as PNG into the test output dir, returns the pdf path.
std::filesystem::path render_to(const Attempt& a, const std::string& name) {
  const auto dir = testing::output_dir("report-pdf");
  const auto path = dir / (name + ".pdf");
  testing::write_bytes(path, render(a));
  if (testing::have_tool("pdftoppm")) {
    run("pdftoppm -r 80 -png '" + path.string() + "' '" + (dir / name).string() + "'");
  }
  return path;
}

// The verdict words, not the "PASS MARK" column heading.
const std::regex kPassWord("\\bPASS\\b(?! MARK)");
const std::regex kFailWord("\\bFAIL\\b");

// All whitespace runs as one space: wrapped lines read as one.
std::string flatten(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

class PdfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_tool("pdfinfo") || !testing::have_tool("pdffonts") ||
        !testing::have_tool("pdftotext")) {
      FAIL() << "poppler-utils (pdfinfo, pdffonts, pdftotext) not installed: bash tools/dev.sh deps";
    }
  }
};

TEST_F(PdfTest, PassingAttemptReadsBackWithNameScoresVerdictAndFingerprint) {
  const Attempt a = make_attempt({});
  ASSERT_GT(a.replay.impressions.size(), 300u);
  const auto path = render_to(a, "pass");

  const auto info = run("pdfinfo '" + path.string() + "'");
  ASSERT_EQ(info.status, 0);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(info.out, m, std::regex("Pages:\\s+(\\d+)")));
  const int pages = std::stoi(m[1]);
  EXPECT_GE(pages, 1);
  EXPECT_LE(pages, 3);
  EXPECT_TRUE(
      std::regex_search(info.out, std::regex("Page size:\\s+595.276 x 841.89 pts \\(A4\\)")))
      << info.out;
  // The creation date is the record's issue time, not the clock.
  EXPECT_NE(info.out.find("2026"), std::string::npos);

  const auto text = run("pdftotext -layout '" + path.string() + "' -").out;
  const std::string flat = flatten(run("pdftotext '" + path.string() + "' -").out);
  EXPECT_NE(text.find("Zo\u00eb Dvo\u0159\u00e1k-Nu\u00f1ez"), std::string::npos);
  EXPECT_NE(text.find("Siobh\u00e1n \u00d3 Briain"), std::string::npos);
  EXPECT_NE(text.find("Acad\u00e9mie Lumi\u00e8re"), std::string::npos);
  EXPECT_TRUE(a.record.passed);  // the fixture's default trainee works well
  EXPECT_TRUE(std::regex_search(text, kPassWord));
  EXPECT_FALSE(std::regex_search(text, kFailWord));
  for (const auto& c : a.record.criteria) {
    EXPECT_NE(flat.find(c.label), std::string::npos) << c.label;
    EXPECT_NE(text.find(permille_to_text(c.score_permille)), std::string::npos) << c.key;
    EXPECT_NE(text.find(permille_to_text(c.pass_mark_permille)), std::string::npos) << c.key;
  }
  EXPECT_NE(text.find("Overall " + permille_to_text(a.record.overall_permille) + " / 100"),
            std::string::npos);
  // The fingerprint in its display form, every group.
  const std::string fp = fingerprint_display(testing::test_fingerprint());
  std::istringstream groups(fp);
  std::string g;
  int n = 0;
  while (groups >> g) {
    EXPECT_NE(text.find(g), std::string::npos) << g;
    ++n;
  }
  EXPECT_EQ(n, 16);
  EXPECT_NE(text.find("smp verify"), std::string::npos);
  EXPECT_NE(text.find("minisign -Vm report.json -x report.json.sig -P"), std::string::npos);
  EXPECT_NE(text.find(a.record.scenario.sha256), std::string::npos);
  EXPECT_NE(text.find("mm"), std::string::npos);
  EXPECT_NE(text.find("depth below the skin surface (mm)"), std::string::npos);
  EXPECT_NE(text.find("dots/cm"), std::string::npos);
}

TEST_F(PdfTest, EveryFontIsEmbeddedDejaVu) {
  const auto path = render_to(make_attempt({}), "fonts");
  const auto fonts = run("pdffonts '" + path.string() + "'");
  ASSERT_EQ(fonts.status, 0);
  std::istringstream lines(fonts.out);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("name", 0) == 0 || line.rfind("----", 0) == 0 || line.empty()) continue;
    ++rows;
    EXPECT_NE(line.find("DejaVu"), std::string::npos) << line;
    // columns: name type encoding emb sub uni object ID -> "yes yes yes"
    EXPECT_TRUE(std::regex_search(line, std::regex("\\s+yes\\s+yes\\s+yes\\s+\\d+\\s+\\d+\\s*$")))
        << line;
  }
  EXPECT_GE(rows, 2);  // regular + bold at least
}

TEST_F(PdfTest, SameInputGivesTheSameBytesAndTheDateComesFromTheRecord) {
  const Attempt a = make_attempt({});
  const std::string first = render(a);
  const std::string second = render(a);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
  Attempt later = a;
  later.record.issued_at = "2027-01-02T03:04:05Z";
  const std::string third = render(later);
  EXPECT_NE(first, third);
  EXPECT_NE(third.find("20270102030405"), std::string::npos);
  EXPECT_NE(first.find("20261124090000"), std::string::npos);
}

TEST_F(PdfTest, FailingAttemptShowsFailAndTheCriticalError) {
  AttemptSpec spec;
  spec.fat_dots = 3;
  spec.depth_mm = 0.7;  // mostly too deep as well
  spec.depth_sd_mm = 0.15;
  spec.attempt = 2;
  const Attempt a = make_attempt(spec);
  ASSERT_FALSE(a.record.passed);
  ASSERT_FALSE(a.record.critical_errors.empty());
  const auto path = render_to(a, "fail");
  const auto text = run("pdftotext -layout '" + path.string() + "' -").out;
  EXPECT_TRUE(std::regex_search(text, kFailWord));
  EXPECT_FALSE(std::regex_search(text, kPassWord));
  EXPECT_NE(text.find("Critical errors"), std::string::npos);
  EXPECT_NE(text.find("critical error fails the attempt"), std::string::npos);
  EXPECT_NE(text.find("(impression #"), std::string::npos);
}

TEST_F(PdfTest, UnsignedReportSaysSo) {
  const Attempt a = make_attempt({});
  const auto dir = testing::output_dir("report-pdf");
  testing::write_bytes(dir / "unsigned.pdf", render(a, ""));
  const auto text = run("pdftotext '" + (dir / "unsigned.pdf").string() + "' -").out;
  EXPECT_NE(text.find("Not signed"), std::string::npos);
}

// Every scenario the product ships prints as a complete report (the pages are left in the test
// output dir to look at).
TEST_F(PdfTest, EveryShippedScenarioPrints) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(SMP_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    AttemptSpec spec;
    spec.scenario_file = entry.path().filename().string();
    spec.with_images = false;
    const Attempt a = make_attempt(spec);
    const std::string name = "scenario-" + entry.path().stem().string();
    const auto path = render_to(a, name);
    const auto info = run("pdfinfo '" + path.string() + "'");
    EXPECT_NE(info.out.find("Pages:           3"), std::string::npos) << name << info.out;
    const auto text = run("pdftotext '" + path.string() + "' -").out;
    EXPECT_NE(text.find(a.record.scenario.id), std::string::npos) << name;
  }
}

TEST(PdfInputErrors, UnknownPigmentAndBadDateAreErrorsNotCrashes) {
  Attempt a = make_attempt({});
  std::vector<sim::Impression> imps = a.replay.impressions;
  imps[3].pigment = "no-such-pigment";
  PdfInputs in{a.record, a.scenario, a.catalogue, imps, ""};
  auto r = render_report_pdf(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors()[0].to_string().find("no-such-pigment"), std::string::npos);
  EXPECT_NE(r.errors()[0].to_string().find("/impressions/3/pigment"), std::string::npos);

  ReportRecord bad = a.record;
  bad.issued_at = "yesterday";
  PdfInputs in2{bad, a.scenario, a.catalogue, a.replay.impressions, ""};
  auto r2 = render_report_pdf(in2);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.errors()[0].to_string().find("/issued_at"), std::string::npos);
}

TEST(PdfHelpers, DatesAndDurationsForPeople) {
  EXPECT_EQ(human_date("2026-11-24T07:06:05Z"), "24 November 2026, 07:06 UTC");
  EXPECT_EQ(human_date("2026-03-01T23:59:59+01:00"), "1 March 2026, 22:59 UTC");
  EXPECT_EQ(human_date("not a date"), "not a date");
  EXPECT_EQ(human_duration(2537350), "42 min 17 s");
  EXPECT_EQ(human_duration(3725000), "1 h 02 min 05 s");
  EXPECT_EQ(human_duration(8000), "8 s");
  EXPECT_EQ(human_duration(-5), "0 s");
  EXPECT_EQ(pdf_date_from_iso8601("2026-11-24T07:06:05.250Z"), "2026-11-24T07:06:05Z");
  EXPECT_EQ(pdf_date_from_iso8601("garbage"), "");
}

}  // namespace
}  // namespace smp::report
