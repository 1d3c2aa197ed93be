// smp-trainer's window-free parts: command line, script format and playback, autosave policy,
// finding and setting aside saved attempts.
#include <gtest/gtest.h>

#include <filesystem>

#include "options.h"
#include "script.h"
#include "session_store.h"
#include "trainer_support.h"

using namespace smp::app;
namespace fs = std::filesystem;

TEST(Options, DefaultsAndValues) {
  auto o = parse_options({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->width, 1280);
  EXPECT_EQ(o->resume, ResumeChoice::kAsk);
  EXPECT_DOUBLE_EQ(o->autosave_s, 5.0);
  auto p =
      parse_options({"--scenario", "a.json", "--frames", "12", "--screenshot", "x.png", "--width",
                     "320", "--height", "200", "--resume", "--seed", "7", "--months", "12"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->scenario, "a.json");
  EXPECT_TRUE(p->scenario_given);
  EXPECT_EQ(*p->frames, 12);
  EXPECT_EQ(p->height, 200);
  EXPECT_EQ(p->resume, ResumeChoice::kResume);
  EXPECT_EQ(*p->seed, 7u);
  EXPECT_DOUBLE_EQ(*p->months, 12.0);
}

TEST(Options, BadValuesAreRefusedWithTheOptionNamed) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--frames", "0"},
                                             {"--frames", "ten"},
                                             {"--width", "10"},
                                             {"--resume", "--no-resume"},
                                             {"--autosave-s", "30"},
                                             {"--scenario"},
                                             {"--bogus"},
                                             {"--replay", "a", "--script", "b"}}) {
    auto o = parse_options(args);
    ASSERT_FALSE(o.ok()) << args[0];
    EXPECT_NE(o.errors().front().message.find(args[0] == "--replay" ? "--script" : args[0]),
              std::string::npos)
        << o.errors().front().message;
  }
}

TEST(Script, ParsesEveryEventKindAndSortsByFrame) {
  auto s = parse_script(R"({"schema": "smp-script/1", "events": [
      {"frame": 30, "type": "drag", "path_mm": [[0, 10], [4, 13]], "frames": 20, "device": "touch"},
      {"frame": 2, "type": "tap", "at_mm": [1.5, 12], "pressure": 0.4, "hold_frames": 3},
      {"frame": 1, "type": "tool", "needle": "3RL", "dilution": 0.25},
      {"frame": 60, "type": "undo"},
      {"frame": 61, "type": "view", "months": 12, "heat_map": "density"},
      {"frame": 62, "type": "finish"}]})",
                        "s.json");
  ASSERT_TRUE(s.ok()) << s.errors().front().to_string();
  ASSERT_EQ(s->events.size(), 6u);
  EXPECT_EQ(s->events[0].kind, ScriptKind::kTool);
  EXPECT_EQ(*s->events[0].tool.needle, "3RL");
  EXPECT_EQ(s->events[1].kind, ScriptKind::kStroke);
  EXPECT_TRUE(s->events[1].stroke.tap);
  EXPECT_EQ(s->events[1].stroke.frames, 3);
  EXPECT_DOUBLE_EQ(s->events[1].stroke.pressure, 0.4);
  EXPECT_EQ(s->events[2].stroke.device, ScriptDevice::kTouch);
  EXPECT_EQ(s->events[2].pointer, "/events/0");
  EXPECT_EQ(s->last_frame(), 62);
}

TEST(Script, ErrorsNameTheFileAndJsonPointer) {
  auto s = parse_script(R"({"schema": "smp-script/1", "events": [
      {"frame": 2, "type": "tap", "at_mm": [1, 2], "pressure": 1.5},
      {"frame": -1, "type": "tap", "at_px": [1, 2]},
      {"frame": 3, "type": "drag", "path_mm": [[0, 0]], "frames": 5},
      {"frame": 4, "type": "jump"},
      {"frame": 5, "type": "tap", "at_mm": [0, 0], "colour": "red"}]})",
                        "bad.json");
  ASSERT_FALSE(s.ok());
  std::string all;
  for (const auto& e : s.errors()) all += e.to_string() + "\n";
  EXPECT_NE(all.find("bad.json: /events/0/pressure"), std::string::npos) << all;
  EXPECT_NE(all.find("/events/1/frame"), std::string::npos) << all;
  EXPECT_NE(all.find("/events/2/path_mm"), std::string::npos) << all;
  EXPECT_NE(all.find("/events/3/type"), std::string::npos) << all;
  EXPECT_NE(all.find("/events/4/colour"), std::string::npos) << all;
  EXPECT_FALSE(parse_script("{not json", "x.json").ok());
  EXPECT_FALSE(parse_script(R"({"schema": "smp-script/2", "events": []})", "x.json").ok());
  EXPECT_FALSE(parse_script("[]", "x.json").ok());
  auto missing = load_script_file("/nonexistent/script.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.errors().front().file, "/nonexistent/script.json");
}

