// Scenario loader: shipped scenarios, defaults, every kind of bad input with its JSON Pointer,
// existing-hair generation, skin_at / regions_at, target colour.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "smp/sim/healing.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"

namespace smp::sim {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<fs::path> shipped_scenarios() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(SMP_SOURCE_DIR) / "scenarios")) {
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const PigmentCatalogue& catalogue() {
  static const PigmentCatalogue cat = [] {
    auto r = PigmentCatalogue::load_default();
    if (!r.ok()) throw std::runtime_error("pigment catalogue: " + r.errors().front().to_string());
    return r.value();
  }();
  return cat;
}
std::string first_pigment(ParticleClass c) {
  for (const auto& p : catalogue().all()) {
    if (p.particle == c) return p.id;
  }
  return "";
}

// A small valid scenario on a practice pad; each test breaks one thing.
json minimal() {
  return json{
      {"schema", "smp-scenario/1"},
      {"id", "test-minimal"},
      {"version", 1},
      {"title", "Minimal"},
      {"description", "A test scenario."},
      {"level", 1},
      {"case", "shaved_look"},
      {"technique", "permanent"},
      {"surface", "practice_pad"},
      {"patient", {{"fitzpatrick", 3}, {"hair_color", "dark_brown"}}},
      {"regions",
       json::array({json{{"id", "square"},
                         {"role", "treat"},
                         {"polygon_mm", json::array({{10, 10}, {50, 10}, {50, 50}, {10, 50}})},
                         {"density_per_cm2", 30},
                         {"depth_mm", {0.1, 0.4}}}})},
      {"pigments_allowed", json::array({first_pigment(ParticleClass::kPermanent)})},
  };
}

Result<Scenario> parse(const json& j) {
  return parse_scenario(j.dump(2), "test.json");
}

bool has_error(const Result<Scenario>& r, const std::string& pointer, const std::string& text) {
  return std::any_of(r.errors().begin(), r.errors().end(), [&](const Error& e) {
    return e.pointer == pointer && e.message.find(text) != std::string::npos;
  });
}
std::string dump_errors(const Result<Scenario>& r) {
  std::string out;
  for (const auto& e : r.errors()) out += "  " + e.to_string() + "\n";
  return out;
}

// ---------------------------------------------------------------- shipped scenarios

TEST(ScenarioShipped, EveryFileLoadsAndMatchesItsName) {
  const auto files = shipped_scenarios();
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    const auto r = load_scenario_file(f.string());
    ASSERT_TRUE(r.ok()) << dump_errors(r);
    const Scenario& s = r.value();
    EXPECT_EQ(s.id, f.stem().string());
    EXPECT_EQ(s.source_path, f.string());
    EXPECT_EQ(s.content_sha256, sha256_hex(read_file(f)));
    // A real briefing: goal, technique, what is scored.
    EXPECT_GE(s.description.size(), 400u);
    EXPECT_NE(s.description.find("Scored"), std::string::npos);
    EXPECT_FALSE(s.title.empty());
  }
}

TEST(ScenarioShipped, CoverTheCurriculum) {
  std::set<std::string> ids;
  int scar = 0, thinning = 0, pads = 0, temporary = 0, assessment = 0, fue_like = 0;
  for (const auto& f : shipped_scenarios()) {
    const auto r = load_scenario_file(f.string());
    ASSERT_TRUE(r.ok()) << dump_errors(r);
    const Scenario& s = r.value();
    ids.insert(s.id);
    scar += s.case_kind == CaseKind::kScar;
    thinning += s.case_kind == CaseKind::kThinning;
    pads += s.surface == Surface::kPracticePad;
    temporary += s.technique == Technique::kTemporary;
    assessment += s.mode == Mode::kAssessment;
    if (s.case_kind == CaseKind::kThinning) {
      EXPECT_FALSE(s.patient.hairs_mm.empty()) << s.id;
    }
    int small_scars = 0;
    for (const auto& reg : s.regions) {
      if (reg.role != RegionRole::kScar) continue;
      const BoxMm b = bounding_box(reg.polygon_mm);
      const double w = std::max(b.max.x_mm - b.min.x_mm, b.max.y_mm - b.min.y_mm);
      small_scars += (w >= 0.5 && w <= 1.05);
    }
    fue_like += small_scars >= 20;
    // Treat areas sized for one session: a few cm^2 up to ~30 cm^2 in total.
    double treat_cm2 = 0;
    for (const auto& reg : s.regions) {
      if (reg.role == RegionRole::kTreat || reg.role == RegionRole::kHairlineTransition) {
        treat_cm2 += polygon_area_mm2(reg.polygon_mm) / 100.0;
      }
    }
    EXPECT_GT(treat_cm2, 2.0) << s.id;
    EXPECT_LT(treat_cm2, 40.0) << s.id;
  }
  EXPECT_GE(scar, 3);
  EXPECT_GE(thinning, 2);
  EXPECT_GE(pads, 2);
  EXPECT_GE(temporary, 1);
  EXPECT_GE(assessment, 1);
  EXPECT_GE(fue_like, 1);
  EXPECT_TRUE(ids.count("frontal-hairline"));
}

TEST(ScenarioShipped, DefaultScenarioIsTheLevelOneFrontalHairline) {
  const auto r =
      load_scenario_file(std::string(SMP_SOURCE_DIR) + "/scenarios/frontal-hairline.json");
  ASSERT_TRUE(r.ok()) << dump_errors(r);
  const Scenario& s = r.value();
  EXPECT_EQ(s.level, 1);
  EXPECT_EQ(s.case_kind, CaseKind::kShavedLook);
  EXPECT_EQ(s.surface, Surface::kHead);
  EXPECT_GE(s.hairline_front_mm.size(), 2u);
  auto has_role = [&](RegionRole role) {
    return std::any_of(s.regions.begin(), s.regions.end(),
                       [&](const Region& reg) { return reg.role == role; });
  };
  EXPECT_TRUE(has_role(RegionRole::kHairlineTransition));
  EXPECT_TRUE(has_role(RegionRole::kForbidden));
  // The forehead is forbidden: a point 20 mm in front of the hairline midpoint.
  const auto here = regions_at(s, PointMm{0.0, -20.0});
  ASSERT_EQ(here.size(), 1u);
  EXPECT_EQ(s.regions[here[0]].role, RegionRole::kForbidden);
}

