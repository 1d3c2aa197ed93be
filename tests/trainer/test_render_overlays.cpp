// Heat-map fields, colour maps, legends and the orbit camera: CPU side of engine/render (no GL).
#include <gtest/gtest.h>

#include <cmath>

#include "smp/physics/surface.h"
#include "smp/render/camera.h"
#include "smp/render/cross_section.h"
#include "smp/render/overlays.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scoring.h"

namespace {

using smp::render::HeatField;
using smp::render::HeatMapKind;
using smp::sim::Impression;
using smp::sim::PointMm;

smp::sim::Scenario field_scenario() {
  smp::sim::Scenario s;
  smp::sim::Region treat;
  treat.id = "treat";
  treat.role = smp::sim::RegionRole::kTreat;
  treat.polygon_mm = {{0, 0}, {60, 0}, {60, 60}, {0, 60}};
  treat.density_per_cm2 = 50;
  treat.depth_min_mm = 0.2;
  treat.depth_max_mm = 0.4;
  s.regions.push_back(treat);
  smp::sim::Region keep_out;
  keep_out.id = "keep-out";
  keep_out.role = smp::sim::RegionRole::kForbidden;
  keep_out.polygon_mm = {{70, 0}, {90, 0}, {90, 20}, {70, 20}};
  s.regions.push_back(keep_out);
  return s;
}

Impression dot(std::uint32_t id, PointMm p, double depth, double diameter = 0.2) {
  Impression imp;
  imp.id = id;
  imp.pos = p;
  imp.depth_mm = depth;
  imp.fresh_diameter_mm = diameter;
  return imp;
}

// Texel indices of a map point (1 mm cells from the bounds' minimum).
int ti(double x) {
  return int(std::floor(x));
}

TEST(ColorMap, EndsAndMiddleAreThePublishedSamples) {
  using smp::render::ColorMap;
  const auto v0 = smp::render::colormap(ColorMap::kViridis, 0.0);
  EXPECT_NEAR(v0.r * 255, 0x44, 0.01);
  EXPECT_NEAR(v0.g * 255, 0x01, 0.01);
  EXPECT_NEAR(v0.b * 255, 0x54, 0.01);
  const auto v1 = smp::render::colormap(ColorMap::kViridis, 1.0);
  EXPECT_NEAR(v1.r * 255, 0xfd, 0.01);
  EXPECT_NEAR(v1.g * 255, 0xe7, 0.01);
  const auto c5 = smp::render::colormap(ColorMap::kCividis, 0.5);
  EXPECT_NEAR(c5.r * 255, 0x7c, 0.01);
  EXPECT_NEAR(c5.b * 255, 0x78, 0.01);
  // Clamped outside [0, 1]; lightness rises monotonically along both maps.
  EXPECT_EQ(smp::render::colormap(ColorMap::kViridis, -3.0).r, v0.r);
  for (ColorMap m : {ColorMap::kViridis, ColorMap::kCividis}) {
    double last = -1.0;
    for (int i = 0; i <= 40; ++i) {
      const auto c = smp::render::colormap(m, i / 40.0);
      const double luma = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
      EXPECT_GT(luma, last);
      last = luma;
    }
  }
}

TEST(HeatLegend, DescribesEveryKind) {
  for (HeatMapKind k : {HeatMapKind::kDepthError, HeatMapKind::kDensity, HeatMapKind::kBlurRisk}) {
    const auto l = smp::render::heat_legend(k);
    EXPECT_FALSE(l.title.empty());
    EXPECT_LT(l.min_value, l.max_value);
    ASSERT_EQ(l.stops.size(), 9u);
    EXPECT_EQ(l.stops.front().t, 0.0);
    EXPECT_EQ(l.stops.back().t, 1.0);
  }
  EXPECT_TRUE(smp::render::heat_legend(HeatMapKind::kNone).stops.empty());
}

const smp::sim::PigmentCatalogue& catalogue() {
  static const smp::sim::PigmentCatalogue c = smp::sim::PigmentCatalogue::load_default().value();
  return c;
}

Impression scored_dot(std::uint32_t id, PointMm p, double depth, double diameter = 0.2) {
  Impression imp = dot(id, p, depth, diameter);
  imp.pigment = "smp-grey-3";
  imp.dose = 1.0;
  return imp;
}

// The heat field is filled as the renderer fills it: each dot with the scorer's values.
void add_scored(HeatField& f, const smp::sim::Scorer& scorer, const Impression& imp) {
  f.add(imp.pos, scorer.dot_feedback(imp.id));
}

TEST(HeatField, DepthErrorIsTheScorersDistanceOutsideTheBand) {
  const smp::sim::Scenario s = field_scenario();
  smp::sim::Scorer scorer(s, catalogue());
  HeatField f({{0, 0}, {100, 100}});
  for (const Impression& imp : {scored_dot(0, {10.5, 10.5}, 0.3), scored_dot(1, {40.5, 40.5}, 0.65),
                                scored_dot(2, {25.5, 40.5}, 0.05)}) {
    scorer.add(imp);
    add_scored(f, scorer, imp);
  }
  EXPECT_NEAR(f.value(HeatMapKind::kDepthError, ti(10.5), ti(10.5)), 0.0, 1e-6);
  EXPECT_NEAR(f.value(HeatMapKind::kDepthError, ti(40.5), ti(40.5)), 0.25, 1e-5);
  EXPECT_NEAR(f.value(HeatMapKind::kDepthError, ti(25.5), ti(40.5)), 0.15, 1e-5);
  EXPECT_TRUE(std::isnan(f.value(HeatMapKind::kDepthError, 55, 5)));  // no dot nearby
  EXPECT_TRUE(std::isnan(f.value(HeatMapKind::kDepthError, -1, 5)));  // outside the grid
  EXPECT_EQ(f.size(), 3u);
}

TEST(HeatField, DensityIsTheScorersCellCountOverItsTarget) {
  const smp::sim::Scenario s = field_scenario();
  smp::sim::Scorer scorer(s, catalogue());
  HeatField f({{0, 0}, {100, 100}});
  // A 1 mm grid = 100 dots per cm^2, twice the target of 50.
  std::uint32_t id = 0;
  for (int j = 0; j < 60; ++j)
    for (int i = 0; i < 60; ++i) scorer.add(scored_dot(id++, {i + 0.5, j + 0.5}, 0.3));
  std::vector<smp::sim::DensityCell> cells;
  scorer.density_cells(cells);
  f.set_density_cells(cells);
  EXPECT_NEAR(f.value(HeatMapKind::kDensity, 30, 30), 2.0, 0.02);
  // Every texel shows its cell's count / expected, the figures the hole and clump rule reads.
  ASSERT_FALSE(cells.empty());
  for (const smp::sim::DensityCell& c : cells) {
    const int i = ti(0.5 * (c.box.min.x_mm + c.box.max.x_mm));
    const int j = ti(0.5 * (c.box.min.y_mm + c.box.max.y_mm));
    if (i < 0 || j < 0 || i >= 100 || j >= 100) continue;
    EXPECT_FLOAT_EQ(float(f.value(HeatMapKind::kDensity, i, j)), float(c.count / c.expected));
  }
  // No density cell there: no data (the forbidden area has no target).
  EXPECT_TRUE(std::isnan(f.value(HeatMapKind::kDensity, 95, 95)));
  EXPECT_TRUE(std::isnan(f.value(HeatMapKind::kDensity, 85, 15)));
}

TEST(HeatField, BlurRiskIsTheScorersAndFollowsLaterTouches) {
  const smp::sim::Scenario s = field_scenario();
  smp::sim::Scorer scorer(s, catalogue());
  HeatField f({{0, 0}, {100, 100}});
  const std::vector<Impression> dots{scored_dot(0, {10.5, 10.5}, 0.3),
                                     scored_dot(1, {30.5, 10.5}, 0.7),
                                     scored_dot(2, {50.5, 10.5}, 2.5)};
  for (const Impression& imp : dots) {
    scorer.add(imp);
    add_scored(f, scorer, imp);
  }
  EXPECT_NEAR(f.value(HeatMapKind::kBlurRisk, 10, 10), 0.0, 1e-6);
  EXPECT_NEAR(f.value(HeatMapKind::kBlurRisk, 30, 10), scorer.dot_feedback(1).blur_risk, 1e-5);
  EXPECT_GT(scorer.dot_feedback(1).blur_risk, 0.0);
  EXPECT_NEAR(f.value(HeatMapKind::kBlurRisk, 50, 10), 1.0, 1e-5);  // in fat
  // A dot touching the first raises the scorer's risk of both; the renderer repaints the first.
  const Impression touch = scored_dot(3, {10.55, 10.5}, 0.3);
  scorer.add(touch);
  ASSERT_TRUE(scorer.dot_feedback(0).touching);
  std::vector<std::uint32_t> near;
  f.dots_touchable_from(touch.pos, scorer.dot_feedback(3).radius_mm, near);
  ASSERT_EQ(near, std::vector<std::uint32_t>{0});
  f.set_blur_risk(0, scorer.dot_feedback(0).blur_risk);
  add_scored(f, scorer, touch);
  // (The texel averages both dots: the new one is a second pass on the spot, risk 1.)
  EXPECT_EQ(f.painted(0).blur_risk, scorer.dot_feedback(0).blur_risk);
  EXPECT_EQ(f.painted(3).blur_risk, scorer.dot_feedback(3).blur_risk);
  EXPECT_GT(f.value(HeatMapKind::kBlurRisk, 10, 10), 0.3);
}

TEST(HeatField, RgbaIsClearWithoutDataAndOpaqueEnoughWithIt) {
  const smp::sim::Scenario s = field_scenario();
  smp::sim::Scorer scorer(s, catalogue());
  HeatField f({{0, 0}, {100, 100}});
  scorer.add(scored_dot(0, {40.5, 40.5}, 0.9));
  f.add({40.5, 40.5}, scorer.dot_feedback(0));
  const auto px = f.rgba(HeatMapKind::kDepthError, 1.0);
  ASSERT_EQ(px.size(), 100u * 100u * 4u);
  EXPECT_EQ(px[(5 * 100 + 5) * 4 + 3], 0);
  EXPECT_GT(px[(40 * 100 + 40) * 4 + 3], 200);
}

TEST(OrbitCamera, ScreenRaysAndProjectionAreInverse) {
  smp::render::OrbitCamera cam;
  cam.yaw_rad = 0.7;
  cam.pitch_rad = 0.4;
  cam.target = {3, 20, -5};
  const smp::render::Viewport vp{10, 20, 800, 600};
  for (double px : {10.0, 300.0, 809.0}) {
    for (double py : {20.0, 333.0, 619.0}) {
      const auto ray = cam.screen_ray(vp, px, py);
      double qx, qy;
      ASSERT_TRUE(cam.world_to_screen(vp, ray.origin + ray.dir * 400.0, &qx, &qy));
      EXPECT_NEAR(qx, px, 1e-6);
      EXPECT_NEAR(qy, py, 1e-6);
    }
  }
  // The target is in the middle of the viewport; panning drags it with the pointer.
  double cx, cy;
  ASSERT_TRUE(cam.world_to_screen(vp, cam.target, &cx, &cy));
  EXPECT_NEAR(cx, 410.0, 1e-6);
  EXPECT_NEAR(cy, 320.0, 1e-6);
  const smp::physics::Vec3 before = cam.target;
  cam.pan(vp, 50, 0);
  ASSERT_TRUE(cam.world_to_screen(vp, before, &cx, &cy));
  EXPECT_NEAR(cx, 460.0, 0.5);
  EXPECT_NEAR(cy, 320.0, 0.5);
  cam.zoom(0.5);
  EXPECT_NEAR(cam.distance_mm, 300.0, 1e-9);
  cam.orbit(0.0, 5.0);
  EXPECT_LE(cam.pitch_rad, 1.45);
}

TEST(OrbitCamera, ScenarioFramingCentresTheWork) {
  const smp::physics::SkinSurface head = smp::physics::SkinSurface::head();
  smp::sim::Scenario s = field_scenario();
  s.regions.resize(1);
  s.regions[0].polygon_mm = {{-20, 150}, {20, 150}, {20, 190}, {-20, 190}};
  const auto cam = smp::render::OrbitCamera::framing(head, s);
  const smp::render::Viewport vp{0, 0, 1000, 800};
  double px, py;
  ASSERT_TRUE(cam.world_to_screen(vp, head.point({0, 170}).pos, &px, &py));
  EXPECT_NEAR(px, 500.0, 1.0);
  EXPECT_NEAR(py, 400.0, 1.0);
  // The whole region is in view, and it is not a speck.
  double x0, y0, x1, y1;
  ASSERT_TRUE(cam.world_to_screen(vp, head.point({-20, 150}).pos, &x0, &y0));
  ASSERT_TRUE(cam.world_to_screen(vp, head.point({20, 190}).pos, &x1, &y1));
  EXPECT_GT(std::hypot(x1 - x0, y1 - y0), 200.0);
  for (double v : {x0, x1}) EXPECT_TRUE(v > 0 && v < 1000);
  for (double v : {y0, y1}) EXPECT_TRUE(v > 0 && v < 800);
}

TEST(CrossSection, ScarDermisIsThinnerAndOnlyNearbyDepositsAreKept) {
  smp::sim::Scenario s = field_scenario();
  smp::sim::Region scar;
  scar.id = "scar";
  scar.role = smp::sim::RegionRole::kScar;
  scar.polygon_mm = {{30, 0}, {60, 0}, {60, 60}, {30, 60}};
  scar.scar = smp::sim::ScarTissue{};
  s.regions.push_back(scar);
  std::vector<Impression> imps{dot(0, {29.0, 30.0}, 0.3), dot(1, {31.5, 30.2}, 0.5),
                               dot(2, {30.0, 32.0}, 0.3)};  // the last is 2 mm off the line
  const auto cs = smp::render::make_cross_section(s, imps, {30, 30});
  ASSERT_EQ(cs.deposits.size(), 2u);
  EXPECT_NEAR(cs.deposits[0].offset_mm, -1.0, 1e-12);
  EXPECT_NEAR(cs.deposits[1].offset_mm, 1.5, 1e-12);
  EXPECT_FALSE(cs.profile.front().scar);
  EXPECT_TRUE(cs.profile.back().scar);
  EXPECT_LT(cs.profile.back().reticular_bottom_mm, cs.profile.front().reticular_bottom_mm);
  EXPECT_NEAR(cs.profile.front().reticular_bottom_mm, s.skin.dermis_bottom_mm(), 1e-12);
}

}  // namespace
