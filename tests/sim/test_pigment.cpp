#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "smp/sim/pigment.h"

namespace smp::sim {
namespace {

namespace fs = std::filesystem;

std::string entry(const std::string& id, const std::string& extra = "") {
  return R"({"id": ")" + id +
         R"(", "name": "Test", "lab": {"L": 30, "a": 0, "b": 0}, "carbon_black_fraction": 1,
            "particle": "permanent", "particle_size_um": 20)" +
         extra + "}";
}
std::string doc(const std::string& pigments) {
  return R"({"schema": "smp-pigments/1", "pigments": [)" + pigments + "]}";
}

// Every error of a failed parse, as "pointer|message" for readable assertions.
std::vector<std::string> errors_of(const std::string& text) {
  const auto r = PigmentCatalogue::parse(text, "cat.json");
  EXPECT_FALSE(r.ok()) << text;
  std::vector<std::string> out;
  for (const Error& e : r.errors()) {
    EXPECT_EQ(e.file, "cat.json");
    EXPECT_FALSE(e.message.empty());
    out.push_back(e.pointer + "|" + e.message);
  }
  return out;
}

bool has_pointer(const std::vector<std::string>& errs, const std::string& pointer) {
  for (const std::string& e : errs) {
    if (e.substr(0, e.find('|')) == pointer) return true;
  }
  return false;
}

TEST(Pigment, ShippedCatalogueLoadsAndIsRealistic) {
  const auto r = PigmentCatalogue::load_default();
  ASSERT_TRUE(r.ok()) << (r.errors().empty() ? "" : r.errors()[0].to_string());
  const PigmentCatalogue& cat = r.value();
  EXPECT_GE(cat.all().size(), 8u);
  EXPECT_LE(cat.all().size(), 12u);
  const Pigment* black = cat.find("carbon-black-neat");
  ASSERT_NE(black, nullptr);
  EXPECT_EQ(black->particle, ParticleClass::kPermanent);
  EXPECT_DOUBLE_EQ(black->carbon_black_fraction, 1.0);
  EXPECT_EQ(cat.find("no-such-pigment"), nullptr);
  int temporary = 0;
  for (const Pigment& p : cat.all()) {
    // Every colour is a dark-to-mid neutral-ish pigment that sRGB can show.
    EXPECT_LT(p.color.L, 50.0) << p.id;
    EXPECT_LT(ciede2000(p.color, srgb_to_lab(lab_to_srgb(p.color))), 0.1) << p.id;
    if (p.particle == ParticleClass::kTemporary) {
      ++temporary;
      EXPECT_EQ(p.carbon_black_fraction, 0.0) << p.id << ": temporary clinics avoid black";
      EXPECT_LT(p.particle_size_um, 15.0) << p.id;
    }
  }
  EXPECT_GE(temporary, 2);
  // The pre-diluted grey shade scale gets lighter with the shade number (domain.md "Colour").
  double last_l = 0.0;
  for (const char* id :
       {"carbon-black-neat", "smp-grey-1", "smp-grey-2", "smp-grey-3", "smp-grey-4"}) {
    const Pigment* p = cat.find(id);
    ASSERT_NE(p, nullptr) << id;
    EXPECT_GT(p->color.L, last_l) << id;
    last_l = p->color.L;
  }
}

TEST(Pigment, AssetDirHonoursEnvironment) {
  const fs::path dir = fs::temp_directory_path() / "smp-test-pigment-assets";
  fs::create_directories(dir);
  { std::ofstream(dir / "pigments.json") << doc(entry("only-one")); }
  ASSERT_EQ(setenv("SMP_ASSET_DIR", dir.c_str(), 1), 0);
  EXPECT_EQ(asset_dir(), dir.string());
  const auto r = PigmentCatalogue::load_default();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().all().size(), 1u);
  EXPECT_EQ(r.value().all()[0].id, "only-one");
  ASSERT_EQ(unsetenv("SMP_ASSET_DIR"), 0);
  EXPECT_EQ(asset_dir(), std::string(SMP_SOURCE_DIR) + "/assets");
  fs::remove_all(dir);
}

TEST(Pigment, ParsesAllFields) {
  const auto r = PigmentCatalogue::parse(
      R"({"schema": "smp-pigments/1", "description": "d", "pigments": [
        {"id": "iron-brown", "name": "Iron brown", "lab": {"L": 29, "a": 5.5, "b": -8},
         "carbon_black_fraction": 0, "particle": "temporary", "particle_size_um": 6,
         "note": "n"}]})",
      "<memory>");
  ASSERT_TRUE(r.ok());
  const Pigment& p = r.value().all().at(0);
  EXPECT_EQ(p.id, "iron-brown");
  EXPECT_EQ(p.name, "Iron brown");
  EXPECT_EQ(p.color, (Lab{29, 5.5, -8}));
  EXPECT_EQ(p.carbon_black_fraction, 0.0);
  EXPECT_EQ(p.particle, ParticleClass::kTemporary);
  EXPECT_EQ(p.particle_size_um, 6.0);
}