// Every shipped target colour can be reached with the scenario's own pigments: a healed dot
// (30 days, docs/models.md) placed at the middle of a treated region's band, some dilution, lands
// within CIEDE2000 3 of the target, so the colour criterion is passable.
TEST(ScenarioShipped, TargetColourIsReachableWithAllowedPigments) {
  for (const auto& f : shipped_scenarios()) {
    const auto r = load_scenario_file(f.string());
    ASSERT_TRUE(r.ok()) << dump_errors(r);
    const Scenario& s = r.value();
    const auto treated = std::find_if(s.regions.begin(), s.regions.end(), [](const Region& reg) {
      return reg.role == RegionRole::kTreat || reg.role == RegionRole::kHairlineTransition;
    });
    ASSERT_NE(treated, s.regions.end()) << s.id;
    const Lab target = target_color(s);
    double best = 1e9;
    for (const auto& id : s.pigments_allowed) {
      const Pigment* p = catalogue().find(id);
      ASSERT_NE(p, nullptr);
      for (int k = 0; k <= 95; ++k) {
        Impression imp;
        imp.depth_mm = 0.5 * (treated->depth_min_mm + treated->depth_max_mm);
        imp.layer = layer_at_depth(s.skin, imp.depth_mm);
        imp.pigment = id;
        imp.dilution = k / 100.0;
        const SkinSample skin = skin_at(s, treated->polygon_mm[0]);
        const Appearance a = appearance_at(imp, skin, *p, s.patient.skin_lab, 30.0);
        best = std::min(best, ciede2000(a.color, target));
      }
    }
    EXPECT_LT(best, 3.0) << s.id;
  }
}

// ---------------------------------------------------------------- a valid document

TEST(ScenarioParse, MinimalResolvesDefaults) {
  const auto r = parse(minimal());
  ASSERT_TRUE(r.ok()) << dump_errors(r);
  const Scenario& s = r.value();
  EXPECT_EQ(s.id, "test-minimal");
  EXPECT_EQ(s.mode, Mode::kPractice);
  EXPECT_EQ(s.surface, Surface::kPracticePad);
  EXPECT_EQ(s.source_path, "<memory>");
  EXPECT_EQ(s.content_sha256, sha256_hex(minimal().dump(2)));
  EXPECT_DOUBLE_EQ(s.pass_overall, 70.0);
  EXPECT_DOUBLE_EQ(s.pass.depth, 70.0);
  EXPECT_DOUBLE_EQ(s.pass.case_goal, 70.0);
  EXPECT_DOUBLE_EQ(s.weights.spacing, 1.0);
  EXPECT_EQ(s.defaults.needle.id, "1RL");
  EXPECT_EQ(s.defaults.pigment, s.pigments_allowed.front());
  EXPECT_DOUBLE_EQ(s.defaults.dilution, 0.0);
  EXPECT_DOUBLE_EQ(s.defaults.machine.frequency_hz, 120.0);
  EXPECT_EQ(s.patient.skin_lab, skin_lab_for_fitzpatrick(3));
  EXPECT_DOUBLE_EQ(s.patient.hair_lab.L, 22.0);  // dark_brown, docs/scenario-format.md table
  EXPECT_FALSE(s.target_color.has_value());
  EXPECT_FALSE(s.time_limit_s.has_value());
  ASSERT_EQ(s.regions.size(), 1u);
  EXPECT_DOUBLE_EQ(s.regions[0].depth_min_mm, 0.1);
  EXPECT_DOUBLE_EQ(s.regions[0].depth_max_mm, 0.4);
  EXPECT_FALSE(s.regions[0].scar.has_value());
}

TEST(ScenarioParse, ExplicitValuesAreKept) {
  json j = minimal();
  j["mode"] = "assessment";
  j["time_limit_s"] = 1800;
  j["target_color"] = {40, 1, 2};
  j["patient"]["hair_lab"] = {20, 2, 3};
  j["patient"]["skin_lab"] = {66, 9, 14};
  j["skin"] = {{"epidermis_mm", 0.07}, {"subcutis_mm", 3.5}};
  j["pass"] = {{"overall", 80}, {"depth", 90}};
  j["weights"] = {{"color", 2}, {"case", 0}};
  j["defaults"] = {{"needle", "3RL@0.25"},
                   {"dilution", 0.4},
                   {"machine", {{"protrusion_mm", 1.5}, {"frequency_hz", 140}}}};
  const auto r = parse(j);
  ASSERT_TRUE(r.ok()) << dump_errors(r);
  const Scenario& s = r.value();
  EXPECT_EQ(s.mode, Mode::kAssessment);
  EXPECT_EQ(s.time_limit_s, 1800.0);
  EXPECT_EQ(target_color(s), (Lab{40, 1, 2}));
  EXPECT_EQ(s.patient.hair_lab, (Lab{20, 2, 3}));
  EXPECT_EQ(s.patient.skin_lab, (Lab{66, 9, 14}));
  EXPECT_DOUBLE_EQ(s.skin.epidermis_mm, 0.07);
  EXPECT_DOUBLE_EQ(s.skin.papillary_mm, SkinLayersMm{}.papillary_mm);
  EXPECT_DOUBLE_EQ(s.skin.subcutis_mm, 3.5);
  EXPECT_DOUBLE_EQ(s.pass_overall, 80);
  EXPECT_DOUBLE_EQ(s.pass.depth, 90);
  EXPECT_DOUBLE_EQ(s.pass.spacing, 80);  // missing criterion: the overall mark
  EXPECT_DOUBLE_EQ(s.weights.color, 2);
  EXPECT_DOUBLE_EQ(s.weights.case_goal, 0);
  EXPECT_DOUBLE_EQ(s.weights.depth, 1);
  EXPECT_EQ(s.defaults.needle.needle_count, 3);
  EXPECT_DOUBLE_EQ(s.defaults.needle.needle_diameter_mm, 0.25);
  EXPECT_DOUBLE_EQ(s.defaults.dilution, 0.4);
  EXPECT_DOUBLE_EQ(s.defaults.machine.protrusion_mm, 1.5);
}

