// OpenGL 3.3 core renderer (docs/rendering.md).
#include "smp/render/renderer.h"

#include <epoxy/gl.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gl_util.h"
#include "shaders.h"
#include "smp/physics/collision_world.h"
#include "smp/sim/healing.h"

namespace smp::render {
namespace {

using physics::Vec3;

constexpr int kHairSegments = 6;
constexpr double kMaskTexelMm = 0.25;  // region mask resolution: 1-2 mm scars stay crisp
constexpr double kMaskMarginMm = 12.0;
constexpr double kGuideLiftMm = 0.35;   // guides float just above the skin (depth test)
constexpr double kFreshHaloDays = 3.0;  // e-folding time of the fresh red halo
// The skin's value noise, baked once into one tiling 256 x 256 texture (docs/rendering.md, Skin):
// r, g the mottling and its red variation over a 256 mm tile (1 mm a texel), b the pores, 64 cells
// of 0.42 mm (27 mm) over the same texels. The octaves are rounded to whole cells per tile.
constexpr int kNoiseTexels = 256;
constexpr double kNoiseTileMm = 256.0;
constexpr int kPoreCells = 64;
// Past this size of a pixel on the nearest skin, the head is drawn from a coarser grid (47,232
// triangles instead of 146,688: ~4 mm chords whose sagitta on the scalp is ~0.02 mm).
constexpr double kCoarseMeshMmPerPx = 0.2;
// Dot layer (docs/rendering.md, Dots): the dots, their fresh halos and (while shown) their status
// rings are splatted into a scalp-map texture at 0.125 mm a texel (a ring ~1 texel wide needs
// that); its size is rounded up to whole 64 texels so every mip level down to 8 mm halves exactly.
constexpr double kDotTexelMm = 0.125;
constexpr int kDotLevels = 7;  // levels 0..6: 0.125 .. 8 mm
constexpr double kDotMarginMm = 3.0;
constexpr float kLayerLodBias = -1.0f;
constexpr std::size_t kSplatChunk = 16384;  // instances a splat draw: bounds llvmpipe's bins
// Closer than this (a pixel smaller than a dot texel on the nearest skin), the dots in view are
// drawn one by one as instanced quads, if there are at most kNearBudget of them.
constexpr double kNearMmPerPx = kDotTexelMm;
constexpr std::size_t kNearBudget = 20000;
constexpr double kCellMm = 8.0;      // culling cells of the near path (map mm)
constexpr double kJacobianMm = 4.0;  // grid of the skin -> map Jacobian used by the splats

float lin(double c) {  // sRGB -> linear
  return float(c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4));
}
void set_vec3_linear(GLint loc, const sim::Rgb& c) {
  glUniform3f(loc, lin(c.r), lin(c.g), lin(c.b));
}
void push3(std::vector<float>& v, Vec3 p) {
  v.push_back(float(p.x));
  v.push_back(float(p.y));
  v.push_back(float(p.z));
}
// Deterministic per-item pseudo-random number in [0, 1) (splitmix64 finaliser).
double hash01(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  x ^= x >> 31;
  return double(x >> 11) * (1.0 / 9007199254740992.0);
}
// Value noise with smoothstep interpolation, periodic over `cells` lattice cells; (fx, fy) in
// cells. `octave` picks an independent lattice.
double periodic_noise(int octave, int cells, double fx, double fy) {
  auto lattice = [&](int i, int j) {
    i = ((i % cells) + cells) % cells;
    j = ((j % cells) + cells) % cells;
    return hash01(std::uint64_t(octave) * 1000003ull + std::uint64_t(j) * 4096ull +
                  std::uint64_t(i));
  };
  const int ix = int(std::floor(fx)), iy = int(std::floor(fy));
  double tx = fx - ix, ty = fy - iy;
  tx = tx * tx * (3.0 - 2.0 * tx);
  ty = ty * ty * (3.0 - 2.0 * ty);
  const double a = lattice(ix, iy) + (lattice(ix + 1, iy) - lattice(ix, iy)) * tx;
  const double b = lattice(ix, iy + 1) + (lattice(ix + 1, iy + 1) - lattice(ix, iy + 1)) * tx;
  return a + (b - a) * ty;
}
std::vector<std::uint8_t> make_noise_texels() {
  const int n = kNoiseTexels;
  std::vector<std::uint8_t> px(std::size_t(n) * n * 4, 255);
  const auto cells = [](double scale_mm) { return int(std::lround(kNoiseTileMm / scale_mm)); };
  const int c17 = cells(17.0), c55 = cells(5.5), c9 = cells(9.0);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const double u = (x + 0.5) / n, v = (y + 0.5) / n;  // fraction of the tile
      const double blot = 0.6 * periodic_noise(0, c17, u * c17, v * c17) +
                          0.4 * periodic_noise(1, c55, u * c55, v * c55);
      std::uint8_t* p = &px[(std::size_t(y) * n + x) * 4];
      p[0] = std::uint8_t(std::lround(255.0 * blot));
      p[1] = std::uint8_t(std::lround(255.0 * periodic_noise(2, c9, u * c9, v * c9)));
      p[2] = std::uint8_t(
          std::lround(255.0 * periodic_noise(3, kPoreCells, u * kPoreCells, v * kPoreCells)));
    }
  }
  return px;
}
sim::Rgb hex(unsigned v) {
  return {double((v >> 16) & 255) / 255.0, double((v >> 8) & 255) / 255.0, double(v & 255) / 255.0};
}

// One dot's instance record, as laid out in the instance buffer.
struct DotInstance {
  float pos[3], normal[3], axis[3];
  float shape[4];  // major radius, minor radius, blur, seed
  float color[4];  // linear rgb, opacity
  float extra[2];  // halo, status
};
static_assert(sizeof(DotInstance) == 19 * sizeof(float));

// One dot as splatted into the map-space layers.
struct SplatInstance {
  float map[2];
  float frame[4];  // dot frame (major, minor mm) -> map mm, column-major
  float shape[4], color[4], extra[2];
};
static_assert(sizeof(SplatInstance) == 16 * sizeof(float));

struct LineInstance {
  float p0[3], p1[3], color[4], width;
};

// Everything about a dot that does not change with the time-lapse value.
struct DotGeom {
  physics::SurfacePoint at;
  const sim::Pigment* pigment = nullptr;
  float status = 0;
  double t_s = 0;  // fingerprint for undo detection (with the position)
  sim::PointMm pos;
};

}  // namespace

sim::Rgb region_color(sim::RegionRole role) {
  // Okabe-Ito colour-blind-safe palette.
  switch (role) {
    case sim::RegionRole::kTreat:
      return hex(0x56b4e9);
    case sim::RegionRole::kScar:
      return hex(0xe69f00);
    case sim::RegionRole::kHairlineTransition:
      return hex(0xcc79a7);
    case sim::RegionRole::kForbidden:
      return hex(0xd55e00);
    case sim::RegionRole::kAvoid:
      return hex(0xf0e442);
  }
  return {1, 1, 1};
}

sim::Rgb status_color(sim::DepthStatus s) {
  switch (s) {
    case sim::DepthStatus::kInBand:
      return hex(0x009e73);
    case sim::DepthStatus::kTooShallow:
      return hex(0xf0e442);
    case sim::DepthStatus::kTooDeep:
      return hex(0x0072b2);
    case sim::DepthStatus::kCritical:
      return hex(0xd55e00);
  }
  return {1, 1, 1};
}

struct Renderer::Impl {
  // Programs and their uniform locations.
  GLuint bg = 0, skin = 0, dots = 0, lines = 0, hair = 0, flat = 0;
  GLuint skin_variants[8] = {};  // by 1 (dots) | 4 (heat), compiled on first use
  // Skin mesh.
  GLuint skin_vao = 0, skin_vbo = 0, skin_ebo = 0;
  // The full mesh's indices, then (head only) the coarse level's.
  GLsizei skin_index_count = 0, skin_coarse_count = 0;
  GLuint mask_tex = 0, heat_tex = 0, noise_tex = 0;
  float mask_rect[4] = {0, 0, 1, 1}, heat_rect[4] = {0, 0, 1, 1};
  // Dots. dot_vbo holds the instanced (near) dots only: near_idx of them.
  GLuint quad_vbo = 0, dot_vao = 0, dot_vbo = 0;
  std::size_t dot_uploaded = 0;
  std::vector<std::uint32_t> near_idx;
  std::uint64_t dots_generation = 1, near_generation = 0;  // a change of `inst` bumps the first
  // The dot layer over the scalp map (far views): dots, halos and, when `rings`, status rings.
  struct Layer {
    GLuint tex = 0;
    int w = 0, h = 0, levels = 0;
    double texel_mm = 0;
    int dirty[4] = {0, 0, 0, 0};  // texel rect of level 0 whose mips are stale (x0, y0, x1, y1)
    std::size_t count = 0;        // dots [0, count) are in it
    bool full = true;             // clear it and splat every dot again
    bool redo_valid = false;      // a map rect to clear and splat again (an undo's footprint)
    sim::BoxMm redo;
    bool rings = false;  // the status rings are in it (a toggle splats everything again)
  };
  Layer layers[1];
  GLuint splat = 0, down = 0, splat_vao = 0, splat_vbo = 0, layer_fbo = 0;
  float dot_rect[4] = {0, 0, 1, 1};
  sim::PointMm layer_origin;
  std::vector<SplatInstance> splat_buf;
  // Skin -> map Jacobian (inverse of the map's), on a lazy kJacobianMm grid.
  std::vector<std::array<double, 4>> jac;
  std::vector<std::uint8_t> jac_done;
  int jac_w = 0, jac_h = 0;
  // Culling cells of the near path: the dots in each, and a world bounding sphere.
  std::vector<std::vector<std::uint32_t>> cells;
  std::vector<std::array<double, 4>> cell_sphere;
  std::vector<std::uint8_t> cell_sphere_done;
  int cell_w = 0, cell_h = 0;
  std::vector<DotGeom> geom;
  std::vector<DotInstance> inst;
  std::vector<sim::Impression> imps;  // copy of what the instances show (for time changes)
  double t_days = 0.0;
  // Guides.
  GLuint line_vao = 0, line_vbo = 0, line_quad = 0;
  std::vector<LineInstance> region_lines, hairline_lines, cursor_lines;
  std::size_t line_capacity = 0;
  // Hairs.
  GLuint hair_vao = 0, hair_vbo = 0;
  GLsizei hair_count = 0;
  // 2D.
  GLuint flat_vao = 0, flat_vbo = 0;
  std::vector<float> flat_data;

