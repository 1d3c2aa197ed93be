// OpenGL 3.3 core renderer of the skin, the dots, guides, heat maps and the cross-section diagram.
// No SDL: the platform layer makes the context; libepoxy resolves GL calls (docs/rendering.md).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "smp/physics/surface.h"
#include "smp/render/camera.h"
#include "smp/render/cross_section.h"
#include "smp/render/overlays.h"
#include "smp/sim/impression.h"
#include "smp/sim/pigment.h"
#include "smp/sim/result.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"

namespace smp::render {

struct DrawOptions {
  bool show_regions = false;   // region outlines: treat, scar, transition, forbidden, avoid
  bool show_hairline = false;  // the designed front hairline polyline
  bool show_status = false;    // per-dot depth status ring (in band / shallow / deep / critical)
  bool show_hairs = true;      // existing hairs (thinning cases)
  HeatMapKind heat_map = HeatMapKind::kNone;
  double heat_opacity = 0.85;
  // A ring on the skin where the needle would land (the cursor), diameter in mm.
  std::optional<sim::PointMm> cursor;
  double cursor_diameter_mm = 2.0;
  bool clear = true;  // clear colour+depth of the viewport with the background gradient first
};

// Colours of the guides and status rings (sRGB), also for the UI's legend.
sim::Rgb region_color(sim::RegionRole role);
sim::Rgb status_color(sim::DepthStatus status);

// What must outlive what: the GL context must be current for the Renderer's whole life, including
// its destructor. The Scenario, SkinSurface and PigmentCatalogue given to set_scene() must outlive
// the Renderer (or the next set_scene()).
class Renderer {
 public:
  // Compiles the shaders and makes the static buffers. Fails with the GL info log when the context
  // is not OpenGL 3.3 core or a shader does not compile.
  static sim::Result<std::unique_ptr<Renderer>> create();
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Uploads the skin mesh, region masks, guides and hairs; drops all dots and heat data.
  void set_scene(const sim::Scenario& scenario, const physics::SkinSurface& surface,
                 const sim::PigmentCatalogue& catalogue);

  // Makes the dots match `impressions` (the simulation's list, in id order): new ones at the end
  // are appended (only their instance data is uploaded); when the list shrank or its tail changed
  // (undo), everything is rebuilt. `scorer` is the one source of the status rings' colours
  // (sim::ring_status) and the heat maps' values (nullptr: no rings, no heat data).
  void sync_dots(std::span<const sim::Impression> impressions, const sim::Scorer* scorer);
  // Time since placement the dots are shown at (0 = fresh, ~30 = healed, months...). A change
  // recomputes every dot's appearance (smp::sim::appearance_at) and re-uploads.
  void set_time_days(double t_days);
  double time_days() const;
  std::size_t dot_count() const;

  // Draws the scene into `vp` (window pixels, top-left origin) of the bound framebuffer, whose
  // height is `framebuffer_height` pixels. Leaves depth test and blending disabled.
  void draw(const OrbitCamera& camera, const Viewport& vp, int framebuffer_height,
            const DrawOptions& options);

  // Draws the diagram of `cs` filling `vp` (use layout_cross_section(cs, vp) for label positions).
  void draw_cross_section(const CrossSection& cs, const Viewport& vp, int framebuffer_height);

  // The heat field behind the overlays (legend values, tests), brought up to date with the dots
  // (it is filled lazily: only while a heat map is drawn or when asked for here).
  const HeatField* heat_field();

 private:
  Renderer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a rectangle of the framebuffer bound for reading as RGBA8, rows top first.
std::vector<std::uint8_t> read_pixels(const Viewport& vp, int framebuffer_height);

// An offscreen framebuffer (colour RGBA8 + depth, optional multisampling) for screenshots and
// headless runs. Needs a current GL context for its whole life.
class RenderTarget {
 public:
  static sim::Result<std::unique_ptr<RenderTarget>> create(int width, int height, int samples = 4);
  ~RenderTarget();
  RenderTarget(const RenderTarget&) = delete;
  RenderTarget& operator=(const RenderTarget&) = delete;
  void bind();  // draw into it (sets the viewport to the whole target)
  // Resolves multisampling and returns the pixels (rows top first); rebinds framebuffer 0.
  std::vector<std::uint8_t> read();
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  RenderTarget() = default;
  int width_ = 0, height_ = 0, samples_ = 0;
  unsigned fbo_ = 0, color_ = 0, depth_ = 0, resolve_fbo_ = 0, resolve_color_ = 0;
};

}  // namespace smp::render