TEST(ScenarioParse, EnumNamesRoundTrip) {
  for (const char* name :
       {"black", "dark_brown", "brown", "light_brown", "blond", "red", "grey", "white"}) {
    json j = minimal();
    j["patient"]["hair_color"] = name;
    const auto r = parse(j);
    ASSERT_TRUE(r.ok()) << name << dump_errors(r);
    EXPECT_EQ(to_string(r->patient.hair_color), name);
  }
  EXPECT_EQ(to_string(CaseKind::kShavedLook), "shaved_look");
  EXPECT_EQ(to_string(CaseKind::kScar), "scar");
  EXPECT_EQ(to_string(CaseKind::kThinning), "thinning");
  EXPECT_EQ(to_string(Technique::kTemporary), "temporary");
  EXPECT_EQ(to_string(Surface::kPracticePad), "practice_pad");
  EXPECT_EQ(to_string(Mode::kAssessment), "assessment");
  EXPECT_EQ(to_string(RegionRole::kHairlineTransition), "hairline_transition");
  EXPECT_EQ(to_string(RegionRole::kAvoid), "avoid");
}

// ---------------------------------------------------------------- one broken thing at a time

struct BadCase {
  const char* name;
  std::function<void(json&)> mutate;
  const char* pointer;
  const char* message;
};

json scar_region() {
  return json{{"id", "scar-1"},
              {"role", "scar"},
              {"polygon_mm", json::array({{20, 20}, {30, 20}, {30, 22}, {20, 22}})},
              {"density_per_cm2", 30},
              {"depth_mm", {0.1, 0.3}}};
}
json forbidden_region() {
  return json{{"id", "edge"},
              {"role", "forbidden"},
              {"polygon_mm", json::array({{60, 60}, {90, 60}, {90, 90}, {60, 90}})}};
}

