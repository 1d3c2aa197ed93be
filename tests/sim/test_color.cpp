#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "smp/sim/color.h"

namespace smp::sim {
namespace {

struct Pair {
  Lab x, y;
  double de00;
};

std::vector<Pair> load_sharma() {
  const std::string path = std::string(SMP_REFERENCE_DIR) + "/ciede2000-sharma2005.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<Pair> pairs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == 'L') continue;  // comments, header
    std::istringstream row(line);
    Pair p;
    row >> p.x.L >> p.x.a >> p.x.b >> p.y.L >> p.y.a >> p.y.b >> p.de00;
    EXPECT_FALSE(row.fail()) << "bad row: " << line;
    pairs.push_back(p);
  }
  return pairs;
}

TEST(Color, Ciede2000MatchesAllSharmaPairsBothWays) {
  const std::vector<Pair> pairs = load_sharma();
  ASSERT_EQ(pairs.size(), 34u);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const Pair& p = pairs[i];
    EXPECT_NEAR(ciede2000(p.x, p.y), p.de00, 1e-4) << "pair " << i + 1;
    EXPECT_NEAR(ciede2000(p.y, p.x), p.de00, 1e-4) << "pair " << i + 1 << " swapped";
  }
}

TEST(Color, Ciede2000IdentityAndNeutrals) {
  EXPECT_EQ(ciede2000({50, 10, -10}, {50, 10, -10}), 0.0);
  // Neutral pairs: only the lightness term remains, with SL at L-bar = 50 equal to 1.
  EXPECT_NEAR(ciede2000({45, 0, 0}, {55, 0, 0}), 10.0, 1e-12);
}

TEST(Color, MixIsLinear) {
  const Lab a{20, -4, 8}, b{60, 6, -2};
  EXPECT_EQ(mix(a, b, 0.0), a);
  EXPECT_EQ(mix(a, b, 1.0), b);
  const Lab m = mix(a, b, 0.25);
  EXPECT_DOUBLE_EQ(m.L, 30.0);
  EXPECT_DOUBLE_EQ(m.a, -1.5);
  EXPECT_DOUBLE_EQ(m.b, 5.5);
}

TEST(Color, SrgbKnownValues) {
  // White and black points, and sRGB primaries as published for D65 (e.g. Lindbloom's tables):
  // red (53.24, 80.09, 67.20), green (87.73, -86.18, 83.18), blue (32.30, 79.19, -107.86).
  const Lab white = srgb_to_lab({1, 1, 1});
  EXPECT_NEAR(white.L, 100.0, 1e-6);
  EXPECT_NEAR(white.a, 0.0, 1e-9);
  EXPECT_NEAR(white.b, 0.0, 1e-9);
  const Lab black = srgb_to_lab({0, 0, 0});
  EXPECT_NEAR(black.L, 0.0, 1e-9);
  const Lab red = srgb_to_lab({1, 0, 0});
  EXPECT_NEAR(red.L, 53.24, 0.02);
  EXPECT_NEAR(red.a, 80.09, 0.05);
  EXPECT_NEAR(red.b, 67.20, 0.05);
  const Lab green = srgb_to_lab({0, 1, 0});
  EXPECT_NEAR(green.L, 87.73, 0.02);
  EXPECT_NEAR(green.a, -86.18, 0.05);
  EXPECT_NEAR(green.b, 83.18, 0.05);
  const Lab blue = srgb_to_lab({0, 0, 1});
  EXPECT_NEAR(blue.L, 32.30, 0.02);
  EXPECT_NEAR(blue.a, 79.19, 0.05);
  EXPECT_NEAR(blue.b, -107.86, 0.05);
  // Mid grey sRGB 0.5 has L* ~ 53.39.
  EXPECT_NEAR(srgb_to_lab({0.5, 0.5, 0.5}).L, 53.39, 0.02);
}

TEST(Color, SrgbRoundTrip) {
  for (double r = 0.0; r <= 1.0; r += 0.125) {
    for (double g = 0.0; g <= 1.0; g += 0.125) {
      for (double b = 0.0; b <= 1.0; b += 0.125) {
        const Rgb back = lab_to_srgb(srgb_to_lab({r, g, b}));
        EXPECT_NEAR(back.r, r, 1e-5);
        EXPECT_NEAR(back.g, g, 1e-5);
        EXPECT_NEAR(back.b, b, 1e-5);
      }
    }
  }
}

TEST(Color, LabToSrgbClampsOutOfGamut) {
  const Rgb c = lab_to_srgb({50, 120, -120});
  for (double v : {c.r, c.g, c.b}) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
  const Rgb w = lab_to_srgb({120, 0, 0});
  EXPECT_DOUBLE_EQ(w.r, 1.0);
}

double ita_deg(const Lab& c) {
  return std::atan2(c.L - 50.0, c.b) * 180.0 / M_PI;
}

TEST(Color, FitzpatrickTableMatchesItaClasses) {
  // docs/models.md "Skin colour": each type sits in the ITA class paired with it.
  const double lo[6] = {55, 41, 28, 10, -30, -90};
  const double hi[6] = {90, 55, 41, 28, 10, -30};
  for (int t = 1; t <= 6; ++t) {
    const Lab c = skin_lab_for_fitzpatrick(t);
    EXPECT_GT(ita_deg(c), lo[t - 1]) << "type " << t;
    EXPECT_LT(ita_deg(c), hi[t - 1]) << "type " << t;
    if (t > 1) {
      EXPECT_LT(c.L, skin_lab_for_fitzpatrick(t - 1).L);  // darker with each type
    }
    // Skin is reddish-yellow: in gamut and positive a*, b*.
    EXPECT_GT(c.a, 0.0);
    EXPECT_GT(c.b, 0.0);
    EXPECT_LT(ciede2000(c, srgb_to_lab(lab_to_srgb(c))), 0.1);
  }
  // Out-of-range types clamp rather than read past the table.
  EXPECT_EQ(skin_lab_for_fitzpatrick(0), skin_lab_for_fitzpatrick(1));
  EXPECT_EQ(skin_lab_for_fitzpatrick(9), skin_lab_for_fitzpatrick(6));
}

}  // namespace
}  // namespace smp::sim
