// Planar geometry on the scalp map (millimetres). Plain double arithmetic, no FMA (the build uses
// -ffp-contract=off), so results are bit-identical across runs.
#include "smp/sim/geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace smp::sim {

double distance_mm(PointMm a, PointMm b) {
  const double dx = a.x_mm - b.x_mm;
  const double dy = a.y_mm - b.y_mm;
  return std::sqrt(dx * dx + dy * dy);
}

bool point_in_polygon(const PolygonMm& poly, PointMm p) {
  const std::size_t n = poly.size();
  if (n < 3) return false;
  // Even-odd crossing test: count edges crossed by a ray toward +x. The half-open rule on y
  // ((a.y > p.y) != (b.y > p.y)) counts a vertex lying exactly on the ray once, not twice.
  bool inside = false;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const PointMm& a = poly[i];
    const PointMm& b = poly[j];
    if ((a.y_mm > p.y_mm) != (b.y_mm > p.y_mm)) {
      const double x_cross = a.x_mm + (p.y_mm - a.y_mm) * (b.x_mm - a.x_mm) / (b.y_mm - a.y_mm);
      if (p.x_mm < x_cross) inside = !inside;
    }
  }
  return inside;
}

namespace {

double distance_to_segment_mm(PointMm a, PointMm b, PointMm p) {
  const double ex = b.x_mm - a.x_mm;
  const double ey = b.y_mm - a.y_mm;
  const double len2 = ex * ex + ey * ey;
  if (len2 == 0.0) return distance_mm(a, p);
  double t = ((p.x_mm - a.x_mm) * ex + (p.y_mm - a.y_mm) * ey) / len2;
  t = std::clamp(t, 0.0, 1.0);
  return distance_mm(PointMm{a.x_mm + t * ex, a.y_mm + t * ey}, p);
}

}  // namespace

double distance_to_boundary_mm(const PolygonMm& poly, PointMm p) {
  // An empty polygon has no boundary: infinitely far. One vertex: the distance to it.
  if (poly.empty()) return std::numeric_limits<double>::infinity();
  if (poly.size() == 1) return distance_mm(poly[0], p);
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    best = std::min(best, distance_to_segment_mm(poly[j], poly[i], p));
  }
  return best;
}

double polygon_area_mm2(const PolygonMm& poly) {
  if (poly.size() < 3) return 0.0;
  // Shoelace formula; vertices taken relative to the first to keep cancellation small on
  // polygons far from the origin.
  const PointMm o = poly[0];
  double twice = 0.0;
  for (std::size_t i = 1; i + 1 < poly.size(); ++i) {
    const double ax = poly[i].x_mm - o.x_mm, ay = poly[i].y_mm - o.y_mm;
    const double bx = poly[i + 1].x_mm - o.x_mm, by = poly[i + 1].y_mm - o.y_mm;
    twice += ax * by - bx * ay;
  }
  return std::fabs(twice) * 0.5;
}

BoxMm bounding_box(const PolygonMm& poly) {
  if (poly.empty()) return BoxMm{};
  BoxMm box{poly[0], poly[0]};
  for (const PointMm& q : poly) {
    box.min.x_mm = std::min(box.min.x_mm, q.x_mm);
    box.min.y_mm = std::min(box.min.y_mm, q.y_mm);
    box.max.x_mm = std::max(box.max.x_mm, q.x_mm);
    box.max.y_mm = std::max(box.max.y_mm, q.y_mm);
  }
  return box;
}

}  // namespace smp::sim
