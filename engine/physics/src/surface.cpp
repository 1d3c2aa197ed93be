// Procedural head and practice pad with the exact scalp-map mapping (docs/rendering.md).
#include "smp/physics/surface.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <mutex>
#include <numbers>

namespace smp::physics {
namespace {

constexpr double kPi = std::numbers::pi;

double smoothstep(double e0, double e1, double x) {
  const double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3.0 - 2.0 * t);
}
double gauss2(double u, double su, double v, double sv) {
  const double a = u / su, b = v / sv;
  return std::exp(-(a * a + b * b));
}
// Polynomial smooth maximum: equals max(a, b) when they differ by more than w.
double smooth_max(double a, double b, double w) {
  const double h = std::max(w - std::abs(a - b), 0.0) / w;
  return std::max(a, b) + h * h * w * 0.25;
}

// ---- The head shape: radial distance (mm) from the head centre along unit direction d. ----
// Skull: an ellipsoid whose semi-axes depend smoothly on the direction (narrower at the front,
// longer toward the chin than toward the nape), plus smooth bumps for the brow, eyes, nose,
// cheeks, lips, chin and ears, joined to an elliptic neck cylinder by a smooth maximum.
// The scalp (above the brow and ears) is the bare skull shape: no feature reaches it.
double skull_radius(double dx, double dy, double dz) {
  const double down = smoothstep(0.0, -0.75, dy);  // 0 above the centre, 1 well below
  const double front = smoothstep(-0.2, 0.7, dz);  // face side
  const double ax = 72.0 - 5.0 * dz - down * (6.0 + 9.0 * front);
  const double ay = dy >= 0.0 ? 100.0 : 82.0 + 62.0 * front;
  // The lower face stands further forward than an ellipsoid would put it (flat face, chin).
  const double az = dz >= 0.0 ? 93.0 + 12.0 * down : 103.0;
  // The vault is fuller than an ellipsoid (parietal eminences, flat-ish crown): a superellipsoid
  // exponent 2.4 above the ears, a plain ellipsoid (2.0) for the face and jaw.
  const double p = 2.0 + 0.4 * smoothstep(-0.35, 0.25, dy);
  const double q = std::pow(std::abs(dx / ax), p) + std::pow(std::abs(dy / ay), p) +
                   std::pow(std::abs(dz / az), p);
  return std::pow(q, -1.0 / p);
}

double face_features(double dx, double dy, double dz) {
  if (dz < -0.05 && std::abs(dx) < 0.75) return 0.0;      // back of the head: nothing
  const double u = std::atan2(dx, dz);                    // horizontal angle, 0 = front
  const double v = std::asin(std::clamp(dy, -1.0, 1.0));  // elevation, 0 = brow level
  double h = 0.0;
  if (std::abs(u) < 1.3) {
    // Brow ridge, eye sockets, cheekbones.
    h += 3.0 * std::exp(-((v - 0.01) / 0.07) * ((v - 0.01) / 0.07)) *
         std::exp(-std::pow(u / 0.55, 4.0));
    h -= 7.0 * gauss2(std::abs(u) - 0.33, 0.14, v + 0.14, 0.085);
    h += 4.5 * gauss2(std::abs(u) - 0.62, 0.18, v + 0.30, 0.12);
    // Nose: a ridge from the bridge (v = -0.06) to the tip (v = -0.40), widening toward the
    // nostrils, with a sharp underside.
    const double k = std::clamp((-0.06 - v) / 0.38, 0.0, 1.0);
    const double top = smoothstep(0.03, -0.06, v);
    const double under = smoothstep(-0.54, -0.44, v);
    const double height = (4.0 + 15.0 * std::pow(k, 1.3)) * top * under;
    const double width = 0.065 + 0.07 * k;
    h += height * std::exp(-(u / width) * (u / width));
    // Lips and chin.
    h += 3.5 * gauss2(u, 0.20, v + 0.64, 0.045);
    h += 3.0 * gauss2(u, 0.18, v + 0.74, 0.040);
    h += 6.0 * gauss2(u, 0.25, v + 0.95, 0.10);
  }
  // Ears: raised discs with a shallow bowl, centred a little below and behind the head centre.
  const double ex = std::abs(dx);
  if (ex > 0.7) {
    const double qv = (dy + 0.14) / 0.36;
    const double qh = (dz + 0.13) / 0.20;
    const double rho = std::sqrt(qv * qv + qh * qh);
    h += 15.0 * smoothstep(1.0, 0.55, rho) - 6.0 * std::exp(-(rho / 0.4) * (rho / 0.4));
  }
  return h;
}

// Neck: elliptic cylinder (half-width 47 mm, half-depth 52 mm, axis at z = -20 mm) from inside the
// skull down to y = -190, with a rounded bottom edge. Radial distance of where a ray leaves it (0
// above the centre).
double neck_radius(double dx, double dy, double dz) {
  if (dy >= -1e-6) return 0.0;
  const double a = 47.0, b = 52.0, zc = -20.0;
  // (t dx / a)^2 + ((t dz - zc) / b)^2 = 1
  const double A = (dx / a) * (dx / a) + (dz / b) * (dz / b);
  const double B = -2.0 * dz * zc / (b * b);
  const double C = (zc / b) * (zc / b) - 1.0;
  double t_side = 1e9;
  if (A > 1e-12) t_side = (-B + std::sqrt(B * B - 4.0 * A * C)) / (2.0 * A);
  const double t_bottom = -190.0 / dy;
  const double t = -smooth_max(-t_side, -t_bottom, 20.0);  // smooth minimum
  // Fade in between 10 and 35 mm below the centre (inside the skull), so the radius stays
  // continuous where the cylinder's top meets the skull.
  return t * smoothstep(10.0, 35.0, t * -dy);
}

double head_radius(Vec3 d) {
  const double base = skull_radius(d.x, d.y, d.z) + face_features(d.x, d.y, d.z);
  const double neck = neck_radius(d.x, d.y, d.z);
  return neck > 0.0 ? smooth_max(base, neck, 8.0) : base;
}

Vec3 direction(double a, double b) {
  return {std::sin(b), std::cos(b) * std::sin(a), std::cos(b) * std::cos(a)};
}
Vec3 head_position(double a, double b) {
  const Vec3 d = direction(a, b);
  return d * head_radius(d);
}
// Implicit function |p| - r(p/|p|): its gradient is the outward normal.
double head_implicit(Vec3 p) {
  const double l = length(p);
  return l - head_radius(p / l);
}
Vec3 head_normal(Vec3 p) {
  const double h = 1e-4;
  const Vec3 g{head_implicit(p + Vec3{h, 0, 0}) - head_implicit(p - Vec3{h, 0, 0}),
               head_implicit(p + Vec3{0, h, 0}) - head_implicit(p - Vec3{0, h, 0}),
               head_implicit(p + Vec3{0, 0, h}) - head_implicit(p - Vec3{0, 0, h})};
  return normalize(g);
}

// Speed of the parametrisation (mm per radian).
double speed_a(double a, double b) {
  const double h = 1e-5;
  return length(head_position(a + h, b) - head_position(a - h, b)) / (2.0 * h);
}
double speed_b(double a, double b) {
  const double h = 1e-5;
  return length(head_position(a, b + h) - head_position(a, b - h)) / (2.0 * h);
}

// 4-point Gauss-Legendre on [lo, hi].
template <class F>
double gauss4(F f, double lo, double hi) {
  static constexpr std::array<double, 4> x{-0.8611363115940526, -0.3399810435848563,
                                           0.3399810435848563, 0.8611363115940526};
  static constexpr std::array<double, 4> w{0.3478548451374538, 0.6521451548625461,
                                           0.6521451548625461, 0.3478548451374538};
  const double m = 0.5 * (lo + hi), r = 0.5 * (hi - lo);
  double s = 0.0;
  for (int i = 0; i < 4; ++i) s += w[i] * f(m + r * x[i]);
  return s * r;
}

// Cubic Hermite on [0, 1] with values y0, y1 and slopes m0, m1 (already scaled by the interval).
double hermite(double y0, double y1, double m0, double m1, double t) {
  const double t2 = t * t, t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * y1 +
         (t3 - t2) * m1;
}
double hermite_d(double y0, double y1, double m0, double m1, double t) {
  const double t2 = t * t;
  return (6 * t2 - 6 * t) * y0 + (3 * t2 - 4 * t + 1) * m0 + (-6 * t2 + 6 * t) * y1 +
         (3 * t2 - 2 * t) * m1;
}

// Solves f(t) = target for t in [0, 1], f increasing, by safeguarded Newton.
template <class F, class D>
double solve_increasing(F f, D df, double target) {
  double lo = 0.0, hi = 1.0, t = 0.5;
  for (int it = 0; it < 60; ++it) {
    const double v = f(t) - target;
    if (v > 0)
      hi = t;
    else
      lo = t;
    if (std::abs(v) < 1e-12) break;
    const double d = df(t);
    double next = d > 0 ? t - v / d : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (hi - lo < 1e-15) break;
    t = next;
  }
  return t;
}

constexpr double kAMin = -kPi / 2;  // straight down (under the neck): the seam
constexpr double kAMax = 3 * kPi / 2;
constexpr int kNa = 4096;  // Y(a) table intervals
constexpr int kNxa = 720;  // X(a, b) table rows over a
constexpr int kNxb = 180;  // X(a, b) table intervals over b in [0, pi/2]
constexpr double kGlabellaToHairlineMm = 70.0;

struct HeadTables {
  double a_hairline = 0.0;
  std::vector<double> y, y_slope;  // at a_k, k = 0..kNa
  std::vector<double> x, x_slope;  // row-major [(kNxa+1) x (kNxb+1)]
  double da = 0, dxa = 0, dxb = 0;

