// Colour science used by pigments, healing and scoring. CIELAB (D65), CIEDE2000 differences.
#pragma once
#include <string_view>

namespace smp::sim {

struct Lab {
  double L = 0.0, a = 0.0, b = 0.0;
  friend bool operator==(const Lab&, const Lab&) = default;
};

// CIEDE2000 (kL = kC = kH = 1), checked against Sharma, Wu & Dalal (2005) to 1e-4.
double ciede2000(const Lab& x, const Lab& y);
// Linear mix in Lab: t = 0 gives x, t = 1 gives y (good enough for the small differences we mix).
Lab mix(const Lab& x, const Lab& y, double t);
// sRGB (0..1, D65) <-> Lab, for rendering and reports.
struct Rgb {
  double r = 0.0, g = 0.0, b = 0.0;
};
Rgb lab_to_srgb(const Lab& lab);  // clamped to 0..1
Lab srgb_to_lab(const Rgb& rgb);

// Typical skin colour for a Fitzpatrick type 1..6 (documented in docs/scoring.md with sources).
Lab skin_lab_for_fitzpatrick(int fitzpatrick_type);

}  // namespace smp::sim
