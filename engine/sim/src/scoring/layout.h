// The scenario layout: everything the scorer derives from the scenario once (regions' boxes,
// the hairline, the analysis grid, scars, existing hairs), and what it says about one point.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "scoring/constants.h"
#include "scoring/numeric.h"
#include "smp/sim/color.h"
#include "smp/sim/healing.h"
#include "smp/sim/scenario.h"
#include "smp/sim/skin.h"

namespace smp::sim::scoring {

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool contains(PointMm p) const {
    return p.x_mm >= x0 && p.x_mm <= x1 && p.y_mm >= y0 && p.y_mm <= y1;
  }
};
inline Box box_of(const PolygonMm& poly, double margin) {
  const BoxMm b = bounding_box(poly);
  return Box{b.min.x_mm - margin, b.min.y_mm - margin, b.max.x_mm + margin, b.max.y_mm + margin};
}

inline bool is_target_role(RegionRole r) {
  return r == RegionRole::kTreat || r == RegionRole::kScar || r == RegionRole::kHairlineTransition;
}

// What the scenario says about one point.
struct PointFacts {
  int target_region = -1;  // last treat/scar/transition region containing the point
  int scar_region = -1;    // last scar region containing the point
  int forbidden_region = -1;
  bool avoid = false;
  bool transition = false;
  double density_mm2 = 0.0;     // target dots per mm^2 here (0: not to be treated)
  double front_dist_mm = -1.0;  // distance to the hairline polyline (transition points only)
  int band = -1;                // transition depth band, -1 when not in the transition zone
};

// Immutable geometry derived from the scenario once.
struct ScenarioLayout {
  const Scenario* scenario = nullptr;
  std::vector<Box> region_box;
  // region_box grown by a rounding margin: point_in_polygon is never true outside it, so
  // locate_with_skin() may skip the polygon test there.
  std::vector<Box> region_box_grown;
  std::vector<double> transition_width_mm;  // per region (transition regions only)
  // hairline polyline
  std::vector<PointMm> front;
  std::vector<double> front_arc;      // arc length at each vertex
  std::vector<PointMm> front_normal;  // unit normal per segment, toward the front (outside) side
  std::vector<Box> front_box;         // bounding box per segment
  double front_length_mm = 0.0;
  double front_spacing_mm = 0.0;  // expected NN spacing at the front edge of the transition
  int segments = 0;
  // analysis grid
  double analysis_x0 = 0, analysis_y0 = 0;
  int analysis_nx = 0, analysis_ny = 0;
  std::vector<double> cell_expected;  // target dots per cell
  std::vector<double> cell_fraction;  // fraction of the cell inside the treat area
  std::vector<std::int32_t> target_cells;
  double total_expected = 0.0;
  double target_area_mm2 = 0.0;  // treat area, from the analysis cells
  std::array<double, kRampBands> band_expected{};
  // neighbour grid extent and its first cell size (State::Grid refines it as dots arrive)
  double neighbour_x0 = 0, neighbour_y0 = 0, neighbour_first_cell_mm = 1.0;
  double neighbour_width_mm = 0, neighbour_height_mm = 0;
  double cap_global_mm = 0.0;
  // scars
  struct Scar {
    int region = -1;
    Box box, ring_box;
    double cell_x0 = 0, cell_y0 = 0, cell_mm = 1.0;  // coverage cells
    int cell_nx = 0, cell_ny = 0;
    std::vector<std::uint8_t> cell_in;  // cell centre inside the scar
    int cells_in = 0;
    double expected_in = 0.0, expected_ring = 0.0;
    PointMm centroid;
  };
  std::vector<Scar> scars;
  // existing hairs (thinning)
  double hair_r_mm = 0.04;
  double hair_x0 = 0, hair_y0 = 0, hair_cell_mm = 1.0;
  int hair_nx = 0, hair_ny = 0;
  std::vector<std::uint32_t> hair_start, hair_index;
  Lab target;

  PointFacts locate(PointMm p) const;
  // The regions and skin at p; the caller then calls finish_loc() (which reads the hairline
  // distance only for transition points).
  PointFacts regions_with_skin(PointMm p, SkinSample& skin) const;
  void note_region(PointFacts& l, std::size_t i) const;  // region i contains the point
  void finish_loc(PointFacts& l, PointMm p, const double* front_dist_mm) const;
  double front_distance(PointMm p, double* arc, double* signed_front) const;
  int analysis_cell_of(PointMm p) const {
    const int i = cell_or_none((p.x_mm - analysis_x0) / kDensityCellMm, analysis_nx);
    const int j = cell_or_none((p.y_mm - analysis_y0) / kDensityCellMm, analysis_ny);
    if (i < 0 || j < 0) return -1;
    return j * analysis_nx + i;
  }
  PointMm analysis_cell_centre(int c) const {
    return PointMm{analysis_x0 + (c % analysis_nx + 0.5) * kDensityCellMm,
                   analysis_y0 + (c / analysis_nx + 0.5) * kDensityCellMm};
  }
  bool under_hair(PointMm p, double reach_mm) const;
};

ScenarioLayout build_layout(const Scenario& sc);

}  // namespace smp::sim::scoring
