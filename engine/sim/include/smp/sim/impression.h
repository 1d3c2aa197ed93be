// One impression: a pigment deposit placed by the needle. Plain data, stored in sessions.
#pragma once
#include <cstdint>
#include <string>

#include "smp/sim/geometry.h"
#include "smp/sim/skin.h"

namespace smp::sim {

struct Impression {
  std::uint32_t id = 0;      // index in the session, 0-based, in placement order
  PointMm pos;               // scalp map, mm
  double depth_mm = 0.0;
  Layer layer = Layer::kEpidermis;   // derived from depth and the local skin
  double dose = 1.0;
  double fresh_diameter_mm = 0.2;
  double elongation = 1.0;
  double orientation_rad = 0.0;
  std::string needle = "1RL";        // needle_to_string() form
  std::string pigment;               // catalogue id
  double dilution = 0.0;             // 0 = neat .. 1 = water
  double t_s = 0.0;                  // seconds since session start
  bool scar = false;                 // landed in scar tissue
  friend bool operator==(const Impression&, const Impression&) = default;
};

}  // namespace smp::sim