  const sim::Scenario* scenario = nullptr;
  const physics::SkinSurface* surface = nullptr;
  const sim::PigmentCatalogue* catalogue = nullptr;
  sim::Pigment fallback_pigment;
  sim::Rgb skin_rgb, scar_rgb, hair_rgb, lesion_rgb;
  std::unique_ptr<HeatField> heat;
  std::size_t heat_count = 0;           // imps[0..heat_count) are in `heat`
  const sim::Scorer* scorer = nullptr;  // the source of the rings' and heat maps' values
  std::vector<std::uint32_t> heat_near;
  std::vector<sim::DensityCell> heat_cells;
  bool heat_dirty = true;
  HeatMapKind heat_uploaded = HeatMapKind::kNone;

  ~Impl() {
    for (GLuint p : {bg, dots, lines, hair, flat, splat, down}) {
      if (p) glDeleteProgram(p);
    }
    for (GLuint p : skin_variants) {
      if (p) glDeleteProgram(p);
    }
    const GLuint bufs[] = {skin_vbo,  skin_ebo, quad_vbo, dot_vbo,  line_vbo,
                           line_quad, hair_vbo, flat_vbo, splat_vbo};
    glDeleteBuffers(GLsizei(std::size(bufs)), bufs);
    const GLuint vaos[] = {skin_vao, dot_vao, line_vao, hair_vao, flat_vao, splat_vao};
    glDeleteVertexArrays(GLsizei(std::size(vaos)), vaos);
    const GLuint texs[] = {mask_tex, heat_tex, noise_tex, layers[0].tex};
    glDeleteTextures(GLsizei(std::size(texs)), texs);
    if (layer_fbo) glDeleteFramebuffers(1, &layer_fbo);
  }

  DotInstance make_instance(const sim::Impression& imp, const DotGeom& g) const {
    const sim::Appearance a = sim::appearance_at(imp, sim::skin_at(*scenario, g.pos),
                                                 g.pigment ? *g.pigment : fallback_pigment,
                                                 scenario->patient.skin_lab, t_days);
    DotInstance d{};
    const Vec3 axis =
        g.at.tangent_x * std::cos(a.orientation_rad) + g.at.tangent_y * std::sin(a.orientation_rad);
    const double rmin = 0.5 * std::max(a.diameter_mm, 0.0);
    const double rmaj = rmin * std::max(a.elongation, 1.0);
    const sim::Rgb c = sim::lab_to_srgb(a.color);
    const float p[3] = {float(g.at.pos.x), float(g.at.pos.y), float(g.at.pos.z)};
    const float n[3] = {float(g.at.normal.x), float(g.at.normal.y), float(g.at.normal.z)};
    const float ax[3] = {float(axis.x), float(axis.y), float(axis.z)};
    std::memcpy(d.pos, p, sizeof p);
    std::memcpy(d.normal, n, sizeof n);
    std::memcpy(d.axis, ax, sizeof ax);
    d.shape[0] = float(rmaj);
    d.shape[1] = float(rmin);
    d.shape[2] = float(std::max(a.blur_mm, 0.0));
    d.shape[3] = float(hash01(imp.id * 7919ull + 17ull));
    d.color[0] = lin(c.r);
    d.color[1] = lin(c.g);
    d.color[2] = lin(c.b);
    d.color[3] = float(std::clamp(a.opacity, 0.0, 1.0));
    d.extra[0] = float(std::exp(-t_days / kFreshHaloDays));
    d.extra[1] = g.status;
    return d;
  }

  void upload_lines(const std::vector<LineInstance>& l) {
    glBindBuffer(GL_ARRAY_BUFFER, line_vbo);
    if (l.size() > line_capacity) {
      line_capacity = std::max<std::size_t>(l.size() * 2, 1024);
      glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(line_capacity * sizeof(LineInstance)), nullptr,
                   GL_DYNAMIC_DRAW);
    }
    if (!l.empty()) {
      glBufferSubData(GL_ARRAY_BUFFER, 0, GLsizeiptr(l.size() * sizeof(LineInstance)), l.data());
    }
  }

  // A polyline in scalp-map mm, resampled every ~1 mm and lifted onto the skin.
  void add_polyline(std::vector<LineInstance>& out, const std::vector<sim::PointMm>& pts,
                    bool closed, const sim::Rgb& c, float alpha, float width_px) const {
    if (pts.size() < 2) return;
    std::vector<Vec3> lifted;
    const std::size_t n = pts.size();
    for (std::size_t i = 0; i < (closed ? n : n - 1); ++i) {
      const sim::PointMm a = pts[i], b = pts[(i + 1) % n];
      const int steps = std::max(1, int(std::ceil(sim::distance_mm(a, b) / 1.0)));
      for (int k = 0; k < steps; ++k) {
        const double t = double(k) / steps;
        const physics::SurfacePoint sp =
            surface->point({a.x_mm + (b.x_mm - a.x_mm) * t, a.y_mm + (b.y_mm - a.y_mm) * t});
        lifted.push_back(sp.pos + sp.normal * kGuideLiftMm);
      }
    }
    const physics::SurfacePoint last = surface->point(closed ? pts.front() : pts.back());
    lifted.push_back(last.pos + last.normal * kGuideLiftMm);
    for (std::size_t i = 0; i + 1 < lifted.size(); ++i) {
      LineInstance li{};
      li.p0[0] = float(lifted[i].x);
      li.p0[1] = float(lifted[i].y);
      li.p0[2] = float(lifted[i].z);
      li.p1[0] = float(lifted[i + 1].x);
      li.p1[1] = float(lifted[i + 1].y);
      li.p1[2] = float(lifted[i + 1].z);
      li.color[0] = float(c.r);
      li.color[1] = float(c.g);
      li.color[2] = float(c.b);
      li.color[3] = alpha;
      li.width = width_px;
      out.push_back(li);
    }
  }

  // The heat field is filled lazily (only while a heat map is shown or asked for).
  // The heat field paints the scorer's values only (sim::Scorer::dot_feedback): the new dots,
  // the earlier dots whose blur risk a new one changed (those it may touch), and the density
  // cells.
  void catch_up_heat() {
    if (!heat || scorer == nullptr) return;
    const std::size_t upto = std::min(imps.size(), scorer->size());
    if (heat_count >= upto) return;
    const std::size_t first = heat_count;
    for (; heat_count < upto; ++heat_count) {
      const auto id = std::uint32_t(heat_count);
      const sim::DotFeedback f = scorer->dot_feedback(id);
      if (first > 0) {
        heat->dots_touchable_from(imps[id].pos, f.radius_mm, heat_near);
        for (std::uint32_t k : heat_near)
          if (k < first) heat->set_blur_risk(k, scorer->dot_feedback(k).blur_risk);
      }
      heat->add(imps[id].pos, f);
    }
    scorer->density_cells(heat_cells);
    heat->set_density_cells(heat_cells);
    heat_dirty = true;
  }
  GLuint skin_program(int bits, std::string* log) {
    if (!skin_variants[bits]) {
      const std::string fs = std::string("#version 330 core\n#define SMP_DOTS ") +
                             ((bits & 1) ? "1" : "0") + "\n#define SMP_HEAT " +
                             ((bits & 4) ? "1" : "0") + "\n" + shaders::kSkinFsBody;
      skin_variants[bits] = gl::make_program(shaders::kSkinVs, fs.c_str(), log);
    }
    return skin_variants[bits];
  }
  void build_mask();
  void build_hairs();
  void build_layers();
  std::array<double, 4> jacobian_inverse(sim::PointMm p);
  SplatInstance make_splat(std::size_t i, sim::BoxMm* footprint);
  void splat_range(std::size_t from, std::size_t to, int layer, const sim::BoxMm* clip,
                   sim::BoxMm* touched, bool* touched_valid);
  void catch_up_layer(bool rings);
  void update_mips(Layer& l);
  bool gather_near(const Mat4& vp_m, const Vec3& eye);
  std::size_t cell_of(sim::PointMm p) const;
  void draw_lines(const std::vector<LineInstance>& l, const Mat4& vp_m, const Viewport& vp);
};

Renderer::Renderer() : impl_(std::make_unique<Impl>()) {}
Renderer::~Renderer() = default;

