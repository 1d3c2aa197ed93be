// Renderer smoke and behaviour tests under SDL's offscreen driver (a real GL 3.3+ core context on
// Mesa, no X server). Screenshots go to $SMP_RENDER_SHOTS when set (to look at them), else to a
// scratch directory.
#include <SDL.h>
#include <epoxy/gl.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

#include "smp/physics/surface.h"
#include "smp/render/camera.h"
#include "smp/render/cross_section.h"
#include "smp/render/image.h"
#include "smp/render/renderer.h"
#include "smp/sim/healing.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"
#include "trainer_support.h"

namespace {

using smp::render::DrawOptions;
using smp::render::OrbitCamera;
using smp::render::Renderer;
using smp::render::RenderTarget;
using smp::render::Viewport;
using smp::sim::Impression;
using smp::sim::PointMm;

constexpr int kW = 960, kH = 720;

class GlEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    setenv("SDL_VIDEODRIVER", "offscreen", 0);
    ASSERT_EQ(SDL_Init(SDL_INIT_VIDEO), 0) << SDL_GetError();
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 24);
    window_ = SDL_CreateWindow("render test", 0, 0, kW, kH, SDL_WINDOW_OPENGL | SDL_WINDOW_HIDDEN);
    ASSERT_NE(window_, nullptr) << SDL_GetError();
    ctx_ = SDL_GL_CreateContext(window_);
    ASSERT_NE(ctx_, nullptr) << SDL_GetError();
    SDL_GL_MakeCurrent(window_, ctx_);
  }
  void TearDown() override {
    if (ctx_) SDL_GL_DeleteContext(ctx_);
    if (window_) SDL_DestroyWindow(window_);
    SDL_Quit();
  }

 private:
  SDL_Window* window_ = nullptr;
  SDL_GLContext ctx_ = nullptr;
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new GlEnv);

std::string shot_path(const std::string& name) {
  const char* dir = std::getenv("SMP_RENDER_SHOTS");
  return (dir ? std::string(dir) : smp::test::scratch_dir("render")) + "/" + name + ".png";
}

smp::sim::Region region(std::string id, smp::sim::RegionRole role, smp::sim::PolygonMm poly,
                        double density, double dmin, double dmax) {
  smp::sim::Region r;
  r.id = std::move(id);
  r.role = role;
  r.polygon_mm = std::move(poly);
  r.density_per_cm2 = density;
  r.depth_min_mm = dmin;
  r.depth_max_mm = dmax;
  if (role == smp::sim::RegionRole::kScar) r.scar = smp::sim::ScarTissue{};
  return r;
}

// A shaved-look case with a strip scar and a thinning patch with existing hairs.
smp::sim::Scenario test_scenario(int fitzpatrick) {
  smp::sim::Scenario s;
  s.id = "render-test";
  s.patient.fitzpatrick = fitzpatrick;
  s.patient.skin_lab = smp::sim::skin_lab_for_fitzpatrick(fitzpatrick);
  s.patient.hair_lab = {22, 2, 4};
  using R = smp::sim::RegionRole;
  smp::sim::PolygonMm treat;
  for (int k = 0; k <= 20; ++k) {  // front hairline (gently curved, temple points) then the back
    const double x = -75.0 + 7.5 * k;
    treat.push_back({x, 4.0 + 0.0035 * x * x});
  }
  treat.push_back({80, 215});
  treat.push_back({-80, 215});
  s.regions.push_back(region("top", R::kTreat, treat, 60, 0.15, 0.40));
  s.regions.push_back(region("front", R::kHairlineTransition,
                             {{-60, -2}, {60, -2}, {60, 12}, {-60, 12}}, 25, 0.12, 0.35));
  s.regions.push_back(
      region("strip", R::kScar, {{-70, 196}, {70, 196}, {70, 200}, {-70, 200}}, 40, 0.15, 0.35));
  s.regions.push_back(
      region("forehead", R::kForbidden, {{-100, -60}, {100, -60}, {100, -8}, {-100, -8}}, 0, 0, 0));
  for (int k = 0; k <= 24; ++k) {
    const double x = -60.0 + 5.0 * k;
    s.hairline_front_mm.push_back({x, 2.0 + 0.004 * x * x + 1.5 * std::sin(k * 1.7)});
  }
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> hx(-80, 80), hy(130, 215);
  for (int i = 0; i < 2500; ++i) s.patient.hairs_mm.push_back({hx(rng), hy(rng)});
  return s;
}

