// Simulation: taps, runs at the machine frequency, undo, tool changes, interchange impressions,
// and replay_session's checks (docs/architecture.md, "From stylus to impressions").
#include "smp/sim/simulation.h"

#include <cmath>
#include <variant>

#include <gtest/gtest.h>

namespace smp::sim {
namespace {

// A 100 x 100 mm practice pad, one treat region, built in code so the test does not depend on
// any scenario file.
Scenario pad(Mode mode = Mode::kPractice) {
  Scenario s;
  s.id = "test-pad";
  s.title = "Test pad";
  s.surface = Surface::kPracticePad;
  s.mode = mode;
  Region r;
  r.id = "pad";
  r.role = RegionRole::kTreat;
  r.polygon_mm = {{-50, -50}, {50, -50}, {50, 50}, {-50, 50}};
  r.density_per_cm2 = 30;
  r.depth_min_mm = 0.1;
  r.depth_max_mm = 0.4;
  s.regions.push_back(r);
  s.pigments_allowed = {"carbon-black-neat"};
  s.defaults.pigment = "carbon-black-neat";
  s.defaults.dilution = 0.3;
  return s;
}

const PigmentCatalogue& catalogue() {
  static const PigmentCatalogue c = [] {
    auto r = PigmentCatalogue::load_default();
    if (!r.ok()) ADD_FAILURE() << r.errors()[0].to_string();
    return r.ok() ? r.value() : PigmentCatalogue{};
  }();
  return c;
}

ToolState tool_1rl() {
  ToolState t;
  t.needle = parse_needle("1RL").value();  // 0.20 mm: footprint 0.20 mm
  t.machine.frequency_hz = 120.0;
  t.machine.protrusion_mm = 1.0;
  t.pigment = "carbon-black-neat";
  t.dilution = 0.3;
  return t;
}

StylusSample sample(double t, double x, double y, double pressure, bool down) {
  StylusSample s;
  s.t_s = t;
  s.pos = {x, y};
  s.pressure = pressure;
  s.down = down;
  return s;
}

// Pen down at (x0, 0), straight line along +x at `speed`, samples every `dt`, lifted at `t_end`.
std::vector<SessionEvent> drag(double x0, double speed, double t_end, double dt) {
  std::vector<SessionEvent> ev;
  const int n = static_cast<int>(std::lround(t_end / dt));
  for (int i = 0; i <= n; ++i) {
    const double t = i * dt;
    ev.emplace_back(sample(t, x0 + speed * t, 0.0, 0.5, true));
  }
  ev.emplace_back(sample(t_end + dt, x0 + speed * t_end, 0.0, 0.0, false));
  return ev;
}

TEST(Simulation, TapMakesOneImpressionWhenThePenLifts) {
  const Scenario sc = pad();
  Simulation sim(sc, catalogue(), 7, tool_1rl());
  // A shaky hand: samples wander 0.05 mm (inside the 0.20 mm footprint) for 0.3 s.
  EXPECT_EQ(sim.apply(sample(1.0, 10.0, 10.0, 0.4, true)), 0);
  EXPECT_EQ(sim.apply(sample(1.1, 10.05, 10.0, 0.5, true)), 0);
  EXPECT_EQ(sim.apply(sample(1.2, 10.0, 10.05, 0.45, true)), 0);
  EXPECT_EQ(sim.apply(sample(1.3, 10.02, 10.0, 0.3, true)), 0);
  EXPECT_TRUE(sim.impressions().empty()) << "nothing is placed while the tap lasts";
  EXPECT_EQ(sim.apply(sample(1.3, 10.02, 10.0, 0.0, false)), 1);
  ASSERT_EQ(sim.impressions().size(), 1u);
  const Impression& imp = sim.impressions()[0];
  EXPECT_EQ(imp.id, 0u);
  EXPECT_EQ(imp.pos, (PointMm{10.0, 10.0})) << "placed where the needle went in";
  EXPECT_EQ(imp.t_s, 1.3);
  EXPECT_EQ(imp.needle, "1RL");
  EXPECT_EQ(imp.pigment, "carbon-black-neat");
  EXPECT_EQ(imp.dilution, 0.3);
  EXPECT_EQ(sim.scorer().size(), 1u);
  // Hovering (pen up) places nothing.
  EXPECT_EQ(sim.apply(sample(1.4, 20.0, 20.0, 0.0, false)), 0);
  EXPECT_EQ(sim.impressions().size(), 1u);
}

TEST(Simulation, TapUsesTheDeepestPushAndDwellRaisesTheDose) {
  const Scenario sc = pad();
  auto tap = [&](std::vector<double> pressures, double dwell) {
    Simulation sim(sc, catalogue(), 3, tool_1rl());
    for (std::size_t i = 0; i < pressures.size(); ++i) {
      sim.apply(sample(dwell * static_cast<double>(i) / static_cast<double>(pressures.size()), 0, 0,
                       pressures[i], true));
    }
    sim.apply(sample(dwell, 0, 0, 0, false));
    return sim.impressions().at(0);
  };
  const Impression varied = tap({0.3, 0.6, 0.4}, 0.15);
  const Impression steady = tap({0.6}, 0.15);
  EXPECT_EQ(varied.depth_mm, steady.depth_mm) << "depth follows the hardest push of the tap";
  const Impression quick = tap({0.5}, 0.12);
  const Impression slow = tap({0.5}, 0.6);
  EXPECT_GT(slow.dose, quick.dose) << "more strokes fired at one spot deliver more pigment";
}

TEST(Simulation, FastDragPlacesOneImpressionPerMachineStroke) {
  const Scenario sc = pad();
  Simulation sim(sc, catalogue(), 11, tool_1rl());
  // 60 mm/s at 120 Hz: 0.5 mm per stroke, more than the 0.20 mm footprint, so every stroke places.
  int placed = 0;
  for (const auto& e : drag(-30.0, 60.0, 1.0, 0.01)) placed += sim.apply(e);
  const auto& imps = sim.impressions();
  ASSERT_EQ(placed, static_cast<int>(imps.size()));
  // The tap where the pen went in, then strokes k = 1..120 at t = k / 120 s.
  ASSERT_EQ(imps.size(), 1u + 120u);
  EXPECT_EQ(imps[0].pos, (PointMm{-30.0, 0.0}));
  for (std::size_t i = 1; i < imps.size(); ++i) {
    const double k = static_cast<double>(i);
    EXPECT_DOUBLE_EQ(imps[i].t_s, k / 120.0) << i;
    EXPECT_NEAR(imps[i].pos.x_mm, -30.0 + 60.0 * k / 120.0, 1e-9) << i;
    EXPECT_EQ(imps[i].pos.y_mm, 0.0);
    EXPECT_GT(imps[i].elongation, imps[0].elongation) << "dragging smears the dot";
  }
}

TEST(Simulation, SlowDragPlacesWhenThePenHasMovedOneFootprint) {
  const Scenario sc = pad();
  Simulation sim(sc, catalogue(), 11, tool_1rl());
  // 15 mm/s at 120 Hz: 0.125 mm per stroke; a footprint (0.20 mm) is crossed every 2nd stroke.
  for (const auto& e : drag(0.0, 15.0, 2.0, 1.0 / 90.0)) sim.apply(e);
  const auto& imps = sim.impressions();
  ASSERT_GT(imps.size(), 100u);
  for (std::size_t i = 1; i < imps.size(); ++i) {
    const double gap = imps[i].pos.x_mm - imps[i - 1].pos.x_mm;
    EXPECT_GE(gap, 0.20 - 1e-12) << i;
    EXPECT_LT(gap, 0.20 + 0.125 + 1e-9) << i;
    const double k = imps[i].t_s * 120.0;
    EXPECT_NEAR(k, std::round(k), 1e-6) << "on the stroke grid t0 + k/f";
  }
  // 30 mm of travel in steps of two strokes (0.25 mm) after the tap.
  EXPECT_EQ(imps.size(), 1u + 120u);
}

TEST(Simulation, ThreeNeedleGroupingHasAWiderFootprint) {
  const Scenario sc = pad();
  ToolState t = tool_1rl();
  t.needle = parse_needle("3RL").value();  // cluster 2.1547 x 0.20 mm = 0.431 mm
  Simulation sim(sc, catalogue(), 1, t);
  for (const auto& e : drag(0.0, 60.0, 1.0, 0.01)) sim.apply(e);
  const auto& imps = sim.impressions();
  for (std::size_t i = 2; i < imps.size(); ++i) {
    EXPECT_GE(imps[i].pos.x_mm - imps[i - 1].pos.x_mm, 0.431 - 1e-9);
  }
  // 0.5 mm per stroke > 0.431 mm: still one per stroke.
  EXPECT_EQ(imps.size(), 121u);
}

TEST(Simulation, PenHeldStillAfterARunPlacesNothingMore) {
  const Scenario sc = pad();
  Simulation sim(sc, catalogue(), 1, tool_1rl());
  for (const auto& e : drag(0.0, 60.0, 0.5, 0.01)) {
    if (std::get<StylusSample>(e).down) sim.apply(e);
  }
  sim.apply(sample(0.6, 30.0, 0.0, 0.5, true));
  const std::size_t after_run = sim.impressions().size();
  // Ten minutes resting on the same spot: no new dots, and it must stay cheap.
  sim.apply(sample(600.0, 30.0, 0.0, 0.5, true));
  sim.apply(sample(600.1, 30.0, 0.0, 0.0, false));
  EXPECT_EQ(sim.impressions().size(), after_run);
}

TEST(Simulation, CallerBugsNeitherHangNorPlaceNaNs) {
  const Scenario sc = pad();
  ToolState bad = tool_1rl();
  bad.machine.frequency_hz = -5.0;  // a live caller's garbage: read as 1 Hz, never loops forever
  Simulation sim(sc, catalogue(), 1, bad);
  for (const auto& e : drag(0.0, 20.0, 2.0, 0.01)) sim.apply(e);
  EXPECT_EQ(sim.impressions().size(), 1u + 2u) << "the tap, then strokes at t = 1 s and 2 s";
  StylusSample nan_pos = sample(5.0, std::nan(""), 0.0, 0.5, true);
  EXPECT_EQ(sim.apply(nan_pos), 0);
  EXPECT_EQ(sim.apply(sample(std::nan(""), 1.0, 1.0, 0.5, true)), 0);
  EXPECT_EQ(sim.apply(sample(5.5, 1.0, 1.0, 0.0, false)), 1);
  EXPECT_EQ(sim.impressions().back().t_s, 5.5);
  for (const auto& imp : sim.impressions()) {
    EXPECT_TRUE(std::isfinite(imp.pos.x_mm) && std::isfinite(imp.depth_mm));
  }
}

TEST(Simulation, UndoRemovesTheLastImpressionsInPractice) {
  const Scenario sc = pad();
  Simulation sim(sc, catalogue(), 5, tool_1rl());
  for (int i = 0; i < 3; ++i) {
    sim.apply(sample(i, i * 2.0, 0, 0.5, true));
    sim.apply(sample(i + 0.1, i * 2.0, 0, 0, false));
  }
  ASSERT_EQ(sim.impressions().size(), 3u);
  EXPECT_EQ(sim.apply(UndoEvent{5.0, 2}), -2);
  ASSERT_EQ(sim.impressions().size(), 1u);
  EXPECT_EQ(sim.impressions()[0].pos.x_mm, 0.0);
  EXPECT_EQ(sim.scorer().size(), 1u);
  EXPECT_EQ(sim.apply(UndoEvent{6.0, 10}), -1) << "cannot undo more than there is";
  EXPECT_TRUE(sim.impressions().empty());
  // New impressions get fresh ids from 0.
  sim.apply(sample(7, 1, 1, 0.5, true));
  sim.apply(sample(7.1, 1, 1, 0, false));
  EXPECT_EQ(sim.impressions().at(0).id, 0u);
}

TEST(Simulation, UndoIsIgnoredInAssessmentAndRefusedOnReplay) {
  const Scenario sc = pad(Mode::kAssessment);
  Simulation sim(sc, catalogue(), 5, tool_1rl());
  sim.apply(sample(0, 0, 0, 0.5, true));
  sim.apply(sample(0.1, 0, 0, 0, false));
  EXPECT_EQ(sim.apply(UndoEvent{1.0, 1}), 0);
  EXPECT_EQ(sim.impressions().size(), 1u);

  Session s;
  s.header.scenario_id = sc.id;
  s.events = {sample(0, 0, 0, 0.5, true), sample(0.1, 0, 0, 0, false), UndoEvent{1.0, 1}};
  auto r = replay_session(s, sc, catalogue());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].pointer, "/events/2");
  EXPECT_NE(r.errors()[0].message.find("undo is not allowed"), std::string::npos);
}

