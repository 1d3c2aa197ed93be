// The scenario layout, built once per scenario (docs/scoring.md, "Layout").
#include "scoring/layout.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace smp::sim::scoring {

double ScenarioLayout::front_distance(PointMm p, double* arc, double* signed_front) const {
  double best = std::numeric_limits<double>::infinity();
  double best_arc = 0.0, best_side = 0.0;
  // The nearest vertex bounds the answer from above; a segment whose bounding box is farther
  // (by a margin far above rounding) cannot be the nearest or tie it, so it is skipped: the
  // same result as the full loop, without its divisions and square roots.
  double ub2 = std::numeric_limits<double>::infinity();
  for (const PointMm& v : front) ub2 = std::min(ub2, dist2(p, v));
  const double ub =
      std::sqrt(ub2) * (1.0 + 1e-9) + 1e-9 * (1.0 + std::fabs(p.x_mm) + std::fabs(p.y_mm));
  const double skip2 = ub * ub;
  for (std::size_t i = 0; i + 1 < front.size(); ++i) {
    const Box& bx = front_box[i];
    const double gx = std::max({0.0, bx.x0 - p.x_mm, p.x_mm - bx.x1});
    const double gy = std::max({0.0, bx.y0 - p.y_mm, p.y_mm - bx.y1});
    if (gx * gx + gy * gy > skip2) continue;
    const PointMm a = front[i], b = front[i + 1];
    const double ex = b.x_mm - a.x_mm, ey = b.y_mm - a.y_mm;
    const double len2 = ex * ex + ey * ey;
    double t = 0.0;
    if (len2 > 0.0)
      t = std::clamp(((p.x_mm - a.x_mm) * ex + (p.y_mm - a.y_mm) * ey) / len2, 0.0, 1.0);
    const PointMm q{a.x_mm + t * ex, a.y_mm + t * ey};
    const double d = std::sqrt(dist2(p, q));
    if (d < best) {
      best = d;
      best_arc = front_arc[i] + t * std::sqrt(len2);
      best_side =
          (p.x_mm - q.x_mm) * front_normal[i].x_mm + (p.y_mm - q.y_mm) * front_normal[i].y_mm;
    }
  }
  if (arc) *arc = best_arc;
  if (signed_front) *signed_front = best_side;
  return best;
}

PointFacts ScenarioLayout::locate(PointMm p) const {
  PointFacts l;
  const auto& regions = scenario->regions;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (!region_box[i].contains(p) || !point_in_polygon(regions[i].polygon_mm, p)) continue;
    note_region(l, i);
  }
  finish_loc(l, p, nullptr);
  return l;
}

void ScenarioLayout::note_region(PointFacts& l, std::size_t i) const {
  switch (scenario->regions[i].role) {
    case RegionRole::kForbidden:
      if (l.forbidden_region < 0) l.forbidden_region = static_cast<int>(i);
      break;
    case RegionRole::kAvoid:
      l.avoid = true;
      break;
    case RegionRole::kScar:
      l.scar_region = static_cast<int>(i);
      l.target_region = static_cast<int>(i);
      break;
    case RegionRole::kTreat:
    case RegionRole::kHairlineTransition:
      l.target_region = static_cast<int>(i);
      break;
  }
}

// The target density (ramped in a hairline transition zone) once the regions are known.
// front_dist_mm: front_distance(p) when the caller has it, else it is computed here if needed.
void ScenarioLayout::finish_loc(PointFacts& l, PointMm p, const double* front_dist_mm) const {
  if (l.target_region < 0 || l.forbidden_region >= 0 || l.avoid) return;
  const Region& r = scenario->regions[static_cast<std::size_t>(l.target_region)];
  l.density_mm2 = std::max(0.0, r.density_per_cm2) / 100.0;
  if (r.role == RegionRole::kHairlineTransition && front.size() >= 2) {
    l.transition = true;
    const double w = transition_width_mm[static_cast<std::size_t>(l.target_region)];
    l.front_dist_mm = front_dist_mm ? *front_dist_mm : front_distance(p, nullptr, nullptr);
    const double u = w > 0.0 ? clamp01(l.front_dist_mm / w) : 1.0;
    l.density_mm2 *= kRampFrontFraction + (1.0 - kRampFrontFraction) * u;
    l.band = std::min(kRampBands - 1, static_cast<int>(u * kRampBands));
  }
}

