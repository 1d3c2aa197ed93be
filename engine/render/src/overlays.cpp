// Heat-map overlays on the scalp map (docs/rendering.md, "Overlays").
#include "smp/render/overlays.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace smp::render {
namespace {

// Kernel width: depth error and blur risk are per-dot values (a narrow kernel, so single bad dots
// show).
constexpr double kDotSigmaMm = 1.0;
constexpr double kMinWeight = 0.02;   // below this a texel has no data
constexpr double kFullWeight = 0.25;  // weight at which the overlay reaches full opacity
constexpr double kDepthErrMaxMm = 0.8;
constexpr double kDensityRatioMax = 2.0;
constexpr double kHashCellMm = 2.0;

sim::Rgb hex(unsigned v) {
  return {double((v >> 16) & 255) / 255.0, double((v >> 8) & 255) / 255.0, double(v & 255) / 255.0};
}

// Samples of matplotlib's maps (van der Walt & Smith 2015; Nunez et al. 2018), interpolated
// linearly: viridis at t = i/8, cividis at t = i/4.
constexpr std::array<unsigned, 9> kViridis{0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c,
                                           0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};
constexpr std::array<unsigned, 5> kCividis{0x00204d, 0x3d4c6b, 0x7c7b78, 0xbcaf6f, 0xffe945};

template <std::size_t N>
sim::Rgb sample(const std::array<unsigned, N>& stops, double t) {
  const double s = std::clamp(t, 0.0, 1.0) * double(N - 1);
  const std::size_t i = std::min(std::size_t(s), N - 2);
  const double f = s - double(i);
  const sim::Rgb a = hex(stops[i]), b = hex(stops[i + 1]);
  return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

}  // namespace

const char* to_string(HeatMapKind kind) {
  switch (kind) {
    case HeatMapKind::kNone:
      return "none";
    case HeatMapKind::kDepthError:
      return "depth_error";
    case HeatMapKind::kDensity:
      return "density";
    case HeatMapKind::kBlurRisk:
      return "blur_risk";
  }
  return "none";
}

sim::Rgb colormap(ColorMap map, double t) {
  if (!std::isfinite(t)) t = 0.0;
  return map == ColorMap::kViridis ? sample(kViridis, t) : sample(kCividis, t);
}

HeatLegend heat_legend(HeatMapKind kind) {
  HeatLegend l;
  switch (kind) {
    case HeatMapKind::kNone:
      return l;
    case HeatMapKind::kDepthError:
      l = {"Depth error",
           "mm",
           0.0,
           kDepthErrMaxMm,
           "in the target band",
           "0.8 mm or more outside it",
           ColorMap::kCividis,
           {}};
      break;
    case HeatMapKind::kDensity:
      l = {"Density",           "x target",         0.0, kDensityRatioMax, "empty",
           "2x target or more", ColorMap::kViridis, {}};
      break;
    case HeatMapKind::kBlurRisk:
      l = {"Blur risk", "", 0.0, 1.0, "low", "high", ColorMap::kViridis, {}};
      break;
  }
  for (int i = 0; i <= 8; ++i) l.stops.push_back({i / 8.0, colormap(l.map, i / 8.0)});
  return l;
}

HeatField::HeatField(sim::BoxMm bounds, double cell_mm) : bounds_(bounds), cell_mm_(cell_mm) {
  width_ = std::max(1, int(std::ceil((bounds.max.x_mm - bounds.min.x_mm) / cell_mm)));
  height_ = std::max(1, int(std::ceil((bounds.max.y_mm - bounds.min.y_mm) / cell_mm)));
  hash_w_ = std::max(1, int(std::ceil((bounds.max.x_mm - bounds.min.x_mm) / kHashCellMm)));
  hash_h_ = std::max(1, int(std::ceil((bounds.max.y_mm - bounds.min.y_mm) / kHashCellMm)));
  clear();
}

void HeatField::clear() {
  const std::size_t n = std::size_t(width_) * height_;
  w_.assign(n, 0.0f);
  depth_err_.assign(n, 0.0f);
  blur_.assign(n, 0.0f);
  density_ratio_.assign(n, std::numeric_limits<float>::quiet_NaN());
  dots_.clear();
  max_radius_mm_ = 0.0;
  buckets_.assign(std::size_t(hash_w_) * hash_h_, {});
}

std::size_t HeatField::cell_of(sim::PointMm p) const {
  const int i = std::clamp(int((p.x_mm - bounds_.min.x_mm) / kHashCellMm), 0, hash_w_ - 1);
  const int j = std::clamp(int((p.y_mm - bounds_.min.y_mm) / kHashCellMm), 0, hash_h_ - 1);
  return std::size_t(j) * hash_w_ + i;
}

void HeatField::splat(sim::PointMm p, double sigma, std::vector<float>& acc, double amount) {
  const double reach = 3.0 * sigma;
  const int i0 = std::max(0, int(std::floor((p.x_mm - reach - bounds_.min.x_mm) / cell_mm_)));
  const int i1 =
      std::min(width_ - 1, int(std::floor((p.x_mm + reach - bounds_.min.x_mm) / cell_mm_)));
  const int j0 = std::max(0, int(std::floor((p.y_mm - reach - bounds_.min.y_mm) / cell_mm_)));
  const int j1 =
      std::min(height_ - 1, int(std::floor((p.y_mm + reach - bounds_.min.y_mm) / cell_mm_)));
  const double inv2s2 = 1.0 / (2.0 * sigma * sigma);
  for (int j = j0; j <= j1; ++j) {
    const double dy = bounds_.min.y_mm + (j + 0.5) * cell_mm_ - p.y_mm;
    for (int i = i0; i <= i1; ++i) {
      const double dx = bounds_.min.x_mm + (i + 0.5) * cell_mm_ - p.x_mm;
      const double k = std::exp(-(dx * dx + dy * dy) * inv2s2);
      acc[std::size_t(j) * width_ + i] += float(amount * k);
    }
  }
}

void HeatField::add(sim::PointMm p, const sim::DotFeedback& f) {
  dots_.push_back(PaintedDot{p, f.radius_mm, f.depth_error_mm, f.blur_risk});
  max_radius_mm_ = std::max(max_radius_mm_, f.radius_mm);
  if (!(p.x_mm >= bounds_.min.x_mm && p.x_mm <= bounds_.max.x_mm && p.y_mm >= bounds_.min.y_mm &&
        p.y_mm <= bounds_.max.y_mm)) {
    return;  // off the mapped area: nothing to draw
  }
  buckets_[cell_of(p)].push_back(std::uint32_t(dots_.size() - 1));
  splat(p, kDotSigmaMm, w_, 1.0);
  splat(p, kDotSigmaMm, depth_err_, f.depth_error_mm);
  splat(p, kDotSigmaMm, blur_, f.blur_risk);
}

void HeatField::set_blur_risk(std::uint32_t id, double risk) {
  PaintedDot& d = dots_[id];
  if (risk == d.blur_risk) return;
  const sim::PointMm p = d.pos;
  if (p.x_mm >= bounds_.min.x_mm && p.x_mm <= bounds_.max.x_mm && p.y_mm >= bounds_.min.y_mm &&
      p.y_mm <= bounds_.max.y_mm)
    splat(p, kDotSigmaMm, blur_, risk - d.blur_risk);  // its weight is unchanged
  d.blur_risk = risk;
}

void HeatField::dots_touchable_from(sim::PointMm p, double radius_mm,
                                    std::vector<std::uint32_t>& out) const {
  out.clear();
  // Every dot nearer than radius_mm + the largest radius lies in these buckets (positions off the
  // map are not drawn, so they need no update).
  const double reach = radius_mm + max_radius_mm_;
  const int i0 = std::clamp(int(std::floor((p.x_mm - reach - bounds_.min.x_mm) / kHashCellMm)), 0,
                            hash_w_ - 1);
  const int i1 = std::clamp(int(std::floor((p.x_mm + reach - bounds_.min.x_mm) / kHashCellMm)), 0,
                            hash_w_ - 1);
  const int j0 = std::clamp(int(std::floor((p.y_mm - reach - bounds_.min.y_mm) / kHashCellMm)), 0,
                            hash_h_ - 1);
  const int j1 = std::clamp(int(std::floor((p.y_mm + reach - bounds_.min.y_mm) / kHashCellMm)), 0,
                            hash_h_ - 1);
  for (int j = j0; j <= j1; ++j)
    for (int i = i0; i <= i1; ++i)
      for (std::uint32_t k : buckets_[std::size_t(j) * hash_w_ + i])
        if (sim::distance_mm(p, dots_[k].pos) <= reach) out.push_back(k);
  std::sort(out.begin(), out.end());
}

void HeatField::set_density_cells(std::span<const sim::DensityCell> cells) {
  std::fill(density_ratio_.begin(), density_ratio_.end(), std::numeric_limits<float>::quiet_NaN());
  for (const sim::DensityCell& c : cells) {
    if (!(c.expected > 0.0)) continue;
    const float ratio = float(c.count / c.expected);
    // The texels whose centre lies in the cell.
    const int i0 =
        std::max(0, int(std::ceil((c.box.min.x_mm - bounds_.min.x_mm) / cell_mm_ - 0.5)));
    const int i1 = std::min(
        width_ - 1, int(std::ceil((c.box.max.x_mm - bounds_.min.x_mm) / cell_mm_ - 0.5)) - 1);
    const int j0 =
        std::max(0, int(std::ceil((c.box.min.y_mm - bounds_.min.y_mm) / cell_mm_ - 0.5)));
    const int j1 = std::min(
        height_ - 1, int(std::ceil((c.box.max.y_mm - bounds_.min.y_mm) / cell_mm_ - 0.5)) - 1);
    for (int j = j0; j <= j1; ++j)
      for (int i = i0; i <= i1; ++i) density_ratio_[std::size_t(j) * width_ + i] = ratio;
  }
}

double HeatField::value(HeatMapKind kind, int i, int j) const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (i < 0 || j < 0 || i >= width_ || j >= height_) return nan;
  const std::size_t k = std::size_t(j) * width_ + i;
  switch (kind) {
    case HeatMapKind::kNone:
      return nan;
    case HeatMapKind::kDepthError:
      return double(w_[k]) >= kMinWeight ? double(depth_err_[k]) / double(w_[k]) : nan;
    case HeatMapKind::kBlurRisk:
      return double(w_[k]) >= kMinWeight ? std::clamp(double(blur_[k]) / double(w_[k]), 0.0, 1.0)
                                         : nan;
    case HeatMapKind::kDensity:
      return double(density_ratio_[k]);  // NaN outside every density cell
  }
  return nan;
}

