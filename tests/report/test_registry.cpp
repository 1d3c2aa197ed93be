// The academy registry (docs/registry.md): schema versioning, two writers at once, a damaged
// file, and `smp report` / `smp revoke` / `smp verify` / `smp cohort` / `smp registry rebuild`
// working from it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_runner.h"
#include "smp/report/record.h"
#include "smp/report/registry.h"

namespace smp::report {
namespace {

namespace fs = std::filesystem;
using test::read_text;
using test::run_smp;
using test::write_text;

bool testing_have_minisign() {
  return std::system("command -v minisign >/dev/null 2>&1") == 0;
}

ReportRecord fake(const std::string& trainee, int n) {
  ReportRecord r;
  r.report_id = "urn:uuid:" + uuid_from_name(trainee + std::to_string(n));
  r.issued_at = "2026-02-01T10:00:00Z";
  r.trainee = {trainee, "Name of " + trainee, ""};
  r.scenario.id = "hairline-assessment";
  r.scenario.version = 1;
  r.session.sha256 = std::string(64, 'a');
  r.attempt = n;
  r.overall_permille = 700 + n;
  r.signer.key_fingerprint = std::string(64, 'b');
  return r;
}

int user_version(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr);
  const int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

TEST(Registry, MigratesRecordsAndRevokes) {
  const std::string path = test::make_temp_dir("registry-unit") + "/r.sqlite";
  EXPECT_FALSE(Registry::open(path, false).ok());  // missing and not to be created
  {
    auto reg = Registry::open(path, true);
    ASSERT_TRUE(reg.ok()) << reg.errors()[0].to_string();
    ASSERT_TRUE(reg.value().record_issued(fake("T-1", 1), "/reports/a").ok());
    ASSERT_TRUE(reg.value().record_issued(fake("T-1", 2), "/reports/b").ok());
    ASSERT_TRUE(
        reg.value().revoke(fake("T-1", 1).report_id, "wrong trainee", "2026-03-01T00:00:00Z").ok());
    EXPECT_FALSE(reg.value().revoke("urn:uuid:unknown", "x", "2026-03-01T00:00:00Z").ok());
  }
  EXPECT_EQ(user_version(path), kRegistrySchemaVersion);
  auto reg = Registry::open(path, false);
  ASSERT_TRUE(reg.ok());
  // Re-recording the same attempt keeps it revoked.
  ASSERT_TRUE(reg.value().record_issued(fake("T-1", 1), "/reports/a2").ok());
  const auto e = reg.value().find(fake("T-1", 1).report_id);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->status, "revoked");
  EXPECT_EQ(e->revoked_reason, "wrong trainee");
  EXPECT_EQ(e->dir, "/reports/a2");
  const auto h = reg.value().history("T-1", "hairline-assessment");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].attempt, 2);
  EXPECT_EQ(h[1].status, "valid");
}

TEST(Registry, DamagedOrNewerFilesAreRefusedByName) {
  const std::string dir = test::make_temp_dir("registry-bad");
  write_text(dir + "/bad.sqlite", "this is not a database, it is a text file of some length\n");
  auto bad = Registry::open(dir + "/bad.sqlite", true);
  ASSERT_FALSE(bad.ok());
  const std::string msg = bad.errors()[0].to_string();
  EXPECT_NE(msg.find(dir + "/bad.sqlite"), std::string::npos) << msg;
  EXPECT_NE(msg.find("smp registry rebuild"), std::string::npos) << msg;
  // A registry from a newer smp.
  sqlite3* db = nullptr;
  sqlite3_open((dir + "/new.sqlite").c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto newer = Registry::open(dir + "/new.sqlite", false);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.errors()[0].to_string().find("newer"), std::string::npos);
}

TEST(Registry, TwoWritersAtOnceLoseNothing) {
  const std::string path = test::make_temp_dir("registry-writers") + "/r.sqlite";
  constexpr int kEach = 150;
  auto writer = [&](const std::string& trainee, bool* ok) {
    auto reg = Registry::open(path, true);  // both may create and migrate it at the same time
    *ok = reg.ok();
    for (int i = 1; *ok && i <= kEach; ++i) {
      *ok = reg.value().record_issued(fake(trainee, i), "/r/" + trainee).ok();
    }
  };
  bool a = false, b = false;
  std::thread ta(writer, "T-A", &a), tb(writer, "T-B", &b);
  ta.join();
  tb.join();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  auto reg = Registry::open(path, false);
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(reg.value().entries().size(), 2u * kEach);
  EXPECT_EQ(user_version(path), kRegistrySchemaVersion);
}

