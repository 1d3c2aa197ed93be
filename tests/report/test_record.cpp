// The certification record: building it from a scenario + session + replay, canonical bytes,
// round trips, UTF-8 names, located errors, and the time / UUID helpers it relies on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "smp/report/record.h"

namespace smp::report {
namespace {

struct Fixture {
  sim::Scenario scenario;
  sim::Session session;
  sim::ReplayOutput replay;
  BuildParams params;
};

// A small hand-made attempt: two criteria, one critical error, events up to t = 2537.35 s.
Fixture make_fixture() {
  Fixture f;
  f.scenario.id = "hairline-test";
  f.scenario.version = 3;
  f.scenario.title = "Hairline – test";
  f.scenario.level = 2;
  f.scenario.mode = sim::Mode::kAssessment;
  f.scenario.case_kind = sim::CaseKind::kScar;
  f.scenario.pass_overall = 72.5;
  f.scenario.content_sha256 = std::string(64, 'a');
  f.session.header.scenario_id = "hairline-test";
  f.session.header.started_at = "2026-11-24T07:06:05Z";
  f.session.header.seed = 18446744073709551615ULL;  // beyond 2^53: must survive as a string
  f.session.finished = true;
  sim::StylusSample s;
  s.t_s = 12.5;
  f.session.events.emplace_back(s);
  s.t_s = 2537.35;
  f.session.events.emplace_back(s);
  sim::CriterionScore depth;
  depth.key = "depth";
  depth.label = "Depth accuracy";
  depth.score = 87.25;  // 872.5 per-mille rounds half away from zero
  depth.pass_mark = 70;
  depth.weight = 1.5;
  depth.passed = true;
  depth.explanation = "Most dots sit in the band.";
  depth.metrics = {{"in_band_pct", 87.25}, {"too_deep_pct", 0.1}};
  sim::CriterionScore spacing;
  spacing.key = "spacing";
  spacing.label = "Spacing and density";
  spacing.score = 64.04;
  spacing.pass_mark = 70;
  spacing.passed = false;
  f.replay.report.criteria = {depth, spacing};
  f.replay.report.overall = 77.777;
  f.replay.report.passed = false;
  f.replay.report.critical_errors.push_back({"pigment_in_fat", "Pigment reached the fat.", 17, {}});
  for (int i = 0; i < 15; ++i) {
    f.replay.report.findings.push_back(
        {"depth", "too_deep", "Too deep", i, {}, 1.0 - 0.05 * static_cast<double>(i)});
  }
  f.replay.impressions.resize(3);
  f.replay.impressions_sha256 = std::string(64, 'b');
  f.params.trainee = {"T-042", "Zoë Ångström-Núñez", ""};
  f.params.academy = {"https://academy.example/", "Académie Lumière", "https://academy.example/",
                      ""};
  f.params.instructor = Person{"", "Łukasz Wójcik", ""};
  f.params.attempt = 2;
  f.params.issued_at = "2026-11-24T10:00:00Z";
  f.params.session_sha256 = std::string(64, 'c');
  return f;
}

ReportRecord built(const Fixture& f) {
  auto r = build_record(f.scenario, f.session, f.replay, f.params);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.errors().front().to_string());
  return r.ok() ? r.value() : ReportRecord{};
}

TEST(Record, BuildTakesEveryFigureFromItsSource) {
  const auto f = make_fixture();
  const ReportRecord r = built(f);
  EXPECT_EQ(r.format, "smp-report/1");
  EXPECT_EQ(r.issued_at, "2026-11-24T10:00:00Z");
  EXPECT_EQ(r.scenario.id, "hairline-test");
  EXPECT_EQ(r.scenario.version, 3);
  EXPECT_EQ(r.scenario.mode, "assessment");
  EXPECT_EQ(r.scenario.case_kind, "scar");
  EXPECT_EQ(r.scenario.sha256, std::string(64, 'a'));
  EXPECT_EQ(r.session.duration_ms, 2537350);
  EXPECT_EQ(r.session.started_at, "2026-11-24T07:06:05Z");
  EXPECT_EQ(r.session.ended_at, "2026-11-24T07:48:22.350Z");  // + 42 min 17.35 s
  EXPECT_EQ(r.session.impression_count, 3u);
  EXPECT_TRUE(r.session.finished);
  ASSERT_EQ(r.criteria.size(), 2u);
  EXPECT_EQ(r.criteria[0].score_permille, 873);
  EXPECT_EQ(r.criteria[0].pass_mark_permille, 700);
  EXPECT_EQ(r.criteria[0].weight_permille, 1500);
  EXPECT_EQ(r.criteria[0].metrics[1], (std::pair<std::string, std::string>{"too_deep_pct", "0.1"}));
  EXPECT_EQ(r.criteria[1].score_permille, 640);
  EXPECT_FALSE(r.criteria[1].passed);
  EXPECT_EQ(r.overall_permille, 778);
  EXPECT_EQ(r.overall_pass_mark_permille, 725);
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.critical_errors.size(), 1u);
  EXPECT_EQ(r.critical_errors[0].impression_id, 17);
  EXPECT_EQ(r.findings.size(), kRecordFindings);  // capped, worst first
  EXPECT_EQ(r.findings[0].severity_permille, 1000);
  EXPECT_EQ(r.attempt, 2);
  EXPECT_EQ(r.report_id.rfind("urn:uuid:", 0), 0u);
}