sim::Result<std::unique_ptr<Renderer>> Renderer::create() {
  const auto fail = [](const std::string& m) {
    return sim::Result<std::unique_ptr<Renderer>>::fail({"<gl>", "", m});
  };
  if (epoxy_gl_version() < 33 || epoxy_is_desktop_gl() == 0) {
    return fail("an OpenGL 3.3 core context is required (got version " +
                std::to_string(epoxy_gl_version()) + ")");
  }
  std::unique_ptr<Renderer> r(new Renderer());
  Impl& m = *r->impl_;
  std::string log;
  m.bg = gl::make_program(shaders::kBackgroundVs, shaders::kBackgroundFs, &log);
  m.skin = m.skin_program(0, &log);
  m.dots = gl::make_program(shaders::kDotVs, shaders::kDotFs, &log);
  m.lines = gl::make_program(shaders::kLineVs, shaders::kLineFs, &log);
  m.hair = gl::make_program(shaders::kHairVs, shaders::kHairFs, &log);
  m.flat = gl::make_program(shaders::kFlatVs, shaders::kFlatFs, &log);
  m.splat = gl::make_program(shaders::kSplatVs, shaders::kSplatFs, &log);
  m.down = gl::make_program(shaders::kDownVs, shaders::kDownFs, &log);
  if (!m.bg || !m.skin || !m.dots || !m.lines || !m.hair || !m.flat || !m.splat || !m.down) {
    return fail(log);
  }

  glGenVertexArrays(1, &m.skin_vao);
  glGenBuffers(1, &m.skin_vbo);
  glGenBuffers(1, &m.skin_ebo);
  glBindVertexArray(m.skin_vao);
  glBindBuffer(GL_ARRAY_BUFFER, m.skin_vbo);
  glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, m.skin_ebo);
  const std::size_t vs = sizeof(physics::MeshVertex);
  gl::attrib(0, 3, vs, offsetof(physics::MeshVertex, pos));
  gl::attrib(1, 3, vs, offsetof(physics::MeshVertex, normal));
  gl::attrib(2, 2, vs, offsetof(physics::MeshVertex, map_mm));

  const float quad[8] = {-1, -1, 1, -1, -1, 1, 1, 1};
  glGenBuffers(1, &m.quad_vbo);
  glBindBuffer(GL_ARRAY_BUFFER, m.quad_vbo);
  glBufferData(GL_ARRAY_BUFFER, sizeof quad, quad, GL_STATIC_DRAW);
  // An instanced quad: attribute 0 the corner from quad_vbo, the instance buffer left bound for
  // the per-instance attributes.
  auto instanced_quad = [&](GLuint& vao, GLuint& vbo) {
    glGenVertexArrays(1, &vao);
    glGenBuffers(1, &vbo);
    glBindVertexArray(vao);
    glBindBuffer(GL_ARRAY_BUFFER, m.quad_vbo);
    gl::attrib(0, 2, 2 * sizeof(float), 0);
    glBindBuffer(GL_ARRAY_BUFFER, vbo);
  };
  instanced_quad(m.dot_vao, m.dot_vbo);
  const std::size_t ds = sizeof(DotInstance);
  gl::attrib(1, 3, ds, offsetof(DotInstance, pos), 1);
  gl::attrib(2, 3, ds, offsetof(DotInstance, normal), 1);
  gl::attrib(3, 3, ds, offsetof(DotInstance, axis), 1);
  gl::attrib(4, 4, ds, offsetof(DotInstance, shape), 1);
  gl::attrib(5, 4, ds, offsetof(DotInstance, color), 1);
  gl::attrib(6, 2, ds, offsetof(DotInstance, extra), 1);

  instanced_quad(m.splat_vao, m.splat_vbo);
  const std::size_t ss = sizeof(SplatInstance);
  gl::attrib(1, 2, ss, offsetof(SplatInstance, map), 1);
  gl::attrib(2, 4, ss, offsetof(SplatInstance, frame), 1);
  gl::attrib(3, 4, ss, offsetof(SplatInstance, shape), 1);
  gl::attrib(4, 4, ss, offsetof(SplatInstance, color), 1);
  gl::attrib(5, 2, ss, offsetof(SplatInstance, extra), 1);
  glGenFramebuffers(1, &m.layer_fbo);

  const float line_quad[8] = {0, -1, 0, 1, 1, -1, 1, 1};
  glGenBuffers(1, &m.line_quad);
  glBindBuffer(GL_ARRAY_BUFFER, m.line_quad);
  glBufferData(GL_ARRAY_BUFFER, sizeof line_quad, line_quad, GL_STATIC_DRAW);
  glGenVertexArrays(1, &m.line_vao);
  glGenBuffers(1, &m.line_vbo);
  glBindVertexArray(m.line_vao);
  glBindBuffer(GL_ARRAY_BUFFER, m.line_quad);
  gl::attrib(0, 2, 2 * sizeof(float), 0);
  glBindBuffer(GL_ARRAY_BUFFER, m.line_vbo);
  const std::size_t ls = sizeof(LineInstance);
  gl::attrib(1, 3, ls, offsetof(LineInstance, p0), 1);
  gl::attrib(2, 3, ls, offsetof(LineInstance, p1), 1);
  gl::attrib(3, 4, ls, offsetof(LineInstance, color), 1);
  gl::attrib(4, 1, ls, offsetof(LineInstance, width), 1);

  glGenVertexArrays(1, &m.hair_vao);
  glGenBuffers(1, &m.hair_vbo);
  glBindVertexArray(m.hair_vao);
  glBindBuffer(GL_ARRAY_BUFFER, m.hair_vbo);
  const std::size_t hs = 13 * sizeof(float);
  gl::attrib(0, 3, hs, 0, 1);
  gl::attrib(1, 3, hs, 3 * sizeof(float), 1);
  gl::attrib(2, 3, hs, 6 * sizeof(float), 1);
  gl::attrib(3, 4, hs, 9 * sizeof(float), 1);

  glGenVertexArrays(1, &m.flat_vao);
  glGenBuffers(1, &m.flat_vbo);
  glBindVertexArray(m.flat_vao);
  glBindBuffer(GL_ARRAY_BUFFER, m.flat_vbo);
  gl::attrib(0, 2, 6 * sizeof(float), 0);
  gl::attrib(1, 4, 6 * sizeof(float), 2 * sizeof(float));
  glBindVertexArray(0);

  glGenTextures(1, &m.mask_tex);
  glGenTextures(1, &m.heat_tex);
  for (GLuint t : {m.mask_tex, m.heat_tex}) {
    glBindTexture(GL_TEXTURE_2D, t);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_BORDER);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_BORDER);
    const float border[4] = {0, 0, 0, 0};
    glTexParameterfv(GL_TEXTURE_2D, GL_TEXTURE_BORDER_COLOR, border);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    const std::uint8_t zero[4] = {0, 0, 0, 0};
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 1, 1, 0, GL_RGBA, GL_UNSIGNED_BYTE, zero);
  }
  {
    const int n = kNoiseTexels;
    const std::vector<std::uint8_t> px = make_noise_texels();
    glGenTextures(1, &m.noise_tex);
    glBindTexture(GL_TEXTURE_2D, m.noise_tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, n, n, 0, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    glGenerateMipmap(GL_TEXTURE_2D);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_REPEAT);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_REPEAT);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    // Nearest level: the pores are +-2.5 % of the albedo, so a level seam cannot be seen.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_NEAREST);
  }
  glBindTexture(GL_TEXTURE_2D, 0);

  m.fallback_pigment.id = "unknown";
  m.fallback_pigment.name = "unknown pigment";
  m.fallback_pigment.color = {18.0, 0.0, -1.0};
  return r;
}

void Renderer::Impl::build_mask() {
  // RGBA8 over the scalp map: r = scar coverage, g = forbidden coverage, b = "avoid" coverage
  // (drawn as a pigmented lesion: the shipped avoid regions are moles and freckles); 2x2
  // supersampled, then a 3x3 box blur of scar and lesion so their edges are soft.
  const sim::BoxMm wb = surface->map_bounds();
  const sim::BoxMm b{{wb.min.x_mm - kMaskMarginMm, wb.min.y_mm - kMaskMarginMm},
                     {wb.max.x_mm + kMaskMarginMm, wb.max.y_mm + kMaskMarginMm}};
  const int w = int(std::ceil((b.max.x_mm - b.min.x_mm) / kMaskTexelMm));
  const int h = int(std::ceil((b.max.y_mm - b.min.y_mm) / kMaskTexelMm));
  std::vector<float> scar(std::size_t(w) * h, 0.0f), forb(std::size_t(w) * h, 0.0f),
      avoid(std::size_t(w) * h, 0.0f);
  // Texel boxes of the regions drawn (one texel of margin for the blur); everything else stays 0.
  struct TexelBox {
    int i0, i1, j0, j1;
  };
  std::vector<TexelBox> boxes;
  std::vector<double> crossings;
  for (const sim::Region& r : scenario->regions) {
    std::vector<float>* dst = nullptr;
    if (r.role == sim::RegionRole::kScar) dst = &scar;
    if (r.role == sim::RegionRole::kForbidden) dst = &forb;
    if (r.role == sim::RegionRole::kAvoid) dst = &avoid;
    if (!dst || r.polygon_mm.size() < 3) continue;
    const sim::BoxMm rb = sim::bounding_box(r.polygon_mm);
    const int i0 = std::max(0, int((rb.min.x_mm - b.min.x_mm) / kMaskTexelMm) - 1);
    const int i1 = std::min(w - 1, int((rb.max.x_mm - b.min.x_mm) / kMaskTexelMm) + 1);
    const int j0 = std::max(0, int((rb.min.y_mm - b.min.y_mm) / kMaskTexelMm) - 1);
    const int j1 = std::min(h - 1, int((rb.max.y_mm - b.min.y_mm) / kMaskTexelMm) + 1);
    boxes.push_back({std::max(0, i0 - 1), std::min(w - 1, i1 + 1), std::max(0, j0 - 1),
                     std::min(h - 1, j1 + 1)});
    // Scanlines: sim::point_in_polygon's even-odd test (same crossing arithmetic, so the same
    // answer for every sample), with each sample row's edge crossings found once and sorted
    // instead of walking every edge for every sample.
    const sim::PolygonMm& poly = r.polygon_mm;
    const std::size_t n = poly.size();
    std::vector<std::uint8_t> inside(std::size_t(i1 - i0 + 1));
    for (int j = j0; j <= j1; ++j) {
      std::fill(inside.begin(), inside.end(), std::uint8_t{0});
      for (int sy = 0; sy < 2; ++sy) {
        const double py = b.min.y_mm + (j + 0.25 + 0.5 * sy) * kMaskTexelMm;
        crossings.clear();
        for (std::size_t e = 0, f = n - 1; e < n; f = e++) {
          const sim::PointMm& pa = poly[e];
          const sim::PointMm& pb = poly[f];
          if ((pa.y_mm > py) != (pb.y_mm > py))
            crossings.push_back(pa.x_mm +
                                (py - pa.y_mm) * (pb.x_mm - pa.x_mm) / (pb.y_mm - pa.y_mm));
        }
        std::sort(crossings.begin(), crossings.end());
        for (int sx = 0; sx < 2; ++sx) {
          // Inside when an odd number of crossings lie strictly right of the sample (px < x).
          std::size_t k = 0;
          for (int i = i0; i <= i1; ++i) {
            const double px = b.min.x_mm + (i + 0.25 + 0.5 * sx) * kMaskTexelMm;
            while (k < crossings.size() && !(px < crossings[k])) ++k;
            inside[std::size_t(i - i0)] += std::uint8_t((crossings.size() - k) % 2);
          }
        }
      }
      for (int i = i0; i <= i1; ++i) {
        float& v = (*dst)[std::size_t(j) * w + i];
        v = std::max(v, float(inside[std::size_t(i - i0)]) / 4.0f);
      }
    }
  }
  std::vector<std::uint8_t> px(std::size_t(w) * h * 4, 0);
  for (const TexelBox& tb : boxes) {
    for (int j = tb.j0; j <= tb.j1; ++j) {
      for (int i = tb.i0; i <= tb.i1; ++i) {
        float s = 0.0f, a = 0.0f;
        int n = 0;
        for (int dj = -1; dj <= 1; ++dj) {
          for (int di = -1; di <= 1; ++di) {
            const int ii = i + di, jj = j + dj;
            if (ii < 0 || jj < 0 || ii >= w || jj >= h) continue;
            s += scar[std::size_t(jj) * w + ii];
            a += avoid[std::size_t(jj) * w + ii];
            ++n;
          }
        }
        std::uint8_t* p = &px[(std::size_t(j) * w + i) * 4];
        p[0] = std::uint8_t(std::lround(255.0f * s / float(n)));
        p[1] = std::uint8_t(std::lround(255.0f * forb[std::size_t(j) * w + i]));
        p[2] = std::uint8_t(std::lround(255.0f * a / float(n)));
      }
    }
  }
  glBindTexture(GL_TEXTURE_2D, mask_tex);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  // Plain bilinear: its edges are soft (blurred above) and its shapes millimetres wide, so the
  // mipmaps' extra fetch and level choice a fragment buy nothing visible.
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glBindTexture(GL_TEXTURE_2D, 0);
  mask_rect[0] = float(b.min.x_mm);
  mask_rect[1] = float(b.min.y_mm);
  mask_rect[2] = float(1.0 / (w * kMaskTexelMm));
  mask_rect[3] = float(1.0 / (h * kMaskTexelMm));
}