TEST(Script, OverlappingMouseStrokesAreRefused) {
  auto s = parse_script(R"({"schema": "smp-script/1", "events": [
      {"frame": 10, "type": "tap", "at_mm": [0, 0], "hold_frames": 5},
      {"frame": 12, "type": "tap", "at_mm": [1, 0]}]})",
                        "o.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.errors().front().pointer, "/events/1/frame");
}

TEST(Script, PointAlongWalksThePolylineByLength) {
  const std::vector<ScriptPoint> path = {{true, 0, 0}, {true, 3, 0}, {true, 3, 1}};
  const auto mid = point_along(path, 0.5);  // 2 of 4 mm
  EXPECT_DOUBLE_EQ(mid.x, 2.0);
  EXPECT_DOUBLE_EQ(mid.y, 0.0);
  const auto late = point_along(path, 0.875);  // 3.5 of 4 mm
  EXPECT_DOUBLE_EQ(late.x, 3.0);
  EXPECT_DOUBLE_EQ(late.y, 0.5);
  EXPECT_DOUBLE_EQ(point_along(path, 1.0).y, 1.0);
}

TEST(ScriptPlayer, TapBecomesMouseDownThenUpAtTheProjectedPixel) {
  auto s = parse_script(R"({"schema": "smp-script/1", "events": [
      {"frame": 3, "type": "tap", "at_mm": [10, 20], "pressure": 0.3, "hold_frames": 2}]})",
                        "t.json");
  ASSERT_TRUE(s.ok());
  ScriptPlayer player(&s.value());
  player.start_at(0);
  std::vector<smp::sim::PointMm> focused;
  double pressure = -1;
  ScriptHost host;
  host.project = [](smp::sim::PointMm p) {
    return std::optional<std::pair<double, double>>({100 + p.x_mm, 50 + p.y_mm});
  };
  host.focus = [&](smp::sim::PointMm p, double extent) {
    focused.push_back(p);
    EXPECT_EQ(extent, 0.0);
  };
  host.set_mouse_pressure = [&](double p) { pressure = p; };
  std::vector<std::vector<SDL_Event>> per_tick;
  std::vector<std::string> problems;
  for (int t = 0; t <= 6; ++t) {
    ScriptActions a;
    per_tick.push_back(player.events_for_tick(t, host, a, problems));
  }
  EXPECT_TRUE(problems.empty());
  EXPECT_TRUE(per_tick[2].empty());
  ASSERT_EQ(per_tick[3].size(), 1u);
  EXPECT_EQ(per_tick[3][0].type, SDL_MOUSEBUTTONDOWN);
  EXPECT_EQ(per_tick[3][0].button.x, 110);
  EXPECT_EQ(per_tick[3][0].button.y, 70);
  EXPECT_DOUBLE_EQ(pressure, 0.3);
  ASSERT_EQ(focused.size(), 1u);
  EXPECT_EQ(focused[0], (smp::sim::PointMm{10, 20}));
  EXPECT_TRUE(per_tick[4].empty());
  ASSERT_EQ(per_tick[5].size(), 1u);
  EXPECT_EQ(per_tick[5][0].type, SDL_MOUSEBUTTONUP);
  EXPECT_TRUE(player.finished(6));
}

TEST(ScriptPlayer, TouchDragIsNormalisedFingerMotion) {
  auto s = parse_script(R"({"schema": "smp-script/1", "events": [
      {"frame": 0, "type": "drag", "path_px": [[100, 100], [300, 100]], "frames": 4,
       "pressure": 0.6, "device": "touch"}]})",
                        "d.json");
  ASSERT_TRUE(s.ok());
  ScriptPlayer player(&s.value());
  player.start_at(0);
  ScriptHost host;
  host.window_w = 400;
  host.window_h = 200;
  std::vector<SDL_Event> all;
  std::vector<std::string> problems;
  for (int t = 0; t <= 4; ++t) {
    ScriptActions a;
    for (const auto& e : player.events_for_tick(t, host, a, problems)) all.push_back(e);
  }
  ASSERT_EQ(all.size(), 6u);  // down, 4 motions, up
  EXPECT_EQ(all[0].type, SDL_FINGERDOWN);
  EXPECT_FLOAT_EQ(all[0].tfinger.x, 0.25f);
  EXPECT_FLOAT_EQ(all[0].tfinger.y, 0.5f);
  EXPECT_FLOAT_EQ(all[0].tfinger.pressure, 0.6f);
  EXPECT_EQ(all[2].type, SDL_FINGERMOTION);
  EXPECT_FLOAT_EQ(all[2].tfinger.x, 0.5f);  // half way at tick 2 of 4
  EXPECT_EQ(all[5].type, SDL_FINGERUP);
  EXPECT_FLOAT_EQ(all[5].tfinger.x, 0.75f);
  EXPECT_EQ(all[0].tfinger.fingerId, all[5].tfinger.fingerId);
}

