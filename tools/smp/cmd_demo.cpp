// `smp demo-session`: synthesises a trainee's stylus log for a scenario (expert or novice hand),
// replays it through the Simulation and writes the session with its "recorded" result. The demo
// sessions in assets/sessions/ are made with it (docs/session-format.md, "Demo sessions").
//
// Everything is deterministic: the seed drives a std::mt19937_64 (fully specified by the
// standard) through this file's own integer -> double mappings, and no trigonometry is used, so
// the same scenario + style + seed always gives the same bytes.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <optional>
#include <random>
#include <string>

#include "command.h"
#include "session_cli.h"
#include "smp/sim/color.h"
#include "smp/sim/healing.h"

namespace smp::cli {
namespace {

using sim::PointMm;

constexpr const char* kHelp =
    "Usage: smp demo-session --scenario FILE --out FILE [--style expert|novice] [--seed N]\n"
    "                        [--trainee NAME]\n"
    "\n"
    "Synthesises a trainee's stylus log on the scenario's treat, scar and hairline regions:\n"
    "  expert  blue-noise placement at the target density (ramped down toward a hairline),\n"
    "          pressure aimed at the middle of the depth band, short even taps, default tool\n"
    "  novice  random placement a little too dense, heavy and uneven pressure, long dwells,\n"
    "          some dragged dots, repeated spots (undone in practice mode), neat black pigment,\n"
    "          a switch to 3RL, and a couple of dots over the hairline\n"
    "then replays it and writes the session with its \"recorded\" result (atomically).\n"
    "\n"
    "Options:\n"
    "  --scenario FILE  scenario JSON\n"
    "  --out FILE       session JSON to write\n"
    "  --style S        expert (default) or novice\n"
    "  --seed N         generator and simulation seed (default 1)\n"
    "  --trainee NAME   trainee id in the header (default demo-<style>)\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 written, 1 unusable input or write failure, 64 usage error.\n";

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
                                Rng& rng) {
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
      static_cast<std::size_t>(std::lround(expected * (expert ? 1.0 : kNoviceDensity)));
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
      if (dots.any_within(p, kDartRadius / std::sqrt(d))) continue;
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

sim::Session synthesize(const sim::Scenario& sc, const sim::PigmentCatalogue& cat, bool expert,
                        std::uint64_t seed, const std::string& trainee) {
  Rng rng(seed);
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
  std::vector<PointMm> dots = place_dots(sc, field, expert, rng);
  if (expert && !dots.empty()) {
    const int r = field.target_region(dots.front());
    const auto& reg = sc.regions[static_cast<std::size_t>(std::max(r, 0))];
    choose_colour(sc, cat, dots.front(), 0.5 * (reg.depth_min_mm + reg.depth_max_mm), tool);
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

int run_demo(const std::vector<std::string>& args) {
  auto opts = parse_options("demo-session", args,
                            {"--scenario", "--out", "--style", "--seed", "--trainee"}, {"--help"});
  if (!opts) return kExitUsage;
  if (opts->has("--help")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  const std::string* scenario_path = opts->get("--scenario");
  const std::string* out_path = opts->get("--out");
  if (scenario_path == nullptr || out_path == nullptr) {
    std::fprintf(stderr,
                 "smp demo-session: needs --scenario FILE and --out FILE (see 'smp demo-session "
                 "--help')\n");
    return kExitUsage;
  }
  std::string style = "expert";
  if (const std::string* v = opts->get("--style")) style = *v;
  if (style != "expert" && style != "novice") {
    std::fprintf(stderr, "smp demo-session: --style must be expert or novice, not '%s'\n",
                 style.c_str());
    return kExitUsage;
  }
  std::uint64_t seed = 1;
  if (const std::string* s = opts->get("--seed")) {
    char* end = nullptr;
    errno = 0;
    seed = std::strtoull(s->c_str(), &end, 10);
    if (s->empty() || *end != '\0' || errno != 0 || (*s)[0] == '-') {
      std::fprintf(stderr, "smp demo-session: --seed must be a non-negative integer, not '%s'\n",
                   s->c_str());
      return kExitUsage;
    }
  }
  std::string trainee = "demo-" + style;
  if (const std::string* v = opts->get("--trainee")) trainee = *v;

  auto scenario = sim::load_scenario_file(*scenario_path);
  if (!scenario.ok()) {
    print_errors(scenario.errors());
    return kExitFailure;
  }
  auto catalogue = sim::PigmentCatalogue::load_default();
  if (!catalogue.ok()) {
    print_errors(catalogue.errors());
    return kExitFailure;
  }
  sim::Session session =
      synthesize(scenario.value(), catalogue.value(), style == "expert", seed, trainee);
  auto replay = sim::replay_session(session, scenario.value(), catalogue.value());
  if (!replay.ok()) {
    print_errors(replay.errors(), *out_path);
    return kExitFailure;
  }
  sim::RecordedResult rec;
  rec.impression_count = replay->impressions.size();
  rec.impressions_sha256 = replay->impressions_sha256;
  rec.overall = replay->report.overall;
  for (const auto& c : replay->report.criteria) rec.criteria.emplace_back(c.key, c.score);
  session.recorded = rec;
  auto written = sim::write_file_atomic(*out_path, sim::serialize_session(session));
  if (!written.ok()) {
    print_errors(written.errors());
    return kExitFailure;
  }
  std::printf("%s: %s session on %s, %zu events, %zu impressions, score %.1f %s\n",
              out_path->c_str(), style.c_str(), scenario->id.c_str(), session.events.size(),
              replay->impressions.size(), replay->report.overall,
              replay->report.passed ? "PASS" : "FAIL");
  return kExitOk;
}

[[maybe_unused]] const bool registered = register_command(
    {"demo-session", "synthesise a trainee's session (expert or novice) for a scenario",
     &run_demo});

}  // namespace
}  // namespace smp::cli