TEST(Pigment, MalformedDocumentsNameFileAndPointer) {
  auto e = errors_of("{\"schema\": ");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("|not valid JSON"), std::string::npos) << e[0];
  EXPECT_TRUE(has_pointer(errors_of("[1, 2]"), ""));
  EXPECT_TRUE(has_pointer(errors_of(R"({"schema": "smp-pigments/2", "pigments": []})"), "/schema"));
  EXPECT_TRUE(has_pointer(errors_of(R"({"pigments": []})"), ""));  // missing schema
  EXPECT_TRUE(has_pointer(errors_of(R"({"schema": "smp-pigments/1"})"), ""));
  EXPECT_TRUE(
      has_pointer(errors_of(R"({"schema": "smp-pigments/1", "pigments": {}})"), "/pigments"));
  EXPECT_TRUE(has_pointer(errors_of(doc("")), "/pigments"));  // empty list
  EXPECT_TRUE(has_pointer(errors_of(doc(entry("a") + ", 7")), "/pigments/1"));
  // Unknown keys are reported (with RFC 6901 escaping) rather than silently ignored.
  EXPECT_TRUE(has_pointer(
      errors_of(R"({"schema": "smp-pigments/1", "pigments": [)" + entry("a") + R"(], "x/y~": 1})"),
      "/x~1y~0"));
  EXPECT_TRUE(has_pointer(errors_of(doc(entry("a", R"(, "colour": 1)"))), "/pigments/0/colour"));
}

TEST(Pigment, MalformedEntriesNameTheField) {
  const std::string base = R"({"id": "a", "name": "A", "lab": {"L": 30, "a": 0, "b": 0},
      "carbon_black_fraction": 1, "particle": "permanent", "particle_size_um": 20})";
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    const std::size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return errors_of(doc(s));
  };
  EXPECT_TRUE(has_pointer(with(R"("id": "a", )", ""), "/pigments/0"));
  EXPECT_TRUE(has_pointer(with(R"("id": "a")", R"("id": "")"), "/pigments/0/id"));
  EXPECT_TRUE(has_pointer(with(R"("id": "a")", R"("id": "Black Ink")"), "/pigments/0/id"));
  EXPECT_TRUE(has_pointer(with(R"("name": "A")", R"("name": 3)"), "/pigments/0/name"));
  EXPECT_TRUE(has_pointer(with(R"("L": 30)", R"("L": "30")"), "/pigments/0/lab/L"));
  EXPECT_TRUE(has_pointer(with(R"("L": 30)", R"("L": 130)"), "/pigments/0/lab/L"));
  EXPECT_TRUE(has_pointer(with(R"("b": 0)", R"("b": -200)"), "/pigments/0/lab/b"));
  EXPECT_TRUE(has_pointer(with(R"("lab": {"L": 30, "a": 0, "b": 0})", R"("lab": [30, 0, 0])"),
                          "/pigments/0/lab"));
  EXPECT_TRUE(has_pointer(with(R"("carbon_black_fraction": 1)", R"("carbon_black_fraction": 1.5)"),
                          "/pigments/0/carbon_black_fraction"));
  EXPECT_TRUE(has_pointer(with(R"("permanent")", R"("forever")"), "/pigments/0/particle"));
  EXPECT_TRUE(has_pointer(with(R"("particle_size_um": 20)", R"("particle_size_um": 0)"),
                          "/pigments/0/particle_size_um"));
  // A "temporary" pigment must have particles small enough to be cleared (< 15 um).
  EXPECT_TRUE(
      has_pointer(with(R"("permanent")", R"("temporary")"), "/pigments/0/particle_size_um"));
  // A number too large for a double is a parse failure (no exception escapes, no infinity).
  const auto huge = with(R"("L": 30)", R"("L": 1e999)");
  ASSERT_EQ(huge.size(), 1u);
  EXPECT_NE(huge[0].find("overflow"), std::string::npos) << huge[0];
}

TEST(Pigment, HostileValuesAreDescribedNotDumped) {
  // A deeply nested value where a string belongs must not be serialised into the message.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto e = errors_of(doc(entry("a", R"(, "particle": )" + deep)));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "/pigments/0/particle|expected \"permanent\" or \"temporary\", got an array");
  // A long multi-byte string is cut for the message without breaking UTF-8 handling.
  std::string long_text = "x";  // odd length: byte 60 falls inside a 2-byte character
  for (int i = 0; i < 50; ++i) long_text += "\u00e9t\u00e9";
  e = errors_of(R"({"schema": ")" + long_text + R"(", "pigments": [)" + entry("a") + "]}");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].rfind("/schema|expected \"smp-pigments/1\", got \"", 0), 0u) << e[0];
  EXPECT_LT(e[0].size(), 200u);
}

