#include "smp/report/images.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>

#include "pdf_text.h"
#include "smp/sim/color.h"
#include "smp/sim/healing.h"
#include "smp/sim/session.h"
#include "smp/sim/skin.h"

namespace smp::report {
namespace {

using sim::BoxMm;
using sim::Lab;
using sim::PointMm;

// splitmix64: a fixed integer hash, so every "random" detail of the picture (hair direction, skin
// grain) is a pure function of the input and identical on every run.
std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
double unit(std::uint64_t h) {
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}  // [0, 1)

bool is_treated(sim::RegionRole r) {
  return r == sim::RegionRole::kTreat || r == sim::RegionRole::kScar ||
         r == sim::RegionRole::kHairlineTransition;
}

void grow(BoxMm& b, bool& any, PointMm p) {
  if (!std::isfinite(p.x_mm) || !std::isfinite(p.y_mm)) return;
  if (!any) {
    b = {p, p};
    any = true;
    return;
  }
  b.min.x_mm = std::min(b.min.x_mm, p.x_mm);
  b.min.y_mm = std::min(b.min.y_mm, p.y_mm);
  b.max.x_mm = std::max(b.max.x_mm, p.x_mm);
  b.max.y_mm = std::max(b.max.y_mm, p.y_mm);
}

// Scar tissue is paler (fewer melanocytes, domain.md "Skin layers"): lightness a third of the way
// toward white, chroma reduced. A rendering choice, documented in docs/report-pdf.md.
Lab scar_skin(const Lab& skin) {
  return Lab{skin.L + (95.0 - skin.L) * 0.33, skin.a * 0.65, skin.b * 0.70};
}

void set_rgb(cairo_t* cr, const Lab& lab, double alpha = 1.0) {
  const sim::Rgb c = sim::lab_to_srgb(lab);
  cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

void polygon_path(cairo_t* cr, const sim::PolygonMm& poly) {
  cairo_new_path(cr);
  for (std::size_t i = 0; i < poly.size(); ++i) {
    if (i == 0) {
      cairo_move_to(cr, poly[i].x_mm, poly[i].y_mm);
    } else {
      cairo_line_to(cr, poly[i].x_mm, poly[i].y_mm);
    }
  }
  cairo_close_path(cr);
}

// A tileable grain texture (value noise, two octaves, plus sparse pores), 8 mm square, painted
// faintly over the skin so it reads as skin rather than a flat fill. Bright and dark around mid
// grey.
constexpr int kGrainPx = 256;
constexpr double kGrainMm = 8.0;
cairo_surface_t* make_grain() {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, kGrainPx, kGrainPx);
  cairo_surface_flush(s);
  unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  auto lattice = [](int i, int j, int period, std::uint64_t salt) {
    const int ii = ((i % period) + period) % period, jj = ((j % period) + period) % period;
    return unit(
        mix64(salt ^ (static_cast<std::uint64_t>(ii) << 32) ^ static_cast<std::uint64_t>(jj)));
  };
  auto value_noise = [&](double u, double v, int period, std::uint64_t salt) {
    const double x = u * period, y = v * period;
    const int i = static_cast<int>(std::floor(x)), j = static_cast<int>(std::floor(y));
    const double fx = x - i, fy = y - j;
    const double sx = fx * fx * (3.0 - 2.0 * fx), sy = fy * fy * (3.0 - 2.0 * fy);
    const double a = lattice(i, j, period, salt), b = lattice(i + 1, j, period, salt);
    const double c = lattice(i, j + 1, period, salt), d = lattice(i + 1, j + 1, period, salt);
    return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy;
  };
  for (int y = 0; y < kGrainPx; ++y) {
    for (int x = 0; x < kGrainPx; ++x) {
      const double u = (x + 0.5) / kGrainPx, v = (y + 0.5) / kGrainPx;
      double n = 0.55 * value_noise(u, v, 16, 0x51) + 0.45 * value_noise(u, v, 64, 0x77) - 0.5;
      // Pores: about one in 700 texels a small dark speck.
      if (unit(mix64(0xC0FFEEull ^ (static_cast<std::uint64_t>(y) * kGrainPx + x))) < 0.0014) {
        n -= 0.9;
      }
      const double grey = std::clamp(0.5 + n * 0.5, 0.0, 1.0);
      // Premultiplied ARGB32 with alpha = how far from mid grey: light or dark veil.
      const double alpha = std::min(1.0, std::abs(grey - 0.5) * 2.0);
      const auto lum =
          static_cast<unsigned char>(std::lround((grey > 0.5 ? 1.0 : 0.0) * alpha * 255.0));
      const auto a8 = static_cast<unsigned char>(std::lround(alpha * 255.0));
      auto* px = reinterpret_cast<std::uint32_t*>(data + y * stride) + x;
      *px = (static_cast<std::uint32_t>(a8) << 24) | (static_cast<std::uint32_t>(lum) << 16) |
            (static_cast<std::uint32_t>(lum) << 8) | lum;
    }
  }
  cairo_surface_mark_dirty(s);
  return s;
}

void paint_grain(cairo_t* cr, double strength) {
  cairo_surface_t* grain = make_grain();
  cairo_pattern_t* pat = cairo_pattern_create_for_surface(grain);
  cairo_pattern_set_extend(pat, CAIRO_EXTEND_REPEAT);
  cairo_pattern_set_filter(pat, CAIRO_FILTER_BILINEAR);
  cairo_matrix_t m;
  cairo_matrix_init_scale(&m, kGrainPx / kGrainMm, kGrainPx / kGrainMm);  // user mm -> texels
  cairo_pattern_set_matrix(pat, &m);
  cairo_set_source(cr, pat);
  cairo_paint_with_alpha(cr, strength);
  cairo_pattern_destroy(pat);
  cairo_surface_destroy(grain);
}

// A soft-edged elliptical dot: full `alpha` inside radius - blur/2, fading linearly to 0 at
// radius + blur/2 (radius = minor semi-axis; the major is `elongation` times longer, along
// `orientation_rad`). Two painters with the same geometry: cairo radial gradients for any
// target, and a direct one for the pictures' own image surfaces (50,000 dots: the three PNGs
// 7.2 s -> 3.7 s with PNG encoding, the PDF 4.7 s -> 1.4 s).
struct Dot {
  PointMm p;
  double r = 0.0, elongation = 1.0, orientation_rad = 0.0, blur = 0.0;
  double red = 0.0, green = 0.0, blue = 0.0, alpha = 0.0;
};

void cairo_dot(cairo_t* cr, const Dot& d) {
  const double inner = std::max(0.0, d.r - d.blur / 2.0), outer = d.r + d.blur / 2.0;
  cairo_save(cr);
  cairo_translate(cr, d.p.x_mm, d.p.y_mm);
  cairo_rotate(cr, d.orientation_rad);
  cairo_scale(cr, std::max(1.0, d.elongation), 1.0);
  cairo_pattern_t* g = cairo_pattern_create_radial(0, 0, inner, 0, 0, outer);
  cairo_pattern_add_color_stop_rgba(g, 0.0, d.red, d.green, d.blue, d.alpha);
  cairo_pattern_add_color_stop_rgba(g, 1.0, d.red, d.green, d.blue, 0.0);
  cairo_set_source(cr, g);
  cairo_new_path(cr);
  cairo_arc(cr, 0, 0, outer, 0, 2 * std::numbers::pi);
  cairo_fill(cr);
  cairo_pattern_destroy(g);
  cairo_restore(cr);
}

// Writes dots straight into an RGB24/ARGB32 image surface whose matrix is exactly the view
// transform (what render_work_png and the PDF's pictures set up); sampled at pixel centres.
class PixelPainter {
 public:
  static std::optional<PixelPainter> attach(cairo_t* cr, const WorkView& v) {
    cairo_surface_t* t = cairo_get_target(cr);
    if (cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE) return std::nullopt;
    const cairo_format_t f = cairo_image_surface_get_format(t);
    if (f != CAIRO_FORMAT_RGB24 && f != CAIRO_FORMAT_ARGB32) return std::nullopt;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    const double s = v.px_per_mm;
    auto same = [](double a, double b) { return std::abs(a - b) <= 1e-9 * (1.0 + std::abs(b)); };
    if (!same(m.xx, -s) || !same(m.yy, s) || m.xy != 0.0 || m.yx != 0.0 ||
        !same(m.x0, v.box.max.x_mm * s) || !same(m.y0, -v.box.min.y_mm * s)) {
      return std::nullopt;
    }
    cairo_surface_flush(t);
    PixelPainter p;
    p.surface_ = t;
    p.data_ = cairo_image_surface_get_data(t);
    p.stride_ = cairo_image_surface_get_stride(t);
    p.w_ = cairo_image_surface_get_width(t);
    p.h_ = cairo_image_surface_get_height(t);
    p.argb_ = f == CAIRO_FORMAT_ARGB32;
    p.v_ = v;
    return p;
  }