// Random dots over the treat region, a few too deep; ids in order.
std::vector<Impression> make_dots(const smp::sim::Scenario& s, int n, std::uint64_t seed,
                                  PointMm lo, PointMm hi, const std::string& pigment) {
  std::vector<Impression> out;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(lo.x_mm, hi.x_mm), uy(lo.y_mm, hi.y_mm);
  std::normal_distribution<double> depth(0.28, 0.08);
  std::uniform_real_distribution<double> u01(0, 1);
  while (int(out.size()) < n) {
    const PointMm p{ux(rng), uy(rng)};
    if (!smp::sim::point_in_polygon(s.regions[0].polygon_mm, p)) continue;
    Impression imp;
    imp.id = std::uint32_t(out.size());
    imp.pos = p;
    imp.depth_mm = std::max(0.05, depth(rng));
    imp.layer = smp::sim::layer_at_depth(s.skin, imp.depth_mm);
    imp.fresh_diameter_mm = 0.18 + 0.08 * u01(rng);
    imp.elongation = 1.0 + 0.3 * u01(rng);
    imp.orientation_rad = 6.28 * u01(rng);
    imp.pigment = pigment;
    imp.dilution = 0.2;
    imp.t_s = double(out.size()) * 0.1;
    out.push_back(imp);
  }
  return out;
}

struct Frame {
  std::vector<std::uint8_t> rgba;
  double differs_from(const Frame& o) const {  // fraction of pixels that changed
    std::size_t n = 0;
    for (std::size_t i = 0; i < rgba.size(); i += 4) {
      const int d = std::abs(rgba[i] - o.rgba[i]) + std::abs(rgba[i + 1] - o.rgba[i + 1]) +
                    std::abs(rgba[i + 2] - o.rgba[i + 2]);
      if (d > 6) ++n;
    }
    return double(n) / double(rgba.size() / 4);
  }
};

Frame render(Renderer& r, RenderTarget& rt, const OrbitCamera& cam, const DrawOptions& opt,
             const std::string& name) {
  rt.bind();
  r.draw(cam, {0, 0, kW, kH}, kH, opt);
  Frame f{rt.read()};
  EXPECT_TRUE(smp::render::write_png(shot_path(name), kW, kH, f.rgba).ok());
  return f;
}

// Fraction of pixels not of the background gradient (which is grey with r ~ g ~ b, dark).
double foreground_fraction(const Frame& f) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < f.rgba.size(); i += 4) {
    const int r = f.rgba[i], b = f.rgba[i + 2];
    if (r - b > 12 || r > 150) ++n;  // skin is warm (r > b) or bright
  }
  return double(n) / double(f.rgba.size() / 4);
}

class RenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = smp::sim::PigmentCatalogue::load_default();
    ASSERT_TRUE(cat.ok()) << cat.errors().front().to_string();
    catalogue_ = std::move(cat).value();
    auto r = Renderer::create();
    ASSERT_TRUE(r.ok()) << r.errors().front().to_string();
    renderer_ = std::move(r).value();
    auto t = RenderTarget::create(kW, kH, 4);
    ASSERT_TRUE(t.ok()) << t.errors().front().to_string();
    target_ = std::move(t).value();
  }
  smp::sim::PigmentCatalogue catalogue_;
  std::unique_ptr<Renderer> renderer_;
  std::unique_ptr<RenderTarget> target_;
};