// locate() and skin_at() in one pass over the regions: add() needs both, and the polygon tests are
// most of their cost. The results are those of the two functions bit for bit: skin_at()'s rules
// are repeated here (last region with layers wins; the last scar region gives the tissue), and a
// polygon is skipped only outside its grown box, where point_in_polygon() is false.
PointFacts ScenarioLayout::regions_with_skin(PointMm p, SkinSample& skin) const {
  PointFacts l;
  const auto& regions = scenario->regions;
  skin = SkinSample{};
  skin.layers = scenario->skin;
  const ScarTissue* scar = nullptr;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (!region_box_grown[i].contains(p) || !point_in_polygon(regions[i].polygon_mm, p)) continue;
    const Region& r = regions[i];
    if (r.layers) skin.layers = *r.layers;
    if (r.role == RegionRole::kScar) {
      static const ScarTissue kDefaultScar{};
      scar = r.scar ? &*r.scar : &kDefaultScar;
    }
    if (!region_box[i].contains(p)) continue;
    note_region(l, i);
  }
  if (scar != nullptr) {
    skin.scar = true;
    skin.scar_tissue = *scar;
  }
  return l;
}

bool ScenarioLayout::under_hair(PointMm p, double reach_mm) const {
  if (hair_nx == 0) return false;
  const int i0 = cell_clamp((p.x_mm - reach_mm - hair_x0) / hair_cell_mm, hair_nx);
  const int i1 = cell_clamp((p.x_mm + reach_mm - hair_x0) / hair_cell_mm, hair_nx);
  const int j0 = cell_clamp((p.y_mm - reach_mm - hair_y0) / hair_cell_mm, hair_ny);
  const int j1 = cell_clamp((p.y_mm + reach_mm - hair_y0) / hair_cell_mm, hair_ny);
  const double r2 = reach_mm * reach_mm;
  const auto& hairs = scenario->patient.hairs_mm;
  for (int j = j0; j <= j1; ++j) {
    for (int i = i0; i <= i1; ++i) {
      const std::size_t c = static_cast<std::size_t>(j * hair_nx + i);
      for (std::uint32_t k = hair_start[c]; k < hair_start[c + 1]; ++k) {
        if (dist2(hairs[hair_index[k]], p) < r2) return true;
      }
    }
  }
  return false;
}

namespace {
// Grid passes at load time test every sample point against polygons or the hairline. Their cost
// grows with area x vertices, so a pathological (but valid) file could stall loading for hours:
// a pass whose point-by-vertex tests would exceed kLoadBudget gets a coarser grid instead. Every
// shipped scenario stays far below it, so their results do not change (docs/limits.md).
constexpr double kLoadBudget = 2e7;
double budget_factor(double cost) {
  return cost > kLoadBudget ? std::sqrt(cost / kLoadBudget) : 1.0;
}
double grid_points(double x0, double y0, double x1, double y1, double step) {
  return std::max(0.0, std::ceil((x1 - x0) / step)) * std::max(0.0, std::ceil((y1 - y0) / step));
}

}  // namespace