TEST(Simulation, ToolChangeAppliesToLaterImpressionsAndEndsAContact) {
  const Scenario sc = pad();
  Simulation sim(sc, catalogue(), 5, tool_1rl());
  ToolState t3 = tool_1rl();
  t3.needle = parse_needle("3RL@0.25").value();
  t3.pigment = "smp-grey-2";
  t3.dilution = 0.5;
  sim.apply(sample(0, 0, 0, 0.5, true));
  EXPECT_EQ(sim.apply(ToolChange{0.2, t3}), 1) << "a tool change lifts the pen";
  sim.apply(sample(1.0, 5, 5, 0.5, true));
  sim.apply(sample(1.2, 5, 5, 0, false));
  ASSERT_EQ(sim.impressions().size(), 2u);
  EXPECT_EQ(sim.impressions()[0].needle, "1RL");
  EXPECT_EQ(sim.impressions()[1].needle, "3RL@0.25");
  EXPECT_EQ(sim.impressions()[1].pigment, "smp-grey-2");
  EXPECT_EQ(sim.impressions()[1].dilution, 0.5);
  EXPECT_EQ(sim.tool(), t3);
}

TEST(Simulation, AddImpressionReassignsTheId) {
  const Scenario sc = pad();
  Simulation sim(sc, catalogue(), 5, tool_1rl());
  Impression imp;
  imp.id = 99;
  imp.pos = {1, 2};
  imp.depth_mm = 0.3;
  imp.pigment = "carbon-black-neat";
  sim.add_impression(imp);
  ASSERT_EQ(sim.impressions().size(), 1u);
  EXPECT_EQ(sim.impressions()[0].id, 0u);
  EXPECT_EQ(sim.impressions()[0].depth_mm, 0.3);
  EXPECT_EQ(sim.scorer().size(), 1u);
}