TEST_F(RenderTest, HeadFillsTheFrameAndDotsChangePixelsWhereDrawn) {
  const smp::sim::Scenario s = test_scenario(3);
  const smp::physics::SkinSurface head = smp::physics::SkinSurface::head();
  renderer_->set_scene(s, head, catalogue_);
  const OrbitCamera cam = OrbitCamera::framing(head);
  DrawOptions opt;
  const Frame empty = render(*renderer_, *target_, cam, opt, "head_empty");
  const auto stats = smp::render::image_stats(kW, kH, empty.rgba);
  EXPECT_GT(stats.luma_stddev, 15.0);
  EXPECT_GT(stats.distinct_colors, 500u);
  EXPECT_GT(foreground_fraction(empty), 0.25);  // the head occupies a good part of the frame

  // 3000 dots on the crown: pixels change there and only on the skin.
  const std::vector<Impression> dots = make_dots(s, 3000, 1, {-40, 15}, {40, 95}, "smp-grey-2");
  renderer_->sync_dots(dots, nullptr);
  renderer_->set_time_days(30.0);
  EXPECT_EQ(renderer_->dot_count(), 3000u);
  const Frame worked = render(*renderer_, *target_, cam, opt, "head_dots_healed");
  // At this distance (~0.35 mm per pixel) a healed dot covers under a pixel: most dots still
  // change the pixel they fall on.
  // Every changed pixel is near a dot's projection (within the crown's screen box).
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (const Impression& d : dots) {
    double px, py;
    ASSERT_TRUE(cam.world_to_screen({0, 0, kW, kH}, head.point(d.pos).pos, &px, &py));
    x0 = std::min(x0, px);
    y0 = std::min(y0, py);
    x1 = std::max(x1, px);
    y1 = std::max(y1, py);
  }
  std::size_t outside = 0, changed = 0;
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) {
      const std::size_t i = (std::size_t(y) * kW + x) * 4;
      const int d = std::abs(worked.rgba[i] - empty.rgba[i]) +
                    std::abs(worked.rgba[i + 1] - empty.rgba[i + 1]) +
                    std::abs(worked.rgba[i + 2] - empty.rgba[i + 2]);
      if (d <= 6) continue;
      ++changed;
      if (x < x0 - 4 || x > x1 + 4 || y < y0 - 4 || y > y1 + 4) ++outside;
    }
  }
  EXPECT_GT(changed, dots.size() / 2);
  EXPECT_EQ(outside, 0u);
  // Dots darken the skin.
  double before = 0, after = 0;
  for (std::size_t i = 0; i < empty.rgba.size(); i += 4) {
    before += empty.rgba[i + 1];
    after += worked.rgba[i + 1];
  }
  EXPECT_LT(after, before);
}

TEST_F(RenderTest, FreshDotsDifferFromHealedAndAgedOnesAndTogglesChangeTheImage) {
  const smp::sim::Scenario s = test_scenario(2);
  const smp::physics::SkinSurface head = smp::physics::SkinSurface::head();
  renderer_->set_scene(s, head, catalogue_);
  OrbitCamera cam;
  cam.look_at_surface(head.point({0, 90}), 90.0);
  const std::vector<Impression> dots =
      make_dots(s, 1500, 2, {-20, 70}, {20, 110}, "carbon-black-neat");
  smp::sim::Scorer scorer(s, catalogue_);
  for (const Impression& d : dots) scorer.add(d);
  renderer_->sync_dots(dots, &scorer);
  DrawOptions opt;
  renderer_->set_time_days(0.0);
  const Frame fresh = render(*renderer_, *target_, cam, opt, "close_fresh");
  renderer_->set_time_days(30.0);
  const Frame healed = render(*renderer_, *target_, cam, opt, "close_healed");
  renderer_->set_time_days(60.0 * 30.4375);
  const Frame aged = render(*renderer_, *target_, cam, opt, "close_aged_60m");
  EXPECT_GT(fresh.differs_from(healed), 0.02);
  EXPECT_GT(healed.differs_from(aged), 0.005);
  renderer_->set_time_days(30.0);
  opt.show_status = true;
  const Frame status = render(*renderer_, *target_, cam, opt, "close_status");
  EXPECT_GT(status.differs_from(healed), 0.02);
  opt.show_status = false;
  opt.heat_map = smp::render::HeatMapKind::kDepthError;
  const Frame heat = render(*renderer_, *target_, cam, opt, "close_heat_depth");
  EXPECT_GT(heat.differs_from(healed), 0.2);
}