void Renderer::Impl::build_hairs() {
  // Existing hairs grow away from a crown whorl (slightly right of the midline, swirling
  // clockwise) and forward along the front; cropped to 5-11 mm so the scalp between them shows.
  const sim::PointMm whorl{-12.0, 150.0};
  std::vector<float> data;
  const auto& hairs = scenario->patient.hairs_mm;
  data.reserve(hairs.size() * 13);
  for (std::size_t k = 0; k < hairs.size(); ++k) {
    const sim::PointMm p = hairs[k];
    const physics::SurfacePoint sp = surface->point(p);
    double dx = p.x_mm - whorl.x_mm, dy = p.y_mm - whorl.y_mm;
    const double len = std::hypot(dx, dy);
    if (len > 1e-6) {
      dx /= len;
      dy /= len;
    } else {
      dx = 1.0;
      dy = 0.0;
    }
    // Hairs spiral out of the whorl (strongly near it), with a little scatter per hair.
    const double swirl = 0.25 + 1.0 * std::exp(-len / 35.0) + 0.35 * (hash01(k * 3 + 1) - 0.5);
    double gx = dx * std::cos(swirl) - dy * std::sin(swirl);
    double gy = dx * std::sin(swirl) + dy * std::cos(swirl);
    if (surface->kind() == sim::Surface::kHead && p.y_mm < 150.0) {
      const double fwd =
          std::clamp((150.0 - p.y_mm) / 120.0, 0.0, 1.0);  // front hair combs forward
      gx = gx * (1.0 - fwd) + 0.15 * (p.x_mm / 60.0) * fwd;
      gy = gy * (1.0 - fwd) - fwd;
    }
    const Vec3 dir = physics::normalize(sp.tangent_x * gx + sp.tangent_y * gy);
    push3(data, sp.pos);
    push3(data, sp.normal);
    push3(data, dir);
    data.push_back(float(5.0 + 6.0 * hash01(k * 3 + 2)));
    data.push_back(float(scenario->patient.hair_diameter_mm));
    data.push_back(float(hash01(k * 3 + 3)));
    data.push_back(0.0f);
  }
  glBindBuffer(GL_ARRAY_BUFFER, hair_vbo);
  glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(data.size() * sizeof(float)), data.data(),
               GL_STATIC_DRAW);
  hair_count = GLsizei(hairs.size());
}

void Renderer::Impl::build_layers() {
  const sim::BoxMm wb = surface->map_bounds();
  layer_origin = {wb.min.x_mm - kDotMarginMm, wb.min.y_mm - kDotMarginMm};
  const auto round_up = [](double v, int to) { return (int(std::ceil(v)) + to - 1) / to * to; };
  const int w0 = round_up((wb.max.x_mm - wb.min.x_mm + 2 * kDotMarginMm) / kDotTexelMm, 64);
  const int h0 = round_up((wb.max.y_mm - wb.min.y_mm + 2 * kDotMarginMm) / kDotTexelMm, 64);
  dot_rect[0] = float(layer_origin.x_mm);
  dot_rect[1] = float(layer_origin.y_mm);
  dot_rect[2] = float(1.0 / (w0 * kDotTexelMm));
  dot_rect[3] = float(1.0 / (h0 * kDotTexelMm));
  Layer& l = layers[0];
  if (l.tex != 0 && (l.w != w0 || l.h != h0)) {
    glDeleteTextures(1, &l.tex);  // allocated again, at the new size, when first drawn
    l.tex = 0;
  }
  l.w = w0;
  l.h = h0;
  l.levels = kDotLevels;
  l.texel_mm = kDotTexelMm;
  // The margin keeps every dot's footprint (and the clamped edge texels) clear of the border.
  jac_w = int(std::ceil(w0 * kDotTexelMm / kJacobianMm)) + 1;
  jac_h = int(std::ceil(h0 * kDotTexelMm / kJacobianMm)) + 1;
  jac.assign(std::size_t(jac_w) * jac_h, {1.0, 0.0, 0.0, 1.0});
  jac_done.assign(jac.size(), 0);
  cell_w = int(std::ceil(w0 * kDotTexelMm / kCellMm));
  cell_h = int(std::ceil(h0 * kDotTexelMm / kCellMm));
  cells.assign(std::size_t(cell_w) * cell_h, {});
  cell_sphere.assign(cells.size(), {0.0, 0.0, 0.0, 0.0});
  cell_sphere_done.assign(cells.size(), 0);
  l.count = 0;
  l.full = true;
  l.redo_valid = false;
}

std::size_t Renderer::Impl::cell_of(sim::PointMm p) const {
  const int i = std::clamp(int((p.x_mm - layer_origin.x_mm) / kCellMm), 0, cell_w - 1);
  const int j = std::clamp(int((p.y_mm - layer_origin.y_mm) / kCellMm), 0, cell_h - 1);
  return std::size_t(j) * cell_w + i;
}

// Maps a tangent-frame offset (tangent_x, tangent_y mm on the skin) to map mm at p: the inverse
// of the map's Jacobian, bilinear on a lazily filled grid (central differences at the nodes).
std::array<double, 4> Renderer::Impl::jacobian_inverse(sim::PointMm p) {
  const double fx = std::clamp((p.x_mm - layer_origin.x_mm) / kJacobianMm, 0.0, jac_w - 1.001);
  const double fy = std::clamp((p.y_mm - layer_origin.y_mm) / kJacobianMm, 0.0, jac_h - 1.001);
  const int i = int(fx), j = int(fy);
  const auto node = [&](int ii, int jj) -> const std::array<double, 4>& {
    const std::size_t k = std::size_t(jj) * jac_w + ii;
    if (!jac_done[k]) {
      const sim::PointMm q{layer_origin.x_mm + ii * kJacobianMm,
                           layer_origin.y_mm + jj * kJacobianMm};
      const double h = 0.05;
      const physics::SurfacePoint c = surface->point(q);
      const Vec3 dx =
          (surface->point({q.x_mm + h, q.y_mm}).pos - surface->point({q.x_mm - h, q.y_mm}).pos) *
          (0.5 / h);
      const Vec3 dy =
          (surface->point({q.x_mm, q.y_mm + h}).pos - surface->point({q.x_mm, q.y_mm - h}).pos) *
          (0.5 / h);
      // J: map mm -> tangent mm, columns d/dx and d/dy.
      const double a = physics::dot(dx, c.tangent_x), b = physics::dot(dy, c.tangent_x);
      const double cc = physics::dot(dx, c.tangent_y), d = physics::dot(dy, c.tangent_y);
      const double det = a * d - b * cc;
      if (std::abs(det) > 1e-6) {
        jac[k] = {d / det, -cc / det, -b / det, a / det};
      }
      jac_done[k] = 1;
    }
    return jac[k];
  };
  const double tx = fx - i, ty = fy - j;
  const std::array<double, 4>&n00 = node(i, j), &n10 = node(i + 1, j), &n01 = node(i, j + 1),
                           &n11 = node(i + 1, j + 1);
  std::array<double, 4> r{};
  for (int k = 0; k < 4; ++k) {
    const double top = n00[k] + (n10[k] - n00[k]) * tx, bot = n01[k] + (n11[k] - n01[k]) * tx;
    r[k] = top + (bot - top) * ty;
  }
  return r;  // column-major
}

SplatInstance Renderer::Impl::make_splat(std::size_t i, sim::BoxMm* footprint) {
  const DotInstance& d = inst[i];
  const DotGeom& g = geom[i];
  SplatInstance s{};
  s.map[0] = float(g.pos.x_mm);
  s.map[1] = float(g.pos.y_mm);
  // The dot's major axis in tangent coordinates; the minor axis is the normal x the major.
  const Vec3 axis{d.axis[0], d.axis[1], d.axis[2]};
  const double ax = physics::dot(axis, g.at.tangent_x), ay = physics::dot(axis, g.at.tangent_y);
  const std::array<double, 4> ji = jacobian_inverse(g.pos);
  // frame = J^-1 * [major | minor], column-major.
  s.frame[0] = float(ji[0] * ax + ji[2] * ay);
  s.frame[1] = float(ji[1] * ax + ji[3] * ay);
  s.frame[2] = float(ji[0] * -ay + ji[2] * ax);
  s.frame[3] = float(ji[1] * -ay + ji[3] * ax);
  std::memcpy(s.shape, d.shape, sizeof s.shape);
  std::memcpy(s.color, d.color, sizeof s.color);
  std::memcpy(s.extra, d.extra, sizeof s.extra);
  if (footprint) {
    // Conservative reach of either layer's quad (kSplatVs), in dot-frame mm, then in map mm.
    const double rmaj = std::max(double(d.shape[0]), 0.6 * kDotTexelMm);
    const double soft = std::max(double(d.shape[2]), 0.45 * kDotTexelMm);
    const double ext = std::max({rmaj + 2.0 * soft, rmaj * (1.0 + 1.8 * double(d.extra[0])),
                                 std::max(rmaj * 1.7, 3.0 * kDotTexelMm) + 2.0 * kDotTexelMm}) +
                       kDotTexelMm;
    const double hx = ext * double(std::abs(s.frame[0]) + std::abs(s.frame[2]));
    const double hy = ext * double(std::abs(s.frame[1]) + std::abs(s.frame[3]));
    *footprint = {{g.pos.x_mm - hx, g.pos.y_mm - hy}, {g.pos.x_mm + hx, g.pos.y_mm + hy}};
  }
  return s;
}

namespace {
void grow(sim::BoxMm& b, const sim::BoxMm& o, bool* valid) {
  if (!*valid) {
    b = o;
    *valid = true;
    return;
  }
  b.min.x_mm = std::min(b.min.x_mm, o.min.x_mm);
  b.min.y_mm = std::min(b.min.y_mm, o.min.y_mm);
  b.max.x_mm = std::max(b.max.x_mm, o.max.x_mm);
  b.max.y_mm = std::max(b.max.y_mm, o.max.y_mm);
}
bool overlaps(const sim::BoxMm& a, const sim::BoxMm& b) {
  return a.min.x_mm <= b.max.x_mm && b.min.x_mm <= a.max.x_mm && a.min.y_mm <= b.max.y_mm &&
         b.min.y_mm <= a.max.y_mm;
}
}  // namespace

// Splats dots [from, to) into layer `layer` (its FBO bound, level 0 attached), in id order, in
// chunks. With `clip`, only the dots whose footprint meets it (a scissored redo: the others cannot
// change a texel inside). `touched` grows by the footprints of the dots drawn.
void Renderer::Impl::splat_range(std::size_t from, std::size_t to, int layer,
                                 const sim::BoxMm* clip, sim::BoxMm* touched, bool* touched_valid) {
  glUniform1i(glGetUniformLocation(splat, "uRings"), layers[layer].rings ? 1 : 0);
  glUniform1f(glGetUniformLocation(splat, "uTexelMm"), float(layers[layer].texel_mm));
  std::size_t i = from;
  while (i < to) {
    splat_buf.clear();
    for (; i < to && splat_buf.size() < kSplatChunk; ++i) {
      sim::BoxMm fp;
      const SplatInstance si = make_splat(i, &fp);
      if (clip && !overlaps(fp, *clip)) continue;
      grow(*touched, fp, touched_valid);
      splat_buf.push_back(si);
    }
    if (splat_buf.empty()) continue;
    glBindBuffer(GL_ARRAY_BUFFER, splat_vbo);
    glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(kSplatChunk * sizeof(SplatInstance)), nullptr,
                 GL_STREAM_DRAW);
    glBufferSubData(GL_ARRAY_BUFFER, 0, GLsizeiptr(splat_buf.size() * sizeof(SplatInstance)),
                    splat_buf.data());
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, GLsizei(splat_buf.size()));
    // Rasterise this chunk before binning the next: llvmpipe otherwise keeps several scenes of
    // bins for the big target in flight (measured: +68 MB of peak RSS at 100,000 dots with
    // glFlush, none with glFinish).
    glFinish();
  }
}

