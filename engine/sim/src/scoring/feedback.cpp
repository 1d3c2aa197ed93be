// Per-dot feedback: the scorer's own values of one dot and of the density cells, for the
// trainer's rings and heat maps (docs/scoring.md, "Per-dot feedback").
#include "scoring/state.h"
#include "scoring/sub_scores.h"

namespace smp::sim {

DepthStatus ring_status(const DotFeedback& f) {
  if (f.critical || f.placement == Placement::kAvoid) return DepthStatus::kCritical;
  return f.depth_status;
}

namespace scoring {

DensityStatus State::cell_density_status(std::int32_t cell) const {
  if (cell < 0) return DensityStatus::kNotJudged;
  const std::size_t c = static_cast<std::size_t>(cell);
  const double expected = layout.cell_expected[c];
  if (!is_judged_cell(layout.cell_fraction[c], expected)) return DensityStatus::kNotJudged;
  switch (cell_density(cells[c].count, expected)) {
    case CellDensity::kHole:
      return DensityStatus::kHole;
    case CellDensity::kClump:
      return DensityStatus::kClump;
    case CellDensity::kOnTarget:
      break;
  }
  return DensityStatus::kOnTarget;
}

DotFeedback State::dot_feedback(std::uint32_t i) const {
  DotFeedback f;
  if (i >= dots.size()) return f;
  const Dot& d = dots[i];
  f.depth_status = d.status();
  f.depth_error_mm = from_fixed(d.err_fx);
  f.blur_risk = from_fixed(d.risk_fx);
  f.at_risk = d.risky;
  f.touching = d.touching;
  f.crowded = d.crowded;
  f.density = cell_density_status(d.analysis_cell);
  f.placement = d.flags & kFlagForbidden ? Placement::kForbidden
                : d.flags & kFlagAvoid   ? Placement::kAvoid
                : d.flags & kFlagFront   ? Placement::kInFrontOfHairline
                : d.flags & kFlagOutside ? Placement::kOutside
                                         : Placement::kTarget;
  f.critical = (d.flags & (kFlagFat | kFlagForbidden | kFlagBadPigment)) != 0;
  f.radius_mm = d.radius_mm;
  return f;
}

void State::density_cells(std::vector<DensityCell>& out) const {
  out.clear();
  for (const std::int32_t c : layout.target_cells) {
    const PointMm centre = layout.analysis_cell_centre(c);
    const double h = 0.5 * kDensityCellMm;
    DensityCell cell;
    cell.box = BoxMm{{centre.x_mm - h, centre.y_mm - h}, {centre.x_mm + h, centre.y_mm + h}};
    cell.count = cells[static_cast<std::size_t>(c)].count;
    cell.expected = layout.cell_expected[static_cast<std::size_t>(c)];
    cell.status = cell_density_status(c);
    out.push_back(cell);
  }
}

}  // namespace scoring
}  // namespace smp::sim