TEST_F(RenderTest, GuidesScarAndHairsAreDrawn) {
  const smp::sim::Scenario s = test_scenario(4);
  const smp::physics::SkinSurface head = smp::physics::SkinSurface::head();
  renderer_->set_scene(s, head, catalogue_);
  OrbitCamera cam = OrbitCamera::framing(head);
  cam.yaw_rad = 2.6;  // from behind: the strip scar and the hairs
  cam.pitch_rad = 0.5;
  DrawOptions opt;
  opt.show_hairs = false;
  const Frame bare = render(*renderer_, *target_, cam, opt, "back_bare");
  opt.show_hairs = true;
  const Frame hairs = render(*renderer_, *target_, cam, opt, "back_hairs");
  EXPECT_GT(hairs.differs_from(bare), 0.01);
  opt.show_regions = true;
  const Frame regions = render(*renderer_, *target_, cam, opt, "back_regions");
  EXPECT_GT(regions.differs_from(hairs), 0.002);
  cam = OrbitCamera::framing(head);
  opt.show_regions = true;
  opt.show_hairline = true;
  render(*renderer_, *target_, cam, opt, "front_guides");
}

TEST_F(RenderTest, HundredThousandDotsRenderAndAppendIncrementally) {
  const smp::sim::Scenario s = test_scenario(3);
  const smp::physics::SkinSurface head = smp::physics::SkinSurface::head();
  renderer_->set_scene(s, head, catalogue_);
  std::vector<Impression> dots = make_dots(s, 100000, 3, {-80, 5}, {80, 215}, "smp-grey-3");
  std::vector<Impression> first(dots.begin(), dots.begin() + 60000);
  smp::sim::Scorer scorer(s, catalogue_);
  for (const Impression& d : first) scorer.add(d);
  renderer_->sync_dots(first, &scorer);
  EXPECT_EQ(renderer_->dot_count(), 60000u);
  for (std::size_t i = first.size(); i < dots.size(); ++i) scorer.add(dots[i]);
  renderer_->sync_dots(dots, &scorer);
  EXPECT_EQ(renderer_->dot_count(), 100000u);
  renderer_->set_time_days(30.0);
  const Frame all = render(*renderer_, *target_, OrbitCamera::framing(head), {}, "head_100k");
  // Undo of the last 1000: the renderer notices the shorter list and rebuilds.
  dots.resize(99000);
  while (scorer.size() > dots.size()) scorer.pop_back();
  renderer_->sync_dots(dots, &scorer);
  EXPECT_EQ(renderer_->dot_count(), 99000u);
  EXPECT_EQ(renderer_->heat_field()->size(), 99000u);
  EXPECT_GT(smp::render::image_stats(kW, kH, all.rgba).luma_stddev, 10.0);
}

TEST_F(RenderTest, IncrementalUpdatesMatchAFullRebuild) {
  const smp::sim::Scenario s = test_scenario(5);
  const smp::physics::SkinSurface head = smp::physics::SkinSurface::head();
  OrbitCamera cam;
  cam.look_at_surface(head.point({0, 60}), 120.0);
  DrawOptions opt;
  opt.heat_map = smp::render::HeatMapKind::kDensity;
  const std::vector<Impression> all = make_dots(s, 4000, 6, {-30, 30}, {30, 90}, "smp-grey-1");
  // Work, undo 300, then 200 different dots placed later.
  std::vector<Impression> redo = make_dots(s, 200, 7, {-30, 30}, {30, 90}, "smp-grey-4");
  std::vector<Impression> final_list(all.begin(), all.end() - 300);
  for (Impression d : redo) {
    d.id = std::uint32_t(final_list.size());
    d.t_s += 1000.0;
    final_list.push_back(d);
  }
  renderer_->set_scene(s, head, catalogue_);
  renderer_->set_time_days(30.0);
  smp::sim::Scorer scorer(s, catalogue_);
  for (std::size_t n = 500; n <= all.size(); n += 500) {
    while (scorer.size() < n) scorer.add(all[scorer.size()]);
    renderer_->sync_dots(std::span(all).first(n), &scorer);
    render(*renderer_, *target_, cam, opt, "incremental_step");
  }
  while (scorer.size() > all.size() - 300) scorer.pop_back();
  renderer_->sync_dots(std::span(all).first(all.size() - 300), &scorer);
  EXPECT_EQ(renderer_->dot_count(), all.size() - 300);
  while (scorer.size() < final_list.size()) scorer.add(final_list[scorer.size()]);
  renderer_->sync_dots(final_list, &scorer);
  EXPECT_EQ(renderer_->dot_count(), final_list.size());
  const Frame incremental = render(*renderer_, *target_, cam, opt, "incremental");

  renderer_->set_scene(s, head, catalogue_);
  renderer_->sync_dots(final_list, &scorer);
  const Frame rebuilt = render(*renderer_, *target_, cam, opt, "rebuilt");
  EXPECT_EQ(incremental.differs_from(rebuilt), 0.0);
  EXPECT_EQ(renderer_->heat_field()->size(), final_list.size());
}

