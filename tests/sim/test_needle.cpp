#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "smp/sim/needle.h"

namespace smp::sim {
namespace {

NeedleOutcome tap(double pressure, const NeedleConfig& n = {}, const MachineSetting& m = {},
                  const SkinSample& skin = {}, double jitter = 0.0) {
  StylusContact c;
  c.pressure = pressure;
  return compute_impression(c, n, m, skin, jitter);
}

NeedleConfig needle(const char* text) {
  return parse_needle(text).value();
}

// Pressure giving `depth_mm` by bisection (depth is monotonic in pressure).
double pressure_for_depth(double depth_mm, const SkinSample& skin, const MachineSetting& m = {}) {
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (tap(mid, {}, m, skin).depth_mm < depth_mm ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

TEST(Needle, ParsesGroupingsAndDiameters) {
  for (int count : {1, 3, 5, 7, 9}) {
    const std::string id = std::to_string(count) + "RL";
    const auto r = parse_needle(id);
    ASSERT_TRUE(r.ok()) << id;
    EXPECT_EQ(r.value().id, id);
    EXPECT_EQ(r.value().needle_count, count);
    EXPECT_DOUBLE_EQ(r.value().needle_diameter_mm, 0.20);
  }
  const NeedleConfig n = needle("1RL@0.25");
  EXPECT_EQ(n.id, "1RL");
  EXPECT_EQ(n.needle_count, 1);
  EXPECT_DOUBLE_EQ(n.needle_diameter_mm, 0.25);
  EXPECT_DOUBLE_EQ(needle("3RL@0.18").needle_diameter_mm, 0.18);
  EXPECT_EQ(parse_needle("1RL").value(), NeedleConfig{});  // the default needle
}

TEST(Needle, RejectsMalformedText) {
  for (const char* bad :
       {"", "RL", "1", "2RL", "4RL", "11RL", "03RL", "3rl", "3RS", "3RL@", "3RL@abc", "3RL@0.25mm",
        "3RL@0.05", "3RL@0.5", "3RL@-0.2", "3RL@1e-1", "-1RL", " 3RL", "3RL@0.2@0.3"}) {
    const auto r = parse_needle(bad);
    EXPECT_FALSE(r.ok()) << '"' << bad << '"';
    if (!r.ok()) {
      ASSERT_EQ(r.errors().size(), 1u);
      EXPECT_NE(r.errors()[0].message.find(std::string("\"") + bad + "\""), std::string::npos)
          << r.errors()[0].message;
    }
  }
}

TEST(Needle, ToStringIsTheInverse) {
  EXPECT_EQ(needle_to_string(needle("1RL")), "1RL");
  EXPECT_EQ(needle_to_string(needle("1RL@0.20")), "1RL");  // the default diameter is implied
  EXPECT_EQ(needle_to_string(needle("3RL@0.25")), "3RL@0.25");
  for (double d : {0.18, 0.2, 0.25, 0.3, 0.35, 0.123456789}) {
    for (int count : {1, 3, 5, 7, 9}) {
      NeedleConfig n;
      n.id = std::to_string(count) + "RL";
      n.needle_count = count;
      n.needle_diameter_mm = d;
      const auto back = parse_needle(needle_to_string(n));
      ASSERT_TRUE(back.ok()) << needle_to_string(n);
      EXPECT_EQ(back.value(), n) << needle_to_string(n);
    }
  }
}

TEST(Needle, MidPressureDefaultsLandInPapillaryTarget) {
  // domain.md: SMP target is the upper/mid papillary dermis (0.08-0.40 mm on default skin).
  const NeedleOutcome o = tap(0.5);
  EXPECT_EQ(o.layer, Layer::kPapillaryDermis);
  EXPECT_GT(o.depth_mm, 0.15);
  EXPECT_LT(o.depth_mm, 0.35);
  // domain.md: fresh dots up to ~250 um; a 1RL tap is one clean tap of dose 1.
  EXPECT_GE(o.fresh_diameter_mm, 0.15);
  EXPECT_LE(o.fresh_diameter_mm, 0.25);
  EXPECT_NEAR(o.dose, 1.0, 0.02);
  EXPECT_DOUBLE_EQ(o.elongation, 1.0);
}

TEST(Needle, DepthRisesMonotonicallyWithPressureAndIsCappedByProtrusion) {
  for (double protrusion : {0.5, 1.0, 2.0, 3.0}) {
    MachineSetting m;
    m.protrusion_mm = protrusion;
    double last = -1.0;
    for (int i = 0; i <= 20; ++i) {
      const double p = i / 20.0;
      const double depth = tap(p, {}, m).depth_mm;
      if (i == 0) {
        EXPECT_EQ(depth, 0.0);
      } else {
        EXPECT_GT(depth, last) << "p=" << p;
      }
      EXPECT_LE(depth, protrusion);
      EXPECT_LE(tap(p, {}, m, {}, 1.0).depth_mm, protrusion);  // even with maximum jitter
      last = depth;
    }
  }
}

TEST(Needle, HardPressureWithLongProtrusionReachesFat) {
  MachineSetting m;
  m.protrusion_mm = 3.0;
  EXPECT_EQ(tap(1.0, {}, m).layer, Layer::kSubcutis);
  m.protrusion_mm = 1.0;  // 1 mm of needle cannot reach fat under 1.8 mm of skin
  EXPECT_EQ(tap(1.0, {}, m, {}, 1.0).layer, Layer::kReticularDermis);
  // Pressing harder goes too deep (reticular) even with the default protrusion.
  EXPECT_EQ(tap(0.85).layer, Layer::kReticularDermis);
  EXPECT_EQ(tap(0.15).layer, Layer::kEpidermis);
}

TEST(Needle, MoreNeedlesSpreadTheForce) {
  double last_depth = 1e9, last_diam = 0.0, last_dose = 0.0;
  for (const char* id : {"1RL", "3RL", "5RL", "7RL", "9RL"}) {
    const NeedleOutcome o = tap(0.5, needle(id));
    EXPECT_LT(o.depth_mm, last_depth) << id;
    EXPECT_GT(o.fresh_diameter_mm, last_diam) << id;
    EXPECT_GT(o.dose, last_dose) << id;
    last_depth = o.depth_mm;
    last_diam = o.fresh_diameter_mm;
    last_dose = o.dose;
  }
  // A thicker needle needs a little more force, and makes a slightly larger dot.
  EXPECT_LT(tap(0.5, needle("1RL@0.25")).depth_mm, tap(0.5).depth_mm);
  EXPECT_GT(tap(0.5, needle("1RL@0.25")).fresh_diameter_mm, tap(0.5).fresh_diameter_mm);
}

TEST(Needle, PressureChangesDotSizeMoreThanGauge) {
  // domain.md: hand pressure (depth) changes dot size more than needle gauge.
  const double by_pressure = tap(0.7).fresh_diameter_mm / tap(0.3).fresh_diameter_mm;
  const double by_gauge =
      tap(0.5, needle("1RL@0.25")).fresh_diameter_mm / tap(0.5).fresh_diameter_mm;
  EXPECT_GT(by_pressure, by_gauge);
}

TEST(Needle, ScarNeedsMorePressureForTheSameDepth) {
  SkinSample normal, scar;
  scar.scar = true;
  EXPECT_LT(tap(0.5, {}, {}, scar).depth_mm, tap(0.5, {}, {}, normal).depth_mm);
  const double p_normal = pressure_for_depth(0.25, normal);
  const double p_scar = pressure_for_depth(0.25, scar);
  // Force scales with stiffness (1.6 by default): the same depth needs 1.6x the pressure.
  EXPECT_NEAR(p_scar / p_normal, scar.scar_tissue.stiffness, 1e-6);
}

TEST(Needle, TiltProjectsDepthAndMakesOvals) {
  const NeedleOutcome straight = tap(0.5);
  for (double deg : {15.0, 30.0, 45.0, 60.0}) {
    StylusContact c;
    c.pressure = 0.5;
    c.tilt_rad = deg * M_PI / 180.0;
    c.azimuth_rad = 2.0;
    const NeedleOutcome o = compute_impression(c, {}, {}, {});
    // Depth along the skin normal = stroke * cos(tilt).
    EXPECT_NEAR(o.depth_mm, straight.depth_mm * std::cos(c.tilt_rad), 1e-12) << deg;
    // The footprint is the cut of a cylinder: elongation 1/cos(tilt) along the azimuth.
    EXPECT_NEAR(o.elongation, 1.0 / std::cos(c.tilt_rad), 1e-9) << deg;
    EXPECT_NEAR(o.orientation_rad, 2.0, 1e-9) << deg;
  }
  // Tilt beyond 70 degrees is clamped: no infinite ovals.
  StylusContact flat;
  flat.pressure = 0.5;
  flat.tilt_rad = 1.55;
  EXPECT_NEAR(compute_impression(flat, {}, {}, {}).elongation, 1.0 / std::cos(70 * M_PI / 180),
              1e-9);
}

TEST(Needle, DraggingSmearsAlongTheMotion) {
  double last = 1.0;
  for (double speed : {2.0, 10.0, 30.0, 60.0}) {
    StylusContact c;
    c.pressure = 0.5;
    c.speed_mm_s = speed;
    c.motion_dir_rad = 0.5;
    const NeedleOutcome o = compute_impression(c, {}, {}, {});
    EXPECT_GT(o.elongation, last) << speed;
    EXPECT_NEAR(o.orientation_rad, 0.5, 1e-9);
    last = o.elongation;
  }
  // The needle is dragged for a shorter time per stroke at a higher frequency.
  StylusContact c;
  c.pressure = 0.5;
  c.speed_mm_s = 30.0;
  MachineSetting slow, fast;
  slow.frequency_hz = 100.0;
  fast.frequency_hz = 150.0;
  EXPECT_GT(compute_impression(c, {}, slow, {}).elongation,
            compute_impression(c, {}, fast, {}).elongation);
  // A direction opposite to the motion is the same axis.
  c.motion_dir_rad = 0.5 + M_PI;
  EXPECT_NEAR(compute_impression(c, {}, {}, {}).orientation_rad, 0.5, 1e-9);
}

TEST(Needle, DwellRaisesDoseWithSaturation) {
  auto dwell = [](double s) {
    StylusContact c;
    c.pressure = 0.5;
    c.dwell_s = s;
    return compute_impression(c, {}, {}, {});
  };
  EXPECT_EQ(dwell(0.0).dose, dwell(0.05).dose);  // shorter than a tap still fires a tap
  EXPECT_GT(dwell(0.3).dose, dwell(0.1).dose);
  EXPECT_GT(dwell(0.3).fresh_diameter_mm, dwell(0.1).fresh_diameter_mm);
  EXPECT_GT(dwell(1.0).dose, dwell(0.3).dose);
  // Saturation: the needle's pigment load runs out; dwelling 5 s adds < 0.1 % over 1 s.
  EXPECT_LT(dwell(5.0).dose - dwell(1.0).dose, 1e-3 * dwell(1.0).dose);
  EXPECT_LT(dwell(5.0).dose, 1.7);
}

TEST(Needle, JitterVariesDepthByFivePercent) {
  const double nominal = tap(0.5).depth_mm;
  EXPECT_NEAR(tap(0.5, {}, {}, {}, 1.0).depth_mm / nominal, 1.05, 1e-12);
  EXPECT_NEAR(tap(0.5, {}, {}, {}, -1.0).depth_mm / nominal, 0.95, 1e-12);
  EXPECT_EQ(tap(0.5, {}, {}, {}, 7.0).depth_mm, tap(0.5, {}, {}, {}, 1.0).depth_mm);
}

TEST(Needle, DeterministicAndNeverNaN) {
  StylusContact c;
  c.pos = {12.5, -3.25};
  c.pressure = 0.6180339;
  c.tilt_rad = 0.3;
  c.azimuth_rad = 1.1;
  c.speed_mm_s = 7.7;
  c.motion_dir_rad = -0.4;
  c.dwell_s = 0.23;
  SkinSample scar;
  scar.scar = true;
  const NeedleOutcome a = compute_impression(c, needle("3RL@0.25"), {}, scar, 0.37);
  for (int i = 0; i < 100; ++i) {
    const NeedleOutcome b = compute_impression(c, needle("3RL@0.25"), {}, scar, 0.37);
    EXPECT_EQ(std::memcmp(&a.depth_mm, &b.depth_mm, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&a.fresh_diameter_mm, &b.fresh_diameter_mm, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&a.elongation, &b.elongation, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&a.orientation_rad, &b.orientation_rad, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&a.dose, &b.dose, sizeof(double)), 0);
    EXPECT_EQ(a.layer, b.layer);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  StylusContact bad;
  bad.pressure = nan;
  bad.tilt_rad = nan;
  bad.speed_mm_s = std::numeric_limits<double>::infinity();
  bad.dwell_s = nan;
  MachineSetting m;
  m.frequency_hz = 0.0;
  m.protrusion_mm = nan;
  NeedleConfig n;
  n.needle_count = 4;
  n.needle_diameter_mm = -1.0;
  const NeedleOutcome o = compute_impression(bad, n, m, {}, nan);
  for (double v : {o.depth_mm, o.dose, o.fresh_diameter_mm, o.elongation, o.orientation_rad}) {
    EXPECT_TRUE(std::isfinite(v));
  }
  StylusContact huge;
  huge.pressure = 1.0;
  huge.speed_mm_s = 1e300;
  huge.dwell_s = 1e300;
  m.protrusion_mm = 1e300;
  const NeedleOutcome h = compute_impression(huge, {}, m, {});
  for (double v : {h.depth_mm, h.dose, h.fresh_diameter_mm, h.elongation, h.orientation_rad}) {
    EXPECT_TRUE(std::isfinite(v));
  }
}

}  // namespace
}  // namespace smp::sim
