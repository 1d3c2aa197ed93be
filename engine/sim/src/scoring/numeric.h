// Fixed-point conversion and the small numeric helpers every part of the scorer uses.
#pragma once
#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>

#include "scoring/constants.h"
#include "smp/sim/geometry.h"

namespace smp::sim::scoring {

// Fixed-point conversion; NaN counts as 0 and magnitudes are capped (every summed quantity is
// bounded far below the cap, so sums of millions of terms cannot overflow int64).
inline std::int64_t to_fixed(double v) {
  if (!(v == v)) return 0;
  // std::llround (half away from zero) without its library call: |x| <= 1e12 < 2^52, so the
  // truncation and the fraction x - i are exact.
  const double x = std::clamp(v, -1e6, 1e6) * kFix;
  const auto i = static_cast<std::int64_t>(x);
  const double f = x - static_cast<double>(i);
  // (without branches: which way a value rounds is as good as random)
  return i + static_cast<std::int64_t>(f >= 0.5) - static_cast<std::int64_t>(f <= -0.5);
}
// floor(v) as a cell index in [0, n - 1], clamped; NaN maps to 0 (never undefined behaviour).
inline int cell_clamp(double v, int n) {
  if (!(v >= 0.0)) return 0;
  if (v >= static_cast<double>(n - 1)) return n - 1;
  return static_cast<int>(v);
}
// floor(v) as a cell index, or -1 when outside [0, n) or not a number.
inline int cell_or_none(double v, int n) {
  if (!(v >= 0.0) || !(v < static_cast<double>(n))) return -1;
  return static_cast<int>(v);
}
// to_fixed() of a figure bounded far inside int32 (|v| <= 1000; the Dot fields that hold these).
inline std::int32_t to_fixed32(double v) {
  const std::int64_t r = to_fixed(v);
  assert(r >= std::numeric_limits<std::int32_t>::min() &&
         r <= std::numeric_limits<std::int32_t>::max());
  return static_cast<std::int32_t>(r);
}
inline double from_fixed(std::int64_t v) {
  return static_cast<double>(v) / kFix;
}
inline double clamp01(double v) {
  return std::clamp(v, 0.0, 1.0);
}
inline double dist2(PointMm a, PointMm b) {
  const double dx = a.x_mm - b.x_mm, dy = a.y_mm - b.y_mm;
  return dx * dx + dy * dy;
}

}  // namespace smp::sim::scoring