ScenarioLayout build_layout(const Scenario& sc) {
  ScenarioLayout layout;
  layout.scenario = &sc;
  layout.target = target_color(sc);
  const auto& regions = sc.regions;
  layout.region_box.reserve(regions.size());
  for (const Region& r : regions) {
    const Box b = box_of(r.polygon_mm, 0.0);
    layout.region_box.push_back(b);
    // point_in_polygon's crossing x is off by a few ulps at most: 1e-9 relative is far beyond it.
    const double m =
        1e-9 *
        (1.0 + std::max({std::fabs(b.x0), std::fabs(b.x1), std::fabs(b.y0), std::fabs(b.y1)}));
    layout.region_box_grown.push_back(Box{b.x0 - m, b.y0 - m, b.x1 + m, b.y1 + m});
  }

  // Overall extent: every region, the hairline and the hairs.
  Box ext{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  auto grow = [&ext](PointMm p) {
    ext.x0 = std::min(ext.x0, p.x_mm);
    ext.y0 = std::min(ext.y0, p.y_mm);
    ext.x1 = std::max(ext.x1, p.x_mm);
    ext.y1 = std::max(ext.y1, p.y_mm);
  };
  for (const Region& r : regions)
    for (PointMm p : r.polygon_mm) grow(p);
  for (PointMm p : sc.hairline_front_mm) grow(p);
  if (!(ext.x0 <= ext.x1)) ext = Box{0, 0, 0, 0};
  ext.x0 -= 10;
  ext.y0 -= 10;
  ext.x1 += 10;
  ext.y1 += 10;

  // Hairline polyline, its arc length and the front side of each segment: the side whose
  // neighbourhood is not treated (falls back to -y, toward the forehead).
  layout.front = sc.hairline_front_mm;
  if (layout.front.size() >= 2) {
    layout.front_arc.push_back(0.0);
    for (std::size_t i = 0; i + 1 < layout.front.size(); ++i) {
      const double len = std::sqrt(dist2(layout.front[i], layout.front[i + 1]));
      layout.front_arc.push_back(layout.front_arc.back() + len);
      PointMm n{0.0, -1.0};
      if (len > 0.0) {
        n = PointMm{-(layout.front[i + 1].y_mm - layout.front[i].y_mm) / len,
                    (layout.front[i + 1].x_mm - layout.front[i].x_mm) / len};
        const PointMm mid{0.5 * (layout.front[i].x_mm + layout.front[i + 1].x_mm),
                          0.5 * (layout.front[i].y_mm + layout.front[i + 1].y_mm)};
        auto treated = [&](PointMm q) {
          for (std::size_t k = 0; k < regions.size(); ++k)
            if (is_target_role(regions[k].role) && point_in_polygon(regions[k].polygon_mm, q))
              return true;
          return false;
        };
        const bool plus = treated(PointMm{mid.x_mm + n.x_mm, mid.y_mm + n.y_mm});
        const bool minus = treated(PointMm{mid.x_mm - n.x_mm, mid.y_mm - n.y_mm});
        if (plus && !minus) {
          n = PointMm{-n.x_mm, -n.y_mm};
        } else if (plus == minus && n.y_mm > 0.0) {
          n = PointMm{-n.x_mm, -n.y_mm};
        }
      }
      layout.front_normal.push_back(n);
      layout.front_box.push_back(Box{std::min(layout.front[i].x_mm, layout.front[i + 1].x_mm),
                                     std::min(layout.front[i].y_mm, layout.front[i + 1].y_mm),
                                     std::max(layout.front[i].x_mm, layout.front[i + 1].x_mm),
                                     std::max(layout.front[i].y_mm, layout.front[i + 1].y_mm)});
    }
    layout.front_length_mm = layout.front_arc.back();
    layout.segments =
        std::max(1, static_cast<int>(std::lround(layout.front_length_mm / kSegmentMm)));
  }
  for (const Region& r : regions)
    if (r.role == RegionRole::kHairlineTransition && r.density_per_cm2 > 0.0 &&
        layout.front.size() >= 2)
      layout.front_spacing_mm =
          std::max(layout.front_spacing_mm,
                   kBlueNoiseNn / std::sqrt(r.density_per_cm2 / 100.0 * kRampFrontFraction));
  // Width of each transition region: the farthest point of it from the hairline (0.5 mm grid,
  // coarser beyond the load budget).
  layout.transition_width_mm.assign(regions.size(), 0.0);
  if (layout.front.size() >= 2) {
    double cost = 0.0;
    for (std::size_t i = 0; i < regions.size(); ++i) {
      if (regions[i].role != RegionRole::kHairlineTransition) continue;
      const Box b = layout.region_box[i];
      cost += grid_points(b.x0, b.y0, b.x1, b.y1, 0.5) *
              static_cast<double>(layout.front.size() + regions[i].polygon_mm.size());
    }
    const double step = 0.5 * budget_factor(cost);
    for (std::size_t i = 0; i < regions.size(); ++i) {
      if (regions[i].role != RegionRole::kHairlineTransition) continue;
      const Box b = layout.region_box[i];
      double w = 0.0;
      for (double y = b.y0 + 0.5 * step; y < b.y1; y += step)
        for (double x = b.x0 + 0.5 * step; x < b.x1; x += step)
          if (point_in_polygon(regions[i].polygon_mm, PointMm{x, y}))
            w = std::max(w, layout.front_distance(PointMm{x, y}, nullptr, nullptr));
      layout.transition_width_mm[i] = w;
    }
  }

  // Analysis grid: 5 mm cells, target counts from 5x5 samples (1 mm^2 each).
  layout.analysis_x0 = ext.x0;
  layout.analysis_y0 = ext.y0;
  layout.analysis_nx = std::max(1, static_cast<int>(std::ceil((ext.x1 - ext.x0) / kDensityCellMm)));
  layout.analysis_ny = std::max(1, static_cast<int>(std::ceil((ext.y1 - ext.y0) / kDensityCellMm)));
  const std::size_t ncells =
      static_cast<std::size_t>(layout.analysis_nx) * static_cast<std::size_t>(layout.analysis_ny);
  layout.cell_expected.assign(ncells, 0.0);
  layout.cell_fraction.assign(ncells, 0.0);
  Box target_ext{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                 -std::numeric_limits<double>::infinity(),
                 -std::numeric_limits<double>::infinity()};
  double max_density = 0.0;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (!is_target_role(regions[i].role)) continue;
    target_ext.x0 = std::min(target_ext.x0, layout.region_box[i].x0);
    target_ext.y0 = std::min(target_ext.y0, layout.region_box[i].y0);
    target_ext.x1 = std::max(target_ext.x1, layout.region_box[i].x1);
    target_ext.y1 = std::max(target_ext.y1, layout.region_box[i].y1);
    max_density = std::max(max_density, regions[i].density_per_cm2 / 100.0);
  }
  const double step = kDensityCellMm / kCellSamples;
  const double sample_area = step * step;
  for (int cj = 0; cj < layout.analysis_ny; ++cj) {
    for (int ci = 0; ci < layout.analysis_nx; ++ci) {
      const double x0 = layout.analysis_x0 + ci * kDensityCellMm,
                   y0 = layout.analysis_y0 + cj * kDensityCellMm;
      if (x0 > target_ext.x1 || y0 > target_ext.y1 || x0 + kDensityCellMm < target_ext.x0 ||
          y0 + kDensityCellMm < target_ext.y0)
        continue;
      double expected = 0.0;
      int inside = 0;
      for (int sj = 0; sj < kCellSamples; ++sj) {
        for (int si = 0; si < kCellSamples; ++si) {
          const PointFacts l =
              layout.locate(PointMm{x0 + (si + 0.5) * step, y0 + (sj + 0.5) * step});
          if (l.density_mm2 <= 0.0) continue;
          ++inside;
          expected += l.density_mm2 * sample_area;
          if (l.band >= 0)
            layout.band_expected[static_cast<std::size_t>(l.band)] += l.density_mm2 * sample_area;
        }
      }
      if (inside == 0) continue;
      const int c = cj * layout.analysis_nx + ci;
      layout.cell_expected[static_cast<std::size_t>(c)] = expected;
      layout.cell_fraction[static_cast<std::size_t>(c)] =
          static_cast<double>(inside) / (kCellSamples * kCellSamples);
      layout.target_cells.push_back(c);
      layout.total_expected += expected;
      layout.target_area_mm2 +=
          layout.cell_fraction[static_cast<std::size_t>(c)] * kDensityCellMm * kDensityCellMm;
    }
  }

  // Neighbour grid. The NN search reach: twice the expected spacing at the lowest target
  // density (the hairline front included), at most kNnCapMaxMm.
  layout.cap_global_mm = 0.0;
  double min_density = std::numeric_limits<double>::infinity();
  for (const Region& r : regions) {
    if (!is_target_role(r.role) || r.density_per_cm2 <= 0.0) continue;
    double d = r.density_per_cm2 / 100.0;
    if (r.role == RegionRole::kHairlineTransition && layout.front.size() >= 2)
      d *= kRampFrontFraction;
    min_density = std::min(min_density, d);
  }
  if (min_density < std::numeric_limits<double>::infinity()) {
    layout.cap_global_mm =
        std::min(kNnCapMaxMm, kNnCapFactor * kBlueNoiseNn / std::sqrt(min_density));
  }
  // First cells twice the search reach (few dots yet); State::regrid() refines them as the
  // session grows.
  layout.neighbour_first_cell_mm =
      layout.cap_global_mm > 0.0 ? std::clamp(2.0 * layout.cap_global_mm, 1.0, 8.0) : 4.0;
  layout.neighbour_width_mm = ext.x1 - ext.x0;
  layout.neighbour_height_mm = ext.y1 - ext.y0;
  layout.neighbour_x0 = ext.x0;
  layout.neighbour_y0 = ext.y0;

  // Scars: coverage cells expecting ~3 dots, and the border ring's target (0.5 mm samples).
  // Both passes get coarser beyond the load budget.
  double cell_cost = 0.0, ring_cost = 0.0;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].role != RegionRole::kScar) continue;
    const Box b = layout.region_box[i], rb = box_of(regions[i].polygon_mm, kScarRingMm);
    const double dens = std::max(regions[i].density_per_cm2, 1e-9) / 100.0;
    const double cs = std::clamp(std::sqrt(kScarCellDots / dens), 0.5, 5.0);
    const double verts = static_cast<double>(regions[i].polygon_mm.size());
    cell_cost += grid_points(b.x0, b.y0, b.x1, b.y1, cs) * verts;
    ring_cost += grid_points(rb.x0, rb.y0, rb.x1, rb.y1, 0.5) *
                 (verts + static_cast<double>(regions.size() + layout.front.size()));
  }
  const double cell_factor = budget_factor(cell_cost);
  const double ring_step = 0.5 * budget_factor(ring_cost);
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].role != RegionRole::kScar) continue;
    ScenarioLayout::Scar s;
    s.region = static_cast<int>(i);
    s.box = layout.region_box[i];
    s.ring_box = box_of(regions[i].polygon_mm, kScarRingMm);
    const double dens = std::max(regions[i].density_per_cm2, 1e-9) / 100.0;
    s.cell_mm = std::clamp(std::sqrt(kScarCellDots / dens), 0.5, 5.0) * cell_factor;
    s.cell_x0 = s.box.x0;
    s.cell_y0 = s.box.y0;
    s.cell_nx = std::max(1, static_cast<int>(std::ceil((s.box.x1 - s.box.x0) / s.cell_mm)));
    s.cell_ny = std::max(1, static_cast<int>(std::ceil((s.box.y1 - s.box.y0) / s.cell_mm)));
    s.cell_in.assign(static_cast<std::size_t>(s.cell_nx * s.cell_ny), 0);
    for (int cj = 0; cj < s.cell_ny; ++cj)
      for (int ci = 0; ci < s.cell_nx; ++ci)
        if (point_in_polygon(regions[i].polygon_mm, PointMm{s.cell_x0 + (ci + 0.5) * s.cell_mm,
                                                            s.cell_y0 + (cj + 0.5) * s.cell_mm})) {
          s.cell_in[static_cast<std::size_t>(cj * s.cell_nx + ci)] = 1;
          ++s.cells_in;
        }
    s.expected_in = polygon_area_mm2(regions[i].polygon_mm) * dens;
    for (double y = s.ring_box.y0 + 0.5 * ring_step; y < s.ring_box.y1; y += ring_step) {
      for (double x = s.ring_box.x0 + 0.5 * ring_step; x < s.ring_box.x1; x += ring_step) {
        const PointMm q{x, y};
        const PointFacts l = layout.locate(q);
        if (l.scar_region >= 0 || l.density_mm2 <= 0.0) continue;
        if (distance_to_boundary_mm(regions[i].polygon_mm, q) > kScarRingMm) continue;
        s.expected_ring += l.density_mm2 * ring_step * ring_step;
      }
    }
    double cx = 0, cy = 0;
    for (PointMm p : regions[i].polygon_mm) {
      cx += p.x_mm;
      cy += p.y_mm;
    }
    const double n = static_cast<double>(std::max<std::size_t>(1, regions[i].polygon_mm.size()));
    s.centroid = PointMm{cx / n, cy / n};
    layout.scars.push_back(std::move(s));
  }

  // Existing hairs (thinning): a compact grid (CSR) for "is this dot on a hair?".
  layout.hair_r_mm = 0.5 * sc.patient.hair_diameter_mm;
  const auto& hairs = sc.patient.hairs_mm;
  if (!hairs.empty()) {
    Box hb{hairs[0].x_mm, hairs[0].y_mm, hairs[0].x_mm, hairs[0].y_mm};
    for (PointMm p : hairs) {
      hb.x0 = std::min(hb.x0, p.x_mm);
      hb.y0 = std::min(hb.y0, p.y_mm);
      hb.x1 = std::max(hb.x1, p.x_mm);
      hb.y1 = std::max(hb.y1, p.y_mm);
    }
    layout.hair_cell_mm = 1.0;
    while ((hb.x1 - hb.x0) / layout.hair_cell_mm > 2048.0 ||
           (hb.y1 - hb.y0) / layout.hair_cell_mm > 2048.0)
      layout.hair_cell_mm *= 2.0;
    layout.hair_x0 = hb.x0;
    layout.hair_y0 = hb.y0;
    layout.hair_nx = static_cast<int>(std::floor((hb.x1 - hb.x0) / layout.hair_cell_mm)) + 1;
    layout.hair_ny = static_cast<int>(std::floor((hb.y1 - hb.y0) / layout.hair_cell_mm)) + 1;
    const std::size_t n =
        static_cast<std::size_t>(layout.hair_nx) * static_cast<std::size_t>(layout.hair_ny);
    layout.hair_start.assign(n + 1, 0);
    auto cell = [&](PointMm p) {
      const int i = cell_clamp((p.x_mm - layout.hair_x0) / layout.hair_cell_mm, layout.hair_nx);
      const int j = cell_clamp((p.y_mm - layout.hair_y0) / layout.hair_cell_mm, layout.hair_ny);
      return static_cast<std::size_t>(j * layout.hair_nx + i);
    };
    for (PointMm p : hairs) ++layout.hair_start[cell(p) + 1];
    for (std::size_t c = 0; c < n; ++c) layout.hair_start[c + 1] += layout.hair_start[c];
    layout.hair_index.assign(hairs.size(), 0);
    std::vector<std::uint32_t> fill(layout.hair_start.begin(), layout.hair_start.end() - 1);
    for (std::size_t k = 0; k < hairs.size(); ++k)
      layout.hair_index[fill[cell(hairs[k])]++] = static_cast<std::uint32_t>(k);
  }
  return layout;
}

}  // namespace smp::sim::scoring
