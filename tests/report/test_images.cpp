// Pictures of the work and the figures behind the plots: checked on decoded pixels.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "smp/report/images.h"
#include "smp/report/plots.h"
#include "test_pdf_fixture.h"

namespace smp::report {
namespace {

using testing::Attempt;
using testing::AttemptSpec;
using testing::make_attempt;

double luma(const std::array<std::uint8_t, 3>& c) {
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

double median_luma(const RgbImage& img) {
  std::vector<double> v;
  for (int y = 0; y < img.height; y += 3) {
    for (int x = 0; x < img.width; x += 3) v.push_back(luma(img.at(x, y)));
  }
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// Darkest pixel within r pixels of a point (dots are small; the exact centre pixel may sit on an
// anti-aliased edge at low resolution).
double darkest_near(const RgbImage& img, PixelPos p, int r) {
  double best = 255.0;
  for (int y = static_cast<int>(p.y) - r; y <= static_cast<int>(p.y) + r; ++y) {
    for (int x = static_cast<int>(p.x) - r; x <= static_cast<int>(p.x) + r; ++x) {
      if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
      best = std::min(best, luma(img.at(x, y)));
    }
  }
  return best;
}

RgbImage render(const Attempt& a, double t_days, const WorkView& view) {
  auto png = render_work_png(a.scenario, a.catalogue, a.replay.impressions, t_days, view);
  EXPECT_TRUE(png.ok()) << (png.ok() ? "" : png.errors()[0].to_string());
  auto img = decode_png(png->png);
  EXPECT_TRUE(img.ok());
  return img.value();
}

AttemptSpec quick(const std::string& scenario) {
  AttemptSpec s;
  s.scenario_file = scenario;
  s.with_images = false;
  return s;
}

TEST(WorkImages, StandardSetIsWrittenWithItsHashesAndIsDeterministic) {
  const Attempt a = make_attempt(quick("pad-spacing-drill.json"));
  const auto dir = testing::output_dir("report-images/pad");
  auto refs = write_work_images(dir.string(), a.scenario, a.catalogue, a.replay.impressions);
  ASSERT_TRUE(refs.ok()) << refs.errors()[0].to_string();
  ASSERT_EQ(refs->size(), 3u);
  const std::vector<std::string> names = {"fresh.png", "healed.png", "aged.png"};
  std::vector<std::string> bytes;
  for (std::size_t i = 0; i < 3; ++i) {
    const FileRef& f = refs.value()[i];
    EXPECT_EQ(f.name, names[i]);
    EXPECT_EQ(f.role, "image-" + names[i].substr(0, names[i].size() - 4));
    EXPECT_EQ(f.media_type, "image/png");
    bytes.push_back(testing::read_bytes(dir / f.name));
    EXPECT_EQ(bytes.back().substr(1, 3), "PNG");
    EXPECT_EQ(f.sha256, sim::sha256_hex(bytes.back()));
    EXPECT_EQ(f.bytes, bytes.back().size());
  }
  // Same input, same bytes; and the three times differ.
  const auto dir2 = testing::output_dir("report-images/pad-again");
  auto again = write_work_images(dir2.string(), a.scenario, a.catalogue, a.replay.impressions);
  ASSERT_TRUE(again.ok());
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(again.value()[i].sha256, refs.value()[i].sha256);
  EXPECT_NE(refs.value()[0].sha256, refs.value()[1].sha256);
  EXPECT_NE(refs.value()[1].sha256, refs.value()[2].sha256);
}

TEST(WorkImages, DotsShowWhereTheImpressionsAreAndNowhereElse) {
  const Attempt a = make_attempt(quick("pad-spacing-drill.json"));
  const WorkView view = choose_work_view(a.scenario, a.replay.impressions);
  EXPECT_GE(view.px_per_mm, 6.0);  // a 0.15 mm dot is at least ~1 px
  const RgbImage img = render(a, 30.0, view);
  ASSERT_EQ(img.width, view.width_px);
  const double skin = median_luma(img);
  EXPECT_GT(skin, 60.0);  // not blank or black
  int visible = 0;
  for (std::size_t i = 0; i < 100; ++i) {
    const PixelPos p = to_pixel(view, a.replay.impressions[i].pos);
    if (darkest_near(img, p, 1) < skin - 25.0) ++visible;
  }
  EXPECT_GE(visible, 95);
  // The middle of the mole ("avoid" region, left empty by the trainee) is plain skin.
  const PixelPos mole = to_pixel(view, {50.0, 50.0});
  EXPECT_GT(darkest_near(img, mole, 4), skin - 15.0);
}

TEST(WorkImages, FreshHealedAndAgedLookDifferent) {
  const Attempt a = make_attempt(quick("pad-spacing-drill.json"));
  const WorkView view = choose_work_view(a.scenario, a.replay.impressions);
  const RgbImage fresh = render(a, 0.0, view);
  const RgbImage healed = render(a, 30.0, view);
  const RgbImage aged = render(a, 24 * 30.4375, view);
  auto mean_dot = [&](const RgbImage& img) {
    double s = 0.0;
    for (std::size_t i = 0; i < 200; ++i) {
      s += darkest_near(img, to_pixel(view, a.replay.impressions[i].pos), 1);
    }
    return s / 200.0;
  };
  const double f = mean_dot(fresh), h = mean_dot(healed), g = mean_dot(aged);
  EXPECT_LT(f, h) << "fresh dots are darker than healed ones";
  EXPECT_GT(std::abs(g - h), 1.0) << "ageing changes the dots";
}

TEST(WorkImages, BlowoutDotsAreLarger) {
  AttemptSpec spec = quick("pad-depth-drill.json");
  spec.fill = 0.05;
  const Attempt base = make_attempt(spec);
  ASSERT_GE(base.replay.impressions.size(), 4u);
  // Same dots, once in the papillary dermis and once in the fat.
  Attempt deep = base;
  for (auto& imp : deep.session.impressions)
    imp.depth_mm = deep.scenario.skin.dermis_bottom_mm() + 0.5;
  auto rep = sim::replay_session(deep.session, deep.scenario, deep.catalogue);
  ASSERT_TRUE(rep.ok());
  deep.replay = rep.value();
  ASSERT_EQ(deep.replay.impressions[0].layer, sim::Layer::kSubcutis);
  const WorkView view = choose_work_view(base.scenario, base.replay.impressions);
  // Each dot alone against the empty picture: the pixels it changes visibly.
  const std::vector<sim::Impression> none;
  auto png0 = render_work_png(base.scenario, base.catalogue, none, 30.0, view);
  ASSERT_TRUE(png0.ok());
  const RgbImage empty = decode_png(png0->png).value();
  auto footprint = [&](const sim::Impression& imp) {
    const std::vector<sim::Impression> one = {imp};
    auto png = render_work_png(base.scenario, base.catalogue, one, 30.0, view);
    EXPECT_TRUE(png.ok());
    const RgbImage img = decode_png(png->png).value();
    int n = 0;
    for (int y = 0; y < img.height; ++y) {
      for (int x = 0; x < img.width; ++x) n += luma(img.at(x, y)) < luma(empty.at(x, y)) - 10.0;
    }
    return n;
  };
  for (std::size_t i = 0; i < 3; ++i) {
    const int normal = footprint(base.replay.impressions[i]);
    const int blown = footprint(deep.replay.impressions[i]);
    EXPECT_GT(normal, 0);
    EXPECT_GT(blown, 2 * normal) << "normal " << normal << " px, blown " << blown << " px";
  }
}

TEST(WorkImages, ScarTissueIsPalerAndHairsAreDrawn) {
  const Attempt scar = make_attempt(quick("strip-scar.json"));
  const std::vector<sim::Impression> none;
  const WorkView sv = choose_work_view(scar.scenario, none);
  auto png = render_work_png(scar.scenario, scar.catalogue, none, 30.0, sv);
  ASSERT_TRUE(png.ok());
  testing::write_bytes(testing::output_dir("report-images") / "strip-scar-empty.png", png->png);
  const RgbImage simg = decode_png(png->png).value();
  const sim::Region* strip = nullptr;
  const sim::Region* around = nullptr;
  for (const auto& r : scar.scenario.regions) {
    if (r.role == sim::RegionRole::kScar) strip = &r;
    if (r.role == sim::RegionRole::kTreat) around = &r;
  }
  ASSERT_TRUE(strip && around);
  // A point inside the scar, and one in the surround outside the scar.
  auto inside = [](const sim::Region& r) {
    const auto b = sim::bounding_box(r.polygon_mm);
    return sim::PointMm{(b.min.x_mm + b.max.x_mm) / 2, (b.min.y_mm + b.max.y_mm) / 2};
  };
  const sim::PointMm in_scar = inside(*strip);
  ASSERT_TRUE(sim::point_in_polygon(strip->polygon_mm, in_scar));
  sim::PointMm in_skin = around->polygon_mm[0];
  for (const auto& p : around->polygon_mm) {
    const sim::PointMm q{(p.x_mm * 0.8 + in_scar.x_mm * 0.2), (p.y_mm * 0.8 + in_scar.y_mm * 0.2)};
    if (sim::point_in_polygon(around->polygon_mm, q) &&
        !sim::point_in_polygon(strip->polygon_mm, q)) {
      in_skin = q;
      break;
    }
  }
  EXPECT_GT(luma(simg.at(static_cast<int>(to_pixel(sv, in_scar).x),
                         static_cast<int>(to_pixel(sv, in_scar).y))),
            luma(simg.at(static_cast<int>(to_pixel(sv, in_skin).x),
                         static_cast<int>(to_pixel(sv, in_skin).y))) +
                8.0);

  const Attempt hairs = make_attempt(quick("crown-among-hairs.json"));
  ASSERT_GT(hairs.scenario.patient.hairs_mm.size(), 50u);
  const WorkView hv = choose_work_view(hairs.scenario, none);
  auto hpng = render_work_png(hairs.scenario, hairs.catalogue, none, 0.0, hv);
  ASSERT_TRUE(hpng.ok());
  testing::write_bytes(testing::output_dir("report-images") / "crown-hairs-empty.png", hpng->png);
  const RgbImage himg = decode_png(hpng->png).value();
  const double skin = median_luma(himg);
  int dark = 0;
  for (std::size_t i = 0; i < 50; ++i) {
    if (darkest_near(himg, to_pixel(hv, hairs.scenario.patient.hairs_mm[i]), 1) < skin - 20.0)
      ++dark;
  }
  EXPECT_GE(dark, 48);
}

TEST(WorkImages, ViewCoversTheTreatedRegionsWithinThePixelBudget) {
  const Attempt a = make_attempt(quick("frontal-hairline.json"));
  ImageOptions opt;
  const WorkView v = choose_work_view(a.scenario, a.replay.impressions, opt);
  EXPECT_LE(std::max(v.width_px, v.height_px), opt.max_side_px);
  EXPECT_GE(v.px_per_mm, opt.min_px_per_mm);
  EXPECT_LE(v.px_per_mm, opt.max_px_per_mm);
  if (v.px_per_mm > opt.min_px_per_mm) {  // not cropped: every treated region fits
    for (const auto& r : a.scenario.regions) {
      if (r.role == sim::RegionRole::kForbidden || r.role == sim::RegionRole::kAvoid) continue;
      const auto b = sim::bounding_box(r.polygon_mm);
      EXPECT_LE(v.box.min.x_mm, b.min.x_mm);
      EXPECT_LE(v.box.min.y_mm, b.min.y_mm);
      EXPECT_GE(v.box.max.x_mm, b.max.x_mm);
      EXPECT_GE(v.box.max.y_mm, b.max.y_mm);
    }
  }
  // +x (the patient's left) is drawn on the left.
  EXPECT_LT(to_pixel(v, {v.box.max.x_mm, 0}).x, to_pixel(v, {v.box.min.x_mm, 0}).x);
  const RgbImage img = render(a, 30.0, v);
  const auto png = render_work_png(a.scenario, a.catalogue, a.replay.impressions, 30.0, v);
  testing::write_bytes(testing::output_dir("report-images") / "frontal-hairline-healed.png",
                       png->png);
  EXPECT_GT(median_luma(img), 40.0);

  // A huge treated area is cropped around the work rather than shrinking the dots away.
  sim::Scenario big = a.scenario;
  big.regions[0].polygon_mm = {{-400, -400}, {400, -400}, {400, 400}, {-400, 400}};
  big.regions[0].role = sim::RegionRole::kTreat;
  const WorkView c = choose_work_view(big, a.replay.impressions, opt);
  EXPECT_DOUBLE_EQ(c.px_per_mm, opt.min_px_per_mm);
  EXPECT_LE(c.width_px, opt.max_side_px);
}

TEST(WorkImages, UnknownPigmentIsAnError) {
  Attempt a = make_attempt(quick("pad-spacing-drill.json"));
  std::vector<sim::Impression> imps = a.replay.impressions;
  imps[7].pigment = "unobtainium";
  const WorkView v = choose_work_view(a.scenario, imps);
  auto png = render_work_png(a.scenario, a.catalogue, imps, 30.0, v);
  ASSERT_FALSE(png.ok());
  EXPECT_NE(png.errors()[0].to_string().find("/impressions/7/pigment"), std::string::npos);
  EXPECT_FALSE(decode_png("not a png").ok());
}

TEST(PlotFigures, NearestNeighbourOnALattice) {
  std::vector<sim::Impression> imps;
  for (int i = 0; i < 20; ++i) {
    for (int j = 0; j < 15; ++j) {
      sim::Impression imp;
      imp.pos = {i * 0.5, j * 0.5};
      imps.push_back(imp);
    }
  }
  const auto nn = nearest_neighbour_mm(imps);
  ASSERT_EQ(nn.size(), imps.size());
  for (double d : nn) EXPECT_NEAR(d, 0.5, 1e-12);
  imps[17].pos = {imps[16].pos.x_mm, imps[16].pos.y_mm + 0.1};
  EXPECT_NEAR(nearest_neighbour_mm(imps)[17], 0.1, 1e-12);
  EXPECT_TRUE(nearest_neighbour_mm(std::span(imps).first(1)).empty());
}

TEST(PlotFigures, StrayAndNonFiniteImpressionsNeitherHangNorCrash) {
  std::vector<sim::Impression> imps;
  for (int i = 0; i < 2000; ++i) {
    sim::Impression imp;
    imp.pos = {static_cast<double>(i % 50) * 0.7, static_cast<double>(i / 50) * 0.7};
    imps.push_back(imp);
  }
  imps[5].pos = {1e7, -1e7};  // one dot far away
  const auto nn = nearest_neighbour_mm(imps);
  ASSERT_EQ(nn.size(), imps.size());
  EXPECT_GT(nn[5], 1e6);
  EXPECT_NEAR(nn[100], 0.7, 1e-9);
  const DensityGrid g = density_grid(imps, {{0, 0}, {40, 40}}, 0.5, 2.0);
  EXPECT_EQ(g.per_cm2.size(), 80u * 80u);
  imps[6].pos = {std::nan(""), 3.0};
  EXPECT_TRUE(nearest_neighbour_mm(imps).empty());  // refuses rather than guessing
  const DensityGrid g2 = density_grid(imps, {{0, 0}, {40, 40}}, 0.5, 2.0);
  for (double d : g2.per_cm2) ASSERT_TRUE(std::isfinite(d));
}

TEST(PlotFigures, RandomSpacingHistogramAndDensity) {
  EXPECT_DOUBLE_EQ(random_pattern_spacing_mm(100.0), 0.5);  // 1 per mm^2 -> 1/(2*1)
  EXPECT_DOUBLE_EQ(random_pattern_spacing_mm(25.0), 1.0);
  EXPECT_EQ(random_pattern_spacing_mm(0.0), 0.0);

  const std::vector<double> v = {0.01, 0.05, 0.06, 0.99, 5.0, -1.0, std::nan("")};
  const Histogram h = make_histogram(v, 0.0, 1.0, 10);
  ASSERT_EQ(h.counts.size(), 10u);
  EXPECT_EQ(h.counts[0], 4);  // 0.01, 0.05, 0.06 and the clamped -1
  EXPECT_EQ(h.counts[9], 2);  // 0.99 and the clamped 5
  EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), 0), 6);
  EXPECT_EQ(h.max_count(), 4);

