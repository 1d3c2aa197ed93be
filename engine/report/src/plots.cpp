#include "smp/report/plots.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <string>

#include "pdf_text.h"
#include "smp/sim/skin.h"

namespace smp::report {
namespace {

using detail::Align;
using detail::Face;
using detail::TextStyle;

// Okabe & Ito (2008) colour-blind-safe accents.
constexpr double kVermilion[3] = {0.835, 0.369, 0.0};
constexpr double kBlueGreen[3] = {0.0, 0.620, 0.451};
constexpr double kInk[3] = {0.13, 0.13, 0.15};
constexpr double kBarDark[3] = {0.22, 0.29, 0.38};

bool is_treated(sim::RegionRole r) {
  return r == sim::RegionRole::kTreat || r == sim::RegionRole::kScar ||
         r == sim::RegionRole::kHairlineTransition;
}

std::string fmt(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// 1-2-5 tick step giving about `target` ticks over `span`.
double nice_step(double span, int target) {
  if (!(span > 0.0)) return 1.0;
  const double raw = span / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double nf = f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0;
  return nf * mag;
}
int decimals_for(double step) {
  if (step >= 1.0) return 0;
  return std::min(3, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
}

TextStyle small(double size = 6.5, Face face = Face::kSans) {
  TextStyle st;
  st.size_pt = size;
  st.face = face;
  st.r = 0.30;
  st.g = 0.30;
  st.b = 0.33;
  return st;
}

struct Frame {
  double x0, y0, x1, y1;  // plot area in points
  double lo, hi, ymax;
  double X(double v) const { return x0 + (v - lo) / (hi - lo) * (x1 - x0); }
  double Y(double c) const { return y1 - c / ymax * (y1 - y0); }
};

// Title, axes, ticks and labels; returns the inner frame for the data.
Frame draw_axes(cairo_t* cr, PlotBox b, const std::string& title, const std::string& xlabel,
                const std::string& ylabel, double lo, double hi, double ymax, int key_lines) {
  TextStyle tst;
  tst.size_pt = 8.0;
  tst.face = Face::kSansBold;
  detail::draw_text(cr, b.x, b.y, title, tst);
  Frame f{b.x + 28.0, b.y + 17.0 + 8.0 * key_lines, b.x + b.w - 6.0, b.y + b.h - 24.0, lo,
          hi,         std::max(1.0, ymax)};
  // y grid and ticks (counts)
  const double ystep = std::max(1.0, nice_step(f.ymax, 4));
  f.ymax = std::ceil(f.ymax / ystep) * ystep;
  cairo_set_line_width(cr, 0.4);
  for (double c = 0.0; c <= f.ymax + 1e-9; c += ystep) {
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.90);
    cairo_move_to(cr, f.x0, f.Y(c));
    cairo_line_to(cr, f.x1, f.Y(c));
    cairo_stroke(cr);
    detail::TextStyle st = small();
    st.align = Align::kRight;
    const auto sz = detail::measure_text(cr, fmt(c, 0), st);
    detail::draw_text(cr, f.x0 - 3.0, f.Y(c) - sz.h / 2, fmt(c, 0), st);
  }
  // x ticks
  const double xstep = nice_step(hi - lo, 6);
  const int dec = decimals_for(xstep);
  cairo_set_source_rgb(cr, kInk[0], kInk[1], kInk[2]);
  cairo_set_line_width(cr, 0.6);
  cairo_move_to(cr, f.x0, f.y1);
  cairo_line_to(cr, f.x1, f.y1);
  cairo_stroke(cr);
  for (double v = std::ceil(lo / xstep) * xstep; v <= hi + 1e-9; v += xstep) {
    cairo_move_to(cr, f.X(v), f.y1);
    cairo_line_to(cr, f.X(v), f.y1 + 2.5);
    cairo_stroke(cr);
    detail::TextStyle st = small();
    st.align = Align::kCenter;
    detail::draw_text(cr, f.X(v), f.y1 + 3.0, fmt(std::abs(v) < 1e-12 ? 0.0 : v, dec), st);
  }
  detail::TextStyle xl = small(6.8);
  xl.align = Align::kCenter;
  detail::draw_text(cr, (f.x0 + f.x1) / 2, f.y1 + 12.0, xlabel, xl);
  // y label, rotated
  cairo_save(cr);
  cairo_translate(cr, b.x, (f.y0 + f.y1) / 2);
  cairo_rotate(cr, -std::numbers::pi / 2);
  detail::TextStyle yl = small(6.8);
  yl.align = Align::kCenter;
  detail::draw_text(cr, 0, 0, ylabel, yl);
  cairo_restore(cr);
  return f;
}

void draw_bars(cairo_t* cr, const Frame& f, const Histogram& h,
               const std::function<bool(double)>& good) {
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    if (h.counts[i] == 0) continue;
    const double a = h.lo + h.bin_width * static_cast<double>(i);
    const double bx0 = f.X(std::max(a, f.lo)), bx1 = f.X(std::min(a + h.bin_width, f.hi));
    if (bx1 <= bx0) continue;
    const bool ok = good(a + h.bin_width / 2);
    if (ok) {
      cairo_set_source_rgb(cr, kBarDark[0], kBarDark[1], kBarDark[2]);
    } else {
      cairo_set_source_rgb(cr, kVermilion[0], kVermilion[1], kVermilion[2]);
    }
    const double gap = std::min(0.4, (bx1 - bx0) * 0.15);
    cairo_rectangle(cr, bx0 + gap / 2, f.Y(h.counts[i]), bx1 - bx0 - gap, f.y1 - f.Y(h.counts[i]));
    cairo_fill(cr);
  }
}

void no_data(cairo_t* cr, const Frame& f, const std::string& text) {
  detail::TextStyle st = small(7.5, Face::kSansOblique);
  st.align = Align::kCenter;
  detail::draw_text(cr, (f.x0 + f.x1) / 2, (f.y0 + f.y1) / 2 - 5, text, st);
}

}  // namespace

int Histogram::max_count() const {
  int m = 0;
  for (int c : counts) m = std::max(m, c);
  return m;
}

Histogram make_histogram(std::span<const double> values, double lo, double hi, int bins) {
  Histogram h;
  h.lo = lo;
  if (bins <= 0 || !(hi > lo)) {
    bins = 1;
    hi = lo + 1.0;
  }
  h.bin_width = (hi - lo) / bins;
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  for (double v : values) {
    if (std::isnan(v)) continue;
    const double k = std::floor((v - lo) / h.bin_width);
    const auto i = static_cast<std::size_t>(std::clamp(k, 0.0, static_cast<double>(bins - 1)));
    ++h.counts[i];
  }
  return h;
}

std::vector<DepthBand> target_depth_bands(const sim::Scenario& scenario) {
  std::vector<DepthBand> out;
  for (const auto& r : scenario.regions) {
    if (!is_treated(r.role) || !(r.depth_max_mm > r.depth_min_mm)) continue;
    const DepthBand b{r.depth_min_mm, r.depth_max_mm};
    if (std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  }
  return out;
}

double target_density_per_cm2(const sim::Scenario& scenario) {
  double d = 0.0;
  for (const auto& r : scenario.regions) {
    if (is_treated(r.role)) d = std::max(d, r.density_per_cm2);
  }
  return d;
}

std::vector<double> nearest_neighbour_mm(std::span<const sim::Impression> imps) {
  std::vector<double> out;
  const std::size_t n = imps.size();
  if (n < 2) return out;
  for (const auto& i : imps) {
    // The scorer refuses non-finite positions; a plot never loops on them either.
    if (!std::isfinite(i.pos.x_mm) || !std::isfinite(i.pos.y_mm)) return out;
  }
  double minx = imps[0].pos.x_mm, miny = imps[0].pos.y_mm, maxx = minx, maxy = miny;
  for (const auto& i : imps) {
    minx = std::min(minx, i.pos.x_mm);
    miny = std::min(miny, i.pos.y_mm);
    maxx = std::max(maxx, i.pos.x_mm);
    maxy = std::max(maxy, i.pos.y_mm);
  }
  // Cells sized for ~2 points each (at most 4096 across); search rings outward until no closer
  // point can exist, or scan every point once a ring would visit more cells than are occupied.
  const double area = std::max((maxx - minx) * (maxy - miny), 1e-6);
  const double extent = std::max(maxx - minx, maxy - miny);
  const double cell =
      std::max({std::sqrt(area * 2.0 / static_cast<double>(n)), extent / 4096.0, 1e-3});
  const auto nx = static_cast<long>(std::floor((maxx - minx) / cell)) + 1;
  const auto ny = static_cast<long>(std::floor((maxy - miny) / cell)) + 1;
  std::map<std::pair<long, long>, std::vector<std::size_t>> grid;  // ordered: deterministic
  auto key = [&](const sim::PointMm& p) {
    return std::pair<long, long>{static_cast<long>(std::floor((p.x_mm - minx) / cell)),
                                 static_cast<long>(std::floor((p.y_mm - miny) / cell))};
  };
  for (std::size_t i = 0; i < n; ++i) grid[key(imps[i].pos)].push_back(i);
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto [cx, cy] = key(imps[i].pos);
    double best = std::numeric_limits<double>::infinity();
    for (long ring = 0; ring <= std::max(nx, ny); ++ring) {
      // Any point in ring k is at least (k-1)*cell away.
      if (ring > 0 && (static_cast<double>(ring) - 1.0) * cell > best) break;
      if (8 * static_cast<std::size_t>(ring) > grid.size()) {  // sparse: plain scan is cheaper
        for (std::size_t j = 0; j < n; ++j) {
          if (j != i) best = std::min(best, sim::distance_mm(imps[i].pos, imps[j].pos));
        }
        break;
      }
      for (long gx = cx - ring; gx <= cx + ring; ++gx) {
        for (long gy = cy - ring; gy <= cy + ring; ++gy) {
          if (std::max(std::labs(gx - cx), std::labs(gy - cy)) != ring) continue;
          auto it = grid.find({gx, gy});
          if (it == grid.end()) continue;
          for (std::size_t j : it->second) {
            if (j == i) continue;
            best = std::min(best, sim::distance_mm(imps[i].pos, imps[j].pos));
          }
        }
      }
    }
    out[i] = best;
  }
  return out;
}

double random_pattern_spacing_mm(double density_per_cm2) {
  if (!(density_per_cm2 > 0.0)) return 0.0;
  const double lambda = density_per_cm2 / 100.0;  // per mm^2
  return 1.0 / (2.0 * std::sqrt(lambda));
}

DensityGrid density_grid(std::span<const sim::Impression> imps, const sim::BoxMm& box,
                         double cell_mm, double sigma_mm) {
  DensityGrid g;
  g.box = box;
  g.cell_mm = cell_mm > 0.0 ? cell_mm : 1.0;
  g.nx = std::max(1, static_cast<int>(std::ceil((box.max.x_mm - box.min.x_mm) / g.cell_mm)));
  g.ny = std::max(1, static_cast<int>(std::ceil((box.max.y_mm - box.min.y_mm) / g.cell_mm)));
  g.per_cm2.assign(static_cast<std::size_t>(g.nx) * g.ny, 0.0);
  const double s = sigma_mm > 0.0 ? sigma_mm : g.cell_mm;
  const double norm =
      100.0 / (2.0 * std::numbers::pi * s * s);  // kernel integrates to 1 dot; per cm^2
  const int reach = static_cast<int>(std::ceil(3.0 * s / g.cell_mm));
  for (const auto& imp : imps) {
    const double fx = (imp.pos.x_mm - box.min.x_mm) / g.cell_mm;
    const double fy = (imp.pos.y_mm - box.min.y_mm) / g.cell_mm;
    // Off the grid by more than the kernel's reach (or not finite): contributes nothing.
    if (!(fx > -reach - 1 && fx < g.nx + reach + 1 && fy > -reach - 1 && fy < g.ny + reach + 1)) {
      continue;
    }
    const int cx = static_cast<int>(std::floor((imp.pos.x_mm - box.min.x_mm) / g.cell_mm));
    const int cy = static_cast<int>(std::floor((imp.pos.y_mm - box.min.y_mm) / g.cell_mm));
    for (int iy = std::max(0, cy - reach); iy <= std::min(g.ny - 1, cy + reach); ++iy) {
      const double yc = box.min.y_mm + (iy + 0.5) * g.cell_mm - imp.pos.y_mm;
      for (int ix = std::max(0, cx - reach); ix <= std::min(g.nx - 1, cx + reach); ++ix) {
        const double xc = box.min.x_mm + (ix + 0.5) * g.cell_mm - imp.pos.x_mm;
        const double d2 = xc * xc + yc * yc;
        g.per_cm2[static_cast<std::size_t>(iy) * g.nx + ix] += norm * std::exp(-d2 / (2 * s * s));
      }
    }
  }
  return g;
}

sim::Lab heat_lab(double t) {
  t = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0);
  // L* 15 -> 92 linearly; b* from blue (-38) to yellow (+78); a* a slight violet at the dark end
  // fading to neutral, so the dark end stays blue, not black.
  return sim::Lab{15.0 + 77.0 * t, 9.0 * (1.0 - t) - 4.0 * t, -38.0 + 116.0 * t};
}
sim::Rgb heat_color(double t) {
  return sim::lab_to_srgb(heat_lab(t));
}