// Brings layer k up to date with the dots and its mipmaps with level 0. Leaves the layer FBO
// bound (the caller restores its own), blending on, sRGB writes on.
void Renderer::Impl::catch_up_layer(bool rings) {
  const int k = 0;
  Layer& l = layers[k];
  if (l.rings != rings) {
    l.rings = rings;
    l.full = true;
  }
  if (l.tex == 0) {
    // Allocated on first use (a session that never leaves the close view, or has no dots, pays
    // nothing); one immutable allocation where the driver has texture storage, else level by
    // level (Mesa then briefly holds a second copy while it assembles the mip chain).
    glGenTextures(1, &l.tex);
    glBindTexture(GL_TEXTURE_2D, l.tex);
    if (epoxy_gl_version() >= 42 || epoxy_has_gl_extension("GL_ARB_texture_storage")) {
      glTexStorage2D(GL_TEXTURE_2D, l.levels, GL_SRGB8_ALPHA8, l.w, l.h);
    } else {
      for (int lv = 0; lv < l.levels; ++lv) {
        glTexImage2D(GL_TEXTURE_2D, lv, GL_SRGB8_ALPHA8, l.w >> lv, l.h >> lv, 0, GL_RGBA,
                     GL_UNSIGNED_BYTE, nullptr);
      }
    }
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_BASE_LEVEL, 0);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, l.levels - 1);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    // Trilinear: a nearest-level seam shows as a band in the stubble's grain.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
    // One level sharper than the isotropic rule: the scalp is mostly seen at an angle, where
    // the rule's larger footprint axis would smear each dot over several pixels.
    glTexParameterf(GL_TEXTURE_2D, GL_TEXTURE_LOD_BIAS, kLayerLodBias);
    glBindTexture(GL_TEXTURE_2D, 0);
    l.full = true;
  }
  const bool splats = l.full || l.redo_valid || l.count < inst.size();
  const bool mips = l.dirty[0] < l.dirty[2] && l.dirty[1] < l.dirty[3];
  if (!splats && !mips) return;
  glBindFramebuffer(GL_FRAMEBUFFER, layer_fbo);
  glEnable(GL_FRAMEBUFFER_SRGB);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_CULL_FACE);
  glDepthMask(GL_FALSE);
  const auto texel_rect = [&](const sim::BoxMm& b, int r[4]) {
    r[0] = std::clamp(int(std::floor((b.min.x_mm - layer_origin.x_mm) / l.texel_mm)) - 1, 0, l.w);
    r[1] = std::clamp(int(std::floor((b.min.y_mm - layer_origin.y_mm) / l.texel_mm)) - 1, 0, l.h);
    r[2] = std::clamp(int(std::ceil((b.max.x_mm - layer_origin.x_mm) / l.texel_mm)) + 1, 0, l.w);
    r[3] = std::clamp(int(std::ceil((b.max.y_mm - layer_origin.y_mm) / l.texel_mm)) + 1, 0, l.h);
  };
  const auto add_dirty = [&](const int r[4]) {
    if (r[0] >= r[2] || r[1] >= r[3]) return;
    if (l.dirty[0] >= l.dirty[2] || l.dirty[1] >= l.dirty[3]) {
      std::copy(r, r + 4, l.dirty);
      return;
    }
    l.dirty[0] = std::min(l.dirty[0], r[0]);
    l.dirty[1] = std::min(l.dirty[1], r[1]);
    l.dirty[2] = std::max(l.dirty[2], r[2]);
    l.dirty[3] = std::max(l.dirty[3], r[3]);
  };
  if (splats) {
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, l.tex, 0);
    glViewport(0, 0, l.w, l.h);
    glClearColor(0, 0, 0, 0);
    glUseProgram(splat);
    glUniform4fv(glGetUniformLocation(splat, "uRect"), 1, dot_rect);
    float sc[12];
    const sim::DepthStatus order[4] = {sim::DepthStatus::kInBand, sim::DepthStatus::kTooShallow,
                                       sim::DepthStatus::kTooDeep, sim::DepthStatus::kCritical};
    for (int i = 0; i < 4; ++i) {
      const sim::Rgb c = status_color(order[i]);
      sc[i * 3] = lin(c.r);
      sc[i * 3 + 1] = lin(c.g);
      sc[i * 3 + 2] = lin(c.b);
    }
    glUniform3fv(glGetUniformLocation(splat, "uStatusColors"), 4, sc);
    glBindVertexArray(splat_vao);
    glEnable(GL_BLEND);
    glBlendFunc(GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    sim::BoxMm touched{};
    bool touched_valid = false;
    if (l.full) {
      glDisable(GL_SCISSOR_TEST);
      glClear(GL_COLOR_BUFFER_BIT);
      l.count = 0;
      const int all[4] = {0, 0, l.w, l.h};
      add_dirty(all);
    } else if (l.redo_valid) {
      // Undo: clear the removed dots' footprint and splat again, in order, the dots that reach
      // into it: inside the rect that is exactly what a full rebuild gives.
      int r[4];
      texel_rect(l.redo, r);
      if (r[0] < r[2] && r[1] < r[3]) {
        glEnable(GL_SCISSOR_TEST);
        glScissor(r[0], r[1], r[2] - r[0], r[3] - r[1]);
        glClear(GL_COLOR_BUFFER_BIT);
        const sim::BoxMm clip{
            {layer_origin.x_mm + r[0] * l.texel_mm, layer_origin.y_mm + r[1] * l.texel_mm},
            {layer_origin.x_mm + r[2] * l.texel_mm, layer_origin.y_mm + r[3] * l.texel_mm}};
        bool v = false;
        sim::BoxMm t{};
        splat_range(0, l.count, k, &clip, &t, &v);
        glDisable(GL_SCISSOR_TEST);
        add_dirty(r);
      }
    }
    splat_range(l.count, inst.size(), k, nullptr, &touched, &touched_valid);
    if (touched_valid) {
      int r[4];
      texel_rect(touched, r);
      add_dirty(r);
    }
    l.count = inst.size();
    l.full = false;
    l.redo_valid = false;
  }
  update_mips(l);
}

// Levels 1.. of the dirty rect from level 0, each the exact 2 x 2 mean of the level above.
void Renderer::Impl::update_mips(Layer& l) {
  if (l.dirty[0] >= l.dirty[2] || l.dirty[1] >= l.dirty[3]) return;
  glDisable(GL_BLEND);
  glUseProgram(down);
  glUniform1i(glGetUniformLocation(down, "uSrc"), 0);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, l.tex);
  glBindVertexArray(flat_vao);  // the triangle comes from gl_VertexID
  glEnable(GL_SCISSOR_TEST);
  int r[4] = {l.dirty[0], l.dirty[1], l.dirty[2], l.dirty[3]};
  for (int lv = 1; lv < l.levels; ++lv) {
    r[0] >>= 1;
    r[1] >>= 1;
    r[2] = (r[2] + 1) >> 1;
    r[3] = (r[3] + 1) >> 1;
    // Read only level lv - 1 while level lv is the target (no feedback loop).
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_BASE_LEVEL, lv - 1);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, lv - 1);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, l.tex, lv);
    glViewport(0, 0, l.w >> lv, l.h >> lv);
    glScissor(r[0], r[1], r[2] - r[0], r[3] - r[1]);
    glUniform1i(glGetUniformLocation(down, "uLevel"), lv - 1);
    glDrawArrays(GL_TRIANGLES, 0, 3);
  }
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_BASE_LEVEL, 0);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, l.levels - 1);
  glDisable(GL_SCISSOR_TEST);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, l.tex, 0);
  glBindTexture(GL_TEXTURE_2D, 0);
  std::fill(l.dirty, l.dirty + 4, 0);
}

// The near path: the dots of the culling cells in the view frustum, in id order, into dot_vbo.
// False when there are more than kNearBudget of them (the layers are cheaper then).
bool Renderer::Impl::gather_near(const Mat4& m4, const Vec3& eye) {
  (void)eye;
  // Frustum planes (Gribb-Hartmann) from the column-major view-projection.
  double planes[6][4];
  for (int p = 0; p < 6; ++p) {
    const int row = p / 2;
    const double sgn = (p % 2 == 0) ? 1.0 : -1.0;
    for (int c = 0; c < 4; ++c)
      planes[p][c] = double(m4[c * 4 + 3]) + sgn * double(m4[c * 4 + row]);
  }
  std::vector<std::uint32_t> idx;
  std::size_t total = 0;
  std::vector<std::size_t> visible;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (cells[c].empty()) continue;
    if (!cell_sphere_done[c]) {
      const int ci = int(c % std::size_t(cell_w)), cj = int(c / std::size_t(cell_w));
      const physics::SurfacePoint sp = surface->point(
          {layer_origin.x_mm + (ci + 0.5) * kCellMm, layer_origin.y_mm + (cj + 0.5) * kCellMm});
      // Half the cell's diagonal (the map never stretches the skin by more than ~1.1 here), plus
      // a dot's reach (rings of a few pixels included).
      cell_sphere[c] = {sp.pos.x, sp.pos.y, sp.pos.z, 0.75 * kCellMm * 1.2 + 4.0};
      cell_sphere_done[c] = 1;
    }
    const auto& sph = cell_sphere[c];
    bool in = true;
    for (const auto& pl : planes) {
      const double len = std::sqrt(pl[0] * pl[0] + pl[1] * pl[1] + pl[2] * pl[2]);
      if (pl[0] * sph[0] + pl[1] * sph[1] + pl[2] * sph[2] + pl[3] < -sph[3] * len) {
        in = false;
        break;
      }
    }
    if (!in) continue;
    total += cells[c].size();
    if (total > kNearBudget) return false;
    visible.push_back(c);
  }
  for (std::size_t c : visible) idx.insert(idx.end(), cells[c].begin(), cells[c].end());
  std::sort(idx.begin(), idx.end());  // id order: overlapping dots blend as in a full draw
  if (near_generation != dots_generation || idx != near_idx) {
    near_idx = std::move(idx);
    std::vector<DotInstance> buf(near_idx.size());
    for (std::size_t k = 0; k < near_idx.size(); ++k) buf[k] = inst[near_idx[k]];
    glBindBuffer(GL_ARRAY_BUFFER, dot_vbo);
    glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(buf.size() * sizeof(DotInstance)), buf.data(),
                 GL_DYNAMIC_DRAW);
    near_generation = dots_generation;
  }
  dot_uploaded = near_idx.size();
  return true;
}

