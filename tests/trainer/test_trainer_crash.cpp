// Crash safety: the trainer is SIGKILLed in the middle of a scripted attempt after a few
// autosaves; the file it leaves parses, holds everything up to its last announced autosave, and
// `--resume` continues the attempt from there to the end of the script without losing it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <sstream>
#include <thread>
#include <variant>

#include "smp/sim/session.h"
#include "trainer_support.h"

namespace {

// "autosave: t_s=... events=... impressions=..." lines printed after each completed save.
std::vector<double> autosave_times(const std::string& out) {
  std::vector<double> t;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("autosave: t_s=", 0) == 0) t.push_back(std::stod(line.substr(14)));
  }
  return t;
}

// The event count of the last completed save.
std::size_t last_saved_events(const std::string& out) {
  std::size_t n = 0;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    const auto p = line.find(" events=");
    if (line.rfind("autosave: ", 0) == 0 && p != std::string::npos) {
      n = std::stoul(line.substr(p + 8));
    }
  }
  return n;
}

double last_event_t(const smp::sim::Session& s) {
  return s.events.empty() ? 0.0 : smp::sim::event_time_s(s.events.back());
}

}  // namespace

TEST(TrainerCrash, KillLeavesTheLastAutosaveAndResumeLosesNothingSaved) {
  const std::string dir = smp::test::scratch_dir("crash");
  // 60 taps, one every 4 frames, over 4 s of session time, in the frontal fill band.
  std::string script = R"({"schema": "smp-script/1", "events": [)";
  for (int i = 0; i < 60; ++i) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  R"(%s{"frame": %d, "type": "tap", "at_mm": [%g, %g], "pressure": 0.45})",
                  i == 0 ? "" : ",", 4 + 4 * i, -15.0 + (i % 10) * 3.0, 16.0 + (i / 10) * 2.5);
    script += buf;
  }
  script += "]}";
  smp::test::write_text(dir + "/long.json", script);
  const std::string session = dir + "/attempt.session.json";
  const std::vector<std::string> argv = {
      SMP_TRAINER,
      "--scenario",
      std::string(SMP_SOURCE_DIR) + "/scenarios/frontal-hairline.json",
      "--script",
      dir + "/long.json",
      "--session",
      session,
      "--width",
      "480",
      "--height",
      "360",
      "--autosave-s",
      "0.25"};
  auto first = argv;
  first.push_back("--no-resume");
  const pid_t pid =
      smp::test::spawn_process(first, {{"SDL_VIDEODRIVER", "offscreen"}}, dir + "/first.out");
  ASSERT_GT(pid, 0);
  // Wait for three autosaves, then kill it without warning.
  std::vector<double> saves;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    saves = autosave_times(smp::test::read_text(dir + "/first.out"));
    if (saves.size() >= 3) break;
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the trainer ended before it was killed";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(saves.size(), 3u);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  saves = autosave_times(smp::test::read_text(dir + "/first.out"));
  ASSERT_LT(saves.back(), 4.0) << "killed too late to be a crash mid-attempt";
  // Saves come at most one autosave interval (plus one tick) of session time apart.
  for (std::size_t i = 1; i < saves.size(); ++i) {
    EXPECT_LE(saves[i] - saves[i - 1], 0.25 + 1.0 / 60.0 + 1e-9);
  }

  // What the kill left: a whole file, at least as new as the last announced save.
  auto killed = smp::sim::load_session_file(session);
  ASSERT_TRUE(killed.ok()) << killed.errors().front().to_string();
  EXPECT_FALSE(killed->finished);
  EXPECT_GE(killed->events.size(), last_saved_events(smp::test::read_text(dir + "/first.out")));
  EXPECT_LE(last_event_t(killed.value()), saves.back() + 1e-3);  // t_s is printed with %.4f
  EXPECT_FALSE(killed->events.empty());

  // Resume: the saved events are kept as they were and the script carries on to its end.
  auto second = argv;
  second.push_back("--resume");
  const auto r = smp::test::run_process(second, {{"SDL_VIDEODRIVER", "offscreen"}}, 180);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("resumed"), std::string::npos) << r.out;
  auto resumed = smp::sim::load_session_file(session);
  ASSERT_TRUE(resumed.ok()) << resumed.errors().front().to_string();
  ASSERT_GE(resumed->events.size(), killed->events.size());
  for (std::size_t i = 0; i < killed->events.size(); ++i) {
    ASSERT_TRUE(resumed->events[i] == killed->events[i]) << "event " << i << " changed on resume";
  }
  EXPECT_EQ(resumed->header.seed, killed->header.seed);
  EXPECT_EQ(resumed->header.started_at, killed->header.started_at);
  // The last scripted tap (frame 240 = 4 s) made it into the resumed attempt.
  EXPECT_GE(last_event_t(resumed.value()), 4.0);
  ASSERT_TRUE(resumed->recorded.has_value());
  EXPECT_GT(resumed->recorded->impression_count, 40u);
  EXPECT_LE(resumed->recorded->impression_count, 60u);
  // A lost stretch is at most one autosave interval of taps (one every 4 frames).
  EXPECT_GE(resumed->recorded->impression_count, 60u - static_cast<unsigned>(0.25 * 60 / 4) - 1);
}