void draw_depth_histogram(cairo_t* cr, PlotBox box, const sim::Scenario& scenario,
                          std::span<const sim::Impression> imps) {
  const auto bands = target_depth_bands(scenario);
  const sim::SkinLayersMm& L = scenario.skin;
  double hi = L.dermis_bottom_mm() + 0.3;
  std::vector<double> depths;
  depths.reserve(imps.size());
  for (const auto& i : imps) {
    depths.push_back(i.depth_mm);
    hi = std::max(hi, i.depth_mm);
  }
  for (const auto& b : bands) hi = std::max(hi, b.max_mm + 0.2);
  hi = std::min(hi * 1.03, L.dermis_bottom_mm() + L.subcutis_mm);
  const double bin = hi <= 2.5 ? 0.05 : 0.1;
  const int bins = static_cast<int>(std::ceil(hi / bin));
  hi = bins * bin;
  const Histogram h = make_histogram(depths, 0.0, hi, bins);
  cairo_save(cr);
  const Frame f = draw_axes(cr, box, "Deposit depth", "depth below the skin surface (mm)",
                            "impressions", 0.0, hi, h.max_count() * 1.12, bands.empty() ? 0 : 1);
  // Target band(s)
  for (const auto& b : bands) {
    cairo_set_source_rgba(cr, kBlueGreen[0], kBlueGreen[1], kBlueGreen[2], 0.16);
    cairo_rectangle(cr, f.X(b.min_mm), f.y0, f.X(b.max_mm) - f.X(b.min_mm), f.y1 - f.y0);
    cairo_fill(cr);
  }
  // Layer boundaries (scenario default layers), named along the top.
  const double edges[4] = {0.0, L.epidermis_mm, L.epidermis_mm + L.papillary_mm,
                           L.dermis_bottom_mm()};
  const char* names[4] = {"epid.", "papillary", "reticular dermis", "fat"};
  const double ends[4] = {edges[1], edges[2], edges[3], hi};
  for (int k = 0; k < 4; ++k) {
    if (k > 0) {
      cairo_set_source_rgba(cr, 0.35, 0.35, 0.4, 0.8);
      cairo_set_line_width(cr, 0.5);
      const double dash[2] = {1.5, 1.5};
      cairo_set_dash(cr, dash, 2, 0);
      cairo_move_to(cr, f.X(edges[k]), f.y0);
      cairo_line_to(cr, f.X(edges[k]), f.y1);
      cairo_stroke(cr);
      cairo_set_dash(cr, nullptr, 0, 0);
    }
    const double mid = (f.X(edges[k]) + f.X(std::min(ends[k], hi))) / 2;
    TextStyle st = small(5.6);
    const auto sz = detail::measure_text(cr, names[k], st);
    if (sz.w + 2 < f.X(std::min(ends[k], hi)) - f.X(edges[k])) {
      st.align = Align::kCenter;
      detail::draw_text(cr, mid, f.y0 - 1.0, names[k], st);
    }
  }
  if (imps.empty()) {
    no_data(cr, f, "no impressions");
  } else {
    draw_bars(cr, f, h, [&](double d) {
      if (bands.empty()) return true;
      for (const auto& b : bands) {
        if (d >= b.min_mm && d <= b.max_mm) return true;
      }
      return false;
    });
  }
  // Legend line under the title, right-aligned.
  std::string legend;
  for (std::size_t i = 0; i < bands.size() && i < 2; ++i) {
    legend += (i ? ", " : "target depth ") + fmt(bands[i].min_mm, 2) + "\u2013" +
              fmt(bands[i].max_mm, 2) + " mm";
  }
  if (!legend.empty()) {
    TextStyle st = small(6.3);
    st.r = kBlueGreen[0] * 0.7;
    st.g = kBlueGreen[1] * 0.7;
    st.b = kBlueGreen[2] * 0.7;
    detail::draw_text(cr, box.x + 28.0, box.y + 12.0,
                      "shaded: " + legend + "; bars outside it in orange", st);
  }
  cairo_restore(cr);
}

