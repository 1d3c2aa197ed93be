// Scripted strokes through the real input path (SDL events -> input mapper -> ray pick ->
// Simulation): impressions land where the script put them, runs follow the path, the written
// session replays and scores exactly like `smp score`, runs are reproducible, undo follows the
// scenario's mode, tool changes and finishing are logged.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <variant>

#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/session.h"
#include "smp/sim/simulation.h"
#include "trainer_support.h"

namespace fs = std::filesystem;
using smp::test::Env;

namespace {

const Env kOffscreen = {{"SDL_VIDEODRIVER", "offscreen"}};

std::string scenario_path(const std::string& id) {
  return std::string(SMP_SOURCE_DIR) + "/scenarios/" + id + ".json";
}

struct TrainerRun {
  smp::test::ProcResult proc;
  smp::sim::Session session;
  smp::sim::ReplayOutput replay;
};

// Runs the trainer on a script and replays the session it wrote.
TrainerRun run_script(const std::string& name, const std::string& scenario_id,
                      const std::string& script_json) {
  TrainerRun run;
  const std::string dir = smp::test::scratch_dir("script-" + name);
  const std::string script = dir + "/script.json";
  const std::string session = dir + "/attempt.session.json";
  smp::test::write_text(script, script_json);
  run.proc =
      smp::test::run_process({SMP_TRAINER, "--scenario", scenario_path(scenario_id), "--script",
                              script, "--session", session, "--no-resume", "--width", "480",
                              "--height", "360", "--screenshot", dir + "/end.png"},
                             kOffscreen, 180);
  EXPECT_EQ(run.proc.exit_code, 0) << run.proc.out << run.proc.err;
  auto s = smp::sim::load_session_file(session);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.errors().front().to_string());
  if (!s.ok()) return run;
  run.session = s.value();
  auto sc = smp::sim::load_scenario_file(scenario_path(scenario_id));
  auto cat = smp::sim::PigmentCatalogue::load_default();
  EXPECT_TRUE(sc.ok() && cat.ok());
  auto rep = smp::sim::replay_session(run.session, sc.value(), cat.value());
  EXPECT_TRUE(rep.ok());
  if (rep.ok()) run.replay = rep.value();
  return run;
}

template <class T>
std::vector<T> events_of(const smp::sim::Session& s) {
  std::vector<T> out;
  for (const auto& e : s.events) {
    if (const auto* v = std::get_if<T>(&e)) out.push_back(*v);
  }
  return out;
}

// Six taps in the fill band of the frontal hairline, three by mouse and three by touch, then a
// needle change and one more tap.
const std::vector<smp::sim::PointMm> kTaps = {{-12, 18}, {-6, 20}, {0, 22},
                                              {6, 20},   {12, 18}, {3, 28}};
std::string taps_script() {
  std::string s = R"({"schema": "smp-script/1", "events": [)";
  for (std::size_t i = 0; i < 5; ++i) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  R"({"frame": %zu, "type": "tap", "at_mm": [%g, %g], "pressure": 0.45,)"
                  R"( "hold_frames": 3, "device": "%s"},)",
                  4 + 10 * i, kTaps[i].x_mm, kTaps[i].y_mm, i % 2 == 0 ? "mouse" : "touch");
    s += buf;
  }
  s += R"({"frame": 60, "type": "tool", "needle": "3RL"},
          {"frame": 62, "type": "tap", "at_mm": [3, 28], "pressure": 0.45, "hold_frames": 3}]})";
  return s;
}

}  // namespace