TEST(ScenarioParse, EachBadInputNamesItsPointer) {
  const std::string temporary = first_pigment(ParticleClass::kTemporary);
  const std::vector<BadCase> cases = {
      {"title wrong type", [](json& j) { j["title"] = 5; }, "/title",
       "expected a string, got a number"},
      {"empty description", [](json& j) { j["description"] = "  "; }, "/description",
       "must not be empty"},
      {"missing id", [](json& j) { j.erase("id"); }, "", "missing required field \"id\""},
      {"id not a slug", [](json& j) { j["id"] = "Bad ID"; }, "/id", "must be a slug"},
      {"id with double hyphen", [](json& j) { j["id"] = "a--b"; }, "/id", "must be a slug"},
      {"version zero", [](json& j) { j["version"] = 0; }, "/version", "integer from 1"},
      {"level too high", [](json& j) { j["level"] = 6; }, "/level", "from 1 to 5 (got 6)"},
      {"level fractional", [](json& j) { j["level"] = 2.5; }, "/level",
       "expected an integer, got 2.5"},
      {"unknown case", [](json& j) { j["case"] = "scarr"; }, "/case",
       "must be one of \"shaved_look\", \"scar\", \"thinning\" (got \"scarr\")"},
      {"technique null", [](json& j) { j["technique"] = nullptr; }, "/technique", "got null"},
      {"bad mode", [](json& j) { j["mode"] = "exam"; }, "/mode", "must be one of"},
      {"unknown top-level key", [](json& j) { j["titel"] = "x"; }, "/titel",
       "unknown field \"titel\" (did you mean \"title\"?)"},
      {"unknown key escaped", [](json& j) { j["a/b~c"] = 1; }, "/a~1b~0c", "unknown field"},
      {"patient missing", [](json& j) { j.erase("patient"); }, "",
       "missing required field \"patient\""},
      {"fitzpatrick 7", [](json& j) { j["patient"]["fitzpatrick"] = 7; }, "/patient/fitzpatrick",
       "from 1 to 6"},
      {"hair colour unknown", [](json& j) { j["patient"]["hair_color"] = "purple"; },
       "/patient/hair_color", "must be one of"},
      {"hair_lab short",
       [](json& j) {
         j["patient"]["hair_lab"] = {50, 0};
       },
       "/patient/hair_lab", "expected a CIELAB colour [L, a, b], got an array of 2"},
      {"skin_lab L too high",
       [](json& j) {
         j["patient"]["skin_lab"] = {120, 0, 0};
       },
       "/patient/skin_lab/0", "between 0 and 100"},
      {"patient typo", [](json& j) { j["patient"]["fitzpatric"] = 2; }, "/patient/fitzpatric",
       "did you mean \"fitzpatrick\"?"},
      {"skin layer out of range",
       [](json& j) {
         j["skin"] = {{"epidermis_mm", 2}};
       },
       "/skin/epidermis_mm", "between 0.02 and 0.3"},
      {"regions empty", [](json& j) { j["regions"] = json::array(); }, "/regions",
       "at least one region"},
      {"regions not array", [](json& j) { j["regions"] = json::object(); }, "/regions",
       "expected an array, got an object"},
      {"region not object", [](json& j) { j["regions"][0] = 3; }, "/regions/0",
       "expected an object, got a number"},
      {"polygon two points",
       [](json& j) {
         j["regions"][0]["polygon_mm"] = {{0, 0}, {1, 1}};
       },
       "/regions/0/polygon_mm", "at least 3 points, got 2"},
      {"polygon point not numbers",
       [](json& j) {
         j["regions"][0]["polygon_mm"][0] = {"a", 1};
       },
       "/regions/0/polygon_mm/0/0", "expected a number, got a string"},
      {"polygon point wrong arity",
       [](json& j) {
         j["regions"][0]["polygon_mm"][2] = {1, 2, 3};
       },
       "/regions/0/polygon_mm/2", "expected a point [x_mm, y_mm]"},
      {"polygon off the pad",
       [](json& j) {
         j["regions"][0]["polygon_mm"][1] = {150, 10};
       },
       "/regions/0/polygon_mm/1", "outside the practice pad"},
      {"bow-tie polygon",
       [](json& j) {
         j["regions"][0]["polygon_mm"] = {{10, 10}, {50, 50}, {50, 10}, {10, 50}};
       },
       "/regions/0/polygon_mm", "crosses itself"},
      {"polygon folds back",
       [](json& j) {
         j["regions"][0]["polygon_mm"] = {{10, 10}, {40, 10}, {30, 10}, {30, 40}};
       },
       "/regions/0/polygon_mm", "crosses itself"},
      {"polygon closed explicitly",
       [](json& j) {
         j["regions"][0]["polygon_mm"].push_back({10, 10});
       },
       "/regions/0/polygon_mm/4", "repeats the first vertex"},
      {"polygon repeated vertex",
       [](json& j) {
         j["regions"][0]["polygon_mm"][1] = {10, 10};
       },
       "/regions/0/polygon_mm/1", "repeats the previous vertex"},
      {"polygon collinear",
       [](json& j) {
         j["regions"][0]["polygon_mm"] = {{10, 10}, {20, 20}, {30, 30}};
       },
       "/regions/0/polygon_mm", "crosses itself"},
      {"polygon too small",
       [](json& j) {
         j["regions"][0]["polygon_mm"] = {{10, 10}, {10.1, 10}, {10, 10.1}};
       },
       "/regions/0/polygon_mm", "encloses 0.005 mm^2"},
      {"region density missing", [](json& j) { j["regions"][0].erase("density_per_cm2"); },
       "/regions/0", "missing required field \"density_per_cm2\""},
      {"region density zero", [](json& j) { j["regions"][0]["density_per_cm2"] = 0; },
       "/regions/0/density_per_cm2", "greater than 0"},
      {"depth band inverted",
       [](json& j) {
         j["regions"][0]["depth_mm"] = {0.5, 0.3};
       },
       "/regions/0/depth_mm", "at least 0.05 mm wide"},
      {"depth too deep",
       [](json& j) {
         j["regions"][0]["depth_mm"] = {0.1, 7};
       },
       "/regions/0/depth_mm/1", "between 0 and 6 (got 7)"},
      {"depth band in fat",
       [](json& j) {
         j["regions"][0]["depth_mm"] = {0.5, 2.5};
       },
       "/regions/0/depth_mm/1", "below the dermis"},
      {"depth band wrong shape", [](json& j) { j["regions"][0]["depth_mm"] = 0.3; },
       "/regions/0/depth_mm", "expected a depth band"},
      {"role unknown", [](json& j) { j["regions"][0]["role"] = "paint"; }, "/regions/0/role",
       "must be one of"},
      {"region key typo", [](json& j) { j["regions"][0]["densty_per_cm2"] = 3; },
       "/regions/0/densty_per_cm2", "did you mean \"density_per_cm2\"?"},
      {"forbidden with density",
       [](json& j) {
         auto f = forbidden_region();
         f["density_per_cm2"] = 10;
         j["regions"].push_back(f);
       },
       "/regions/1/density_per_cm2", "forbidden region takes no pigment"},
      {"avoid with depth",
       [](json& j) {
         auto f = forbidden_region();
         f["role"] = "avoid";
         f["depth_mm"] = {0.1, 0.2};
         j["regions"].push_back(f);
       },
       "/regions/1/depth_mm", "should stay empty"},
      {"duplicate region id",
       [](json& j) {
         auto f = forbidden_region();
         f["id"] = "square";
         j["regions"].push_back(f);
       },
       "/regions/1/id", "duplicate region id \"square\" (already used by /regions/0)"},
      {"scar props on treat", [](json& j) { j["regions"][0]["scar"] = json::object(); },
       "/regions/0/scar", "only a region with role \"scar\""},
      {"scar uptake zero",
       [](json& j) {
         auto r = scar_region();
         r["scar"] = {{"uptake", 0}};
         j["regions"].push_back(r);
       },
       "/regions/1/scar/uptake", "greater than 0 and at most 1"},
      {"region layers typo",
       [](json& j) {
         j["regions"][0]["layers"] = {{"dermis_mm", 1}};
       },
       "/regions/0/layers/dermis_mm", "unknown field"},
      {"hairline one point",
       [](json& j) {
         j["hairline_front_mm"] = {{1, 1}};
       },
       "/hairline_front_mm", "at least 2 points"},
      {"transition without hairline",
       [](json& j) { j["regions"][0]["role"] = "hairline_transition"; }, "",
       "missing required field \"hairline_front_mm\""},
      {"only forbidden regions", [](json& j) { j["regions"] = json::array({forbidden_region()}); },
       "/regions", "no region to work on"},
      {"scar case without scar region", [](json& j) { j["case"] = "scar"; }, "/regions",
       "a scar case needs"},
      {"thinning without hairs", [](json& j) { j["case"] = "thinning"; }, "/patient",
       "missing required field \"existing_hairs\""},
      {"pigments empty", [](json& j) { j["pigments_allowed"] = json::array(); },
       "/pigments_allowed", "at least one pigment"},
      {"pigment unknown", [](json& j) { j["pigments_allowed"] = {"india-ink"}; },
       "/pigments_allowed/0", "unknown pigment \"india-ink\""},
      {"pigment listed twice",
       [](json& j) { j["pigments_allowed"].push_back(j["pigments_allowed"][0]); },
       "/pigments_allowed/1", "listed twice"},
      {"temporary pigment in permanent scenario",
       [&](json& j) { j["pigments_allowed"].push_back(temporary); }, "/pigments_allowed/1",
       "is a temporary pigment"},
      {"permanent pigment in temporary scenario", [](json& j) { j["technique"] = "temporary"; },
       "/pigments_allowed/0", "is a permanent pigment"},
      {"target colour wrong type", [](json& j) { j["target_color"] = "grey"; }, "/target_color",
       "expected a CIELAB colour"},
      {"default pigment not allowed",
       [&](json& j) {
         j["defaults"] = {{"pigment", temporary}};
       },
       "/defaults/pigment", "not in \"pigments_allowed\""},
      {"default needle unknown",
       [](json& j) {
         j["defaults"] = {{"needle", "2RL"}};
       },
       "/defaults/needle", "needle \"2RL\""},
      {"dilution 1",
       [](json& j) {
         j["defaults"] = {{"dilution", 1.0}};
       },
       "/defaults/dilution", "between 0 and 0.95"},
      {"machine frequency",
       [](json& j) {
         j["defaults"] = {{"machine", {{"frequency_hz", 1000}}}};
       },
       "/defaults/machine/frequency_hz", "between 50 and 200"},
      {"pass overall 120",
       [](json& j) {
         j["pass"] = {{"overall", 120}};
       },
       "/pass/overall", "between 0 and 100"},
      {"weights overall unknown",
       [](json& j) {
         j["weights"] = {{"overall", 1}};
       },
       "/weights/overall", "unknown field"},
      {"weights all zero",
       [](json& j) {
         j["weights"] = {{"depth", 0}, {"spacing", 0}, {"blurring", 0}, {"color", 0}, {"case", 0}};
       },
       "/weights", "at least one weight"},
      {"time limit negative", [](json& j) { j["time_limit_s"] = -5; }, "/time_limit_s",
       "greater than 0"},
      {"hairs both forms",
       [](json& j) {
         j["patient"]["existing_hairs"] = {{"positions_mm", {{20, 20}}}, {"seed", 1}};
       },
       "/patient/existing_hairs", "not both"},
      {"hairs neither form", [](json& j) { j["patient"]["existing_hairs"] = json::object(); },
       "/patient/existing_hairs", "needs \"positions_mm\""},
      {"hairs unknown region",
       [](json& j) {
         j["patient"]["existing_hairs"] = {
             {"density_per_cm2", 20}, {"region", "crown"}, {"seed", 1}};
       },
       "/patient/existing_hairs/region", "no region with id \"crown\""},
      {"hairs missing seed",
       [](json& j) {
         j["patient"]["existing_hairs"] = {{"density_per_cm2", 20}, {"region", "square"}};
       },
       "/patient/existing_hairs", "missing required field \"seed\""},
      {"hairs negative seed",
       [](json& j) {
         j["patient"]["existing_hairs"] = {
             {"density_per_cm2", 20}, {"region", "square"}, {"seed", -1}};
       },
       "/patient/existing_hairs/seed", "from 0 to 18446744073709551615"},
      {"hair outside pad",
       [](json& j) {
         j["patient"]["existing_hairs"] = {{"positions_mm", {{20, 20}, {-5, 20}}}};
       },
       "/patient/existing_hairs/positions_mm/1", "outside the practice pad"},
      {"schema v2", [](json& j) { j["schema"] = "smp-scenario/2"; }, "/schema",
       "unsupported scenario format \"smp-scenario/2\""},
      {"schema is a session", [](json& j) { j["schema"] = "smp-session/1"; }, "/schema",
       "session log"},
      {"schema missing", [](json& j) { j.erase("schema"); }, "",
       "missing required field \"schema\""},
      {"root not object",
       [](json& j) {
         j = json::array({1, 2});
       },
       "", "expected a JSON object at the top level, got an array"},
      {"head bounds",
       [](json& j) {
         j["surface"] = "head";
         j["regions"][0]["polygon_mm"][0] = {10, 200};
       },
       "/regions/0/polygon_mm/0", "outside the head map"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json j = minimal();
    c.mutate(j);
    const auto r = parse(j);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(has_error(r, c.pointer, c.message))
        << "wanted " << c.pointer << ": " << c.message << "\ngot:\n"
        << dump_errors(r);
    for (const auto& e : r.errors()) EXPECT_EQ(e.file, "test.json");
  }
}

// The loader's self-intersection check (grid broad phase) agrees with plain all-pairs testing on
// random polygons, crossing and not.
bool brute_force_crosses(const std::vector<PointMm>& v) {
  auto orient = [](PointMm o, PointMm a, PointMm b) {
    const double c = (a.x_mm - o.x_mm) * (b.y_mm - o.y_mm) - (a.y_mm - o.y_mm) * (b.x_mm - o.x_mm);
    return (c > 0) - (c < 0);
  };
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (j == i + 1 || (i == 0 && j == n - 1)) continue;
      const PointMm a = v[i], b = v[(i + 1) % n], c = v[j], d = v[(j + 1) % n];
      if (orient(a, b, c) * orient(a, b, d) < 0 && orient(c, d, a) * orient(c, d, b) < 0)
        return true;
    }
  }
  return false;
}

