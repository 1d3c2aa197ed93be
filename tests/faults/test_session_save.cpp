// The session save the trainer's autosave uses (sim::serialize_session + sim::write_file_atomic,
// engine/app Autosaver::save) under faults: SIGKILL part-way through saving 100,000 impressions,
// a full disk, and a read-only session folder. Whatever happens, the file on disk is the last
// complete save, byte for byte, and every failure says which file and why.
#include <csignal>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "fault_support.h"
#include "smp/sim/session.h"

namespace smp::faults {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kImpressions = 100000;

struct Saved {
  std::string dir, path, a, b;  // a: on disk before each fault; b: the save being attempted
};

Saved prepare(const std::string& tag) {
  Saved s;
  s.dir = temp_dir(tag);
  s.path = s.dir + "/attempt.session.json";
  s.a = sim::serialize_session(big_session(kImpressions, "trainee-a"));
  s.b = sim::serialize_session(big_session(kImpressions, "trainee-b-second-save"));
  auto w = sim::write_file_atomic(s.path, s.a);
  EXPECT_TRUE(w.ok());
  return s;
}

std::vector<std::string> leftovers(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos)
      out.push_back(e.path().string());
  return out;
}

TEST(SessionSaveFaults, SigkillDuringA100kImpressionSaveLeavesTheLastCompleteSave) {
  Saved s = prepare("kill-save");
  ASSERT_GT(s.a.size(), 10u << 20) << "a 100,000-impression session is tens of MB";
  // How long one save takes here, then kills spread over that time (and a little beyond).
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(sim::write_file_atomic(s.dir + "/timing.json", s.b).ok());
  const double save_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int interrupted = 0, completed = 0;
  constexpr int kRounds = 12;
  for (int round = 0; round < kRounds; ++round) {
    const double delay_s = save_s * 1.2 * round / kRounds;
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto w = sim::write_file_atomic(s.path, s.b);
      _exit(w.ok() ? 0 : 3);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(delay_s));
    kill(pid, SIGKILL);
    const int code = wait_exit(pid);
    const std::string now = read_file(s.path);
    SCOPED_TRACE("round " + std::to_string(round) + ", killed after " +
                 std::to_string(delay_s * 1e3) + " ms, exit " + std::to_string(code));
    // Never a torn file: exactly one of the two complete saves, and it loads.
    ASSERT_TRUE(now == s.a || now == s.b) << "torn session file of " << now.size() << " bytes";
    auto loaded = sim::load_session_file(s.path);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->impressions.size(), kImpressions);
    if (now == s.a && code == 128 + SIGKILL) ++interrupted;
    if (now == s.b) {
      ++completed;
      ASSERT_TRUE(sim::write_file_atomic(s.path, s.a).ok());  // back to A for the next round
    }
  }
  EXPECT_GT(interrupted, 0) << "no kill landed inside a save (" << save_s << " s per save)";
  // The killed saves leave their temporary files behind (named *.tmp-XXXXXX, never loaded);
  // they are removed by nothing, so at least make sure they are not the session.
  for (const auto& f : leftovers(s.dir)) EXPECT_NE(f, s.path);
  RecordProperty("interrupted", interrupted);
  RecordProperty("completed", completed);
}

TEST(SessionSaveFaults, FullDiskGivesAClearErrorAndKeepsThePreviousSave) {
  Saved s = prepare("full-disk");
  // 1 MiB of room: the 20 MB save fails part-way with EFBIG, as on a full disk.
  const Outcome r = run_child(
      [&] {
        auto w = sim::write_file_atomic(s.path, s.b);
        return w.ok() ? std::string("saved") : w.errors().front().to_string();
      },
      Limits{1 << 20, false});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(s.path), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("File too large"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(s.path), s.a) << "the previous save must survive intact";
  EXPECT_TRUE(leftovers(s.dir).empty()) << "a failed save removes its temporary file";
}

TEST(SessionSaveFaults, ReadOnlySessionFolderGivesAClearErrorAndKeepsThePreviousSave) {
  Saved s = prepare("read-only");
  fs::permissions(s.dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                             fs::perms::group_exec | fs::perms::others_read |
                             fs::perms::others_exec,
                  fs::perm_options::replace);
  // Root ignores permissions: the child drops to an unprivileged user first.
  const Outcome r = run_child(
      [&] {
        auto w = sim::write_file_atomic(s.path, s.b);
        return w.ok() ? std::string("saved") : w.errors().front().to_string();
      },
      Limits{-1, true});
  fs::permissions(s.dir, fs::perms::all, fs::perm_options::replace);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cannot create a temporary file in " + s.dir), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Permission denied"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(s.path), s.a);
}

}  // namespace
}  // namespace smp::faults
