// Incremental scorer (docs/scoring.md holds every formula, constant and its source).
//
// Design: every running aggregate is an integer (counts, or sums in fixed-point micro-units), so
// the report depends only on the set of impressions and their final neighbour relations, never on
// floating-point summation order. A new dot changes nearest-neighbour (NN) distances and touch
// counts only of dots within a bounded radius; those are found with a uniform grid whose cells
// carry NN bounds, so cells that cannot matter are skipped without changing any result. Each
// add() logs what it changed so pop_back() restores the previous state exactly. score_batch() runs
// the same add() code (its state-free part on a second thread), so batch and incremental reports
// are bit-identical by construction.
#include "smp/sim/scoring.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "smp/sim/healing.h"
#include "text_format.h"

namespace smp::sim {
namespace {

// ---- Constants (docs/scoring.md explains each one and its source) ----
constexpr double kFix = 1e6;                  // fixed-point: micro-units
constexpr double kRatioTolerance = 1.1;       // ratios to a target within 10% cost nothing
constexpr double kCountNoiseWidth = 1.5;      // ... or within 1.5 / sqrt(expected count)
constexpr double kScarSpotMinDots = 3.0;      // scars expecting fewer dots get no border finding
constexpr double kHealedDays = 30.0;          // "healed" look: one month after placement
constexpr double kMinBandWidthMm = 0.05;      // guards a degenerate depth band
constexpr double kDepthZeroBandWidths = 1.0;  // depth error (in band widths) that scores 0
constexpr double kMaxDepthErrorMm = 100.0;    // depth error metric cap (bounds the running sum)
constexpr double kBlueNoiseNn = 0.80;         // mean NN distance x sqrt(density) for blue noise
constexpr double kNnCapFactor = 2.0;          // NN ratio saturates at 2x the expected spacing
constexpr double kNnCapMaxMm = 3.0;           // ... and NN search never reaches beyond 3 mm
constexpr double kCrowdedRatio = 0.5;         // NN < half the expected spacing: crowded
constexpr double kCrowdedZero = 0.25;         // crowded fraction that scores 0
constexpr double kTouchZero = 0.10;           // touching-dot fraction that scores 0
constexpr double kMaxRadiusMm = 5.0;     // healed radius cap (real dots < 1 mm; bounds the search)
constexpr double kRepeatFraction = 0.5;  // centre within half the radii sum: same spot again
constexpr double kDensityCellMm = 5.0;   // clump/hole analysis cells
constexpr int kCellSamples = 5;          // 5x5 samples per analysis cell (1 mm apart)
constexpr double kHoleRatio = 0.5;       // cell count below half the target: hole
constexpr double kClumpRatio = 1.6;      // cell count above 1.6x the target: clump
constexpr double kJudgedCellFraction = 0.5;    // cells at least half inside the treat area
constexpr double kJudgedCellExpected = 2.0;    // ... expecting at least 2 dots
constexpr double kDensityDevTolerance = 0.15;  // mean |ln ratio| tolerated (blue-noise noise)
constexpr double kDensityDevZero = 0.65;       // mean |ln ratio| that scores 0
constexpr double kCoverageZero = 0.4;          // coverage that scores 0 ...
constexpr double kCoverageFull = 0.9;          // ... and full marks
constexpr int kOrderMinDots = 16;              // 10 mm blocks with fewer NN vectors are not judged
constexpr double kOrderNoise = 1.29;           // E[max of 3 Rayleigh] x sqrt(n): random directions
constexpr double kOrderSpot = 0.45;            // a block this ordered gets a grid_like finding
constexpr double kOrderTolerance = 0.12;       // excess orientational order tolerated
constexpr double kOrderZero = 0.40;            // excess orientational order that scores 0
constexpr double kCvTolerance = 0.08;          // NN coefficient of variation below this: too even
constexpr double kCvZero = 0.02;               // ... and this scores 0
constexpr double kRiskOverlap = 0.5;           // blur risk of a dot that touches another
constexpr double kRiskRepeat = 1.0;            // blur risk of a second pass on a spot
constexpr double kDoseSafe = 1.5;              // dose (1 = one clean 1RL tap) without spread risk
constexpr double kDoseFull = 3.0;              // dose at full spread risk
constexpr double kBlurScale = 2.0;             // blurring score = 100 (1 - 2 * mean risk)
constexpr double kRiskyDot = 0.5;              // risk at which a dot counts as risky
constexpr double kColorTolerance = 2.5;        // CIEDE2000 difference that costs nothing
constexpr double kColorZero = 12.5;            // ... and that scores 0
// A colour miss is often a consequence (depth) and is fixed by dilution next session: it ranks
// below the depth findings.
constexpr double kColorOffSeverity = 0.5;
constexpr double kHairDarkTolerance = 2.0;    // L* a dot may be darker than the hair
constexpr double kHairDarkZero = 10.0;        // L* darker than hair (beyond tolerance) scoring 0
constexpr double kRampFrontFraction = 0.3;    // hairline: target density at the front edge
constexpr int kRampBands = 3;                 // transition zone split in 3 depth bands
constexpr double kSegmentMm = 5.0;            // hairline pieces for the irregularity measure
constexpr double kFrontToleranceMm = 0.5;     // a dot this far in front of the hairline is outside
constexpr double kFrontReachMm = 20.0;        // beyond this it is simply outside the treat area
constexpr double kFrontZero = 0.05;           // fraction of dots in front of the line scoring 0
constexpr double kIrregularFullMm = 0.5;      // std of front-most dot offsets for full marks
constexpr double kHairlineSetbackMm = 1.5;    // mean front-most offset tolerated (at least) ...
constexpr double kHairlineSetbackSpan = 3.0;  // ... and this much more scores 0
constexpr double kScarRingMm = 3.0;           // border ring around a scar for the blend check
constexpr double kScarCellDots = 3.0;         // scar coverage cells expect ~3 dots
constexpr double kUnderHairZero = 0.10;       // fraction of dots under hairs scoring 0
constexpr double kStrayZero = 0.10;           // fraction of dots outside the treat area scoring 0

// Fixed-point conversion; NaN counts as 0 and magnitudes are capped (every summed quantity is
// bounded far below the cap, so sums of millions of terms cannot overflow int64).
inline std::int64_t fx(double v) {
  if (!(v == v)) return 0;
  // std::llround (half away from zero) without its library call: |x| <= 1e12 < 2^52, so the
  // truncation and the fraction x - i are exact.
  const double x = std::clamp(v, -1e6, 1e6) * kFix;
  const auto i = static_cast<std::int64_t>(x);
  const double f = x - static_cast<double>(i);
  // (without branches: which way a value rounds is as good as random)
  return i + static_cast<std::int64_t>(f >= 0.5) - static_cast<std::int64_t>(f <= -0.5);
}
// floor(v) as a cell index in [0, n - 1], clamped; NaN maps to 0 (never undefined behaviour).
inline int cell_clamp(double v, int n) {
  if (!(v >= 0.0)) return 0;
  if (v >= static_cast<double>(n - 1)) return n - 1;
  return static_cast<int>(v);
}
// floor(v) as a cell index, or -1 when outside [0, n) or not a number.
inline int cell_or_none(double v, int n) {
  if (!(v >= 0.0) || !(v < static_cast<double>(n))) return -1;
  return static_cast<int>(v);
}
// fx() of a figure bounded far inside int32 (|v| <= 1000; the Dot fields that hold these).
inline std::int32_t fx32(double v) {
  const std::int64_t r = fx(v);
  assert(r >= std::numeric_limits<std::int32_t>::min() &&
         r <= std::numeric_limits<std::int32_t>::max());
  return static_cast<std::int32_t>(r);
}
inline double unfx(std::int64_t v) {
  return static_cast<double>(v) / kFix;
}
inline double clamp01(double v) {
  return std::clamp(v, 0.0, 1.0);
}
inline double dist2(PointMm a, PointMm b) {
  const double dx = a.x_mm - b.x_mm, dy = a.y_mm - b.y_mm;
  return dx * dx + dy * dy;
}

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  va_list ap;
  va_start(ap, f);
  std::string s = detail::vformat(f, ap);
  va_end(ap);
  return s;
}
// fmt into an existing string, replacing (fmt_to) or extending (fmt_add) its text: no allocation
// once its capacity suffices (report_into() refreshes the same report every frame).
void fmt_to(std::string& out, const char* f, ...) __attribute__((format(printf, 2, 3)));
void fmt_to(std::string& out, const char* f, ...) {
  char buf[detail::kFormatBuffer];
  va_list ap;
  va_start(ap, f);
  const int n = detail::vformat_to(buf, f, ap);
  va_end(ap);
  out.assign(buf, static_cast<std::size_t>(std::max(n, 0)));
}
void fmt_add(std::string& out, const char* f, ...) __attribute__((format(printf, 2, 3)));
void fmt_add(std::string& out, const char* f, ...) {
  char buf[detail::kFormatBuffer];
  va_list ap;
  va_start(ap, f);
  const int n = detail::vformat_to(buf, f, ap);
  va_end(ap);
  out.append(buf, static_cast<std::size_t>(std::max(n, 0)));
}
double pct(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}
// The blend used to combine sub-scores: one bad factor must be able to fail a criterion.
double min_mean_blend(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double mn = 1.0, sum = 0.0;
  for (double x : v) {
    mn = std::min(mn, x);
    sum += x;
  }
  return 0.5 * mn + 0.5 * sum / static_cast<double>(v.size());
}
// A ratio to its target: within 10% either way costs nothing, a factor of 2 either way scores 0
// (linear in |ln ratio| between).
double ratio_score(double ratio) {
  if (!(ratio > 0.0)) return 0.0;
  const double tol = std::log(kRatioTolerance);
  return clamp01(1.0 - (std::fabs(std::log(ratio)) - tol) / (std::log(2.0) - tol));
}
// The same for a ratio of counts whose target is only `expected` dots: chance alone moves such a
// count by about sqrt(expected), so the free band widens to 1.5 / sqrt(expected) when that is
// more than 10%, and the span to zero stays the same (ln 2 - ln 1.1).
double count_ratio_score(double ratio, double expected) {
  if (!(ratio > 0.0)) return 0.0;
  const double tol = std::log(
      std::max(kRatioTolerance, 1.0 + kCountNoiseWidth / std::sqrt(std::max(expected, 1e-9))));
  const double span = std::log(2.0) - std::log(kRatioTolerance);
  return clamp01(1.0 - (std::fabs(std::log(ratio)) - tol) / span);
}

// ---- Finding codes ----
enum Code : std::uint8_t {
  kTooShallow,
  kTooDeep,
  kPigmentInFat,
  kTouching,
  kHole,
  kClump,
  kGridLike,
  kRepeatPass,
  kHeavyDose,
  kScarMigration,
  kColorOff,
  kBlackInTemporary,
  kDarkerThanHair,
  kForbiddenPigment,
  kForbiddenRegion,
  kAvoidRegion,
  kOutsideTreatArea,
  kInFrontOfHairline,
  kStraightHairline,
  kHairlineGap,
  kUnderHair,
  kScarUncovered,
  kScarBorder,
  kCodeCount
};
struct CodeInfo {
  const char* criterion;
  const char* code;
};
constexpr std::array<CodeInfo, kCodeCount> kCodes{{
    {"depth", "too_shallow"},
    {"depth", "too_deep"},
    {"depth", "pigment_in_fat"},
    {"spacing", "touching"},
    {"spacing", "hole"},
    {"spacing", "clump"},
    {"spacing", "grid_like"},
    {"blurring", "repeat_pass"},
    {"blurring", "heavy_dose"},
    {"blurring", "scar_migration"},
    {"color", "color_off"},
    {"color", "black_in_temporary"},
    {"color", "darker_than_hair"},
    {"color", "forbidden_pigment"},
    {"case", "forbidden_region"},
    {"case", "avoid_region"},
    {"case", "outside_treat_area"},
    {"case", "in_front_of_hairline"},
    {"case", "straight_hairline"},
    {"case", "hairline_gap"},
    {"case", "under_hair"},
    {"case", "scar_uncovered"},
    {"case", "scar_border"},
}};
// Severity is kept in 1000 levels (0.001 steps), so findings can live in per-(level, code)
// stacks: ranking needs no ordered tree and pop_back is O(1).
constexpr int kLevels = 1000;
constexpr int kSevTouching = 600;
constexpr int kSevRepeat = 700;
constexpr int kSevFront = 700;
constexpr int kSevAvoid = 500;
constexpr int kSevOutside = 300;
constexpr int kSevUnderHair = 400;
constexpr int kSevBlackTemporary = 800;
constexpr int kSevCritical = kLevels;
inline int level_of(double sev) {
  return static_cast<int>(std::clamp<long>(std::lround(sev * kLevels), 1, kLevels));
}

// Ordering of findings: most severe first, then spots before impressions, then impressions by
// index, then code; spots of one level by code, then in their deterministic generation order
// (spot_key below).

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool contains(PointMm p) const {
    return p.x_mm >= x0 && p.x_mm <= x1 && p.y_mm >= y0 && p.y_mm <= y1;
  }
};
Box box_of(const PolygonMm& poly, double margin) {
  const BoxMm b = bounding_box(poly);
  return Box{b.min.x_mm - margin, b.min.y_mm - margin, b.max.x_mm + margin, b.max.y_mm + margin};
}

bool is_target_role(RegionRole r) {
  return r == RegionRole::kTreat || r == RegionRole::kScar || r == RegionRole::kHairlineTransition;
}

// What the scenario says about one point.
struct Loc {
  int target_region = -1;  // last treat/scar/transition region containing the point
  int scar_region = -1;    // last scar region containing the point
  int forbidden_region = -1;
  bool avoid = false;
  bool transition = false;
  double density_mm2 = 0.0;     // target dots per mm^2 here (0: not to be treated)
  double front_dist_mm = -1.0;  // distance to the hairline polyline (transition points only)
  int band = -1;                // transition depth band, -1 when not in the transition zone
};

// Immutable geometry derived from the scenario once.
struct Layout {
  const Scenario* sc = nullptr;
  std::vector<Box> region_box;
  // region_box grown by a rounding margin: point_in_polygon is never true outside it, so
  // locate_with_skin() may skip the polygon test there.
  std::vector<Box> region_box_grown;
  std::vector<double> transition_width_mm;  // per region (transition regions only)
  // hairline polyline
  std::vector<PointMm> front;
  std::vector<double> front_arc;      // arc length at each vertex
  std::vector<PointMm> front_normal;  // unit normal per segment, toward the front (outside) side
  std::vector<Box> front_box;         // bounding box per segment
  double front_length_mm = 0.0;
  double front_spacing_mm = 0.0;  // expected NN spacing at the front edge of the transition
  int segments = 0;
  // analysis grid
  double ax0 = 0, ay0 = 0;
  int anx = 0, any = 0;
  std::vector<double> cell_expected;  // target dots per cell
  std::vector<double> cell_fraction;  // fraction of the cell inside the treat area
  std::vector<std::int32_t> target_cells;
  double total_expected = 0.0;
  double target_area_mm2 = 0.0;  // treat area, from the analysis cells
  std::array<double, kRampBands> band_expected{};
  // neighbour grid extent and its first cell size (State::Grid refines it as dots arrive)
  double hx0 = 0, hy0 = 0, hcell = 1.0;
  double hw = 0, hh = 0;
  double cap_global_mm = 0.0;
  // scars
  struct Scar {
    int region = -1;
    Box box, ring_box;
    double cx0 = 0, cy0 = 0, cs = 1.0;
    int cnx = 0, cny = 0;
    std::vector<std::uint8_t> cell_in;  // cell centre inside the scar
    int cells_in = 0;
    double expected_in = 0.0, expected_ring = 0.0;
    PointMm centroid;
  };
  std::vector<Scar> scars;
  // existing hairs (thinning)
  double hair_r_mm = 0.04;
  double gx0 = 0, gy0 = 0, gcell = 1.0;
  int gnx = 0, gny = 0;
  std::vector<std::uint32_t> hair_start, hair_index;
  Lab target;

  Loc locate(PointMm p) const;
  // The regions and skin at p; the caller then calls finish_loc() (which reads the hairline
  // distance only for transition points).
  Loc regions_with_skin(PointMm p, SkinSample& skin) const;
  void note_region(Loc& l, std::size_t i) const;  // region i contains the point
  void finish_loc(Loc& l, PointMm p, const double* front_dist_mm) const;
  double front_distance(PointMm p, double* arc, double* signed_front) const;
  int acell_of(PointMm p) const {
    const int i = cell_or_none((p.x_mm - ax0) / kDensityCellMm, anx);
    const int j = cell_or_none((p.y_mm - ay0) / kDensityCellMm, any);
    if (i < 0 || j < 0) return -1;
    return j * anx + i;
  }
  PointMm acell_centre(int c) const {
    return PointMm{ax0 + (c % anx + 0.5) * kDensityCellMm, ay0 + (c / anx + 0.5) * kDensityCellMm};
  }
  bool under_hair(PointMm p, double reach_mm) const;
};

double Layout::front_distance(PointMm p, double* arc, double* signed_front) const {
  double best = std::numeric_limits<double>::infinity();
  double best_arc = 0.0, best_side = 0.0;
  // The nearest vertex bounds the answer from above; a segment whose bounding box is farther
  // (by a margin far above rounding) cannot be the nearest or tie it, so it is skipped: the
  // same result as the full loop, without its divisions and square roots.
  double ub2 = std::numeric_limits<double>::infinity();
  for (const PointMm& v : front) ub2 = std::min(ub2, dist2(p, v));
  const double ub =
      std::sqrt(ub2) * (1.0 + 1e-9) + 1e-9 * (1.0 + std::fabs(p.x_mm) + std::fabs(p.y_mm));
  const double skip2 = ub * ub;
  for (std::size_t i = 0; i + 1 < front.size(); ++i) {
    const Box& bx = front_box[i];
    const double gx = std::max({0.0, bx.x0 - p.x_mm, p.x_mm - bx.x1});
    const double gy = std::max({0.0, bx.y0 - p.y_mm, p.y_mm - bx.y1});
    if (gx * gx + gy * gy > skip2) continue;
    const PointMm a = front[i], b = front[i + 1];
    const double ex = b.x_mm - a.x_mm, ey = b.y_mm - a.y_mm;
    const double len2 = ex * ex + ey * ey;
    double t = 0.0;
    if (len2 > 0.0)
      t = std::clamp(((p.x_mm - a.x_mm) * ex + (p.y_mm - a.y_mm) * ey) / len2, 0.0, 1.0);
    const PointMm q{a.x_mm + t * ex, a.y_mm + t * ey};
    const double d = std::sqrt(dist2(p, q));
    if (d < best) {
      best = d;
      best_arc = front_arc[i] + t * std::sqrt(len2);
      best_side =
          (p.x_mm - q.x_mm) * front_normal[i].x_mm + (p.y_mm - q.y_mm) * front_normal[i].y_mm;
    }
  }
  if (arc) *arc = best_arc;
  if (signed_front) *signed_front = best_side;
  return best;
}

Loc Layout::locate(PointMm p) const {
  Loc l;
  const auto& regions = sc->regions;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (!region_box[i].contains(p) || !point_in_polygon(regions[i].polygon_mm, p)) continue;
    note_region(l, i);
  }
  finish_loc(l, p, nullptr);
  return l;
}

