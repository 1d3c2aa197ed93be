// What the scorer keeps per dot: the facts add() fixed and the neighbour-dependent
// contributions currently applied to the running sums.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "scoring/constants.h"
#include "scoring/layout.h"
#include "smp/sim/impression.h"
#include "smp/sim/pigment.h"
#include "smp/sim/scoring.h"

namespace smp::sim::scoring {

// Per-pigment facts the scorer needs, resolved once.
struct PigmentFacts {
  std::string id;
  const Pigment* pigment = nullptr;
  bool allowed = false;
};

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kNoSegment = std::numeric_limits<std::int64_t>::max();

enum DotFlag : std::uint32_t {
  kFlagRepeat = 1u << 0,
  kFlagOutside = 1u << 1,
  kFlagAvoid = 1u << 2,
  kFlagFront = 1u << 3,
  kFlagUnderHair = 1u << 4,
  kFlagBlackTemp = 1u << 5,
  kFlagDarkHair = 1u << 6,
  kFlagBadPigment = 1u << 7,
  kFlagForbidden = 1u << 8,
  kFlagFat = 1u << 9,
  kFlagUnknownPigment = 1u << 10,
  kFlagHeavyDose = 1u << 11,
  kFlagScarMigration = 1u << 12,
  kFlagReticular = 1u << 13,
};

// How far a dot's NN distance counts, from its expected NN distance (0: NN not tracked).
inline double nn_cap_mm(double expected_nn_mm) {
  return expected_nn_mm > 0.0 ? std::min(kNnCapFactor * expected_nn_mm, kNnCapMaxMm) : 0.0;
}
inline double expected_nn_for(double density_mm2) {
  return density_mm2 > 0.0 ? kBlueNoiseNn / std::sqrt(density_mm2) : 0.0;
}

// The fixed-point figures a dot holds as int32 are bounded well inside it: scores, risks and
// harmonics are in [-1, 1] (at most 1e6), NN ratios in [0, 2] (q^2 at most 4e6) and depth errors
// capped at kMaxDepthErrorMm (1e8). The running sums stay int64.
struct Dot {
  // What a neighbour's NN change or first touch reads and writes (retract_mut, apply_mut, the
  // undo record) comes first, in the first two cache lines: in a dense session an add changes a
  // few neighbours, each a cache miss.
  PointMm pos;
  double nn_mm = 0.0;           // mutable (later neighbours), with nn_id below
  double expected_nn_mm = 0.0;  // 0: no target density here, NN not tracked
  double base_risk = 0.0;       // blur risk from depth, dose, repeat, scar (fixed at add)
  std::uint32_t nn_id = kNone;
  std::int32_t analysis_cell = -1;  // analysis cell when in the treat area, else -1
  // the mutable contributions currently applied to the aggregates
  std::int32_t nn_ratio_fx = 0, nn_ratio_sq_fx = 0, risk_fx = 0;
  std::array<std::int32_t, 6> orientation_fx{};
  // touching: it touches another dot (its grid entry counts how many), as applied to the sums
  bool nn_applied = false, ori_applied = false, crowded = false, touching = false, risky = false;
  bool touch_listed = false;
  std::uint8_t finding_count = 0;  // at most one finding per code
  std::uint8_t status_u8 = static_cast<std::uint8_t>(DepthStatus::kInBand);
  std::uint32_t flags = 0;
  std::int64_t ext_id = 0;
  double depth_mm = 0.0, band_min_mm = 0.0, band_max_mm = 0.0;
  double radius_mm = 0.0;
  double front_dist_mm = 0.0;
  double delta_e = 0.0, dot_l = 0.0;
  double dose = 0.0;
  std::int64_t seg_prev_fx = kNoSegment;
  std::int32_t band = -1;  // hairline transition band
  std::int32_t seg = -1;   // hairline piece
  std::int32_t scar = -1;  // index into ScenarioLayout::scars
  std::int32_t scar_cell = -1;
  std::int32_t depth_fx = 0, color_fx = 0, err_fx = 0;
  std::uint32_t finding_begin =
      0;  // immutable findings in State::fixed_findings (finding_count of them)
  std::uint32_t undo_begin = 0;  // neighbour NN undo records in State::undo
  DepthStatus status() const { return static_cast<DepthStatus>(status_u8); }
  void set_status(DepthStatus v) { status_u8 = static_cast<std::uint8_t>(v); }
  // NN distances count up to this (0 when NN is not tracked)
  double cap_mm() const { return nn_cap_mm(expected_nn_mm); }
};

// A neighbour's nearest neighbour before an add changed it. Touch counts need no record: pop()
// recomputes which dots the removed one touched from the same geometry.
struct NnUndo {
  double nn_mm;
  std::uint32_t j;
  std::uint32_t nn_id;
};

// Everything add() derives from one impression alone, before it touches the running state:
// score_batch() computes these in parallel.
struct Prepared {
  PointMm pos;
  std::int64_t id = 0;
  double depth_mm = 0.0, dose = 0.0;
  Layer layer = Layer::kEpidermis;
  std::uint32_t pigment = 0;  // index into State::pigments
  PointFacts loc;
  SkinSample skin;
  double radius_mm = 0.0, delta_e = 0.0, dot_l = 0.0;
  double front_dist_mm = 0.0, front_arc_mm = 0.0, front_side_mm = 0.0;
  bool under_hair = false;
};

// A dot's neighbour facts once the whole session is in: what a run of add() calls leaves behind
// (score_batch() computes them for every dot at once, in parallel; see final_neighbours()).
struct FinalNeighbours {
  double nn_mm = 0.0;  // the cap when no dot is nearer; 0 when NN is not tracked
  std::uint32_t nn_id = kNone;
  std::uint32_t touches = 0;          // dots it touches
  std::uint32_t earlier_touches = 0;  // of them, added before it (each pair counted once)
  bool repeat = false;                // an earlier dot lies within kRepeatFraction of touching
};

}  // namespace smp::sim::scoring
