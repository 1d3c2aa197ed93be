// Shared by the PDF, picture and cohort tests: a scored attempt made the way `smp report` makes
// one (scenario file -> session of interchange impressions -> replay -> record), with the work's
// quality set by the test, and tools to run poppler-utils on the result.
#pragma once
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "smp/report/images.h"
#include "smp/report/record.h"
#include "smp/sim/color.h"
#include "smp/sim/geometry.h"
#include "smp/sim/healing.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/session.h"
#include "smp/sim/simulation.h"

namespace smp::report::testing {

struct AttemptSpec {
  std::string scenario_file = "pad-spacing-drill.json";
  std::uint64_t seed = 7;
  double fill = 1.0;          // fraction of the target density placed
  double min_spacing = 0.75;  // dart-throwing minimum distance, in random-pattern spacings
  double depth_mm = 0.24;     // mean deposit depth
  double depth_sd_mm = 0.03;
  int fat_dots = 0;  // extra impressions placed in the fat (blowout, critical)
  std::string trainee_id = "T-0042";
  std::string trainee_name = "Zo\u00eb Dvo\u0159\u00e1k-Nu\u00f1ez";
  int attempt = 1;
  std::string issued_at = "2026-11-24T09:00:00Z";
  std::string started_at = "2026-11-24T08:15:00Z";
  std::string pigment;  // "" = the allowed pigment + dilution that heals nearest the target
  double dilution = 0.0;
  bool with_images = true;  // write fresh/healed/aged.png and list them in record.files
};

struct Attempt {
  sim::Scenario scenario;
  sim::PigmentCatalogue catalogue;
  sim::Session session;
  sim::ReplayOutput replay;
  ReportRecord record;
};

inline std::string scenario_path(const std::string& name) {
  return std::string(SMP_SOURCE_DIR) + "/scenarios/" + name;
}

// A fixed stand-in for a signing key: 32 bytes 0x01..0x20.
inline std::string test_public_key_b64() {
  return "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
}
inline std::string test_fingerprint() {
  return "3f2a91bc0d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef";
}

// Random dots at the scenario's target density inside its treated regions (never closer than
// min_spacing x the random-pattern spacing), depths normal around depth_mm.
inline Attempt make_attempt(const AttemptSpec& spec) {
  Attempt a;
  auto sc = sim::load_scenario_file(scenario_path(spec.scenario_file));
  EXPECT_TRUE(sc.ok()) << (sc.ok() ? "" : sc.errors()[0].to_string());
  a.scenario = sc.value();
  auto cat = sim::PigmentCatalogue::load_default();
  EXPECT_TRUE(cat.ok());
  a.catalogue = cat.value();

  std::string pigment = spec.pigment;
  double dilution = spec.dilution;
  if (pigment.empty()) {  // a trainee who chose well: the healed shade nearest the target colour
    const sim::Lab target = sim::target_color(a.scenario);
    double best = 1e9;
    std::vector<std::string> ids = a.scenario.pigments_allowed;
    if (ids.empty()) {
      for (const auto& p : a.catalogue.all()) ids.push_back(p.id);
    }
    for (const auto& id : ids) {
      const sim::Pigment* p = a.catalogue.find(id);
      if (p == nullptr) continue;
      for (int k = 0; k <= 8; ++k) {
        sim::Impression probe;
        probe.depth_mm = spec.depth_mm;
        probe.layer = sim::layer_at_depth(a.scenario.skin, spec.depth_mm);
        probe.pigment = id;
        probe.dilution = k * 0.1;
        sim::SkinSample skin;
        skin.layers = a.scenario.skin;
        const auto look = sim::appearance_at(probe, skin, *p, a.scenario.patient.skin_lab, 30.0);
        const double de = sim::ciede2000(look.color, target);
        if (de < best) {
          best = de;
          pigment = id;
          dilution = probe.dilution;
        }
      }
    }
  }
  std::mt19937_64 rng(spec.seed);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::normal_distribution<double> depth(spec.depth_mm, spec.depth_sd_mm);
  std::vector<sim::PointMm> placed;
  for (const auto& r : a.scenario.regions) {
    if (r.role != sim::RegionRole::kTreat && r.role != sim::RegionRole::kScar &&
        r.role != sim::RegionRole::kHairlineTransition) {
      continue;
    }
    const auto box = sim::bounding_box(r.polygon_mm);
    const double area_mm2 = sim::polygon_area_mm2(r.polygon_mm);
    const auto want =
        static_cast<int>(std::lround(r.density_per_cm2 * area_mm2 / 100.0 * spec.fill));
    const double min_d =
        spec.min_spacing * 0.5 / std::sqrt(std::max(r.density_per_cm2, 1.0) / 100.0);
    int got = 0;
    for (int tries = 0; got < want && tries < want * 60; ++tries) {
      const sim::PointMm p{box.min.x_mm + u01(rng) * (box.max.x_mm - box.min.x_mm),
                           box.min.y_mm + u01(rng) * (box.max.y_mm - box.min.y_mm)};
      if (!sim::point_in_polygon(r.polygon_mm, p)) continue;
      bool inside_other = false;
      for (const auto& o : a.scenario.regions) {
        if ((o.role == sim::RegionRole::kAvoid || o.role == sim::RegionRole::kForbidden) &&
            sim::point_in_polygon(o.polygon_mm, p)) {
          inside_other = true;
        }
      }
      if (inside_other) continue;
      bool close = false;
      for (const auto& q : placed) close = close || sim::distance_mm(p, q) < min_d;
      if (close) continue;
      placed.push_back(p);
      ++got;
    }
  }
  double t = 2.0;
  for (std::size_t i = 0; i < placed.size(); ++i) {
    sim::Impression imp;
    imp.pos = placed[i];
    imp.depth_mm = std::max(0.02, depth(rng));
    if (static_cast<int>(i) < spec.fat_dots)
      imp.depth_mm = a.scenario.skin.dermis_bottom_mm() + 0.4;
    imp.needle = sim::needle_to_string(a.scenario.defaults.needle);
    imp.pigment = pigment;
    imp.dilution = dilution;
    imp.t_s = t;
    t += 1.3;
    a.session.impressions.push_back(imp);
    sim::ImpressionFieldsGiven g;
    g.layer = g.dose = g.fresh_diameter_mm = g.elongation = g.orientation_rad = g.scar = false;
    a.session.impressions_given.push_back(g);
  }
  a.session.header.scenario_id = a.scenario.id;
  a.session.header.scenario_sha256 = a.scenario.content_sha256;
  a.session.header.simulator_version = SMP_VERSION_STRING;
  a.session.header.trainee = spec.trainee_id;
  a.session.header.seed = spec.seed;
  a.session.header.started_at = spec.started_at;
  a.session.finished = true;
  auto rep = sim::replay_session(a.session, a.scenario, a.catalogue);
  EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.errors()[0].to_string());
  a.replay = rep.value();