TEST(Replay, SameSeedSameImpressionsOtherSeedOtherJitter) {
  const Scenario sc = pad();
  Session s;
  s.header.scenario_id = sc.id;
  s.header.seed = 1;
  s.initial_tool = tool_1rl();
  for (int i = 0; i < 20; ++i) {
    s.events.emplace_back(sample(i, i * 1.0, 0, 0.5, true));
    s.events.emplace_back(sample(i + 0.1, i * 1.0, 0, 0, false));
  }
  auto a = replay_session(s, sc, catalogue());
  auto b = replay_session(s, sc, catalogue());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->impressions, b->impressions);
  EXPECT_EQ(a->impressions_sha256, b->impressions_sha256);
  s.header.seed = 2;
  auto c = replay_session(s, sc, catalogue());
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->impressions_sha256, c->impressions_sha256);
  int differing = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    differing += a->impressions[i].depth_mm != c->impressions[i].depth_mm;
  }
  EXPECT_GT(differing, 15) << "jitter varies each puncture's depth";
}

TEST(Replay, ClosesAContactLeftOpenAndUsesScenarioDefaults) {
  const Scenario sc = pad();
  Session s;
  s.header.scenario_id = sc.id;
  s.events = {sample(0, 3, 3, 0.5, true), sample(0.2, 3, 3, 0.5, true)};
  auto r = replay_session(s, sc, catalogue());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->impressions.size(), 1u);
  EXPECT_EQ(r->impressions[0].t_s, 0.2);
  EXPECT_EQ(r->impressions[0].pigment, sc.defaults.pigment);
  EXPECT_EQ(r->impressions[0].needle, needle_to_string(sc.defaults.needle));
  EXPECT_EQ(r->report.impression_count, 1u);
}