void Renderer::set_scene(const sim::Scenario& scenario, const physics::SkinSurface& surface,
                         const sim::PigmentCatalogue& catalogue) {
  Impl& m = *impl_;
  m.scenario = &scenario;
  m.surface = &surface;
  m.catalogue = &catalogue;
  m.skin_rgb = sim::lab_to_srgb(scenario.patient.skin_lab);
  // Mature scar tissue: fewer melanocytes and less blood: paler, less saturated (domain.md).
  const sim::Lab s = scenario.patient.skin_lab;
  m.scar_rgb = sim::lab_to_srgb({std::min(s.L + 11.0, 94.0), s.a * 0.65 + 1.5, s.b * 0.6});
  m.hair_rgb = sim::lab_to_srgb(scenario.patient.hair_lab);
  // A mole/freckle: melanin-dark brown over this skin.
  m.lesion_rgb = sim::lab_to_srgb({std::max(s.L - 28.0, 12.0), s.a + 4.0, s.b + 6.0});

  const physics::SurfaceMesh& mesh = surface.mesh();
  glBindVertexArray(m.skin_vao);
  glBindBuffer(GL_ARRAY_BUFFER, m.skin_vbo);
  glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(mesh.vertices.size() * sizeof(physics::MeshVertex)),
               mesh.vertices.data(), GL_STATIC_DRAW);
  // A coarse level from every other grid line of the head, wound and pole-trimmed like the full
  // one (engine/physics/src/surface.cpp, build_mesh). The ears sit round the poles (b = +-pi/2)
  // and their rims facet visibly at 4 mm across, so within kEarBandRad of a pole every b line
  // stays (every other a line still goes: around the pole those are < 1 mm apart); the seam
  // shares its vertices on both sides, so there are no T-junctions.
  std::vector<std::uint32_t> idx = mesh.indices;
  m.skin_index_count = GLsizei(idx.size());
  m.skin_coarse_count = 0;
  const int na = mesh.grid_a, nb = mesh.grid_b;
  if (na > 0 && na % 2 == 0 && nb % 2 == 0 && nb >= 8 &&
      mesh.vertices.size() == std::size_t(na + 1) * std::size_t(nb + 1)) {
    constexpr double kEarBandRad = 0.45;
    const int band =
        std::clamp(2 * int(std::ceil(kEarBandRad / 3.14159265358979 * nb / 2.0)), 2, nb / 2 - 2);
    const int jlo = band, jhi = nb - band;  // columns [jlo, jhi) coarse in b too; both even
    const auto vid = [&](int i, int j) { return std::uint32_t(i * (nb + 1) + j); };
    for (int i = 0; i < na; i += 2) {
      for (int j = 0; j < nb;) {
        const int step = (j >= jlo && j < jhi) ? 2 : 1;
        const std::uint32_t v00 = vid(i, j), v01 = vid(i, j + step), v10 = vid(i + 2, j),
                            v11 = vid(i + 2, j + step);
        if (j != 0) idx.insert(idx.end(), {v00, v11, v10});
        if (j + step != nb) idx.insert(idx.end(), {v00, v01, v11});
        j += step;
      }
    }
    m.skin_coarse_count = GLsizei(idx.size()) - m.skin_index_count;
  }
  glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, m.skin_ebo);
  glBufferData(GL_ELEMENT_ARRAY_BUFFER, GLsizeiptr(idx.size() * sizeof(std::uint32_t)), idx.data(),
               GL_STATIC_DRAW);
  glBindVertexArray(0);

  m.build_mask();
  m.build_hairs();

  m.region_lines.clear();
  for (const sim::Region& r : scenario.regions) {
    m.add_polyline(m.region_lines, r.polygon_mm, true, region_color(r.role), 0.95f, 2.0f);
  }
  m.hairline_lines.clear();
  m.add_polyline(m.hairline_lines, scenario.hairline_front_mm, false, {1.0, 1.0, 1.0}, 0.95f, 2.5f);

  const sim::BoxMm wb = surface.map_bounds();
  m.heat = std::make_unique<HeatField>(wb, 1.0);
  m.heat_rect[0] = float(wb.min.x_mm);
  m.heat_rect[1] = float(wb.min.y_mm);
  m.heat_rect[2] = float(1.0 / (m.heat->width() * 1.0));
  m.heat_rect[3] = float(1.0 / (m.heat->height() * 1.0));
  m.heat_dirty = true;
  m.heat_count = 0;

  m.geom.clear();
  m.inst.clear();
  m.imps.clear();
  m.dot_uploaded = 0;
  m.near_idx.clear();
  ++m.dots_generation;
  m.build_layers();
}

void Renderer::sync_dots(std::span<const sim::Impression> impressions, const sim::Scorer* scorer) {
  Impl& m = *impl_;
  if (!m.scenario) return;
  // Keep the longest common prefix: undo pops from the end, so walk back from the shorter end
  // to the last dot that is still the same (same time, place and depth).
  std::size_t keep = std::min(m.imps.size(), impressions.size());
  auto same = [&](std::size_t i) {
    const sim::Impression& a = m.imps[i];
    const sim::Impression& b = impressions[i];
    return a.t_s == b.t_s && a.pos == b.pos && a.depth_mm == b.depth_mm;
  };
  while (keep > 0 && !same(keep - 1)) --keep;
  if (scorer != m.scorer) {  // another source (a replay's final scorer, a new session)
    m.scorer = scorer;
    m.heat->clear();
    m.heat_count = 0;
    m.heat_dirty = true;
  }
  const bool truncated = keep < m.imps.size();
  if (truncated) {
    // The layers clear the removed dots' footprint and splat into it again (catch_up_layer).
    for (Impl::Layer& l : m.layers) {
      for (std::size_t i = keep; i < std::min(l.count, m.imps.size()); ++i) {
        sim::BoxMm fp;
        m.make_splat(i, &fp);
        grow(l.redo, fp, &l.redo_valid);
      }
      l.count = std::min(l.count, keep);
    }
    for (std::size_t i = m.imps.size(); i-- > keep;) {
      std::vector<std::uint32_t>& cell = m.cells[m.cell_of(m.geom[i].pos)];
      while (!cell.empty() && cell.back() >= keep) cell.pop_back();
    }
    m.geom.resize(keep);
    m.inst.resize(keep);
    m.imps.resize(keep);
    m.heat->clear();  // refilled lazily when a heat map is shown
    m.heat_count = 0;
    m.heat_dirty = true;
  }
  const std::size_t first_new = keep;
  // A whole session at once (resume, replay): exact capacity, not up to twice it. Small appends
  // keep the vectors' doubling growth.
  if (impressions.size() - keep > 4096 && impressions.size() > m.geom.capacity()) {
    m.geom.reserve(impressions.size());
    m.inst.reserve(impressions.size());
    m.imps.reserve(impressions.size());
  }
  for (std::size_t i = keep; i < impressions.size(); ++i) {
    const sim::Impression& imp = impressions[i];
    DotGeom g;
    g.at = m.surface->point(imp.pos);
    g.pigment = m.catalogue->find(imp.pigment);
    g.pos = imp.pos;
    g.t_s = imp.t_s;
    if (scorer && imp.id < scorer->size()) {
      g.status = float(int(sim::ring_status(scorer->dot_feedback(imp.id))) + 1);
    }
    m.inst.push_back(m.make_instance(imp, g));
    m.geom.push_back(g);
    m.imps.push_back(imp);
    m.cells[m.cell_of(g.pos)].push_back(std::uint32_t(i));
  }
  // Nothing is uploaded here: draw() splats the new dots into the layers, or gathers the near
  // ones, whichever the view needs.
  if (truncated || first_new < m.inst.size()) ++m.dots_generation;
}

const HeatField* Renderer::heat_field() {
  impl_->catch_up_heat();
  return impl_->heat.get();
}

void Renderer::set_time_days(double t_days) {
  Impl& m = *impl_;
  if (!(t_days >= 0.0)) t_days = 0.0;
  if (t_days == m.t_days) return;
  m.t_days = t_days;
  for (std::size_t i = 0; i < m.inst.size(); ++i) m.inst[i] = m.make_instance(m.imps[i], m.geom[i]);
  for (Impl::Layer& l : m.layers) l.full = true;
  ++m.dots_generation;
}

double Renderer::time_days() const {
  return impl_->t_days;
}
std::size_t Renderer::dot_count() const {
  return impl_->inst.size();
}

void Renderer::Impl::draw_lines(const std::vector<LineInstance>& l, const Mat4& vp_m,
                                const Viewport& vp) {
  if (l.empty()) return;
  upload_lines(l);
  glUseProgram(lines);
  glUniformMatrix4fv(glGetUniformLocation(lines, "uVP"), 1, GL_FALSE, vp_m.data());
  glUniform2f(glGetUniformLocation(lines, "uHalfViewport"), 0.5f * float(vp.width),
              0.5f * float(vp.height));
  glBindVertexArray(line_vao);
  glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, GLsizei(l.size()));
}

