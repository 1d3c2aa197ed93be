// smp-trainer run the way a user or CI runs it: headless under SDL's offscreen driver, on every
// shipped scenario; bad files give exit 1 and a message naming the file and JSON Pointer; with no
// display at all it says so and runs the shipped demo.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "trainer_support.h"

namespace fs = std::filesystem;
using smp::test::Env;

namespace {
const Env kOffscreen = {{"SDL_VIDEODRIVER", "offscreen"}};

}  // namespace

// Frames must not accumulate memory: under the offscreen driver Mesa's threaded llvmpipe kept every
// frame's binned scene (~5 MB a frame) until the trainer waited for its frames at the swap.
TEST(TrainerHeadless, MemoryDoesNotGrowWithTheNumberOfFrames) {
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan the resident size also holds its quarantine of freed blocks (up to 256 MB), which
  // fills with every frame's short-lived allocations: the normal build makes this check.
  GTEST_SKIP() << "peak RSS under AddressSanitizer includes its quarantine";
#endif
  const std::string session =
      std::string(SMP_SOURCE_DIR) + "/assets/sessions/frontal-hairline-expert.session.json";
  const auto few_run =
      smp::test::run_process({SMP_TRAINER, "--replay", session, "--frames", "5"}, kOffscreen);
  const auto many_run =
      smp::test::run_process({SMP_TRAINER, "--replay", session, "--frames", "45"}, kOffscreen);
  ASSERT_EQ(few_run.exit_code, 0) << few_run.err;
  ASSERT_EQ(many_run.exit_code, 0) << many_run.err;
  const long few = few_run.max_rss_kb, many = many_run.max_rss_kb;
  ASSERT_GT(few, 0);
  ASSERT_GT(many, 0);
  // 40 more frames: well under 1 MB each (it was ~200 MB in all).
  EXPECT_LT(many, few + 40 * 1024) << "5 frames: " << few << " kB, 45 frames: " << many << " kB";
}

TEST(TrainerHeadless, EveryShippedScenarioRendersANonBlankScalp) {
  const auto scenarios = smp::test::shipped_scenarios();
  ASSERT_GE(scenarios.size(), 5u);
  const std::string dir = smp::test::scratch_dir("every-scenario");
  for (const auto& sc : scenarios) {
    const std::string stem = fs::path(sc).stem().string();
    const std::string png = dir + "/" + stem + ".png";
    const auto r = smp::test::run_process(
        {SMP_TRAINER, "--scenario", sc, "--frames", "3", "--screenshot", png, "--width", "640",
         "--height", "480", "--session", dir + "/" + stem + ".session.json", "--no-resume"},
        kOffscreen, 120);
    ASSERT_EQ(r.exit_code, 0) << sc << "\n" << r.out << r.err;
    EXPECT_FALSE(smp::test::field(r.out, "overall").empty()) << r.out;  // the score is printed
    smp::test::Image img;
    ASSERT_TRUE(smp::test::load_png(png, &img)) << png;
    ASSERT_EQ(img.width, 640);
    ASSERT_EQ(img.height, 480);
    const auto all = smp::test::pixel_stats(img, 0, 0, img.width, img.height);
    EXPECT_GT(all.luma_stddev, 12.0) << sc;  // not a flat clear colour
    // The work area between the panels (left rail ~30%, scores ~35%, top and bottom strips).
    const auto centre = smp::test::pixel_stats(img, 200, 80, 410, 400);
    std::printf("%-24s skin %.2f of the frame, %.2f of the work area, luma sd %.1f\n", stem.c_str(),
                all.skin_fraction, centre.skin_fraction, all.luma_stddev);
    EXPECT_GT(centre.skin_fraction, 0.35) << sc << ": the scalp or pad should fill the view";
    EXPECT_GT(all.skin_fraction, 0.10) << sc;
  }
}

