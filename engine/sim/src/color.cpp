// Colour science: CIEDE2000 (Sharma, Wu & Dalal 2005), sRGB <-> CIELAB (D65), Fitzpatrick skin
// colours (docs/models.md, "Colour").
#include "smp/sim/color.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace smp::sim {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double deg(double rad) {
  return rad * (180.0 / kPi);
}
constexpr double rad(double deg) {
  return deg * (kPi / 180.0);
}

double pow7(double x) {
  const double x2 = x * x;
  return x2 * x2 * x2 * x;
}

// Hue angle in degrees, 0..360; 0 for a neutral colour (Sharma eq. 4).
double hue_deg(double b, double a_prime) {
  if (a_prime == 0.0 && b == 0.0) return 0.0;
  double h = deg(std::atan2(b, a_prime));
  if (h < 0.0) h += 360.0;
  return h;
}

}  // namespace

double ciede2000(const Lab& x, const Lab& y) {
  // Step numbers follow Sharma, Wu & Dalal (2005), equations (1)-(22), kL = kC = kH = 1.
  const double c1 = std::sqrt(x.a * x.a + x.b * x.b);
  const double c2 = std::sqrt(y.a * y.a + y.b * y.b);
  const double c_bar = (c1 + c2) * 0.5;
  const double c_bar7 = pow7(c_bar);
  const double g = 0.5 * (1.0 - std::sqrt(c_bar7 / (c_bar7 + pow7(25.0))));
  const double a1p = (1.0 + g) * x.a;
  const double a2p = (1.0 + g) * y.a;
  const double c1p = std::sqrt(a1p * a1p + x.b * x.b);
  const double c2p = std::sqrt(a2p * a2p + y.b * y.b);
  const double h1p = hue_deg(x.b, a1p);
  const double h2p = hue_deg(y.b, a2p);

  const double dLp = y.L - x.L;
  const double dCp = c2p - c1p;
  double dhp = 0.0;
  const bool neutral = c1p * c2p == 0.0;
  if (!neutral) {
    dhp = h2p - h1p;
    if (dhp > 180.0) {
      dhp -= 360.0;
    } else if (dhp < -180.0) {
      dhp += 360.0;
    }
  }
  const double dHp = 2.0 * std::sqrt(c1p * c2p) * std::sin(rad(dhp) * 0.5);

  const double L_bar = (x.L + y.L) * 0.5;
  const double cp_bar = (c1p + c2p) * 0.5;
  double hp_bar = h1p + h2p;
  if (!neutral) {
    if (std::fabs(h1p - h2p) <= 180.0) {
      hp_bar *= 0.5;
    } else if (hp_bar < 360.0) {
      hp_bar = (hp_bar + 360.0) * 0.5;
    } else {
      hp_bar = (hp_bar - 360.0) * 0.5;
    }
  }
  const double t = 1.0 - 0.17 * std::cos(rad(hp_bar - 30.0)) + 0.24 * std::cos(rad(2.0 * hp_bar)) +
                   0.32 * std::cos(rad(3.0 * hp_bar + 6.0)) -
                   0.20 * std::cos(rad(4.0 * hp_bar - 63.0));
  const double d_theta = 30.0 * std::exp(-((hp_bar - 275.0) / 25.0) * ((hp_bar - 275.0) / 25.0));
  const double cp_bar7 = pow7(cp_bar);
  const double rc = 2.0 * std::sqrt(cp_bar7 / (cp_bar7 + pow7(25.0)));
  const double l50 = (L_bar - 50.0) * (L_bar - 50.0);
  const double sl = 1.0 + 0.015 * l50 / std::sqrt(20.0 + l50);
  const double sc = 1.0 + 0.045 * cp_bar;
  const double sh = 1.0 + 0.015 * cp_bar * t;
  const double rt = -std::sin(rad(2.0 * d_theta)) * rc;

  const double tl = dLp / sl;
  const double tc = dCp / sc;
  const double th = dHp / sh;
  return std::sqrt(tl * tl + tc * tc + th * th + rt * tc * th);
}

Lab mix(const Lab& x, const Lab& y, double t) {
  return Lab{x.L + (y.L - x.L) * t, x.a + (y.a - x.a) * t, x.b + (y.b - x.b) * t};
}