TEST(ScenarioParse, SelfIntersectionMatchesAllPairs) {
  std::uint64_t state = 12345;
  auto next01 = [&] {  // a small LCG: test data only
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  int crossing = 0, simple = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 4 + static_cast<int>(next01() * 60);
    std::vector<PointMm> v;
    const bool star = trial % 2 == 0;  // star-shaped polygons are simple; random ones mostly not
    for (int k = 0; k < n; ++k) {
      if (star) {
        const double ang = 2 * 3.14159265358979 * (k + 0.5 * next01()) / n;
        const double rad = 5 + 40 * next01();
        v.push_back({50 + rad * std::cos(ang), 50 + rad * std::sin(ang)});
      } else {
        v.push_back({5 + 90 * next01(), 5 + 90 * next01()});
      }
    }
    json j = minimal();
    json poly = json::array();
    for (const auto& p : v) poly.push_back({p.x_mm, p.y_mm});
    j["regions"][0]["polygon_mm"] = poly;
    const auto r = parse(j);
    const bool expect = brute_force_crosses(v);
    (expect ? crossing : simple)++;
    EXPECT_EQ(has_error(r, "/regions/0/polygon_mm", "crosses itself"), expect) << "trial " << trial;
    if (!expect) {
      EXPECT_TRUE(r.ok()) << dump_errors(r);
    }
  }
  EXPECT_GT(crossing, 100);
  EXPECT_GT(simple, 100);
}