  BuildParams p;
  p.trainee = {spec.trainee_id, spec.trainee_name, ""};
  p.academy = {"https://academy.example/smp", "Acad\u00e9mie Lumi\u00e8re de Micropigmentation",
               "https://academy.example", ""};
  p.instructor = Person{"I-7", "Siobh\u00e1n \u00d3 Briain", ""};
  p.attempt = spec.attempt;
  p.issued_at = spec.issued_at;
  p.session_sha256 = sim::sha256_hex(sim::serialize_session(a.session));
  auto rec = build_record(a.scenario, a.session, a.replay, p);
  EXPECT_TRUE(rec.ok()) << (rec.ok() ? "" : rec.errors()[0].to_string());
  a.record = rec.value();
  if (spec.with_images) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("smp-fixture-" + a.scenario.id + "-" + std::to_string(spec.seed) + "-" +
                      std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto files = write_work_images(dir.string(), a.scenario, a.catalogue, a.replay.impressions);
    EXPECT_TRUE(files.ok()) << (files.ok() ? "" : files.errors()[0].to_string());
    if (files.ok()) a.record.files = files.value();
    std::filesystem::remove_all(dir);
  }
  a.record.signer.public_key = test_public_key_b64();
  a.record.signer.key_fingerprint = test_fingerprint();
  return a;
}

// Where tests leave files for people to look at: $SMP_TEST_OUT, else <build dir>/test-output.
inline std::filesystem::path output_dir(const std::string& leaf) {
  const char* env = std::getenv("SMP_TEST_OUT");
#ifdef SMP_BINARY_DIR
  const std::filesystem::path fallback = std::filesystem::path(SMP_BINARY_DIR) / "test-output";
#else
  const std::filesystem::path fallback = std::filesystem::temp_directory_path() / "smp-test-out";
#endif
  const std::filesystem::path base = env && *env ? std::filesystem::path(env) : fallback;
  auto dir = base / leaf;
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Run {
  int status = -1;
  std::string out;
};
// Runs a shell command (poppler-utils), capturing stdout.
inline Run run(const std::string& cmd) {
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  r.status = pclose(p);
  return r;
}

inline bool have_tool(const std::string& name) {
  return run("command -v " + name + " >/dev/null 2>&1").status == 0;
}

}  // namespace smp::report::testing
