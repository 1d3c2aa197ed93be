// Healing and ageing appearance of one deposit. Every constant is explained, with its source tag,
// in docs/models.md ("Healing and ageing").
#include "smp/sim/healing.h"

#include <algorithm>
#include <cmath>

#include "smp/sim/needle.h"

namespace smp::sim {
namespace healing_model {

constexpr double kHealTauDays = 7.0;  // healing progress u = 1 - exp(-t / tau): ~99 % at 30 d
// Fresh: scab and swelling make the dot larger and darker (slightly red).
constexpr double kScabGrowth = 0.20;
constexpr double kScabDarkenL = 3.0;
constexpr double kScabRedA = 1.5;
constexpr double kFreshBlurFraction = 0.05;
// Healed spread, as a factor on the fresh footprint (minor axis).
constexpr double kSpreadTarget = 1.1;        // epidermis / papillary dermis
constexpr double kSpreadReticularMax = 3.5;  // at the bottom of the reticular dermis
constexpr double kSpreadBlowout = 5.0;       // pigment in fat
constexpr double kOverdoseSpread = 0.25;     // per unit of per-needle dose above one tap
constexpr double kBlurTarget = 0.10;         // healed blur as a fraction of the diameter
constexpr double kBlurReticular = 0.30;      // added at the reticular bottom
constexpr double kBlurBlowout = 0.50;
// Long-term spread: variance grows linearly with time (diffusion-like), mm^2 per year.
constexpr double kSpreadDiffMm2PerYear = 0.002;
constexpr double kBlurDiffMm2PerYear = 0.001;
constexpr double kMigrationDiffGain = 4.0;  // scar migration multiplies diffusion by 1 + 4 m
// Optics of the overlying tissue once the epidermis has regrown.
constexpr double kVeilMax = 0.5;
constexpr double kVeilDepthMm = 0.6;
constexpr double kTyndallB = -6.0;  // b* shift of neat carbon black, deep
constexpr double kTyndallDepthMm = 0.5;
constexpr double kTyndallGreenA = 0.25;  // a* shift per unit b* shift (blue-green)
// Opacity.
constexpr double kDoseOpacity = 2.0;
constexpr double kHealLossPapillary = 0.10;  // pushed out while healing (8.7 -> 7.7 at 6 months)
constexpr double kHealLossReticular = 0.05;
constexpr double kBlowoutOpacity = 0.5;  // diffuse blotch
constexpr double kShedMidDays = 28.0;    // epidermal deposits: logistic loss, 30-45 d turnover
constexpr double kShedWidthDays = 4.0;
constexpr double kScarLossFactor = 1.6 / 0.9;  // scars faded more at 6 months (-1.6 vs -0.9)
constexpr double kPermanentTauMonths = 221.0;  // ~15 % per 3 years after healing
constexpr double kTemporaryTauMonths = 12.0;   // ~5 % left at 36 months
constexpr double kMaxHealLoss = 0.95;
// Input bounds far beyond anything real, so that absurd stored values cannot overflow.
constexpr double kMaxInputMm = 100.0;
constexpr double kMaxElongation = 100.0;
constexpr double kMaxDays = 365.25 * 200.0;
constexpr double kMaxDose = 1000.0;

}  // namespace healing_model

namespace {

using namespace healing_model;

double finite_or(double x, double fallback) {
  return std::isfinite(x) ? x : fallback;
}
double logistic(double x) {
  return 1.0 / (1.0 + std::exp(x));
}

}  // namespace

double healing_dilution(const Impression& imp) {
  return std::clamp(finite_or(imp.dilution, 0.0), 0.0, 1.0);
}

namespace {
// The needle count of a needle text (1 when it does not parse). A session uses one or two
// needles, and parsing the text was a tenth of a scorer add: the last answer is kept per thread.
int needle_count_of(const std::string& needle) {
  thread_local std::string last;
  thread_local int last_count = 0;
  if (last_count == 0 || needle != last) {
    const auto n = parse_needle(needle);
    last_count = n.ok() ? n.value().needle_count : 1;
    last = needle;
  }
  return last_count;
}
}  // namespace

Appearance appearance_at(const Impression& imp, const SkinSample& skin, const Pigment& pigment,
                         const Lab& skin_color, double t_days) {
  return appearance_at(imp, skin, pigment, skin_color, t_days,
                       deposit_color(pigment, healing_dilution(imp), skin_color));
}

Appearance appearance_at(const Impression& imp, const SkinSample& skin, const Pigment& pigment,
                         const Lab& skin_color, double t_days, const Lab& deposit) {
  const double t = std::clamp(finite_or(t_days, 0.0), 0.0, kMaxDays);
  const double u = 1.0 - std::exp(-t / kHealTauDays);  // 0 fresh .. 1 healed
  const double years = t / (kDaysPerMonth * 12.0);
  const double months = t / kDaysPerMonth;

  const SkinLayersMm layers = effective_layers(skin);
  const double depth = std::clamp(finite_or(imp.depth_mm, 0.0), 0.0, kMaxInputMm);
  const Layer layer = layer_at_depth(layers, depth);
  const double papillary_bottom = layers.epidermis_mm + layers.papillary_mm;
  const double f_ret = layers.reticular_mm > 0.0
                           ? std::clamp((depth - papillary_bottom) / layers.reticular_mm, 0.0, 1.0)
                           : 1.0;
  const bool blowout = layer == Layer::kSubcutis;
  const double migration = skin.scar ? std::clamp(skin.scar_tissue.migration, 0.0, 1.0) : 0.0;
  const double scar_loss = skin.scar ? kScarLossFactor : 1.0;

  const int needle_count = needle_count_of(imp.needle);
  const double dose_per_needle = std::clamp(finite_or(imp.dose, 0.0), 0.0, kMaxDose) / needle_count;

  // --- Size and shape ---------------------------------------------------------------------
  const double footprint = std::clamp(finite_or(imp.fresh_diameter_mm, 0.0), 0.0, kMaxInputMm);
  const double elong0 = std::clamp(finite_or(imp.elongation, 1.0), 1.0, kMaxElongation);
  double spread = blowout
                      ? kSpreadBlowout
                      : kSpreadTarget + (kSpreadReticularMax - kSpreadTarget) * std::sqrt(f_ret);
  spread *= 1.0 + kOverdoseSpread * std::max(0.0, dose_per_needle - 1.0);
  spread *= 1.0 + migration;
  // Spread widens both axes by the same amount, so healed ovals get rounder.
  const double fresh_add = footprint * kScabGrowth;
  const double healed_add = footprint * (spread - 1.0);
  const double add = fresh_add + (healed_add - fresh_add) * u;
  const double diffusion = kSpreadDiffMm2PerYear * (1.0 + kMigrationDiffGain * migration) * years;
  const double minor = std::sqrt((footprint + add) * (footprint + add) + diffusion);
  const double major_lin = footprint * elong0 + add;
  const double major = std::sqrt(major_lin * major_lin + diffusion);

  Appearance out;
  out.diameter_mm = minor;
  out.elongation = minor > 0.0 ? std::max(1.0, major / minor) : 1.0;
  out.orientation_rad = imp.orientation_rad;
  out.blowout = blowout;
  const double healed_blur_fraction =
      blowout ? kBlurBlowout : kBlurTarget + kBlurReticular * std::sqrt(f_ret);
  const double blur_fraction = kFreshBlurFraction + (healed_blur_fraction - kFreshBlurFraction) * u;
  const double blur0 = minor * blur_fraction;
  out.blur_mm = std::sqrt(blur0 * blur0 +
                          kBlurDiffMm2PerYear * (1.0 + kMigrationDiffGain * migration) * years);

  // --- Opacity ----------------------------------------------------------------------------
  const double dose_opacity = std::min(
      1.0, (1.0 - std::exp(-kDoseOpacity * dose_per_needle)) / (1.0 - std::exp(-kDoseOpacity)));
  double heal_loss = 0.0;
  if (layer == Layer::kPapillaryDermis) heal_loss = kHealLossPapillary;
  if (layer == Layer::kReticularDermis) heal_loss = kHealLossReticular;
  heal_loss = std::min(kMaxHealLoss, heal_loss * scar_loss);
  const double tau_months =
      pigment.particle == ParticleClass::kTemporary ? kTemporaryTauMonths : kPermanentTauMonths;
  double opacity = dose_opacity * std::clamp(skin.uptake(), 0.0, 1.0) * (1.0 - heal_loss * u) *
                   std::exp(-months * scar_loss / tau_months);
  if (layer == Layer::kEpidermis) {
    opacity *=
        logistic((t - kShedMidDays) / kShedWidthDays) / logistic(-kShedMidDays / kShedWidthDays);
  }
  if (blowout) opacity *= 1.0 - (1.0 - kBlowoutOpacity) * u;
  out.opacity = std::clamp(opacity, 0.0, 1.0);

  // --- Colour -----------------------------------------------------------------------------
  const double dilution = healing_dilution(imp);
  // Once new epidermis and dermis close over the deposit, tissue veils it (lighter) and, over
  // carbon black, back-scatters blue light (Tyndall effect): both grow with depth.
  const double veil = u * kVeilMax * (1.0 - std::exp(-depth / kVeilDepthMm));
  Lab seen = mix(deposit, skin_color, veil);
  const double carbon = std::clamp(pigment.carbon_black_fraction, 0.0, 1.0) * (1.0 - dilution);
  const double db = u * kTyndallB * carbon * (1.0 - std::exp(-depth / kTyndallDepthMm));
  seen.b += db;
  seen.a += kTyndallGreenA * db;
  // The scab over a fresh dot is darker and a little red; it is gone as healing completes.
  seen.L -= (1.0 - u) * kScabDarkenL;
  seen.a += (1.0 - u) * kScabRedA;
  seen.L = std::clamp(seen.L, 0.0, 100.0);
  out.color = mix(skin_color, seen, out.opacity);
  return out;
}

}  // namespace smp::sim