TEST(ScriptPlayer, ResumeSkipsStrokesThatStartedBefore) {
  auto s = parse_script(R"({"schema": "smp-script/1", "events": [
      {"frame": 5, "type": "tap", "at_px": [1, 1]},
      {"frame": 20, "type": "tap", "at_px": [2, 2]}]})",
                        "r.json");
  ASSERT_TRUE(s.ok());
  ScriptPlayer player(&s.value());
  player.start_at(10);
  ScriptHost host;
  std::vector<std::string> problems;
  int downs = 0;
  for (int t = 10; t <= 25; ++t) {
    ScriptActions a;
    for (const auto& e : player.events_for_tick(t, host, a, problems)) {
      if (e.type == SDL_MOUSEBUTTONDOWN) {
        ++downs;
        EXPECT_EQ(e.button.x, 2);
      }
    }
  }
  EXPECT_EQ(downs, 1);
}

TEST(ScriptPlayer, InvisiblePointsAreReported) {
  auto s = parse_script(R"({"schema": "smp-script/1", "events": [
      {"frame": 0, "type": "tap", "at_mm": [0, 200]}]})",
                        "v.json");
  ASSERT_TRUE(s.ok());
  ScriptPlayer player(&s.value());
  player.start_at(0);
  ScriptHost host;
  host.project = [](smp::sim::PointMm) { return std::optional<std::pair<double, double>>{}; };
  std::vector<std::string> problems;
  ScriptActions a;
  EXPECT_TRUE(player.events_for_tick(0, host, a, problems).empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("/events/0"), std::string::npos);
}

TEST(Autosave, DueAfterTheIntervalOfWallOrSessionTimeAndOnlyWhenDirty) {
  Autosaver a("/tmp/unused.session.json", 5.0);
  const auto t0 = Autosaver::Clock::now();
  EXPECT_FALSE(a.due(t0, 10.0, false));
  EXPECT_TRUE(a.due(t0, 5.0, true));  // session time ran 5 s ahead (headless)
  EXPECT_FALSE(a.due(t0, 4.9, true));
  EXPECT_TRUE(a.due(t0 + std::chrono::milliseconds(5001), 0.0, true));
}

TEST(SessionStore, FindsResumableAndFinishedAttemptsAndSetsThemAside) {
  const std::string dir = smp::test::scratch_dir("store");
  const std::string path = dir + "/frontal-hairline.session.json";
  EXPECT_EQ(inspect_session_file(path, "frontal-hairline").found, Found::kNothing);
  smp::sim::Session s;
  const std::string id = "frontal-hairline";
  s.header.scenario_id = id;
  s.header.simulator_version = std::string(4, 't');
  s.events.push_back(smp::sim::StylusSample{0.5, {1, 2}, 0.4, 0, 0, true});
  Autosaver saver(path, 5.0);
  ASSERT_TRUE(saver.save(s, Autosaver::Clock::now(), 0.5).ok());
  EXPECT_EQ(inspect_session_file(path, "frontal-hairline").found, Found::kResumable);
  EXPECT_EQ(inspect_session_file(path, "crown-vertex").found, Found::kOtherScenario);
  s.finished = true;
  ASSERT_TRUE(saver.save(s, Autosaver::Clock::now(), 0.5).ok());
  EXPECT_EQ(inspect_session_file(path, "frontal-hairline").found, Found::kFinished);
  auto moved = set_aside(path);
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists(moved.value()));
  EXPECT_TRUE(moved->ends_with(".session.json"));
  // A killed save's temporary file is cleared by the next run's first save; a fresh one (another
  // writer's save in progress) and unrelated files stay.
  const std::string stale = path + ".tmp-Ab3xYz", fresh = path + ".tmp-Qw9rTy";
  const std::string other = dir + "/notes.tmp-Ab3xYz";
  for (const auto& f : {stale, fresh, other}) smp::test::write_text(f, "partial");
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::minutes(5));
  fs::last_write_time(other, fs::file_time_type::clock::now() - std::chrono::minutes(5));
  Autosaver next_run(path, 5.0);
  ASSERT_TRUE(next_run.save(s, Autosaver::Clock::now(), 0.5).ok());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_EQ(remove_stale_temporaries(path, std::chrono::seconds(0)), 1);  // now the fresh one
  EXPECT_FALSE(fs::exists(fresh));
  smp::test::write_text(path, "{ torn");
  const auto bad = inspect_session_file(path, "frontal-hairline");
  EXPECT_EQ(bad.found, Found::kUnreadable);
  EXPECT_NE(bad.message.find(path), std::string::npos);
}

TEST(SessionStore, DefaultPathFollowsXdgStateHome) {
  setenv("XDG_STATE_HOME", "/var/tmp/xdg", 1);
  EXPECT_EQ(default_session_path("crown-vertex"),
            "/var/tmp/xdg/smp-trainer/crown-vertex.session.json");
  unsetenv("XDG_STATE_HOME");
  setenv("HOME", "/home/t", 1);
  EXPECT_EQ(default_session_dir(), "/home/t/.local/state/smp-trainer");
}
