// The scalp map: 2D coordinates in millimetres on the skin surface (docs/architecture.md).
// Origin at the front hairline midpoint, +x toward the patient's left, +y toward the crown
// (posterior), measured along the skin. Practice pads use the same frame.
#pragma once
#include <vector>

namespace smp::sim {

struct PointMm {
  double x_mm = 0.0;
  double y_mm = 0.0;
  friend bool operator==(const PointMm&, const PointMm&) = default;
};

using PolygonMm = std::vector<PointMm>;  // simple polygon, implicitly closed, either winding

double distance_mm(PointMm a, PointMm b);
bool point_in_polygon(const PolygonMm& poly, PointMm p);          // even-odd rule
double distance_to_boundary_mm(const PolygonMm& poly, PointMm p);  // >= 0, to the nearest edge
double polygon_area_mm2(const PolygonMm& poly);                    // absolute value
struct BoxMm {
  PointMm min, max;
};
BoxMm bounding_box(const PolygonMm& poly);

}  // namespace smp::sim
