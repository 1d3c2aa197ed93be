// CPU side of the heat-map overlays (no GL): incremental per-texel accumulation over the scalp map
// and a perceptually uniform colour map, plus the legend the UI draws. docs/rendering.md,
// "Overlays".
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "smp/sim/color.h"
#include "smp/sim/geometry.h"
#include "smp/sim/impression.h"
#include "smp/sim/scenario.h"

namespace smp::render {

enum class HeatMapKind { kNone, kDepthError, kDensity, kBlurRisk };
const char* to_string(HeatMapKind kind);  // "none", "depth_error", "density", "blur_risk"

enum class ColorMap { kViridis, kCividis };
// t in [0, 1] (clamped) -> sRGB 0..1. Piecewise-linear through 9 published samples of the map.
sim::Rgb colormap(ColorMap map, double t);

struct LegendStop {
  double t = 0.0;  // 0..1 along the bar
  sim::Rgb color;
};
struct HeatLegend {
  std::string title;      // "Depth error"
  std::string unit;       // "mm"
  double min_value = 0;   // value at t = 0
  double max_value = 1;   // value at t = 1
  std::string low_label;  // plain words for the ends: "on target" / "1 mm off"
  std::string high_label;
  ColorMap map = ColorMap::kViridis;
  std::vector<LegendStop> stops;  // enough stops to draw the bar as linear segments
};
HeatLegend heat_legend(HeatMapKind kind);

// Accumulates impressions onto a grid over `bounds` (texel size cell_mm) for all three kinds at
// once. Adding is incremental; clear() + re-adding handles undo. The Scenario must outlive it.
class HeatField {
 public:
  HeatField(const sim::Scenario& scenario, sim::BoxMm bounds, double cell_mm = 1.0);

  void clear();
  void add(const sim::Impression& imp);
  std::size_t size() const { return count_; }

  int width() const { return width_; }
  int height() const { return height_; }
  sim::BoxMm bounds() const { return bounds_; }
  // Value of a kind at texel (i, j) (NaN where there is no data), in the legend's units.
  double value(HeatMapKind kind, int i, int j) const;
  // RGBA8 image of a kind, row j = 0 at bounds.min.y; alpha 0 where there is no data.
  std::vector<std::uint8_t> rgba(HeatMapKind kind, double opacity = 0.65) const;

 private:
  struct Dot {
    sim::PointMm pos;
    double radius_mm = 0.1;
    double base_risk = 0.0;  // depth/dose/migration part of the blur risk
    double risk = 0.0;       // base_risk plus crowding, as currently splatted
  };
  void splat(sim::PointMm p, double sigma_mm, std::vector<float>& acc, double amount);
  void splat_weighted(sim::PointMm p, double depth_err, double risk);
  std::size_t cell_of(sim::PointMm p) const;

  const sim::Scenario* scenario_;
  sim::BoxMm bounds_;
  double cell_mm_;
  int width_ = 0, height_ = 0;
  std::size_t count_ = 0;
  // Per texel, Gaussian-weighted sums: weight, weight * depth error, weight * blur risk; and the
  // kernel density of dots (per mm^2). target_ is the region's density per cm^2 (-1: forbidden).
  std::vector<float> w_, depth_err_, blur_, density_, target_;
  std::vector<Dot> dots_;
  // Spatial hash (2 mm buckets over the bounds) for the crowding term.
  int hash_w_ = 0, hash_h_ = 0;
  std::vector<std::vector<std::uint32_t>> buckets_;
};

}  // namespace smp::render
