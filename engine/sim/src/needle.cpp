// Needle model: stylus contact + needle + machine + skin -> one deposit. Every constant is
// explained, with its source tag, in docs/models.md ("Needle model").
#include "smp/sim/needle.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string_view>
#include <system_error>

namespace smp::sim {
namespace needle_model {

// Reference needle: a 1RL of 0.20 mm (0603), the default grouping.
constexpr double kRefDiameterMm = 0.20;
constexpr double kMinDiameterMm = 0.10;
constexpr double kMaxDiameterMm = 0.40;
// Penetration: depth_axis = protrusion * (1 - exp(-(x / kPressureScale)^2)),
// x = pressure / (stiffness * n^kCountExponent * (d / d_ref)^kDiameterExponent).
// kPressureScale puts pressure 0.5 with the reference needle, 1.0 mm protrusion, normal skin at
// 0.25 mm: inside the papillary target band (0.08-0.40 mm).
constexpr double kPressureScale = 0.9321;
constexpr double kCountExponent = 0.25;
constexpr double kDiameterExponent = 0.5;
constexpr double kJitterDepthFraction = 0.05;  // +/-5 % depth per puncture
constexpr double kMaxTiltRad = 70.0 * std::numbers::pi / 180.0;
// Footprint: cluster width * (kSpreadBase + kSpreadPerMm * depth).
constexpr double kSpreadBase = 0.56;
constexpr double kSpreadPerMm = 0.96;
// Dose: strokes fired = frequency * max(dwell, kTapS); saturates with kSaturationStrokes.
constexpr double kTapS = 0.1;
constexpr double kRefFrequencyHz = 120.0;
constexpr double kSaturationStrokes = 12.0;
constexpr double kDoseDepthMm = 0.05;
// Dragging: the needle is in the skin for about half of each stroke cycle.
constexpr double kDutyInSkin = 0.5;
// Input bounds far beyond any hand, so that absurd values cannot overflow the shape maths.
constexpr double kMaxSpeedMmS = 1000.0;
constexpr double kMaxDwellS = 3600.0;
constexpr double kMaxProtrusionMm = 10.0;

}  // namespace needle_model

namespace {

using namespace needle_model;

constexpr std::array<int, 5> kCounts = {1, 3, 5, 7, 9};
// Diameter of the smallest circle enclosing n equal circles of diameter 1 (known optimal packings
// for n = 1, 3, 5, 7; 9 from the best known packing): the width of a round-liner cluster.
constexpr std::array<double, 5> kClusterWidth = {1.0, 2.1547, 2.7013, 3.0, 3.6131};

double finite_or(double x, double fallback) {
  return std::isfinite(x) ? x : fallback;
}

std::size_t count_index(int count) {
  for (std::size_t i = 0; i < kCounts.size(); ++i) {
    if (kCounts[i] == count) return i;
  }
  return kCounts.size();
}

Error needle_error(const std::string& text, std::string why) {
  return Error{"<memory>", "",
               "needle \"" + text + "\": " + std::move(why) +
                   " (expected 1RL, 3RL, 5RL, 7RL or 9RL, optionally with @diameter in mm from 0.1 "
                   "to 0.4, e.g. \"3RL@0.25\")"};
}

// Strokes-to-pigment saturation: the needle's pigment load empties after ~kSaturationStrokes.
double saturation(double strokes) {
  return 1.0 - std::exp(-strokes / kSaturationStrokes);
}

}  // namespace

Result<NeedleConfig> parse_needle(const std::string& text) {
  std::string_view s = text;
  std::string_view group = s;
  std::string_view diameter;
  if (const std::size_t at = s.find('@'); at != std::string_view::npos) {
    group = s.substr(0, at);
    diameter = s.substr(at + 1);
    if (diameter.empty()) return Result<NeedleConfig>::fail(needle_error(text, "missing diameter"));
  }
  if (group.size() < 3 || group.substr(group.size() - 2) != "RL") {
    return Result<NeedleConfig>::fail(needle_error(text, "not a round-liner grouping"));
  }
  const std::string_view digits = group.substr(0, group.size() - 2);
  int count = 0;
  const auto [pc, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc() || pc != digits.data() + digits.size() || digits.front() == '0') {
    return Result<NeedleConfig>::fail(needle_error(text, "bad needle count"));
  }
  if (count_index(count) == kCounts.size()) {
    return Result<NeedleConfig>::fail(needle_error(text, "unsupported needle count"));
  }
  NeedleConfig n;
  n.id = std::string(group);
  n.needle_count = count;
  n.needle_diameter_mm = kRefDiameterMm;
  if (!diameter.empty()) {
    double d = 0.0;
    const auto [pd, ed] = std::from_chars(diameter.data(), diameter.data() + diameter.size(), d,
                                          std::chars_format::fixed);
    if (ed != std::errc() || pd != diameter.data() + diameter.size() || !std::isfinite(d)) {
      return Result<NeedleConfig>::fail(needle_error(text, "bad diameter"));
    }
    if (d < kMinDiameterMm || d > kMaxDiameterMm) {
      return Result<NeedleConfig>::fail(needle_error(text, "diameter out of range"));
    }
    n.needle_diameter_mm = d;
  }
  return n;
}

std::string needle_to_string(const NeedleConfig& n) {
  std::string out = std::to_string(n.needle_count) + "RL";
  if (n.needle_diameter_mm != kRefDiameterMm) {
    // Shortest form that reads back to the same double, so parse_needle(needle_to_string(n)) == n.
    std::array<char, 64> buf{};
    const auto [p, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), n.needle_diameter_mm,
                                       std::chars_format::fixed);
    if (ec == std::errc()) out += "@" + std::string(buf.data(), p);
  }
  return out;
}

