// The JSON Schema in scenarios/schema/ must describe what the loader accepts: same field names at
// every level, same required top-level fields, and every shipped scenario uses only listed fields.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"

namespace smp::sim {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

json read_json(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return json::parse(ss.str());
}

const json& schema() {
  static const json s =
      read_json(fs::path(SMP_SOURCE_DIR) / "scenarios/schema/smp-scenario-1.schema.json");
  return s;
}

std::set<std::string> keys_of(const json& properties) {
  std::set<std::string> out;
  for (const auto& [k, v] : properties.items()) out.insert(k);
  return out;
}

std::string permanent_pigment() {
  auto cat = PigmentCatalogue::load_default();
  for (const auto& p : cat.value().all()) {
    if (p.particle == ParticleClass::kPermanent) return p.id;
  }
  return "";
}

// Uses every field the loader reads (explicit-position hairs; the generated form is below).
json kitchen_sink() {
  const std::string pig = permanent_pigment();
  return json{
      {"schema", "smp-scenario/1"},
      {"id", "kitchen-sink"},
      {"version", 2},
      {"title", "Every field"},
      {"description", "Uses every field of the format."},
      {"level", 3},
      {"case", "scar"},
      {"technique", "permanent"},
      {"surface", "head"},
      {"mode", "assessment"},
      {"patient",
       {{"fitzpatrick", 4},
        {"hair_color", "brown"},
        {"hair_lab", {30, 5, 10}},
        {"skin_lab", {55, 11, 19}},
        {"existing_hairs", {{"positions_mm", {{1, 50}, {3, 52}}}, {"diameter_mm", 0.09}}}}},
      {"skin",
       {{"epidermis_mm", 0.08}, {"papillary_mm", 0.3}, {"reticular_mm", 1.4}, {"subcutis_mm", 4}}},
      {"regions",
       json::array(
           {json{{"id", "fill"},
                 {"role", "hairline_transition"},
                 {"polygon_mm", {{-20, 0}, {20, 0}, {20, 10}, {-20, 10}}},
                 {"density_per_cm2", 30},
                 {"depth_mm", {0.1, 0.4}},
                 {"layers", {{"reticular_mm", 1.2}}}},
            json{{"id", "scar"},
                 {"role", "scar"},
                 {"polygon_mm", {{-5, 4}, {5, 4}, {5, 6}, {-5, 6}}},
                 {"density_per_cm2", 30},
                 {"depth_mm", {0.1, 0.35}},
                 {"scar",
                  {{"thickness_factor", 0.8},
                   {"stiffness", 1.5},
                   {"uptake", 0.7},
                   {"migration", 0.1}}}},
            json{{"id", "forehead"},
                 {"role", "forbidden"},
                 {"polygon_mm", {{-20, -2}, {20, -2}, {0, -30}}}},
            json{{"id", "mole"}, {"role", "avoid"}, {"polygon_mm", {{10, 2}, {12, 2}, {11, 3}}}}})},
      {"hairline_front_mm", {{-20, 0}, {0, 0}, {20, 0}}},
      {"pigments_allowed", {pig}},
      {"target_color", {35, 1, 2}},
      {"defaults",
       {{"needle", "3RL@0.25"},
        {"pigment", pig},
        {"dilution", 0.2},
        {"machine", {{"protrusion_mm", 1.0}, {"frequency_hz", 120}}}}},
      {"pass",
       {{"overall", 70},
        {"depth", 70},
        {"spacing", 70},
        {"blurring", 70},
        {"color", 70},
        {"case", 70}}},
      {"weights", {{"depth", 1}, {"spacing", 1}, {"blurring", 1}, {"color", 1}, {"case", 1}}},
      {"time_limit_s", 600},
      {"pass_rules",
       {{"min_in_band_pct", 90},
        {"max_touching_pct", 5},
        {"min_coverage_pct", 80},
        {"density_ratio", {0.75, 1.3333}},
        {"max_stray_pct", 5},
        {"over_time", "fail"}}},
  };
}

bool unknown_field_error(const Result<Scenario>& r, const std::string& pointer) {
  for (const auto& e : r.errors()) {
    if (e.pointer == pointer && e.message.find("unknown field") != std::string::npos) return true;
  }
  return false;
}

TEST(ScenarioSchema, IsDraft202012AndClosed) {
  EXPECT_EQ(schema()["$schema"], "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(schema()["type"], "object");
  EXPECT_EQ(schema()["additionalProperties"], false);
  EXPECT_EQ(schema()["properties"]["schema"]["const"], "smp-scenario/1");
  // Every object definition rejects unknown keys, like the loader.
  for (const char* def : {"layers", "scar", "patient", "region", "pass_rules"}) {
    EXPECT_EQ(schema()["$defs"][def]["additionalProperties"], false) << def;
  }
}

TEST(ScenarioSchema, KitchenSinkLoadsAndUsesExactlyTheSchemaFields) {
  const json doc = kitchen_sink();
  const auto r = parse_scenario(doc.dump(), "sink.json");
  ASSERT_TRUE(r.ok()) << (r.ok() ? "" : r.errors().front().to_string());
  const json& props = schema()["properties"];
  EXPECT_EQ(keys_of(doc), keys_of(props));
  const json& defs = schema()["$defs"];
  EXPECT_EQ(keys_of(doc["patient"]), keys_of(defs["patient"]["properties"]));
  EXPECT_EQ(keys_of(doc["skin"]), keys_of(defs["layers"]["properties"]));
  EXPECT_EQ(keys_of(doc["pass_rules"]), keys_of(defs["pass_rules"]["properties"]));
  std::set<std::string> region_keys;
  for (const auto& reg : doc["regions"]) {
    for (const auto& [k, v] : reg.items()) region_keys.insert(k);
  }
  EXPECT_EQ(region_keys, keys_of(defs["region"]["properties"]));
  EXPECT_EQ(keys_of(doc["regions"][1]["scar"]), keys_of(defs["scar"]["properties"]));
  EXPECT_EQ(keys_of(doc["defaults"]), keys_of(props["defaults"]["properties"]));
  EXPECT_EQ(keys_of(doc["defaults"]["machine"]),
            keys_of(props["defaults"]["properties"]["machine"]["properties"]));
  EXPECT_EQ(keys_of(doc["pass"]), keys_of(props["pass"]["properties"]));
  EXPECT_EQ(keys_of(doc["weights"]), keys_of(props["weights"]["properties"]));
  const json& hair_forms = defs["patient"]["properties"]["existing_hairs"]["oneOf"];
  EXPECT_EQ(keys_of(doc["patient"]["existing_hairs"]), keys_of(hair_forms[0]["properties"]));
  // The generated-hairs form.
  json gen = doc;
  gen["patient"]["existing_hairs"] = {
      {"density_per_cm2", 20}, {"region", "fill"}, {"seed", 5}, {"diameter_mm", 0.07}};
  const auto g = parse_scenario(gen.dump(), "sink.json");
  ASSERT_TRUE(g.ok()) << (g.ok() ? "" : g.errors().front().to_string());
  EXPECT_EQ(keys_of(gen["patient"]["existing_hairs"]), keys_of(hair_forms[1]["properties"]));
}

TEST(ScenarioSchema, LoaderRejectsWhatTheSchemaDoesNotList) {
  json doc = kitchen_sink();
  doc["extra"] = 1;
  doc["patient"]["extra"] = 1;
  doc["regions"][0]["extra"] = 1;
  doc["defaults"]["machine"]["extra"] = 1;
  doc["pass"]["extra"] = 1;
  const auto r = parse_scenario(doc.dump(), "sink.json");
  ASSERT_FALSE(r.ok());
  for (const char* p :
       {"/extra", "/patient/extra", "/regions/0/extra", "/defaults/machine/extra", "/pass/extra"}) {
    EXPECT_TRUE(unknown_field_error(r, p)) << p;
  }
}

TEST(ScenarioSchema, RequiredTopLevelFieldsMatch) {
  const json doc = kitchen_sink();
  std::set<std::string> required;
  for (const auto& k : schema()["required"]) required.insert(k.get<std::string>());
  for (const auto& [key, value] : doc.items()) {
    json d = doc;
    d.erase(key);
    const auto r = parse_scenario(d.dump(), "sink.json");
    bool missing = false;
    for (const auto& e : r.errors()) {
      missing = missing || (e.pointer.empty() &&
                            e.message.find("missing required field \"" + key + "\"") == 0);
    }
    // hairline_front_mm is required here only because the sink has a transition region; the
    // schema says the same with its if/then rule.
    if (key == "hairline_front_mm") {
      EXPECT_TRUE(missing);
      continue;
    }
    EXPECT_EQ(missing, required.count(key) == 1) << key;
  }
}

TEST(ScenarioSchema, ShippedScenariosUseOnlyListedFields) {
  // Structural check without a validator library: every object key in a shipped scenario is
  // declared somewhere in the schema (the loader's own rejection of unknown keys is tested above).
  std::set<std::string> declared;
  std::function<void(const json&)> collect = [&](const json& n) {
    if (n.is_object()) {
      if (n.contains("properties")) {
        for (const auto& [k, v] : n["properties"].items()) declared.insert(k);
      }
      for (const auto& [k, v] : n.items()) collect(v);
    } else if (n.is_array()) {
      for (const auto& v : n) collect(v);
    }
  };
  collect(schema());
  std::function<void(const json&, const std::string&)> check = [&](const json& n,
                                                                   const std::string& where) {
    if (n.is_object()) {
      for (const auto& [k, v] : n.items()) {
        EXPECT_TRUE(declared.count(k)) << where << "/" << k;
        check(v, where + "/" + k);
      }
    } else if (n.is_array()) {
      for (const auto& v : n) check(v, where);
    }
  };
  int files = 0;
  for (const auto& e : fs::directory_iterator(fs::path(SMP_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() != ".json") continue;
    ++files;
    check(read_json(e.path()), e.path().filename().string());
  }
  EXPECT_GE(files, 10);
}

}  // namespace
}  // namespace smp::sim
