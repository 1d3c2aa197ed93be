// Healing and ageing: how a deposit looks at time t (docs/models.md). Pure functions.
#pragma once
#include "smp/sim/color.h"
#include "smp/sim/impression.h"
#include "smp/sim/pigment.h"
#include "smp/sim/skin.h"

namespace smp::sim {

inline constexpr double kSecondsPerDay = 86400.0;
inline constexpr double kDaysPerMonth = 30.4375;

struct Appearance {
  double diameter_mm = 0.0;  // visible dot diameter (minor axis)
  double elongation = 1.0;   // major/minor
  double orientation_rad = 0.0;
  Lab color;                 // what the eye sees at the dot centre (over this skin)
  double opacity = 0.0;      // 0 = invisible (shed, cleared) .. 1 = full
  double blur_mm = 0.0;      // soft edge width (spread, Tyndall halo)
  bool blowout = false;      // pigment in fat: diffuse blotch
};

// Appearance `t_days` after placement (0 = fresh, ~30 = healed, months/years = aged), over skin of
// colour `skin_color`. Same inputs, same output, bit for bit.
Appearance appearance_at(const Impression& imp, const SkinSample& skin, const Pigment& pigment,
                         const Lab& skin_color, double t_days);
// The same, with deposit_color(pigment, healing_dilution(imp), skin_color) computed by the caller
// (the scorer caches it: it is most of the cost and depends on the pigment and dilution only).
Appearance appearance_at(const Impression& imp, const SkinSample& skin, const Pigment& pigment,
                         const Lab& skin_color, double t_days, const Lab& deposit);
// The dilution appearance_at() mixes the deposit colour with: finite, in [0, 1].
double healing_dilution(const Impression& imp);

}  // namespace smp::sim
