// Scenario format v1 ("smp-scenario/1"): what an instructor authors (docs/scenario-format.md).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smp/sim/color.h"
#include "smp/sim/geometry.h"
#include "smp/sim/needle.h"
#include "smp/sim/pass_rules.h"
#include "smp/sim/result.h"
#include "smp/sim/skin.h"

namespace smp::sim {

enum class CaseKind { kShavedLook, kScar, kThinning };
enum class Technique { kPermanent, kTemporary };
enum class Surface { kHead, kPracticePad };
enum class Mode { kPractice, kAssessment };  // assessment: no undo

// "treat": work here at the target density; "scar": scar tissue to camouflage (also treated);
// "hairline_transition": the soft front zone, density ramps down toward the front edge;
// "forbidden": no pigment at all (forehead, ears...): any impression is a critical error;
// "avoid": should stay empty but is not critical (e.g. a mole), counted in findings.
enum class RegionRole { kTreat, kScar, kHairlineTransition, kForbidden, kAvoid };

struct Region {
  std::string id;
  RegionRole role = RegionRole::kTreat;
  PolygonMm polygon_mm;
  double density_per_cm2 = 0.0;        // target impressions per cm^2 (0 for forbidden/avoid)
  double depth_min_mm = 0.0, depth_max_mm = 0.0;  // target band for this region
  std::optional<SkinLayersMm> layers;  // overrides the scenario's skin layers here
  std::optional<ScarTissue> scar;      // set for role kScar (defaults when the JSON omits it)
};

enum class HairColor { kBlack, kDarkBrown, kBrown, kLightBrown, kBlond, kRed, kGrey, kWhite };

struct Patient {
  int fitzpatrick = 3;                 // 1..6
  HairColor hair_color = HairColor::kDarkBrown;
  Lab hair_lab;                        // resolved from hair_color unless the JSON gives "hair_lab"
  Lab skin_lab;                        // resolved from fitzpatrick unless the JSON gives "skin_lab"
  // Existing hairs (thinning cases), resolved at load: explicit positions, or generated from a
  // density over a region with a seed (deterministic, docs/scenario-format.md).
  std::vector<PointMm> hairs_mm;
  double hair_diameter_mm = 0.08;
};

struct ToolDefaults {
  NeedleConfig needle;
  MachineSetting machine;
  std::string pigment;
  double dilution = 0.0;
};

// Criterion keys: "depth", "spacing", "blurring", "color", "case". Missing weights default to 1,
// missing pass marks to the scenario's overall pass mark.
struct CriterionMarks {
  double depth = 70, spacing = 70, blurring = 70, color = 70, case_goal = 70;
};

struct Scenario {
  std::string schema = "smp-scenario/1";
  std::string id;
  int version = 1;
  std::string title;
  std::string description;   // what a trainee reads before starting
  int level = 1;             // 1 (first steps) .. 5
  CaseKind case_kind = CaseKind::kShavedLook;
  Technique technique = Technique::kPermanent;
  Surface surface = Surface::kHead;
  Mode mode = Mode::kPractice;
  Patient patient;
  SkinLayersMm skin;         // defaults for the whole scalp
  std::vector<Region> regions;
  std::vector<PointMm> hairline_front_mm;  // shaved look: the designed front edge, polyline
  std::vector<std::string> pigments_allowed;
  std::optional<Lab> target_color;         // healed colour the work should read as
  ToolDefaults defaults;
  double pass_overall = 70;
  CriterionMarks pass;
  CriterionMarks weights{1, 1, 1, 1, 1};
  PassRules pass_rules;      // criterion-referenced rules beside the marks (pass_rules.h)
  std::optional<double> time_limit_s;
  std::string content_sha256;  // hex SHA-256 of the file bytes as loaded (libsodium)
  std::string source_path;     // where it was loaded from ("<memory>" when parsed from text)
};

// Loads, validates every field and resolves defaults. On failure returns every error found, each
// with the file and the JSON Pointer of the offending value; nothing is half-loaded.
// Files over kMaxScenarioBytes are refused before parsing.
inline constexpr std::size_t kMaxScenarioBytes = 4u << 20;
Result<Scenario> load_scenario_file(const std::string& path);
Result<Scenario> parse_scenario(std::string_view json_text, const std::string& file_label);

// The skin at a point: scenario layers, overridden by the last region containing the point that
// sets them; scar tissue when inside a scar region.
SkinSample skin_at(const Scenario& s, PointMm p);
// Index of the regions containing p (in file order).
std::vector<std::size_t> regions_at(const Scenario& s, PointMm p);
// The healed colour the work should read as: the scenario's target_color, or one derived from
// skin and hair (docs/scoring.md, "Target colour").
Lab target_color(const Scenario& s);

std::string_view to_string(CaseKind);
std::string_view to_string(Technique);
std::string_view to_string(Surface);
std::string_view to_string(Mode);
std::string_view to_string(RegionRole);
std::string_view to_string(HairColor);

// Hex SHA-256 (libsodium) of bytes; shared by scenarios, sessions and reports.
std::string sha256_hex(std::string_view bytes);

}  // namespace smp::sim
