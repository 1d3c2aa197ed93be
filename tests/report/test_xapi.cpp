// xAPI statements from a record (shape and figures) and the outbox's offline behaviour; the
// validator, the real LRS and the HTTP headers are checked in node/interop.test.mjs.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "cli_runner.h"
#include "smp/report/xapi.h"

namespace smp::report {
namespace {

namespace fs = std::filesystem;

ReportRecord sample_record() {
  ReportRecord r;
  r.report_id = "urn:uuid:" + uuid_from_name("attempt");
  r.issued_at = "2026-11-24T10:00:00Z";
  r.simulator_version = "smp-trainer 9.9";
  r.trainee = {"T-042", "Zoë Ångström", ""};
  r.academy = {"urn:example:academy", "Académie", "https://academy.example/", ""};
  r.instructor = Person{"", "Łukasz Wójcik", ""};
  r.scenario = {"scar/strip 1", 4,      "Strip scar", std::string(64, 'a'), 3,
                "assessment",   "scar", "permanent"};
  r.session.started_at = "2026-11-24T07:06:05Z";
  r.session.ended_at = "2026-11-24T07:48:22.350Z";
  r.session.duration_ms = 2537350;
  r.session.finished = true;
  r.criteria.push_back({"depth", "Depth accuracy", 873, 700, 1000, true, "", {}});
  r.criteria.push_back({"spacing", "Spacing", 640, 700, 1500, false, "", {}});
  r.critical_errors.push_back({"pigment_in_fat", "Pigment in fat", 17});
  r.overall_permille = 745;
  r.overall_pass_mark_permille = 700;
  r.passed = false;
  return r;
}

TEST(Xapi, OneStatementWithTheRecordsFigures) {
  const ReportRecord r = sample_record();
  const auto sts = build_statements(r);
  ASSERT_EQ(sts.size(), 1u);
  const auto& s = sts[0];
  EXPECT_EQ(s["verb"]["id"], kVerbFailed);
  EXPECT_EQ(s["actor"]["account"]["homePage"], "https://academy.example/");
  EXPECT_EQ(s["actor"]["account"]["name"], "T-042");
  EXPECT_EQ(s["actor"]["name"], "Zoë Ångström");
  EXPECT_EQ(s["object"]["id"], "https://academy.example/smp/scenarios/scar%2Fstrip%201");
  EXPECT_EQ(s["object"]["definition"]["type"], kActivitySimulation);
  EXPECT_DOUBLE_EQ(s["result"]["score"]["scaled"].get<double>(), 0.745);
  EXPECT_DOUBLE_EQ(s["result"]["score"]["raw"].get<double>(), 74.5);
  EXPECT_EQ(s["result"]["score"]["min"], 0);
  EXPECT_EQ(s["result"]["score"]["max"], 100);
  EXPECT_EQ(s["result"]["success"], false);
  EXPECT_EQ(s["result"]["completion"], true);
  EXPECT_EQ(s["result"]["duration"], "PT42M17.35S");
  const auto& crit = s["result"]["extensions"][std::string(kExtCriteria)];
  ASSERT_EQ(crit.size(), 2u);
  EXPECT_DOUBLE_EQ(crit[1]["score"].get<double>(), 64.0);
  EXPECT_DOUBLE_EQ(crit[1]["weight"].get<double>(), 1.5);
  EXPECT_EQ(s["result"]["extensions"][std::string(kExtCriticalErrors)][0]["code"],
            "pigment_in_fat");
  EXPECT_EQ(s["context"]["registration"], r.report_id.substr(9));
  EXPECT_EQ(s["context"]["instructor"]["account"]["name"], "Łukasz Wójcik");
  EXPECT_EQ(s["context"]["revision"], "4");
  EXPECT_EQ(s["context"]["platform"], "smp-trainer 9.9");
  EXPECT_EQ(s["timestamp"], "2026-11-24T07:48:22.350Z");
}

TEST(Xapi, StatementIdsAreStableAcrossReissues) {
  ReportRecord r = sample_record();
  const auto a = build_statements(r)[0];
  r.issued_at = "2027-05-01T00:00:00Z";  // re-issued later (e.g. after a key rotation)
  r.signer.key_fingerprint = std::string(64, 'f');
  EXPECT_EQ(build_statements(r)[0], a) << "a re-sent statement must not conflict (409)";
  r.passed = true;
  EXPECT_EQ(build_statements(r)[0]["verb"]["id"], kVerbPassed);
  r.report_id = "urn:uuid:" + uuid_from_name("another attempt");
  EXPECT_NE(build_statements(r)[0]["id"], a["id"]);
}

TEST(Xapi, StatementsFileRoundTripsAndBadFilesAreNamed) {
  const std::string dir = test::make_temp_dir("xapi-file");
  const auto sts = build_statements(sample_record());
  test::write_text(dir + "/xapi.json", statements_file_text(sts));
  const auto back = load_statements_file(dir + "/xapi.json");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), sts);
  test::write_text(dir + "/bad.json", R"({"format":"smp-xapi/1","statements":[{"id":3}]})");
  const auto bad = load_statements_file(dir + "/bad.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.errors().front().pointer, "/statements/0");
  EXPECT_FALSE(load_statements_file(dir + "/missing.json").ok());
}

TEST(Xapi, StatementsUrl) {
  EXPECT_EQ(statements_url("https://lrs.example/xAPI"), "https://lrs.example/xAPI/statements");
  EXPECT_EQ(statements_url("https://lrs.example/xAPI/"), "https://lrs.example/xAPI/statements");
  EXPECT_EQ(statements_url("https://lrs.example/xAPI/statements"),
            "https://lrs.example/xAPI/statements");
}

// A loopback port with nothing listening (bound then closed).
int dead_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(Xapi, OfflineStatementsWaitInTheOutboxOnceEach) {
  const std::string dir = test::make_temp_dir("xapi-outbox");
  SendOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(dead_port()) + "/xAPI";
  o.user = "u";
  o.password = "p";
  o.outbox_dir = dir;
  o.timeout_s = 5;
  const auto sts = build_statements(sample_record());
  auto count_waiting = [&] {
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      n += e.path().extension() == ".json" ? 1 : 0;
    }
    return n;
  };
  auto out = send_statements(sts, o);
  EXPECT_EQ(out.sent, 0u);
  EXPECT_EQ(out.queued, 1u);
  EXPECT_EQ(count_waiting(), 1u);
  out = send_statements(sts, o);  // still offline, same statement again: not duplicated
  EXPECT_EQ(out.queued, 1u);
  EXPECT_EQ(count_waiting(), 1u);
  // Another endpoint has its own queue.
  SendOptions other = o;
  other.endpoint = "http://127.0.0.1:" + std::to_string(dead_port()) + "/other";
  EXPECT_EQ(send_statements({}, other).queued, 0u);
  EXPECT_EQ(send_statements({}, o).queued, 1u);
}

}  // namespace
}  // namespace smp::report
