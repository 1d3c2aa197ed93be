// Synthetic trainees: a deterministic stylus log for a scenario, from an expert's or a novice's
// hand, optionally with one planned fault (a few slips, a fifth of the dots too deep, ...).
// `smp demo-session` writes these logs; tests/sim/test_verdicts.cpp and `smp calibrate`'s tests
// score them. Same scenario + style + seed = the same bytes (no libm trigonometry, the
// standard-fixed std::mt19937_64 with this library's own mappings).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smp/sim/pigment.h"
#include "smp/sim/scenario.h"
#include "smp/sim/session.h"

namespace smp::synth {

// What the synthetic trainee gets wrong. kNone: the plain expert (or novice). The others change
// an expert's attempt (docs/scoring.md, "What an instructor fails"):
//   kFewSlips   4% of dots just outside the depth band, two touching pairs, 3% of dots left out
//   kTooDeep    every 5th dot in the reticular dermis       kTooShallow  every 5th in the epidermis
//   kTouching   a touching partner beside every 18th dot (about a tenth of the dots touch)
//   kUnworked   the fifth of the work farthest to +x left empty
//   kSparse     0.65x the target density                     kDense       1.55x the target density
enum class Fault { kNone, kFewSlips, kTooDeep, kTooShallow, kTouching, kUnworked, kSparse, kDense };

struct Style {
  bool expert = true;
  Fault fault = Fault::kNone;  // only for the expert hand
};

// "expert", "novice", "few-slips", "too-deep", "too-shallow", "touching", "unworked", "sparse",
// "dense"; nullopt for anything else.
std::optional<Style> parse_style(std::string_view name);
inline constexpr const char* kStyleNames =
    "expert, novice, few-slips, too-deep, too-shallow, touching, unworked, sparse, dense";

// The session (finished, no "recorded" block) a trainee of this style would log.
sim::Session synthesize(const sim::Scenario& scenario, const sim::PigmentCatalogue& catalogue,
                        const Style& style, std::uint64_t seed, const std::string& trainee);

}  // namespace smp::synth