  void dot(const Dot& d) {
    const double s = v_.px_per_mm;
    const double inner = std::max(0.0, d.r - d.blur / 2.0), outer = d.r + d.blur / 2.0;
    const double e = std::max(1.0, d.elongation);
    const double reach_px = outer * e * s + 1.0;
    const double cx = (v_.box.max.x_mm - d.p.x_mm) * s, cy = (d.p.y_mm - v_.box.min.y_mm) * s;
    const int x0 = std::max(0, static_cast<int>(std::floor(cx - reach_px)));
    const int x1 = std::min(w_ - 1, static_cast<int>(std::ceil(cx + reach_px)));
    const int y0 = std::max(0, static_cast<int>(std::floor(cy - reach_px)));
    const int y1 = std::min(h_ - 1, static_cast<int>(std::ceil(cy + reach_px)));
    const double co = std::cos(d.orientation_rad), si = std::sin(d.orientation_rad);
    const double span = outer - inner;
    for (int iy = y0; iy <= y1; ++iy) {
      auto* row =
          reinterpret_cast<std::uint32_t*>(data_ + static_cast<std::ptrdiff_t>(iy) * stride_);
      const double dy = v_.box.min.y_mm + (iy + 0.5) / s - d.p.y_mm;
      for (int ix = x0; ix <= x1; ++ix) {
        const double dx = v_.box.max.x_mm - (ix + 0.5) / s - d.p.x_mm;
        const double u = (dx * co + dy * si) / e, w = -dx * si + dy * co;
        const double rr = std::sqrt(u * u + w * w);
        if (rr >= outer) continue;
        const double t = span > 0.0 ? std::clamp((rr - inner) / span, 0.0, 1.0) : 0.0;
        blend(row[ix], d, d.alpha * (1.0 - t));
      }
    }
  }