TEST(Pigment, EveryErrorIsReportedAndDuplicatesRejected) {
  const auto e = errors_of(doc(entry("a") + "," + entry("b") + "," + entry("a") + "," +
                               R"({"id": "c", "name": 1, "lab": {"L": -1, "a": 0, "b": 0},
                                   "carbon_black_fraction": 2, "particle": "x",
                                   "particle_size_um": -3})"));
  EXPECT_TRUE(has_pointer(e, "/pigments/2/id"));
  for (const std::string& s : e) {
    if (s.rfind("/pigments/2/id|", 0) == 0) {
      EXPECT_NE(s.find("duplicate"), std::string::npos);
      EXPECT_NE(s.find("/pigments/0"), std::string::npos);  // where the first one is
    }
  }
  for (const char* p :
       {"/pigments/3/name", "/pigments/3/lab/L", "/pigments/3/carbon_black_fraction",
        "/pigments/3/particle", "/pigments/3/particle_size_um"}) {
    EXPECT_TRUE(has_pointer(e, p)) << p;
  }
  EXPECT_EQ(e.size(), 6u);
}

TEST(Pigment, FileErrors) {
  const auto missing = PigmentCatalogue::load_file("/nonexistent/dir/pigments.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.errors()[0].file, "/nonexistent/dir/pigments.json");
  EXPECT_EQ(missing.errors()[0].to_string().rfind("/nonexistent/dir/pigments.json: ", 0), 0u);

  const fs::path big = fs::temp_directory_path() / "smp-test-pigments-huge.json";
  {
    std::ofstream out(big);
    out << doc(entry("a")) << std::string(2u << 20, ' ');
  }
  const auto huge = PigmentCatalogue::load_file(big.string());
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.errors()[0].file, big.string());
  EXPECT_NE(huge.errors()[0].message.find("at most"), std::string::npos);
  fs::remove(big);

  const fs::path bad = fs::temp_directory_path() / "smp-test-pigments-bad.json";
  std::ofstream(bad) << doc(entry("a", R"(, "particle_size_um": "big")"));
  const auto r = PigmentCatalogue::load_file(bad.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].file, bad.string());
  fs::remove(bad);
}

// CIE 1976 relative luminance of an L* value (L* > 8).
double luminance(double L) {
  const double f = (L + 16.0) / 116.0;
  return f * f * f;
}

TEST(Pigment, DepositColourDilutionTowardSkin) {
  Pigment black;
  black.color = {17.5, 0.4, -0.8};
  const Lab skin{60, 11, 17};
  EXPECT_EQ(deposit_color(black, 0.0, skin), black.color);
  EXPECT_EQ(deposit_color(black, 1.0, skin), skin);
  EXPECT_EQ(deposit_color(black, -3.0, skin), black.color);  // clamped
  double last_l = 0.0, last_de = 1e9;
  for (double d = 0.1; d < 1.0; d += 0.1) {
    const Lab c = deposit_color(black, d, skin);
    EXPECT_GT(c.L, last_l) << d;
    const double de = ciede2000(c, skin);
    EXPECT_LT(de, last_de) << d;
    last_l = c.L;
    last_de = de;
  }
}

TEST(Pigment, DepositColourFollowsBeerLambert) {
  // docs/models.md: R = R_skin * (R_pigment / R_skin)^(1 - dilution) per linear channel; for
  // neutral colours, half dilution gives the geometric mean of the two luminances.
  Pigment grey;
  grey.color = {20, 0, 0};
  const Lab skin{70, 0, 0};
  const Lab half = deposit_color(grey, 0.5, skin);
  EXPECT_NEAR(luminance(half.L), std::sqrt(luminance(20) * luminance(70)), 1e-6);
  // The published sRGB matrices are inverses to ~1e-7, so neutrals stay neutral to ~1e-5.
  EXPECT_NEAR(half.a, 0.0, 1e-4);
  EXPECT_NEAR(half.b, 0.0, 1e-4);
  // A quarter of the pigment keeps more than a quarter of its darkening: dilution is not a
  // linear mix in L*.
  const Lab quarter = deposit_color(grey, 0.75, skin);
  EXPECT_LT(quarter.L, 70.0 - 0.25 * (70.0 - 20.0) + 1e-9);
}

}  // namespace
}  // namespace smp::sim