  HeadTables() {
    da = (kAMax - kAMin) / kNa;
    y.resize(kNa + 1);
    y_slope.resize(kNa + 1);
    double acc = 0.0;
    for (int k = 0; k <= kNa; ++k) {
      const double a = kAMin + k * da;
      if (k > 0) acc += gauss4([](double s) { return speed_a(s, 0.0); }, a - da, a);
      y[k] = acc;
      y_slope[k] = speed_a(a, 0.0) * da;
    }
    // Shift so that y = 0 at the hairline, 70 mm along the skin above the glabella (a = 0).
    const double y_glabella = eval_y_raw(0.0);
    a_hairline = inverse_y_raw(y_glabella + kGlabellaToHairlineMm);
    const double y0 = eval_y_raw(a_hairline);
    for (double& v : y) v -= y0;

    dxa = (kAMax - kAMin) / kNxa;
    dxb = (kPi / 2) / kNxb;
    x.resize((kNxa + 1) * (kNxb + 1));
    x_slope.resize(x.size());
    for (int i = 0; i <= kNxa; ++i) {
      const double a = kAMin + i * dxa;
      double sum = 0.0;
      for (int j = 0; j <= kNxb; ++j) {
        const double b = j * dxb;
        if (j > 0) sum += gauss4([a](double s) { return speed_b(a, s); }, b - dxb, b);
        x[i * (kNxb + 1) + j] = sum;
        x_slope[i * (kNxb + 1) + j] = speed_b(a, b) * dxb;
      }
    }
  }