void Layout::note_region(Loc& l, std::size_t i) const {
  switch (sc->regions[i].role) {
    case RegionRole::kForbidden:
      if (l.forbidden_region < 0) l.forbidden_region = static_cast<int>(i);
      break;
    case RegionRole::kAvoid:
      l.avoid = true;
      break;
    case RegionRole::kScar:
      l.scar_region = static_cast<int>(i);
      l.target_region = static_cast<int>(i);
      break;
    case RegionRole::kTreat:
    case RegionRole::kHairlineTransition:
      l.target_region = static_cast<int>(i);
      break;
  }
}

// The target density (ramped in a hairline transition zone) once the regions are known.
// front_dist_mm: front_distance(p) when the caller has it, else it is computed here if needed.
void Layout::finish_loc(Loc& l, PointMm p, const double* front_dist_mm) const {
  if (l.target_region < 0 || l.forbidden_region >= 0 || l.avoid) return;
  const Region& r = sc->regions[static_cast<std::size_t>(l.target_region)];
  l.density_mm2 = std::max(0.0, r.density_per_cm2) / 100.0;
  if (r.role == RegionRole::kHairlineTransition && front.size() >= 2) {
    l.transition = true;
    const double w = transition_width_mm[static_cast<std::size_t>(l.target_region)];
    l.front_dist_mm = front_dist_mm ? *front_dist_mm : front_distance(p, nullptr, nullptr);
    const double u = w > 0.0 ? clamp01(l.front_dist_mm / w) : 1.0;
    l.density_mm2 *= kRampFrontFraction + (1.0 - kRampFrontFraction) * u;
    l.band = std::min(kRampBands - 1, static_cast<int>(u * kRampBands));
  }
}

// locate() and skin_at() in one pass over the regions: add() needs both, and the polygon tests are
// most of their cost. The results are those of the two functions bit for bit: skin_at()'s rules
// are repeated here (last region with layers wins; the last scar region gives the tissue), and a
// polygon is skipped only outside its grown box, where point_in_polygon() is false.
Loc Layout::regions_with_skin(PointMm p, SkinSample& skin) const {
  Loc l;
  const auto& regions = sc->regions;
  skin = SkinSample{};
  skin.layers = sc->skin;
  const ScarTissue* scar = nullptr;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (!region_box_grown[i].contains(p) || !point_in_polygon(regions[i].polygon_mm, p)) continue;
    const Region& r = regions[i];
    if (r.layers) skin.layers = *r.layers;
    if (r.role == RegionRole::kScar) {
      static const ScarTissue kDefaultScar{};
      scar = r.scar ? &*r.scar : &kDefaultScar;
    }
    if (!region_box[i].contains(p)) continue;
    note_region(l, i);
  }
  if (scar != nullptr) {
    skin.scar = true;
    skin.scar_tissue = *scar;
  }
  return l;
}

bool Layout::under_hair(PointMm p, double reach_mm) const {
  if (gnx == 0) return false;
  const int i0 = cell_clamp((p.x_mm - reach_mm - gx0) / gcell, gnx);
  const int i1 = cell_clamp((p.x_mm + reach_mm - gx0) / gcell, gnx);
  const int j0 = cell_clamp((p.y_mm - reach_mm - gy0) / gcell, gny);
  const int j1 = cell_clamp((p.y_mm + reach_mm - gy0) / gcell, gny);
  const double r2 = reach_mm * reach_mm;
  const auto& hairs = sc->patient.hairs_mm;
  for (int j = j0; j <= j1; ++j) {
    for (int i = i0; i <= i1; ++i) {
      const std::size_t c = static_cast<std::size_t>(j * gnx + i);
      for (std::uint32_t k = hair_start[c]; k < hair_start[c + 1]; ++k) {
        if (dist2(hairs[hair_index[k]], p) < r2) return true;
      }
    }
  }
  return false;
}

// Grid passes at load time test every sample point against polygons or the hairline. Their cost
// grows with area x vertices, so a pathological (but valid) file could stall loading for hours:
// a pass whose point-by-vertex tests would exceed kLoadBudget gets a coarser grid instead. Every
// shipped scenario stays far below it, so their results do not change (docs/limits.md).
constexpr double kLoadBudget = 2e7;
double budget_factor(double cost) {
  return cost > kLoadBudget ? std::sqrt(cost / kLoadBudget) : 1.0;
}
double grid_points(double x0, double y0, double x1, double y1, double step) {
  return std::max(0.0, std::ceil((x1 - x0) / step)) * std::max(0.0, std::ceil((y1 - y0) / step));
}

Layout build_layout(const Scenario& sc) {
  Layout L;
  L.sc = &sc;
  L.target = target_color(sc);
  const auto& regions = sc.regions;
  L.region_box.reserve(regions.size());
  for (const Region& r : regions) {
    const Box b = box_of(r.polygon_mm, 0.0);
    L.region_box.push_back(b);
    // point_in_polygon's crossing x is off by a few ulps at most: 1e-9 relative is far beyond it.
    const double m =
        1e-9 *
        (1.0 + std::max({std::fabs(b.x0), std::fabs(b.x1), std::fabs(b.y0), std::fabs(b.y1)}));
    L.region_box_grown.push_back(Box{b.x0 - m, b.y0 - m, b.x1 + m, b.y1 + m});
  }

  // Overall extent: every region, the hairline and the hairs.
  Box ext{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  auto grow = [&ext](PointMm p) {
    ext.x0 = std::min(ext.x0, p.x_mm);
    ext.y0 = std::min(ext.y0, p.y_mm);
    ext.x1 = std::max(ext.x1, p.x_mm);
    ext.y1 = std::max(ext.y1, p.y_mm);
  };
  for (const Region& r : regions)
    for (PointMm p : r.polygon_mm) grow(p);
  for (PointMm p : sc.hairline_front_mm) grow(p);
  if (!(ext.x0 <= ext.x1)) ext = Box{0, 0, 0, 0};
  ext.x0 -= 10;
  ext.y0 -= 10;
  ext.x1 += 10;
  ext.y1 += 10;

  // Hairline polyline, its arc length and the front side of each segment: the side whose
  // neighbourhood is not treated (falls back to -y, toward the forehead).
  L.front = sc.hairline_front_mm;
  if (L.front.size() >= 2) {
    L.front_arc.push_back(0.0);
    for (std::size_t i = 0; i + 1 < L.front.size(); ++i) {
      const double len = std::sqrt(dist2(L.front[i], L.front[i + 1]));
      L.front_arc.push_back(L.front_arc.back() + len);
      PointMm n{0.0, -1.0};
      if (len > 0.0) {
        n = PointMm{-(L.front[i + 1].y_mm - L.front[i].y_mm) / len,
                    (L.front[i + 1].x_mm - L.front[i].x_mm) / len};
        const PointMm mid{0.5 * (L.front[i].x_mm + L.front[i + 1].x_mm),
                          0.5 * (L.front[i].y_mm + L.front[i + 1].y_mm)};
        auto treated = [&](PointMm q) {
          for (std::size_t k = 0; k < regions.size(); ++k)
            if (is_target_role(regions[k].role) && point_in_polygon(regions[k].polygon_mm, q))
              return true;
          return false;
        };
        const bool plus = treated(PointMm{mid.x_mm + n.x_mm, mid.y_mm + n.y_mm});
        const bool minus = treated(PointMm{mid.x_mm - n.x_mm, mid.y_mm - n.y_mm});
        if (plus && !minus) {
          n = PointMm{-n.x_mm, -n.y_mm};
        } else if (plus == minus && n.y_mm > 0.0) {
          n = PointMm{-n.x_mm, -n.y_mm};
        }
      }
      L.front_normal.push_back(n);
      L.front_box.push_back(Box{std::min(L.front[i].x_mm, L.front[i + 1].x_mm),
                                std::min(L.front[i].y_mm, L.front[i + 1].y_mm),
                                std::max(L.front[i].x_mm, L.front[i + 1].x_mm),
                                std::max(L.front[i].y_mm, L.front[i + 1].y_mm)});
    }
    L.front_length_mm = L.front_arc.back();
    L.segments = std::max(1, static_cast<int>(std::lround(L.front_length_mm / kSegmentMm)));
  }
  for (const Region& r : regions)
    if (r.role == RegionRole::kHairlineTransition && r.density_per_cm2 > 0.0 && L.front.size() >= 2)
      L.front_spacing_mm =
          std::max(L.front_spacing_mm,
                   kBlueNoiseNn / std::sqrt(r.density_per_cm2 / 100.0 * kRampFrontFraction));
  // Width of each transition region: the farthest point of it from the hairline (0.5 mm grid,
  // coarser beyond the load budget).
  L.transition_width_mm.assign(regions.size(), 0.0);
  if (L.front.size() >= 2) {
    double cost = 0.0;
    for (std::size_t i = 0; i < regions.size(); ++i) {
      if (regions[i].role != RegionRole::kHairlineTransition) continue;
      const Box b = L.region_box[i];
      cost += grid_points(b.x0, b.y0, b.x1, b.y1, 0.5) *
              static_cast<double>(L.front.size() + regions[i].polygon_mm.size());
    }
    const double step = 0.5 * budget_factor(cost);
    for (std::size_t i = 0; i < regions.size(); ++i) {
      if (regions[i].role != RegionRole::kHairlineTransition) continue;
      const Box b = L.region_box[i];
      double w = 0.0;
      for (double y = b.y0 + 0.5 * step; y < b.y1; y += step)
        for (double x = b.x0 + 0.5 * step; x < b.x1; x += step)
          if (point_in_polygon(regions[i].polygon_mm, PointMm{x, y}))
            w = std::max(w, L.front_distance(PointMm{x, y}, nullptr, nullptr));
      L.transition_width_mm[i] = w;
    }
  }

  // Analysis grid: 5 mm cells, target counts from 5x5 samples (1 mm^2 each).
  L.ax0 = ext.x0;
  L.ay0 = ext.y0;
  L.anx = std::max(1, static_cast<int>(std::ceil((ext.x1 - ext.x0) / kDensityCellMm)));
  L.any = std::max(1, static_cast<int>(std::ceil((ext.y1 - ext.y0) / kDensityCellMm)));
  const std::size_t ncells = static_cast<std::size_t>(L.anx) * static_cast<std::size_t>(L.any);
  L.cell_expected.assign(ncells, 0.0);
  L.cell_fraction.assign(ncells, 0.0);
  Box target_ext{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                 -std::numeric_limits<double>::infinity(),
                 -std::numeric_limits<double>::infinity()};
  double max_density = 0.0;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (!is_target_role(regions[i].role)) continue;
    target_ext.x0 = std::min(target_ext.x0, L.region_box[i].x0);
    target_ext.y0 = std::min(target_ext.y0, L.region_box[i].y0);
    target_ext.x1 = std::max(target_ext.x1, L.region_box[i].x1);
    target_ext.y1 = std::max(target_ext.y1, L.region_box[i].y1);
    max_density = std::max(max_density, regions[i].density_per_cm2 / 100.0);
  }
  const double step = kDensityCellMm / kCellSamples;
  const double sample_area = step * step;
  for (int cj = 0; cj < L.any; ++cj) {
    for (int ci = 0; ci < L.anx; ++ci) {
      const double x0 = L.ax0 + ci * kDensityCellMm, y0 = L.ay0 + cj * kDensityCellMm;
      if (x0 > target_ext.x1 || y0 > target_ext.y1 || x0 + kDensityCellMm < target_ext.x0 ||
          y0 + kDensityCellMm < target_ext.y0)
        continue;
      double expected = 0.0;
      int inside = 0;
      for (int sj = 0; sj < kCellSamples; ++sj) {
        for (int si = 0; si < kCellSamples; ++si) {
          const Loc l = L.locate(PointMm{x0 + (si + 0.5) * step, y0 + (sj + 0.5) * step});
          if (l.density_mm2 <= 0.0) continue;
          ++inside;
          expected += l.density_mm2 * sample_area;
          if (l.band >= 0)
            L.band_expected[static_cast<std::size_t>(l.band)] += l.density_mm2 * sample_area;
        }
      }
      if (inside == 0) continue;
      const int c = cj * L.anx + ci;
      L.cell_expected[static_cast<std::size_t>(c)] = expected;
      L.cell_fraction[static_cast<std::size_t>(c)] =
          static_cast<double>(inside) / (kCellSamples * kCellSamples);
      L.target_cells.push_back(c);
      L.total_expected += expected;
      L.target_area_mm2 +=
          L.cell_fraction[static_cast<std::size_t>(c)] * kDensityCellMm * kDensityCellMm;
    }
  }

  // Neighbour grid. The NN search reach: twice the expected spacing at the lowest target
  // density (the hairline front included), at most kNnCapMaxMm.
  L.cap_global_mm = 0.0;
  double min_density = std::numeric_limits<double>::infinity();
  for (const Region& r : regions) {
    if (!is_target_role(r.role) || r.density_per_cm2 <= 0.0) continue;
    double d = r.density_per_cm2 / 100.0;
    if (r.role == RegionRole::kHairlineTransition && L.front.size() >= 2) d *= kRampFrontFraction;
    min_density = std::min(min_density, d);
  }
  if (min_density < std::numeric_limits<double>::infinity()) {
    L.cap_global_mm = std::min(kNnCapMaxMm, kNnCapFactor * kBlueNoiseNn / std::sqrt(min_density));
  }
  // First cells twice the search reach (few dots yet); State::regrid() refines them as the
  // session grows.
  L.hcell = L.cap_global_mm > 0.0 ? std::clamp(2.0 * L.cap_global_mm, 1.0, 8.0) : 4.0;
  L.hw = ext.x1 - ext.x0;
  L.hh = ext.y1 - ext.y0;
  L.hx0 = ext.x0;
  L.hy0 = ext.y0;

  // Scars: coverage cells expecting ~3 dots, and the border ring's target (0.5 mm samples).
  // Both passes get coarser beyond the load budget.
  double cell_cost = 0.0, ring_cost = 0.0;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].role != RegionRole::kScar) continue;
    const Box b = L.region_box[i], rb = box_of(regions[i].polygon_mm, kScarRingMm);
    const double dens = std::max(regions[i].density_per_cm2, 1e-9) / 100.0;
    const double cs = std::clamp(std::sqrt(kScarCellDots / dens), 0.5, 5.0);
    const double verts = static_cast<double>(regions[i].polygon_mm.size());
    cell_cost += grid_points(b.x0, b.y0, b.x1, b.y1, cs) * verts;
    ring_cost += grid_points(rb.x0, rb.y0, rb.x1, rb.y1, 0.5) *
                 (verts + static_cast<double>(regions.size() + L.front.size()));
  }
  const double cell_factor = budget_factor(cell_cost);
  const double ring_step = 0.5 * budget_factor(ring_cost);
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].role != RegionRole::kScar) continue;
    Layout::Scar s;
    s.region = static_cast<int>(i);
    s.box = L.region_box[i];
    s.ring_box = box_of(regions[i].polygon_mm, kScarRingMm);
    const double dens = std::max(regions[i].density_per_cm2, 1e-9) / 100.0;
    s.cs = std::clamp(std::sqrt(kScarCellDots / dens), 0.5, 5.0) * cell_factor;
    s.cx0 = s.box.x0;
    s.cy0 = s.box.y0;
    s.cnx = std::max(1, static_cast<int>(std::ceil((s.box.x1 - s.box.x0) / s.cs)));
    s.cny = std::max(1, static_cast<int>(std::ceil((s.box.y1 - s.box.y0) / s.cs)));
    s.cell_in.assign(static_cast<std::size_t>(s.cnx * s.cny), 0);
    for (int cj = 0; cj < s.cny; ++cj)
      for (int ci = 0; ci < s.cnx; ++ci)
        if (point_in_polygon(regions[i].polygon_mm,
                             PointMm{s.cx0 + (ci + 0.5) * s.cs, s.cy0 + (cj + 0.5) * s.cs})) {
          s.cell_in[static_cast<std::size_t>(cj * s.cnx + ci)] = 1;
          ++s.cells_in;
        }
    s.expected_in = polygon_area_mm2(regions[i].polygon_mm) * dens;
    for (double y = s.ring_box.y0 + 0.5 * ring_step; y < s.ring_box.y1; y += ring_step) {
      for (double x = s.ring_box.x0 + 0.5 * ring_step; x < s.ring_box.x1; x += ring_step) {
        const PointMm q{x, y};
        const Loc l = L.locate(q);
        if (l.scar_region >= 0 || l.density_mm2 <= 0.0) continue;
        if (distance_to_boundary_mm(regions[i].polygon_mm, q) > kScarRingMm) continue;
        s.expected_ring += l.density_mm2 * ring_step * ring_step;
      }
    }
    double cx = 0, cy = 0;
    for (PointMm p : regions[i].polygon_mm) {
      cx += p.x_mm;
      cy += p.y_mm;
    }
    const double n = static_cast<double>(std::max<std::size_t>(1, regions[i].polygon_mm.size()));
    s.centroid = PointMm{cx / n, cy / n};
    L.scars.push_back(std::move(s));
  }

  // Existing hairs (thinning): a compact grid (CSR) for "is this dot on a hair?".
  L.hair_r_mm = 0.5 * sc.patient.hair_diameter_mm;
  const auto& hairs = sc.patient.hairs_mm;
  if (!hairs.empty()) {
    Box hb{hairs[0].x_mm, hairs[0].y_mm, hairs[0].x_mm, hairs[0].y_mm};
    for (PointMm p : hairs) {
      hb.x0 = std::min(hb.x0, p.x_mm);
      hb.y0 = std::min(hb.y0, p.y_mm);
      hb.x1 = std::max(hb.x1, p.x_mm);
      hb.y1 = std::max(hb.y1, p.y_mm);
    }
    L.gcell = 1.0;
    while ((hb.x1 - hb.x0) / L.gcell > 2048.0 || (hb.y1 - hb.y0) / L.gcell > 2048.0) L.gcell *= 2.0;
    L.gx0 = hb.x0;
    L.gy0 = hb.y0;
    L.gnx = static_cast<int>(std::floor((hb.x1 - hb.x0) / L.gcell)) + 1;
    L.gny = static_cast<int>(std::floor((hb.y1 - hb.y0) / L.gcell)) + 1;
    const std::size_t n = static_cast<std::size_t>(L.gnx) * static_cast<std::size_t>(L.gny);
    L.hair_start.assign(n + 1, 0);
    auto cell = [&](PointMm p) {
      const int i = cell_clamp((p.x_mm - L.gx0) / L.gcell, L.gnx);
      const int j = cell_clamp((p.y_mm - L.gy0) / L.gcell, L.gny);
      return static_cast<std::size_t>(j * L.gnx + i);
    };
    for (PointMm p : hairs) ++L.hair_start[cell(p) + 1];
    for (std::size_t c = 0; c < n; ++c) L.hair_start[c + 1] += L.hair_start[c];
    L.hair_index.assign(hairs.size(), 0);
    std::vector<std::uint32_t> fill(L.hair_start.begin(), L.hair_start.end() - 1);
    for (std::size_t k = 0; k < hairs.size(); ++k)
      L.hair_index[fill[cell(hairs[k])]++] = static_cast<std::uint32_t>(k);
  }
  return L;
}

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
  std::int32_t acell = -1;  // analysis cell when in the treat area, else -1
  // the mutable contributions currently applied to the aggregates
  std::int32_t q_fx = 0, q2_fx = 0, risk_fx = 0;
  std::array<std::int32_t, 6> ori_fx{};
  // touching: it touches another dot (its grid entry counts how many), as applied to the sums
  bool nn_applied = false, ori_applied = false, crowded = false, touching = false, risky = false;
  bool touch_listed = false;
  std::uint8_t fcount = 0;  // at most one finding per code
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
  std::int32_t scar = -1;  // index into Layout::scars
  std::int32_t scar_cell = -1;
  std::int32_t depth_fx = 0, color_fx = 0, err_fx = 0;
  std::uint32_t fbegin = 0;  // immutable findings in State::imm_findings (fcount of them)
  std::uint32_t ubegin = 0;  // neighbour NN undo records in State::undo
  DepthStatus status() const { return static_cast<DepthStatus>(status_u8); }
  void set_status(DepthStatus v) { status_u8 = static_cast<std::uint8_t>(v); }
  // NN distances count up to this (0 when NN is not tracked)
  double cap_mm() const { return nn_cap_mm(expected_nn_mm); }
};

