// Finding codes, their criterion and key, and the severity levels findings are ranked by.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace smp::sim::scoring {

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

}  // namespace smp::sim::scoring