  double eval_y_raw(double a) const {
    const double s = std::clamp((a - kAMin) / da, 0.0, double(kNa) - 1e-12);
    const int k = int(s);
    return hermite(y[k], y[k + 1], y_slope[k], y_slope[k + 1], s - k);
  }
  double inverse_y_raw(double target) const {
    const auto it = std::upper_bound(y.begin(), y.end(), target);
    const int k = std::clamp(int(it - y.begin()) - 1, 0, kNa - 1);
    const double t = solve_increasing(
        [&](double s) { return hermite(y[k], y[k + 1], y_slope[k], y_slope[k + 1], s); },
        [&](double s) { return hermite_d(y[k], y[k + 1], y_slope[k], y_slope[k + 1], s); }, target);
    return kAMin + (k + t) * da;
  }
  // X(a, b) for b >= 0: Hermite along b in the two neighbouring rows, linear across rows.
  double row_x(int i, double sb, int j) const {
    const std::size_t o = std::size_t(i) * (kNxb + 1) + j;
    return hermite(x[o], x[o + 1], x_slope[o], x_slope[o + 1], sb);
  }
  double row_xd(int i, double sb, int j) const {
    const std::size_t o = std::size_t(i) * (kNxb + 1) + j;
    return hermite_d(x[o], x[o + 1], x_slope[o], x_slope[o + 1], sb);
  }
  void row_of(double a, int* i, double* w) const {
    const double s = std::clamp((a - kAMin) / dxa, 0.0, double(kNxa) - 1e-12);
    *i = int(s);
    *w = s - *i;
  }
  double eval_x(double a, double b_abs) const {
    int i;
    double w;
    row_of(a, &i, &w);
    const double s = std::clamp(b_abs / dxb, 0.0, double(kNxb) - 1e-12);
    const int j = int(s);
    return (1 - w) * row_x(i, s - j, j) + w * row_x(i + 1, s - j, j);
  }
  double inverse_x(double a, double x_abs) const {
    int i;
    double w;
    row_of(a, &i, &w);
    auto node = [&](int j) {
      return (1 - w) * x[std::size_t(i) * (kNxb + 1) + j] +
             w * x[std::size_t(i + 1) * (kNxb + 1) + j];
    };
    int lo = 0, hi = kNxb;
    if (x_abs >= node(kNxb)) return kPi / 2;
    while (hi - lo > 1) {
      const int mid = (lo + hi) / 2;
      if (node(mid) <= x_abs)
        lo = mid;
      else
        hi = mid;
    }
    const int j = lo;
    const double t = solve_increasing(
        [&](double s) { return (1 - w) * row_x(i, s, j) + w * row_x(i + 1, s, j); },
        [&](double s) { return (1 - w) * row_xd(i, s, j) + w * row_xd(i + 1, s, j); }, x_abs);
    return (j + t) * dxb;
  }
  double y_of(double a) const {
    const double s = std::clamp((a - kAMin) / da, 0.0, double(kNa) - 1e-12);
    const int k = int(s);
    return hermite(y[k], y[k + 1], y_slope[k], y_slope[k + 1], s - k);
  }
  double a_of(double yv) const { return inverse_y_raw(yv); }
};

const HeadTables& head_tables() {
  static const HeadTables t;  // thread-safe lazy init
  return t;
}

void angles_of(Vec3 w, double* a, double* b) {
  const Vec3 d = normalize(w);
  *b = std::asin(std::clamp(d.x, -1.0, 1.0));
  double aa = std::atan2(d.y, d.z);
  if (aa < kAMin) aa += 2 * kPi;
  *a = aa;
}

}  // namespace

