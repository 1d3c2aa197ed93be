// Heat-map overlays on the scalp map (docs/rendering.md, "Overlays").
#include "smp/render/overlays.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace smp::render {
namespace {

// Kernel widths: depth error and blur risk are local per-dot properties (narrow kernel so single
// bad dots show); density needs a wider window to average over ~20 dots at working densities.
constexpr double kDotSigmaMm = 1.0;
constexpr double kDensitySigmaMm = 2.5;
constexpr double kMinWeight = 0.02;   // below this a texel has no data
constexpr double kFullWeight = 0.25;  // weight at which the overlay reaches full opacity
constexpr double kDepthErrMaxMm = 0.8;
constexpr double kDensityRatioMax = 2.0;
constexpr double kHashCellMm = 2.0;
constexpr double kCrowdReachFactor = 1.5;  // neighbours within 1.5 x (r_i + r_j) add risk

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

// The target band at p: the last region containing p that has one (file order, like skin_at).
bool band_at(const sim::Scenario& s, sim::PointMm p, double* lo, double* hi) {
  bool found = false;
  for (std::size_t i : sim::regions_at(s, p)) {
    const sim::Region& r = s.regions[i];
    if (r.depth_max_mm > r.depth_min_mm) {
      *lo = r.depth_min_mm;
      *hi = r.depth_max_mm;
      found = true;
    }
  }
  return found;
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

HeatField::HeatField(const sim::Scenario& scenario, sim::BoxMm bounds, double cell_mm)
    : scenario_(&scenario), bounds_(bounds), cell_mm_(cell_mm) {
  width_ = std::max(1, int(std::ceil((bounds.max.x_mm - bounds.min.x_mm) / cell_mm)));
  height_ = std::max(1, int(std::ceil((bounds.max.y_mm - bounds.min.y_mm) / cell_mm)));
  const std::size_t n = std::size_t(width_) * height_;
  target_.assign(n, 0.0f);
  for (int j = 0; j < height_; ++j) {
    for (int i = 0; i < width_; ++i) {
      const sim::PointMm p{bounds.min.x_mm + (i + 0.5) * cell_mm,
                           bounds.min.y_mm + (j + 0.5) * cell_mm};
      float t = 0.0f;
      for (std::size_t r : sim::regions_at(scenario, p)) {
        const sim::Region& reg = scenario.regions[r];
        if (reg.role == sim::RegionRole::kForbidden || reg.role == sim::RegionRole::kAvoid) {
          t = -1.0f;  // should stay empty; wins over any overlapping treat region
          break;
        }
        t = float(reg.density_per_cm2);
      }
      target_[std::size_t(j) * width_ + i] = t;
    }
  }
  hash_w_ = std::max(1, int(std::ceil((bounds.max.x_mm - bounds.min.x_mm) / kHashCellMm)));
  hash_h_ = std::max(1, int(std::ceil((bounds.max.y_mm - bounds.min.y_mm) / kHashCellMm)));
  clear();
}

void HeatField::clear() {
  const std::size_t n = std::size_t(width_) * height_;
  w_.assign(n, 0.0f);
  depth_err_.assign(n, 0.0f);
  blur_.assign(n, 0.0f);
  density_.assign(n, 0.0f);
  dots_.clear();
  buckets_.assign(std::size_t(hash_w_) * hash_h_, {});
  count_ = 0;
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

void HeatField::add(const sim::Impression& imp) {
  ++count_;
  const sim::PointMm p = imp.pos;
  if (!(p.x_mm >= bounds_.min.x_mm && p.x_mm <= bounds_.max.x_mm && p.y_mm >= bounds_.min.y_mm &&
        p.y_mm <= bounds_.max.y_mm)) {
    return;  // off the mapped area: nothing to draw
  }
  // Density: a normalised 2D Gaussian, so the sum is dots per mm^2.
  splat(p, kDensitySigmaMm, density_,
        1.0 / (2.0 * 3.14159265358979 * kDensitySigmaMm * kDensitySigmaMm));

  // Depth error: distance outside the band; blur risk: depth into the reticular dermis or fat,
  // overdose and scar migration (what healing.cpp spreads), plus crowding by neighbours.
  const sim::SkinSample skin = sim::skin_at(*scenario_, p);
  const sim::SkinLayersMm L = sim::effective_layers(skin);
  double lo = 0, hi = 0;
  const bool has_band = band_at(*scenario_, p, &lo, &hi);
  const double d = imp.depth_mm;
  const double err = has_band ? std::max({lo - d, d - hi, 0.0}) : 0.0;
  const double band_bottom = has_band ? hi : L.epidermis_mm + L.papillary_mm;
  double base = 0.0;
  if (d >= L.dermis_bottom_mm()) {
    base = 1.0;
  } else if (d > band_bottom) {
    base = (d - band_bottom) / std::max(1e-6, L.dermis_bottom_mm() - band_bottom);
  }
  base += 0.25 * std::max(0.0, imp.dose - 1.0);
  if (skin.scar) base += 0.5 * std::clamp(skin.scar_tissue.migration, 0.0, 1.0);
  base = std::clamp(base, 0.0, 1.0);

  Dot dot{p, 0.5 * imp.fresh_diameter_mm, base, base};
  const auto id = std::uint32_t(dots_.size());
  // Crowding: neighbours closer than 1.5 x the sum of radii raise both dots' risk.
  const int ci = std::clamp(int((p.x_mm - bounds_.min.x_mm) / kHashCellMm), 0, hash_w_ - 1);
  const int cj = std::clamp(int((p.y_mm - bounds_.min.y_mm) / kHashCellMm), 0, hash_h_ - 1);
  double crowd_new = 0.0;
  for (int j = std::max(0, cj - 1); j <= std::min(hash_h_ - 1, cj + 1); ++j) {
    for (int i = std::max(0, ci - 1); i <= std::min(hash_w_ - 1, ci + 1); ++i) {
      for (std::uint32_t k : buckets_[std::size_t(j) * hash_w_ + i]) {
        Dot& o = dots_[k];
        const double reach = dot.radius_mm + o.radius_mm;
        const double dist = sim::distance_mm(p, o.pos);
        const double crowd = std::clamp(kCrowdReachFactor - dist / std::max(reach, 1e-6), 0.0, 1.0);
        if (crowd <= 0.0) continue;
        crowd_new = std::max(crowd_new, crowd);
        const double risk = std::min(1.0, std::max(o.risk, o.base_risk + crowd));
        if (risk != o.risk) {
          // Replace the neighbour's splatted risk (its weight is unchanged).
          splat(o.pos, kDotSigmaMm, blur_, risk - o.risk);
          o.risk = risk;
        }
      }
    }
  }
  dot.risk = std::min(1.0, base + crowd_new);
  buckets_[cell_of(p)].push_back(id);
  dots_.push_back(dot);
  splat(p, kDotSigmaMm, w_, 1.0);
  splat(p, kDotSigmaMm, depth_err_, err);
  splat(p, kDotSigmaMm, blur_, dot.risk);
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
    case HeatMapKind::kDensity: {
      const double per_cm2 = double(density_[k]) * 100.0;
      if (target_[k] < 0.0f) return per_cm2 > 1.0 ? kDensityRatioMax : nan;  // must stay empty
      if (target_[k] == 0.0f) return nan;
      return per_cm2 / double(target_[k]);
    }
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