// A float no smaller than v (a conservative bound in half the space).
inline float float_up(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

// A dot as the neighbour grid sees it: everything the neighbour scan reads or counts, kept next
// to the position so the scan reads one contiguous run per cell (40 bytes) and goes to the
// (much larger, colder) Dot only when a neighbour's NN changes or it is touched for the first
// time: a dense session touches many dots per add, and a Dot read was a cache miss each.
struct HashEntry {
  double x, y;
  double nn_mm;      // mirror of Dot::nn_mm (0 when NN is not tracked)
  double radius_mm;  // mirror of Dot::radius_mm
  std::uint32_t idx;
  std::uint32_t touches;  // how many dots this one touches (the only copy)
};

// A neighbour's nearest neighbour before an add changed it. Touch counts need no record: pop()
// recomputes which dots the removed one touched from the same geometry.
struct Undo {
  double nn_mm;
  std::uint32_t j;
  std::uint32_t nn_id;
};

// The neighbour grid: uniform cells, each with its entries in index order and an upper bound of
// their nn_mm, so a query skips every cell that can hold nothing it needs (docs/scoring.md,
// "Neighbour search"). The cell size only changes speed, never a result.
// Cells keep their entries in runs of one pool (a vector per cell cost a heap block and a cache
// miss each): a full run moves to the pool's end at twice the size, and the pool is compacted in
// row order when half of it is abandoned runs, so neighbouring cells sit next to each other.
struct GridCell {
  std::uint32_t begin = 0, n = 0, cap = 0;
};
struct Grid {
  double x0 = 0, y0 = 0, cell = 1.0;
  double slack = 0;  // rounding margin of a cell's distance bound
  int nx = 1, ny = 1;
  std::vector<GridCell> cells;
  // Per cell, >= every entry's nn_mm (raised on insert and undo, exact after a scan). Apart from
  // the headers: a query tests a whole window of bounds, four to a header's cache line.
  std::vector<float> bound;
  // How many cells have a bound above level k, for k * level_mm (k = 1..kLevelsOfBound): no
  // dot anywhere can take a new dot farther than the lowest empty level as its NN, so a query
  // reads only cells that near (in a dense session every bound is small).
  static constexpr int kLevelsOfBound = 8;
  std::array<std::int32_t, kLevelsOfBound> above{};
  double level_mm = 0.0;
  void set_bound(std::size_t c, float b) {
    const double was = bound[c], now = b;
    bound[c] = b;
    for (int k = 0; k < kLevelsOfBound; ++k) {
      const double t = (k + 1) * level_mm;
      above[static_cast<std::size_t>(k)] += static_cast<int>(now > t) - static_cast<int>(was > t);
    }
  }
  // Every cell's bound is at most this (beyond the levels: +inf).
  double bound_ceiling() const {
    for (int k = 0; k < kLevelsOfBound; ++k)
      if (above[static_cast<std::size_t>(k)] == 0) return (k + 1) * level_mm;
    return std::numeric_limits<double>::infinity();
  }
  std::vector<HashEntry> pool;
  std::size_t abandoned = 0;  // pool entries in runs no cell uses any more

  HashEntry* begin(const GridCell& c) { return pool.data() + c.begin; }
  void push(std::size_t c, const HashEntry& e, double nn_mm) {
    GridCell& h = cells[c];
    if (h.n == h.cap && abandoned + h.cap > pool.size() / 2 && pool.size() > 4096) compact();
    if (h.n == h.cap) {
      const std::uint32_t cap = std::max<std::uint32_t>(4, 2 * h.cap);
      const std::size_t at = pool.size();
      pool.resize(at + cap);
      std::copy_n(pool.begin() + h.begin, h.n, pool.begin() + static_cast<std::ptrdiff_t>(at));
      abandoned += h.cap;
      h.begin = static_cast<std::uint32_t>(at);
      h.cap = cap;
    }
    pool[h.begin + h.n++] = e;
    const float b = float_up(nn_mm);
    if (b > bound[c]) set_bound(c, b);
  }
  // Rewrites the pool in row order, each run with room for 25% more (at least 4).
  void compact() {
    std::size_t total = 0;
    for (const GridCell& h : cells)
      total += h.n == 0 ? 0 : h.n + std::max<std::uint32_t>(4, h.n / 4);
    std::vector<HashEntry> np(total);
    std::size_t at = 0;
    for (GridCell& h : cells) {
      if (h.n == 0) {
        h.begin = h.cap = 0;
        continue;
      }
      std::copy_n(pool.begin() + h.begin, h.n, np.begin() + static_cast<std::ptrdiff_t>(at));
      h.begin = static_cast<std::uint32_t>(at);
      h.cap = h.n + std::max<std::uint32_t>(4, h.n / 4);
      at += h.cap;
    }
    pool = std::move(np);
    abandoned = 0;
  }
  std::size_t index(int i, int j) const {
    return static_cast<std::size_t>(j) * static_cast<std::size_t>(nx) + static_cast<std::size_t>(i);
  }
  int col(double x) const { return cell_clamp((x - x0) / cell, nx); }
  int row(double y) const { return cell_clamp((y - y0) / cell, ny); }
  std::size_t cell_of(PointMm p) const {
    return static_cast<std::size_t>(row(p.y_mm)) * static_cast<std::size_t>(nx) +
           static_cast<std::size_t>(col(p.x_mm));
  }
  // A lower bound (minus the slack) of |x - anything in column i|; 0 for the border columns,
  // which also hold the points beyond the grid.
  double gap_x(int i, double x) const {
    if (i == 0 || i == nx - 1) return 0.0;
    const double c0 = x0 + i * cell;
    return std::max(0.0, std::max(c0 - x, x - (c0 + cell)) - slack);
  }
  double gap_y(int j, double y) const {
    if (j == 0 || j == ny - 1) return 0.0;
    const double c0 = y0 + j * cell;
    return std::max(0.0, std::max(c0 - y, y - (c0 + cell)) - slack);
  }
};

// A set of dot indices walked in ascending order: one bit per dot (a std::set node per touching
// dot cost 48 bytes and an allocation, and most dots of a dense session touch).
class IndexSet {
 public:
  void insert(std::uint32_t i) {
    const std::size_t w = i / 64;
    if (w >= words_.size()) words_.resize(w + 1, 0);
    const std::uint64_t m = std::uint64_t{1} << (i % 64);
    if (!(words_[w] & m)) ++count_;
    words_[w] |= m;
  }
  void erase(std::uint32_t i) {
    const std::size_t w = i / 64;
    const std::uint64_t m = std::uint64_t{1} << (i % 64);
    if (w >= words_.size() || !(words_[w] & m)) return;
    words_[w] &= ~m;
    --count_;
  }
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  class const_iterator {
   public:
    const_iterator(const IndexSet* s, std::size_t pos) : s_(s), pos_(pos) { seek(); }
    std::uint32_t operator*() const { return static_cast<std::uint32_t>(pos_); }
    const_iterator& operator++() {
      ++pos_;
      seek();
      return *this;
    }
    bool operator==(const const_iterator& o) const { return pos_ == o.pos_; }

   private:
    // to the first member at or after pos_ (or the end)
    void seek() {
      const std::size_t end = s_->words_.size() * 64;
      while (pos_ < end) {
        const std::uint64_t rest = s_->words_[pos_ / 64] >> (pos_ % 64);
        if (rest != 0) {
          pos_ += static_cast<std::size_t>(std::countr_zero(rest));
          return;
        }
        pos_ = (pos_ / 64 + 1) * 64;
      }
      pos_ = end;
    }
    const IndexSet* s_;
    std::size_t pos_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, words_.size() * 64}; }

 private:
  std::vector<std::uint64_t> words_;
  std::size_t count_ = 0;
};