namespace {

// IEC 61966-2-1 sRGB primaries, D65. The white point is the matrix's row sums, so that sRGB white
// maps to a* = b* = 0 exactly instead of drifting by the rounding of a separately quoted white.
constexpr std::array<double, 9> kRgbToXyz = {0.4124564, 0.3575761, 0.1804375,  //
                                             0.2126729, 0.7151522, 0.0721750,  //
                                             0.0193339, 0.1191920, 0.9503041};
constexpr std::array<double, 9> kXyzToRgb = {3.2404542,  -1.5371385, -0.4985314,  //
                                             -0.9692660, 1.8760108,  0.0415560,   //
                                             0.0556434,  -0.2040259, 1.0572252};
constexpr double kWhiteX = 0.4124564 + 0.3575761 + 0.1804375;
constexpr double kWhiteY = 0.2126729 + 0.7151522 + 0.0721750;
constexpr double kWhiteZ = 0.0193339 + 0.1191920 + 0.9503041;
// CIE 15:2004 constants, exact rational forms.
constexpr double kEpsilon = 216.0 / 24389.0;
constexpr double kKappa = 24389.0 / 27.0;

double srgb_to_linear(double c) {
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
double linear_to_srgb(double c) {
  return c <= 0.0031308 ? c * 12.92 : 1.055 * std::pow(c, 1.0 / 2.4) - 0.055;
}
double lab_f(double t) {
  return t > kEpsilon ? std::cbrt(t) : (kKappa * t + 16.0) / 116.0;
}
double lab_f_inv(double f) {
  const double f3 = f * f * f;
  return f3 > kEpsilon ? f3 : (116.0 * f - 16.0) / kKappa;
}

}  // namespace

Lab srgb_to_lab(const Rgb& rgb) {
  const double r = srgb_to_linear(std::clamp(rgb.r, 0.0, 1.0));
  const double g = srgb_to_linear(std::clamp(rgb.g, 0.0, 1.0));
  const double b = srgb_to_linear(std::clamp(rgb.b, 0.0, 1.0));
  const double X = kRgbToXyz[0] * r + kRgbToXyz[1] * g + kRgbToXyz[2] * b;
  const double Y = kRgbToXyz[3] * r + kRgbToXyz[4] * g + kRgbToXyz[5] * b;
  const double Z = kRgbToXyz[6] * r + kRgbToXyz[7] * g + kRgbToXyz[8] * b;
  const double fx = lab_f(X / kWhiteX);
  const double fy = lab_f(Y / kWhiteY);
  const double fz = lab_f(Z / kWhiteZ);
  return Lab{116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)};
}

Rgb lab_to_srgb(const Lab& lab) {
  const double fy = (lab.L + 16.0) / 116.0;
  const double fx = fy + lab.a / 500.0;
  const double fz = fy - lab.b / 200.0;
  // L* itself decides Y's branch (CIE 15): avoids the cube of a rounded fy straddling epsilon.
  const double Y = kWhiteY * (lab.L > kKappa * kEpsilon ? fy * fy * fy : lab.L / kKappa);
  const double X = kWhiteX * lab_f_inv(fx);
  const double Z = kWhiteZ * lab_f_inv(fz);
  const double r = kXyzToRgb[0] * X + kXyzToRgb[1] * Y + kXyzToRgb[2] * Z;
  const double g = kXyzToRgb[3] * X + kXyzToRgb[4] * Y + kXyzToRgb[5] * Z;
  const double b = kXyzToRgb[6] * X + kXyzToRgb[7] * Y + kXyzToRgb[8] * Z;
  return Rgb{std::clamp(linear_to_srgb(std::clamp(r, 0.0, 1.0)), 0.0, 1.0),
             std::clamp(linear_to_srgb(std::clamp(g, 0.0, 1.0)), 0.0, 1.0),
             std::clamp(linear_to_srgb(std::clamp(b, 0.0, 1.0)), 0.0, 1.0)};
}

Lab skin_lab_for_fitzpatrick(int fitzpatrick_type) {
  // One representative colour per type, chosen so its individual typology angle
  // ITA = atan((L* - 50) / b*) falls inside the ITA class conventionally paired with the type
  // (very light > 55, light 41-55, intermediate 28-41, tan 10-28, brown -30..10, dark < -30).
  // A model choice (soft), not a measurement of scalp skin: docs/models.md, "Skin colour".
  static constexpr std::array<Lab, 6> kTable = {{
      {70.0, 9.0, 13.0},   // I    ITA ~ 57
      {65.0, 10.0, 15.0},  // II   ITA ~ 45
      {60.0, 11.0, 17.0},  // III  ITA ~ 30
      {55.0, 11.0, 19.0},  // IV   ITA ~ 15
      {43.0, 11.0, 18.0},  // V    ITA ~ -21
      {32.0, 9.0, 12.0},   // VI   ITA ~ -56
  }};
  const int type = std::clamp(fitzpatrick_type, 1, 6);
  return kTable[static_cast<std::size_t>(type - 1)];
}

}  // namespace smp::sim