  void done() { cairo_surface_mark_dirty(surface_); }

 private:
  void blend(std::uint32_t& px, const Dot& d, double a) const {
    if (a <= 0.0) return;
    auto mix = [a](std::uint32_t dst, double src) {
      return static_cast<std::uint32_t>(
          std::lround(src * 255.0 * a + static_cast<double>(dst) * (1.0 - a)));
    };
    const std::uint32_t r = mix((px >> 16) & 0xFF, d.red), g = mix((px >> 8) & 0xFF, d.green),
                        b = mix(px & 0xFF, d.blue);
    const std::uint32_t alpha = argb_ ? mix(px >> 24, 1.0) : 0xFF;
    px = (alpha << 24) | (r << 16) | (g << 8) | b;
  }

  cairo_surface_t* surface_ = nullptr;
  unsigned char* data_ = nullptr;
  int stride_ = 0, w_ = 0, h_ = 0;
  bool argb_ = false;
  WorkView v_;
};

double nice_length_mm(double want) {
  const double steps[] = {0.5, 1, 2, 5, 10, 20, 50, 100};
  double best = steps[0];
  for (double s : steps) {
    if (s <= want) best = s;
  }
  return best;
}

cairo_status_t append_png(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::vector<WorkImageSpec> standard_work_images() {
  return {{"fresh", "Fresh (day 0)", 0.0},
          {"healed", "Healed (30 days)", 30.0},
          {"aged", "Aged (24 months)", 24.0 * sim::kDaysPerMonth}};
}

WorkView choose_work_view(const sim::Scenario& scenario,
                          std::span<const sim::Impression> impressions,
                          const ImageOptions& options) {
  BoxMm box{};
  bool any = false;
  for (const auto& r : scenario.regions) {
    if (!is_treated(r.role)) continue;
    for (const auto& p : r.polygon_mm) grow(box, any, p);
  }
  double cx = 0.0, cy = 0.0;
  std::size_t finite = 0;
  for (const auto& imp : impressions) {
    grow(box, any, imp.pos);
    if (std::isfinite(imp.pos.x_mm) && std::isfinite(imp.pos.y_mm)) {
      cx += imp.pos.x_mm;
      cy += imp.pos.y_mm;
      ++finite;
    }
  }
  if (!any) box = {{-5.0, -5.0}, {5.0, 5.0}};
  box.min.x_mm -= options.margin_mm;
  box.min.y_mm -= options.margin_mm;
  box.max.x_mm += options.margin_mm;
  box.max.y_mm += options.margin_mm;

  const int max_side = std::max(64, options.max_side_px);
  double w = box.max.x_mm - box.min.x_mm, h = box.max.y_mm - box.min.y_mm;
  double s = std::min(options.max_px_per_mm, max_side / std::max(w, h));
  if (s < options.min_px_per_mm) {
    // Too large to show dots at a visible size: a window around the work instead.
    s = options.min_px_per_mm;
    const double win = max_side / s;
    const double mx =
        finite == 0 ? (box.min.x_mm + box.max.x_mm) / 2 : cx / static_cast<double>(finite);
    const double my =
        finite == 0 ? (box.min.y_mm + box.max.y_mm) / 2 : cy / static_cast<double>(finite);
    auto clamp_axis = [&](double lo, double hi, double mid, double& out_lo, double& out_hi) {
      if (hi - lo <= win) return;
      out_lo = std::clamp(mid - win / 2, lo, hi - win);
      out_hi = out_lo + win;
    };
    BoxMm b = box;
    clamp_axis(box.min.x_mm, box.max.x_mm, mx, b.min.x_mm, b.max.x_mm);
    clamp_axis(box.min.y_mm, box.max.y_mm, my, b.min.y_mm, b.max.y_mm);
    box = b;
    w = box.max.x_mm - box.min.x_mm;
    h = box.max.y_mm - box.min.y_mm;
  }
  WorkView v;
  v.box = box;
  v.px_per_mm = s;
  v.width_px = std::max(1, static_cast<int>(std::lround(w * s)));
  v.height_px = std::max(1, static_cast<int>(std::lround(h * s)));
  return v;
}

void work_view_transform(cairo_t* cr, const WorkView& view) {
  const double s = view.px_per_mm;
  cairo_matrix_t m;
  // x mirrored: +x (patient's left) toward the left edge; y (front to crown) downward.
  cairo_matrix_init(&m, -s, 0.0, 0.0, s, view.box.max.x_mm * s, -view.box.min.y_mm * s);
  cairo_transform(cr, &m);
}

sim::Result<bool> draw_work(cairo_t* cr, const sim::Scenario& scenario,
                            const sim::PigmentCatalogue& catalogue,
                            std::span<const sim::Impression> impressions, double t_days,
                            const WorkView& view) {
  // Resolve every pigment first: nothing is drawn for an input that cannot be drawn whole.
  std::vector<const sim::Pigment*> pigments;
  pigments.reserve(impressions.size());
  for (std::size_t i = 0; i < impressions.size(); ++i) {
    const sim::Pigment* p = catalogue.find(impressions[i].pigment);
    if (p == nullptr) {
      return sim::Result<bool>::fail({"<impressions>",
                                      "/impressions/" + std::to_string(i) + "/pigment",
                                      "unknown pigment '" + impressions[i].pigment + "'"});
    }
    pigments.push_back(p);
  }
  const double px_mm = 1.0 / std::max(1e-6, view.px_per_mm);  // one pixel, in mm
  const Lab skin = scenario.patient.skin_lab;
  const Lab scar = scar_skin(skin);

  cairo_save(cr);
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_GOOD);
  // Skin, then paler, smoother scar tissue.
  cairo_rectangle(cr, view.box.min.x_mm, view.box.min.y_mm, view.box.max.x_mm - view.box.min.x_mm,
                  view.box.max.y_mm - view.box.min.y_mm);
  cairo_clip(cr);
  set_rgb(cr, skin);
  cairo_paint(cr);
  paint_grain(cr, 0.07);
  for (const auto& r : scenario.regions) {
    if (r.role != sim::RegionRole::kScar) continue;
    polygon_path(cr, r.polygon_mm);
    set_rgb(cr, scar);
    cairo_fill_preserve(cr);
    // A feathered edge: scar margins blend into the surrounding skin.
    for (int k = 3; k >= 1; --k) {
      set_rgb(cr, scar, 0.22);
      cairo_set_line_width(cr, 0.12 * k);
      cairo_stroke_preserve(cr);
    }
    cairo_new_path(cr);
  }

  // Impressions in placement order (later dots over earlier ones, as on skin).
  std::optional<PixelPainter> painter = PixelPainter::attach(cr, view);
  auto soft_dot = [&](const Dot& d) {
    if (d.alpha <= 0.0 || d.r <= 0.0) return;
    if (painter) {
      painter->dot(d);
    } else {
      cairo_dot(cr, d);
    }
  };
  for (std::size_t i = 0; i < impressions.size(); ++i) {
    const sim::Impression& imp = impressions[i];
    const sim::SkinSample sample = sim::skin_at(scenario, imp.pos);
    const Lab under = (sample.scar || imp.scar) ? scar : skin;
    const sim::Appearance a = sim::appearance_at(imp, sample, *pigments[i], under, t_days);
    if (!(a.opacity > 0.0) || !(a.diameter_mm > 0.0) || !std::isfinite(a.diameter_mm) ||
        !std::isfinite(a.blur_mm) || !std::isfinite(a.elongation) ||
        !std::isfinite(a.orientation_rad) || !std::isfinite(imp.pos.x_mm) ||
        !std::isfinite(imp.pos.y_mm)) {
      continue;  // nothing visible, or nothing cairo could place
    }
    const sim::Rgb c = sim::lab_to_srgb(a.color);
    const double r = a.diameter_mm / 2.0;
    const double blur = std::max(a.blur_mm, 1.2 * px_mm);  // at least an anti-aliased edge
    const double opacity = std::min(1.0, a.opacity);
    if (t_days < 3.0) {
      // Fresh work: a faint red halo of irritated skin around each puncture (ui.md).
      const sim::Rgb red = sim::lab_to_srgb(Lab{45.0, 38.0, 22.0});
      soft_dot(
          {imp.pos, r * 1.6, a.elongation, a.orientation_rad, r * 1.4, red.r, red.g, red.b, 0.16});
    }
    if (a.blowout) {
      // Pigment in fat diffuses: a wide, faint veil around the blotch.
      soft_dot({imp.pos, r * 1.6, a.elongation, a.orientation_rad, r * 1.6 + blur, c.r, c.g, c.b,
                opacity * 0.35});
    }
    soft_dot({imp.pos, r, a.elongation, a.orientation_rad, blur, c.r, c.g, c.b, opacity});
  }
  if (painter) painter->done();

  // Existing hairs (thinning cases): short fine strands lying toward the crown, deterministic
  // direction and length per hair, with the follicle opening a touch darker.
  const sim::Rgb hair = sim::lab_to_srgb(scenario.patient.hair_lab);
  const double hair_w = std::max(scenario.patient.hair_diameter_mm, 0.8 * px_mm);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (std::size_t i = 0; i < scenario.patient.hairs_mm.size(); ++i) {
    const PointMm p = scenario.patient.hairs_mm[i];
    const std::uint64_t h = mix64(0x4A1Dull ^ i);
    const double ang = std::numbers::pi / 2 + (unit(h) - 0.5) * 0.9;
    const double len = 1.6 + 1.8 * unit(mix64(h));
    const double bend = (unit(mix64(h + 1)) - 0.5) * 0.5;
    const double ex = p.x_mm + std::cos(ang) * len, ey = p.y_mm + std::sin(ang) * len;
    const double mx = p.x_mm + std::cos(ang + bend) * len * 0.55;
    const double my = p.y_mm + std::sin(ang + bend) * len * 0.55;
    cairo_new_path(cr);
    cairo_move_to(cr, p.x_mm, p.y_mm);
    cairo_curve_to(cr, mx, my, mx, my, ex, ey);
    cairo_set_line_width(cr, hair_w);
    cairo_set_source_rgba(cr, hair.r, hair.g, hair.b, 0.92);
    cairo_stroke(cr);
    cairo_dot(cr,
              {p, hair_w * 0.75, 1.0, 0.0, px_mm, hair.r * 0.7, hair.g * 0.7, hair.b * 0.7, 0.9});
  }

  // Region outlines, faint: solid for treated areas, dashed red for forbidden, dashed amber for
  // areas to avoid.
  for (const auto& r : scenario.regions) {
    if (r.polygon_mm.size() < 3) continue;
    polygon_path(cr, r.polygon_mm);
    cairo_set_line_width(cr, 1.3 * px_mm);
    double dash[2] = {6 * px_mm, 4 * px_mm};
    switch (r.role) {
      case sim::RegionRole::kForbidden:
        cairo_set_source_rgba(cr, 0.80, 0.15, 0.10, 0.55);
        cairo_set_dash(cr, dash, 2, 0);
        break;
      case sim::RegionRole::kAvoid:
        cairo_set_source_rgba(cr, 0.85, 0.55, 0.0, 0.55);
        cairo_set_dash(cr, dash, 2, 0);
        break;
      case sim::RegionRole::kHairlineTransition:
        cairo_set_source_rgba(cr, 0.10, 0.10, 0.12, 0.22);
        dash[0] = 2 * px_mm;
        cairo_set_dash(cr, dash, 2, 0);
        break;
      default:
        cairo_set_source_rgba(cr, 0.10, 0.10, 0.12, 0.25);
        cairo_set_dash(cr, nullptr, 0, 0);
        break;
    }
    cairo_stroke(cr);
  }
  cairo_set_dash(cr, nullptr, 0, 0);
  cairo_restore(cr);
  return true;
}

sim::Result<RenderedImage> render_work_png(const sim::Scenario& scenario,
                                           const sim::PigmentCatalogue& catalogue,
                                           std::span<const sim::Impression> impressions,
                                           double t_days, const WorkView& view,
                                           const ImageOptions& options) {
  if (view.width_px <= 0 || view.height_px <= 0 || view.width_px > 16384 ||
      view.height_px > 16384) {
    return sim::Result<RenderedImage>::fail({"<image>", "", "picture size out of range"});
  }
  cairo_surface_t* surf =
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, view.width_px, view.height_px);
  cairo_t* cr = cairo_create(surf);
  cairo_save(cr);
  work_view_transform(cr, view);
  auto drawn = draw_work(cr, scenario, catalogue, impressions, t_days, view);
  cairo_restore(cr);
  if (!drawn.ok()) {
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    return drawn.errors();
  }
  if (options.scale_bar && detail::fonts_ready().ok()) {
    // Millimetre scale bar, lower left, on a light plate so it reads on any skin tone.
    const double s = view.px_per_mm;
    const double len_mm = nice_length_mm(view.width_px * 0.18 / s);
    const double bar = len_mm * s;
    const double font = std::clamp(view.width_px / 45.0, 11.0, 28.0);
    const double pad = font * 0.6;
    const double x0 = pad * 1.5, y0 = view.height_px - pad * 1.5;
    detail::TextStyle st;
    st.size_pt = font;
    st.face = detail::Face::kSansBold;
    const std::string label =
        (len_mm < 1 ? "0.5" : std::to_string(static_cast<int>(len_mm))) + " mm";
    const detail::TextSize ts = detail::measure_text(cr, label, st);
    const double plate_w = std::max(bar, ts.w) + 2 * pad;
    const double plate_h = ts.h + font * 0.5 + 2 * pad;
    cairo_rectangle(cr, x0 - pad, y0 - plate_h + pad, plate_w, plate_h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.78);
    cairo_fill(cr);
    cairo_rectangle(cr, x0, y0 - font * 0.35, bar, font * 0.35);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_fill(cr);
    detail::draw_text(cr, x0, y0 - font * 0.5 - ts.h, label, st);
  }
  cairo_surface_flush(surf);
  RenderedImage out;
  out.view = view;
  const cairo_status_t st = cairo_surface_write_to_png_stream(surf, append_png, &out.png);
  cairo_destroy(cr);
  cairo_surface_destroy(surf);
  if (st != CAIRO_STATUS_SUCCESS) {
    return sim::Result<RenderedImage>::fail(
        {"<image>", "", std::string("PNG encoding failed: ") + cairo_status_to_string(st)});
  }
  out.sha256 = sim::sha256_hex(out.png);
  return out;
}

namespace {
struct PngReader {
  std::string_view data;
  std::size_t pos = 0;
};
cairo_status_t read_png(void* closure, unsigned char* out, unsigned int length) {
  auto* r = static_cast<PngReader*>(closure);
  if (r->data.size() - r->pos < length) return CAIRO_STATUS_READ_ERROR;
  std::copy_n(r->data.data() + r->pos, length, out);
  r->pos += length;
  return CAIRO_STATUS_SUCCESS;
}
}  // namespace

sim::Result<RgbImage> decode_png(std::string_view png) {
  PngReader reader{png, 0};
  cairo_surface_t* s = cairo_image_surface_create_from_png_stream(read_png, &reader);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_surface_status(s));
    cairo_surface_destroy(s);
    return sim::Result<RgbImage>::fail({"<png>", "", "not a readable PNG: " + why});
  }
  RgbImage img;
  img.width = cairo_image_surface_get_width(s);
  img.height = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  img.rgb.resize(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3);
  std::size_t k = 0;
  for (int y = 0; y < img.height; ++y) {
    const auto* row =
        reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = 0; x < img.width; ++x) {
      const std::uint32_t px = row[x];  // (A)RGB, native endian; pictures are opaque
      img.rgb[k++] = static_cast<std::uint8_t>((px >> 16) & 0xFF);
      img.rgb[k++] = static_cast<std::uint8_t>((px >> 8) & 0xFF);
      img.rgb[k++] = static_cast<std::uint8_t>(px & 0xFF);
    }
  }
  cairo_surface_destroy(s);
  return img;
}

