#include "bench_data.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <utility>

#include "smp/sim/geometry.h"

namespace smp::bench {
namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "smp-bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(sim::Result<T> r) {
  if (!r.ok()) die(r.errors().empty() ? "load failed" : r.errors()[0].to_string());
  return std::move(r).value();
}

// Exact uniform double in [0, 1) from one draw (the library distributions are not portable).
double unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

bool workable(const sim::Scenario& sc, sim::PointMm p) {
  for (const auto& r : sc.regions) {
    if ((r.role == sim::RegionRole::kTreat || r.role == sim::RegionRole::kHairlineTransition) &&
        sim::point_in_polygon(r.polygon_mm, p))
      return true;
  }
  return false;
}

}  // namespace

const sim::Scenario& scenario() {
  static const sim::Scenario s =
      must(sim::load_scenario_file(std::string(SMP_SOURCE_DIR) + "/tests/bench/full-scalp.json"));
  return s;
}

const sim::PigmentCatalogue& catalogue() {
  static const sim::PigmentCatalogue c =
      must(sim::PigmentCatalogue::load_file(std::string(SMP_SOURCE_DIR) + "/assets/pigments.json"));
  return c;
}

std::vector<sim::Impression> impressions(std::size_t n, std::uint64_t salt) {
  const sim::Scenario& sc = scenario();
  // Workable area of the scenario (treat + transition), from its bounding box.
  double area = 0.0;
  sim::BoxMm box{{1e9, 1e9}, {-1e9, -1e9}};
  for (const auto& r : sc.regions) {
    if (r.role != sim::RegionRole::kTreat && r.role != sim::RegionRole::kHairlineTransition)
      continue;
    area += sim::polygon_area_mm2(r.polygon_mm);
    const sim::BoxMm b = sim::bounding_box(r.polygon_mm);
    box.min.x_mm = std::min(box.min.x_mm, b.min.x_mm);
    box.min.y_mm = std::min(box.min.y_mm, b.min.y_mm);
    box.max.x_mm = std::max(box.max.x_mm, b.max.x_mm);
    box.max.y_mm = std::max(box.max.y_mm, b.max.y_mm);
  }
  // Grid step so that the workable area holds about n points; one jittered point per cell.
  double step = std::sqrt(area / static_cast<double>(n));
  std::mt19937_64 rng(0x5eed0000ull + n * 7919ull + salt);
  std::vector<sim::PointMm> pts;
  for (int attempt = 0; pts.size() < n; ++attempt) {
    pts.clear();
    for (double y = box.min.y_mm; y < box.max.y_mm; y += step)
      for (double x = box.min.x_mm; x < box.max.x_mm; x += step) {
        const sim::PointMm p{x + unit(rng) * step, y + unit(rng) * step};
        if (workable(sc, p)) pts.push_back(p);
      }
    step *= 0.97;  // polygon edges cut some cells: tighten until there are enough
  }
  for (std::size_t i = pts.size() - 1; i > 0; --i) std::swap(pts[i], pts[rng() % (i + 1)]);
  pts.resize(n);
  std::vector<sim::Impression> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    sim::Impression& imp = out[i];
    imp.id = static_cast<std::uint32_t>(i);
    imp.pos = pts[i];
    imp.depth_mm = 0.12 + 0.4 * unit(rng);  // mostly in the 0.08-0.5 mm band, some too deep
    imp.layer = sim::layer_at_depth(sc.skin, imp.depth_mm);
    imp.dose = 0.8 + 0.5 * unit(rng);
    imp.fresh_diameter_mm = 0.2 + 0.1 * unit(rng);
    imp.elongation = 1.0 + 0.3 * unit(rng);
    imp.orientation_rad = 3.0 * unit(rng);
    imp.needle = "1RL";
    imp.pigment = "smp-grey-2";
    imp.dilution = 0.1;
    imp.t_s = 0.18 * static_cast<double>(i);
  }
  return out;
}

sim::Session bench_session(std::uint64_t seed) {
  sim::Session s;
  s.header.scenario_id = scenario().id;
  s.header.scenario_sha256 = scenario().content_sha256;
  s.header.simulator_version = SMP_VERSION_STRING;
  s.header.trainee = "bench";
  s.header.seed = seed;
  return s;
}

const HourLog& hour_log() {
  static const HourLog log = [] {
    // 140 samples/s for an hour = 504,000 samples. Contacts alternate between taps (needle in,
    // held ~43 ms, out) and, every 8th, a 0.21 s run at 5 mm/s; hover samples fill the rest.
    constexpr double kRate = 140.0, kHour = 3600.0;
    constexpr std::size_t kContacts = 13000;
    const std::size_t total = static_cast<std::size_t>(kRate * kHour);
    const std::vector<sim::Impression> spots = impressions(kContacts, 99);
    sim::Session s = bench_session(42);
    s.events.reserve(total);
    const std::size_t per_contact = total / kContacts;  // 38 samples per contact slot
    std::mt19937_64 rng(7);
    HourLog out;
    for (std::size_t i = 0; i < total; ++i) {
      const std::size_t c = std::min(i / per_contact, kContacts - 1);
      const std::size_t k = i - c * per_contact;  // sample index within the slot
      const bool run = c % 8 == 7;
      const std::size_t down_samples = run ? 30 : 6;
      sim::StylusSample smp;
      smp.t_s = static_cast<double>(i) / kRate;
      smp.pos = spots[c].pos;
      smp.tilt_rad = 0.2;
      smp.azimuth_rad = 1.0;
      if (k < down_samples && i / per_contact < kContacts) {
        smp.down = true;
        smp.pressure = 0.45 + 0.1 * unit(rng);
        if (run) smp.pos.x_mm += 5.0 * static_cast<double>(k) / kRate;
        if (k == 0) ++out.contacts;
      } else {
        smp.pos.y_mm -= 0.5;  // hovering next to the last dot
      }
      s.events.emplace_back(smp);
      ++out.samples;
    }
    out.text = sim::serialize_session(s);
    return out;
  }();
  return log;
}

}  // namespace smp::bench