// One source of per-dot feedback: what the heat maps paint is the scorer's value of every dot,
// also for dots whose risk a later dot changed (placed in small steps, as in the trainer), and
// the density map shows the scorer's own cells.
TEST_F(RenderTest, HeatMapsPaintTheScorersValues) {
  const smp::sim::Scenario s = test_scenario(5);
  const smp::physics::SkinSurface head = smp::physics::SkinSurface::head();
  renderer_->set_scene(s, head, catalogue_);
  // Dense enough that many dots touch ones placed earlier.
  const std::vector<Impression> all = make_dots(s, 3000, 8, {-10, 50}, {10, 70}, "smp-grey-1");
  smp::sim::Scorer scorer(s, catalogue_);
  for (std::size_t n = 0; n < all.size();) {
    const std::size_t step = 1 + n % 7;
    for (std::size_t k = 0; k < step && n < all.size(); ++k, ++n) scorer.add(all[n]);
    renderer_->sync_dots(std::span(all).first(n), &scorer);
    ASSERT_NE(renderer_->heat_field(), nullptr);  // catches up, as a shown heat map does
  }
  const smp::render::HeatField& heat = *renderer_->heat_field();
  ASSERT_EQ(heat.size(), all.size());
  std::size_t touching = 0;
  for (std::uint32_t i = 0; i < all.size(); ++i) {
    const smp::sim::DotFeedback f = scorer.dot_feedback(i);
    EXPECT_EQ(heat.painted(i).depth_error_mm, f.depth_error_mm) << i;
    EXPECT_EQ(heat.painted(i).blur_risk, f.blur_risk) << i;
    EXPECT_EQ(heat.painted(i).radius_mm, f.radius_mm) << i;
    touching += f.touching;
  }
  EXPECT_GT(touching, 100u);  // the test exercises repainting
  std::vector<smp::sim::DensityCell> cells;
  scorer.density_cells(cells);
  const smp::sim::BoxMm b = heat.bounds();
  std::size_t checked = 0;
  for (const smp::sim::DensityCell& c : cells) {
    const double cx = 0.5 * (c.box.min.x_mm + c.box.max.x_mm);
    const double cy = 0.5 * (c.box.min.y_mm + c.box.max.y_mm);
    const int i = int(std::floor(cx - b.min.x_mm)), j = int(std::floor(cy - b.min.y_mm));
    if (i < 0 || j < 0 || i >= heat.width() || j >= heat.height()) continue;
    EXPECT_FLOAT_EQ(float(heat.value(smp::render::HeatMapKind::kDensity, i, j)),
                    float(c.count / c.expected));
    ++checked;
  }
  EXPECT_GT(checked, 10u);
}