TEST(ScenarioParse, ReportsEveryErrorNotJustTheFirst) {
  json j = minimal();
  j["title"] = 1;
  j["level"] = 9;
  j["regions"][0]["depth_mm"] = {0.4, 0.2};
  j["pigments_allowed"] = {"nope"};
  j["colour"] = "x";
  const auto r = parse(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors().size(), 5u) << dump_errors(r);
  EXPECT_TRUE(has_error(r, "/title", "expected a string"));
  EXPECT_TRUE(has_error(r, "/level", "from 1 to 5"));
  EXPECT_TRUE(has_error(r, "/regions/0/depth_mm", "wide"));
  EXPECT_TRUE(has_error(r, "/pigments_allowed/0", "unknown pigment"));
  EXPECT_TRUE(has_error(r, "/colour", "unknown field"));
}

TEST(ScenarioParse, ErrorFloodIsCapped) {
  json j = minimal();
  json poly = json::array();
  for (int i = 0; i < 500; ++i) poly.push_back({"x", "y"});
  j["regions"][0]["polygon_mm"] = poly;
  const auto r = parse(j);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors().size(), 101u);
  EXPECT_NE(r.errors().back().message.find("more errors not listed"), std::string::npos);
}

TEST(ScenarioParse, RegionAndVertexLimits) {
  json j = minimal();
  json many = json::array();
  for (int i = 0; i < 5001; ++i) {
    many.push_back({{"id", "r" + std::to_string(i)},
                    {"role", "avoid"},
                    {"polygon_mm", {{1, 1}, {2, 1}, {1, 2}}}});
  }
  j["regions"] = many;
  auto r = parse(j);
  EXPECT_TRUE(has_error(r, "/regions", "has 5001 regions, at most 5000 allowed")) << dump_errors(r);

  // Eleven 10,000-vertex circles pass the per-polygon limit but not the 100,000 total.
  json circles = json::array();
  for (int k = 0; k < 11; ++k) {
    json poly = json::array();
    for (int i = 0; i < 10000; ++i) {
      const double a = 2 * 3.14159265358979 * i / 10000;
      // Rounded to 1 um so the document stays under the 4 MiB file limit.
      poly.push_back({std::round((50 + 40 * std::cos(a)) * 1000) / 1000,
                      std::round((50 + 40 * std::sin(a)) * 1000) / 1000});
    }
    circles.push_back({{"id", "c" + std::to_string(k)},
                       {"role", "treat"},
                       {"polygon_mm", poly},
                       {"density_per_cm2", 20},
                       {"depth_mm", {0.1, 0.3}}});
  }
  j["regions"] = circles;
  r = parse_scenario(j.dump(), "test.json");
  EXPECT_TRUE(has_error(r, "/regions/10/polygon_mm", "110000 vertices in total, at most 100000"))
      << dump_errors(r);
  EXPECT_EQ(r.errors().size(), 1u) << dump_errors(r);
}

TEST(ScenarioParse, DuplicateJsonKeyIsAnError) {
  const std::string text = minimal().dump();
  // Insert a second "title" right after the opening brace.
  const std::string dup = "{\"title\": \"Other\", " + text.substr(1);
  const auto r = parse_scenario(dup, "dup.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r, "/title", "duplicate key \"title\"")) << dump_errors(r);
}

TEST(ScenarioParse, DuplicateKeyFloodIsCapped) {
  std::string text = "{";
  for (int i = 0; i < 1000; ++i) text += "\"x\": 1, ";
  text += "\"x\": 1}";
  const auto r = parse_scenario(text, "dup.json");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors().size(), 101u);
  EXPECT_EQ(r.errors()[0].pointer, "/x");
  EXPECT_NE(r.errors().back().message.find("more errors not listed"), std::string::npos);
}

TEST(ScenarioParse, MalformedJsonGivesLineAndColumn) {
  const auto r = parse_scenario("{\n  \"schema\": \"smp-scenario/1\",\n  \"id\": ,\n}", "bad.json");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors().size(), 1u);
  const Error& e = r.errors()[0];
  EXPECT_EQ(e.file, "bad.json");
  EXPECT_EQ(e.pointer, "");
  EXPECT_NE(e.message.find("malformed JSON at line 3, column 9"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("(byte offset 40)"), std::string::npos) << e.message;

  for (const std::string& text : {std::string(""), std::string("{} trailing"),
                                  std::string("{\"a\": \"\xff\"}"), std::string("{\"a\": 1,}")}) {
    const auto bad = parse_scenario(text, "bad.json");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.errors()[0].message.find("malformed JSON"), std::string::npos)
        << bad.errors()[0].message;
  }
}

TEST(ScenarioParse, DeepNestingIsRefusedWithoutCrashing) {
  const std::string deep(200000, '[');
  const auto r = parse_scenario(deep, "deep.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors()[0].message.find("nested deeper than"), std::string::npos);
}

TEST(ScenarioParse, HugeTextIsRefusedBeforeParsing) {
  // Valid JSON padded past the limit: refused on size alone.
  std::string text = minimal().dump();
  text.append(kMaxScenarioBytes, ' ');
  const auto r = parse_scenario(text, "huge.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors()[0].message.find("at most 4194304 bytes"), std::string::npos);
}

TEST(ScenarioParse, DepthBandFollowsRegionAndScarLayers) {
  // 0.5-1.6 mm fits the default dermis (ends at 1.8 mm) but not a scar whose dermis is 0.6 thick.
  json j = minimal();
  j["case"] = "scar";
  auto scar = scar_region();
  scar["depth_mm"] = {0.5, 1.6};
  scar["scar"] = {{"thickness_factor", 0.6}};
  j["regions"].push_back(scar);
  auto r = parse(j);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r, "/regions/1/depth_mm/1", "below the dermis")) << dump_errors(r);
  j["regions"][1]["scar"]["thickness_factor"] = 1.0;
  r = parse(j);
  EXPECT_TRUE(r.ok()) << dump_errors(r);
  // A thicker reticular layer in the region lets a deeper band through.
  j["regions"][0]["depth_mm"] = {0.5, 2.2};
  EXPECT_FALSE(parse(j).ok());
  j["regions"][0]["layers"] = {{"reticular_mm", 2.0}};
  r = parse(j);
  EXPECT_TRUE(r.ok()) << dump_errors(r);
}