TEST(TrainerScript, TapsLandWhereScriptedAndScoreLikeTheCli) {
  const TrainerRun run = run_script("taps", "frontal-hairline", taps_script());
  const auto& imps = run.replay.impressions;
  ASSERT_EQ(imps.size(), kTaps.size()) << run.proc.out;
  for (std::size_t i = 0; i < imps.size(); ++i) {
    // Mouse events are whole pixels (~0.2 mm at the scripted close-up); touch is sub-pixel.
    EXPECT_LT(smp::sim::distance_mm(imps[i].pos, kTaps[i]), 0.3)
        << "tap " << i << " at (" << imps[i].pos.x_mm << ", " << imps[i].pos.y_mm << ")";
  }
  // The needle change is in the log and applies to the dot after it.
  const auto tools = events_of<smp::sim::ToolChange>(run.session);
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0].tool().needle.id, "3RL");
  EXPECT_EQ(imps[4].needle.substr(0, 3), "1RL");
  EXPECT_EQ(imps[5].needle.substr(0, 3), "3RL");
  // Touch pressure reaches the simulation as scripted (the mouse uses the slider, set to 0.45).
  for (const auto& s : events_of<smp::sim::StylusSample>(run.session)) {
    if (s.down) {
      EXPECT_NEAR(s.pressure, 0.45, 1e-6);  // touch pressure travels as a float in SDL
    }
  }
  EXPECT_FALSE(run.session.finished);
  ASSERT_TRUE(run.session.recorded.has_value());
  EXPECT_EQ(run.session.recorded->impression_count, kTaps.size());
  EXPECT_EQ(run.session.recorded->impressions_sha256, run.replay.impressions_sha256);
  EXPECT_EQ(run.session.recorded->overall, run.replay.report.overall);
  EXPECT_EQ(std::stoul(smp::test::field(run.proc.out, "impressions")), kTaps.size());

  // `smp score --json` on the written session gives the same score the trainer saved and printed.
  const std::string session = smp::test::scratch_dir("script-taps") + "/attempt.session.json";
  const auto cli =
      smp::test::run_process({SMP_CLI, "score", "--scenario", scenario_path("frontal-hairline"),
                              "--session", session, "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const auto j = nlohmann::json::parse(cli.out);
  EXPECT_EQ(j["overall"]["score"].get<double>(), run.session.recorded->overall);
  for (const auto& [key, score] : run.session.recorded->criteria) {
    EXPECT_EQ(j["criteria"][key]["score"].template get<double>(), score) << key;
  }
  EXPECT_NEAR(std::stod(smp::test::field(run.proc.out, "overall")),
              j["overall"]["score"].get<double>(), 5e-5);
}

TEST(TrainerScript, ScriptedRunsAreReproducible) {
  const TrainerRun a = run_script("repro-a", "frontal-hairline", taps_script());
  const TrainerRun b = run_script("repro-b", "frontal-hairline", taps_script());
  ASSERT_FALSE(a.session.events.empty());
  EXPECT_TRUE(a.session.events == b.session.events);
  EXPECT_EQ(a.replay.impressions_sha256, b.replay.impressions_sha256);
}

TEST(TrainerScript, DragPlacesARunAlongThePath) {
  // 20 mm in one second at 120 Hz: a stroke every 0.17 mm; a dot wherever the needle is at least
  // one footprint (0.2 mm for 1RL) from the last.
  const TrainerRun run =
      run_script("drag", "frontal-hairline", R"({"schema": "smp-script/1", "events": [
      {"frame": 5, "type": "drag", "path_mm": [[-10, 18], [10, 18]], "frames": 60,
       "pressure": 0.45}]})");
  const auto& imps = run.replay.impressions;
  ASSERT_GE(imps.size(), 40u) << run.proc.out;
  ASSERT_LE(imps.size(), 101u);
  for (std::size_t i = 0; i < imps.size(); ++i) {
    EXPECT_NEAR(imps[i].pos.y_mm, 18.0, 0.3) << i;
    EXPECT_GE(imps[i].pos.x_mm, -10.3) << i;
    EXPECT_LE(imps[i].pos.x_mm, 10.3) << i;
    if (i > 0) {
      EXPECT_GT(imps[i].pos.x_mm, imps[i - 1].pos.x_mm) << "the run goes one way";
      EXPECT_GE(smp::sim::distance_mm(imps[i].pos, imps[i - 1].pos), 0.19) << i;
    }
  }
  EXPECT_LT(imps.front().pos.x_mm, -9.5);
  EXPECT_GT(imps.back().pos.x_mm, 9.5);
}

TEST(TrainerScript, UndoIsLoggedInPracticeAndRefusedInAssessment) {
  const std::string taps_then_undo = R"({"schema": "smp-script/1", "events": [
      {"frame": 4, "type": "tap", "at_mm": [-6, 26], "pressure": 0.45},
      {"frame": 10, "type": "tap", "at_mm": [0, 27], "pressure": 0.45},
      {"frame": 16, "type": "tap", "at_mm": [6, 26], "pressure": 0.45},
      {"frame": 22, "type": "undo"},
      {"frame": 26, "type": "tap", "at_mm": [8, 30], "pressure": 0.45},
      {"frame": 32, "type": "finish"}]})";
  const TrainerRun practice = run_script("undo-practice", "frontal-hairline", taps_then_undo);
  ASSERT_EQ(practice.replay.impressions.size(), 3u) << practice.proc.out;
  EXPECT_LT(smp::sim::distance_mm(practice.replay.impressions[2].pos, {8, 30}), 0.3);
  const auto undos = events_of<smp::sim::UndoEvent>(practice.session);
  ASSERT_EQ(undos.size(), 1u);
  EXPECT_EQ(undos[0].count, 1u);
  EXPECT_TRUE(practice.session.finished);

  const TrainerRun assessment =
      run_script("undo-assessment", "hairline-assessment", taps_then_undo);
  EXPECT_EQ(assessment.replay.impressions.size(), 4u) << assessment.proc.out;
  EXPECT_TRUE(events_of<smp::sim::UndoEvent>(assessment.session).empty());
  EXPECT_TRUE(assessment.session.finished);
}