PixelPos to_pixel(const WorkView& view, sim::PointMm p) {
  return {(view.box.max.x_mm - p.x_mm) * view.px_per_mm,
          (p.y_mm - view.box.min.y_mm) * view.px_per_mm};
}

sim::Result<std::vector<FileRef>> write_work_images(const std::string& dir,
                                                    const sim::Scenario& scenario,
                                                    const sim::PigmentCatalogue& catalogue,
                                                    std::span<const sim::Impression> impressions,
                                                    const ImageOptions& options) {
  const WorkView view = choose_work_view(scenario, impressions, options);
  std::vector<FileRef> refs;
  for (const auto& spec : standard_work_images()) {
    auto img = render_work_png(scenario, catalogue, impressions, spec.t_days, view, options);
    if (!img.ok()) return img.errors();
    FileRef ref;
    ref.name = spec.key + ".png";
    ref.role = "image-" + spec.key;
    ref.media_type = "image/png";
    ref.sha256 = img->sha256;
    ref.bytes = img->png.size();
    const std::string path = dir.empty() ? ref.name : dir + "/" + ref.name;
    auto w = sim::write_file_atomic(path, img->png);
    if (!w.ok()) return w.errors();
    refs.push_back(std::move(ref));
  }
  return refs;
}

}  // namespace smp::report