struct SkinSurface::Impl {
  sim::Surface kind = sim::Surface::kHead;
  sim::BoxMm work;  // map_bounds()
  sim::BoxMm slab;  // pad: extent including margin
  double pad_thickness_mm = 10.0;
  mutable SurfaceMesh mesh;  // built lazily under mesh_once
  mutable std::once_flag mesh_once;
  mutable Vec3 bmin, bmax;

  SurfacePoint head_point(sim::PointMm p) const {
    const HeadTables& t = head_tables();
    const double a = t.a_of(p.y_mm);
    const double b_abs = t.inverse_x(a, std::abs(p.x_mm));
    const double b = p.x_mm < 0 ? -b_abs : b_abs;
    SurfacePoint sp;
    sp.pos = head_position(a, b);
    sp.normal = head_normal(sp.pos);
    const double h = 1e-5;
    Vec3 tx = head_position(a, b + h) - head_position(a, b - h);
    tx = normalize(tx - sp.normal * dot(tx, sp.normal));
    sp.tangent_x = tx;
    sp.tangent_y = cross(sp.normal, tx);
    return sp;
  }
  sim::PointMm head_map(Vec3 w) const {
    const HeadTables& t = head_tables();
    double a, b;
    angles_of(w, &a, &b);
    const double xa = t.eval_x(a, std::abs(b));
    return {b < 0 ? -xa : xa, t.y_of(a)};
  }
  void build_mesh() const;
};

namespace {

MeshVertex make_vertex(Vec3 p, Vec3 n, sim::PointMm m) {
  return MeshVertex{{float(p.x), float(p.y), float(p.z)},
                    {float(n.x), float(n.y), float(n.z)},
                    {float(m.x_mm), float(m.y_mm)}};
}

}  // namespace

