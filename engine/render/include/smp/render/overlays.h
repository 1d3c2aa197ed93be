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
#include "smp/sim/scoring.h"

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

// Accumulates the scorer's per-dot values onto a grid over `bounds` (texel size cell_mm): depth
// error and blur risk splatted per dot, density read from the scorer's 5 mm density cells. It
// computes no value of its own (sim::Scorer::dot_feedback is the one source). Adding is
// incremental; clear() + re-adding handles undo.
class HeatField {
 public:
  explicit HeatField(sim::BoxMm bounds, double cell_mm = 1.0);

  void clear();
  // The next dot (ids in order) with the scorer's values.
  void add(sim::PointMm pos, const sim::DotFeedback& feedback);
  // The scorer's blur risk of dot id changed (a later dot touched it): painted again.
  void set_blur_risk(std::uint32_t id, double risk);
  // Dots that a dot at pos with radius_mm may touch (what a new dot can change), ascending.
  void dots_touchable_from(sim::PointMm pos, double radius_mm,
                           std::vector<std::uint32_t>& out) const;
  // The scorer's density cells (Scorer::density_cells).
  void set_density_cells(std::span<const sim::DensityCell> cells);
  std::size_t size() const { return dots_.size(); }

  // What dot id was painted with (tests compare it with the scorer's values).
  struct PaintedDot {
    sim::PointMm pos;
    double radius_mm = 0.0;
    double depth_error_mm = 0.0;
    double blur_risk = 0.0;
  };
  const PaintedDot& painted(std::uint32_t id) const { return dots_[id]; }

  int width() const { return width_; }
  int height() const { return height_; }
  sim::BoxMm bounds() const { return bounds_; }
  // Value of a kind at texel (i, j) (NaN where there is no data), in the legend's units.
  double value(HeatMapKind kind, int i, int j) const;
  // RGBA8 image of a kind, row j = 0 at bounds.min.y; alpha 0 where there is no data.
  std::vector<std::uint8_t> rgba(HeatMapKind kind, double opacity = 0.65) const;

 private:
  void splat(sim::PointMm p, double sigma_mm, std::vector<float>& acc, double amount);
  std::size_t cell_of(sim::PointMm p) const;

  sim::BoxMm bounds_;
  double cell_mm_;
  int width_ = 0, height_ = 0;
  // Per texel, Gaussian-weighted sums: weight, weight * depth error, weight * blur risk; and the
  // density cell's count / expected (NaN outside every density cell).
  std::vector<float> w_, depth_err_, blur_, density_ratio_;
  std::vector<PaintedDot> dots_;
  double max_radius_mm_ = 0.0;
  // Spatial hash (2 mm buckets over the bounds) for dots_touchable_from.
  int hash_w_ = 0, hash_h_ = 0;
  std::vector<std::vector<std::uint32_t>> buckets_;
};

}  // namespace smp::render
