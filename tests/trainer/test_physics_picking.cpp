// Skin surface mapping and Bullet ray picking (docs/rendering.md, "Head parametrisation").
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "smp/physics/collision_world.h"
#include "smp/physics/surface.h"

namespace {

using smp::physics::CollisionWorld;
using smp::physics::Ray;
using smp::physics::SkinSurface;
using smp::physics::Vec3;
using smp::sim::PointMm;

double map_err(PointMm a, PointMm b) {
  return std::hypot(a.x_mm - b.x_mm, a.y_mm - b.y_mm);
}

TEST(HeadSurface, HasHeadProportions) {
  const SkinSurface head = SkinSurface::head();
  const Vec3 lo = head.bounds_min(), hi = head.bounds_max();
  // Skull length (front-back) and width, ears excluded for the width: measure at the crown.
  const double length = head.point({0, -20}).pos.z - head.point({0, 220}).pos.z;
  EXPECT_GT(length, 170.0);
  EXPECT_LT(length, 215.0);
  const double width = head.point({100, 80}).pos.x - head.point({-100, 80}).pos.x;
  EXPECT_GT(width, 120.0);
  EXPECT_LT(width, 160.0);
  // Face, ears and neck make the whole mesh taller than the skull and a little wider.
  EXPECT_GT(hi.y - lo.y, 250.0);
  EXPECT_GT(hi.x - lo.x, 150.0);
}

TEST(HeadSurface, OriginIsFrontHairlineMidpointAndAxesPointTheRightWay) {
  const SkinSurface head = SkinSurface::head();
  const auto o = head.point({0, 0});
  EXPECT_NEAR(o.pos.x, 0.0, 1e-9);
  EXPECT_GT(o.pos.z, 50.0);                        // on the front of the head
  EXPECT_GT(o.pos.y, 40.0);                        // well above the brow
  EXPECT_GT(head.point({30, 0}).pos.x, 20.0);      // +x: the patient's left (+X)
  EXPECT_GT(head.point({0, 100}).pos.y, o.pos.y);  // +y: toward the crown
  EXPECT_LT(head.point({0, 220}).pos.z, -40.0);    // far +y: the back of the head
  EXPECT_NEAR(o.tangent_x.x, 1.0, 1e-3);
  EXPECT_GT(o.tangent_y.y, 0.3);  // +y climbs the forehead
}

TEST(HeadSurface, MapCoordinatesAreArcLengths) {
  const SkinSurface head = SkinSurface::head();
  // Along the midline and along a coronal arc, summing 0.25 mm chords gives the map distance.
  double s = 0.0;
  for (double y = -50.0; y < 200.0; y += 0.25) {
    s += smp::physics::length(head.point({0, y + 0.25}).pos - head.point({0, y}).pos);
  }
  EXPECT_NEAR(s, 250.0, 0.05);
  s = 0.0;
  for (double x = 0.0; x < 100.0; x += 0.25) {
    s += smp::physics::length(head.point({x + 0.25, 90}).pos - head.point({x, 90}).pos);
  }
  EXPECT_NEAR(s, 100.0, 0.05);
}

TEST(HeadSurface, MetricReportsHowTheMapStretchesOnTheSkin) {
  const SkinSurface head = SkinSurface::head();
  const auto mid = head.metric({0, 80});
  EXPECT_NEAR(mid.x_scale, 1.0, 1e-4);
  EXPECT_NEAR(mid.y_scale, 1.0, 1e-4);
  EXPECT_NEAR(mid.angle_rad, 1.5707963, 1e-3);
  // Off the midline the coronal arcs converge toward the ears: y shrinks, x stays arc length.
  const auto side = head.metric({75, 80});
  EXPECT_NEAR(side.x_scale, 1.0, 1e-4);
  EXPECT_LT(side.y_scale, 0.8);
  EXPECT_GT(side.y_scale, 0.4);
  // The metric agrees with summed chords along a line of constant x.
  double s = 0.0;
  for (double y = 60.0; y < 100.0; y += 0.25) {
    s += smp::physics::length(head.point({75, y + 0.25}).pos - head.point({75, y}).pos);
  }
  EXPECT_NEAR(s / 40.0, head.metric({75, 80}).y_scale, 0.03);
  const auto pad = SkinSurface::pad({{0, 0}, {100, 100}}).metric({50, 50});
  EXPECT_EQ(pad.y_scale, 1.0);
}

TEST(HeadSurface, NormalsAreUnitOutwardAndFramesOrthonormal) {
  const SkinSurface head = SkinSurface::head();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> ux(-110, 110), uy(-60, 230);
  for (int i = 0; i < 500; ++i) {
    const auto sp = head.point({ux(rng), uy(rng)});
    EXPECT_NEAR(smp::physics::length(sp.normal), 1.0, 1e-9);
    EXPECT_GT(smp::physics::dot(sp.normal, smp::physics::normalize(sp.pos)), 0.5);
    EXPECT_NEAR(smp::physics::dot(sp.normal, sp.tangent_x), 0.0, 1e-9);
    EXPECT_NEAR(smp::physics::dot(sp.tangent_x, sp.tangent_y), 0.0, 1e-9);
    // The normal agrees with the surface: points 0.5 mm along the tangents stay on the surface.
    const Vec3 p2 = head.point(head.map_point(sp.pos + sp.tangent_x * 0.5)).pos;
    EXPECT_NEAR(smp::physics::dot(p2 - sp.pos, sp.normal), 0.0, 0.01);
  }
}

TEST(HeadSurface, MapPointInvertsPoint) {
  const SkinSurface head = SkinSurface::head();
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> ux(-110, 110), uy(-60, 230);
  for (int i = 0; i < 2000; ++i) {
    const PointMm p{ux(rng), uy(rng)};
    EXPECT_LT(map_err(head.map_point(head.point(p).pos), p), 1e-6) << p.x_mm << "," << p.y_mm;
  }
}

TEST(HeadSurface, LeftRightSymmetric) {
  const SkinSurface head = SkinSurface::head();
  for (double y : {-40.0, 0.0, 60.0, 150.0, 220.0}) {
    const Vec3 l = head.point({70, y}).pos, r = head.point({-70, y}).pos;
    EXPECT_NEAR(l.x, -r.x, 1e-9);
    EXPECT_NEAR(l.y, r.y, 1e-9);
    EXPECT_NEAR(l.z, r.z, 1e-9);
  }
}

void expect_picks_map_back(const SkinSurface& surface, int n, std::uint64_t seed) {
  CollisionWorld world(surface);
  const smp::sim::BoxMm b = surface.map_bounds();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(b.min.x_mm, b.max.x_mm), uy(b.min.y_mm, b.max.y_mm);
  std::uniform_real_distribution<double> tilt(0.0, 1.05), turn(0.0, 6.283185307179586);
  double worst = 0.0;
  int picked = 0;
  for (int i = 0; i < n; ++i) {
    const PointMm want{ux(rng), uy(rng)};
    const auto sp = surface.point(want);
    // Straight along the normal, then from a random oblique direction up to 60 degrees off it.
    const double th = (i % 2 == 0) ? 0.0 : tilt(rng), ph = turn(rng);
    const Vec3 out = sp.normal * std::cos(th) +
                     (sp.tangent_x * std::cos(ph) + sp.tangent_y * std::sin(ph)) * std::sin(th);
    const Ray ray{sp.pos + out * 300.0, -out};
    const auto hit = world.pick(ray);
    ASSERT_TRUE(hit.has_value()) << want.x_mm << "," << want.y_mm;
    // An oblique ray can be blocked by another part of the head (the nose, an ear): then it
    // must hit nearer than the intended point.
    const double to_target = 300.0;
    if (hit->distance_mm < to_target - 1.0) continue;
    ++picked;
    const double e = map_err(hit->map, want);
    worst = std::max(worst, e);
    EXPECT_LT(e, 0.05) << want.x_mm << "," << want.y_mm << " tilt " << th;
    EXPECT_NEAR(hit->incidence_rad, th, 1e-3);
    EXPECT_TRUE(hit->in_work_area);
  }
  EXPECT_GT(picked, n * 8 / 10);
  std::printf("picked %d of %d, worst map error %.3g mm\n", picked, n, worst);
}

TEST(Picking, HeadRayHitsMapBackWithin50Microns) {
  expect_picks_map_back(SkinSurface::head(), 4000, 2024);
}

TEST(Picking, PadRayHitsMapBackWithin50Microns) {
  expect_picks_map_back(SkinSurface::pad({{-60, -30}, {60, 50}}), 2000, 99);
}

TEST(Picking, PadSideHitsAreNotOnTheWorkingFace) {
  const SkinSurface pad = SkinSurface::pad({{0, 0}, {100, 100}}, 0.0);
  CollisionWorld world(pad);
  // Horizontal ray into the front edge (y = 0 maps to world z = 0), 5 mm below the top face.
  const auto hit = world.pick(Ray{{50, -5, 200}, {0, 0, -1}});
  ASSERT_TRUE(hit.has_value());
  EXPECT_NEAR(hit->point.z, 0.0, 1e-4);
  EXPECT_NEAR(hit->point.y, -5.0, 1e-4);
  EXPECT_NEAR(hit->map.x_mm, 50.0, 1e-3);
  EXPECT_NEAR(hit->map.y_mm, 0.0, 1e-3);
  EXPECT_FALSE(hit->in_work_area);
  EXPECT_NEAR(hit->normal.z, 1.0, 1e-6);
  EXPECT_NEAR(hit->incidence_rad, 0.0, 1e-6);
}

TEST(Picking, MissesReturnNothingAndNeedleAnglesFollowTheRay) {
  const SkinSurface head = SkinSurface::head();
  CollisionWorld world(head);
  EXPECT_FALSE(world.pick(Ray{{0, 400, 400}, {0, 1, 0}}).has_value());
  const auto sp = head.point({0, 120});
  // A needle leaning toward +x of the map (grip on the +x side) hits at 30 degrees.
  const Vec3 grip = sp.normal * std::cos(0.5236) + sp.tangent_x * std::sin(0.5236);
  const auto a = smp::physics::needle_angles(sp, -grip);
  EXPECT_NEAR(a.tilt_rad, 0.5236, 1e-6);
  EXPECT_NEAR(a.azimuth_rad, 0.0, 1e-6);
  const Vec3 grip2 = sp.normal * std::cos(0.3) + sp.tangent_y * std::sin(0.3);
  EXPECT_NEAR(smp::physics::needle_angles(sp, -grip2).azimuth_rad, 1.5707963, 1e-6);
}

}  // namespace