void SkinSurface::Impl::build_mesh() const {
  SurfaceMesh m;
  if (kind == sim::Surface::kHead) {
    // (a, b) grid: 384 steps around the X axis, 192 from ear to ear (~1.5-2 mm on the scalp).
    constexpr int na = 384, nb = 192;
    const HeadTables& t = head_tables();
    m.grid_a = na;
    m.grid_b = nb;
    m.vertices.reserve(std::size_t(na + 1) * (nb + 1));
    for (int i = 0; i <= na; ++i) {
      const double a = kAMin + (kAMax - kAMin) * i / na;
      const double yv = t.y_of(a);
      for (int j = 0; j <= nb; ++j) {
        const double b = -kPi / 2 + kPi * j / nb;
        const Vec3 p = head_position(a, b);
        const double xa = t.eval_x(a, std::abs(b));
        const sim::PointMm mp{b < 0 ? -xa : xa, yv};
        m.vertices.push_back(make_vertex(p, head_normal(p), mp));
      }
    }
    for (int i = 0; i < na; ++i) {
      for (int j = 0; j < nb; ++j) {
        const std::uint32_t v00 = i * (nb + 1) + j, v01 = v00 + 1;
        const std::uint32_t v10 = (i + 1) * (nb + 1) + j, v11 = v10 + 1;
        // Outward-facing CCW: d/da x d/db points inward, so wind (v00, v01, v11).
        if (j != 0) m.indices.insert(m.indices.end(), {v00, v11, v10});       // skip at b=-pi/2
        if (j != nb - 1) m.indices.insert(m.indices.end(), {v00, v01, v11});  // skip at b=+pi/2
      }
    }
  } else {
    // Slab: top face gridded every ~5 mm (map coordinates interpolate exactly on a plane), then
    // four sides and the bottom.
    const double x0 = slab.min.x_mm, x1 = slab.max.x_mm, y0 = slab.min.y_mm, y1 = slab.max.y_mm;
    const int nx = std::max(2, int(std::ceil((x1 - x0) / 5.0)));
    const int ny = std::max(2, int(std::ceil((y1 - y0) / 5.0)));
    for (int j = 0; j <= ny; ++j) {
      for (int i = 0; i <= nx; ++i) {
        const double x = x0 + (x1 - x0) * i / nx, y = y0 + (y1 - y0) * j / ny;
        m.vertices.push_back(make_vertex({x, 0.0, -y}, {0, 1, 0}, {x, y}));
      }
    }
    for (int j = 0; j < ny; ++j) {
      for (int i = 0; i < nx; ++i) {
        const std::uint32_t v00 = j * (nx + 1) + i, v10 = v00 + 1;
        const std::uint32_t v01 = v00 + (nx + 1), v11 = v01 + 1;
        // +y maps to -Z: (v00, v10, v11) is CCW seen from +Y.
        m.indices.insert(m.indices.end(), {v00, v10, v11, v00, v11, v01});
      }
    }
    const double h = pad_thickness_mm;
    auto quad = [&](Vec3 a, Vec3 b, Vec3 c, Vec3 d, Vec3 n) {  // CCW from outside
      const std::uint32_t base = std::uint32_t(m.vertices.size());
      for (Vec3 p : {a, b, c, d}) {
        m.vertices.push_back(
            make_vertex(p, n, {std::clamp(p.x, x0, x1), std::clamp(-p.z, y0, y1)}));
      }
      m.indices.insert(m.indices.end(), {base, base + 1, base + 2, base, base + 2, base + 3});
    };
    const double zf = -y0, zb = -y1;  // front edge (small y) has the larger z
    quad({x0, 0, zf}, {x0, -h, zf}, {x1, -h, zf}, {x1, 0, zf}, {0, 0, 1});
    quad({x1, 0, zb}, {x1, -h, zb}, {x0, -h, zb}, {x0, 0, zb}, {0, 0, -1});
    quad({x0, 0, zb}, {x0, -h, zb}, {x0, -h, zf}, {x0, 0, zf}, {-1, 0, 0});
    quad({x1, 0, zf}, {x1, -h, zf}, {x1, -h, zb}, {x1, 0, zb}, {1, 0, 0});
    quad({x0, -h, zf}, {x0, -h, zb}, {x1, -h, zb}, {x1, -h, zf}, {0, -1, 0});
  }
  bmin = {1e30, 1e30, 1e30};
  bmax = {-1e30, -1e30, -1e30};
  for (const MeshVertex& v : m.vertices) {
    bmin = {std::min(bmin.x, double(v.pos[0])), std::min(bmin.y, double(v.pos[1])),
            std::min(bmin.z, double(v.pos[2]))};
    bmax = {std::max(bmax.x, double(v.pos[0])), std::max(bmax.y, double(v.pos[1])),
            std::max(bmax.z, double(v.pos[2]))};
  }
  mesh = std::move(m);
}