// The same at the default framing, where the dots come from the scalp-map layers (splatted as
// they arrive, a scissored redo after an undo, mipmaps of the changed rectangle only), with the
// status rings shown and a time-lapse change and back on the way.
TEST_F(RenderTest, IncrementalUpdatesMatchAFullRebuildInTheFarView) {
  const smp::sim::Scenario s = test_scenario(5);
  const smp::physics::SkinSurface head = smp::physics::SkinSurface::head();
  const OrbitCamera cam = OrbitCamera::framing(head);
  DrawOptions opt;
  opt.show_status = true;
  const std::vector<Impression> all = make_dots(s, 6000, 8, {-60, 10}, {60, 120}, "smp-grey-1");
  std::vector<Impression> redo = make_dots(s, 300, 9, {-60, 10}, {60, 120}, "smp-grey-4");
  std::vector<Impression> final_list(all.begin(), all.end() - 500);
  for (Impression d : redo) {
    d.id = std::uint32_t(final_list.size());
    d.t_s += 1000.0;
    final_list.push_back(d);
  }
  smp::sim::Scorer scorer(s, catalogue_);
  for (const Impression& d : final_list) scorer.add(d);
  renderer_->set_scene(s, head, catalogue_);
  renderer_->set_time_days(0.0);
  const Frame empty = render(*renderer_, *target_, cam, opt, "far_incremental_empty");
  for (std::size_t n = 1000; n <= all.size(); n += 1000) {
    renderer_->sync_dots(std::span(all).first(n), &scorer);
    render(*renderer_, *target_, cam, opt, "far_incremental_step");
  }
  renderer_->set_time_days(30.0);
  render(*renderer_, *target_, cam, opt, "far_incremental_healed");
  renderer_->set_time_days(0.0);
  render(*renderer_, *target_, cam, opt, "far_incremental_fresh");
  renderer_->sync_dots(std::span(all).first(all.size() - 500), &scorer);
  render(*renderer_, *target_, cam, opt, "far_incremental_undo");
  for (std::size_t n = all.size() - 500 + 100; n <= final_list.size(); n += 100) {
    renderer_->sync_dots(std::span(final_list).first(n), &scorer);
    render(*renderer_, *target_, cam, opt, "far_incremental_step");
  }
  EXPECT_EQ(renderer_->dot_count(), final_list.size());
  const Frame incremental = render(*renderer_, *target_, cam, opt, "far_incremental");
  EXPECT_GT(incremental.differs_from(empty), 0.01);  // the work is there

  renderer_->set_scene(s, head, catalogue_);
  renderer_->sync_dots(final_list, &scorer);
  const Frame rebuilt = render(*renderer_, *target_, cam, opt, "far_rebuilt");
  EXPECT_EQ(incremental.differs_from(rebuilt), 0.0);
}

TEST_F(RenderTest, PracticePadRendersFromAbove) {
  smp::sim::Scenario s = test_scenario(3);
  s.surface = smp::sim::Surface::kPracticePad;
  s.regions = {region("square", smp::sim::RegionRole::kTreat,
                      {{-30, -20}, {30, -20}, {30, 20}, {-30, 20}}, 60, 0.15, 0.4)};
  s.hairline_front_mm.clear();
  s.patient.hairs_mm.clear();
  const smp::physics::SkinSurface pad = smp::physics::SkinSurface::for_scenario(s);
  renderer_->set_scene(s, pad, catalogue_);
  std::vector<Impression> dots = make_dots(s, 2000, 4, {-30, -20}, {30, 20}, "smp-grey-1");
  renderer_->sync_dots(dots, nullptr);
  DrawOptions opt;
  opt.show_regions = true;
  const Frame f = render(*renderer_, *target_, OrbitCamera::framing(pad), opt, "pad");
  EXPECT_GT(foreground_fraction(f), 0.3);
}