NeedleOutcome compute_impression(const StylusContact& contact, const NeedleConfig& needle,
                                 const MachineSetting& machine, const SkinSample& skin,
                                 double jitter) {
  // Sanitise: out-of-range or non-finite inputs are clamped, never propagated as NaN.
  const double pressure = std::clamp(finite_or(contact.pressure, 0.0), 0.0, 1.0);
  const double tilt = std::clamp(std::fabs(finite_or(contact.tilt_rad, 0.0)), 0.0, kMaxTiltRad);
  const double speed = std::clamp(finite_or(contact.speed_mm_s, 0.0), 0.0, kMaxSpeedMmS);
  const double dwell = std::clamp(finite_or(contact.dwell_s, 0.0), 0.0, kMaxDwellS);
  const double j = std::clamp(finite_or(jitter, 0.0), -1.0, 1.0);
  const double protrusion =
      std::clamp(finite_or(machine.protrusion_mm, 0.0), 0.0, kMaxProtrusionMm);
  const double frequency = std::max(1.0, finite_or(machine.frequency_hz, kRefFrequencyHz));
  const double diameter = std::clamp(finite_or(needle.needle_diameter_mm, kRefDiameterMm),
                                     kMinDiameterMm, kMaxDiameterMm);
  std::size_t ci = count_index(needle.needle_count);
  if (ci == kCounts.size()) ci = 0;
  const double count = kCounts[ci];
  const double stiffness = std::max(0.1, finite_or(skin.stiffness(), 1.0));

  NeedleOutcome out;

  // Depth along the needle: skin tents under light pressure (quadratic onset), the tube bottoms
  // out on the skin at high pressure (saturates at the protrusion).
  const double resistance = stiffness * std::pow(count, kCountExponent) *
                            std::pow(diameter / kRefDiameterMm, kDiameterExponent);
  const double x = pressure / resistance / kPressureScale;
  double depth_axis = protrusion * (1.0 - std::exp(-(x * x)));
  depth_axis *= 1.0 + kJitterDepthFraction * j;
  depth_axis = std::min(depth_axis, protrusion);
  const double cos_tilt = std::cos(tilt);
  out.depth_mm = depth_axis * cos_tilt;
  out.layer = layer_at_depth(effective_layers(skin), out.depth_mm);

  // Dose: strokes fired at this spot, saturating as the needle's pigment load empties; scaled by
  // how many needles carry pigment and their cross-section; a barely-entering needle delivers less.
  const double strokes = frequency * std::max(dwell, kTapS);
  const double per_needle = saturation(strokes) / saturation(kRefFrequencyHz * kTapS);
  const double area = (diameter / kRefDiameterMm) * (diameter / kRefDiameterMm);
  out.dose = count * area * per_needle * (1.0 - std::exp(-depth_axis / kDoseDepthMm));

  // Footprint (minor axis, no tilt or drag): cluster width widened with depth (the wound cone and
  // pigment wicking grow deeper), and by the square root of the per-needle pigment volume.
  const double width = kClusterWidth[ci] * diameter * (kSpreadBase + kSpreadPerMm * out.depth_mm) *
                       std::sqrt(per_needle);

  // Shape: the RMS-equivalent ellipse of the tilted footprint (an ellipse elongated 1/cos(tilt)
  // along the azimuth) smeared by a segment along the hand's motion (covariances add).
  const double semi_minor = width * 0.5;
  const double semi_major = semi_minor / cos_tilt;
  const double ca = std::cos(contact.azimuth_rad), sa = std::sin(contact.azimuth_rad);
  const double va = semi_major * semi_major * 0.25, vb = semi_minor * semi_minor * 0.25;
  double sxx = va * ca * ca + vb * sa * sa;
  double syy = va * sa * sa + vb * ca * ca;
  double sxy = (va - vb) * ca * sa;
  const double smear = speed * (kDutyInSkin / frequency + dwell);
  if (smear > 0.0) {
    const double cm = std::cos(contact.motion_dir_rad), sm = std::sin(contact.motion_dir_rad);
    const double vs = smear * smear / 12.0;  // variance of a uniform segment
    sxx += vs * cm * cm;
    syy += vs * sm * sm;
    sxy += vs * cm * sm;
  }
  const double mean = (sxx + syy) * 0.5;
  const double half_diff = (sxx - syy) * 0.5;
  const double root = std::sqrt(half_diff * half_diff + sxy * sxy);
  const double l_major = mean + root;
  const double l_minor = std::max(mean - root, 1e-18);
  out.fresh_diameter_mm = 4.0 * std::sqrt(l_minor);
  out.elongation = std::max(1.0, std::sqrt(l_major / l_minor));
  double orient = 0.5 * std::atan2(2.0 * sxy, sxx - syy);
  if (orient < 0.0) orient += std::numbers::pi;
  out.orientation_rad = out.elongation > 1.0 ? orient : 0.0;
  return out;
}

}  // namespace smp::sim