void Renderer::draw(const OrbitCamera& camera, const Viewport& vp, int fb_height,
                    const DrawOptions& opt) {
  Impl& m = *impl_;
  // Dots: one by one (instanced) when the view is close and holds few of them, else from the
  // map-space layers, brought up to date here (so sync_dots needs no GL state of the caller's).
  bool near_dots = false, layer_dots = false;
  double near_mmpp = 1.0;
  if (m.scenario) {
    const Vec3 eye0 = camera.eye();
    const Vec3 lo = m.surface->bounds_min(), hi = m.surface->bounds_max();
    const Vec3 nearest{std::clamp(eye0.x, lo.x, hi.x), std::clamp(eye0.y, lo.y, hi.y),
                       std::clamp(eye0.z, lo.z, hi.z)};
    near_mmpp = 2.0 * std::tan(camera.fov_y_rad / 2) / std::max(vp.height, 1) *
                physics::length(eye0 - nearest);
    if (!m.inst.empty()) {
      if (near_mmpp < kNearMmPerPx) near_dots = m.gather_near(camera.view_projection(vp), eye0);
      layer_dots = !near_dots;
    }
    if (layer_dots) {
      GLint draw_fb = 0, read_fb = 0;
      glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &draw_fb);
      glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &read_fb);
      m.catch_up_layer(opt.show_status);
      glDisable(GL_FRAMEBUFFER_SRGB);
      glBindFramebuffer(GL_DRAW_FRAMEBUFFER, GLuint(draw_fb));
      glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(read_fb));
    }
  }
  const GLint gl_y = fb_height - vp.y - vp.height;
  glViewport(vp.x, gl_y, vp.width, vp.height);
  glEnable(GL_SCISSOR_TEST);
  glScissor(vp.x, gl_y, vp.width, vp.height);
  glDisable(GL_BLEND);
  glDepthMask(GL_TRUE);
  if (opt.clear) {
    glClearColor(0.1f, 0.1f, 0.1f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    glDisable(GL_DEPTH_TEST);
    glUseProgram(m.bg);
    glUniform3f(glGetUniformLocation(m.bg, "uTop"), 0.215f, 0.235f, 0.26f);
    glUniform3f(glGetUniformLocation(m.bg, "uBottom"), 0.085f, 0.09f, 0.10f);
    glBindVertexArray(m.flat_vao);  // any VAO: the triangle comes from gl_VertexID
    glDrawArrays(GL_TRIANGLES, 0, 3);
  }
  if (!m.scenario) {
    glDisable(GL_SCISSOR_TEST);
    return;
  }
  const Mat4 vp_m = camera.view_projection(vp);
  const Vec3 eye = camera.eye();
  // Lights follow the camera: key from the upper left of the view, fill from the lower right.
  const Vec3 fwd = physics::normalize(camera.target - eye);
  const Vec3 right = physics::normalize(physics::cross(fwd, Vec3{0, 1, 0}));
  const Vec3 up = physics::cross(right, fwd);
  const Vec3 key = physics::normalize(right * -0.45 + up * 0.75 - fwd * 0.55);
  const Vec3 fill = physics::normalize(right * 0.7 - up * 0.2 - fwd * 0.6);
  const float px_scale = float(2.0 * std::tan(camera.fov_y_rad / 2) / std::max(vp.height, 1));
  auto set_lights = [&](GLuint prog) {
    glUniform3f(glGetUniformLocation(prog, "uKeyDir"), float(key.x), float(key.y), float(key.z));
    glUniform3f(glGetUniformLocation(prog, "uFillDir"), float(fill.x), float(fill.y),
                float(fill.z));
  };

  // Heat texture (only rebuilt when shown and changed).
  if (opt.heat_map != HeatMapKind::kNone) m.catch_up_heat();
  if (opt.heat_map != HeatMapKind::kNone && (m.heat_dirty || m.heat_uploaded != opt.heat_map)) {
    const std::vector<std::uint8_t> px = m.heat->rgba(opt.heat_map, 1.0);
    glBindTexture(GL_TEXTURE_2D, m.heat_tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_SRGB8_ALPHA8, m.heat->width(), m.heat->height(), 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, px.data());
    m.heat_dirty = false;
    m.heat_uploaded = opt.heat_map;
  }

  glEnable(GL_DEPTH_TEST);
  glDepthFunc(GL_LESS);
  glEnable(GL_CULL_FACE);
  glCullFace(GL_BACK);
  glFrontFace(GL_CCW);
  {
    std::string log;
    const int bits = (layer_dots ? 1 : 0) | (opt.heat_map != HeatMapKind::kNone ? 4 : 0);
    const GLuint prog = m.skin_program(bits, &log);
    if (prog) m.skin = prog;  // a variant that fails to compile falls back to the last good one
  }
  glUseProgram(m.skin);
  glUniformMatrix4fv(glGetUniformLocation(m.skin, "uVP"), 1, GL_FALSE, vp_m.data());
  glUniform3f(glGetUniformLocation(m.skin, "uEye"), float(eye.x), float(eye.y), float(eye.z));
  set_lights(m.skin);
  set_vec3_linear(glGetUniformLocation(m.skin, "uSkin"), m.skin_rgb);
  set_vec3_linear(glGetUniformLocation(m.skin, "uScar"), m.scar_rgb);
  set_vec3_linear(glGetUniformLocation(m.skin, "uLesion"), m.lesion_rgb);
  set_vec3_linear(glGetUniformLocation(m.skin, "uForbiddenTint"),
                  region_color(sim::RegionRole::kForbidden));
  glUniform4fv(glGetUniformLocation(m.skin, "uMaskRect"), 1, m.mask_rect);
  glUniform4fv(glGetUniformLocation(m.skin, "uHeatRect"), 1, m.heat_rect);
  glUniform1f(glGetUniformLocation(m.skin, "uHeatOpacity"),
              float(std::clamp(opt.heat_opacity, 0.0, 1.0)));
  glUniform1f(glGetUniformLocation(m.skin, "uShowRegions"), opt.show_regions ? 1.0f : 0.0f);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, m.mask_tex);
  glUniform1i(glGetUniformLocation(m.skin, "uMask"), 0);
  glActiveTexture(GL_TEXTURE1);
  glBindTexture(GL_TEXTURE_2D, m.heat_tex);
  glUniform1i(glGetUniformLocation(m.skin, "uHeat"), 1);
  glActiveTexture(GL_TEXTURE2);
  glBindTexture(GL_TEXTURE_2D, m.noise_tex);
  glUniform1i(glGetUniformLocation(m.skin, "uNoise"), 2);
  glActiveTexture(GL_TEXTURE3);
  glBindTexture(GL_TEXTURE_2D, m.layers[0].tex);
  glUniform1i(glGetUniformLocation(m.skin, "uDots"), 3);
  glUniform4fv(glGetUniformLocation(m.skin, "uDotRect"), 1, m.dot_rect);

  glActiveTexture(GL_TEXTURE0);
  glBindVertexArray(m.skin_vao);
  // Level of detail from the size of a pixel on the nearest possible skin (the mesh's bounding
  // box): far views take the coarse mesh, whose vertex and setup work is about a third.
  if (m.skin_coarse_count > 0 && near_mmpp > kCoarseMeshMmPerPx) {
    glDrawElements(GL_TRIANGLES, m.skin_coarse_count, GL_UNSIGNED_INT,
                   gl::offset(std::size_t(m.skin_index_count) * sizeof(std::uint32_t)));
  } else {
    glDrawElements(GL_TRIANGLES, m.skin_index_count, GL_UNSIGNED_INT, nullptr);
  }
  glDisable(GL_CULL_FACE);

  // Transparent layers on the skin: no depth writes.
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  glDepthMask(GL_FALSE);
  glDepthFunc(GL_LEQUAL);

  if (near_dots && m.dot_uploaded > 0) {
    glUseProgram(m.dots);
    glUniformMatrix4fv(glGetUniformLocation(m.dots, "uVP"), 1, GL_FALSE, vp_m.data());
    glUniform3f(glGetUniformLocation(m.dots, "uEye"), float(eye.x), float(eye.y), float(eye.z));
    glUniform1f(glGetUniformLocation(m.dots, "uPxScale"), px_scale);
    glUniform1f(glGetUniformLocation(m.dots, "uShowStatus"), opt.show_status ? 1.0f : 0.0f);
    set_lights(m.dots);
    float sc[12];
    const sim::DepthStatus order[4] = {sim::DepthStatus::kInBand, sim::DepthStatus::kTooShallow,
                                       sim::DepthStatus::kTooDeep, sim::DepthStatus::kCritical};
    for (int i = 0; i < 4; ++i) {
      const sim::Rgb c = status_color(order[i]);
      sc[i * 3] = lin(c.r);
      sc[i * 3 + 1] = lin(c.g);
      sc[i * 3 + 2] = lin(c.b);
    }
    glUniform3fv(glGetUniformLocation(m.dots, "uStatusColors"), 4, sc);
    glBindVertexArray(m.dot_vao);
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, GLsizei(m.dot_uploaded));
  }

  if (opt.show_hairs && m.hair_count > 0) {
    glUseProgram(m.hair);
    glUniformMatrix4fv(glGetUniformLocation(m.hair, "uVP"), 1, GL_FALSE, vp_m.data());
    glUniform3f(glGetUniformLocation(m.hair, "uEye"), float(eye.x), float(eye.y), float(eye.z));
    glUniform1f(glGetUniformLocation(m.hair, "uPxScale"), px_scale);
    glUniform2f(glGetUniformLocation(m.hair, "uHalfViewport"), 0.5f * float(vp.width),
                0.5f * float(vp.height));
    glUniform1i(glGetUniformLocation(m.hair, "uSegments"), kHairSegments);
    set_vec3_linear(glGetUniformLocation(m.hair, "uHairColor"), m.hair_rgb);
    set_lights(m.hair);
    glBindVertexArray(m.hair_vao);
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 2 * (kHairSegments + 1), m.hair_count);
  }

  if (opt.show_regions) m.draw_lines(m.region_lines, vp_m, vp);
  if (opt.show_hairline) m.draw_lines(m.hairline_lines, vp_m, vp);
  if (opt.cursor) {
    m.cursor_lines.clear();
    std::vector<sim::PointMm> ring;
    const double r = 0.5 * std::max(opt.cursor_diameter_mm, 0.1);
    for (int k = 0; k < 32; ++k) {
      const double a = 2.0 * 3.14159265358979 * k / 32;
      ring.push_back({opt.cursor->x_mm + r * std::cos(a), opt.cursor->y_mm + r * std::sin(a)});
    }
    m.add_polyline(m.cursor_lines, ring, true, {1.0, 1.0, 1.0}, 0.8f, 1.5f);
    m.draw_lines(m.cursor_lines, vp_m, vp);
  }

  glBindVertexArray(0);
  glUseProgram(0);
  glDepthMask(GL_TRUE);
  glDepthFunc(GL_LESS);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
}

namespace {

void push_vertex(std::vector<float>& v, double x, double y, const sim::Rgb& c, double a) {
  v.insert(v.end(), {float(x), float(y), float(c.r), float(c.g), float(c.b), float(a)});
}
void push_quad(std::vector<float>& v, double x0, double y0, double x1, double y1, double x2,
               double y2, double x3, double y3, const sim::Rgb& c, double a) {
  push_vertex(v, x0, y0, c, a);
  push_vertex(v, x1, y1, c, a);
  push_vertex(v, x2, y2, c, a);
  push_vertex(v, x0, y0, c, a);
  push_vertex(v, x2, y2, c, a);
  push_vertex(v, x3, y3, c, a);
}
void push_rect(std::vector<float>& v, double x0, double y0, double x1, double y1, const sim::Rgb& c,
               double a) {
  push_quad(v, x0, y0, x1, y0, x1, y1, x0, y1, c, a);
}
void push_ellipse(std::vector<float>& v, double cx, double cy, double rx, double ry,
                  const sim::Rgb& c, double a) {
  constexpr int kN = 24;
  for (int k = 0; k < kN; ++k) {
    const double a0 = 2.0 * 3.14159265358979 * k / kN, a1 = 2.0 * 3.14159265358979 * (k + 1) / kN;
    push_vertex(v, cx, cy, c, a);
    push_vertex(v, cx + rx * std::cos(a0), cy + ry * std::sin(a0), c, a);
    push_vertex(v, cx + rx * std::cos(a1), cy + ry * std::sin(a1), c, a);
  }
}
void push_ring(std::vector<float>& v, double cx, double cy, double rx, double ry, double w,
               const sim::Rgb& c, double a) {
  constexpr int kN = 24;
  for (int k = 0; k < kN; ++k) {
    const double a0 = 2.0 * 3.14159265358979 * k / kN, a1 = 2.0 * 3.14159265358979 * (k + 1) / kN;
    push_quad(v, cx + rx * std::cos(a0), cy + ry * std::sin(a0), cx + rx * std::cos(a1),
              cy + ry * std::sin(a1), cx + (rx + w) * std::cos(a1), cy + (ry + w) * std::sin(a1),
              cx + (rx + w) * std::cos(a0), cy + (ry + w) * std::sin(a0), c, a);
  }
}

}  // namespace