TEST(Replay, RefusesAnotherScenario) {
  const Scenario sc = pad();
  Session s;
  s.header.scenario_id = "frontal-hairline";
  auto r = replay_session(s, sc, catalogue());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].pointer, "/scenario_id");
  EXPECT_NE(r.errors()[0].message.find("frontal-hairline"), std::string::npos);
}

TEST(Replay, InterchangeImpressionsKeepGivenFieldsAndDeriveTheRest) {
  Scenario sc = pad();
  Region scar;
  scar.id = "strip";
  scar.role = RegionRole::kScar;
  scar.polygon_mm = {{-50, 20}, {50, 20}, {50, 22}, {-50, 22}};
  scar.scar = ScarTissue{};
  scar.depth_min_mm = 0.1;
  scar.depth_max_mm = 0.4;
  sc.regions.push_back(scar);
  auto parsed = parse_session(R"({"schema":"smp-session/1","scenario_id":"test-pad","impressions":[
      {"x_mm":0,"y_mm":0,"depth_mm":0.2,"needle":"1RL","pigment":"carbon-black-neat","dilution":0.3,"t_s":1},
      {"x_mm":1,"y_mm":0,"depth_mm":0.6,"needle":"1RL","pigment":"carbon-black-neat","dilution":0.3,"t_s":2},
      {"x_mm":2,"y_mm":21,"depth_mm":0.2,"needle":"1RL","pigment":"carbon-black-neat","dilution":0.3,"t_s":3},
      {"x_mm":3,"y_mm":0,"depth_mm":0.2,"layer":"subcutis","fresh_diameter_mm":0.9,"dose":2.5,
       "elongation":1.5,"orientation_rad":0.5,"scar":true,"needle":"1RL","pigment":"carbon-black-neat",
       "dilution":0.3,"t_s":4}]})",
                              "x.json");
  ASSERT_TRUE(parsed.ok()) << parsed.errors()[0].to_string();
  auto r = replay_session(parsed.value(), sc, catalogue());
  ASSERT_TRUE(r.ok());
  const auto& imps = r->impressions;
  ASSERT_EQ(imps.size(), 4u);
  // Derived layer: from depth and the skin at the point.
  EXPECT_EQ(imps[0].layer, layer_at_depth(effective_layers(skin_at(sc, imps[0].pos)), 0.2));
  EXPECT_EQ(imps[0].layer, Layer::kPapillaryDermis);
  EXPECT_FALSE(imps[0].scar);
  EXPECT_TRUE(imps[2].scar) << "inside the scar region";
  // Derived size: the needle model's dot for that depth, so deeper is larger.
  EXPECT_GT(imps[0].fresh_diameter_mm, 0.0);
  EXPECT_GT(imps[1].fresh_diameter_mm, imps[0].fresh_diameter_mm);
  EXPECT_EQ(imps[0].elongation, 1.0);
  // Given fields are scored as given.
  EXPECT_EQ(imps[3].layer, Layer::kSubcutis);
  EXPECT_EQ(imps[3].fresh_diameter_mm, 0.9);
  EXPECT_EQ(imps[3].dose, 2.5);
  EXPECT_EQ(imps[3].elongation, 1.5);
  EXPECT_EQ(imps[3].orientation_rad, 0.5);
  EXPECT_TRUE(imps[3].scar);
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_EQ(imps[i].id, i);
}

}  // namespace
}  // namespace smp::sim
