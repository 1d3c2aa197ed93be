// `smp report` under faults: SIGKILL at every stage of writing a report directory, a full disk
// and a read-only output folder. A report that `smp verify` accepts is always a complete one, and
// a report already in the folder survives every failed or killed run.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "fault_support.h"

namespace smp::faults {
namespace {

namespace fs = std::filesystem;

#ifdef SMP_HAVE_REPORT

const char* kScenario = "scenarios/frontal-hairline.json";
const char* kSession = "assets/sessions/frontal-hairline-expert.session.json";

struct Keys {
  std::string dir, key;
};

Keys make_key() {
  Keys k;
  k.dir = temp_dir("report-key");
  write_file(
      k.dir + "/academy.json",
      R"({"format":"smp-academy/1","id":"https://academy.example/","name":"Fault Academy"})");
  k.key = k.dir + "/key.json";
  const Outcome r = run_smp({"keygen", "--out", k.key, "--academy", k.dir + "/academy.json",
                             "--created-at", "2026-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return k;
}

std::vector<std::string> args_for(const Keys& k, const std::string& out, int attempt) {
  // frontal-hairline is a practice-mode scenario: a practice record (the issuing rules refuse to
  // certify it), for the session's own trainee.
  return {"report",      "--practice",
          "--scenario",  kScenario,
          "--session",   kSession,
          "--trainee",   "demo-expert",
          "--name",      "Fault Test",
          "--key",       k.key,
          "--attempt",   std::to_string(attempt),
          "--issued-at", "2026-02-01T10:00:00Z",
          "--out",       out};
}

TEST(ReportFaults, SigkillWhileWritingNeverLeavesAHalfReportThatVerifies) {
  const Keys k = make_key();
  const std::string base = temp_dir("report-kill");
  // Reference outputs: attempt 1 (already on disk before the fault) and attempt 2 (being written).
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome first = run_smp(args_for(k, base + "/ref2", 2));
  const double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string ref2 = read_file(base + "/ref2/report.json");
  ASSERT_EQ(run_smp(args_for(k, base + "/ref1", 1)).exit_code, 0);
  const std::string ref1 = read_file(base + "/ref1/report.json");
  ASSERT_NE(ref1, ref2);

  int rejected = 0, valid = 0;
  constexpr int kRounds = 16;
  for (int round = 0; round < kRounds; ++round) {
    // Even rounds write into a fresh folder, odd ones over a complete attempt-1 report.
    const std::string out = base + "/r" + std::to_string(round);
    if (round % 2 == 1) fs::copy(base + "/ref1", out, fs::copy_options::recursive);
    const double delay_s = run_s * round / kRounds;
    const pid_t pid = start_smp(args_for(k, out, 2));
    std::this_thread::sleep_for(std::chrono::duration<double>(delay_s));
    kill(pid, SIGKILL);
    wait_exit(pid);
    const Outcome v = run_smp({"verify", out});
    SCOPED_TRACE("round " + std::to_string(round) + " killed after " +
                 std::to_string(delay_s * 1e3) + " ms; verify said: " + v.out + v.err);
    if (round % 2 == 1) {
      // Over a complete report the folder always holds a complete one: the earlier report
      // until the new set is swapped in whole.
      EXPECT_EQ(v.exit_code, 0) << "the earlier report was lost";
    }
    if (v.exit_code == 0) {
      ++valid;
      // Accepted: then it is one of the two complete reports, byte for byte.
      const std::string rec = read_file(out + "/report.json");
      EXPECT_TRUE(rec == ref1 || rec == ref2);
    } else {
      ++rejected;
      EXPECT_TRUE(v.exit_code == 1 || v.exit_code == 2) << v.exit_code;
      EXPECT_FALSE(v.err.empty()) << "a rejection says why";
    }
  }
  EXPECT_GT(rejected, 0) << "no kill landed while the report was being written";
  RecordProperty("valid", valid);
  RecordProperty("rejected", rejected);
}

TEST(ReportFaults, ANewReportReplacesTheOldSetAndKeepsOtherFiles) {
  const Keys k = make_key();
  const std::string out = temp_dir("report-replace") + "/T-1";
  ASSERT_EQ(run_smp(args_for(k, out, 1)).exit_code, 0);
  write_file(out + "/instructor-notes.txt", "kept");
  const Outcome r = run_smp(args_for(k, out, 2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(run_smp({"verify", out}).exit_code, 0);
  EXPECT_NE(read_file(out + "/report.json").find("\"attempt\":2"), std::string::npos);
  EXPECT_EQ(read_file(out + "/instructor-notes.txt"), "kept");
  // Nothing is left beside the folder: no staging or set-aside copies.
  int siblings = 0;
  for (const auto& e : fs::directory_iterator(fs::path(out).parent_path())) {
    (void)e;
    ++siblings;
  }
  EXPECT_EQ(siblings, 1);
}

TEST(ReportFaults, FullDiskKeepsTheEarlierReport) {
  const Keys k = make_key();
  const std::string out = temp_dir("report-full-over") + "/report";
  ASSERT_EQ(run_smp(args_for(k, out, 1)).exit_code, 0);
  const std::string before = read_file(out + "/report.json");
  const Outcome r = run_smp(args_for(k, out, 2), Limits{64 << 10, false});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_EQ(run_smp({"verify", out}).exit_code, 0);
  EXPECT_EQ(read_file(out + "/report.json"), before);
}

TEST(ReportFaults, FullDiskGivesAClearErrorAndNoReportThatVerifies) {
  const Keys k = make_key();
  const std::string out = temp_dir("report-full") + "/report";
  const Outcome r = run_smp(args_for(k, out, 1), Limits{64 << 10, false});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(out), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_NE(run_smp({"verify", out}).exit_code, 0);
}

TEST(ReportFaults, ReadOnlyOutputFolderGivesAClearError) {
  const Keys k = make_key();
  const std::string dir = temp_dir("report-ro");
  // The unprivileged child must be able to read the key (0600) and see the folder.
  fs::copy_file(k.key, dir + "/key.json");
  if (running_as_root()) {
    ASSERT_EQ(chown((dir + "/key.json").c_str(), 65534, 65534), 0);
  }
  fs::create_directories(dir + "/locked");
  fs::permissions(dir + "/locked",
                  fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read |
                      fs::perms::others_exec,
                  fs::perm_options::replace);
  Keys ro = k;
  ro.key = dir + "/key.json";
  const Outcome r = run_smp(args_for(ro, dir + "/locked/report", 1), Limits{-1, true});
  fs::permissions(dir + "/locked", fs::perms::all, fs::perm_options::replace);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(dir + "/locked/report"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ermission denied"), std::string::npos) << r.err;
}

TEST(ReportFaults, KeyFileOverItsLimitIsRefusedByName) {
  const std::string dir = temp_dir("report-bigkey");
  const std::string key = dir + "/key.json";
  write_file(key, "{" + std::string(65u << 10, ' ') + "}");
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  Keys k{dir, key};
  const Outcome r = run_smp(args_for(k, dir + "/out", 1));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(key + ": file is larger than 65536 bytes"), std::string::npos) << r.err;
}

#else
TEST(ReportFaults, NeedsEngineReport) {
  GTEST_SKIP() << "built without engine/report";
}
#endif

}  // namespace
}  // namespace smp::faults