TEST(Record, ReportIdIsStablePerAttemptAndDiffersBetweenAttempts) {
  auto f = make_fixture();
  const std::string id1 = built(f).report_id;
  f.params.issued_at = "2027-01-01T00:00:00Z";  // re-issuing later: same attempt, same id
  EXPECT_EQ(built(f).report_id, id1);
  f.params.attempt = 3;
  EXPECT_NE(built(f).report_id, id1);
  f.params.attempt = 2;
  f.params.trainee.id = "T-043";
  EXPECT_NE(built(f).report_id, id1);
}

TEST(Record, JsonIsCanonicalDeterministicAndKeepsUtf8) {
  auto complete = [](ReportRecord r) {
    r.files.push_back({"fresh.png", "image-fresh", "image/png", std::string(64, 'd'), 1234});
    r.signer.public_key = "AAAA";
    r.signer.key_fingerprint = std::string(64, 'e');
    r.signer.badge_kid = "kid";
    return record_to_json(r);
  };
  const std::string a = complete(built(make_fixture())), b = complete(built(make_fixture()));
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m-N\xc3\xba\xc3\xb1"
                   "ez"),
            std::string::npos)
      << "names are stored as UTF-8, not \\u escapes";
  EXPECT_NE(a.find("\"seed\":\"18446744073709551615\""), std::string::npos);
  EXPECT_EQ(a.find('\n'), std::string::npos);
  EXPECT_EQ(a.front(), '{');
  // Members in sorted order, so the record starts with "academy".
  EXPECT_EQ(a.rfind("{\"academy\":", 0), 0u);
}

TEST(Record, RoundTripsThroughJson) {
  const auto f = make_fixture();
  ReportRecord r = built(f);
  r.files.push_back({"report.pdf", "pdf", "application/pdf", std::string(64, 'f'), 99});
  r.signer.public_key = "AAAA";
  r.signer.key_fingerprint = std::string(64, 'e');
  const std::string text = record_to_json(r);
  const auto back = parse_record(text, "report.json");
  ASSERT_TRUE(back.ok()) << back.errors().front().to_string();
  EXPECT_EQ(back.value(), r);
  EXPECT_EQ(record_to_json(back.value()), text);
}

TEST(Record, BuildRefusesIncompleteOrMismatchedInput) {
  auto f = make_fixture();
  f.session.header.scenario_id = "other";
  auto r = build_record(f.scenario, f.session, f.replay, f.params);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors().front().message.find("other"), std::string::npos);

  f = make_fixture();
  f.params.trainee.id.clear();
  f.params.attempt = 0;
  f.params.issued_at = "yesterday";
  r = build_record(f.scenario, f.session, f.replay, f.params);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().size(), 3u);

  f = make_fixture();
  f.session.header.started_at = "2026-13-01T00:00:00Z";
  r = build_record(f.scenario, f.session, f.replay, f.params);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().front().pointer, "/header/started_at");
}

TEST(Record, InvalidUtf8NamesAreRefused) {
  auto f = make_fixture();
  f.params.trainee.name = "Zo\xc3";  // truncated UTF-8 sequence
  const auto r = build_record(f.scenario, f.session, f.replay, f.params);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors().front().message.find("UTF-8"), std::string::npos);
}

TEST(Record, SessionWithoutStartTimeHasNoTimesButADuration) {
  auto f = make_fixture();
  f.session.header.started_at.clear();
  ReportRecord r = built(f);
  r.signer.public_key = "AAAA";
  EXPECT_TRUE(r.session.started_at.empty());
  EXPECT_TRUE(r.session.ended_at.empty());
  EXPECT_EQ(r.session.duration_ms, 2537350);
  const auto back = parse_record(record_to_json(r), "r.json");
  ASSERT_TRUE(back.ok()) << back.errors().front().to_string();
  EXPECT_EQ(back.value(), r);
}

