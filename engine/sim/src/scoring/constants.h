// The scorer's constants (docs/scoring.md explains each one and its source).
#pragma once

namespace smp::sim::scoring {

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

}  // namespace smp::sim::scoring
