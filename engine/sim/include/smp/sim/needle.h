// Needle model: stylus contact + needle + machine + skin -> one deposit (docs/models.md).
#pragma once
#include <string>

#include "smp/sim/geometry.h"
#include "smp/sim/result.h"
#include "smp/sim/skin.h"

namespace smp::sim {

// A needle grouping: "1RL", "3RL", "5RL", "7RL" (round liner) with the single needle's diameter,
// e.g. 0.20 mm (0603) or 0.25 mm (0803).
struct NeedleConfig {
  std::string id = "1RL";
  int needle_count = 1;
  double needle_diameter_mm = 0.20;
  friend bool operator==(const NeedleConfig&, const NeedleConfig&) = default;
};
// Parses "1RL", "3RL", "5RL", "7RL", "9RL" with an optional "@0.25" diameter suffix.
Result<NeedleConfig> parse_needle(const std::string& text);
std::string needle_to_string(const NeedleConfig& n);  // inverse of parse_needle

struct MachineSetting {
  double protrusion_mm = 1.0;  // how far the needle tip leaves the tube at full stroke
  double frequency_hz = 120.0; // strokes per second (100-150 Hz typical)
  friend bool operator==(const MachineSetting&, const MachineSetting&) = default;
};

// One moment of needle contact, already mapped onto the scalp map.
struct StylusContact {
  PointMm pos;
  double pressure = 0.0;      // 0..1 normalised hand pressure
  double tilt_rad = 0.0;      // angle between needle and skin normal, 0 = perpendicular
  double azimuth_rad = 0.0;   // direction of tilt in the scalp map, 0 = +x
  double speed_mm_s = 0.0;    // hand speed along the skin while the needle fires
  double dwell_s = 0.0;       // how long the needle has been firing at (about) this spot
  double motion_dir_rad = 0.0;  // direction of hand motion in the scalp map, 0 = +x (speed > 0)
};

// What one impression deposits.
struct NeedleOutcome {
  double depth_mm = 0.0;          // deepest pigment, from the skin surface
  Layer layer = Layer::kEpidermis;
  double dose = 0.0;              // pigment delivered, relative units (1 = one clean 1RL tap)
  double fresh_diameter_mm = 0.0; // minor axis of the fresh dot
  double elongation = 1.0;        // major/minor >= 1 (tilt makes ovals, dragging smears)
  double orientation_rad = 0.0;   // direction of the major axis in the scalp map
};

// Deterministic: same inputs, same outcome. `jitter` in [-1, 1] is the per-puncture variation the
// caller draws from the simulation's seeded RNG (0 = the nominal outcome).
NeedleOutcome compute_impression(const StylusContact& contact, const NeedleConfig& needle,
                                 const MachineSetting& machine, const SkinSample& skin,
                                 double jitter = 0.0);

}  // namespace smp::sim