SkinSurface::SkinSurface(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
SkinSurface::~SkinSurface() = default;
SkinSurface::SkinSurface(SkinSurface&&) noexcept = default;
SkinSurface& SkinSurface::operator=(SkinSurface&&) noexcept = default;
SkinSurface::SkinSurface(const SkinSurface&) = default;
SkinSurface& SkinSurface::operator=(const SkinSurface&) = default;

SkinSurface SkinSurface::head() {
  auto impl = std::make_shared<Impl>();
  impl->kind = sim::Surface::kHead;
  impl->work = {{-110.0, -60.0}, {110.0, 290.0}};
  head_tables();
  return SkinSurface(std::move(impl));
}

SkinSurface SkinSurface::pad(sim::BoxMm extent, double margin_mm) {
  auto impl = std::make_shared<Impl>();
  impl->kind = sim::Surface::kPracticePad;
  impl->work = extent;
  impl->slab = {{extent.min.x_mm - margin_mm, extent.min.y_mm - margin_mm},
                {extent.max.x_mm + margin_mm, extent.max.y_mm + margin_mm}};
  return SkinSurface(std::move(impl));
}

SkinSurface SkinSurface::for_scenario(const sim::Scenario& s) {
  if (s.surface == sim::Surface::kHead) return head();
  // The practice pad is a flat 10 x 10 cm sheet, map 0..100 mm both ways
  // (docs/scenario-format.md); grown only if the scenario reaches past it.
  sim::PolygonMm all{{0.0, 0.0}, {100.0, 100.0}};
  for (const sim::Region& r : s.regions)
    all.insert(all.end(), r.polygon_mm.begin(), r.polygon_mm.end());
  all.insert(all.end(), s.hairline_front_mm.begin(), s.hairline_front_mm.end());
  all.insert(all.end(), s.patient.hairs_mm.begin(), s.patient.hairs_mm.end());
  return pad(sim::bounding_box(all), 0.0);
}

sim::Surface SkinSurface::kind() const {
  return impl_->kind;
}
sim::BoxMm SkinSurface::map_bounds() const {
  return impl_->work;
}

SurfacePoint SkinSurface::point(sim::PointMm p) const {
  if (impl_->kind == sim::Surface::kHead) return impl_->head_point(p);
  return SurfacePoint{{p.x_mm, 0.0, -p.y_mm}, {0, 1, 0}, {1, 0, 0}, {0, 0, -1}};
}

sim::PointMm SkinSurface::map_point(Vec3 w) const {
  if (impl_->kind == sim::Surface::kHead) return impl_->head_map(w);
  return {w.x, -w.z};
}

std::optional<double> SkinSurface::refine_ray_hit(const Ray& ray, double t_guess) const {
  const Vec3 d = normalize(ray.dir);
  if (impl_->kind != sim::Surface::kHead) {
    if (std::abs(d.y) < 1e-12) return std::nullopt;
    const double t = -ray.origin.y / d.y;
    // A hit on the slab's sides or bottom is not on the working face.
    return t >= 0 && std::abs(t - t_guess) <= 2.0 ? std::optional<double>(t) : std::nullopt;
  }
  auto g = [&](double t) { return head_implicit(ray.origin + d * t); };
  double t = t_guess;
  for (int it = 0; it < 30; ++it) {
    const double v = g(t);
    if (std::abs(v) < 1e-10) return t;
    const double h = 1e-4;
    const double dg = (g(t + h) - g(t - h)) / (2 * h);
    if (!(std::abs(dg) > 1e-6)) return std::nullopt;
    t -= v / dg;
    if (std::abs(t - t_guess) > 2.0) return std::nullopt;  // wandered to another sheet
  }
  return std::abs(g(t)) < 1e-7 ? std::optional<double>(t) : std::nullopt;
}

SkinSurface::MapMetric SkinSurface::metric(sim::PointMm p) const {
  if (impl_->kind != sim::Surface::kHead) return {};
  const double h = 0.05;  // mm: central differences, well above the inversion's 1e-9 mm noise
  const Vec3 dx = point({p.x_mm + h, p.y_mm}).pos - point({p.x_mm - h, p.y_mm}).pos;
  const Vec3 dy = point({p.x_mm, p.y_mm + h}).pos - point({p.x_mm, p.y_mm - h}).pos;
  MapMetric m;
  m.x_scale = length(dx) / (2 * h);
  m.y_scale = length(dy) / (2 * h);
  m.angle_rad = std::acos(std::clamp(dot(normalize(dx), normalize(dy)), -1.0, 1.0));
  return m;
}

const SurfaceMesh& SkinSurface::mesh() const {
  std::call_once(impl_->mesh_once, [this] { impl_->build_mesh(); });
  return impl_->mesh;
}
Vec3 SkinSurface::bounds_min() const {
  mesh();
  return impl_->bmin;
}
Vec3 SkinSurface::bounds_max() const {
  mesh();
  return impl_->bmax;
}

}  // namespace smp::physics