// Everything add() derives from one impression alone, before it touches the running state:
// score_batch() computes these in parallel.
struct Prepared {
  PointMm pos;
  std::int64_t id = 0;
  double depth_mm = 0.0, dose = 0.0;
  Layer layer = Layer::kEpidermis;
  std::uint32_t pigment = 0;  // index into State::pigments
  Loc loc;
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

struct CellAgg {
  std::int32_t count = 0;
  std::int32_t n_ori = 0;
  std::array<std::int64_t, 6> ori{};  // sums of cos/sin of 2, 4, 6 x the NN angle (fixed-point)
};

// A 10 mm block's orientation sums and what report() derived from them: functions of the
// integer sums, so a reused value is the same bits as a fresh one.
struct BlockMemo {
  CellAgg agg;
  bool valid = false;
  bool ordered = false;  // enough NN vectors to be judged
  bool grid = false;     // ordered enough for a grid_like spot
  int level = 0;         // the spot's severity level
  double excess = 0.0;   // order excess (0 when not judged)
};

constexpr std::uint8_t kNoSpot = 0xff;

// What report() derives from one target cell's count: the hole/clump class, its severity level
// and its message, pure functions of (count, expected), so a reused value is the same bits.
struct CellMemo {
  std::int32_t cnt = -1;        // count the figures below belong to (-1: none yet)
  std::uint8_t kind = kNoSpot;  // kHole, kClump or kNoSpot
  int level = 0;
  std::int32_t msg_cnt = -1;  // count the message belongs to (formatted only when listed)
  std::string msg;
};

// report()'s running view of the analysis grid (speed only, never results). Between two reports
// only the cells a new or removed dot touched change (State::mark_cell lists them), so only those
// are re-derived. The floating sums over cells keep their order: they are running sums in
// L.target_cells order, recomputed from the first position whose term changed (a term that did
// not change leaves the sums alone), so they are the same bits as one pass over all cells.
struct GridMemo {
  bool ready = false;
  std::vector<std::int32_t> pos_of_cell;  // analysis cell -> position in L.target_cells, or -1
  std::vector<std::int32_t> block_of_cell;
  std::vector<std::uint8_t> judged;  // per position
  std::vector<PointMm> centre;       // per position
  std::vector<CellMemo> cell;        // per position
  // Per position: min(count, expected), and expected x |ln ratio| for judged cells (0 for the
  // others: adding +0.0 leaves a sum of non-negative terms unchanged).
  std::vector<double> cov_term, dev_term;
  std::vector<double> cov_sum, dev_sum;    // [p]: the sum of the terms before p
  std::size_t cov_from = 0, dev_from = 0;  // first position whose running sum is stale
  double total = 0.0, dev_w = 0.0;         // fixed by the layout
  int judged_count = 0, holes = 0, clumps = 0;
  std::vector<std::vector<std::int32_t>> block_cells;  // target cells of each 10 mm block
  std::vector<BlockMemo> block;
  std::vector<std::uint8_t> block_dirty;
  std::vector<std::uint32_t> dirty_blocks;
  std::vector<double> ex_term, ex_sum;  // order excess per block (0 when not judged), running
  std::size_t ex_from = 0;
  int ordered = 0, grid = 0;
  // Hole, clump and grid_like spots by packed key (spot_key): the list's order, kept sorted.
  std::set<std::uint64_t> spots;
};

// Spot order: most severe first, then code, then the spot's position in its own generation loop
// (analysis cells in L.target_cells order, 10 mm blocks by index, hairline pieces, scar cells,
// scars: every code has one loop). One integer compare.
inline std::uint64_t spot_key(int level, std::uint8_t code, std::uint32_t pos) {
  return (static_cast<std::uint64_t>(kLevels - level) << 40) |
         (static_cast<std::uint64_t>(code) << 32) | pos;
}
inline int spot_level(std::uint64_t key) {
  return kLevels - static_cast<int>(key >> 40);
}
inline std::uint8_t spot_code(std::uint64_t key) {
  return static_cast<std::uint8_t>((key >> 32) & 0xffu);
}
inline bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// The other spot findings (hairline gaps, straight hairline, scars): few, generated per report.
// The message is formatted only if the spot makes the list, from the figures a and b.
struct Spot {
  std::uint64_t key;
  PointMm pos;
  double a = 0.0, b = 0.0;
};

// A critical error's messages, with the inputs they are a function of.
struct CritMemo {
  std::int64_t ext_id = -1;
  double depth_mm = 0.0;
  std::uint32_t flags = 0;
  bool valid = false;
  std::string fat, region, pigment;
};

Impression sanitized(const Impression& in);
bool is_sane(const Impression& in);

// Asks the kernel to back [p, p + bytes) with huge pages where it can: a batch writes tens of
// MB once, and at 4 kB a page the first-touch faults cost more than the writes (Linux; a hint
// elsewhere ignored).
void prefer_huge_pages(void* p, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const std::uintptr_t a = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t e = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (e > a) madvise(reinterpret_cast<void*>(a), e - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

// A batch's per-dot array: allocated uninitialised, so each element is first written (and its
// page faulted in) by the thread that computes it, not zeroed up front by one thread.
template <class T>
class BatchArray {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  explicit BatchArray(std::size_t n)
      : n_(n), p_(std::allocator<T>().allocate(std::max<std::size_t>(n, 1))) {
    prefer_huge_pages(p_, n * sizeof(T));
  }
  ~BatchArray() { std::allocator<T>().deallocate(p_, std::max<std::size_t>(n_, 1)); }
  BatchArray(const BatchArray&) = delete;
  BatchArray& operator=(const BatchArray&) = delete;
  T* construct(std::size_t i) { return std::construct_at(p_ + i); }
  T& operator[](std::size_t i) { return p_[i]; }
  std::span<T> span() { return {p_, n_}; }

 private:
  std::size_t n_;
  T* p_;
};

// Runs work() on `threads` threads (this one included) and waits for all; the first exception
// is rethrown here once every thread has stopped.
template <class Work>
void run_parallel(unsigned threads, Work&& work) {
  std::vector<std::thread> extra;
  std::exception_ptr failed;
  std::mutex failed_mu;
  auto guarded = [&] {
    try {
      work();
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failed_mu);
      if (!failed) failed = std::current_exception();
    }
  };
  for (unsigned t = 1; t < threads; ++t) extra.emplace_back(guarded);
  guarded();
  for (std::thread& t : extra) t.join();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace

struct Scorer::State {
  const Scenario* sc;
  const PigmentCatalogue* cat;
  Layout L;
  std::vector<PigmentFacts> pigments;
  // deposit_color() per (pigment, dilution) seen: a session uses a handful, and it is a third of
  // an add's fixed cost.
  struct Deposit {
    std::uint32_t pigment;
    double dilution;
    Lab color;
  };
  std::vector<Deposit> deposits;
  std::vector<Dot> dots;
  Grid grid;
  std::size_t regrid_at = 0;  // size() at which regrid() next looks at the cell size
  // (k, r): dot k raised the largest radius so far to r. The largest radius before dot k is what
  // add() searched with; pop() needs it back.
  std::vector<std::pair<std::uint32_t, double>> maxr_steps;
  std::vector<Undo> undo;
  std::vector<std::uint32_t> imm_findings;  // bucket index of each immutable finding, stacked
  std::vector<std::vector<std::uint32_t>> buckets;  // [code * (kLevels + 1) + level] -> dot indices
  std::vector<std::uint32_t>
      level_count;                       // immutable findings per level: report() skips empty ones
  IndexSet touching_set;                 // dots that touch another (the one mutable finding)
  std::vector<std::uint32_t> criticals;  // dot indices with a critical error, in order
  std::vector<CellAgg> cells;
  // report() memos (speed only, never results): the analysis grid's derived figures, the
  // message of each listed (dot, code) and of each critical error, formatted once. A dot's
  // message depends only on what add() fixed, so pop() forgets the popped index. report() is
  // const: the mutex keeps concurrent calls safe.
  mutable std::mutex memo_mu;
  mutable GridMemo grid_memo;
  mutable std::map<std::uint64_t, std::string> dot_msg_memo;  // index * kCodeCount + code
  mutable std::vector<CritMemo> crit_memo;                    // per entry of `criticals`
  mutable std::vector<Spot> spot_buf;                         // reused so they keep their capacity
  mutable std::vector<std::pair<std::uint32_t, std::uint8_t>> level_buf;
  // Analysis cells whose count or orientation sums changed since the last report().
  mutable std::vector<std::int32_t> dirty_cells;
  mutable std::vector<std::uint8_t> cell_dirty;
  void mark_cell(std::int32_t c) {
    if (c < 0 || cell_dirty[static_cast<std::size_t>(c)]) return;
    cell_dirty[static_cast<std::size_t>(c)] = 1;
    dirty_cells.push_back(c);
  }
  void refresh_grid() const;
  void update_cell(std::size_t p) const;
  void update_block(std::size_t bk) const;

  // depth
  std::int64_t depth_sum = 0, n_in_band = 0, n_shallow = 0, n_deep = 0, n_fat = 0;
  std::int64_t depth_err_sum_fx = 0;  // mm outside the band, summed
  // spacing
  std::int64_t n_nn = 0, q_sum = 0, q2_sum = 0, n_crowded = 0;
  std::int64_t n_touching = 0, touch_pairs = 0;
  std::int64_t n_target = 0;  // dots inside the treat area
  // blurring
  std::int64_t risk_sum = 0, n_risky = 0, n_repeat = 0, n_heavy = 0, n_reticular = 0;
  // colour
  std::int64_t color_sum = 0, de_sum = 0, n_color = 0, n_black_temp = 0, n_dark_hair = 0;
  // case
  std::int64_t n_front = 0, n_outside = 0, n_avoid = 0, n_under_hair = 0;
  std::array<std::int64_t, kRampBands> band_count{};
  std::vector<std::int64_t> seg_min_fx;
  std::vector<std::int64_t> scar_in, scar_ring;
  std::vector<std::vector<std::int32_t>> scar_cells;
  // critical
  std::int64_t n_crit_fat = 0, n_crit_region = 0, n_crit_pigment = 0;

  State(const Scenario& s, const PigmentCatalogue& c);
  std::uint32_t facts(const std::string& id);
  std::uint32_t deposit(std::uint32_t pigment, const Impression& imp);
  void prepare(const Impression& raw, std::uint32_t pigment, std::uint32_t deposit,
               Prepared& out) const;
  void add(const Impression& imp);
  // fin: the dot's final neighbour facts (score_batch()): no neighbour scan and no grid entry;
  // the caller applies the mutable contributions once every dot is in (apply_mut, sync_touching).
  void commit(const Prepared& p, const FinalNeighbours* fin = nullptr);
  void final_neighbours(std::span<const Prepared> prep, std::span<FinalNeighbours> out,
                        unsigned threads) const;
  void pop();
  double max_radius_before(std::uint32_t k) const;
  void regrid();
  double grid_cell_for(std::size_t n) const;
  Grid empty_grid(double cell) const;
  static void lay_out_runs(Grid& g, bool room = true);
  void commit_blur(const Prepared& p, Dot& d, std::uint32_t k, bool fat);
  // nn_pos: the position of j's NN when the caller has it at hand (saves a cache miss)
  void apply_mut(std::uint32_t j, const PointMm* nn_pos = nullptr);
  void retract_mut(std::uint32_t j);
  void apply_risk(Dot& d);
  void retract_risk(Dot& d);
  void set_touching(std::uint32_t j, bool touching);
  void prefetch_window(PointMm p) const;
  void report_into(ScoreReport& rep) const;
  void push_imm(Dot& d, std::uint32_t idx, Code code, int level);
  void sync_touching(std::uint32_t j);
};

Scorer::State::State(const Scenario& s, const PigmentCatalogue& c)
    : sc(&s), cat(&c), L(build_layout(s)) {
  regrid();
  cells.resize(L.cell_expected.size());
  cell_dirty.assign(cells.size(), 0);
  seg_min_fx.assign(static_cast<std::size_t>(L.segments), kNoSegment);
  buckets.resize(static_cast<std::size_t>(kCodeCount) * (kLevels + 1));
  level_count.assign(kLevels + 1, 0);
  scar_in.assign(L.scars.size(), 0);
  scar_ring.assign(L.scars.size(), 0);
  for (const auto& sc_ : L.scars) scar_cells.emplace_back(sc_.cell_in.size(), 0);
  // The layout knows how many dots the scenario expects: reserve for them up front.
  const std::size_t expect =
      static_cast<std::size_t>(std::min(4.0e6, 1.25 * L.total_expected)) + 1024;
  dots.reserve(expect);
}

// Neighbour grid cells sized for about kGridCellDots dots each over the treat area: the scan then
// reads a few cells of a few entries. Rebuilt when the session has doubled since the last look
// (amortised O(1) per add); never coarsened, so pop_back() cannot make add() rebuild again.
constexpr double kGridCellDots = 3.0;
constexpr double kGridMinCellMm = 0.5;
constexpr std::size_t kGridFirstLook = 1024;

void Scorer::State::regrid() {
  const std::size_t n = dots.size();
  regrid_at = std::max(kGridFirstLook, 2 * n);
  double cell = L.hcell;
  if (!grid.cells.empty()) {
    cell = grid_cell_for(n);
    if (!(cell < grid.cell / 1.4)) return;
  } else {
    while (L.hw / cell > 2048.0 || L.hh / cell > 2048.0) cell *= 2.0;
  }
  // The touch counts live only in the entries: carried over by index.
  std::vector<std::uint32_t> touches(n, 0);
  for (const GridCell& h : grid.cells)
    for (std::uint32_t q = 0; q < h.n; ++q) {
      const HashEntry& e = grid.begin(h)[q];
      touches[e.idx] = e.touches;
    }
  grid = empty_grid(cell);
  for (std::uint32_t k = 0; k < n; ++k) ++grid.cells[grid.cell_of(dots[k].pos)].n;
  lay_out_runs(grid);
  for (std::uint32_t k = 0; k < n; ++k) {
    const Dot& d = dots[k];
    grid.push(grid.cell_of(d.pos),
              HashEntry{d.pos.x_mm, d.pos.y_mm, d.nn_mm, d.radius_mm, k, touches[k]}, d.nn_mm);
  }
}

// Every dot's neighbour facts with the whole session in: what add() one by one leaves behind.
// A dot's final NN is the nearest other dot closer than its cap, ties to the lower index: add()
// takes the nearest earlier dot (ties lower), and a later dot replaces it only when strictly
// nearer, so the earliest of the nearest wins. Touches are symmetric; a repeated pass needs an
// earlier dot. Distances and radius sums use add()'s arithmetic (squares of differences, a + b),
// so every comparison has the same bits. The dots are read from a grid of exact runs in row
// order, cells split between the threads.
void Scorer::State::final_neighbours(std::span<const Prepared> prep, std::span<FinalNeighbours> out,
                                     unsigned threads) const {
  const std::size_t n = prep.size();
  Grid G = empty_grid(std::min(L.hcell, grid_cell_for(std::max<std::size_t>(n, 1))));
  double maxr = 0.0;
  for (const Prepared& p : prep) {
    ++G.cells[G.cell_of(p.pos)].n;
    maxr = std::max(maxr, p.radius_mm);
  }
  lay_out_runs(G, false);
  for (std::uint32_t k = 0; k < n; ++k) {
    const Prepared& p = prep[k];
    G.push(G.cell_of(p.pos), HashEntry{p.pos.x_mm, p.pos.y_mm, 0.0, p.radius_mm, k, 0}, 0.0);
  }
  auto one = [&](const HashEntry& me) {
    const std::uint32_t k = me.idx;
    FinalNeighbours& f = out[k];
    const double px = me.x, py = me.y, r = me.radius_mm;
    const double cap = nn_cap_mm(expected_nn_for(prep[k].loc.density_mm2));
    std::construct_at(&f);
    f.nn_mm = cap;
    const bool tracked = cap > 0.0;
    // Pass 1: every dot that can touch this one (nearer than r + the largest radius); NN
    // candidates too. Pass 2 (tracked, NN not yet within pass 1's reach): out to the NN so far.
    const double touch_mm = r + maxr;
    // Another dot at distance dd as an NN candidate: nearer, or as near with a lower index.
    auto nn_candidate = [&](const HashEntry& e, double dd) {
      if (dd < f.nn_mm || (dd == f.nn_mm && f.nn_id != kNone && e.idx < f.nn_id)) {
        f.nn_mm = dd;
        f.nn_id = e.idx;
      }
    };
    auto distance = [&](const HashEntry& e) {
      const double ex = e.x - px, ey = e.y - py;
      return std::sqrt(ex * ex + ey * ey);
    };
    auto visit = [&](const HashEntry& e) {
      if (e.idx == k) return;
      const double dd = distance(e);
      if (tracked) nn_candidate(e, dd);
      const double rsum = e.idx < k ? r + e.radius_mm : e.radius_mm + r;
      if (dd < rsum) {
        ++f.touches;
        if (e.idx < k) {
          ++f.earlier_touches;
          if (dd < kRepeatFraction * rsum) f.repeat = true;
        }
      }
    };
    const int i0 = G.col(px - touch_mm), i1 = G.col(px + touch_mm);
    const int j0 = G.row(py - touch_mm), j1 = G.row(py + touch_mm);
    const double t2 = touch_mm * touch_mm;
    for (int j = j0; j <= j1; ++j) {
      const double gy = G.gap_y(j, py);
      for (int i = i0; i <= i1; ++i) {
        const double gx = G.gap_x(i, px);
        if (gx * gx + gy * gy > t2) continue;
        const GridCell& h = G.cells[G.index(i, j)];
        const HashEntry* run = G.pool.data() + h.begin;
        for (std::uint32_t q = 0; q < h.n; ++q) visit(run[q]);
      }
    }
    if (!tracked || f.nn_mm <= touch_mm) return;
    // Every dot nearer than the NN so far lies in this window; the cells of pass 1 are done.
    const double w = f.nn_mm;
    const int k0 = G.col(px - w), k1 = G.col(px + w);
    const int l0 = G.row(py - w), l1 = G.row(py + w);
    for (int j = l0; j <= l1; ++j) {
      const double gy = G.gap_y(j, py);
      for (int i = k0; i <= k1; ++i) {
        const double gx = G.gap_x(i, px);
        const double g2 = gx * gx + gy * gy;
        if (j >= j0 && j <= j1 && i >= i0 && i <= i1 && !(g2 > t2)) continue;
        if (g2 > f.nn_mm * f.nn_mm) continue;
        const GridCell& h = G.cells[G.index(i, j)];
        const HashEntry* run = G.pool.data() + h.begin;
        for (std::uint32_t q = 0; q < h.n; ++q)
          if (run[q].idx != k) nn_candidate(run[q], distance(run[q]));
      }
    }
  };
  // Rows in chunks, claimed in turn: the threads share the work even when one core is busy.
  constexpr int kRows = 8;
  std::atomic<int> next{0};
  auto work = [&] {
    for (;;) {
      const int j0 = next.fetch_add(kRows, std::memory_order_relaxed);
      if (j0 >= G.ny) return;
      const int j1 = std::min(G.ny, j0 + kRows);
      for (int j = j0; j < j1; ++j)
        for (int i = 0; i < G.nx; ++i) {
          const GridCell& h = G.cells[G.index(i, j)];
          for (std::uint32_t q = 0; q < h.n; ++q) one(G.pool[h.begin + q]);
        }
    }
  };
  run_parallel(threads, work);
}

double Scorer::State::grid_cell_for(std::size_t n) const {
  const double area = L.target_area_mm2 > 0.0 ? L.target_area_mm2 : L.hw * L.hh;
  const double cell = std::sqrt(kGridCellDots * area / static_cast<double>(n));
  // at most ~2 cells per dot and 2048 per side
  return std::max({cell, kGridMinCellMm, std::sqrt(L.hw * L.hh / (2.0 * static_cast<double>(n))),
                   L.hw / 2048.0, L.hh / 2048.0});
}

Grid Scorer::State::empty_grid(double cell) const {
  Grid g;
  g.x0 = L.hx0;
  g.y0 = L.hy0;
  g.cell = cell;
  g.nx = std::max(1, static_cast<int>(std::ceil(L.hw / cell)));
  g.ny = std::max(1, static_cast<int>(std::ceil(L.hh / cell)));
  // Cell edges and a point's cell are computed with a few roundings at the grid's magnitude: the
  // 1e-9 relative margin dwarfs them, so the bound never exceeds a true distance.
  g.slack = 1e-9 * (1.0 + std::fabs(g.x0) + std::fabs(g.y0) + L.hw + L.hh);
  const std::size_t ncells = static_cast<std::size_t>(g.nx) * static_cast<std::size_t>(g.ny);
  g.cells.resize(ncells);
  g.bound.assign(ncells, 0.0F);
  g.level_mm = L.cap_global_mm / Grid::kLevelsOfBound;
  return g;
}

// Runs in row order sized for the counts in GridCell::n (with room for `room` more each), emptied.
void Scorer::State::lay_out_runs(Grid& g, bool room) {
  std::size_t at = 0;
  for (GridCell& h : g.cells) {
    h.begin = static_cast<std::uint32_t>(at);
    h.cap = h.n == 0 ? 0 : h.n + (room ? std::max<std::uint32_t>(4, h.n / 4) : 0);
    h.n = 0;
    at += h.cap;
  }
  g.pool.assign(at, HashEntry{});
}

double Scorer::State::max_radius_before(std::uint32_t k) const {
  // the last step before k (add() and pop() ask for the newest dot: at most one step to skip)
  std::size_t m = maxr_steps.size();
  while (m > 0 && maxr_steps[m - 1].first >= k) --m;
  return m > 0 ? maxr_steps[m - 1].second : 0.0;
}

constexpr std::size_t kMaxDeposits = 64;

// Index into `deposits`, or kNone (not cached: prepare() computes it).
std::uint32_t Scorer::State::deposit(std::uint32_t pigment, const Impression& imp) {
  const Pigment* pg = pigments[pigment].pigment;
  if (pg == nullptr) return kNone;
  const double dilution = healing_dilution(imp);
  for (std::size_t i = 0; i < deposits.size(); ++i)
    if (deposits[i].pigment == pigment && deposits[i].dilution == dilution)
      return static_cast<std::uint32_t>(i);
  if (deposits.size() >= kMaxDeposits) return kNone;
  deposits.push_back(
      Deposit{pigment, dilution, deposit_color(*pg, dilution, sc->patient.skin_lab)});
  return static_cast<std::uint32_t>(deposits.size() - 1);
}

std::uint32_t Scorer::State::facts(const std::string& id) {
  for (std::size_t i = 0; i < pigments.size(); ++i)
    if (pigments[i].id == id) return static_cast<std::uint32_t>(i);
  PigmentFacts f;
  f.id = id;
  f.pigment = cat->find(id);
  f.allowed = f.pigment != nullptr &&
              (sc->pigments_allowed.empty() ||
               std::find(sc->pigments_allowed.begin(), sc->pigments_allowed.end(), id) !=
                   sc->pigments_allowed.end());
  pigments.push_back(std::move(f));
  return static_cast<std::uint32_t>(pigments.size() - 1);
}

void Scorer::State::push_imm(Dot& d, std::uint32_t idx, Code code, int level) {
  const std::uint32_t b =
      static_cast<std::uint32_t>(code * (kLevels + 1) + std::clamp(level, 1, kLevels));
  imm_findings.push_back(b);
  ++d.fcount;
  buckets[b].push_back(idx);
  ++level_count[b % (kLevels + 1)];
}

void Scorer::State::apply_mut(std::uint32_t j, const PointMm* nn_pos) {
  Dot& d = dots[j];
  if (d.expected_nn_mm > 0.0) {
    const double q = std::min(d.nn_mm, d.cap_mm()) / d.expected_nn_mm;
    d.q_fx = fx32(q);
    d.q2_fx = fx32(q * q);
    q_sum += d.q_fx;
    q2_sum += d.q2_fx;
    ++n_nn;
    d.nn_applied = true;
    d.crowded = q < kCrowdedRatio;
    if (d.crowded) ++n_crowded;
    if (d.nn_id != kNone && d.acell >= 0) {
      const PointMm o = nn_pos != nullptr ? *nn_pos : dots[d.nn_id].pos;
      const double dx = o.x_mm - d.pos.x_mm, dy = o.y_mm - d.pos.y_mm;
      const double len = std::sqrt(dx * dx + dy * dy);
      if (len > 0.0) {
        // Undirected NN orientation: harmonics 2, 4, 6 of the angle without trigonometry.
        const double ux = dx / len, uy = dy / len;
        const double c2 = ux * ux - uy * uy, s2 = 2.0 * ux * uy;
        const double c4 = c2 * c2 - s2 * s2, s4 = 2.0 * c2 * s2;
        const double c6 = c4 * c2 - s4 * s2, s6 = s4 * c2 + c4 * s2;
        d.ori_fx = {fx32(c2), fx32(s2), fx32(c4), fx32(s4), fx32(c6), fx32(s6)};
        CellAgg& cell = cells[static_cast<std::size_t>(d.acell)];
        for (std::size_t k = 0; k < 6; ++k) cell.ori[k] += d.ori_fx[k];
        ++cell.n_ori;
        mark_cell(d.acell);
        d.ori_applied = true;
      }
    }
  }
  apply_risk(d);
}

// The touching state and the blur risk that depends on it, applied to and retracted from the
// sums.
void Scorer::State::apply_risk(Dot& d) {
  if (d.touching) ++n_touching;
  const double risk = 1.0 - (1.0 - d.base_risk) * (1.0 - (d.touching ? kRiskOverlap : 0.0));
  d.risk_fx = fx32(risk);
  risk_sum += d.risk_fx;
  d.risky = risk >= kRiskyDot;
  if (d.risky) ++n_risky;
}
void Scorer::State::retract_risk(Dot& d) {
  if (d.touching) --n_touching;
  risk_sum -= d.risk_fx;
  if (d.risky) --n_risky;
}

// A dot starts or stops touching while its NN stays: only the touch-dependent part changes
// (retract_mut + apply_mut would put back the same NN contributions).
void Scorer::State::set_touching(std::uint32_t j, bool touching) {
  Dot& d = dots[j];
  if (d.touching == touching) return;
  retract_risk(d);
  d.touching = touching;
  apply_risk(d);
  sync_touching(j);
}

void Scorer::State::retract_mut(std::uint32_t j) {
  Dot& d = dots[j];
  if (d.nn_applied) {
    q_sum -= d.q_fx;
    q2_sum -= d.q2_fx;
    --n_nn;
    if (d.crowded) --n_crowded;
    d.nn_applied = false;
  }
  if (d.ori_applied) {
    CellAgg& cell = cells[static_cast<std::size_t>(d.acell)];
    for (std::size_t k = 0; k < 6; ++k) cell.ori[k] -= d.ori_fx[k];
    --cell.n_ori;
    mark_cell(d.acell);
    d.ori_applied = false;
  }
  retract_risk(d);
}

void Scorer::State::sync_touching(std::uint32_t j) {
  const Dot& d = dots[j];
  if (d.touching == d.touch_listed) return;
  if (d.touching) {
    touching_set.insert(j);
  } else {
    touching_set.erase(j);
  }
  dots[j].touch_listed = d.touching;
}

namespace {
// Non-finite numbers (a corrupt interchange file) must not reach the integer state: a position
// becomes a point far outside every region, the other fields their neutral values.
// Whether sanitized(in) would change nothing (the usual case: no copy needed).
bool is_sane(const Impression& in) {
  auto ok = [](double v) { return std::isfinite(v); };
  return ok(in.pos.x_mm) && ok(in.pos.y_mm) && std::fabs(in.pos.x_mm) <= 1e9 &&
         std::fabs(in.pos.y_mm) <= 1e9 && ok(in.depth_mm) && ok(in.dose) &&
         ok(in.fresh_diameter_mm) && ok(in.elongation) && ok(in.dilution);
}

Impression sanitized(const Impression& in) {
  Impression imp = in;
  auto finite = [](double v) { return std::isfinite(v); };
  if (!finite(imp.pos.x_mm) || !finite(imp.pos.y_mm)) imp.pos = PointMm{1e9, 1e9};
  imp.pos.x_mm = std::clamp(imp.pos.x_mm, -1e9, 1e9);
  imp.pos.y_mm = std::clamp(imp.pos.y_mm, -1e9, 1e9);
  if (!finite(imp.depth_mm)) imp.depth_mm = 0.0;
  if (!finite(imp.dose)) imp.dose = 0.0;
  if (!finite(imp.fresh_diameter_mm)) imp.fresh_diameter_mm = 0.0;
  if (!finite(imp.elongation)) imp.elongation = 1.0;
  if (!finite(imp.dilution)) imp.dilution = 0.0;
  return imp;
}
}  // namespace

void Scorer::State::prepare(const Impression& raw, std::uint32_t pigment, std::uint32_t dep,
                            Prepared& p) const {
  Impression fixed;
  const Impression& imp = is_sane(raw) ? raw : (fixed = sanitized(raw));
  p.pos = imp.pos;
  p.id = imp.id;
  p.depth_mm = imp.depth_mm;
  p.dose = imp.dose;
  p.layer = imp.layer;
  p.pigment = pigment;
  p.loc = L.regions_with_skin(imp.pos, p.skin);
  // The hairline distance is read for a transition dot (its density ramp and hairline piece)
  // and a dot outside every target region (in front of the line?); for the others commit()
  // never reads it, and skipping it saves a pass over the hairline.
  const int tr = p.loc.target_region;
  if (L.front.size() >= 2 &&
      (tr < 0 || sc->regions[static_cast<std::size_t>(tr)].role == RegionRole::kHairlineTransition))
    p.front_dist_mm = L.front_distance(imp.pos, &p.front_arc_mm, &p.front_side_mm);
  L.finish_loc(p.loc, imp.pos, &p.front_dist_mm);
  const PigmentFacts& pf = pigments[pigment];

  // Healed look (cached: colour and size never change after placement).
  double healed_d = imp.fresh_diameter_mm;
  double healed_e = std::max(1.0, imp.elongation);
  if (pf.pigment != nullptr) {
    const Lab& skin_lab = sc->patient.skin_lab;
    const Appearance a =
        dep != kNone
            ? appearance_at(imp, p.skin, *pf.pigment, skin_lab, kHealedDays, deposits[dep].color)
            : appearance_at(imp, p.skin, *pf.pigment, skin_lab, kHealedDays);
    healed_d = a.diameter_mm;
    healed_e = std::max(1.0, a.elongation);
    p.delta_e = ciede2000(a.color, L.target);
    p.dot_l = a.color.L;
  }
  // Equal-area radius of the healed oval.
  p.radius_mm = std::min(kMaxRadiusMm, 0.5 * std::max(0.0, healed_d) * std::sqrt(healed_e));
  p.under_hair =
      sc->case_kind == CaseKind::kThinning && L.under_hair(imp.pos, L.hair_r_mm + p.radius_mm);
}

// Starts fetching the neighbour grid's cell headers around p: prepare() then computes while they
// arrive (the scan in commit() is bound by memory latency).
void Scorer::State::prefetch_window(PointMm p) const {
  const Grid& G = grid;
  const double reach = L.cap_global_mm;
  const int i0 = G.col(p.x_mm - reach), i1 = G.col(p.x_mm + reach);
  const int j0 = G.row(p.y_mm - reach), j1 = G.row(p.y_mm + reach);
  const int hi = G.col(p.x_mm), hj = G.row(p.y_mm);
  for (int j = j0; j <= j1; ++j) {
    const float* b = G.bound.data() + G.index(0, j);
    for (int i = i0; i <= i1; i += 16) __builtin_prefetch(b + i);
    __builtin_prefetch(b + i1);
    if (j >= hj - 1 && j <= hj + 1)
      __builtin_prefetch(G.cells.data() + G.index(std::max(0, hi - 1), j));
  }
}

void Scorer::State::add(const Impression& raw) {
  prefetch_window(raw.pos);
  Prepared p;
  const std::uint32_t pigment = facts(raw.pigment);
  prepare(raw, pigment, deposit(pigment, raw), p);
  commit(p);
}

void Scorer::State::commit(const Prepared& p, const FinalNeighbours* fin) {
  const std::uint32_t k = static_cast<std::uint32_t>(dots.size());
  dots.emplace_back();
  Dot& d = dots.back();
  d.pos = p.pos;
  d.ext_id = p.id;
  d.depth_mm = p.depth_mm;
  d.dose = p.dose;
  d.fbegin = static_cast<std::uint32_t>(imm_findings.size());
  d.ubegin = static_cast<std::uint32_t>(undo.size());

  const Loc& loc = p.loc;
  const SkinSample& skin = p.skin;
  const PigmentFacts* pf = &pigments[p.pigment];
  if (pf->pigment != nullptr) {
    d.delta_e = p.delta_e;
    d.dot_l = p.dot_l;
  } else {
    d.flags |= kFlagUnknownPigment;
  }
  d.radius_mm = p.radius_mm;

  // ---- depth ----
  const SkinLayersMm& lay = skin.layers;
  double bmin = lay.epidermis_mm, bmax = lay.epidermis_mm + lay.papillary_mm;
  if (loc.target_region >= 0) {
    const Region& r = sc->regions[static_cast<std::size_t>(loc.target_region)];
    if (r.depth_max_mm > r.depth_min_mm) {
      bmin = r.depth_min_mm;
      bmax = r.depth_max_mm;
    }
  }
  d.band_min_mm = bmin;
  d.band_max_mm = bmax;
  const bool fat =
      p.layer == Layer::kSubcutis || layer_at_depth(lay, p.depth_mm) == Layer::kSubcutis;
  // Too deep: the score falls to 0 one band width below the band. Too shallow: it falls to 0 at
  // the skin surface (or one band width above the band, if that comes first).
  const double width = std::max(kMinBandWidthMm, bmax - bmin);
  const double deep_scale = kDepthZeroBandWidths * width;
  const double shallow_scale = std::max(kMinBandWidthMm, std::min(deep_scale, bmin));
  const double err = p.depth_mm < bmin   ? bmin - p.depth_mm
                     : p.depth_mm > bmax ? p.depth_mm - bmax
                                         : 0.0;
  const double depth_score =
      fat ? 0.0 : clamp01(1.0 - err / (p.depth_mm < bmin ? shallow_scale : deep_scale));
  d.depth_fx = fx32(depth_score);
  depth_sum += d.depth_fx;
  d.err_fx = fx32(std::min(err, kMaxDepthErrorMm));
  depth_err_sum_fx += d.err_fx;
  if (fat) {
    d.flags |= kFlagFat;
    d.set_status(DepthStatus::kCritical);
    ++n_fat;
    ++n_crit_fat;
    push_imm(d, k, kPigmentInFat, kSevCritical);
  } else if (p.depth_mm < bmin) {
    d.set_status(DepthStatus::kTooShallow);
    ++n_shallow;
    push_imm(d, k, kTooShallow, level_of(1.0 - depth_score));
  } else if (p.depth_mm > bmax) {
    d.set_status(DepthStatus::kTooDeep);
    ++n_deep;
    push_imm(d, k, kTooDeep, level_of(1.0 - depth_score));
  } else {
    ++n_in_band;
  }

  // ---- placement: regions, hairline, hairs, scars ----
  if (loc.forbidden_region >= 0) {
    d.flags |= kFlagForbidden;
    ++n_crit_region;
    push_imm(d, k, kForbiddenRegion, kSevCritical);
  } else if (loc.avoid) {
    d.flags |= kFlagAvoid;
    ++n_avoid;
    push_imm(d, k, kAvoidRegion, kSevAvoid);
  }
  if (loc.density_mm2 > 0.0) {
    ++n_target;
    d.expected_nn_mm = expected_nn_for(loc.density_mm2);
    d.acell = L.acell_of(p.pos);
    if (d.acell >= 0) ++cells[static_cast<std::size_t>(d.acell)].count;
    mark_cell(d.acell);
    if (loc.band >= 0) {
      d.band = loc.band;
      ++band_count[static_cast<std::size_t>(loc.band)];
    }
  }
  if (L.front.size() >= 2) {
    const double arc = p.front_arc_mm, side = p.front_side_mm;
    const double fd = p.front_dist_mm;
    d.front_dist_mm = fd;
    if (loc.transition) {
      d.seg = std::min(L.segments - 1, static_cast<int>(arc / L.front_length_mm * L.segments));
      if (!(d.seg >= 0)) d.seg = 0;
      std::int64_t& m = seg_min_fx[static_cast<std::size_t>(d.seg)];
      d.seg_prev_fx = m;
      m = std::min(m, fx(fd));
    } else if (loc.target_region < 0 && side > kFrontToleranceMm &&
               (fd <= kFrontReachMm || loc.forbidden_region >= 0)) {
      // In front of the designed line. A dot in the forbidden forehead counts here too (the
      // hairline is too low), but its finding is the critical one.
      d.flags |= kFlagFront;
      ++n_front;
      if (loc.forbidden_region < 0) push_imm(d, k, kInFrontOfHairline, kSevFront);
    }
  }
  if (loc.target_region < 0 && loc.forbidden_region < 0 && !loc.avoid && !(d.flags & kFlagFront)) {
    d.flags |= kFlagOutside;
    ++n_outside;
    push_imm(d, k, kOutsideTreatArea, kSevOutside);
  }
  if (p.under_hair) {
    d.flags |= kFlagUnderHair;
    ++n_under_hair;
    push_imm(d, k, kUnderHair, kSevUnderHair);
  }
  if (loc.scar_region >= 0) {
    for (std::size_t s = 0; s < L.scars.size(); ++s) {
      if (L.scars[s].region != loc.scar_region) continue;
      const auto& S = L.scars[s];
      d.scar = static_cast<std::int32_t>(s);
      ++scar_in[s];
      const int ci = cell_or_none((p.pos.x_mm - S.cx0) / S.cs, S.cnx);
      const int cj = cell_or_none((p.pos.y_mm - S.cy0) / S.cs, S.cny);
      if (ci >= 0 && cj >= 0) {
        d.scar_cell = cj * S.cnx + ci;
        ++scar_cells[s][static_cast<std::size_t>(d.scar_cell)];
      }
    }
  } else if (loc.density_mm2 > 0.0) {
    for (std::size_t s = 0; s < L.scars.size(); ++s) {
      const auto& S = L.scars[s];
      if (!S.ring_box.contains(p.pos)) continue;
      const auto& poly = sc->regions[static_cast<std::size_t>(S.region)].polygon_mm;
      if (distance_to_boundary_mm(poly, p.pos) <= kScarRingMm) ++scar_ring[s];
    }
  }

  // ---- colour ----
  if (!pf->allowed) {
    d.flags |= kFlagBadPigment;
    ++n_crit_pigment;
    push_imm(d, k, kForbiddenPigment, kSevCritical);
  }
  double color_score = 0.0;
  if (pf->pigment != nullptr) {
    ++n_color;
    de_sum += fx(d.delta_e);
    color_score = clamp01(1.0 - (d.delta_e - kColorTolerance) / (kColorZero - kColorTolerance));
    if (color_score < 1.0)
      push_imm(d, k, kColorOff, level_of(kColorOffSeverity * (1.0 - color_score)));
    if (sc->technique == Technique::kTemporary && pf->pigment->carbon_black_fraction > 0.0) {
      d.flags |= kFlagBlackTemp;
      ++n_black_temp;
      color_score = 0.0;
      push_imm(d, k, kBlackInTemporary, kSevBlackTemporary);
    }
    if (sc->case_kind == CaseKind::kThinning) {
      const double darker = sc->patient.hair_lab.L - d.dot_l - kHairDarkTolerance;
      if (darker > 0.0) {
        d.flags |= kFlagDarkHair;
        ++n_dark_hair;
        const double f = clamp01(1.0 - darker / kHairDarkZero);
        color_score *= f;
        push_imm(d, k, kDarkerThanHair, level_of(0.4 + 0.6 * (1.0 - f)));
      }
    }
  }
  if (!pf->allowed) color_score = 0.0;
  d.color_fx = fx32(color_score);
  color_sum += d.color_fx;

  // ---- neighbours: NN, touching, repeated passes ----
  // Every dot within `reach` is a candidate, as in a full scan; the grid only skips cells that
  // can hold no dot that (a) is nearer than the best own NN so far (ties: lower index), (b) would
  // take the new dot as its NN (nearer than its cell's nn bound) or (c) touches it (nearer than
  // r + the largest radius). The skip tests use a distance bound below every true distance, so
  // the result is that of the full scan, bit for bit.
  if (fin != nullptr) {
    d.nn_mm = d.expected_nn_mm > 0.0 ? fin->nn_mm : 0.0;
    d.nn_id = d.expected_nn_mm > 0.0 ? fin->nn_id : kNone;
    d.touching = fin->touches > 0;
    touch_pairs += fin->earlier_touches;
    if (fin->repeat) d.flags |= kFlagRepeat;
    commit_blur(p, d, k, fat);
    return;
  }
  const double maxr = max_radius_before(k);
  if (d.radius_mm > maxr) maxr_steps.emplace_back(k, d.radius_mm);
  d.nn_mm = d.cap_mm();
  d.nn_id = kNone;
  const double reach = std::max(L.cap_global_mm, d.radius_mm + maxr);
  const double touch_mm = d.radius_mm + maxr;  // no pair at or beyond this distance touches
  std::uint32_t own_touches = 0;
  PointMm nn_pos{};  // the position of d.nn_id
  {
    Grid& G = grid;
    // Clamping is monotone, so every dot within `reach` lies in a cell of this range (also for
    // points outside the grid, which live in the border cells).
    const double px = p.pos.x_mm, py = p.pos.y_mm;
    const int i0 = G.col(px - reach), i1 = G.col(px + reach);
    const int j0 = G.row(py - reach), j1 = G.row(py + reach);
    const int hi = G.col(px), hj = G.row(py);
    const double reach2 = reach * reach, touch2 = touch_mm * touch_mm;
    const bool tracked = d.expected_nn_mm > 0.0;
    // The squared gap of each column of the window, computed once (a window is at most a few
    // dozen columns wide: grid_cell_for() keeps cells >= kGridMinCellMm).
    constexpr int kMaxCols = 64;
    std::array<double, kMaxCols> gx2{};
    const bool cols_cached = i1 - i0 < kMaxCols;
    if (cols_cached)
      for (int i = i0; i <= i1; ++i) {
        const double gx = G.gap_x(i, px);
        gx2[static_cast<std::size_t>(i - i0)] = gx * gx;
      }
    auto scan = [&](std::size_t c) {
      GridCell& h = G.cells[c];
      double bound = 0.0;
      HashEntry* const run = G.begin(h);
      for (std::uint32_t q = 0; q < h.n; ++q) {
        HashEntry& e = run[q];
        const double ex = e.x - px, ey = e.y - py;
        const double dd2 = ex * ex + ey * ey;
        if (dd2 > reach2) {
          bound = std::max(bound, e.nn_mm);
          continue;
        }
        const std::uint32_t o = e.idx;
        const double dd = std::sqrt(dd2);
        if (tracked && (dd < d.nn_mm || (dd == d.nn_mm && d.nn_id != kNone && o < d.nn_id))) {
          d.nn_mm = dd;
          d.nn_id = o;
          nn_pos = PointMm{e.x, e.y};
        }
        // Untracked dots keep nn_mm = 0, so they never change here.
        const bool nn_change = dd < e.nn_mm;
        const double rsum = d.radius_mm + e.radius_mm;
        const bool touch = dd < rsum;
        if (!nn_change && !touch) {
          bound = std::max(bound, e.nn_mm);
          continue;
        }
        if (touch) {
          if (dd < kRepeatFraction * rsum) d.flags |= kFlagRepeat;
          ++own_touches;
          ++touch_pairs;
        }
        // A neighbour's contributions change only with its NN or its first touch. Logging NN
        // changes alone (a handful per add) keeps the undo log O(N) even when thousands of
        // dots pile up on one spot, where every add touches every earlier dot.
        if (!nn_change && e.touches > 0) {
          ++e.touches;
          bound = std::max(bound, e.nn_mm);
          continue;
        }
        if (touch) ++e.touches;
        if (!nn_change) {  // its first touch
          set_touching(o, true);
          bound = std::max(bound, e.nn_mm);
          continue;
        }
        Dot& n = dots[o];
        undo.push_back(Undo{n.nn_mm, o, n.nn_id});
        retract_mut(o);
        n.nn_mm = dd;
        n.nn_id = k;
        e.nn_mm = dd;
        n.touching = e.touches > 0;
        apply_mut(o, &p.pos);
        sync_touching(o);
        bound = std::max(bound, e.nn_mm);
      }
      // Every entry was read: the bound is tight again.
      G.set_bound(c, float_up(bound));
    };
    // The home block first, so the own-NN bound is small before the outer cells are tested.
    const int bi0 = std::max(i0, hi - 1), bi1 = std::min(i1, hi + 1);
    const int bj0 = std::max(j0, hj - 1), bj1 = std::min(j1, hj + 1);
    // The scan is bound by memory latency: fetch the block's runs at once (the window's bounds
    // and headers were prefetched before prepare()).
    for (int j = bj0; j <= bj1; ++j)
      for (int i = bi0; i <= bi1; ++i) {
        const GridCell& h = G.cells[G.index(i, j)];
        if (h.n > 0) __builtin_prefetch(G.begin(h));
      }
    // Reads the cells (a..b, j) that can hold a dot the add needs: within the reach, and nearer
    // than the own NN so far, the touch reach or the cell's NN bound (its bound is read first,
    // its header only if that passes). Inlined: called from three places, GCC kept it out of
    // line, which cost 2% of an add's instructions.
    auto scan_cols = [&](int j, int a, int b) __attribute__((always_inline)) {
      const double gy = G.gap_y(j, py), gy2 = gy * gy;
      if (gy2 > reach2) return;  // every cell of the row is beyond the reach
      const std::size_t base = G.index(0, j);
      for (int i = a; i <= b; ++i) {
        double gx2i;
        if (cols_cached) {
          gx2i = gx2[static_cast<std::size_t>(i - i0)];
        } else {
          const double gx = G.gap_x(i, px);
          gx2i = gx * gx;
        }
        const double g2 = gx2i + gy2;
        if (g2 > reach2) continue;
        const std::size_t c = base + static_cast<std::size_t>(i);
        if (!(tracked && !(g2 > d.nn_mm * d.nn_mm)) && !(g2 < touch2)) {
          const double nb = G.bound[c];
          if (!(g2 < nb * nb)) continue;
        }
        if (G.cells[c].n > 0) scan(c);
      }
    };
    for (int j = bj0; j <= bj1; ++j) scan_cols(j, bi0, bi1);
    // The rest of the window. A dot that matters lies within max(own NN so far, touch reach,
    // every cell's bound) of the new one: the window shrinks to that (every dot that near lies
    // in its cells, as above).
    const double near = std::max({tracked ? d.nn_mm : 0.0, touch_mm, G.bound_ceiling()});
    const int w0 = std::max(i0, G.col(px - near)), w1 = std::min(i1, G.col(px + near));
    const int v0 = std::max(j0, G.row(py - near)), v1 = std::min(j1, G.row(py + near));
    for (int j = v0; j <= v1; ++j) {
      if (j >= bj0 && j <= bj1) {
        scan_cols(j, w0, bi0 - 1);
        scan_cols(j, bi1 + 1, w1);
      } else {
        scan_cols(j, w0, w1);
      }
    }
  }
  // NN ties were resolved to the lower index above, so the result does not depend on the scan
  // order. (A tie with the cap keeps "no neighbour".)
  {
    grid.push(grid.cell_of(p.pos),
              HashEntry{p.pos.x_mm, p.pos.y_mm, d.nn_mm, d.radius_mm, k, own_touches}, d.nn_mm);
  }
  d.touching = own_touches > 0;
  commit_blur(p, d, k, fat);
  apply_mut(k, &nn_pos);
  sync_touching(k);
  if (dots.size() >= regrid_at) regrid();
}

// The blur risk fixed at placement (depth, dose, scar, repeated pass), its findings, and the
// critical-error list: the last part of commit(), after the neighbour facts are known.
void Scorer::State::commit_blur(const Prepared& p, Dot& d, std::uint32_t k, bool fat) {
  const SkinLayersMm& lay = p.skin.layers;
  const SkinSample& skin = p.skin;
  const double bmax = d.band_max_mm;
  const double pap_bottom = std::max(bmax, lay.epidermis_mm + lay.papillary_mm);
  double r_depth = 0.0;
  if (fat) {
    r_depth = 1.0;
  } else if (p.depth_mm > pap_bottom) {
    r_depth =
        clamp01((p.depth_mm - pap_bottom) / std::max(kMinBandWidthMm, 0.5 * lay.reticular_mm));
    ++n_reticular;
    d.flags |= kFlagReticular;
  }
  const double r_dose = clamp01((p.dose - kDoseSafe) / (kDoseFull - kDoseSafe));
  if (r_dose > 0.0) {
    d.flags |= kFlagHeavyDose;
    ++n_heavy;
    push_imm(d, k, kHeavyDose, level_of(0.3 + 0.5 * r_dose));
  }
  const double r_scar = skin.scar ? clamp01(skin.scar_tissue.migration) : 0.0;
  if (r_scar > 0.0) {
    d.flags |= kFlagScarMigration;
    push_imm(d, k, kScarMigration, level_of(0.3 + 0.5 * r_scar));
  }
  double r_repeat = 0.0;
  if (d.flags & kFlagRepeat) {
    r_repeat = kRiskRepeat;
    ++n_repeat;
    push_imm(d, k, kRepeatPass, kSevRepeat);
  }
  d.base_risk = 1.0 - (1.0 - r_depth) * (1.0 - r_dose) * (1.0 - r_scar) * (1.0 - r_repeat);

  if (d.flags & (kFlagFat | kFlagForbidden | kFlagBadPigment)) criticals.push_back(k);
}

void Scorer::State::pop() {
  if (dots.empty()) return;
  const std::uint32_t k = static_cast<std::uint32_t>(dots.size() - 1);
  Dot& d = dots.back();
  retract_mut(k);
  // Touches: the dots this one touched, found exactly as add() found them (same reach, same
  // arithmetic), lose one touch each. Cells beyond touching reach are skipped.
  const double maxr = max_radius_before(k);
  {
    Grid& G = grid;
    const double reach = std::max(L.cap_global_mm, d.radius_mm + maxr);
    const double touch_mm = d.radius_mm + maxr;
    const double px = d.pos.x_mm, py = d.pos.y_mm;
    const int i0 = G.col(px - reach), i1 = G.col(px + reach);
    const int j0 = G.row(py - reach), j1 = G.row(py + reach);
    const double reach2 = reach * reach, touch2 = touch_mm * touch_mm;
    for (int j = j0; j <= j1; ++j) {
      const double gy = G.gap_y(j, py);
      for (int i = i0; i <= i1; ++i) {
        const double gx = G.gap_x(i, px);
        if (!(gx * gx + gy * gy < touch2)) continue;
        const std::size_t c = static_cast<std::size_t>(j) * static_cast<std::size_t>(G.nx) +
                              static_cast<std::size_t>(i);
        const GridCell& h = G.cells[c];
        HashEntry* const run = G.begin(h);
        for (std::uint32_t q = 0; q < h.n; ++q) {
          HashEntry& e = run[q];
          if (e.idx == k) continue;
          const double ex = e.x - px, ey = e.y - py;
          const double dd2 = ex * ex + ey * ey;
          if (dd2 > reach2) continue;
          const double dd = std::sqrt(dd2);
          if (!(dd < d.radius_mm + e.radius_mm)) continue;
          --touch_pairs;
          if (e.touches > 1) {
            --e.touches;
            continue;
          }
          e.touches = 0;
          set_touching(e.idx, false);
        }
      }
    }
  }
  // Nearest neighbours: restored in reverse order of their changes.
  for (std::size_t u = undo.size(); u-- > d.ubegin;) {
    const Undo& rec = undo[u];
    Dot& n = dots[rec.j];
    retract_mut(rec.j);
    if (n.nn_mm != rec.nn_mm) {
      const std::size_t c = grid.cell_of(n.pos);
      GridCell& h = grid.cells[c];
      HashEntry* const run = grid.begin(h);
      for (std::uint32_t q = 0; q < h.n; ++q)
        if (run[q].idx == rec.j) run[q].nn_mm = rec.nn_mm;
      const float b = float_up(rec.nn_mm);
      if (b > grid.bound[c]) grid.set_bound(c, b);
    }
    n.nn_mm = rec.nn_mm;
    n.nn_id = rec.nn_id;
    apply_mut(rec.j);
    sync_touching(rec.j);
  }
  undo.resize(d.ubegin);
  GridCell& home = grid.cells[grid.cell_of(d.pos)];
  assert(home.n > 0 && grid.begin(home)[home.n - 1].idx == k);
  --home.n;
  if (!maxr_steps.empty() && maxr_steps.back().first == k) maxr_steps.pop_back();
  for (std::uint32_t f = d.fbegin; f < d.fbegin + d.fcount; ++f) {
    auto& b = buckets[imm_findings[f]];
    --level_count[imm_findings[f] % (kLevels + 1)];
    assert(!b.empty() && b.back() == k);
    b.pop_back();
  }
  imm_findings.resize(d.fbegin);
  if (d.touch_listed) touching_set.erase(k);
  if (!criticals.empty() && criticals.back() == k) criticals.pop_back();

  depth_sum -= d.depth_fx;
  color_sum -= d.color_fx;
  depth_err_sum_fx -= d.err_fx;
  switch (d.status()) {
    case DepthStatus::kCritical:
      --n_fat;
      --n_crit_fat;
      break;
    case DepthStatus::kTooShallow:
      --n_shallow;
      break;
    case DepthStatus::kTooDeep:
      --n_deep;
      break;
    case DepthStatus::kInBand:
      --n_in_band;
      break;
  }
  if (d.flags & kFlagForbidden) --n_crit_region;
  if (d.flags & kFlagAvoid) --n_avoid;
  if (d.flags & kFlagFront) --n_front;
  if (d.flags & kFlagOutside) --n_outside;
  if (d.flags & kFlagUnderHair) --n_under_hair;
  if (d.flags & kFlagBadPigment) --n_crit_pigment;
  if (d.flags & kFlagBlackTemp) --n_black_temp;
  if (d.flags & kFlagDarkHair) --n_dark_hair;
  if (d.flags & kFlagHeavyDose) --n_heavy;
  if (d.flags & kFlagRepeat) --n_repeat;
  if (!(d.flags & kFlagUnknownPigment)) {
    --n_color;
    de_sum -= fx(d.delta_e);
  }
  if (d.flags & kFlagReticular) --n_reticular;
  if (d.expected_nn_mm > 0.0) {
    --n_target;
    if (d.acell >= 0) --cells[static_cast<std::size_t>(d.acell)].count;
    mark_cell(d.acell);
    if (d.band >= 0) --band_count[static_cast<std::size_t>(d.band)];
  }
  if (d.seg >= 0) seg_min_fx[static_cast<std::size_t>(d.seg)] = d.seg_prev_fx;
  if (d.scar >= 0) {
    --scar_in[static_cast<std::size_t>(d.scar)];
    if (d.scar_cell >= 0)
      --scar_cells[static_cast<std::size_t>(d.scar)][static_cast<std::size_t>(d.scar_cell)];
  } else if (d.expected_nn_mm > 0.0) {
    for (std::size_t s = 0; s < L.scars.size(); ++s) {
      const auto& S = L.scars[s];
      if (!S.ring_box.contains(d.pos)) continue;
      const auto& poly = sc->regions[static_cast<std::size_t>(S.region)].polygon_mm;
      if (distance_to_boundary_mm(poly, d.pos) <= kScarRingMm) --scar_ring[s];
    }
  }
  dot_msg_memo.erase(dot_msg_memo.lower_bound(std::uint64_t{k} * kCodeCount),
                     dot_msg_memo.lower_bound(std::uint64_t{k + 1} * kCodeCount));
  dots.pop_back();
}

// ---------------------------------------------------------------------------------------------
// Report assembly: O(changed cells + positions after the first changed sum term + regions +
// hairline pieces + scar cells + top findings).

namespace {

// The explanation from named factors (0..1): a positive summary when the weakest is fine, naming
// it when it is not perfect; "Main problem: ..." when it is poor. Ties go to the first listed.
// Only the text used is formatted, into out: text(i, out) appends factor i's phrase, good(out)
// the summary.
template <class Text, class Good>
void explain(std::string& out, std::initializer_list<double> scores, Text&& text, Good&& good) {
  const double* s = scores.begin();
  std::size_t w = 0;
  for (std::size_t i = 1; i < scores.size(); ++i)
    if (s[i] < s[w]) w = i;
  out.clear();
  if (scores.size() == 0 || s[w] >= 0.95) {
    good(out);
  } else if (s[w] >= 0.8) {
    good(out);
    out += " Smallest weakness: ";
    text(w, out);
    out += '.';
  } else {
    out += "Main problem: ";
    text(w, out);
    out += '.';
  }
}

using Metrics = std::vector<std::pair<std::string, double>>;
// Writes a criterion's named figures over the ones already there (report_into() reuses their
// strings); drops any left over at the end of its scope.
class MetricWriter {
 public:
  explicit MetricWriter(Metrics& m) : m_(m) {}
  MetricWriter(const MetricWriter&) = delete;
  MetricWriter& operator=(const MetricWriter&) = delete;
  ~MetricWriter() { m_.erase(m_.begin() + static_cast<std::ptrdiff_t>(i_), m_.end()); }
  void put(std::initializer_list<std::pair<const char*, double>> kv) {
    if (m_.capacity() < i_ + kv.size()) m_.reserve(i_ + kv.size());
    for (const auto& [k, v] : kv) {
      if (i_ < m_.size()) {
        m_[i_].first = k;
        m_[i_].second = v;
      } else {
        m_.emplace_back(k, v);
      }
      ++i_;
    }
  }

 private:
  Metrics& m_;
  std::size_t i_ = 0;
};

// Resets a criterion for report_into(): every field is written again below.
CriterionScore& start_criterion(CriterionScore& c, const char* key, const char* label) {
  c.key = key;
  c.label = label;
  c.score = 0.0;
  c.pass_mark = 0.0;
  c.weight = 1.0;
  c.passed = false;
  return c;
}

const char* case_label(CaseKind k) {
  switch (k) {
    case CaseKind::kShavedLook:
      return "Case goal: hairline and shaved look";
    case CaseKind::kScar:
      return "Case goal: scar camouflage";
    case CaseKind::kThinning:
      return "Case goal: density between hairs";
  }
  return "Case goal";
}

// Each code's criterion and key as strings, built once (a copy of a short string allocates
// nothing).
struct CodeStrings {
  std::array<std::string, kCodeCount> criterion, code;
  CodeStrings() {
    for (std::size_t i = 0; i < kCodeCount; ++i) {
      criterion[i] = kCodes[i].criterion;
      code[i] = kCodes[i].code;
    }
  }
};
const CodeStrings& code_strings() {
  static const CodeStrings s;
  return s;
}

}  // namespace

void Scorer::State::update_cell(std::size_t p) const {
  GridMemo& g = grid_memo;
  const std::size_t c = static_cast<std::size_t>(L.target_cells[p]);
  CellMemo& m = g.cell[p];
  const std::int32_t count = cells[c].count;
  if (m.cnt == count) return;
  m.cnt = count;
  const double e = L.cell_expected[c];
  const double cnt = count;
  const double cov = std::min(cnt, e);
  if (!same_bits(cov, g.cov_term[p])) {
    g.cov_term[p] = cov;
    g.cov_from = std::min(g.cov_from, p);
  }
  if (!g.judged[p]) return;
  const double ratio = cnt / e;
  const double dev = e * std::fabs(std::log((cnt + 0.5) / (e + 0.5)));
  if (!same_bits(dev, g.dev_term[p])) {
    g.dev_term[p] = dev;
    g.dev_from = std::min(g.dev_from, p);
  }
  std::uint8_t kind = kNoSpot;
  int level = 0;
  if (ratio < kHoleRatio) {
    kind = kHole;
    level = level_of(clamp01(std::log((e + 0.5) / (cnt + 0.5)) / std::log(4.0)));
  } else if (ratio > kClumpRatio) {
    kind = kClump;
    level = level_of(clamp01(std::log((cnt + 0.5) / (e + 0.5)) / std::log(4.0)));
  }
  if (kind == m.kind && level == m.level) return;
  const std::uint32_t pos = static_cast<std::uint32_t>(p);
  if (m.kind != kNoSpot) {
    g.spots.erase(spot_key(m.level, m.kind, pos));
    --(m.kind == kHole ? g.holes : g.clumps);
  }
  if (kind != kNoSpot) {
    g.spots.insert(spot_key(level, kind, pos));
    ++(kind == kHole ? g.holes : g.clumps);
  }
  m.kind = kind;
  m.level = level;
}

void Scorer::State::update_block(std::size_t bk) const {
  GridMemo& g = grid_memo;
  CellAgg agg;
  for (std::int32_t c : g.block_cells[bk]) {
    const CellAgg& ca = cells[static_cast<std::size_t>(c)];
    agg.n_ori += ca.n_ori;
    for (std::size_t h = 0; h < 6; ++h) agg.ori[h] += ca.ori[h];
  }
  BlockMemo& bm = g.block[bk];
  if (bm.valid && bm.agg.n_ori == agg.n_ori && bm.agg.ori == agg.ori) return;
  bm.agg = agg;
  bm.valid = true;
  // Bond-orientational order: |mean of e^{i k theta}| for k = 2 (rows), 4 (square grid),
  // 6 (hexagonal grid), the largest of the three; random directions give about
  // kOrderNoise / sqrt(n), lattices and rows close to 1. Blocks with too few NN vectors are not
  // judged.
  const bool ordered = agg.n_ori >= kOrderMinDots;
  double excess = 0.0;
  if (ordered) {
    const double nn = agg.n_ori;
    double order = 0.0;
    for (std::size_t h = 0; h < 3; ++h) {
      const double cs = unfx(agg.ori[2 * h]) / nn, sn = unfx(agg.ori[2 * h + 1]) / nn;
      order = std::max(order, std::sqrt(cs * cs + sn * sn));
    }
    excess = std::max(0.0, order - kOrderNoise / std::sqrt(nn));
  }
  if (!same_bits(excess, g.ex_term[bk])) {
    g.ex_term[bk] = excess;
    g.ex_from = std::min(g.ex_from, bk);
  }
  g.ordered += static_cast<int>(ordered) - static_cast<int>(bm.ordered);
  const bool grid_spot = ordered && excess > kOrderSpot;
  const int level = grid_spot ? level_of(clamp01(excess)) : 0;
  if (grid_spot != bm.grid || level != bm.level) {
    const std::uint32_t pos = static_cast<std::uint32_t>(bk);
    if (bm.grid) {
      g.spots.erase(spot_key(bm.level, kGridLike, pos));
      --g.grid;
    }
    if (grid_spot) {
      g.spots.insert(spot_key(level, kGridLike, pos));
      ++g.grid;
    }
  }
  bm.ordered = ordered;
  bm.grid = grid_spot;
  bm.level = level;
  bm.excess = excess;
}

void Scorer::State::refresh_grid() const {
  GridMemo& g = grid_memo;
  const std::size_t t = L.target_cells.size();
  const std::size_t bw = static_cast<std::size_t>((L.anx + 1) / 2);
  const std::size_t nb = bw * static_cast<std::size_t>((L.any + 1) / 2);
  auto block_of = [&](std::int32_t c) {
    return static_cast<std::size_t>((c / L.anx) / 2) * bw +
           static_cast<std::size_t>((c % L.anx) / 2);
  };
  auto mark_block = [&](std::size_t bk) {
    if (g.block_dirty[bk]) return;
    g.block_dirty[bk] = 1;
    g.dirty_blocks.push_back(static_cast<std::uint32_t>(bk));
  };
  if (!g.ready) {
    // Layout constants, summed in the same order as the per-cell terms.
    g.pos_of_cell.assign(cells.size(), -1);
    g.block_of_cell.assign(cells.size(), -1);
    g.judged.assign(t, 0);
    g.centre.resize(t);
    g.cell.assign(t, CellMemo{});
    g.cov_term.assign(t, 0.0);
    g.dev_term.assign(t, 0.0);
    g.cov_sum.assign(t + 1, 0.0);
    g.dev_sum.assign(t + 1, 0.0);
    g.block_cells.assign(nb, {});
    g.block.assign(nb, BlockMemo{});
    g.block_dirty.assign(nb, 0);
    g.ex_term.assign(nb, 0.0);
    g.ex_sum.assign(nb + 1, 0.0);
    for (std::size_t p = 0; p < t; ++p) {
      const std::int32_t c = L.target_cells[p];
      const std::size_t cu = static_cast<std::size_t>(c);
      const double e = L.cell_expected[cu];
      g.pos_of_cell[cu] = static_cast<std::int32_t>(p);
      g.centre[p] = L.acell_centre(c);
      g.total += e;
      if (L.cell_fraction[cu] >= kJudgedCellFraction && e >= kJudgedCellExpected) {
        g.judged[p] = 1;
        ++g.judged_count;
        g.dev_w += e;
      }
      const std::size_t bk = block_of(c);
      g.block_of_cell[cu] = static_cast<std::int32_t>(bk);
      g.block_cells[bk].push_back(c);
    }
    for (std::size_t p = 0; p < t; ++p) update_cell(p);
    for (std::size_t bk = 0; bk < nb; ++bk)
      if (!g.block_cells[bk].empty()) mark_block(bk);
    g.cov_from = g.dev_from = g.ex_from = 0;
    for (std::int32_t c : dirty_cells) cell_dirty[static_cast<std::size_t>(c)] = 0;
    dirty_cells.clear();
    g.ready = true;
  }
  for (std::int32_t c : dirty_cells) {
    const std::size_t cu = static_cast<std::size_t>(c);
    cell_dirty[cu] = 0;
    const std::int32_t p = g.pos_of_cell[cu];
    if (p < 0) continue;  // not a target cell: in no sum and no block
    update_cell(static_cast<std::size_t>(p));
    mark_block(static_cast<std::size_t>(g.block_of_cell[cu]));
  }
  dirty_cells.clear();
  for (std::uint32_t bk : g.dirty_blocks) {
    g.block_dirty[bk] = 0;
    update_block(bk);
  }
  g.dirty_blocks.clear();
  // Running sums from the first changed term on (both chains in one loop: they overlap).
  const std::size_t from = std::min(g.cov_from, g.dev_from);
  if (from < t) {
    double cov = g.cov_sum[from], dev = g.dev_sum[from];
    for (std::size_t p = from; p < t; ++p) {
      cov += g.cov_term[p];
      dev += g.dev_term[p];
      g.cov_sum[p + 1] = cov;
      g.dev_sum[p + 1] = dev;
    }
  }
  if (g.ex_from < nb) {
    double ex = g.ex_sum[g.ex_from];
    for (std::size_t bk = g.ex_from; bk < nb; ++bk) {
      ex += g.ex_term[bk];
      g.ex_sum[bk + 1] = ex;
    }
  }
  g.cov_from = g.dev_from = g.ex_from = std::numeric_limits<std::size_t>::max();
}

void Scorer::State::report_into(ScoreReport& rep) const {
  const std::int64_t n = static_cast<std::int64_t>(dots.size());
  rep.overall = 0.0;
  rep.passed = false;
  rep.impression_count = dots.size();
  rep.criteria.resize(5);
  const std::lock_guard<std::mutex> memo_lock(memo_mu);
  refresh_grid();
  const GridMemo& gm = grid_memo;
  // Bound the memo: a long session lists many dots over time; only the current list matters.
  if (dot_msg_memo.size() > 8 * kMaxFindings) dot_msg_memo.clear();
  std::vector<Spot>& spots = spot_buf;
  spots.clear();
  // No spot findings on an empty session: nothing has been done yet, so nothing is wrong yet.
  auto add_spot = [&](Code code, double sev, PointMm pos, double a = 0.0, double b = 0.0) {
    if (n == 0) return;
    spots.push_back(Spot{spot_key(level_of(sev), static_cast<std::uint8_t>(code),
                                  static_cast<std::uint32_t>(spots.size())),
                         pos, a, b});
  };
  const char* kEmpty = "No impressions yet: there is nothing to judge, so this scores 0.";

  // ---- depth ----
  CriterionScore& depth = start_criterion(rep.criteria[0], "depth", "Depth accuracy");
  {
    MetricWriter metrics(depth.metrics);
    const double score = n > 0 ? 100.0 * unfx(depth_sum) / static_cast<double>(n) : 0.0;
    depth.score = score;
    metrics.put({{"in_band_pct", pct(n_in_band, n)},
                 {"too_shallow_pct", pct(n_shallow, n)},
                 {"too_deep_pct", pct(n_deep, n)},
                 {"in_fat_count", static_cast<double>(n_fat)},
                 {"mean_error_outside_band_mm",
                  n > 0 ? unfx(depth_err_sum_fx) / static_cast<double>(n) : 0.0}});
    if (n == 0) {
      depth.explanation = kEmpty;
    } else {
      fmt_to(depth.explanation,
             "%.0f%% of %lld dots sit in the target depth band; %.0f%% are too shallow (they fade "
             "within weeks) and %.0f%% too deep (blur, blue cast).",
             pct(n_in_band, n), static_cast<long long>(n), pct(n_shallow, n), pct(n_deep, n));
      const std::int64_t n_out = n_shallow + n_deep + n_fat;
      if (n_out > 0)
        fmt_add(depth.explanation, " Those outside miss the band by %.2f mm on average.",
                unfx(depth_err_sum_fx) / static_cast<double>(n_out));
      if (n_fat > 0)
        fmt_add(depth.explanation, " %lld went into the fat layer (critical error: blowout).",
                static_cast<long long>(n_fat));
    }
  }

  // ---- spacing ----
  CriterionScore& spacing = start_criterion(rep.criteria[1], "spacing", "Spacing and density");
  {
    MetricWriter metrics(spacing.metrics);
    // The per-cell walk (coverage, evenness, holes, clumps, 10 mm orientation blocks) is kept
    // up to date by refresh_grid().
    const std::size_t t = L.target_cells.size();
    const double covered = gm.cov_sum[t], total = gm.total, dev_w = gm.dev_w;
    const double dev_sum = gm.dev_sum[t];
    const int holes = gm.holes, clumps = gm.clumps, judged = gm.judged_count;
    const int ordered_cells = gm.ordered, grid_cells = gm.grid;
    const double order_excess_sum = gm.ex_sum.back();
    const double coverage = total > 0.0 ? covered / total : 0.0;
    const double mean_q = n_nn > 0 ? unfx(q_sum) / static_cast<double>(n_nn) : 0.0;
    const double var_q =
        n_nn > 0 ? std::max(0.0, unfx(q2_sum) / static_cast<double>(n_nn) - mean_q * mean_q) : 0.0;
    const double cv = mean_q > 0.0 ? std::sqrt(var_q) / mean_q : 0.0;
    const double crowded =
        n_nn > 0 ? static_cast<double>(n_crowded) / static_cast<double>(n_nn) : 0;
    const double touching = n > 0 ? static_cast<double>(n_touching) / static_cast<double>(n) : 0.0;
    const double order_excess = ordered_cells > 0 ? order_excess_sum / ordered_cells : 0.0;
    const double dens_dev = dev_w > 0.0 ? dev_sum / dev_w : 0.0;

    const double s_nn =
        n_nn > 0 ? std::min(ratio_score(mean_q), clamp01(1.0 - crowded / kCrowdedZero)) : 0.0;
    const double s_touch = n > 0 ? clamp01(1.0 - touching / kTouchZero) : 0.0;
    const double s_order =
        clamp01(1.0 - (order_excess - kOrderTolerance) / (kOrderZero - kOrderTolerance));
    const double s_cv =
        n_nn >= kOrderMinDots ? clamp01((cv - kCvZero) / (kCvTolerance - kCvZero)) : 1.0;
    const double s_regular = n > 0 ? std::min(s_order, s_cv) : 0.0;
    const double s_density = judged > 0
                                 ? clamp01(1.0 - (dens_dev - kDensityDevTolerance) /
                                                     (kDensityDevZero - kDensityDevTolerance))
                                 : (n > 0 ? 1.0 : 0.0);
    const double s_cover = clamp01((coverage - kCoverageZero) / (kCoverageFull - kCoverageZero));
    spacing.score =
        n > 0 ? 100.0 * min_mean_blend({s_nn, s_touch, s_regular, s_density, s_cover}) : 0;
    metrics.put({{"mean_nn_ratio", mean_q},
                 {"nn_cv", cv},
                 {"crowded_pct", 100.0 * crowded},
                 {"touching_pct", 100.0 * touching},
                 {"touching_pairs", static_cast<double>(touch_pairs)},
                 {"orientation_order_excess", order_excess},
                 {"coverage_pct", 100.0 * coverage},
                 {"holes", static_cast<double>(holes)},
                 {"clumps", static_cast<double>(clumps)},
                 {"grid_like_cells", static_cast<double>(grid_cells)},
                 {"density_deviation", dens_dev},
                 {"expected_dots", total},
                 {"sub_nn", 100.0 * s_nn},
                 {"sub_touching", 100.0 * s_touch},
                 {"sub_regularity", 100.0 * s_regular},
                 {"sub_evenness", 100.0 * s_density},
                 {"sub_coverage", 100.0 * s_cover}});
    if (n == 0) {
      spacing.explanation = kEmpty;
    } else {
      explain(
          spacing.explanation, {s_nn, s_touch, s_regular, s_cover, s_density},
          [&](std::size_t i, std::string& out) {
            switch (i) {
              case 0:
                if (n_nn == 0) {
                  out += "none of the dots is inside the treatment area";
                  break;
                }
                fmt_add(out, "dots sit at %.2fx the expected spacing and %.0f%% are crowded",
                        mean_q, 100.0 * crowded);
                break;
              case 1:
                fmt_add(out, "%.0f%% of dots touch a neighbour (dots must never touch)",
                        100.0 * touching);
                break;
              case 2:
                out += "the pattern is too regular (grid or rows) instead of random";
                break;
              case 3:
                fmt_add(out, "only %.0f%% of the treat area is covered at the target density",
                        100.0 * coverage);
                break;
              default:
                fmt_add(out, "the density is uneven (%d holes, %d clumps in 5 mm squares)", holes,
                        clumps);
                break;
            }
          },
          [&](std::string& out) {
            fmt_add(out, "Even, irregular spacing: %.0f%% coverage at %.2fx the expected spacing.",
                    100.0 * coverage, mean_q);
          });
    }
  }

  // ---- blurring ----
  CriterionScore& blur = start_criterion(rep.criteria[2], "blurring", "Blurring risk");
  {
    MetricWriter metrics(blur.metrics);
    const double mean_risk = n > 0 ? unfx(risk_sum) / static_cast<double>(n) : 0.0;
    blur.score = n > 0 ? 100.0 * clamp01(1.0 - kBlurScale * mean_risk) : 0.0;
    metrics.put({{"mean_risk", mean_risk},
                 {"risky_pct", pct(n_risky, n)},
                 {"reticular_pct", pct(n_reticular, n)},
                 {"heavy_dose_count", static_cast<double>(n_heavy)},
                 {"repeat_pass_count", static_cast<double>(n_repeat)},
                 {"touching_pct", pct(n_touching, n)},
                 {"in_fat_count", static_cast<double>(n_fat)}});
    if (n == 0) {
      blur.explanation = kEmpty;
    } else if (n_risky == 0 && mean_risk < 0.05) {
      blur.explanation = "Low blurring risk: dots are shallow enough, separate and single.";
    } else {
      fmt_to(blur.explanation,
             "%.0f%% of dots are at risk of spreading: %.0f%% deeper than the papillary dermis, "
             "%lld repeated passes on a spot, %lld heavy doses, %.0f%% touching.",
             pct(n_risky, n), pct(n_reticular, n), static_cast<long long>(n_repeat),
             static_cast<long long>(n_heavy), pct(n_touching, n));
    }
  }

  // ---- colour ----
  CriterionScore& color = start_criterion(rep.criteria[3], "color", "Colour choice");
  {
    MetricWriter metrics(color.metrics);
    color.score = n > 0 ? 100.0 * unfx(color_sum) / static_cast<double>(n) : 0.0;
    const double mean_de = n_color > 0 ? unfx(de_sum) / static_cast<double>(n_color) : 0.0;
    metrics.put({{"mean_delta_e00", mean_de},
                 {"target_L", L.target.L},
                 {"target_a", L.target.a},
                 {"target_b", L.target.b},
                 {"black_in_temporary_count", static_cast<double>(n_black_temp)},
                 {"darker_than_hair_count", static_cast<double>(n_dark_hair)},
                 {"forbidden_pigment_count", static_cast<double>(n_crit_pigment)}});
    if (n == 0) {
      color.explanation = kEmpty;
    } else {
      fmt_to(color.explanation,
             "Healed dots differ from the target shade by %.1f CIEDE2000 on average "
             "(up to %.1f is invisible at dot size).",
             mean_de, kColorTolerance);
      if (n_black_temp > 0)
        fmt_add(color.explanation,
                " %lld dots use a black-containing pigment, which temporary "
                "technique avoids.",
                static_cast<long long>(n_black_temp));
      if (n_dark_hair > 0)
        fmt_add(color.explanation, " %lld dots heal darker than the client's hair.",
                static_cast<long long>(n_dark_hair));
      if (n_crit_pigment > 0)
        fmt_add(color.explanation, " %lld dots use a pigment this scenario does not allow.",
                static_cast<long long>(n_crit_pigment));
    }
  }

  // ---- case goal ----
  CriterionScore& cg = start_criterion(rep.criteria[4], "case", case_label(sc->case_kind));
  {
    MetricWriter metrics(cg.metrics);
    const double stray =
        n > 0 ? static_cast<double>(n_outside + n_avoid) / static_cast<double>(n) : 0;
    const double s_stray = clamp01(1.0 - stray / kStrayZero);
    // The same sums, in the same order, as the spacing criterion's coverage.
    const double coverage_all = gm.cov_sum[L.target_cells.size()], expected_all = gm.total;
    const double cov = expected_all > 0.0 ? coverage_all / expected_all : 0.0;
    const double s_cov = clamp01((cov - kCoverageZero) / (kCoverageFull - kCoverageZero));
    std::vector<double> parts;
    metrics.put({{"stray_pct", 100.0 * stray},
                 {"coverage_pct", 100.0 * cov},
                 {"forbidden_region_count", static_cast<double>(n_crit_region)}});
    std::string& why = cg.explanation;
    why.clear();
    switch (sc->case_kind) {
      case CaseKind::kShavedLook: {
        const double front = n > 0 ? static_cast<double>(n_front) / static_cast<double>(n) : 0;
        const double s_front = clamp01(1.0 - front / kFrontZero);
        metrics.put({{"in_front_of_hairline_count", static_cast<double>(n_front)}});
        if (L.front.size() >= 2 &&
            L.band_expected[0] + L.band_expected[1] + L.band_expected[2] > 0) {
          // Ramp: each third of the transition zone at its own target density.
          // Judged on the profile (each band relative to the mean of the three), since the
          // overall level is the spacing criterion's business.
          double s_ramp = 1.0, mean_ratio = 0.0;
          std::array<double, kRampBands> ratio{};
          for (std::size_t b = 0; b < kRampBands; ++b) {
            ratio[b] = L.band_expected[b] > 0
                           ? static_cast<double>(band_count[b]) / L.band_expected[b]
                           : 1.0;
            mean_ratio += ratio[b] / kRampBands;
          }
          for (std::size_t b = 0; b < kRampBands; ++b)
            s_ramp = std::min(s_ramp, mean_ratio > 0.0 ? count_ratio_score(ratio[b] / mean_ratio,
                                                                           L.band_expected[b])
                                                       : 0.0);
          // Shape and irregularity: the front-most dot of each ~5 mm piece of the hairline.
          int filled = 0;
          double sum = 0, sum2 = 0;
          for (std::size_t g = 0; g < seg_min_fx.size(); ++g) {
            if (seg_min_fx[g] == kNoSegment) continue;
            const double v = unfx(seg_min_fx[g]);
            ++filled;
            sum += v;
            sum2 += v * v;
          }
          const double segs = static_cast<double>(seg_min_fx.size());
          const double mean_off = filled > 0 ? sum / filled : 0.0;
          const double sd_off =
              filled > 1 ? std::sqrt(std::max(0.0, sum2 / filled - mean_off * mean_off)) : 0;
          const double s_gaps = segs > 0 ? filled / segs : 0.0;
          // A sparse front edge cannot start right on the line: tolerate half its spacing.
          const double tol = std::max(kHairlineSetbackMm, 0.5 * L.front_spacing_mm);
          const double s_setback =
              filled > 0 ? clamp01(1.0 - (mean_off - tol) / kHairlineSetbackSpan) : 0.0;
          const double s_shape = std::min(s_gaps, s_setback);
          const double s_irreg = filled > 1 ? clamp01(sd_off / kIrregularFullMm) : 0.0;
          parts = {s_front, s_ramp, s_shape, s_irreg, s_cov, s_stray};
          metrics.put({{"front_band_density_ratio", ratio[0]},
                       {"middle_band_density_ratio", ratio[1]},
                       {"back_band_density_ratio", ratio[2]},
                       {"hairline_pieces_reached_pct", 100.0 * s_gaps},
                       {"hairline_mean_offset_mm", mean_off},
                       {"hairline_offset_sd_mm", sd_off},
                       {"sub_front", 100 * s_front},
                       {"sub_ramp", 100 * s_ramp},
                       {"sub_shape", 100 * s_shape},
                       {"sub_irregularity", 100 * s_irreg}});
          // Spot findings along the hairline.
          const auto& fr = L.front;
          auto point_at_arc = [&](double a) {
            for (std::size_t i = 0; i + 1 < fr.size(); ++i) {
              if (a <= L.front_arc[i + 1] || i + 2 == fr.size()) {
                const double len = L.front_arc[i + 1] - L.front_arc[i];
                const double t = len > 0 ? clamp01((a - L.front_arc[i]) / len) : 0.0;
                return PointMm{fr[i].x_mm + t * (fr[i + 1].x_mm - fr[i].x_mm),
                               fr[i].y_mm + t * (fr[i + 1].y_mm - fr[i].y_mm)};
              }
            }
            return fr.front();
          };
          if (n > 0) {
            for (std::size_t g = 0; g < seg_min_fx.size(); ++g) {
              if (seg_min_fx[g] != kNoSegment) continue;
              add_spot(kHairlineGap, 0.5,
                       point_at_arc((static_cast<double>(g) + 0.5) * L.front_length_mm / segs));
            }
            if (filled > 1 && s_irreg < 0.5)
              add_spot(kStraightHairline, 0.6 * (1.0 - s_irreg),
                       point_at_arc(0.5 * L.front_length_mm), sd_off);
          }
          explain(
              why, {s_front, s_cov, s_ramp, s_shape, s_irreg, s_stray},
              [&](std::size_t i, std::string& out) {
                switch (i) {
                  case 0:
                    fmt_add(out, "%lld dots are in front of the designed hairline",
                            static_cast<long long>(n_front));
                    break;
                  case 1:
                    fmt_add(out, "only %.0f%% of the area is covered", 100 * cov);
                    break;
                  case 2:
                    fmt_add(out,
                            "the density across the transition zone does not follow the ramp "
                            "toward the front (front/middle/back at %.0f%%/%.0f%%/%.0f%% of "
                            "their targets)",
                            100 * ratio[0], 100 * ratio[1], 100 * ratio[2]);
                    break;
                  case 3:
                    fmt_add(out,
                            "the front edge does not follow the designed hairline (%.0f%% of it "
                            "reached, front-most dots %.1f mm behind it on average)",
                            100 * s_gaps, mean_off);
                    break;
                  case 4:
                    out +=
                        "the front edge is a straight, hard line instead of a soft irregular "
                        "one";
                    break;
                  default:
                    fmt_add(out, "%.0f%% of dots are outside the treatment area", 100 * stray);
                    break;
                }
              },
              [](std::string& out) {
                out +=
                    "A soft, irregular hairline that follows the design, with nothing in front "
                    "of it.";
              });
        } else {
          parts = {s_front, s_cov, s_stray};
          fmt_to(why,
                 "No hairline design in this scenario: judged on coverage (%.0f%%) and "
                 "stray dots (%.0f%%).",
                 100 * cov, 100 * stray);
        }
        break;
      }
      case CaseKind::kScar: {
        // Pooled over all scar regions: small scars (FUE dots, ~0.5 mm^2) expect a fraction of
        // a dot each, so only their sum can be judged.
        double in_count = 0, in_exp = 0, ring_count = 0, ring_exp = 0;
        int cells_total = 0, cells_covered = 0;
        for (std::size_t s = 0; s < L.scars.size(); ++s) {
          const auto& S = L.scars[s];
          in_count += static_cast<double>(scar_in[s]);
          in_exp += S.expected_in;
          ring_count += static_cast<double>(scar_ring[s]);
          ring_exp += S.expected_ring;
          for (std::size_t c = 0; c < S.cell_in.size(); ++c) {
            if (!S.cell_in[c]) continue;
            ++cells_total;
            if (scar_cells[s][c] > 0) {
              ++cells_covered;
            } else {
              const int ci = static_cast<int>(c) % S.cnx, cj = static_cast<int>(c) / S.cnx;
              add_spot(kScarUncovered, 0.6,
                       PointMm{S.cx0 + (ci + 0.5) * S.cs, S.cy0 + (cj + 0.5) * S.cs});
            }
          }
          // A border finding for each scar large enough to judge on its own.
          if (S.expected_in >= kScarSpotMinDots && S.expected_ring >= kScarSpotMinDots) {
            const double in = static_cast<double>(scar_in[s]) / S.expected_in;
            const double ring = static_cast<double>(scar_ring[s]) / S.expected_ring;
            const double b = count_ratio_score((ring + 0.05) / (in + 0.05),
                                               std::min(S.expected_in, S.expected_ring));
            if (b < 0.5) add_spot(kScarBorder, 0.7 * (1.0 - b), S.centroid, in, ring);
          }
        }
        if (L.scars.empty()) {
          parts = {s_cov, s_stray};
          fmt_to(why, "No scar region in this scenario: judged on coverage (%.0f%%).", 100 * cov);
        } else {
          const double in = in_exp > 0 ? in_count / in_exp : 0.0;
          const double ring = ring_exp > 0 ? ring_count / ring_exp : in;
          const double cf = cells_total > 0 ? static_cast<double>(cells_covered) / cells_total : 1;
          const double s_fill = count_ratio_score(in, in_exp);
          const double s_cells =
              cells_total > 0 ? clamp01((cf - kCoverageZero) / (kCoverageFull - kCoverageZero)) : 1;
          const double s_blend = ring_exp > 0 ? count_ratio_score((ring + 0.05) / (in + 0.05),
                                                                  std::min(in_exp, ring_exp))
                                              : 1.0;
          parts = {s_fill, s_cells, s_blend, s_stray};
          metrics.put({{"scar_density_ratio", in},
                       {"scar_expected_dots", in_exp},
                       {"scar_cells_covered_pct", 100 * cf},
                       {"border_density_ratio", ring},
                       {"sub_scar_density", 100 * s_fill},
                       {"sub_scar_coverage", 100 * s_cells},
                       {"sub_blend", 100 * s_blend}});
          explain(
              why, {s_fill, s_cells, s_blend, s_stray},
              [&](std::size_t i, std::string& out) {
                switch (i) {
                  case 0:
                    fmt_add(out, "the scars hold %.0f%% of their target density", 100 * in);
                    break;
                  case 1:
                    fmt_add(out, "parts of the scar are left bare (%.0f%% of it covered)",
                            100 * cf);
                    break;
                  case 2:
                    fmt_add(out,
                            "the density just around the scars (%.0f%% of target) does not match "
                            "their own (%.0f%%), so their edges show",
                            100 * ring, 100 * in);
                    break;
                  default:
                    fmt_add(out, "%.0f%% of dots are outside the treatment area", 100 * stray);
                    break;
                }
              },
              [](std::string& out) {
                out +=
                    "The scars are filled at the target density and blend into the skin around "
                    "them.";
              });
        }
        break;
      }
      case CaseKind::kThinning: {
        const double under = n > 0 ? static_cast<double>(n_under_hair) / static_cast<double>(n) : 0;
        const double s_between = n > 0 ? clamp01(1.0 - under / kUnderHairZero) : 0.0;
        const double ratio =
            L.total_expected > 0 ? static_cast<double>(n_target) / L.total_expected : 0.0;
        const double s_dens = count_ratio_score(ratio, L.total_expected);
        parts = {s_between, s_dens, s_cov, s_stray};
        metrics.put({{"under_hair_pct", 100 * under},
                     {"density_ratio", ratio},
                     {"sub_between_hairs", 100 * s_between},
                     {"sub_density", 100 * s_dens}});
        explain(
            why, {s_between, s_dens, s_cov, s_stray},
            [&](std::size_t i, std::string& out) {
              switch (i) {
                case 0:
                  fmt_add(out, "%.0f%% of dots sit under existing hairs, where they add nothing",
                          100 * under);
                  break;
                case 1:
                  fmt_add(out,
                          "the dot density is %.0f%% of what reduces the scalp-to-hair contrast",
                          100 * ratio);
                  break;
                case 2:
                  fmt_add(out, "only %.0f%% of the thinning area is covered", 100 * cov);
                  break;
                default:
                  fmt_add(out, "%.0f%% of dots are outside the treatment area", 100 * stray);
                  break;
              }
            },
            [](std::string& out) {
              out += "Dots sit between the hairs at a density that hides the scalp's contrast.";
            });
        break;
      }
    }
    cg.score = n > 0 ? 100.0 * min_mean_blend(parts) : 0.0;
    if (n == 0) cg.explanation = kEmpty;
  }

  // ---- marks, weights, overall ----
  const CriterionMarks& pm = sc->pass;
  const CriterionMarks& wt = sc->weights;
  depth.pass_mark = pm.depth;
  depth.weight = wt.depth;
  spacing.pass_mark = pm.spacing;
  spacing.weight = wt.spacing;
  blur.pass_mark = pm.blurring;
  blur.weight = wt.blurring;
  color.pass_mark = pm.color;
  color.weight = wt.color;
  cg.pass_mark = pm.case_goal;
  cg.weight = wt.case_goal;
  // The pass rules (pass_rules.h) read the same counts as the metrics above; a criterion
  // passes only when its mark and its rules do.
  VerdictFacts facts;
  facts.dots = n;
  facts.in_band = n_in_band;
  facts.touching = n_touching;
  facts.coverage = gm.total > 0.0 ? gm.cov_sum[L.target_cells.size()] / gm.total : 0.0;
  facts.in_area = n_target;
  facts.expected_dots = L.total_expected;
  facts.stray = n_outside + n_avoid;
  const bool rules_ok = check_pass_rules(sc->pass_rules, facts, rep.rules);
  rep.late_impressions = 0;
  double wsum = 0.0, ssum = 0.0;
  bool all = rules_ok;
  for (CriterionScore& c : rep.criteria) {
    c.passed = n > 0 && c.score >= c.pass_mark && rules_passed_for(rep.rules, c.key);
    all = all && c.passed;
    wsum += c.weight;
    ssum += c.weight * c.score;
  }
  rep.overall = wsum > 0.0 ? ssum / wsum : 0.0;

  // ---- critical errors (the first kMaxFindings in placement order) ----
  // Each dot's messages are a function of (id, depth, flags): reused while those are the same.
  constexpr std::uint32_t kCritFlags = kFlagFat | kFlagForbidden | kFlagBadPigment;
  if (crit_memo.size() > criticals.size()) crit_memo.resize(criticals.size());
  std::size_t n_crit_out = 0;
  for (std::size_t ci = 0; ci < criticals.size(); ++ci) {
    const Dot& d = dots[criticals[ci]];
    if (ci == crit_memo.size()) crit_memo.emplace_back();
    CritMemo& cm = crit_memo[ci];
    if (!cm.valid || cm.ext_id != d.ext_id || !same_bits(cm.depth_mm, d.depth_mm) ||
        cm.flags != (d.flags & kCritFlags)) {
      const long long id = static_cast<long long>(d.ext_id);
      cm.ext_id = d.ext_id;
      cm.depth_mm = d.depth_mm;
      cm.flags = d.flags & kCritFlags;
      cm.valid = true;
      cm.fat = cm.region = cm.pigment = std::string();
      if (d.flags & kFlagFat)
        cm.fat = fmt("Dot %lld went %.2f mm deep, into the fat: pigment there blows out.", id,
                     d.depth_mm);
      if (d.flags & kFlagForbidden)
        cm.region = fmt("Dot %lld is in an area that must stay free of pigment.", id);
      if (d.flags & kFlagBadPigment)
        cm.pigment = fmt("Dot %lld uses a pigment this scenario does not allow.", id);
    }
    auto push = [&](const char* code, const std::string& msg) {
      if (n_crit_out >= kMaxFindings) return;
      if (n_crit_out == rep.critical_errors.size()) rep.critical_errors.emplace_back();
      CriticalError& e = rep.critical_errors[n_crit_out++];
      e.code = code;
      e.message = msg;
      e.impression_id = d.ext_id;
      e.pos = d.pos;
    };
    if (d.flags & kFlagFat) push("pigment_in_fat", cm.fat);
    if (d.flags & kFlagForbidden) push("forbidden_region", cm.region);
    if (d.flags & kFlagBadPigment) push("forbidden_pigment", cm.pigment);
    if (n_crit_out >= kMaxFindings) break;
  }
  rep.critical_errors.resize(n_crit_out);
  const std::int64_t n_crit = n_crit_fat + n_crit_region + n_crit_pigment;
  rep.passed = all && n > 0 && n_crit == 0 && rep.overall >= sc->pass_overall;

  // ---- findings: merge the ordered impression findings with the spot findings ----
  // Two spot streams, each in list order: the hole, clump and grid_like spots (gm.spots, kept
  // sorted between calls) and the few others (sorted here). Their codes differ, so comparing
  // packed keys merges them in list order.
  std::sort(spots.begin(), spots.end(), [](const Spot& a, const Spot& b) { return a.key < b.key; });
  auto grid_it = gm.spots.begin();
  const auto grid_end = n > 0 ? gm.spots.end() : gm.spots.begin();
  std::size_t si = 0;
  const CodeStrings& cs = code_strings();
  const std::size_t most =
      std::min<std::size_t>(kMaxFindings, (n > 0 ? gm.spots.size() : 0) + spots.size() +
                                              imm_findings.size() + touching_set.size());
  if (rep.findings.capacity() < most) rep.findings.reserve(most);
  // Findings are written over the ones already in rep (their strings keep their storage).
  std::size_t nf = 0;
  auto new_finding = [&](std::uint8_t code, std::int64_t id, PointMm pos, int level) -> Finding& {
    if (nf == rep.findings.size()) rep.findings.emplace_back();
    Finding& f = rep.findings[nf++];
    f.criterion = cs.criterion[code];
    f.code = cs.code[code];
    f.impression_id = id;
    f.pos = pos;
    f.severity = static_cast<double>(level) / kLevels;
    return f;
  };
  // A hole or clump message is a function of the count (e is the cell's own): formatted once
  // per count.
  auto cell_message = [&](std::size_t p) -> const std::string& {
    CellMemo& m = grid_memo.cell[p];
    if (m.msg_cnt != m.cnt) {
      const double k = m.cnt;
      const double e = L.cell_expected[static_cast<std::size_t>(L.target_cells[p])];
      m.msg = k / e < kHoleRatio
                  ? fmt("Hole: %.0f dots in this 5 mm square where about %.0f belong.", k, e)
                  : fmt("Clump: %.0f dots in this 5 mm square where about %.0f belong.", k, e);
      m.msg_cnt = m.cnt;
    }
    return m.msg;
  };
  auto emit_grid_spot = [&](std::uint64_t key) {
    const std::uint8_t code = spot_code(key);
    const std::uint32_t pos = static_cast<std::uint32_t>(key & 0xffffffffu);
    if (code == kGridLike) {
      const int bw = (L.anx + 1) / 2;
      const int bx = static_cast<int>(pos) % bw, by = static_cast<int>(pos) / bw;
      new_finding(
          code, -1,
          PointMm{L.ax0 + (bx + 0.5) * 2 * kDensityCellMm, L.ay0 + (by + 0.5) * 2 * kDensityCellMm},
          spot_level(key))
          .message = "Grid or row pattern: neighbouring dots line up in the same directions.";
    } else {
      new_finding(code, -1, gm.centre[pos], spot_level(key)).message = cell_message(pos);
    }
  };
  auto emit_spot = [&](const Spot& sp) {
    Finding& f = new_finding(spot_code(sp.key), -1, sp.pos, spot_level(sp.key));
    switch (static_cast<Code>(spot_code(sp.key))) {
      case kHairlineGap:
        f.message = "Gap: no dots in this stretch of the hairline transition zone.";
        break;
      case kStraightHairline:
        fmt_to(f.message,
               "The hairline edge is a straight line (front-most dots vary by only %.2f mm): make "
               "it softly irregular.",
               sp.a);
        break;
      case kScarUncovered:
        f.message = "Uncovered scar: this part of the scar has no dots yet.";
        break;
      default:  // kScarBorder
        fmt_to(f.message,
               "The scar does not blend: %.0f%% of target density inside, %.0f%% in the 3 mm "
               "around it.",
               100 * sp.a, 100 * sp.b);
        break;
    }
  };
  auto dot_message = [&](Code code, const Dot& d) -> std::string {
    const long long id = static_cast<long long>(d.ext_id);
    switch (code) {
      case kTooShallow:
        return fmt(
            "Dot %lld is %.2f mm deep, above the %.2f-%.2f mm band: it will fade within "
            "weeks.",
            id, d.depth_mm, d.band_min_mm, d.band_max_mm);
      case kTooDeep:
        return fmt(
            "Dot %lld is %.2f mm deep, below the %.2f-%.2f mm band: it will blur and turn "
            "blue.",
            id, d.depth_mm, d.band_min_mm, d.band_max_mm);
      case kPigmentInFat:
        return fmt("Dot %lld reached the fat at %.2f mm: blowout.", id, d.depth_mm);
      case kTouching:
        return fmt("Dot %lld touches a neighbouring dot: they will merge.", id);
      case kRepeatPass:
        return fmt("Dot %lld is a second pass on the same spot: it spreads and scars.", id);
      case kHeavyDose:
        return fmt("Dot %lld carries a heavy dose (%.1fx a clean tap): it will spread.", id,
                   d.dose);
      case kScarMigration:
        return fmt("Dot %lld is in knotted scar tissue where pigment migrates.", id);
      case kColorOff:
        return fmt("Dot %lld heals %.1f CIEDE2000 away from the target shade.", id, d.delta_e);
      case kBlackInTemporary:
        return fmt("Dot %lld uses a black-containing pigment in a temporary-technique case.", id);
      case kDarkerThanHair:
        return fmt("Dot %lld heals darker than the hair (L* %.0f vs %.0f).", id, d.dot_l,
                   sc->patient.hair_lab.L);
      case kForbiddenPigment:
        return fmt("Dot %lld uses a pigment this scenario does not allow.", id);
      case kForbiddenRegion:
        return fmt("Dot %lld is in an area that must stay free of pigment.", id);
      case kAvoidRegion:
        return fmt("Dot %lld is in an area to avoid.", id);
      case kOutsideTreatArea:
        return fmt("Dot %lld is outside the treatment area.", id);
      case kInFrontOfHairline:
        return fmt("Dot %lld is %.1f mm in front of the designed hairline.", id, d.front_dist_mm);
      case kUnderHair:
        return fmt("Dot %lld sits under an existing hair, where it adds no density.", id);
      default:
        return fmt("Dot %lld.", id);
    }
  };
  // Walk the severity levels from the top; within a level, spots first, then impressions by index
  // and code. Each (level, code) stack is already sorted by index (dots are added in order).
  std::vector<std::pair<std::uint32_t, std::uint8_t>>& level_dots = level_buf;
  for (int level = kLevels; level >= 1 && nf < kMaxFindings; --level) {
    while (nf < kMaxFindings) {
      const bool grid_next = grid_it != grid_end && spot_level(*grid_it) == level;
      const bool other_next = si < spots.size() && spot_level(spots[si].key) == level;
      if (grid_next && (!other_next || *grid_it < spots[si].key)) {
        emit_grid_spot(*grid_it++);
      } else if (other_next) {
        emit_spot(spots[si++]);
      } else {
        break;
      }
    }
    const std::size_t room = kMaxFindings - nf;
    if (room == 0) break;
    if (level_count[static_cast<std::size_t>(level)] == 0 &&
        (level != kSevTouching || touching_set.empty()))
      continue;  // nothing at this level: skip the 23 stacks
    level_dots.clear();
    for (std::uint8_t code = 0; code < kCodeCount; ++code) {
      const auto& b =
          buckets[static_cast<std::size_t>(code) * (kLevels + 1) + static_cast<std::size_t>(level)];
      for (std::size_t i = 0; i < b.size() && i < room; ++i) level_dots.emplace_back(b[i], code);
      if (code == kTouching && level == kSevTouching) {
        std::size_t i = 0;
        for (auto t = touching_set.begin(); t != touching_set.end() && i < room; ++t, ++i)
          level_dots.emplace_back(*t, code);
      }
    }
    std::sort(level_dots.begin(), level_dots.end());
    for (std::size_t i = 0; i < level_dots.size() && i < room; ++i) {
      const auto [idx, code] = level_dots[i];
      const Dot& d = dots[idx];
      const std::uint64_t mk = std::uint64_t{idx} * kCodeCount + code;
      auto it = dot_msg_memo.find(mk);
      if (it == dot_msg_memo.end())
        it = dot_msg_memo.emplace(mk, dot_message(static_cast<Code>(code), d)).first;
      new_finding(code, d.ext_id, d.pos, level).message = it->second;
    }
  }
  rep.findings.resize(nf);
}

// ---------------------------------------------------------------------------------------------

Scorer::Scorer(const Scenario& scenario, const PigmentCatalogue& catalogue)
    : s_(std::make_unique<State>(scenario, catalogue)) {}
Scorer::~Scorer() = default;
Scorer::Scorer(Scorer&&) noexcept = default;
Scorer& Scorer::operator=(Scorer&&) noexcept = default;

void Scorer::add(const Impression& imp) {
  s_->add(imp);
}
void Scorer::pop_back() {
  s_->pop();
}
std::size_t Scorer::size() const {
  return s_->dots.size();
}
void Scorer::shrink_to_fit() {
  s_->dots.shrink_to_fit();
  s_->undo.shrink_to_fit();
  s_->imm_findings.shrink_to_fit();
}
ScoreReport Scorer::report() const {
  ScoreReport rep;
  s_->report_into(rep);
  return rep;
}
void Scorer::report_into(ScoreReport& out) const {
  s_->report_into(out);
}
Scorer::NeighbourDebug Scorer::neighbour_debug(std::uint32_t i) const {
  NeighbourDebug out;
  if (i >= s_->dots.size()) return out;
  const auto& d = s_->dots[i];
  out.nn_mm = d.nn_mm;
  out.nn_id = d.nn_id;
  const GridCell& home = s_->grid.cells[s_->grid.cell_of(d.pos)];
  for (std::uint32_t q = 0; q < home.n; ++q) {
    const HashEntry& e = s_->grid.pool[home.begin + q];
    if (e.idx == i) out.touch_count = e.touches;
  }
  out.radius_mm = d.radius_mm;
  out.cap_mm = d.cap_mm();
  out.expected_nn_mm = d.expected_nn_mm;
  out.reach_mm = std::max(s_->L.cap_global_mm, d.radius_mm + s_->max_radius_before(i));
  return out;
}
DepthStatus Scorer::depth_status(std::uint32_t impression_id) const {
  if (impression_id >= s_->dots.size()) return DepthStatus::kInBand;
  return s_->dots[impression_id].status();
}

// The same add() as the incremental path, split in two: the per-impression part that reads no
// running state (locate, skin, healed appearance, CIEDE2000, ...) runs on a second thread ahead of
// the in-order commit; the main thread commits and, when it catches up, prepares too. Prepared
// values are pure functions of the impression, and commits run in order, so the report is the
// one-by-one report bit for bit.
ScoreReport score_batch(const Scenario& scenario, const PigmentCatalogue& catalogue,
                        std::span<const Impression> impressions) {
  Scorer scorer(scenario, catalogue);
  Scorer::State& st = *scorer.s_;
  const std::size_t n = impressions.size();
  // A second thread pays for itself from a few thousand dots on.
  constexpr std::size_t kParallelMin = 4096;
  const unsigned threads =
      n < kParallelMin ? 1u : std::min(2u, std::max(1u, std::thread::hardware_concurrency()));
  if (n >= kNone) {  // dot indices are 32-bit; beyond every documented limit
    for (const Impression& imp : impressions) scorer.add(imp);
    return scorer.report();
  }
  // 1. What each dot is on its own (prepare()), in parallel; the caches it reads are filled
  //    first, in order.
  std::vector<std::uint32_t> pigment(n), dep(n);
  for (std::size_t i = 0; i < n; ++i) {
    pigment[i] = st.facts(impressions[i].pigment);
    dep[i] = st.deposit(pigment[i], impressions[i]);
  }
  // Every element of prep and fin is constructed by the thread that fills it.
  BatchArray<Prepared> prep(n);
  {
    constexpr std::size_t kChunk = 512;
    std::atomic<std::size_t> next{0};
    run_parallel(threads, [&] {
      for (;;) {
        const std::size_t b = next.fetch_add(kChunk, std::memory_order_relaxed);
        if (b >= n) return;
        for (std::size_t i = b; i < std::min(n, b + kChunk); ++i)
          st.prepare(impressions[i], pigment[i], dep[i], *prep.construct(i));
      }
    });
  }
  // 2. Every dot's final neighbours, in parallel.
  BatchArray<FinalNeighbours> fin(n);
  st.final_neighbours(prep.span(), fin.span(), threads);
  // 3. The dots in order (the findings lists and the running sums keep add()'s order), then their
  //    neighbour-dependent contributions: integer sums, so their order does not matter.
  st.dots.reserve(n);
  prefer_huge_pages(st.dots.data(), n * sizeof(Dot));
  for (std::size_t i = 0; i < n; ++i) st.commit(prep[i], &fin[i]);
  for (std::uint32_t k = 0; k < n; ++k) {
    st.apply_mut(k);
    st.sync_touching(k);
  }
  // The scorer is not used after this, so its neighbour grid was never built.
  return scorer.report();
}

}  // namespace smp::sim