  // 50 dots in the middle of a 40 mm box: the grid integrates back to 50 dots.
  std::vector<sim::Impression> imps(50);
  for (std::size_t i = 0; i < imps.size(); ++i)
    imps[i].pos = {20.0 + static_cast<double>(i % 7) * 0.3,
                   20.0 + static_cast<double>(i / 7) * 0.3};
  const DensityGrid g = density_grid(imps, {{0, 0}, {40, 40}}, 0.5, 2.0);
  double total = 0.0;
  for (double d : g.per_cm2) total += d * 0.5 * 0.5 / 100.0;
  EXPECT_NEAR(total, 50.0, 0.5);
  EXPECT_EQ(g.nx, 80);
  EXPECT_GT(g.at(41, 41), g.at(5, 5));
}

TEST(PlotFigures, HeatScaleIsMonotonicInLightnessAndBlueToYellow) {
  double prev_l = -1.0;
  for (int k = 0; k <= 100; ++k) {
    const sim::Lab c = heat_lab(k / 100.0);
    EXPECT_GT(c.L, prev_l);
    prev_l = c.L;
  }
  const sim::Rgb lo = heat_color(0.0), hi = heat_color(1.0);
  EXPECT_GT(lo.b, lo.r);  // dark blue
  EXPECT_GT(hi.r, hi.b);  // light yellow
  EXPECT_GT(hi.g, hi.b);
  EXPECT_EQ(heat_lab(-3.0), heat_lab(0.0));
  EXPECT_EQ(heat_lab(7.0), heat_lab(1.0));
}

TEST(PlotFigures, TargetBandsAndDensityFromTheScenario) {
  const Attempt a = make_attempt(quick("frontal-hairline.json"));
  const auto bands = target_depth_bands(a.scenario);
  ASSERT_FALSE(bands.empty());
  for (const auto& b : bands) EXPECT_LT(b.min_mm, b.max_mm);
  EXPECT_GT(target_density_per_cm2(a.scenario), 0.0);
}

}  // namespace
}  // namespace smp::report