void Renderer::draw_cross_section(const CrossSection& cs, const Viewport& vp, int fb_height) {
  Impl& m = *impl_;
  const SectionLayout lay = layout_cross_section(cs, vp);
  std::vector<float>& v = m.flat_data;
  v.clear();
  // Panel.
  push_rect(v, vp.x, vp.y, vp.x + vp.width, vp.y + vp.height, {0.11, 0.12, 0.13}, 0.94);
  // Layers: quads between consecutive profile samples, clipped to the shown depth.
  auto px = [&](double off, double depth, double* x, double* y) {
    lay.to_pixel(cs, off, std::min(depth, cs.max_depth_mm), x, y);
  };
  for (std::size_t k = 0; k + 1 < cs.profile.size(); ++k) {
    const LayerProfileSample& a = cs.profile[k];
    const LayerProfileSample& b = cs.profile[k + 1];
    const double ta[5] = {0.0, a.epidermis_bottom_mm, a.papillary_bottom_mm, a.reticular_bottom_mm,
                          a.subcutis_bottom_mm};
    const double tb[5] = {0.0, b.epidermis_bottom_mm, b.papillary_bottom_mm, b.reticular_bottom_mm,
                          b.subcutis_bottom_mm};
    for (int l = 0; l < 4; ++l) {
      sim::Rgb c = layer_color(sim::Layer(l));
      if (l > 0 && l < 3 && (a.scar || b.scar))
        c = {c.r * 0.9 + 0.1, c.g * 0.9 + 0.1, c.b * 0.9 + 0.1};
      double x0, y0, x1, y1, x2, y2, x3, y3;
      px(a.offset_mm, ta[l], &x0, &y0);
      px(b.offset_mm, tb[l], &x1, &y1);
      px(b.offset_mm, tb[l + 1], &x2, &y2);
      px(a.offset_mm, ta[l + 1], &x3, &y3);
      push_quad(v, x0, y0, x1, y1, x2, y2, x3, y3, c, 1.0);
    }
  }
  // Layer boundary lines.
  for (std::size_t k = 0; k + 1 < cs.profile.size(); ++k) {
    const LayerProfileSample& a = cs.profile[k];
    const LayerProfileSample& b = cs.profile[k + 1];
    const double da[3] = {a.epidermis_bottom_mm, a.papillary_bottom_mm, a.reticular_bottom_mm};
    const double db[3] = {b.epidermis_bottom_mm, b.papillary_bottom_mm, b.reticular_bottom_mm};
    for (int l = 0; l < 3; ++l) {
      double x0, y0, x1, y1;
      px(a.offset_mm, da[l], &x0, &y0);
      px(b.offset_mm, db[l], &x1, &y1);
      push_quad(v, x0, y0 - 0.5, x1, y1 - 0.5, x1, y1 + 0.5, x0, y0 + 0.5, {0.35, 0.22, 0.2}, 0.5);
    }
  }
  // Target band.
  if (cs.band_max_mm > cs.band_min_mm) {
    double x0, y0, x1, y1;
    px(-cs.half_length_mm, cs.band_min_mm, &x0, &y0);
    px(cs.half_length_mm, cs.band_max_mm, &x1, &y1);
    const sim::Rgb band = status_color(sim::DepthStatus::kInBand);
    push_rect(v, x0, y0, x1, y1, band, 0.28);
    push_rect(v, x0, y0 - 1, x1, y0 + 1, band, 0.9);
    push_rect(v, x0, y1 - 1, x1, y1 + 1, band, 0.9);
  }
  // Skin surface and the centre marker.
  {
    double x0, y0, x1, y1;
    px(-cs.half_length_mm, 0.0, &x0, &y0);
    px(cs.half_length_mm, 0.0, &x1, &y1);
    push_rect(v, x0, y0 - 1.5, x1, y0 + 0.5, {0.45, 0.3, 0.26}, 1.0);
    px(0.0, 0.0, &x0, &y0);
    px(0.0, cs.max_depth_mm, &x1, &y1);
    push_rect(v, x0 - 0.5, y0, x0 + 0.5, y1, {1.0, 1.0, 1.0}, 0.35);
  }
  // Deposits: an ellipse as wide as the fresh dot and ~0.1 mm deep (the depth axis is stretched
  // relative to the width axis), ringed in the status colour.
  for (const SectionDeposit& d : cs.deposits) {
    if (std::abs(d.offset_mm) > cs.half_length_mm) continue;
    double cx, cy;
    px(d.offset_mm, d.depth_mm, &cx, &cy);
    const double rx = std::max(2.0, 0.5 * d.width_mm * lay.px_per_mm_x);
    const double ry = std::max(2.5, std::min(1.2 * rx, 0.05 * lay.px_per_mm_y));
    const sim::Rgb ring = d.layer == sim::Layer::kSubcutis
                              ? status_color(sim::DepthStatus::kCritical)
                              : (d.in_band ? status_color(sim::DepthStatus::kInBand)
                                           : status_color(d.layer == sim::Layer::kEpidermis
                                                              ? sim::DepthStatus::kTooShallow
                                                              : sim::DepthStatus::kTooDeep));
    push_ellipse(v, cx, cy, rx, ry, d.color, 0.95);
    push_ring(v, cx, cy, rx, ry, 1.5, ring, 0.95);
  }

  const GLint gl_y = fb_height - vp.y - vp.height;
  glEnable(GL_SCISSOR_TEST);
  glScissor(vp.x, gl_y, vp.width, vp.height);
  // The vertices are in window pixels: map them 1:1 with a viewport from the origin that reaches
  // past vp (the scissor keeps drawing inside vp).
  const int fb_width = vp.x + vp.width;
  glViewport(0, 0, fb_width, fb_height);
  glDisable(GL_DEPTH_TEST);
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  glUseProgram(m.flat);
  glUniform2f(glGetUniformLocation(m.flat, "uFramebuffer"), float(fb_width), float(fb_height));
  glBindVertexArray(m.flat_vao);
  glBindBuffer(GL_ARRAY_BUFFER, m.flat_vbo);
  glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(v.size() * sizeof(float)), v.data(), GL_STREAM_DRAW);
  glDrawArrays(GL_TRIANGLES, 0, GLsizei(v.size() / 6));
  glBindVertexArray(0);
  glUseProgram(0);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
}

std::vector<std::uint8_t> read_pixels(const Viewport& vp, int fb_height) {
  std::vector<std::uint8_t> px(std::size_t(vp.width) * vp.height * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(vp.x, fb_height - vp.y - vp.height, vp.width, vp.height, GL_RGBA, GL_UNSIGNED_BYTE,
               px.data());
  // GL rows are bottom first.
  const std::size_t row = std::size_t(vp.width) * 4;
  std::vector<std::uint8_t> tmp(row);
  for (int y = 0; y < vp.height / 2; ++y) {
    std::uint8_t* a = &px[std::size_t(y) * row];
    std::uint8_t* b = &px[std::size_t(vp.height - 1 - y) * row];
    std::memcpy(tmp.data(), a, row);
    std::memcpy(a, b, row);
    std::memcpy(b, tmp.data(), row);
  }
  for (std::size_t i = 3; i < px.size(); i += 4) px[i] = 255;  // screenshots are opaque
  return px;
}

sim::Result<std::unique_ptr<RenderTarget>> RenderTarget::create(int width, int height,
                                                                int samples) {
  if (width <= 0 || height <= 0) {
    return sim::Result<std::unique_ptr<RenderTarget>>::fail({"<gl>", "", "empty render target"});
  }
  GLint max_samples = 0;
  glGetIntegerv(GL_MAX_SAMPLES, &max_samples);
  std::unique_ptr<RenderTarget> t(new RenderTarget());
  t->width_ = width;
  t->height_ = height;
  t->samples_ = std::clamp(samples, 0, int(max_samples));
  glGenFramebuffers(1, &t->fbo_);
  glGenRenderbuffers(1, &t->color_);
  glGenRenderbuffers(1, &t->depth_);
  glBindFramebuffer(GL_FRAMEBUFFER, t->fbo_);
  glBindRenderbuffer(GL_RENDERBUFFER, t->color_);
  glRenderbufferStorageMultisample(GL_RENDERBUFFER, t->samples_, GL_RGBA8, width, height);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, t->color_);
  glBindRenderbuffer(GL_RENDERBUFFER, t->depth_);
  glRenderbufferStorageMultisample(GL_RENDERBUFFER, t->samples_, GL_DEPTH_COMPONENT24, width,
                                   height);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, t->depth_);
  GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
  if (status == GL_FRAMEBUFFER_COMPLETE) {
    glGenFramebuffers(1, &t->resolve_fbo_);
    glGenRenderbuffers(1, &t->resolve_color_);
    glBindFramebuffer(GL_FRAMEBUFFER, t->resolve_fbo_);
    glBindRenderbuffer(GL_RENDERBUFFER, t->resolve_color_);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                              t->resolve_color_);
    status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
  }
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glBindRenderbuffer(GL_RENDERBUFFER, 0);
  if (status != GL_FRAMEBUFFER_COMPLETE) {
    return sim::Result<std::unique_ptr<RenderTarget>>::fail(
        {"<gl>", "", "framebuffer incomplete (status " + std::to_string(status) + ")"});
  }
  return t;
}

RenderTarget::~RenderTarget() {
  const GLuint fbos[] = {fbo_, resolve_fbo_};
  glDeleteFramebuffers(2, fbos);
  const GLuint rbs[] = {color_, depth_, resolve_color_};
  glDeleteRenderbuffers(3, rbs);
}

void RenderTarget::bind() {
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glViewport(0, 0, width_, height_);
}

std::vector<std::uint8_t> RenderTarget::read() {
  glBindFramebuffer(GL_READ_FRAMEBUFFER, fbo_);
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, resolve_fbo_);
  glBlitFramebuffer(0, 0, width_, height_, 0, 0, width_, height_, GL_COLOR_BUFFER_BIT, GL_NEAREST);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, resolve_fbo_);
  std::vector<std::uint8_t> px = read_pixels({0, 0, width_, height_}, height_);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  return px;
}

}  // namespace smp::render