TEST(Record, ParseNamesFileAndPointerOfEveryProblem) {
  const auto f = make_fixture();
  nlohmann::json j = nlohmann::json::parse(record_to_json(built(f)));
  j["criteria"][1]["score_permille"] = 640.5;
  j["overall"]["passed"] = "yes";
  j["files"] = {{{"name", "../etc/passwd"},
                 {"role", "x"},
                 {"media_type", "text/plain"},
                 {"sha256", std::string(64, '0')},
                 {"bytes", 1}}};
  j.erase("issued_at");
  const auto r = parse_record(j.dump(), "dir/report.json");
  ASSERT_FALSE(r.ok());
  std::vector<std::string> pointers;
  for (const auto& e : r.errors()) {
    EXPECT_EQ(e.file, "dir/report.json");
    pointers.push_back(e.pointer);
  }
  for (const char* p : {"", "/criteria/1/score_permille", "/overall/passed", "/files/0/name"}) {
    EXPECT_NE(std::find(pointers.begin(), pointers.end(), p), pointers.end()) << p;
  }
}

TEST(Record, ParseRefusesOtherFormatsGarbageAndHugeInput) {
  EXPECT_FALSE(parse_record("not json", "x").ok());
  EXPECT_FALSE(parse_record("[1,2]", "x").ok());
  auto j = nlohmann::json::parse(record_to_json(built(make_fixture())));
  j["format"] = "smp-report/2";
  const auto r = parse_record(j.dump(), "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().front().pointer, "/format");
  EXPECT_FALSE(parse_record(std::string(kMaxRecordBytes + 1, ' '), "x").ok());
  EXPECT_FALSE(load_record_file("/nonexistent/report.json").ok());
}

TEST(Record, PermilleHelpers) {
  EXPECT_EQ(to_permille(87.25), 873);
  EXPECT_EQ(to_permille(87.24), 872);
  EXPECT_EQ(to_permille(100.0), 1000);
  EXPECT_EQ(to_permille(0.0), 0);
  EXPECT_EQ(permille_to_text(873), "87.3");
  EXPECT_EQ(permille_to_text(1000), "100.0");
  EXPECT_EQ(permille_to_text(5), "0.5");
  EXPECT_EQ(permille_to_text(-15), "-1.5");
}

TEST(Time, ParsesAndFormatsIso8601Utc) {
  // Expected epoch values computed independently (Python's datetime).
  EXPECT_EQ(parse_iso8601_ms("2026-11-24T07:06:05Z"), 1795503965000);
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T23:59:59Z"), 1709251199000);
  EXPECT_EQ(parse_iso8601_ms("2026-11-24T08:06:05.5+01:00"), 1795503965500);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  for (const char* bad : {"2026-02-29T00:00:00Z", "2026-11-24T07:06:05", "2026-11-24 07:06:05Z",
                          "2026-11-24T24:00:00Z", "2026-11-24T07:06:05Zjunk", "", "2026-11-24"}) {
    EXPECT_FALSE(parse_iso8601_ms(bad).has_value()) << bad;
  }
  EXPECT_EQ(format_iso8601_ms(1795503965000), "2026-11-24T07:06:05Z");
  EXPECT_EQ(format_iso8601_ms(1795503965250), "2026-11-24T07:06:05.250Z");
  EXPECT_EQ(format_iso8601_ms(1709251199000), "2024-02-29T23:59:59Z");
}

TEST(Time, IssuedAtComesFromFlagThenSourceDateEpoch) {
  ::setenv("SOURCE_DATE_EPOCH", "1795503965", 1);
  EXPECT_EQ(resolve_issued_at(std::nullopt).value(), "2026-11-24T07:06:05Z");
  EXPECT_EQ(resolve_issued_at(std::string("2026-01-02T03:04:05+02:00")).value(),
            "2026-01-02T01:04:05Z");
  EXPECT_FALSE(resolve_issued_at(std::string("soon")).ok());
  ::setenv("SOURCE_DATE_EPOCH", "12abc", 1);
  EXPECT_FALSE(resolve_issued_at(std::nullopt).ok());
  ::unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_TRUE(parse_iso8601_ms(resolve_issued_at(std::nullopt).value()).has_value());
}

TEST(Time, Iso8601Durations) {
  EXPECT_EQ(iso8601_duration(2537350), "PT42M17.35S");
  EXPECT_EQ(iso8601_duration(0), "PT0S");
  EXPECT_EQ(iso8601_duration(3600000), "PT1H");
  EXPECT_EQ(iso8601_duration(3725005), "PT1H2M5.005S");
  EXPECT_EQ(iso8601_duration(8000), "PT8S");
}

TEST(Uuid, NameBasedUuidsAreVersion8AndStable) {
  const std::string a = uuid_from_name("a"), b = uuid_from_name("b");
  EXPECT_EQ(a, uuid_from_name("a"));
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '8');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
  for (std::size_t i : {8u, 13u, 18u, 23u}) EXPECT_EQ(a[i], '-');
}

}  // namespace
}  // namespace smp::report
