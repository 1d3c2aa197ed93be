// Synthetic trainees (synth.h). The expert and novice hands are those `smp demo-session` has
// always written (the demo sessions regenerate byte for byte); a planned fault draws from its own
// generator, so it never shifts the hand's stream.
#include "synth.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "smp/sim/color.h"
#include "smp/sim/healing.h"

namespace smp::synth {
namespace {

using sim::PointMm;

constexpr double kStartedAtT0 = 1.0;        // first tap one second into the session
constexpr double kDartRadius = 0.7;         // expert min spacing, in expected spacings
constexpr double kNoviceDensity = 1.25;     // novice places 25 % too many dots
constexpr double kSampleGridMm = 0.5;       // density integration grid
constexpr double kRampFrontFraction = 0.3;  // hairline: density at the front edge (docs/scoring.md)

// Uniform [0, 1) from the top 53 bits; normal(0, 1) approximated by Irwin-Hall (12 uniforms),
// which needs no libm call and is plenty for a synthetic hand.
struct Rng {
  explicit Rng(std::uint64_t seed) : g(seed) {}
  double uniform() { return static_cast<double>(g() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal() {
    double s = 0.0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s - 6.0;
  }
  bool chance(double p) { return uniform() < p; }
  // A random unit vector by rejection from the square (no sin/cos).
  PointMm direction() {
    for (;;) {
      const double x = uniform(-1.0, 1.0), y = uniform(-1.0, 1.0);
      const double r2 = x * x + y * y;
      if (r2 > 1e-6 && r2 <= 1.0) {
        const double r = std::sqrt(r2);
        return {x / r, y / r};
      }
    }
  }
  std::mt19937_64 g;
};

double segment_distance(PointMm p, PointMm a, PointMm b) {
  const double dx = b.x_mm - a.x_mm, dy = b.y_mm - a.y_mm;
  const double len2 = dx * dx + dy * dy;
  double u = len2 > 0.0 ? ((p.x_mm - a.x_mm) * dx + (p.y_mm - a.y_mm) * dy) / len2 : 0.0;
  u = std::clamp(u, 0.0, 1.0);
  return sim::distance_mm(p, {a.x_mm + u * dx, a.y_mm + u * dy});
}

// What the scenario asks for at a point, mirroring the scorer's reading of the regions.
class Field {
 public:
  explicit Field(const sim::Scenario& sc) : sc_(sc) {
    transition_width_.assign(sc.regions.size(), 0.0);
    for (std::size_t i = 0; i < sc.regions.size(); ++i) {
      const auto& r = sc.regions[i];
      if (r.role != sim::RegionRole::kHairlineTransition || sc.hairline_front_mm.size() < 2) {
        continue;
      }
      const auto box = sim::bounding_box(r.polygon_mm);
      for (double y = box.min.y_mm; y <= box.max.y_mm; y += kSampleGridMm) {
        for (double x = box.min.x_mm; x <= box.max.x_mm; x += kSampleGridMm) {
          if (sim::point_in_polygon(r.polygon_mm, {x, y})) {
            transition_width_[i] = std::max(transition_width_[i], front_distance({x, y}));
          }
        }
      }
    }
  }

  double front_distance(PointMm p) const {
    double best = 1e300;
    const auto& f = sc_.hairline_front_mm;
    for (std::size_t i = 0; i + 1 < f.size(); ++i)
      best = std::min(best, segment_distance(p, f[i], f[i + 1]));
    return best;
  }

  // Index of the region to work in at p, or -1 (outside, forbidden or avoid).
  int target_region(PointMm p) const {
    int target = -1;
    for (std::size_t i = 0; i < sc_.regions.size(); ++i) {
      const auto& r = sc_.regions[i];
      if (!sim::point_in_polygon(r.polygon_mm, p)) continue;
      if (r.role == sim::RegionRole::kForbidden || r.role == sim::RegionRole::kAvoid) return -1;
      target = static_cast<int>(i);
    }
    return target;
  }

  // Target dots per mm^2 at p (0 where nothing should go).
  double density_mm2(PointMm p) const {
    const int i = target_region(p);
    if (i < 0) return 0.0;
    const auto& r = sc_.regions[static_cast<std::size_t>(i)];
    double d = std::max(0.0, r.density_per_cm2) / 100.0;
    const double w = transition_width_[static_cast<std::size_t>(i)];
    if (r.role == sim::RegionRole::kHairlineTransition && w > 0.0) {
      const double u = std::clamp(front_distance(p) / w, 0.0, 1.0);
      d *= kRampFrontFraction + (1.0 - kRampFrontFraction) * u;
    }
    return d;
  }

  bool forbidden(PointMm p) const {
    for (const auto& r : sc_.regions) {
      if (r.role == sim::RegionRole::kForbidden && sim::point_in_polygon(r.polygon_mm, p)) {
        return true;
      }
    }
    return false;
  }

 private:
  const sim::Scenario& sc_;
  std::vector<double> transition_width_;
};

// Uniform-grid neighbour lookup for placed dots and existing hairs.
class PointGrid {
 public:
  PointGrid(sim::BoxMm box, double cell) : box_(box), cell_(cell) {
    nx_ = static_cast<int>((box.max.x_mm - box.min.x_mm) / cell) + 1;
    ny_ = static_cast<int>((box.max.y_mm - box.min.y_mm) / cell) + 1;
    cells_.resize(static_cast<std::size_t>(nx_) * static_cast<std::size_t>(ny_));
  }
  void add(PointMm p) {
    if (auto c = cell_of(p)) cells_[*c].push_back(p);
  }
  // True when some point lies closer than r to p.
  bool any_within(PointMm p, double r) const {
    const int reach = static_cast<int>(std::ceil(r / cell_));
    const int cx = static_cast<int>((p.x_mm - box_.min.x_mm) / cell_);
    const int cy = static_cast<int>((p.y_mm - box_.min.y_mm) / cell_);
    for (int y = std::max(0, cy - reach); y <= std::min(ny_ - 1, cy + reach); ++y) {
      for (int x = std::max(0, cx - reach); x <= std::min(nx_ - 1, cx + reach); ++x) {
        for (const PointMm& q : cells_[static_cast<std::size_t>(y * nx_ + x)]) {
          if (sim::distance_mm(p, q) < r) return true;
        }
      }
    }
    return false;
  }

 private:
  std::optional<std::size_t> cell_of(PointMm p) const {
    const double fx = (p.x_mm - box_.min.x_mm) / cell_, fy = (p.y_mm - box_.min.y_mm) / cell_;
    if (fx < 0 || fy < 0 || fx >= nx_ || fy >= ny_) return std::nullopt;
    return static_cast<std::size_t>(static_cast<int>(fy) * nx_ + static_cast<int>(fx));
  }
  sim::BoxMm box_;
  double cell_;
  int nx_ = 0, ny_ = 0;
  std::vector<std::vector<PointMm>> cells_;
};

sim::BoxMm work_box(const sim::Scenario& sc) {
  sim::BoxMm b{{1e300, 1e300}, {-1e300, -1e300}};
  for (const auto& r : sc.regions) {
    if (r.role == sim::RegionRole::kForbidden || r.role == sim::RegionRole::kAvoid) continue;
    const auto rb = sim::bounding_box(r.polygon_mm);
    b.min = {std::min(b.min.x_mm, rb.min.x_mm), std::min(b.min.y_mm, rb.min.y_mm)};
    b.max = {std::max(b.max.x_mm, rb.max.x_mm), std::max(b.max.y_mm, rb.max.y_mm)};
  }
  return b;
}

// Dot positions: dart throwing with a density-proportional acceptance and (expert) a minimum
// spacing of kDartRadius expected spacings: blue noise. The novice skips the spacing test.
std::vector<PointMm> place_dots(const sim::Scenario& sc, const Field& field, bool expert,
                                double density_factor, Rng& rng) {
  const sim::BoxMm box = work_box(sc);
  if (box.min.x_mm > box.max.x_mm) return {};
  double expected = 0.0, max_density = 0.0;
  for (double y = box.min.y_mm; y <= box.max.y_mm; y += kSampleGridMm) {
    for (double x = box.min.x_mm; x <= box.max.x_mm; x += kSampleGridMm) {
      const double d = field.density_mm2({x, y});
      expected += d * kSampleGridMm * kSampleGridMm;
      max_density = std::max(max_density, d);
    }
  }
  if (max_density <= 0.0) return {};
  const auto target =
      static_cast<std::size_t>(std::lround(expected * (expert ? density_factor : kNoviceDensity)));
  PointGrid dots(box, 2.0);
  PointGrid hairs(box, 1.0);
  for (const PointMm& h : sc.patient.hairs_mm) hairs.add(h);
  const double hair_clearance = sc.patient.hair_diameter_mm * 0.5 + 0.2;
  std::vector<PointMm> out;
  const std::size_t max_tries = target * 400 + 1000;
  for (std::size_t tries = 0; out.size() < target && tries < max_tries; ++tries) {
    const PointMm p{rng.uniform(box.min.x_mm, box.max.x_mm),
                    rng.uniform(box.min.y_mm, box.max.y_mm)};
    const double d = field.density_mm2(p);
    if (d <= 0.0 || !rng.chance(d / max_density)) continue;
    if (expert) {
      if (hairs.any_within(p, hair_clearance)) continue;
      // Denser work keeps blue noise with a proportionally smaller spacing (d x 1 == d).
      if (dots.any_within(p, kDartRadius / std::sqrt(d * density_factor))) continue;
    }
    dots.add(p);
    out.push_back(p);
  }
  // Work order: 4 mm rows from the front, alternating direction, as a hand sweeps a band.
  auto row = [](const PointMm& p) { return static_cast<long>(std::floor(p.y_mm / 4.0)); };
  std::sort(out.begin(), out.end(), [&](const PointMm& a, const PointMm& b) {
    const long ra = row(a), rb = row(b);
    if (ra != rb) return ra < rb;
    return (ra % 2 == 0) ? a.x_mm < b.x_mm : a.x_mm > b.x_mm;
  });
  return out;
}

// The pressure at which a perpendicular tap with this tool reaches depth_mm here (the needle
// model is monotonic in pressure; 50 halvings).
double pressure_for_depth(const sim::Scenario& sc, const sim::ToolState& tool, PointMm p,
                          double tilt, double dwell, double depth_mm) {
  sim::StylusContact c;
  c.pos = p;
  c.tilt_rad = tilt;
  c.dwell_s = dwell;
  const sim::SkinSample skin = sim::skin_at(sc, p);
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 50; ++i) {
    c.pressure = 0.5 * (lo + hi);
    if (sim::compute_impression(c, tool.needle, tool.machine, skin, 0.0).depth_mm < depth_mm) {
      lo = c.pressure;
    } else {
      hi = c.pressure;
    }
  }
  return hi;
}

// The expert's colour choice: the allowed pigment and dilution (steps of 0.05) whose healed dot,
// placed mid-band at p, comes closest (CIEDE2000) to the scenario's target colour.
void choose_colour(const sim::Scenario& sc, const sim::PigmentCatalogue& cat, PointMm p,
                   double depth_mm, sim::ToolState& tool) {
  const sim::SkinSample skin = sim::skin_at(sc, p);
  sim::StylusContact c;
  c.pos = p;
  c.pressure = pressure_for_depth(sc, tool, p, 0.0, 0.12, depth_mm);
  c.dwell_s = 0.12;
  const sim::NeedleOutcome o = sim::compute_impression(c, tool.needle, tool.machine, skin, 0.0);
  sim::Impression imp;
  imp.pos = p;
  imp.depth_mm = o.depth_mm;
  imp.layer = o.layer;
  imp.dose = o.dose;
  imp.fresh_diameter_mm = o.fresh_diameter_mm;
  imp.needle = sim::needle_to_string(tool.needle);
  imp.scar = skin.scar;
  const sim::Lab target = sim::target_color(sc);
  double best = 1e300;
  for (const std::string& id : sc.pigments_allowed) {
    const sim::Pigment* pig = cat.find(id);
    if (pig == nullptr) continue;
    for (int k = 0; k <= 19; ++k) {
      imp.pigment = id;
      imp.dilution = k / 20.0;
      const sim::Appearance a = sim::appearance_at(imp, skin, *pig, sc.patient.skin_lab, 30.0);
      const double de = sim::ciede2000(a.color, target);
      if (de < best) {
        best = de;
        tool.pigment = id;
        tool.dilution = imp.dilution;
      }
    }
  }
}

sim::StylusSample sample(double t, PointMm p, double pressure, double tilt, double azimuth,
                         bool down) {
  sim::StylusSample s;
  s.t_s = t;
  s.pos = p;
  s.pressure = std::clamp(pressure, 0.0, 1.0);
  s.tilt_rad = tilt;
  s.azimuth_rad = azimuth;
  s.down = down;
  return s;
}

double density_factor(Fault f) {
  switch (f) {
    case Fault::kSparse:
      return 0.65;
    case Fault::kDense:
      return 1.55;
    default:
      return 1.0;
  }
}

// Leaves out the work farthest to +x: the given share of the dots (an unworked part of the area).
void leave_unworked(std::vector<PointMm>& dots, double share) {
  if (dots.empty()) return;
  std::vector<double> xs;
  xs.reserve(dots.size());
  for (const PointMm& p : dots) xs.push_back(p.x_mm);
  const std::size_t keep =
      static_cast<std::size_t>(std::floor(static_cast<double>(dots.size()) * (1.0 - share)));
  std::nth_element(xs.begin(), xs.begin() + static_cast<long>(keep), xs.end());
  const double cut = xs[keep];
  std::erase_if(dots, [&](const PointMm& p) { return p.x_mm >= cut; });
}

// Every 3rd of the few slips' out-of-band dots, the slips' 3% left out: indices by modulus, so
// the counts are exact shares of the work.
bool slip_out_of_band(std::size_t i) {
  return i % 25 == 7;
}
bool slip_left_out(std::size_t i) {
  return i % 33 == 16;
}

constexpr double kPartnerMm = 0.15;  // a touching partner's distance from its dot

// The depth an expert with this fault aims at for dot i (the hand's own aim otherwise).
double faulty_aim(const sim::Scenario& sc, Fault fault, std::size_t i, PointMm p, double depth_min,
                  double depth_max, double aim) {
  const sim::SkinLayersMm l = sim::effective_layers(sim::skin_at(sc, p));
  const double dermis_top = l.epidermis_mm, papillary_bottom = l.epidermis_mm + l.papillary_mm;
  switch (fault) {
    case Fault::kTooDeep:  // a third of the way into the reticular dermis, below the band
      return i % 5 == 0 ? std::max(papillary_bottom + 0.3 * l.reticular_mm, depth_max + 0.15) : aim;
    case Fault::kTooShallow:  // the middle of the epidermis
      return i % 5 == 0 ? std::min(0.5 * dermis_top, 0.5 * depth_min) : aim;
    case Fault::kFewSlips:  // just outside the band, alternately below and above it
      if (!slip_out_of_band(i)) return aim;
      return (i / 25) % 2 == 0 ? depth_max + 0.04 : std::max(0.02, depth_min - 0.03);
    default:
      return aim;
  }
}

sim::Session synthesize_impl(const sim::Scenario& sc, const sim::PigmentCatalogue& cat,
                             const Style& style, std::uint64_t seed, const std::string& trainee) {
  const bool expert = style.expert;
  const Fault fault = expert ? style.fault : Fault::kNone;
  Rng rng(seed);
  Rng fault_rng(seed ^ 0x5bd1e9955bd1e995ull);
  const Field field(sc);
  sim::Session s;
  s.header.scenario_id = sc.id;
  s.header.scenario_sha256 = sc.content_sha256;
  s.header.simulator_version = SMP_VERSION_STRING;
  s.header.trainee = trainee;
  s.header.seed = seed;
  s.header.started_at = "2026-01-05T09:00:00Z";  // fixed: demo files must regenerate identically
  sim::ToolState tool;
  tool.needle = sc.defaults.needle;
  tool.machine = sc.defaults.machine;
  tool.pigment = sc.defaults.pigment;
  tool.dilution = sc.defaults.dilution;
  if (!expert) {
    // The classic beginner choice: neat black, whatever the client's colouring.
    for (const auto& p : sc.pigments_allowed) {
      if (p == "carbon-black-neat") {
        tool.pigment = p;
        tool.dilution = 0.0;
      }
    }
  }
  std::vector<PointMm> dots = place_dots(sc, field, expert, density_factor(fault), rng);
  if (fault == Fault::kUnworked) leave_unworked(dots, 0.2);
  if (fault == Fault::kFewSlips) {
    std::vector<PointMm> kept;
    for (std::size_t i = 0; i < dots.size(); ++i)
      if (!slip_left_out(i)) kept.push_back(dots[i]);
    dots = std::move(kept);
  }
  if (expert && !dots.empty()) {
    const int r = field.target_region(dots.front());
    const auto& reg = sc.regions[static_cast<std::size_t>(std::max(r, 0))];
    choose_colour(sc, cat, dots.front(), 0.5 * (reg.depth_min_mm + reg.depth_max_mm), tool);
  }
  // Going deep on stiff scar tissue takes more needle out than the default 1 mm.
  if (fault == Fault::kTooDeep) {
    tool.machine.protrusion_mm = std::max(tool.machine.protrusion_mm, 2.0);
  }
  s.initial_tool = tool;
  if (!expert && sc.hairline_front_mm.size() >= 2) {
    // Two dots that stray over the designed front edge (onto the forehead when it is forbidden).
    const auto& f = sc.hairline_front_mm;
    for (int k = 0; k < 2; ++k) {
      const PointMm a = f[f.size() / 2 - 1 + static_cast<std::size_t>(k)];
      for (int tries = 0; tries < 1000; ++tries) {
        const PointMm d = rng.direction();
        const PointMm p{a.x_mm + 3.0 * d.x_mm, a.y_mm + 3.0 * d.y_mm};
        if (field.target_region(p) < 0 && (field.forbidden(p) || tries > 500)) {
          dots.insert(dots.begin() + static_cast<long>(dots.size() / 3), p);
          break;
        }
      }
    }
  }

  double t = kStartedAtT0;
  PointMm hand = dots.empty() ? PointMm{} : dots.front();
  const std::size_t switch_at = expert ? dots.size() + 1 : dots.size() / 2;
  for (std::size_t i = 0; i < dots.size(); ++i) {
    const PointMm p = dots[i];
    t += (expert ? 0.30 : 0.45) + sim::distance_mm(hand, p) / (expert ? 150.0 : 90.0);
    hand = p;
    if (i == switch_at) {
      tool.needle = sim::parse_needle("3RL").value();
      s.events.emplace_back(sim::ToolChange{t, tool});
      t += 2.0;
    }
    const int region = field.target_region(p);
    double depth_min = 0.08, depth_max = 0.4;
    if (region >= 0) {
      depth_min = sc.regions[static_cast<std::size_t>(region)].depth_min_mm;
      depth_max = sc.regions[static_cast<std::size_t>(region)].depth_max_mm;
    }
    const double mid = 0.5 * (depth_min + depth_max);
    double aim, tilt, dwell;
    if (expert) {
      aim = mid * (1.0 + 0.06 * rng.normal());
      tilt = std::clamp(0.12 + 0.04 * rng.normal(), 0.0, 0.5);
      dwell = std::clamp(0.12 + 0.015 * rng.normal(), 0.08, 0.2);
    } else {
      // Poor stretch makes beginners press harder: biased deep, widely spread.
      aim = std::max(0.03, mid * (1.45 + 0.45 * rng.normal()));
      tilt = std::clamp(0.3 + 0.15 * rng.normal(), 0.0, 1.2);
      dwell = std::clamp(0.25 + 0.12 * rng.normal(), 0.08, 0.7);
    }
    if (expert) aim = faulty_aim(sc, fault, i, p, depth_min, depth_max, aim);
    const double azimuth = rng.uniform(0.0, 2.0 * std::numbers::pi);
    const double pressure = pressure_for_depth(sc, tool, p, tilt, dwell, aim);
    const PointMm wobble = rng.direction();
    const double w = expert ? 0.02 : 0.05;
    const PointMm mid_pos{p.x_mm + w * wobble.x_mm, p.y_mm + w * wobble.y_mm};
    s.events.emplace_back(sample(t, p, pressure * 0.8, tilt, azimuth, true));
    if (!expert && rng.chance(0.04)) {
      // A dragged dot: the hand slides 1.5 mm while the machine fires.
      const PointMm d = rng.direction();
      const PointMm end{p.x_mm + 1.5 * d.x_mm, p.y_mm + 1.5 * d.y_mm};
      s.events.emplace_back(sample(t + dwell * 0.3, p, pressure, tilt, azimuth, true));
      s.events.emplace_back(sample(t + dwell, end, pressure, tilt, azimuth, true));
      hand = end;
    } else {
      s.events.emplace_back(sample(t + dwell * 0.5, mid_pos, pressure, tilt, azimuth, true));
    }
    s.events.emplace_back(sample(t + dwell + 0.01, hand, 0.0, 0.0, 0.0, false));
    t += dwell + 0.01;
    const bool partner = (fault == Fault::kTouching && i % 18 == 9) ||
                         (fault == Fault::kFewSlips && dots.size() >= 6 &&
                          (i == dots.size() / 3 || i == 2 * dots.size() / 3));
    if (partner) {
      // A second tap 0.15 mm away: the healed dots (about 0.2 mm across) overlap, but the
      // centres are farther apart than a repeated pass on the same spot.
      const PointMm d = fault_rng.direction();
      const PointMm q{p.x_mm + kPartnerMm * d.x_mm, p.y_mm + kPartnerMm * d.y_mm};
      t += 0.3;
      s.events.emplace_back(sample(t, q, pressure * 0.8, tilt, azimuth, true));
      s.events.emplace_back(sample(t + dwell * 0.5, q, pressure, tilt, azimuth, true));
      s.events.emplace_back(sample(t + dwell + 0.01, q, 0.0, 0.0, 0.0, false));
      t += dwell + 0.01;
      hand = q;
    }
    if (!expert && rng.chance(0.03)) {
      // Goes back over the same dot ...
      t += 0.4;
      s.events.emplace_back(sample(t, p, pressure, tilt, azimuth, true));
      s.events.emplace_back(sample(t + dwell, p, 0.0, 0.0, 0.0, false));
      t += dwell;
      // ... and, in practice mode, notices and undoes it half of the time.
      if (sc.mode == sim::Mode::kPractice && rng.chance(0.5)) {
        t += 0.8;
        s.events.emplace_back(sim::UndoEvent{t, 1});
      }
    }
  }
  s.finished = true;
  return s;
}

}  // namespace

std::optional<Style> parse_style(std::string_view name) {
  static constexpr std::pair<std::string_view, Fault> kFaults[] = {
      {"expert", Fault::kNone},       {"few-slips", Fault::kFewSlips},
      {"too-deep", Fault::kTooDeep},  {"too-shallow", Fault::kTooShallow},
      {"touching", Fault::kTouching}, {"unworked", Fault::kUnworked},
      {"sparse", Fault::kSparse},     {"dense", Fault::kDense}};
  if (name == "novice") return Style{false, Fault::kNone};
  for (const auto& [n, f] : kFaults)
    if (n == name) return Style{true, f};
  return std::nullopt;
}

sim::Session synthesize(const sim::Scenario& scenario, const sim::PigmentCatalogue& catalogue,
                        const Style& style, std::uint64_t seed, const std::string& trainee) {
  return synthesize_impl(scenario, catalogue, style, seed, trainee);
}

}  // namespace smp::synth
