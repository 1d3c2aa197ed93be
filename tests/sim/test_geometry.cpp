#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "smp/sim/geometry.h"

namespace smp::sim {
namespace {

const PolygonMm kSquare = {{0, 0}, {10, 0}, {10, 10}, {0, 10}};  // counter-clockwise
// An L shape: the notch (6..10, 6..10) is outside.
const PolygonMm kEll = {{0, 0}, {10, 0}, {10, 6}, {6, 6}, {6, 10}, {0, 10}};

PolygonMm reversed(PolygonMm p) {
  return PolygonMm(p.rbegin(), p.rend());
}

TEST(Geometry, DistanceIsEuclideanAndSymmetric) {
  EXPECT_DOUBLE_EQ(distance_mm({0, 0}, {3, 4}), 5.0);
  EXPECT_DOUBLE_EQ(distance_mm({3, 4}, {0, 0}), 5.0);
  EXPECT_DOUBLE_EQ(distance_mm({-1.5, 2}, {-1.5, 2}), 0.0);
}

TEST(Geometry, PointInConvexPolygonEitherWinding) {
  for (const PolygonMm& sq : {kSquare, reversed(kSquare)}) {
    EXPECT_TRUE(point_in_polygon(sq, {5, 5}));
    EXPECT_TRUE(point_in_polygon(sq, {0.01, 9.99}));
    EXPECT_FALSE(point_in_polygon(sq, {-0.01, 5}));
    EXPECT_FALSE(point_in_polygon(sq, {5, 10.5}));
    EXPECT_FALSE(point_in_polygon(sq, {20, 5}));
  }
}

TEST(Geometry, PointInConcavePolygon) {
  EXPECT_TRUE(point_in_polygon(kEll, {2, 8}));
  EXPECT_TRUE(point_in_polygon(kEll, {8, 2}));
  EXPECT_FALSE(point_in_polygon(kEll, {8, 8}));  // in the notch
  // A ray from (2, 6) toward +x passes exactly through the vertex (6, 6) and along an edge: the
  // half-open rule must still count the point as inside.
  EXPECT_TRUE(point_in_polygon(kEll, {2, 6}));
  EXPECT_FALSE(point_in_polygon(kEll, {-2, 6}));
}

TEST(Geometry, EvenOddRuleOnSelfOverlappingPolygon) {
  // A pentagram: the central pentagon is covered twice, so even-odd says outside.
  PolygonMm star;
  for (int k = 0; k < 5; ++k) {
    const double a = M_PI / 2 + k * 4 * M_PI / 5;
    star.push_back({10 * std::cos(a), 10 * std::sin(a)});
  }
  EXPECT_FALSE(point_in_polygon(star, {0, 0}));
  EXPECT_TRUE(point_in_polygon(star, {0, 8}));  // inside the top spike
}

TEST(Geometry, DegeneratePolygonsContainNothing) {
  EXPECT_FALSE(point_in_polygon({}, {0, 0}));
  EXPECT_FALSE(point_in_polygon({{0, 0}, {1, 1}}, {0.5, 0.5}));
}

TEST(Geometry, DistanceToBoundary) {
  EXPECT_DOUBLE_EQ(distance_to_boundary_mm(kSquare, {5, 5}), 5.0);
  EXPECT_DOUBLE_EQ(distance_to_boundary_mm(kSquare, {2, 5}), 2.0);
  EXPECT_DOUBLE_EQ(distance_to_boundary_mm(kSquare, {13, 14}), 5.0);  // nearest is the corner
  EXPECT_DOUBLE_EQ(distance_to_boundary_mm(kSquare, {5, -3}), 3.0);
  EXPECT_DOUBLE_EQ(distance_to_boundary_mm(kSquare, {10, 4}), 0.0);
  // The closing edge (last -> first vertex) counts.
  EXPECT_DOUBLE_EQ(distance_to_boundary_mm(kSquare, {-1, 5}), 1.0);
  EXPECT_DOUBLE_EQ(distance_to_boundary_mm(kEll, {8, 8}), 2.0);
  EXPECT_DOUBLE_EQ(distance_to_boundary_mm({{1, 1}}, {4, 5}), 5.0);
  EXPECT_EQ(distance_to_boundary_mm({}, {0, 0}), std::numeric_limits<double>::infinity());
}

TEST(Geometry, AreaIsPositiveEitherWinding) {
  EXPECT_DOUBLE_EQ(polygon_area_mm2(kSquare), 100.0);
  EXPECT_DOUBLE_EQ(polygon_area_mm2(reversed(kSquare)), 100.0);
  EXPECT_DOUBLE_EQ(polygon_area_mm2(kEll), 84.0);
  EXPECT_DOUBLE_EQ(polygon_area_mm2({{0, 0}, {4, 0}, {0, 3}}), 6.0);
  // Far from the origin the result keeps its precision.
  EXPECT_DOUBLE_EQ(
      polygon_area_mm2({{1e6, 1e6}, {1e6 + 1, 1e6}, {1e6 + 1, 1e6 + 1}, {1e6, 1e6 + 1}}), 1.0);
  EXPECT_DOUBLE_EQ(polygon_area_mm2({{0, 0}, {1, 1}}), 0.0);
}

TEST(Geometry, BoundingBox) {
  const BoxMm b = bounding_box({{3, -2}, {-1, 5}, {4, 1}});
  EXPECT_EQ(b.min, (PointMm{-1, -2}));
  EXPECT_EQ(b.max, (PointMm{4, 5}));
  const BoxMm e = bounding_box({});
  EXPECT_EQ(e.min, (PointMm{0, 0}));
  EXPECT_EQ(e.max, (PointMm{0, 0}));
}

}  // namespace
}  // namespace smp::sim