std::vector<std::uint8_t> HeatField::rgba(HeatMapKind kind, double opacity) const {
  std::vector<std::uint8_t> out(std::size_t(width_) * height_ * 4, 0);
  if (kind == HeatMapKind::kNone) return out;
  const HeatLegend legend = heat_legend(kind);
  for (int j = 0; j < height_; ++j) {
    for (int i = 0; i < width_; ++i) {
      const double v = value(kind, i, j);
      if (!std::isfinite(v)) continue;
      const std::size_t k = std::size_t(j) * width_ + i;
      const double t = (v - legend.min_value) / (legend.max_value - legend.min_value);
      double a = opacity;
      if (kind != HeatMapKind::kDensity) {
        // Fade in around the dots, and let good areas (low error/risk) show the skin through so
        // the problems stand out; density keeps full opacity because its low end marks holes.
        a *= std::clamp(double(w_[k]) / kFullWeight, 0.0, 1.0) *
             (0.45 + 0.55 * std::clamp(t, 0.0, 1.0));
      }
      const sim::Rgb c = colormap(legend.map, t);
      std::uint8_t* px = &out[k * 4];
      px[0] = std::uint8_t(std::lround(c.r * 255.0));
      px[1] = std::uint8_t(std::lround(c.g * 255.0));
      px[2] = std::uint8_t(std::lround(c.b * 255.0));
      px[3] = std::uint8_t(std::lround(std::clamp(a, 0.0, 1.0) * 255.0));
    }
  }
  return out;
}

}  // namespace smp::render