TEST(TrainerHeadless, MalformedScenarioIsExitOneWithFileAndPointer) {
  const std::string dir = smp::test::scratch_dir("bad-scenario");
  const std::string bad = dir + "/bad.json";
  smp::test::write_text(bad, R"({"schema": "smp-scenario/1", "id": "x", "level": "high"})");
  const auto r = smp::test::run_process(
      {SMP_TRAINER, "--scenario", bad, "--frames", "1", "--session", dir + "/s.json"}, kOffscreen);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(bad + ": /level"), std::string::npos) << r.err;

  smp::test::write_text(bad, "{\"schema\": ");
  const auto torn =
      smp::test::run_process({SMP_TRAINER, "--scenario", bad, "--frames", "1"}, kOffscreen);
  EXPECT_EQ(torn.exit_code, 1);
  EXPECT_NE(torn.err.find(bad), std::string::npos) << torn.err;

  const auto missing = smp::test::run_process(
      {SMP_TRAINER, "--scenario", dir + "/nope.json", "--frames", "1"}, kOffscreen);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.json"), std::string::npos) << missing.err;
}

TEST(TrainerHeadless, BadScriptAndReplayFilesAreExitOneWithPointer) {
  const std::string dir = smp::test::scratch_dir("bad-script");
  const std::string script = dir + "/s.json";
  smp::test::write_text(script, R"({"schema": "smp-script/1", "events": [
      {"frame": 1, "type": "tap", "at_mm": [0, 20], "pressure": 3}]})");
  const auto r = smp::test::run_process(
      {SMP_TRAINER, "--script", script, "--session", dir + "/x.session.json"}, kOffscreen);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(script + ": /events/0/pressure"), std::string::npos) << r.err;

  const std::string session = dir + "/r.session.json";
  smp::test::write_text(session, R"({"schema": "smp-session/1", "header": 5})");
  const auto rp = smp::test::run_process({SMP_TRAINER, "--replay", session}, kOffscreen);
  EXPECT_EQ(rp.exit_code, 1);
  EXPECT_NE(rp.err.find(session + ": /header"), std::string::npos) << rp.err;

  const auto usage = smp::test::run_process({SMP_TRAINER, "--frames", "zero"}, kOffscreen);
  EXPECT_EQ(usage.exit_code, 64);
  EXPECT_NE(usage.err.find("--frames"), std::string::npos);
}

TEST(TrainerHeadless, ReplayShowsTheShippedSessionAndScoresItLikeTheCli) {
  const std::string dir = smp::test::scratch_dir("replay");
  const std::string session =
      std::string(SMP_SOURCE_DIR) + "/assets/sessions/frontal-hairline-expert.session.json";
  ASSERT_TRUE(smp::test::file_exists(session));
  const std::string png = dir + "/replay.png";
  const auto r =
      smp::test::run_process({SMP_TRAINER, "--replay", session, "--frames", "2", "--screenshot",
                              png, "--width", "640", "--height", "480", "--months", "1"},
                             kOffscreen);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  smp::test::Image img;
  ASSERT_TRUE(smp::test::load_png(png, &img));
  const auto cli =
      smp::test::run_process({SMP_CLI, "score", "--scenario",
                              std::string(SMP_SOURCE_DIR) + "/scenarios/frontal-hairline.json",
                              "--session", session, "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  // The trainer prints overall with 4 decimals; the CLI's JSON carries the full double.
  const double trainer_overall = std::stod(smp::test::field(r.out, "overall"));
  const auto pos = cli.out.find("\"score\":");
  ASSERT_NE(pos, std::string::npos) << cli.out;
  const double cli_overall = std::stod(cli.out.substr(pos + 8));
  EXPECT_NEAR(trainer_overall, cli_overall, 5e-5);
  EXPECT_GT(std::stoul(smp::test::field(r.out, "impressions")), 100u);
}

TEST(TrainerHeadless, WithNoDisplayItSaysSoAndRunsTheDemo) {
  const std::string dir = smp::test::scratch_dir("no-display");
  const std::string png = dir + "/demo.png";
  const auto r = smp::test::run_process(
      {SMP_TRAINER, "--screenshot", png, "--width", "640", "--height", "480"},
      {{"SDL_VIDEODRIVER", ""}, {"DISPLAY", ""}, {"WAYLAND_DISPLAY", ""}, {"XDG_STATE_HOME", dir}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("no display"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("demo"), std::string::npos) << r.out;
  EXPECT_FALSE(smp::test::field(r.out, "overall").empty()) << r.out;
  smp::test::Image img;
  ASSERT_TRUE(smp::test::load_png(png, &img));
  EXPECT_GT(smp::test::pixel_stats(img, 0, 0, img.width, img.height).luma_stddev, 12.0);
  // The demo replays; it never writes an attempt of its own.
  EXPECT_FALSE(fs::exists(dir + "/smp-trainer"));
}