// Every shipped scenario: its surface, regions and hairline render; dots in its first treat region
// show up; the picture is written for a person to look at.
TEST_F(RenderTest, EveryShippedScenarioRendersWithItsGuidesAndDots) {
  const std::vector<std::string> files = smp::test::shipped_scenarios();
  ASSERT_FALSE(files.empty());
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    const auto loaded = smp::sim::load_scenario_file(file);
    ASSERT_TRUE(loaded.ok()) << loaded.errors().front().to_string();
    const smp::sim::Scenario& s = loaded.value();
    const smp::physics::SkinSurface surface = smp::physics::SkinSurface::for_scenario(s);
    renderer_->set_scene(s, surface, catalogue_);
    const OrbitCamera cam = OrbitCamera::framing(surface, s);
    DrawOptions opt;
    const Frame plain = render(*renderer_, *target_, cam, opt, s.id + "_plain");
    EXPECT_GT(foreground_fraction(plain), 0.3);
    EXPECT_GT(smp::render::image_stats(kW, kH, plain.rgba).luma_stddev, 3.0);  // shaded, not flat
    opt.show_regions = true;
    opt.show_hairline = true;
    const Frame guides = render(*renderer_, *target_, cam, opt, s.id + "_guides");
    EXPECT_GT(guides.differs_from(plain), 0.003);

    const smp::sim::Region* treat = nullptr;
    for (const smp::sim::Region& r : s.regions) {
      if (r.role == smp::sim::RegionRole::kTreat) {
        treat = &r;
        break;
      }
    }
    ASSERT_NE(treat, nullptr);
    smp::sim::Scenario only_treat = s;
    only_treat.regions = {*treat};
    const smp::sim::BoxMm b = smp::sim::bounding_box(treat->polygon_mm);
    const std::vector<Impression> dots =
        make_dots(only_treat, 800, 9, b.min, b.max,
                  s.defaults.pigment.empty() ? "smp-grey-2" : s.defaults.pigment);
    renderer_->sync_dots(dots, nullptr);
    renderer_->set_time_days(30.0);
    const Frame worked = render(*renderer_, *target_, cam, opt, s.id + "_healed");
    renderer_->set_time_days(0.0);
    EXPECT_GT(worked.differs_from(guides), 0.0005);
  }
}

TEST_F(RenderTest, CrossSectionDiagramShowsLayersBandAndDeposits) {
  const smp::sim::Scenario s = test_scenario(3);
  std::vector<Impression> dots;
  for (int k = 0; k < 5; ++k) {
    Impression imp;
    imp.id = std::uint32_t(k);
    imp.pos = {-3.0 + 1.5 * k, 100.0};
    imp.depth_mm = 0.25 + 0.35 * k;
    imp.fresh_diameter_mm = 0.25;
    imp.layer = smp::sim::layer_at_depth(s.skin, imp.depth_mm);
    imp.pigment = "smp-grey-2";
    dots.push_back(imp);
  }
  const auto cs =
      smp::render::make_cross_section(s, dots, {0, 100}, 0.0, 4.0, 0.6, 2.6, &catalogue_);
  ASSERT_EQ(cs.deposits.size(), 5u);
  EXPECT_DOUBLE_EQ(cs.band_min_mm, 0.15);
  EXPECT_DOUBLE_EQ(cs.band_max_mm, 0.40);
  EXPECT_TRUE(cs.deposits[0].in_band);   // 0.25 mm: in the 0.15-0.40 band
  EXPECT_FALSE(cs.deposits[1].in_band);  // 0.60 mm: too deep
  const Viewport vp{100, 80, 480, 360};
  const auto lay = smp::render::layout_cross_section(cs, vp);
  double px, py;
  lay.to_pixel(cs, 0.0, 0.0, &px, &py);
  EXPECT_NEAR(px, lay.plot.x + lay.plot.width / 2.0, 1e-9);
  EXPECT_NEAR(py, lay.plot.y, 1e-9);

  target_->bind();
  glClearColor(0, 0, 0, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  renderer_->draw_cross_section(cs, vp, kH);
  const std::vector<std::uint8_t> img = target_->read();
  ASSERT_TRUE(smp::render::write_png(shot_path("cross_section"), kW, kH, img).ok());
  auto at = [&](double x, double y) { return &img[(std::size_t(y) * kW + std::size_t(x)) * 4]; };
  // Outside the viewport nothing was drawn; inside, the fat layer is yellowish at the bottom.
  EXPECT_EQ(at(20, 20)[0], 0);
  lay.to_pixel(cs, -3.5, 2.3, &px, &py);
  const std::uint8_t* fat = at(px, py);
  EXPECT_GT(fat[0], 200);
  EXPECT_GT(fat[1], 180);
  // The deposit at 1.5 mm depth is dark.
  lay.to_pixel(cs, cs.deposits[4].offset_mm, cs.deposits[4].depth_mm, &px, &py);
  EXPECT_LT(at(px, py)[1], 120);
}

}  // namespace
