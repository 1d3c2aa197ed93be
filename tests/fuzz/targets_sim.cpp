// Fuzz bodies for the sim loaders: scenario, session, replay (session + scoring), pigments.
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_targets.h"
#include "smp/sim/healing.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/scoring.h"
#include "smp/sim/session.h"
#include "smp/sim/simulation.h"

namespace smp::fuzz {
namespace {

std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Invariant checks abort: libFuzzer reports them as crashes with the input that broke them.
void require(bool ok) {
  if (!ok) std::abort();
}

const sim::PigmentCatalogue& catalogue() {
  static const sim::PigmentCatalogue cat = [] {
    auto c = sim::PigmentCatalogue::load_file(source_dir() + "/assets/pigments.json");
    require(c.ok());
    return std::move(c).value();
  }();
  return cat;
}

const sim::Scenario& shipped_scenario(std::size_t which) {
  static const std::vector<sim::Scenario> all = [] {
    std::vector<sim::Scenario> v;
    for (const char* id : {"frontal-hairline", "strip-scar", "diffuse-thinning"}) {
      auto s = sim::load_scenario_file(source_dir() + "/scenarios/" + id + ".json");
      require(s.ok());
      v.push_back(std::move(s).value());
    }
    return v;
  }();
  return all[which % all.size()];
}

// Same scores, bit for bit (NaN would fail this too, and must never appear).
bool same_scores(const sim::ScoreReport& a, const sim::ScoreReport& b) {
  if (a.overall != b.overall || a.passed != b.passed || a.criteria.size() != b.criteria.size() ||
      a.findings.size() != b.findings.size() || a.impression_count != b.impression_count)
    return false;
  for (std::size_t i = 0; i < a.criteria.size(); ++i)
    if (a.criteria[i].score != b.criteria[i].score) return false;
  return true;
}

void check_report(const sim::ScoreReport& r) {
  require(std::isfinite(r.overall) && r.overall >= 0.0 && r.overall <= 100.0);
  for (const auto& c : r.criteria) require(std::isfinite(c.score) && c.score >= 0.0 && c.score <= 100.0);
  require(r.findings.size() <= sim::kMaxFindings);
}

}  // namespace

int scenario(const std::uint8_t* data, std::size_t size) {
  auto parsed = sim::parse_scenario(text_of(data, size), "<fuzz>");
  if (!parsed.ok()) {
    require(!parsed.errors().empty());
    return 0;
  }
  const sim::Scenario& sc = parsed.value();
  // Score a few impressions at the scenario's own landmarks (region corners, hairline points):
  // layout building, locating and every case goal run on the fuzzed geometry.
  std::vector<sim::Impression> imps;
  auto add_at = [&](sim::PointMm p, double depth_mm) {
    if (imps.size() >= 48) return;
    sim::Impression imp;
    imp.id = static_cast<std::uint32_t>(imps.size());
    imp.pos = p;
    imp.depth_mm = depth_mm;
    imp.pigment = sc.defaults.pigment;
    imp.needle = sim::needle_to_string(sc.defaults.needle);
    imps.push_back(imp);
  };
  for (const auto& r : sc.regions) {
    if (r.polygon_mm.empty()) continue;
    add_at(r.polygon_mm.front(), 0.5 * (r.depth_min_mm + r.depth_max_mm));
    const sim::BoxMm b = sim::bounding_box(r.polygon_mm);
    add_at({0.5 * (b.min.x_mm + b.max.x_mm), 0.5 * (b.min.y_mm + b.max.y_mm)}, 0.3);
  }
  for (std::size_t i = 0; i < sc.hairline_front_mm.size() && i < 8; ++i)
    add_at(sc.hairline_front_mm[i], 0.3);
  for (const auto& p : imps) {
    (void)sim::skin_at(sc, p.pos);
    (void)sim::regions_at(sc, p.pos);
  }
  sim::Scorer scorer(sc, catalogue());
  for (const auto& imp : imps) scorer.add(imp);
  const sim::ScoreReport inc = scorer.report();
  check_report(inc);
  require(same_scores(inc, sim::score_batch(sc, catalogue(), imps)));
  // Undo everything: back to the empty report.
  while (scorer.size() > 0) scorer.pop_back();
  require(same_scores(scorer.report(), sim::Scorer(sc, catalogue()).report()));
  return 0;
}

int session(const std::uint8_t* data, std::size_t size) {
  auto parsed = sim::parse_session(text_of(data, size), "<fuzz>");
  if (!parsed.ok()) {
    require(!parsed.errors().empty());
    return 0;
  }
  // serialize() is a fixed point: what it writes parses back to the same session and text.
  const std::string text = sim::serialize_session(parsed.value());
  auto again = sim::parse_session(text, "<fuzz-serialized>");
  require(again.ok());
  require(sim::serialize_session(again.value()) == text);
  require(again->events == parsed->events);
  require(again->impressions == parsed->impressions);
  (void)sim::impressions_hash(parsed->impressions);
  return 0;
}

int replay(const std::uint8_t* data, std::size_t size) {
  auto parsed = sim::parse_session(text_of(data, size), "<fuzz>");
  if (!parsed.ok()) return 0;
  sim::Session s = std::move(parsed).value();
  const sim::Scenario& sc = shipped_scenario(size);
  s.header.scenario_id = sc.id;  // the fuzzer need not guess ids
  auto out = sim::replay_session(s, sc, catalogue());
  if (!out.ok()) {
    require(!out.errors().empty());
    return 0;
  }
  check_report(out->report);
  require(out->report.impression_count == out->impressions.size());
  // The live (incremental) scores equal scoring the final impressions in one batch.
  require(same_scores(out->report, sim::score_batch(sc, catalogue(), out->impressions)));
  return 0;
}

int pigments(const std::uint8_t* data, std::size_t size) {
  auto parsed = sim::PigmentCatalogue::parse(text_of(data, size), "<fuzz>");
  if (!parsed.ok()) {
    require(!parsed.errors().empty());
    return 0;
  }
  const sim::Lab skin = sim::skin_lab_for_fitzpatrick(3);
  sim::Impression imp;
  imp.depth_mm = 0.3;
  sim::SkinSample sample;
  for (const sim::Pigment& p : parsed->all()) {
    require(parsed->find(p.id) != nullptr);
    for (double dil : {0.0, 0.5, 1.0}) {
      const sim::Lab c = sim::deposit_color(p, dil, skin);
      require(std::isfinite(c.L) && std::isfinite(c.a) && std::isfinite(c.b));
    }
    imp.pigment = p.id;
    for (double days : {0.0, 30.0, 3650.0}) {
      const sim::Appearance a = sim::appearance_at(imp, sample, p, skin, days);
      require(std::isfinite(a.color.L) && std::isfinite(a.diameter_mm));
    }
  }
  return 0;
}

std::string source_dir() {
  if (const char* env = std::getenv("SMP_SOURCE_DIR"); env != nullptr && env[0] != '\0') return env;
  return SMP_SOURCE_DIR;
}

}  // namespace smp::fuzz