void draw_spacing_histogram(cairo_t* cr, PlotBox box, const sim::Scenario& scenario,
                            std::span<const sim::Impression> imps, double dot_diameter_mm) {
  const std::vector<double> nn = nearest_neighbour_mm(imps);
  const double expected = random_pattern_spacing_mm(target_density_per_cm2(scenario));
  std::vector<double> sorted = nn;
  std::sort(sorted.begin(), sorted.end());
  double hi = std::max({expected * 2.5, dot_diameter_mm * 3.0, 0.5});
  if (!sorted.empty()) {
    hi = std::max(hi, sorted[std::min(sorted.size() - 1, sorted.size() * 98 / 100)] * 1.1);
  }
  const double step = nice_step(hi, 40);
  const int bins = std::max(1, static_cast<int>(std::ceil(hi / step)));
  hi = bins * step;
  const Histogram h = make_histogram(nn, 0.0, hi, bins);
  cairo_save(cr);
  const Frame f = draw_axes(cr, box, "Nearest-neighbour spacing",
                            "distance to the nearest other dot (mm)", "impressions", 0.0, hi,
                            h.max_count() * 1.12, (expected > 0.0) + (dot_diameter_mm > 0.0));
  if (dot_diameter_mm > 0.0) {
    cairo_set_source_rgba(cr, kVermilion[0], kVermilion[1], kVermilion[2], 0.13);
    cairo_rectangle(cr, f.x0, f.y0, f.X(std::min(dot_diameter_mm, hi)) - f.x0, f.y1 - f.y0);
    cairo_fill(cr);
  }
  if (nn.empty()) {
    no_data(cr, f, "fewer than two impressions");
  } else {
    draw_bars(cr, f, h, [&](double d) { return d >= dot_diameter_mm; });
  }
  if (expected > 0.0 && expected < hi) {
    cairo_set_source_rgb(cr, kBlueGreen[0] * 0.8, kBlueGreen[1] * 0.8, kBlueGreen[2] * 0.8);
    cairo_set_line_width(cr, 0.9);
    const double dash[2] = {3, 2};
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, f.X(expected), f.y0);
    cairo_line_to(cr, f.X(expected), f.y1);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
  }
  // Key under the title.
  TextStyle st = small(6.0);
  double y = box.y + 12.0;
  if (expected > 0.0) {
    TextStyle g = st;
    g.r = kBlueGreen[0] * 0.7;
    g.g = kBlueGreen[1] * 0.7;
    g.b = kBlueGreen[2] * 0.7;
    detail::draw_text(cr, box.x + 28.0, y,
                      "dashed: a random pattern at the target density, " + fmt(expected, 2) + " mm",
                      g);
    y += 8.0;
  }
  if (dot_diameter_mm > 0.0) {
    TextStyle v = st;
    v.r = kVermilion[0] * 0.85;
    v.g = kVermilion[1] * 0.85;
    v.b = kVermilion[2] * 0.85;
    detail::draw_text(
        cr, box.x + 28.0, y,
        "shaded: closer than one healed dot (" + fmt(dot_diameter_mm, 2) + " mm): touching", v);
  }
  cairo_restore(cr);
}