TEST(RegistryCli, ReportRevokeVerifyCohortAndRebuild) {
  const std::string dir = test::make_temp_dir("registry-cli");
  write_text(dir + "/academy.json",
             R"({"format":"smp-academy/1","id":"https://academy.example/","name":"Acad"})");
  ASSERT_EQ(
      run_smp({"keygen", "--out", dir + "/key.json", "--academy", dir + "/academy.json",
               "--trusted-keys", dir + "/trusted.json", "--valid-from", "2026-01-01T00:00:00Z"})
          .exit_code,
      0);
  const std::string out = dir + "/reports/zoe-1";
  auto r = run_smp({"report", "--scenario", "scenarios/hairline-assessment.json", "--session",
                    "assets/sessions/hairline-assessment-novice.session.json", "--trainee",
                    "demo-novice", "--name", "Zo\u00eb", "--key", dir + "/key.json", "--issued-at",
                    "2026-02-01T10:00:00Z", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string registry = dir + "/registry.sqlite";  // beside the key by default
  ASSERT_TRUE(fs::exists(registry));
  auto list = run_smp({"registry", "list", "--registry", registry});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("demo-novice"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("valid"), std::string::npos);
  EXPECT_EQ(run_smp({"verify", out, "--registry", registry}).exit_code, 0);

  auto rv = run_smp({"revoke", out, "--reason", "assessed on the wrong scenario", "--key",
                     dir + "/key.json", "--at", "2026-02-02T00:00:00Z"});
  ASSERT_EQ(rv.exit_code, 0) << rv.err;
  auto v = run_smp({"verify", out, "--registry", registry});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.err.find("REVOKED on 2026-02-02T00:00:00Z: assessed on the wrong scenario"),
            std::string::npos)
      << v.err;
  // The published, signed revocation list says the same, offline and without the registry.
  auto pub = run_smp(
      {"publish", dir + "/site", "--key", dir + "/key.json", "--at", "2026-02-03T00:00:00Z"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  const auto jwks = nlohmann::json::parse(read_text(dir + "/site/jwks.json"));
  ASSERT_EQ(jwks["keys"].size(), 2u);
  EXPECT_EQ(jwks["keys"][0]["alg"], "RS256");
  EXPECT_EQ(jwks["keys"][1]["crv"], "Ed25519");
  EXPECT_EQ(nlohmann::json::parse(read_text(dir + "/site/issuer.json"))["id"],
            "https://academy.example/");
  const std::string rlist = dir + "/site/revocation-list.json";
  EXPECT_NE(read_text(rlist).find("assessed on the wrong scenario"), std::string::npos);
  auto vs = run_smp({"verify", out, "--status-list", rlist});
  EXPECT_EQ(vs.exit_code, 1);
  EXPECT_NE(vs.err.find("REVOKED on 2026-02-02T00:00:00Z"), std::string::npos) << vs.err;
  if (testing_have_minisign()) {
    // Debian's minisign checks the rlist with the academy's public key file too.
    EXPECT_EQ(std::system(("minisign -q -Vm '" + rlist + "' -x '" + rlist + ".sig' -p '" + dir +
                           "/key.json.pub'")
                              .c_str()),
              0);
  }
  // A rlist emptied by someone else no longer carries the academy's signature.
  std::string text = read_text(rlist);
  text.replace(text.find("\"revokedAssertions\""), 20, "\"revokedAssertionsX\"");
  write_text(rlist, text);
  EXPECT_EQ(run_smp({"verify", out, "--status-list", rlist}).exit_code, 2);

  auto c = run_smp({"cohort", "--out", dir + "/cohort", "--trusted-keys", dir + "/trusted.json",
                    "--registry", registry, dir + "/reports"});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_NE(read_text(dir + "/cohort/rejected.csv").find("REVOKED"), std::string::npos);
  EXPECT_NE(c.out.find("0 attempts"), std::string::npos) << c.out;

  // A damaged registry: the report is still written and verifies; the exit status says so.
  write_text(dir + "/bad.sqlite", "not a database at all, just some text to fill a page\n");
  auto bad = run_smp({"report", "--scenario", "scenarios/hairline-assessment.json", "--session",
                      "assets/sessions/hairline-assessment-novice.session.json", "--trainee",
                      "demo-novice", "--name", "Zo\u00eb", "--key", dir + "/key.json",
                      "--issued-at", "2026-02-01T10:00:00Z", "--attempt", "2", "--registry",
                      dir + "/bad.sqlite", "--out", dir + "/reports/zoe-2"});
  EXPECT_EQ(bad.exit_code, 4) << bad.err;
  EXPECT_NE(bad.err.find("NOT recorded"), std::string::npos) << bad.err;
  EXPECT_EQ(run_smp({"verify", dir + "/reports/zoe-2"}).exit_code, 0);
  // Rebuild from the folders into a new file: both records are back.
  auto rb = run_smp({"registry", "rebuild", "--registry", dir + "/new.sqlite", "--trusted-keys",
                     dir + "/trusted.json", dir + "/reports"});
  EXPECT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_NE(rb.out.find("2 records imported"), std::string::npos) << rb.out;
  auto rebuilt = Registry::open(dir + "/new.sqlite", false);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt.value().entries().size(), 2u);
  // Rebuilding into the existing registry keeps its revocation.
  ASSERT_EQ(run_smp({"registry", "rebuild", "--registry", registry, "--trusted-keys",
                     dir + "/trusted.json", dir + "/reports"})
                .exit_code,
            0);
  EXPECT_EQ(run_smp({"verify", out, "--registry", registry}).exit_code, 1);
}

}  // namespace
}  // namespace smp::report
