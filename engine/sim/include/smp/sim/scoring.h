// Scoring: four craft criteria + the case goal, critical errors, overall pass/fail
// (docs/scoring.md holds every formula, constant and source).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "smp/sim/impression.h"
#include "smp/sim/pass_rules.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"

namespace smp::sim {

// A problem with one impression (or a spot), for the trainer's markers and the report.
struct Finding {
  std::string criterion;            // "depth", "spacing", "blurring", "color", "case"
  std::string code;                 // stable machine key, e.g. "too_deep", "touching", "hole"
  std::string message;              // plain language
  std::int64_t impression_id = -1;  // -1 when it concerns a spot, not one impression
  PointMm pos;
  double severity = 0.0;  // 0..1, for ordering ("worst three findings")
};

struct CriticalError {
  std::string code;  // "pigment_in_fat", "forbidden_region", "forbidden_pigment"
  std::string message;
  std::int64_t impression_id = -1;
  PointMm pos;
};

struct CriterionScore {
  std::string key;     // "depth", "spacing", "blurring", "color", or the case key
  std::string label;   // "Depth accuracy", ...
  double score = 0.0;  // 0..100, higher is better
  double pass_mark = 0.0;
  double weight = 1.0;
  bool passed = false;
  std::string explanation;  // one or two plain sentences: why this score
  std::vector<std::pair<std::string, double>> metrics;  // named figures behind the score
};

struct ScoreReport {
  double overall = 0.0;     // weighted mean of the criteria, 0..100
  // overall >= pass mark, every criterion passed (its mark and its pass rules), no critical
  // error, and not failed by the time limit (docs/scoring.md, "Verdict")
  bool passed = false;
  std::vector<RuleCheck> rules;          // the scenario's pass rules, checked (pass_rules.h)
  std::size_t late_impressions = 0;      // placed after the time limit: not scored (time_limit.h)
  std::vector<CriterionScore> criteria;  // depth, spacing, blurring, color, case (in that order)
  std::vector<CriticalError> critical_errors;
  std::vector<Finding> findings;  // the worst first, capped (kMaxFindings)
  std::size_t impression_count = 0;
};
inline constexpr std::size_t kMaxFindings = 200;

// Immediate per-impression feedback (the dot's ring colour in the trainer).
enum class DepthStatus { kInBand, kTooShallow, kTooDeep, kCritical };

// One dot as the scorer judges it: the trainer's rings and heat maps paint these values and
// compute none of their own (docs/scoring.md, "Per-dot feedback"), so what the trainee sees is
// what is scored.
enum class DensityStatus { kNotJudged, kHole, kOnTarget, kClump };
enum class Placement { kTarget, kOutside, kInFrontOfHairline, kAvoid, kForbidden };
struct DotFeedback {
  DepthStatus depth_status = DepthStatus::kInBand;
  double depth_error_mm = 0.0;  // distance outside the target band (0 inside it), as scored
  double blur_risk = 0.0;       // 0..1: the blurring criterion's risk of this dot
  bool at_risk = false;         // counted in the blurring criterion's "at risk" share
  bool touching = false;        // touches another dot (spacing's touching share)
  bool crowded = false;         // nearest neighbour nearer than half the expected spacing
  DensityStatus density = DensityStatus::kNotJudged;  // its 5 mm density cell, as scored
  Placement placement = Placement::kTarget;
  bool critical = false;   // a critical error (fat, forbidden region or pigment)
  double radius_mm = 0.0;  // healed radius, the one the touch test uses
};
// The ring a dot gets: the critical colour for a critical error or a dot in an avoid region
// (it should not be there at all), otherwise its depth status.
DepthStatus ring_status(const DotFeedback& f);

// A 5 mm cell of the density rule (holes and clumps), for the density heat map.
struct DensityCell {
  BoxMm box;
  double count = 0.0;     // dots in the cell
  double expected = 0.0;  // dots the target density puts there (ramp included)
  DensityStatus status = DensityStatus::kNotJudged;
};

// Incremental scorer. Adding one impression updates all running state in well under a millisecond
// with 100,000 impressions present (spatial hash); report() assembles the scores from that state.
// Adding N impressions one by one and score_batch() over the same N give identical reports.
// The Scenario and PigmentCatalogue must outlive the Scorer.
class Scorer {
 public:
  Scorer(const Scenario& scenario, const PigmentCatalogue& catalogue);
  ~Scorer();
  Scorer(Scorer&&) noexcept;
  Scorer& operator=(Scorer&&) noexcept;

  void add(const Impression& imp);  // imp.id must equal size()
  void pop_back();                  // undo the last impression (practice mode)
  std::size_t size() const;
  // Gives back the spare capacity of the per-impression arrays (after a resume or a replay has
  // added a whole session at once: growth by doubling leaves up to half of them unused).
  void shrink_to_fit();
  ScoreReport report() const;
  // The same report written over `out`, reusing the storage of its strings and vectors: a caller
  // that refreshes one report (the trainer, every frame) allocates nothing once it has grown.
  // Every field of `out` is overwritten; the result equals report() field for field.
  void report_into(ScoreReport& out) const;
  DepthStatus depth_status(std::uint32_t impression_id) const;
  // The scorer's values of one dot (a default DotFeedback beyond size()).
  DotFeedback dot_feedback(std::uint32_t impression_id) const;
  // Every 5 mm cell with a target, written over out.
  void density_cells(std::vector<DensityCell>& out) const;

  // Test support: what the neighbour search decided for impression i (tests/sim/
  // test_scoring_neighbours.cpp checks it against a brute-force search).
  struct NeighbourDebug {
    double nn_mm = 0.0;                // NN distance; the cap when none, 0 when NN not tracked
    std::uint32_t nn_id = UINT32_MAX;  // NN index, UINT32_MAX when none
    std::uint32_t touch_count = 0;     // dots it touches
    double radius_mm = 0.0;            // healed radius
    double cap_mm = 0.0;               // NN cap, 0 when NN not tracked
    double expected_nn_mm = 0.0;       // 0 when NN not tracked
    double reach_mm = 0.0;             // the radius its add() searched
  };
  NeighbourDebug neighbour_debug(std::uint32_t i) const;

 private:
  friend ScoreReport score_batch(const Scenario&, const PigmentCatalogue&,
                                 std::span<const Impression>);
  struct State;
  std::unique_ptr<State> s_;
};

ScoreReport score_batch(const Scenario& scenario, const PigmentCatalogue& catalogue,
                        std::span<const Impression> impressions);

}  // namespace smp::sim