void draw_density_map(cairo_t* cr, PlotBox box, const sim::Scenario& scenario,
                      std::span<const sim::Impression> imps, const WorkView& view) {
  cairo_save(cr);
  TextStyle tst;
  tst.size_pt = 8.0;
  tst.face = Face::kSansBold;
  detail::draw_text(cr, box.x, box.y, "Dot density", tst);
  const double legend_w = 46.0;
  const double top = box.y + 13.0;
  const double avail_w = box.w - legend_w, avail_h = box.h - 15.0;
  const double mm_w = view.box.max.x_mm - view.box.min.x_mm;
  const double mm_h = view.box.max.y_mm - view.box.min.y_mm;
  const double scale = std::min(avail_w / mm_w, avail_h / mm_h);  // points per mm
  const double map_w = mm_w * scale, map_h = mm_h * scale;
  const double mx = box.x, my = top;

  // Kernel bandwidth: a few expected spacings, so the map shows coverage, not single dots.
  const double target = target_density_per_cm2(scenario);
  const double sigma = std::clamp(
      std::max(3.0 * random_pattern_spacing_mm(target), std::max(mm_w, mm_h) / 50.0), 1.5, 8.0);
  const double cell = sigma / 2.0;
  const DensityGrid g = density_grid(imps, view.box, cell, sigma);
  double vmax = target * 1.5;
  for (double v : g.per_cm2) vmax = std::max(vmax, v);
  if (!(vmax > 0.0)) vmax = 1.0;
  const double tick = nice_step(vmax, 4);
  vmax = std::ceil(vmax / tick) * tick;

  // The grid as an image, shown with the pictures' orientation (x mirrored).
  cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, g.nx, g.ny);
  cairo_surface_flush(img);
  unsigned char* data = cairo_image_surface_get_data(img);
  const int stride = cairo_image_surface_get_stride(img);
  for (int iy = 0; iy < g.ny; ++iy) {
    for (int ix = 0; ix < g.nx; ++ix) {
      const sim::Rgb c = heat_color(g.at(ix, iy) / vmax);
      auto to8 = [](double v) { return static_cast<std::uint32_t>(std::lround(v * 255.0)); };
      auto* px = reinterpret_cast<std::uint32_t*>(data + iy * stride) + (g.nx - 1 - ix);
      *px = (to8(c.r) << 16) | (to8(c.g) << 8) | to8(c.b);
    }
  }
  cairo_surface_mark_dirty(img);
  cairo_save(cr);
  cairo_rectangle(cr, mx, my, map_w, map_h);
  cairo_clip(cr);
  cairo_translate(cr, mx, my);
  cairo_scale(cr, map_w / g.nx, map_h / g.ny);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(img);

  // Region outlines over the map, in the same mirrored mm frame; stroked in points.
  cairo_save(cr);
  cairo_rectangle(cr, mx, my, map_w, map_h);
  cairo_clip(cr);
  WorkView pv = view;
  pv.px_per_mm = scale;
  for (const auto& r : scenario.regions) {
    if (r.polygon_mm.size() < 3) continue;
    cairo_save(cr);
    cairo_translate(cr, mx, my);
    work_view_transform(cr, pv);
    cairo_new_path(cr);
    for (std::size_t i = 0; i < r.polygon_mm.size(); ++i) {
      if (i == 0) {
        cairo_move_to(cr, r.polygon_mm[i].x_mm, r.polygon_mm[i].y_mm);
      } else {
        cairo_line_to(cr, r.polygon_mm[i].x_mm, r.polygon_mm[i].y_mm);
      }
    }
    cairo_close_path(cr);
    cairo_restore(cr);  // the path stays; line width and dashes below are in points
    cairo_set_line_width(cr, 0.6);
    if (r.role == sim::RegionRole::kForbidden) {
      cairo_set_source_rgba(cr, 1.0, 0.55, 0.45, 0.9);
      const double dash[2] = {2, 1.5};
      cairo_set_dash(cr, dash, 2, 0);
    } else {
      cairo_set_source_rgba(cr, 1, 1, 1, 0.75);
      cairo_set_dash(cr, nullptr, 0, 0);
    }
    cairo_stroke(cr);
  }
  cairo_restore(cr);
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.62);
  cairo_set_line_width(cr, 0.5);
  cairo_rectangle(cr, mx, my, map_w, map_h);
  cairo_stroke(cr);
  TextStyle cap = small(5.8);
  detail::draw_text(cr, mx, my + map_h + 2.0,
                    std::string(scenario.surface == sim::Surface::kPracticePad
                                    ? "pad seen from above; "
                                    : "seen from above, front at the top; ") +
                        fmt(mm_w, 0) + " \u00d7 " + fmt(mm_h, 0) + " mm",
                    cap);

  // Legend: vertical colour bar with ticks in dots/cm^2 and the target density marked.
  const double lx = mx + map_w + 10.0, lw = 8.0;
  const double ly0 = my + 10.0, ly1 = my + std::max(60.0, map_h) - 4.0;
  const int steps = 64;
  for (int k = 0; k < steps; ++k) {
    const double t0 = static_cast<double>(k) / steps;
    const sim::Rgb c = heat_color(t0 + 0.5 / steps);
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    const double ya = ly1 - (ly1 - ly0) * (k + 1) / steps;
    cairo_rectangle(cr, lx, ya, lw, (ly1 - ly0) / steps + 0.2);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0.4, 0.4, 0.42);
  cairo_rectangle(cr, lx, ly0, lw, ly1 - ly0);
  cairo_stroke(cr);
  TextStyle lt = small(6.0);
  detail::draw_text(cr, lx - 2.0, my - 1.0, "dots/cm\u00b2", lt);
  for (double v = 0.0; v <= vmax + 1e-9; v += tick) {
    const double y = ly1 - (ly1 - ly0) * v / vmax;
    cairo_move_to(cr, lx + lw, y);
    cairo_line_to(cr, lx + lw + 2.0, y);
    cairo_stroke(cr);
    detail::draw_text(cr, lx + lw + 3.0, y - 3.5, fmt(v, 0), lt);
  }
  // Every distinct target density of the treated regions, as a vermilion line on the bar.
  std::vector<double> targets;
  for (const auto& r : scenario.regions) {
    if (is_treated(r.role) && r.density_per_cm2 > 0.0 &&
        std::find(targets.begin(), targets.end(), r.density_per_cm2) == targets.end()) {
      targets.push_back(r.density_per_cm2);
    }
  }
  std::sort(targets.begin(), targets.end());
  if (!targets.empty()) {
    cairo_set_source_rgb(cr, kVermilion[0], kVermilion[1], kVermilion[2]);
    cairo_set_line_width(cr, 1.4);
    for (double t : targets) {
      const double y = ly1 - (ly1 - ly0) * t / vmax;
      cairo_move_to(cr, lx - 2.0, y);
      cairo_line_to(cr, lx + lw + 2.0, y);
      cairo_stroke(cr);
    }
    TextStyle tt = small(5.8);
    tt.r = kVermilion[0] * 0.85;
    tt.g = kVermilion[1] * 0.85;
    tt.b = kVermilion[2] * 0.85;
    const bool many = targets.size() > 1;
    detail::draw_text(cr, lx - 2.0, ly1 + 4.0, many ? "\u2014 targets" : "\u2014 target", tt);
    detail::draw_text(cr, lx - 2.0, ly1 + 11.0,
                      (many ? fmt(targets.front(), 0) + "\u2013" + fmt(targets.back(), 0)
                            : fmt(targets.front(), 0)) +
                          "/cm\u00b2",
                      tt);
  }
  cairo_restore(cr);
}

}  // namespace smp::report
