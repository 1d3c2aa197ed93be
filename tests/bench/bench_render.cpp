// BM_RenderFrame/N: one trainer scene frame at 1280x800 with N dots, under SDL's offscreen driver
// on Mesa llvmpipe (software GL). Timed to glFinish, so the GPU (here: CPU) work is included.
// The dots are uploaded once before timing (sync_dots appends only new ones in the trainer).
// The ImGui panels are not drawn; the scene is what grows with N.
#include <epoxy/gl.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "smp/physics/surface.h"
#include "smp/platform/window.h"
#include "smp/render/camera.h"
#include "smp/render/renderer.h"
#include "smp/sim/scoring.h"

namespace smp::bench {
namespace {

constexpr int kW = 1280, kH = 800;

struct Gl {
  platform::Window window;
  bool ok = false;
  Gl() {
    setenv("SDL_VIDEODRIVER", "offscreen", 0);  // keep a caller's choice (e.g. x11 under Xvfb)
    platform::WindowOptions opt;
    opt.width = kW;
    opt.height = kH;
    opt.vsync = false;
    ok = window.open(opt);
  }
};
Gl& gl() {
  static Gl g;
  return g;
}

void BM_RenderFrame(benchmark::State& st) {
  if (!gl().ok) {
    st.SkipWithError(("no GL context: " + gl().window.error()).c_str());
    return;
  }
  const auto n = static_cast<std::size_t>(st.range(0));
  auto r = render::Renderer::create();
  if (!r.ok()) {
    st.SkipWithError(r.errors().front().to_string().c_str());
    return;
  }
  std::unique_ptr<render::Renderer> renderer = std::move(r).value();
  const physics::SkinSurface surface = physics::SkinSurface::for_scenario(scenario());
  renderer->set_scene(scenario(), surface, catalogue());
  // N = 0: the bare head (skin, hairline), what every frame costs before any dot.
  const auto imps = n > 0 ? impressions(n) : std::vector<sim::Impression>{};
  sim::Scorer scorer(scenario(), catalogue());
  for (const auto& imp : imps) scorer.add(imp);
  renderer->sync_dots(imps, &scorer);  // upload once; a frame only draws
  const render::OrbitCamera camera = render::OrbitCamera::framing(surface);
  int fw = kW, fh = kH;
  gl().window.drawable_size(fw, fh);
  const render::Viewport vp{0, 0, fw, fh};
  render::DrawOptions opt;
  opt.show_status = true;
  opt.show_hairline = true;
  // One untimed frame first: llvmpipe compiles shaders and builds the vertex state on first use.
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  renderer->draw(camera, vp, fh, opt);
  glFinish();
  for (auto _ : st) {
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    renderer->draw(camera, vp, fh, opt);
    glFinish();
  }
  st.counters["dots"] = static_cast<double>(renderer->dot_count());
  st.counters["pixels"] = static_cast<double>(fw) * fh;
}

}  // namespace

// Wall time, and the CPU time of every thread (llvmpipe rasterises on worker threads).
BENCHMARK(BM_RenderFrame)->Arg(0)->Arg(10000)->Arg(100000)->Arg(300000)->Unit(benchmark::kMillisecond)
    ->UseRealTime()->MeasureProcessCPUTime();

}  // namespace smp::bench
