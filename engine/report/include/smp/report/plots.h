// Plots for the printed report (docs/report-pdf.md, "Plots"): deposit depth against the target
// band, nearest-neighbour spacing, and a density heat map. The figures behind each plot are plain
// functions (tested on their own); the draw_* functions put vector plots on a cairo context whose
// user units are points.
#pragma once
#include <span>
#include <vector>

#include "smp/report/images.h"
#include "smp/sim/color.h"
#include "smp/sim/geometry.h"
#include "smp/sim/impression.h"
#include "smp/sim/scenario.h"

namespace smp::report {

struct Histogram {
  double lo = 0.0, bin_width = 1.0;
  std::vector<int> counts;  // values >= lo + n*bin_width land in the last bin, < lo in the first
  int max_count() const;
};
// Fails nothing: bins <= 0 or hi <= lo give one bin. NaN values are skipped.
Histogram make_histogram(std::span<const double> values, double lo, double hi, int bins);

// Distinct target depth bands (depth_min_mm, depth_max_mm) of the treated regions, file order.
struct DepthBand {
  double min_mm = 0.0, max_mm = 0.0;
  friend bool operator==(const DepthBand&, const DepthBand&) = default;
};
std::vector<DepthBand> target_depth_bands(const sim::Scenario& scenario);

// Distance from each impression to its nearest other impression, mm, in impression order
// (grid-bucketed, exact). Empty when there are fewer than two impressions.
std::vector<double> nearest_neighbour_mm(std::span<const sim::Impression> impressions);
// Mean nearest-neighbour distance of a completely random (Poisson) pattern at this density:
// 1 / (2 sqrt(lambda)), lambda in dots per mm^2 (Clark & Evans 1954). 0 for density <= 0.
double random_pattern_spacing_mm(double density_per_cm2);

// Impression density (per cm^2) on a grid over `box`: Gaussian kernel estimate with the given
// bandwidth, cells of cell_mm. Row-major from box.min; x index grows with x_mm.
struct DensityGrid {
  sim::BoxMm box;
  double cell_mm = 1.0;
  int nx = 0, ny = 0;
  std::vector<double> per_cm2;
  double at(int ix, int iy) const { return per_cm2[static_cast<std::size_t>(iy) * nx + ix]; }
};
DensityGrid density_grid(std::span<const sim::Impression> impressions, const sim::BoxMm& box,
                         double cell_mm, double sigma_mm);

// The heat-map colour scale: cividis-like, t in 0..1 from dark blue to light yellow, lightness
// rising linearly in CIELAB L* (perceptually uniform) and hue on the blue-yellow axis that
// red-green colour-blind readers keep (Nunez et al. 2018, PLoS ONE 13(7): e0199239).
sim::Rgb heat_color(double t);
sim::Lab heat_lab(double t);

struct PlotBox {
  double x = 0.0, y = 0.0, w = 0.0, h = 0.0;  // points
};
// Depth histogram: bars in the target band dark, outside it vermilion; the band(s) shaded; the
// skin layer boundaries (scenario defaults) marked and named. Axis in mm.
void draw_depth_histogram(cairo_t* cr, PlotBox box, const sim::Scenario& scenario,
                          std::span<const sim::Impression> impressions);
// Nearest-neighbour spacing histogram: the zone where healed dots of `dot_diameter_mm` touch is
// shaded, the spacing of a random pattern at the target density is marked. Axis in mm.
void draw_spacing_histogram(cairo_t* cr, PlotBox box, const sim::Scenario& scenario,
                            std::span<const sim::Impression> impressions, double dot_diameter_mm);
// Density heat map over `view` (same orientation as the pictures), region outlines, a colour
// legend in dots/cm^2 with the target density marked.
void draw_density_map(cairo_t* cr, PlotBox box, const sim::Scenario& scenario,
                      std::span<const sim::Impression> impressions, const WorkView& view);

// Highest target density among the treated regions (per cm^2), 0 when none.
double target_density_per_cm2(const sim::Scenario& scenario);

}  // namespace smp::report
