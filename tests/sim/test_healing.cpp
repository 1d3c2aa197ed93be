#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "smp/sim/healing.h"
#include "smp/sim/needle.h"

namespace smp::sim {
namespace {

constexpr double kMonth = kDaysPerMonth;
// docs/models.md "Healing colour": one shade of the SMP grey scale is 7 L* (the spacing of
// assets/pigments.json's pre-diluted greys).
constexpr double kShadeL = 7.0;

Pigment carbon_black() {
  Pigment p;
  p.id = "carbon-black-neat";
  p.color = {17.5, 0.4, -0.8};
  p.carbon_black_fraction = 1.0;
  p.particle = ParticleClass::kPermanent;
  p.particle_size_um = 20.0;
  return p;
}
Pigment temporary_black() {
  Pigment p = carbon_black();
  p.id = "temp-soft-black";
  p.carbon_black_fraction = 0.0;
  p.particle = ParticleClass::kTemporary;
  p.particle_size_um = 6.0;
  return p;
}

const Lab kSkin = skin_lab_for_fitzpatrick(3);

// An impression placed by the needle model with the default 1RL and machine.
Impression placed(double pressure, double protrusion_mm = 1.0, const SkinSample& skin = {},
                  const char* needle = "1RL") {
  StylusContact c;
  c.pressure = pressure;
  MachineSetting m;
  m.protrusion_mm = protrusion_mm;
  const NeedleConfig n = parse_needle(needle).value();
  const NeedleOutcome o = compute_impression(c, n, m, skin);
  Impression imp;
  imp.depth_mm = o.depth_mm;
  imp.layer = o.layer;
  imp.dose = o.dose;
  imp.fresh_diameter_mm = o.fresh_diameter_mm;
  imp.elongation = o.elongation;
  imp.orientation_rad = o.orientation_rad;
  imp.needle = needle_to_string(n);
  imp.pigment = "carbon-black-neat";
  imp.scar = skin.scar;
  return imp;
}

Impression at_depth(double depth_mm) {
  Impression imp;
  imp.depth_mm = depth_mm;
  imp.fresh_diameter_mm = 0.16;
  imp.dose = 1.0;
  return imp;
}

Appearance look(const Impression& imp, double t_days, const Pigment& p = carbon_black(),
                const SkinSample& skin = {}) {
  return appearance_at(imp, skin, p, kSkin, t_days);
}

TEST(Healing, TargetDepthHealsNearFootprintSize) {
  const Impression imp = placed(0.5);
  ASSERT_EQ(imp.layer, Layer::kPapillaryDermis);
  for (double t : {30.0, 60.0, 90.0}) {
    const Appearance a = look(imp, t);
    EXPECT_GE(a.diameter_mm / imp.fresh_diameter_mm, 1.0) << t;
    EXPECT_LE(a.diameter_mm / imp.fresh_diameter_mm, 1.3) << t;
    EXPECT_FALSE(a.blowout);
    EXPECT_GT(a.opacity, 0.8);
    EXPECT_LT(a.diameter_mm, 1.0);  // domain.md: always < 1 mm healed
  }
}

TEST(Healing, FreshDotIsLargerAndDarkerThanHealed) {
  const Impression imp = placed(0.5);
  const Appearance fresh = look(imp, 0.0);
  const Appearance healed = look(imp, 30.0);
  EXPECT_GT(fresh.diameter_mm, healed.diameter_mm);  // the scab
  EXPECT_LT(fresh.color.L, healed.color.L);
  // Healed 0-3 shades lighter than fresh (domain.md "Colour").
  const double shades = (healed.color.L - fresh.color.L) / kShadeL;
  EXPECT_GT(shades, 0.0);
  EXPECT_LE(shades, 3.0);
}

TEST(Healing, TooDeepSpreadsIntoLargerBluerBlurrierDots) {
  const Impression target = placed(0.5);
  const Impression reticular = placed(0.6, 2.0);
  ASSERT_EQ(reticular.layer, Layer::kReticularDermis);
  const Appearance a = look(reticular, 30.0);
  EXPECT_GE(a.diameter_mm / reticular.fresh_diameter_mm, 2.0);
  EXPECT_FALSE(a.blowout);
  EXPECT_GT(a.blur_mm, look(target, 30.0).blur_mm);
  // Near the bottom of the reticular dermis the dot looks more than 3x its size (domain.md).
  const Appearance deep = look(at_depth(1.75), 30.0);
  EXPECT_GT(deep.diameter_mm / 0.16, 3.0);
  EXPECT_FALSE(deep.blowout);
  // Healed size grows steadily with depth.
  double last = 0.0;
  for (double d = 0.1; d < 1.8; d += 0.1) {
    const double diam = look(at_depth(d), 60.0).diameter_mm;
    EXPECT_GE(diam, last) << d;
    last = diam;
  }
}

TEST(Healing, FatMeansBlowout) {
  const Impression fat = placed(1.0, 3.0);
  ASSERT_EQ(fat.layer, Layer::kSubcutis);
  const Appearance fresh = look(fat, 0.0);
  EXPECT_TRUE(fresh.blowout);
  const Appearance a = look(fat, 30.0);
  EXPECT_TRUE(a.blowout);
  EXPECT_GE(a.diameter_mm / fat.fresh_diameter_mm, 4.0);  // a large blotch
  EXPECT_GE(a.blur_mm, 0.4 * a.diameter_mm);              // diffuse
  EXPECT_LT(a.opacity, look(placed(0.5), 30.0).opacity);
}

TEST(Healing, EpidermalDepositsAreShedWithinWeeks) {
  const Impression shallow = placed(0.15);
  ASSERT_EQ(shallow.layer, Layer::kEpidermis);
  // Looks as it did the first week (a barely-entering tap carries less pigment to begin with).
  EXPECT_GT(look(shallow, 7.0).opacity, 0.9 * look(shallow, 0.0).opacity);
  EXPECT_LT(look(shallow, 45.0).opacity, 0.1);
  EXPECT_LT(look(shallow, 60.0).opacity, 0.01);
  EXPECT_LT(ciede2000(look(shallow, 60.0).color, kSkin), 0.5);  // nothing left to see
  // The same pigment one layer down survives.
  EXPECT_GT(look(placed(0.5), 60.0).opacity, 0.8);
}

TEST(Healing, TemporaryPigmentClearsPermanentLasts) {
  const Impression imp = placed(0.5);
  const double temp_6 = look(imp, 6 * kMonth, temporary_black()).opacity;
  const double temp_36 = look(imp, 36 * kMonth, temporary_black()).opacity;
  EXPECT_GT(temp_6, 0.3);   // still there at a 6-month touch-up
  EXPECT_LT(temp_6, 0.8);   // but visibly faded
  EXPECT_LT(temp_36, 0.1);  // gone after ~3 years
  const double perm_1 = look(imp, 1 * kMonth).opacity;
  const double perm_60 = look(imp, 60 * kMonth).opacity;
  EXPECT_GT(perm_60, 0.6);
  // Touch-ups every 3-8 years: a noticeable but partial loss over 5 years after healing.
  EXPECT_GT(1.0 - perm_60 / perm_1, 0.10);
  EXPECT_LT(1.0 - perm_60 / perm_1, 0.35);
}

TEST(Healing, FastEarlyLossThenPlateau) {
  const Impression imp = placed(0.5);
  const double o0 = look(imp, 0.0).opacity;
  const double o30 = look(imp, 30.0).opacity;
  const double o210 = look(imp, 210.0).opacity;
  const double early_rate = (o0 - o30) / 30.0;
  const double later_rate = (o30 - o210) / 180.0;
  EXPECT_GT(early_rate, 10.0 * later_rate);
  // domain.md: visual density 8.7 -> 7.7 at 6 months (-11 %); the model within a few points.
  EXPECT_NEAR(look(imp, 6 * kMonth).opacity / o0, 7.7 / 8.7, 0.04);
}

TEST(Healing, CarbonBlackTurnsBluerWithDepth) {
  // Compare against the same pigment without carbon black: the difference is the Tyndall shift.
  Pigment no_carbon = carbon_black();
  no_carbon.carbon_black_fraction = 0.0;
  double last_shift = 0.0;
  for (double d : {0.1, 0.25, 0.6, 1.2, 1.7}) {
    const double shift =
        look(at_depth(d), 60.0).color.b - look(at_depth(d), 60.0, no_carbon).color.b;
    EXPECT_LT(shift, last_shift) << d;
    last_shift = shift;
  }
  // Seen over neutral skin a deep carbon deposit reads blue (b* < 0) and a touch green (a* < 0).
  const Lab neutral{60, 0, 0};
  const Appearance deep = appearance_at(at_depth(1.2), {}, carbon_black(), neutral, 60.0);
  EXPECT_LT(deep.color.b, -2.0);
  EXPECT_LT(deep.color.a, 0.0);
  // Fresh, before the skin closes over it, there is no shift yet.
  EXPECT_NEAR(look(at_depth(1.2), 0.0).color.b, look(at_depth(1.2), 0.0, no_carbon).color.b, 1e-12);
}

TEST(Healing, ScarTakesLessPigmentAndFadesFaster) {
  SkinSample scar;
  scar.scar = true;
  const Impression normal_imp = placed(0.5);
  const Impression scar_imp = placed(0.8, 1.0, scar);  // more pressure for a similar depth
  ASSERT_EQ(scar_imp.layer, Layer::kPapillaryDermis);
  const double normal_30 = look(normal_imp, 30.0).opacity;
  const double scar_30 = look(scar_imp, 30.0, carbon_black(), scar).opacity;
  EXPECT_LT(scar_30, normal_30 * 0.8);
  // Same impression, scar or not: uptake and faster fading lower opacity at every age.
  for (double t : {0.0, 30.0, 365.0, 1826.0}) {
    EXPECT_LT(look(normal_imp, t, carbon_black(), scar).opacity, look(normal_imp, t).opacity) << t;
  }
  // Knotted scar tissue makes pigment migrate: a larger, blurrier dot.
  SkinSample keloid = scar;
  keloid.scar_tissue.migration = 0.8;
  EXPECT_GT(look(normal_imp, 60.0, carbon_black(), keloid).diameter_mm,
            look(normal_imp, 60.0, carbon_black(), scar).diameter_mm * 1.5);
}

TEST(Healing, SlowSpreadOverYears) {
  const Impression imp = placed(0.5);
  const Appearance healed = look(imp, 60.0);
  const Appearance y1 = look(imp, 365.25);
  const Appearance y10 = look(imp, 3652.5);
  EXPECT_GT(y1.diameter_mm, healed.diameter_mm);
  EXPECT_GT(y10.diameter_mm, y1.diameter_mm);
  EXPECT_GT(y10.blur_mm, y1.blur_mm);
  EXPECT_LT(y10.diameter_mm, 1.5 * healed.diameter_mm);  // slow
}

TEST(Healing, ShapeRoundsOffAsItSpreads) {
  Impression oval = placed(0.5);
  oval.elongation = 2.0;
  oval.orientation_rad = 0.7;
  const Appearance healed = look(oval, 60.0);
  const Appearance aged = look(oval, 10 * 365.25);
  EXPECT_LT(healed.elongation, oval.elongation);
  EXPECT_LT(aged.elongation, healed.elongation);
  EXPECT_GT(aged.elongation, 1.0);
  EXPECT_EQ(healed.orientation_rad, 0.7);
  // A deep oval spreads a lot and ends up much rounder.
  oval.depth_mm = 1.2;
  EXPECT_LT(look(oval, 60.0).elongation, 1.4);
}

TEST(Healing, DilutionAndFadingMoveTowardSkin) {
  Impression imp = placed(0.5);
  double last = 1e9;
  for (double dil : {0.0, 0.3, 0.6, 0.9}) {
    imp.dilution = dil;
    const double de = ciede2000(look(imp, 60.0).color, kSkin);
    EXPECT_LT(de, last) << dil;
    last = de;
  }
  imp.dilution = 0.0;
  EXPECT_LT(ciede2000(look(imp, 20 * 365.25, temporary_black()).color, kSkin), 0.5);
}

TEST(Healing, PureAndDeterministic) {
  const Impression imp = placed(0.63, 1.3);
  SkinSample scar;
  scar.scar = true;
  scar.scar_tissue.migration = 0.3;
  const Appearance a = look(imp, 123.4, carbon_black(), scar);
  for (int i = 0; i < 50; ++i) {
    const Appearance b = look(imp, 123.4, carbon_black(), scar);
    EXPECT_EQ(std::memcmp(&a.diameter_mm, &b.diameter_mm, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&a.opacity, &b.opacity, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&a.blur_mm, &b.blur_mm, sizeof(double)), 0);
    EXPECT_EQ(a.color, b.color);
    EXPECT_EQ(a.elongation, b.elongation);
  }
  Impression bad;
  bad.depth_mm = std::numeric_limits<double>::quiet_NaN();
  bad.fresh_diameter_mm = 1e300;
  bad.dose = -5;
  bad.needle = "not a needle";
  const Appearance z = look(bad, std::numeric_limits<double>::infinity());
  for (double v : {z.diameter_mm, z.opacity, z.blur_mm, z.elongation, z.color.L, z.color.a}) {
    EXPECT_TRUE(std::isfinite(v));
  }
}

}  // namespace
}  // namespace smp::sim