// ---------------------------------------------------------------- files

class ScenarioFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("smp-scenario-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(ScenarioFiles, MissingFileAndDirectory) {
  const std::string missing = (dir_ / "nope.json").string();
  auto r = load_scenario_file(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].file, missing);
  EXPECT_EQ(r.errors()[0].to_string(), missing + ": cannot open: no such file");
  r = load_scenario_file(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors()[0].message.find("is a directory"), std::string::npos);
}

TEST_F(ScenarioFiles, HugeFileIsRefusedBeforeReading) {
  std::string text = minimal().dump();
  text.append(kMaxScenarioBytes, ' ');
  const std::string path = write("huge.json", text);
  const auto r = load_scenario_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].to_string(),
            path + ": file is " + std::to_string(text.size()) +
                " bytes; a scenario may be at most 4194304 bytes (4 MiB)");
}

TEST_F(ScenarioFiles, LoadedFileKeepsPathAndHash) {
  const std::string text = minimal().dump(2);
  const std::string path = write("ok.json", text);
  const auto r = load_scenario_file(path);
  ASSERT_TRUE(r.ok()) << dump_errors(r);
  EXPECT_EQ(r->source_path, path);
  EXPECT_EQ(r->content_sha256, sha256_hex(text));
  const auto bad = load_scenario_file(write("bad.json", "{\"schema\": 1}"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.errors()[0].file, (dir_ / "bad.json").string());
  EXPECT_EQ(bad.errors()[0].pointer, "/schema");
}

// ---------------------------------------------------------------- sha256, Error

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(ErrorText, FileThenPointerThenMessage) {
  EXPECT_EQ((Error{"a.json", "/regions/0", "bad"}).to_string(), "a.json: /regions/0: bad");
  EXPECT_EQ((Error{"a.json", "", "bad"}).to_string(), "a.json: bad");
}

// ---------------------------------------------------------------- existing hairs

json with_generated_hairs(std::uint64_t seed, double density) {
  json j = minimal();
  j["case"] = "thinning";
  j["patient"]["existing_hairs"] = {
      {"density_per_cm2", density}, {"region", "square"}, {"seed", seed}};
  return j;
}

TEST(ExistingHairs, GeneratedDeterministicallyInsideTheRegionAndSpaced) {
  const auto a = parse(with_generated_hairs(4021, 45));
  const auto b = parse(with_generated_hairs(4021, 45));
  const auto c = parse(with_generated_hairs(4022, 45));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << dump_errors(a);
  const auto& hairs = a->patient.hairs_mm;
  EXPECT_EQ(hairs, b->patient.hairs_mm);
  EXPECT_NE(hairs, c->patient.hairs_mm);
  // 40 x 40 mm = 16 cm^2 at 45/cm^2 = 720 hairs; dart throwing reaches the target easily at this
  // spacing (covered fraction ~20%, far below saturation).
  EXPECT_EQ(hairs.size(), 720u);
  const double min_spacing = 0.5 * std::sqrt(100.0 / 45.0);
  const PolygonMm& square = a->regions[0].polygon_mm;
  for (std::size_t i = 0; i < hairs.size(); ++i) {
    ASSERT_TRUE(point_in_polygon(square, hairs[i]));
    for (std::size_t k = i + 1; k < hairs.size(); ++k) {
      ASSERT_GE(distance_mm(hairs[i], hairs[k]), min_spacing);
    }
  }
  // Spread over the whole region, not clumped: every 10 x 10 mm quarter-cell holds some.
  for (int qx = 0; qx < 4; ++qx) {
    for (int qy = 0; qy < 4; ++qy) {
      const auto n = std::count_if(hairs.begin(), hairs.end(), [&](PointMm p) {
        return p.x_mm >= 10 + 10 * qx && p.x_mm < 20 + 10 * qx && p.y_mm >= 10 + 10 * qy &&
               p.y_mm < 20 + 10 * qy;
      });
      EXPECT_GT(n, 20) << qx << "," << qy;
    }
  }
}

TEST(ExistingHairs, FirstHairFollowsTheDocumentedSplitMix64Draw) {
  // SplitMix64 reference outputs for seed 1234567 (Vigna's splitmix64.c; the widely published
  // test vector): 6457827717110365317, 3203168211198807973. The first candidate in a rectangle is
  // always inside, so it is the first hair: x = min_x + u0 * width, y = min_y + u1 * height with
  // u = (v >> 11) * 2^-53 (docs/scenario-format.md, "Existing hairs").
  const auto r = parse(with_generated_hairs(1234567, 10));
  ASSERT_TRUE(r.ok()) << dump_errors(r);
  ASSERT_FALSE(r->patient.hairs_mm.empty());
  const double u0 = static_cast<double>(6457827717110365317ull >> 11) * 0x1.0p-53;
  const double u1 = static_cast<double>(3203168211198807973ull >> 11) * 0x1.0p-53;
  EXPECT_EQ(r->patient.hairs_mm[0].x_mm, 10.0 + u0 * 40.0);
  EXPECT_EQ(r->patient.hairs_mm[0].y_mm, 10.0 + u1 * 40.0);
}

TEST(ExistingHairs, ExplicitPositionsAndDiameter) {
  json j = minimal();
  j["patient"]["existing_hairs"] = {{"positions_mm", {{20, 20}, {21.5, 20.25}}},
                                    {"diameter_mm", 0.1}};
  const auto r = parse(j);
  ASSERT_TRUE(r.ok()) << dump_errors(r);
  ASSERT_EQ(r->patient.hairs_mm.size(), 2u);
  EXPECT_EQ(r->patient.hairs_mm[1], (PointMm{21.5, 20.25}));
  EXPECT_DOUBLE_EQ(r->patient.hair_diameter_mm, 0.1);
}

// ---------------------------------------------------------------- skin_at / regions_at

TEST(SkinAt, ScarTissueInsideScarRegionsAndLayerOverrides) {
  json j = minimal();
  j["case"] = "scar";
  j["skin"] = {{"reticular_mm", 1.5}};
  auto scar = scar_region();
  scar["scar"] = {{"stiffness", 2.0}, {"uptake", 0.5}, {"thickness_factor", 0.7}};
  j["regions"].push_back(scar);
  json thick = forbidden_region();
  thick["id"] = "thick";
  thick["role"] = "avoid";
  thick["layers"] = {{"epidermis_mm", 0.1}};
  j["regions"].push_back(thick);
  const auto r = parse(j);
  ASSERT_TRUE(r.ok()) << dump_errors(r);
  const Scenario& s = r.value();

  const SkinSample in_scar = skin_at(s, PointMm{25, 21});
  EXPECT_TRUE(in_scar.scar);
  EXPECT_DOUBLE_EQ(in_scar.scar_tissue.stiffness, 2.0);
  EXPECT_DOUBLE_EQ(in_scar.uptake(), 0.5);
  EXPECT_DOUBLE_EQ(in_scar.scar_tissue.thickness_factor, 0.7);
  // Layers stay the scenario's; effective_layers() applies the scar's thinner dermis.
  EXPECT_DOUBLE_EQ(in_scar.layers.reticular_mm, 1.5);
  EXPECT_DOUBLE_EQ(effective_layers(in_scar).reticular_mm, 1.5 * 0.7);
  EXPECT_EQ(regions_at(s, PointMm{25, 21}), (std::vector<std::size_t>{0, 1}));

  const SkinSample plain = skin_at(s, PointMm{25, 30});
  EXPECT_FALSE(plain.scar);
  EXPECT_DOUBLE_EQ(plain.stiffness(), 1.0);
  EXPECT_DOUBLE_EQ(plain.layers.reticular_mm, 1.5);
  EXPECT_EQ(regions_at(s, PointMm{25, 30}), (std::vector<std::size_t>{0}));

  const SkinSample over = skin_at(s, PointMm{70, 70});
  EXPECT_DOUBLE_EQ(over.layers.epidermis_mm, 0.1);
  EXPECT_DOUBLE_EQ(over.layers.reticular_mm, 1.5);  // region overrides start from the scenario's
  EXPECT_FALSE(over.scar);
  EXPECT_TRUE(regions_at(s, PointMm{95, 5}).empty());
}

TEST(SkinAt, ScarRegionWithoutPropertiesGetsDefaultScarTissue) {
  json j = minimal();
  j["case"] = "scar";
  j["regions"].push_back(scar_region());
  const auto r = parse(j);
  ASSERT_TRUE(r.ok()) << dump_errors(r);
  ASSERT_TRUE(r->regions[1].scar.has_value());
  const SkinSample s = skin_at(r.value(), PointMm{25, 21});
  EXPECT_TRUE(s.scar);
  EXPECT_DOUBLE_EQ(s.scar_tissue.stiffness, ScarTissue{}.stiffness);
  EXPECT_GT(s.stiffness(), 1.0);
}

// ---------------------------------------------------------------- target colour

Scenario patient_scenario(const char* hair, int fitz) {
  json j = minimal();
  j["patient"] = {{"fitzpatrick", fitz}, {"hair_color", hair}};
  auto r = parse(j);
  if (!r.ok()) throw std::runtime_error(dump_errors(r));
  return r.value();
}

TEST(TargetColour, DocumentedFormula) {
  // docs/scenario-format.md worked example: black hair (16, 1, 2) on Fitzpatrick III skin
  // (60, 11, 17): stubble = hair + 0.45 (skin - hair) = (35.8, 5.5, 8.75); the target keeps a
  // quarter of the chroma: (35.8, 1.375, 2.1875). A thinning case keeps half: (35.8, 2.75, 4.375).
  Scenario s = patient_scenario("black", 3);
  Lab t = target_color(s);
  EXPECT_NEAR(t.L, 35.8, 1e-9);
  EXPECT_NEAR(t.a, 1.375, 1e-9);
  EXPECT_NEAR(t.b, 2.1875, 1e-9);
  s.case_kind = CaseKind::kThinning;
  t = target_color(s);
  EXPECT_NEAR(t.L, 35.8, 1e-9);
  EXPECT_NEAR(t.a, 2.75, 1e-9);
  EXPECT_NEAR(t.b, 4.375, 1e-9);
  // Blond on type I: stubble L 58 + 0.45 * 12 = 63.4 is capped 8 below the skin (70): 62.
  EXPECT_NEAR(target_color(patient_scenario("blond", 1)).L, 62.0, 1e-9);
}

TEST(TargetColour, StubbleGreyLighterForBlondDarkerForDarkHairAndSkin) {
  const Lab blond_fair = target_color(patient_scenario("blond", 1));
  const Lab black_fair = target_color(patient_scenario("black", 1));
  const Lab black_dark = target_color(patient_scenario("black", 6));
  EXPECT_GT(blond_fair.L, black_fair.L + 15);
  EXPECT_LT(black_dark.L, black_fair.L);
  for (const char* hair :
       {"black", "dark_brown", "brown", "light_brown", "blond", "red", "grey", "white"}) {
    for (int fitz = 1; fitz <= 6; ++fitz) {
      const Scenario s = patient_scenario(hair, fitz);
      const Lab t = target_color(s);
      SCOPED_TRACE(std::string(hair) + " " + std::to_string(fitz));
      EXPECT_LT(std::hypot(t.a, t.b), 8.0);                        // reads grey
      EXPECT_LE(t.L, std::max(20.0, s.patient.skin_lab.L - 8.0));  // visible against the skin
      EXPECT_GE(t.L, 20.0);
    }
  }
}

}  // namespace
}  // namespace smp::sim
